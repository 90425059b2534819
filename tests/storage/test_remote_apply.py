"""Changes applied from a peer keep their origin and stamps, merge field by field, are
applied once, are audited and are never sent back to that peer.

Two real practices play two nodes: what one journals is read as a peer would receive it
(``changes_for_peer``) and applied on the other (``apply_remote``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.clock import FrozenClock
from app.models import AuditEntry, ChangeJournal, LocalMeta, Patient, kinds
from app.models.conflict import SyncConflict
from app.services.patients import PatientInput, PhoneEntry
from app.services.workspace import open_workspace
from app.storage import versions
from app.storage.changes import ChangeSet, KindChanges
from app.storage.profile import unlock_key
from app.storage.remote import META_HLC, RemoteChange, RemoteChangeRefused
from tests.conftest import FAST_KDF

THIRD_NODE = "0190a5b2-0000-7000-8000-00000000000c"
CARD = ("birth_name", "first_names", "birth_date", "city", "email", "call_not_before",
        "deleted_at", "version", "origin_node", "field_versions")


@pytest.fixture
def nodes(practice_factory):
    return practice_factory("node-a").workspace, practice_factory("node-b").workspace


def last_seq(ws) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.max(ChangeJournal.seq))).scalar() or 0


def counts(ws) -> tuple[int, int]:
    with ws.store.reader() as s:
        return (s.execute(select(func.count()).select_from(ChangeJournal)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def since(ws, peer, seq: int) -> list[RemoteChange]:
    return [c for _seq, c in ws.store.changes_for_peer(peer.store.node_id, after_seq=seq)]


def send(source, target, changes: list[RemoteChange]) -> ChangeSet | None:
    return target.store.apply_remote(changes, peer_node_id=source.store.node_id,
                                     actor_id=target.user_id)


def card(ws, patient_id: str) -> tuple:
    with ws.store.reader() as s:
        p = s.get(Patient, patient_id)
        return tuple(getattr(p, c) for c in CARD)


def edit(ws, patient_id: str, **values) -> None:
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        p = uow.session.get(Patient, patient_id)
        for k, v in values.items():
            setattr(p, k, v)


def shared_patient(a, b, clock=None) -> str:
    """A card created on A and received by B."""
    seq = last_seq(a)
    pid = a.patients.create(PatientInput(
        birth_name="Lefèvre", first_names="Hélène", birth_date="01/07/1975",
        phones=[PhoneEntry("06 12 34 56 78")], city="Lyon", call_not_before="09:30")).id
    assert send(a, b, since(a, b, seq)) is not None
    return pid


def test_an_applied_change_keeps_its_origin_its_stamps_and_its_transaction(nodes):
    a, b = nodes
    seq = last_seq(a)
    pid = a.patients.create(PatientInput(
        birth_name="Lefèvre", first_names="Hélène", birth_date="01/07/1975",
        phones=[PhoneEntry("06 12 34 56 78")], city="Lyon", call_not_before="09:30")).id
    incoming = since(a, b, seq)
    assert {c.kind for c in incoming} == {kinds.PATIENT, kinds.PATIENT_PHONE}
    heard: list[ChangeSet] = []
    b.store.subscribe(heard.append)
    j0, a0 = last_seq(b), counts(b)[1]

    applied = send(a, b, incoming)

    assert card(b, pid) == card(a, pid)  # values, version, origin node: A's
    assert card(b, pid)[CARD.index("origin_node")] == a.store.node_id
    assert card(b, pid)[CARD.index("birth_date")] == date(1975, 7, 1)
    assert applied is not None and heard == [applied]
    assert applied.from_peer == a.store.node_id
    assert applied.of(kinds.PATIENT) == KindChanges(inserted=frozenset({pid}))
    with b.store.reader() as s:
        entries = s.execute(select(ChangeJournal).where(ChangeJournal.seq > j0)
                            .order_by(ChangeJournal.seq)).scalars().all()
        audits = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()[a0:]
    assert [(e.entity_id, e.version, e.origin_node, e.peer_node, e.tx_id) for e in entries] == \
        [(c.entity_id, c.version, a.store.node_id, a.store.node_id, c.tx_id) for c in incoming]
    assert [(x.action, x.entity_id, x.user_id, x.detail) for x in audits] == \
        [("create", c.entity_id, b.user_id, f"applied from peer {a.store.node_id}")
         for c in incoming]
    # Never echoed: B has nothing of A's to send back to A, but would pass it on.
    assert since(b, a, j0) == []
    assert [c for _s, c in b.store.changes_for_peer(THIRD_NODE, after_seq=j0)] == incoming


def test_applying_the_same_changes_twice_changes_nothing(nodes):
    a, b = nodes
    seq = last_seq(a)
    pid = a.patients.create(PatientInput(birth_name="Martin", first_names="Paul")).id
    edit(a, pid, city="Tours")
    incoming = since(a, b, seq)
    assert send(a, b, incoming) is not None
    before, stored, mark = counts(b), card(b, pid), clock_mark(b)
    heard: list[ChangeSet] = []
    b.store.subscribe(heard.append)

    assert send(a, b, incoming) is None
    assert send(a, b, incoming[1:]) is None  # any part of it too

    assert counts(b) == before  # no journal entry, no audit entry
    assert card(b, pid) == stored and heard == [] and clock_mark(b) == mark


def clock_mark(ws) -> str | None:
    with ws.store.reader() as s:
        meta = s.get(LocalMeta, META_HLC)
        return meta.value if meta else None


def test_two_nodes_editing_different_fields_of_one_card_both_win(nodes, clock):
    a, b = nodes
    pid = shared_patient(a, b)
    seq_a, seq_b = last_seq(a), last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours")
    clock.advance(minutes=1)
    edit(b, pid, email="helene@exemple.fr")

    send(a, b, since(a, b, seq_a))
    send(b, a, since(b, a, seq_b))

    assert card(a, pid) == card(b, pid)
    with a.store.reader() as s:
        p = s.get(Patient, pid)
        assert (p.city, p.email) == ("Tours", "helene@exemple.fr")
        held = versions.parse(p.field_versions, p.version)
    assert versions.of_field(held, "city") < versions.of_field(held, "email") == p.version
    # Then a later local edit of a third field merges the same way.
    seq_a, seq_b = last_seq(a), last_seq(b)
    clock.advance(minutes=1)
    edit(b, pid, first_names="Hélène Marie")
    send(b, a, since(b, a, seq_b))
    assert send(a, b, since(a, b, seq_a)) is None  # A had nothing new of its own
    assert card(a, pid) == card(b, pid)
    assert card(a, pid)[:2] == ("Lefèvre", "Hélène Marie")


def test_an_older_remote_value_does_not_replace_a_newer_local_one(nodes, clock):
    a, b = nodes
    pid = shared_patient(a, b)
    seq_a, seq_b = last_seq(a), last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours")          # older
    clock.advance(minutes=1)
    edit(b, pid, city="Blois")          # newer
    before = counts(b)

    assert send(a, b, since(a, b, seq_a)) is None
    assert counts(b) == before
    send(b, a, since(b, a, seq_b))
    assert card(a, pid) == card(b, pid)
    assert card(a, pid)[CARD.index("city")] == "Blois"


def test_a_tombstone_from_a_peer_is_a_tombstone_here(nodes, clock):
    a, b = nodes
    pid = shared_patient(a, b)
    seq = last_seq(a)
    clock.advance(minutes=1)
    edit(a, pid, deleted_at=clock.now())
    applied = send(a, b, since(a, b, seq))
    assert applied.of(kinds.PATIENT) == KindChanges(tombstoned=frozenset({pid}))
    assert card(b, pid)[CARD.index("deleted_at")] == clock.now()


def test_stamps_received_move_the_clock_on_even_after_a_restart(practice_factory, passphrase):
    ahead = FrozenClock(datetime(2026, 3, 16, 12, 0, tzinfo=timezone.utc))
    behind = FrozenClock(datetime(2026, 3, 16, 8, 0, tzinfo=timezone.utc))
    a = practice_factory("node-a", clock=ahead).workspace
    b = practice_factory("node-b", clock=behind).workspace
    seq = last_seq(a)
    pid = a.patients.create(PatientInput(birth_name="Martin", first_names="Paul")).id
    received = max(c.version for c in since(a, b, seq))
    send(a, b, since(a, b, seq))
    edit(b, pid, city="Tours")  # B's wall clock is four hours behind A's
    assert card(b, pid)[CARD.index("version")] > received
    paths = b.paths
    b.close()
    reopened = open_workspace(paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF),
                              clock=behind)
    try:
        assert reopened.store.hlc.now() > received
    finally:
        reopened.close()


def test_a_batch_that_cannot_be_applied_leaves_nothing(nodes):
    a, b = nodes
    seq = last_seq(a)
    pid = a.patients.create(PatientInput(birth_name="Martin", first_names="Paul")).id
    good = since(a, b, seq)
    unknown = RemoteChange("tx", "spaceship", "x", "insert", 1, a.store.node_id,
                           datetime(2026, 3, 16, tzinfo=timezone.utc), {})
    orphan = RemoteChange("tx", kinds.PATIENT, "0190a5b2-0000-7000-8000-0000000000ff", "update",
                          good[0].version, a.store.node_id, good[0].at, {"city": "Tours"})
    before = counts(b)
    for bad in (unknown, orphan):
        with pytest.raises(RemoteChangeRefused):
            send(a, b, [*good, bad])
    assert counts(b) == before
    with b.store.reader() as s:
        assert s.get(Patient, pid) is None
    with pytest.raises(ValueError):
        b.store.apply_remote(good, peer_node_id=b.store.node_id, actor_id=b.user_id)


def test_a_local_update_journals_the_stamp_of_each_field(workspace, clock):
    pid = workspace.patients.create(PatientInput(birth_name="Martin", first_names="Paul")).id
    inserted = card(workspace, pid)
    assert inserted[CARD.index("field_versions")] is None  # every field at the row's version
    seq = last_seq(workspace)
    clock.advance(seconds=5)
    edit(workspace, pid, city="Tours", email="p@exemple.fr")
    with workspace.store.reader() as s:
        (entry,) = s.execute(select(ChangeJournal).where(ChangeJournal.seq > seq)).scalars()
        p = s.get(Patient, pid)
    change = RemoteChange.of_entry(entry)
    assert set(change.payload) == {"city", "email", "updated_at"}
    assert change.field_versions == {k: entry.version for k in change.payload}
    held = versions.parse(p.field_versions, p.version)
    assert held == {versions.BASE: inserted[CARD.index("version")], "city": p.version,
                    "email": p.version}
    assert p.updated_at == clock.now() and p.updated_at - timedelta(seconds=5) == p.created_at


def test_two_nodes_writing_one_field_with_the_same_stamp_end_identical(nodes, clock):
    """Stamps are milliseconds and a counter: two nodes may stamp the same write alike.
    The same rule on both sides picks the same value, and the other one is listed."""
    a, b = nodes
    pid = shared_patient(a, b)
    seq_a, seq_b = last_seq(a), last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours")
    edit(b, pid, city="Blois")
    with a.store.reader() as s, b.store.reader() as t:
        pa, pb = s.get(Patient, pid), t.get(Patient, pid)
        stamp_a = versions.of_field(versions.parse(pa.field_versions, pa.version), "city")
        stamp_b = versions.of_field(versions.parse(pb.field_versions, pb.version), "city")
    assert stamp_a == stamp_b  # the case at hand

    send(a, b, since(a, b, seq_a))
    send(b, a, since(b, a, seq_b))
    assert card(a, pid) == card(b, pid)
    assert card(a, pid)[CARD.index("city")] == "Tours"
    with b.store.reader() as s:
        lost = s.execute(select(SyncConflict.other_value).where(
            SyncConflict.entity_id == pid, SyncConflict.field == "city")).scalars().all()
    assert lost == ['"Blois"']
