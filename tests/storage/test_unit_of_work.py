"""The unit of work: stamping, change journal, audit trail, refusals, rollback, HLC."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.clock import FrozenClock
from app.models import AuditEntry, ChangeJournal, Practitioner
from app.services.check import run_checks
from app.services.workspace import open_workspace
from app.storage.audit import GENESIS, entry_hash, verify_chain
from app.storage.hlc import COUNTER_BITS, HybridLogicalClock, physical_ms
from app.storage.profile import unlock_key
from app.storage.uow import WriteRefused
from tests.conftest import FAST_KDF


def counts(store) -> tuple[int, int]:
    with store.reader() as s:
        return (s.execute(select(func.count()).select_from(ChangeJournal)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def journal_after(store, seq: int) -> list[ChangeJournal]:
    with store.reader() as s:
        return list(s.execute(select(ChangeJournal).where(ChangeJournal.seq > seq)
                              .order_by(ChangeJournal.seq)).scalars())


def audit_after(store, seq: int) -> list[AuditEntry]:
    with store.reader() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.seq > seq)
                              .order_by(AuditEntry.seq)).scalars())


def last_seqs(store) -> tuple[int, int]:
    with store.reader() as s:
        return (s.execute(select(func.max(ChangeJournal.seq))).scalar() or 0,
                s.execute(select(func.max(AuditEntry.seq))).scalar() or 0)


def max_version(store) -> int:
    with store.reader() as s:
        return s.execute(select(func.max(ChangeJournal.version))).scalar() or 0


def add_practitioners(ws, *names: str) -> list[Practitioner]:
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        rows = [Practitioner(first_name=n, last_name=n.upper()) for n in names]
        uow.session.add_all(rows)
    return rows


def test_insert_stamps_version_node_and_times(workspace, clock):
    store = workspace.store
    before = max_version(store)
    j0, a0 = last_seqs(store)
    clock.advance(minutes=3)
    (p,) = add_practitioners(workspace, "Anaïs")
    assert p.version > before
    assert p.origin_node == store.node_id
    assert p.created_at == p.updated_at == clock.now()
    with store.reader() as s:
        stored = s.get(Practitioner, p.id)
        assert (stored.version, stored.origin_node, stored.updated_at) == \
            (p.version, store.node_id, clock.now())
        assert stored.updated_at.tzinfo is not None
    (entry,) = journal_after(store, j0)
    assert (entry.entity, entry.entity_id, entry.op, entry.version, entry.origin_node) == \
        ("practitioner", p.id, "insert", p.version, store.node_id)
    payload = json.loads(entry.payload)
    assert payload["first_name"] == "Anaïs" and payload["active"] is True
    assert payload["colour"] == "#3b7dd8"  # column defaults are journaled too
    (audit,) = audit_after(store, a0)
    assert (audit.action, audit.entity, audit.entity_id, audit.user_id) == \
        ("create", "practitioner", p.id, workspace.user_id)


def test_one_journal_and_one_audit_row_per_written_row(workspace):
    store = workspace.store
    j0, a0 = last_seqs(store)
    rows = add_practitioners(workspace, "Un", "Deux", "Trois")
    journal, audit = journal_after(store, j0), audit_after(store, a0)
    assert sorted(e.entity_id for e in journal) == sorted(r.id for r in rows)
    assert sorted(e.entity_id for e in audit) == sorted(r.id for r in rows)
    assert len({e.at for e in journal}) == 1  # one instant per unit of work


def test_versions_strictly_increase_even_within_one_millisecond(workspace):
    rows = add_practitioners(workspace, *[f"P{i}" for i in range(6)])
    rows += add_practitioners(workspace, "Encore")
    versions = [r.version for r in rows]
    assert all(b > a for a, b in zip(versions, versions[1:]))


def test_update_journals_only_the_changed_fields(workspace, clock):
    store = workspace.store
    (p,) = add_practitioners(workspace, "Basile")
    created_at, old_version = p.created_at, p.version
    j0, a0 = last_seqs(store)
    clock.advance(minutes=10)
    with store.unit_of_work(actor_id=workspace.user_id) as uow:
        row = uow.session.get(Practitioner, p.id)
        row.specialty = "Pédiatrie"
        row.first_name = "Basile"  # same value: not a change
    (entry,) = journal_after(store, j0)
    assert entry.op == "update"
    assert json.loads(entry.payload) == {"specialty": "Pédiatrie",
                                         "updated_at": clock.now().isoformat()}
    assert entry.version > old_version
    (audit,) = audit_after(store, a0)
    assert (audit.action, audit.entity_id) == ("update", p.id)
    with store.reader() as s:
        stored = s.get(Practitioner, p.id)
    assert stored.version == entry.version > old_version
    assert stored.updated_at == clock.now() and stored.created_at == created_at


def test_unchanged_object_writes_nothing(workspace):
    store = workspace.store
    (p,) = add_practitioners(workspace, "Cyril")
    before = counts(store)
    with store.unit_of_work(actor_id=workspace.user_id) as uow:
        row = uow.session.get(Practitioner, p.id)
        row.last_name = row.last_name
    assert counts(store) == before


def test_tombstone_is_journaled_as_delete(workspace, clock):
    store = workspace.store
    (p,) = add_practitioners(workspace, "Denise")
    j0, a0 = last_seqs(store)
    with store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.get(Practitioner, p.id).deleted_at = clock.now()
    (entry,) = journal_after(store, j0)
    assert entry.op == "delete" and "deleted_at" in json.loads(entry.payload)
    assert audit_after(store, a0)[0].action == "delete"


def test_hard_delete_is_refused_and_nothing_is_written(workspace):
    store = workspace.store
    (p,) = add_practitioners(workspace, "Émile")
    before = counts(store)
    with pytest.raises(WriteRefused):
        with store.unit_of_work(actor_id=workspace.user_id) as uow:
            uow.session.add(Practitioner(first_name="Side", last_name="Effect"))
            uow.session.delete(uow.session.get(Practitioner, p.id))
    assert counts(store) == before
    with store.reader() as s:
        assert s.get(Practitioner, p.id) is not None
        assert s.execute(select(Practitioner).where(Practitioner.last_name == "Effect")).first() \
            is None


def test_reader_session_refuses_writes(workspace):
    store = workspace.store
    (p,) = add_practitioners(workspace, "Fanny")
    before = counts(store)
    with pytest.raises(WriteRefused):
        with store.reader() as s:
            s.add(Practitioner(first_name="Sneaky", last_name="Insert", id="x" * 36,
                               created_at=datetime.now(timezone.utc),
                               updated_at=datetime.now(timezone.utc), version=1,
                               origin_node="n"))
            s.flush()
    with pytest.raises(WriteRefused):
        with store.reader() as s:
            s.get(Practitioner, p.id).specialty = "changed around the unit of work"
    assert counts(store) == before
    with store.reader() as s:
        assert s.get(Practitioner, p.id).specialty == ""
        assert s.get(Practitioner, "x" * 36) is None


def test_exception_inside_the_unit_of_work_rolls_back_everything(workspace):
    store = workspace.store
    (p,) = add_practitioners(workspace, "Gaston")
    before = counts(store)
    with pytest.raises(RuntimeError, match="boom"):
        with store.unit_of_work(actor_id=workspace.user_id) as uow:
            uow.session.add(Practitioner(first_name="Never", last_name="Stored"))
            uow.session.get(Practitioner, p.id).specialty = "never"
            uow.audit("export", "practitioner", p.id)
            uow.session.flush()  # rows, journal and audit reached the database...
            assert counts_in(uow.session) == (before[0] + 2, before[1] + 3)
            raise RuntimeError("boom")  # ...and are rolled back together
    assert counts(store) == before
    with store.reader() as s:
        assert s.get(Practitioner, p.id).specialty == ""
    assert verify_chain_of(store).ok


def counts_in(session) -> tuple[int, int]:
    return (session.execute(select(func.count()).select_from(ChangeJournal)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def verify_chain_of(store):
    with store.reader() as s:
        return verify_chain(s)


# -- audit chain -------------------------------------------------------------------


@pytest.fixture
def audited(workspace):
    """A workspace with a dozen audit entries."""
    add_practitioners(workspace, "H1", "H2", "H3")
    for i in range(3):
        with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
            uow.audit("read", "practitioner", f"id-{i}", detail=f"page {i}")
    add_practitioners(workspace, "H4")
    return workspace


def audit_seqs(store) -> list[int]:
    with store.reader() as s:
        return list(s.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars())


def raw_sql(store, sql: str, params: tuple = ()) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(sql, params)


def audit_check(store):
    return next(i for i in run_checks(store) if i.label == audit_label())


def audit_label() -> str:
    from app.i18n import _

    return _("Audit trail")


def test_audit_chain_verifies(audited):
    store = audited.store
    report = verify_chain_of(store)
    assert report.ok and report.entries == len(audit_seqs(store)) >= 10
    item = audit_check(store)
    assert item.ok and str(report.entries) in item.detail
    # The first entry chains to the genesis hash; each entry to the one before.
    entries = audit_after(store, 0)
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:]))
    first = entries[0]
    assert first.seq == 1
    # Each names the workstation that wrote it, and its hash covers it.
    assert first.hash == entry_hash(1, GENESIS, first.at, first.user_id, first.action, first.entity,
                                    first.entity_id, first.detail, first.workstation,
                                    first.workstation_name)
    last = entries[-1]
    assert (last.workstation, last.workstation_name) == (store.node_id, store.workstation_name)
    assert store.workstation_name == audited.principal.workstation_name != ""


@pytest.mark.parametrize("column, value", [
    ("detail", "nothing to see"), ("user_id", "someone-else"), ("action", "read"),
    ("entity_id", "another-record"), ("at", "2020-01-01 00:00:00.000000"),
    ("workstation", "another-node"), ("workstation_name", "ANOTHER-PC"),
    ("workstation", None),
])
def test_editing_any_audit_row_breaks_the_chain_there(audited, column, value):
    store = audited.store
    seqs = audit_seqs(store)
    target = seqs[len(seqs) // 2]
    raw_sql(store, f"UPDATE audit_trail SET {column} = ? WHERE seq = ?", (value, target))
    report = verify_chain_of(store)
    assert report.first_broken_seq == target
    item = audit_check(store)
    assert not item.ok and str(target) in item.detail


def test_deleting_a_middle_audit_row_is_named_as_missing(audited):
    store = audited.store
    seqs = audit_seqs(store)
    target = seqs[len(seqs) // 2]
    raw_sql(store, "DELETE FROM audit_trail WHERE seq = ?", (target,))
    report = verify_chain_of(store)
    assert report.first_broken_seq == target and report.missing
    item = audit_check(store)
    assert not item.ok and str(target) in item.detail


def test_renumbering_entries_breaks_the_chain(audited):
    """The sequence number is hashed: closing the gap of a deleted entry is caught."""
    store = audited.store
    seqs = audit_seqs(store)
    target = seqs[len(seqs) // 2]
    raw_sql(store, "DELETE FROM audit_trail WHERE seq = ?", (target,))
    raw_sql(store, "UPDATE audit_trail SET seq = seq - 1 WHERE seq > ?", (target,))
    report = verify_chain_of(store)
    assert report.first_broken_seq == target and not report.missing


def test_editing_the_first_audit_row_is_caught(audited):
    store = audited.store
    first = audit_seqs(store)[0]
    raw_sql(store, "UPDATE audit_trail SET prev_hash = ? WHERE seq = ?", ("f" * 64, first))
    assert verify_chain_of(store).first_broken_seq == first


def test_chain_continues_across_reopen(audited, passphrase, clock):
    paths = audited.paths
    audited.close()
    ws = open_workspace(paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF), clock=clock)
    try:
        add_practitioners(ws, "Après")
        assert verify_chain_of(ws.store).ok
    finally:
        ws.close()


def test_audit_chain_holds_with_a_non_utc_clock(practice_factory):
    """A clock giving aware local times (not UTC) must not break the chain: the trail
    stores UTC, so what is hashed must be the same instant read back."""
    from zoneinfo import ZoneInfo

    paris = FrozenClock(datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/Paris")))
    ws = practice_factory("paris", clock=paris).workspace
    add_practitioners(ws, "Heure", "Locale")
    assert verify_chain_of(ws.store).ok


# -- hybrid logical clock ----------------------------------------------------------


def test_hlc_never_goes_back_when_the_wall_clock_does():
    wall = FrozenClock(datetime(2026, 3, 16, 12, 0, tzinfo=timezone.utc))
    hlc = HybridLogicalClock(wall)
    stamps = [hlc.now()]
    wall.advance(seconds=5)
    stamps.append(hlc.now())
    wall.advance(hours=-2)
    stamps += [hlc.now() for _ in range(3)]
    wall.advance(seconds=1)
    stamps.append(hlc.now())
    assert all(b > a for a, b in zip(stamps, stamps[1:]))
    assert physical_ms(stamps[-1]) == physical_ms(stamps[1])  # held at the latest wall time
    wall.advance(hours=3)
    later = hlc.now()
    assert physical_ms(later) == int(wall.now().timestamp() * 1000)
    assert later & ((1 << COUNTER_BITS) - 1) == 0


def test_hlc_observe_moves_past_a_remote_stamp():
    wall = FrozenClock(datetime(2026, 3, 16, 12, 0, tzinfo=timezone.utc))
    hlc = HybridLogicalClock(wall)
    remote = hlc.now() + (10_000 << COUNTER_BITS)  # a peer ten seconds ahead
    merged = hlc.observe(remote)
    assert merged > remote and hlc.now() > merged


def test_store_versions_keep_increasing_when_the_clock_goes_back(workspace, clock):
    (a,) = add_practitioners(workspace, "Avant")
    clock.advance(days=-1)
    (b,) = add_practitioners(workspace, "Après")
    assert b.version > a.version
    assert b.updated_at == clock.now()  # wall time is stored as given; order is the version


def test_versions_continue_after_reopen_with_an_earlier_clock(workspace, passphrase):
    (a,) = add_practitioners(workspace, "Premier")
    paths = workspace.paths
    workspace.close()
    past = FrozenClock(datetime(2020, 1, 1, tzinfo=timezone.utc))
    ws = open_workspace(paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF), clock=past)
    try:
        (b,) = add_practitioners(ws, "Second")
        assert b.version > a.version
        assert b.created_at == past.now()
        assert ws.store.hlc.last == b.version
    finally:
        ws.close()


def test_frozen_clock_moves_only_when_told():
    c = FrozenClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert c.now() == c.now()
    c.advance(minutes=1)
    assert c.now() == datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=1)
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))
