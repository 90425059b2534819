"""Rows erased for good (the retention rules, a patient's request) end with one change
journal entry each, the whole blank row, and are audited once per retention batch or
once per patient erased on request; the file stops growing with each erasure; peers
apply the erasure whatever they held, and older shapes of it still apply."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal, Patient, PatientPhone
from app.models.calls import Call, CallDirection, CallOutcome
from app.models.ids import uuid7
from app.services.agenda.views import BookingInput
from app.services.calls.events import CallInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.retention import RetentionRules
from app.services.timeline import erased_detail
from app.storage.erasure import ERASED, REQUEST, RETENTION
from app.storage.remote import RemoteChange
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.decrypted_file import holds
from tests.journal_reading import journal_entries, journal_text, last_seq, send_changes


@pytest.fixture
def marker():
    return "Zqxerased" + secrets.token_hex(4)


def _audit_count(ws) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def _old_call(ws, clock, marker: str) -> str:
    """A call with an insert and two updates in the journal, then a year and more."""
    call = ws.calls.record(CallInput("06 11 22 33 44", clock.now(), note=marker)).id
    ws.calls.describe(call, note=marker + " rappelé")
    ws.calls.describe(call, outcome=CallOutcome.INFORMED.value)
    assert len(journal_entries(ws, call)) == 3
    return call


def _card(ws, marker: str) -> str:
    card = ws.patients.create(PatientInput(birth_name=marker, first_names="Odile",
                                           city="Tours", phones=[PhoneEntry("06 55 44 33 22")]))
    details = ws.patients.get(card.id)
    ws.patients.update(card.id, PatientInput(birth_name=marker, first_names="Odile",
                                             city=marker + "ville",
                                             phones=[PhoneEntry("06 55 44 33 22")]),
                       expected_version=details.version)
    return card.id


def test_an_erased_call_keeps_one_entry_the_whole_blank_row(workspace, clock, marker):
    ws = workspace
    call = _old_call(ws, clock, marker)
    clock.advance(days=400)
    assert ws.retention.apply().calls == 1

    [(op, values, stamps)] = journal_entries(ws, call)
    assert (op, stamps, values[ERASED]) == ("insert", None, RETENTION)
    assert values["number"] == values["note"] == "" and values["deleted_at"] is not None
    # Every column, as an insert carries them: a peer that never had the row builds it.
    assert {c.key for c in Call.__table__.columns} - {"field_versions", "version",
                                                      "origin_node"} <= set(values)
    assert values["outcome"] == CallOutcome.INFORMED.value
    with ws.store.reader() as s:
        row = s.get(Call, call)
        stamp = s.execute(select(ChangeJournal.version).where(
            ChangeJournal.entity_id == call)).scalar_one()
        assert (row.field_versions, row.version) == (None, stamp)
    assert marker not in journal_text(ws)


def test_a_patient_erased_on_request_keeps_one_entry_per_row_and_one_audit_entry(
        workspace, marker):
    ws = workspace
    pid = _card(ws, marker)
    with ws.store.reader() as s:
        phone = s.execute(select(PatientPhone.id).where(PatientPhone.patient_id == pid)
                          ).scalar_one()
    audited = _audit_count(ws)
    ws.rights.erase(pid, "Demande écrite")

    for entity_id in (pid, phone):
        [(op, values, stamps)] = journal_entries(ws, entity_id)
        assert (op, stamps, values[ERASED]) == ("insert", None, REQUEST)
    with ws.store.reader() as s:
        written = s.execute(select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                                   AuditEntry.detail).order_by(AuditEntry.seq)
                            .offset(audited)).all()
    assert written == [("erase", "patient", pid, "Demande écrite")]
    assert ws.audit_trail.verify().ok
    assert marker not in journal_text(ws)
    assert holds(ws.paths.db, ws.profile.key, marker) == []


def test_a_retention_batch_is_audited_once_per_kind(workspace, clock):
    ws = workspace
    start = clock.now() - timedelta(days=730)
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.bulk_insert(Call, [{"direction": CallDirection.IN.value, "number": "+33611223344",
                                "started_at": start + timedelta(minutes=i), "note": "Zqx"}
                               for i in range(25)])
    ws.retention.set_rules(RetentionRules(patient_years=0))
    with ws.store.reader() as s:
        after = s.execute(select(func.max(AuditEntry.seq))).scalar_one()
    assert ws.retention.apply(batch=10).calls == 25

    with ws.store.reader() as s:
        written = s.execute(select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                                   AuditEntry.detail).where(AuditEntry.seq > after)
                            .order_by(AuditEntry.seq)).all()
    erased = [w for w in written if w[0] == "erase"]
    assert erased == [("erase", "call", "", "retention count=10")] * 2 + [
        ("erase", "call", "", "retention count=5")]
    assert [w[0] for w in written if w[0] != "erase"] == ["retention"]
    assert ws.audit_trail.verify().ok
    rows = ws.audit_trail.entries()
    assert any(r.action == "erase" and r.entity == "call" for r in rows)


def test_the_card_history_says_when_and_why_it_was_erased(practice_factory, clock, marker):
    asked = practice_factory("asked").workspace
    pid = _card(asked, marker)
    clock.advance(minutes=5)
    asked.rights.erase(pid, "Demande")
    events = asked.timeline.for_patient(pid)
    erased = [e for e in events if e.kind == "erased"]
    created = [e for e in events if e.kind == "created"]
    assert [(e.at, e.detail) for e in erased] == [(clock.now(), erased_detail(REQUEST))]
    assert erased[0].actor and erased[0].actor == created[0].actor
    assert created[0].at == clock.now() - timedelta(minutes=5)

    old = practice_factory("old").workspace
    pid = _card(old, marker)
    clock.advance(days=365 * 21)
    assert [p for p, _name in old.retention.apply().patients] == [pid]
    erased = [e for e in old.timeline.for_patient(pid) if e.kind == "erased"]
    assert [(e.at, e.detail) for e in erased] == [(clock.now(), erased_detail(RETENTION))]


def test_a_peer_that_held_the_row_and_one_acknowledged_before_its_insert(
        practice_factory, clock, marker):
    a = practice_factory("a").workspace
    held = practice_factory("held").workspace
    fresh = practice_factory("fresh").workspace
    start = last_seq(a)
    call = _old_call(a, clock, marker)
    send_changes(a, held, start)
    assert marker in journal_text(held)
    erased_from = last_seq(a)
    clock.advance(days=400)
    a.retention.apply()
    send_changes(a, held, erased_from)
    send_changes(a, fresh, start)  # acknowledged before the insert: gets the blank row only

    with held.store.reader() as s:
        row = s.get(Call, call)
        assert (row.note, row.number, row.deleted_at is not None) == ("", "", True)
        assert row.field_versions is None
    [(op, values, _stamps)] = journal_entries(held, call)
    assert (op, values[ERASED]) == ("insert", RETENTION)
    # A peer that never held the row has nothing to erase: it keeps no blank row.
    with fresh.store.reader() as s:
        assert s.get(Call, call) is None
    assert journal_entries(fresh, call) == []
    for ws in (held, fresh):
        assert marker not in journal_text(ws)
        assert holds(ws.paths.db, ws.profile.key, marker) == [], ws.paths.root.name
    with held.store.reader() as s:
        erased = s.execute(select(AuditEntry.detail).where(
            AuditEntry.action == "erase", AuditEntry.entity == "call")).scalars().all()
    assert erased == [f"retention count=1 applied from peer {a.store.node_id}"]
    assert held.audit_trail.verify().ok
    # Applied again: nothing changes.
    before = journal_entries(held, call)
    send_changes(a, held, start)
    assert journal_entries(held, call) == before


def test_the_whole_blank_row_applies_where_its_mark_is_unknown(practice_factory, clock,
                                                               marker):
    """An installation of an earlier version ignores the mark (no column): it applies the
    entry as a whole row, over the row it holds or as a new row."""
    a = practice_factory("a").workspace
    held = practice_factory("held").workspace
    fresh = practice_factory("fresh").workspace
    start = last_seq(a)
    call = _old_call(a, clock, marker)
    send_changes(a, held, start)
    clock.advance(days=400)
    a.retention.apply()
    with a.store.reader() as s:
        entry = s.execute(select(ChangeJournal).where(ChangeJournal.entity_id == call)
                          ).scalar_one()
        change = RemoteChange.of_entry(entry)
    unmarked = RemoteChange(change.tx_id, change.kind, change.entity_id, change.op,
                            change.version, change.origin_node, change.at,
                            {k: v for k, v in change.payload.items() if k != ERASED},
                            change.field_versions, change.field_bases)
    for ws in (held, fresh):
        ws.store.apply_remote([unmarked], peer_node_id=a.store.node_id, actor_id=ws.user_id)
        with ws.store.reader() as s:
            row = s.get(Call, call)
            assert (row.note, row.number, row.deleted_at is not None) == ("", "", True)
            assert row.outcome == CallOutcome.INFORMED.value


def test_an_erasure_in_the_earlier_shape_still_applies(practice_factory, clock, marker):
    """Insert, then the tombstone as an update (an installation of an earlier version)."""
    a = practice_factory("a").workspace
    held = practice_factory("held").workspace
    fresh = practice_factory("fresh").workspace
    pid = a.patients.create(PatientInput(birth_name=marker, first_names="Odile")).id
    with a.store.reader() as s:
        insert = RemoteChange.of_entry(s.execute(select(ChangeJournal).where(
            ChangeJournal.entity_id == pid)).scalar_one())
    node = a.store.node_id
    held.store.apply_remote([insert], peer_node_id=node, actor_id=held.user_id)
    clock.advance(minutes=1)
    now = clock.now().isoformat()
    blank = {"birth_name": "", "first_names": "", "sort_key": "", "identity_key": "",
             "erased_at": now, "deleted_at": now}
    stamp = a.store.hlc.now()
    tombstone = RemoteChange(uuid7(), insert.kind, pid, "delete", stamp, node, clock.now(),
                             {**blank, "updated_at": now}, dict.fromkeys(blank, stamp))
    # The origin blanked its insert: a node that never had the card gets that one.
    blank_insert = RemoteChange(insert.tx_id, insert.kind, pid, "insert", insert.version,
                                node, insert.at, {**insert.payload, "birth_name": "",
                                                  "first_names": "", "sort_key": "",
                                                  "identity_key": ""})
    held.store.apply_remote([tombstone], peer_node_id=node, actor_id=held.user_id)
    fresh.store.apply_remote([blank_insert, tombstone], peer_node_id=node,
                             actor_id=fresh.user_id)
    for ws in (held, fresh):
        with ws.store.reader() as s:
            card = s.get(Patient, pid)
            assert (card.birth_name, card.erased_at is not None) == ("", True)
        assert marker not in journal_text(ws)
    # A node that never had the card (a workstation it did not concern) gets the
    # tombstone alone: nothing to erase, nothing kept, nothing refused.
    never = practice_factory("never").workspace
    never.store.apply_remote([tombstone], peer_node_id=node, actor_id=never.user_id)
    with never.store.reader() as s:
        assert s.get(Patient, pid) is None
    assert journal_entries(never, pid) == []


def _used_bytes(ws) -> int:
    conn = ws.store.engine.raw_connection()
    try:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()
    return (pages - free) * size


OLD_CALLS = 1500
GROWTH_PER_ROW = 64  # bytes; the tombstone and audit entry per row used to add about 550


def test_erasing_old_calls_does_not_grow_the_database(workspace, clock):
    ws = workspace
    start = clock.now() - timedelta(days=730)
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        ids = uow.bulk_insert(Call, [
            {"direction": CallDirection.IN.value, "number": f"+336112{i:05d}",
             "started_at": start + timedelta(minutes=i),
             "note": f"Demande d'ordonnance, rappeler avant midi ({i})"}
            for i in range(OLD_CALLS)])
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        for call in uow.session.scalars(select(Call).where(Call.id.in_(ids))):
            call.ended_at = call.started_at + timedelta(minutes=3)
    ws.retention.set_rules(RetentionRules(patient_years=0))
    ws.store.checkpoint()
    before = _used_bytes(ws)
    assert ws.retention.apply().calls == OLD_CALLS
    grown = _used_bytes(ws) - before
    assert grown <= GROWTH_PER_ROW * OLD_CALLS, grown / OLD_CALLS


def test_an_erased_appointment_s_history_says_booked_then_erased(practice_factory, clock):
    ws = practice_factory().workspace
    agenda = build_agenda(ws)
    pid = agenda.patients[2]
    booked = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 11), None, pid,
                                         agenda.consult, note="Zqxnote")).appointment
    booked_at = clock.now()
    ws.rights.set_activity_years(2)
    clock.advance(days=3 * 366)
    ws.rights.erase(pid, "Demande")
    [(op, values, _stamps)] = journal_entries(ws, booked.id)
    assert (op, values[ERASED]) == ("insert", REQUEST)
    history = ws.agenda.history(booked.id)
    assert [(h.at, h.action) for h in history] == [(booked_at, "create"),
                                                   (clock.now(), "erase")]
    assert history[1].detail == REQUEST and not history[1].changes


def test_a_row_blanked_and_flushed_before_its_erasure_is_collapsed_too(workspace, clock,
                                                                       marker):
    ws = workspace
    call = _old_call(ws, clock, marker)
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        row = uow.session.get(Call, call)
        row.note, row.number, row.deleted_at = "", "", uow.now
        uow.session.flush()  # as an autoflush would
        uow.erase([row], why=RETENTION, audit_kinds=True)
    [(op, values, stamps)] = journal_entries(ws, call)
    assert (op, stamps, values[ERASED], values["note"]) == ("insert", None, RETENTION, "")
    assert marker not in journal_text(ws)
