"""Erasures reach every workstation that may hold the row, whatever its window now: a
call the retention rules erase left the window long ago, an erased patient is no longer
"concerned". A workstation that held the row erases it (its journal keeps the blank
row, its file no trace); one that never held it keeps nothing; its own unsent edit of
the row loses; its own retention run erases nothing (its practice's erasures arrive by
sync); its practice's erasures are never held for confirmation nor refused."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import ChangeJournal, Patient, PatientPhone, SyncConflict, kinds
from app.models.ids import uuid7
from app.models.agenda import Appointment
from app.models.calls import Call
from app.services.agenda.views import BookingInput
from app.services.calls.events import CallInput
from app.services.calls.lines import is_remote_workstation
from app.services.patients import PatientInput, PhoneEntry
from app.services.retention import summary_lines
from app.services.rgpd import blank_rows
from app.storage import sync_limits
from app.storage.erasure import ERASED, REQUEST, RETENTION
from app.storage.remote import RemoteChange
from app.sync import round as round_module
from app.sync.scope import Scope, outgoing_in_scope
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.decrypted_file import holds
from tests.journal_reading import journal_size, journal_text
from tests.sync.roundkit import paired_through_a_folder, settle, sharing, sync


@pytest.fixture
def marker():
    return "Zqxreach" + secrets.token_hex(4)


@pytest.fixture
def two(practice_factory, tmp_path):
    practice, remote, folder = paired_through_a_folder(practice_factory, tmp_path / "share")
    for ws in (practice, remote):  # the tests jump years ahead between two rounds
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            sync_limits.write_max_offline_days(uow.session, sync_limits.MOST_DAYS)
    return practice, remote, folder


def _entries(ws, entity_id: str) -> list[tuple[str, dict]]:
    with ws.store.reader() as s:
        return [(op, json.loads(payload)) for op, payload in s.execute(
            select(ChangeJournal.op, ChangeJournal.payload)
            .where(ChangeJournal.entity_id == entity_id).order_by(ChangeJournal.seq))]


def _blank_erased(ws, model, entity_id: str, why: str) -> None:
    with ws.store.reader() as s:
        row = s.get(model, entity_id)
        assert row is not None and row.deleted_at is not None
        assert row.field_versions is None
    [(op, values)] = _entries(ws, entity_id)
    assert (op, values[ERASED]) == ("insert", why)


def test_a_call_that_left_the_window_is_erased_at_the_workstation(two, clock, marker):
    practice, remote, folder = two
    assert is_remote_workstation(remote.store) and not is_remote_workstation(practice.store)
    call = practice.calls.record(CallInput("06 11 22 33 44", clock.now(), note=marker)).id
    practice.calls.describe(call, note=marker + " rappelé")
    settle(practice, remote, folder)
    with remote.store.reader() as s:
        assert s.get(Call, call).note == marker + " rappelé"

    # Thirteen months on: the call left the workstation's 30 days long ago.
    clock.advance(days=400)
    settle(practice, remote, folder)
    # The workstation's own run erases nothing, and journals nothing to send back.
    before = journal_size(remote)
    summary = remote.retention.apply()
    assert (summary.calls, summary.callbacks, summary.messages, summary.patients) == (
        0, 0, 0, ())
    assert remote.retention.apply(dry_run=True).calls == 0
    at_practice = practice.retention.apply(dry_run=True)
    assert summary.by_practice and not at_practice.by_practice
    # The summary says why (one line more than at the practice's).
    assert len(summary_lines(summary)) == len(summary_lines(at_practice)) + 1
    assert journal_size(remote) == before
    with remote.store.reader() as s:
        assert s.get(Call, call).note == marker + " rappelé"

    assert practice.retention.apply().calls == 1
    sent, got = sync(practice, folder).peers[0], sync(remote, folder).peers[0]
    assert sent.sent and got.received and got.held is None and not got.refused_changes
    assert got.applied >= 1
    back = sync(practice, folder).peers[0]
    assert not back.refused_changes and back.ok

    _blank_erased(remote, Call, call, RETENTION)
    with remote.store.reader() as s:
        row = s.get(Call, call)
        assert (row.note, row.number, row.caller_id) == ("", "", None)
    assert marker not in journal_text(remote)
    assert holds(remote.paths.db, remote.profile.key, marker) == []


def test_an_erased_patient_is_erased_at_the_workstation(two, clock, marker):
    practice, remote, folder = two
    a = build_agenda(practice)
    phone = "06 47 " + f"{secrets.randbelow(100):02d} {secrets.randbelow(100):02d} 58"
    pid = practice.patients.create(PatientInput(
        birth_name=marker, first_names="Odile", city=marker + "ville",
        phones=[PhoneEntry(phone)])).id
    booked = practice.agenda.book(BookingInput(
        a.morel, a.at(MONDAY + timedelta(days=1), 9), None, pid, a.consult,
        note=marker + " note")).appointment.id
    settle(practice, remote, folder)
    assert [p.id for p in remote.patients.search(marker)] == [pid]
    with remote.store.reader() as s:
        phones = list(s.execute(select(PatientPhone.id).where(
            PatientPhone.patient_id == pid)).scalars())
        assert phones and s.get(Appointment, booked).patient_id == pid

    # Three years on, the card has no activity the rule keeps: erased on request.
    clock.advance(days=3 * 366)
    settle(practice, remote, folder)
    practice.rights.set_activity_years(2)
    practice.rights.erase(pid, "Demande de la patiente")
    settle(practice, remote, folder)

    _blank_erased(remote, Patient, pid, REQUEST)
    with remote.store.reader() as s:
        card = s.get(Patient, pid)
        assert (card.birth_name, card.city, card.erased_at is not None) == ("", "", True)
        appointment = s.get(Appointment, booked)
        assert (appointment.patient_id, appointment.note) == (None, "")
    for phone_id in phones:
        _blank_erased(remote, PatientPhone, phone_id, REQUEST)
    _blank_erased(remote, Appointment, booked, REQUEST)
    assert remote.patients.search(marker) == []
    assert remote.patients.search(phone) == []
    needles = (marker, phone.replace(" ", ""))
    assert not any(n in journal_text(remote) for n in needles)
    assert holds(remote.paths.db, remote.profile.key, *needles) == []


def test_what_the_workstation_never_held_stays_absent(two, clock, marker):
    practice, remote, folder = two
    settle(practice, remote, folder)
    # Logged today, made more than a year ago: outside the window, never sent.
    old_call = practice.calls.record(CallInput("06 11 22 33 44",
                                               clock.now() - timedelta(days=400),
                                               note=marker)).id
    # A card with no activity: no one the workstation is concerned with.
    pid = practice.patients.create(PatientInput(birth_name=marker, first_names="Odile",
                                                phones=[PhoneEntry("06 55 44 33 22")])).id
    settle(practice, remote, folder)
    with remote.store.reader() as s:
        assert s.get(Call, old_call) is None and s.get(Patient, pid) is None

    clock.advance(hours=1)
    assert practice.retention.apply().calls == 1
    practice.rights.erase(pid, "Demande")
    before = journal_size(remote)
    first = sync(practice, folder).peers[0]
    got = sync(remote, folder).peers[0]
    # The erasures travelled, and were ignored: nothing to erase, no blank row kept.
    assert first.sent and got.received and got.applied >= 2 and got.ok
    with remote.store.reader() as s:
        assert s.get(Call, old_call) is None and s.get(Patient, pid) is None
        assert s.execute(select(func.count()).select_from(PatientPhone).where(
            PatientPhone.patient_id == pid)).scalar_one() == 0
    assert _entries(remote, old_call) == [] and _entries(remote, pid) == []
    assert journal_size(remote) == before
    assert marker not in journal_text(remote)


def _old_call_erased_at_the_practice(two, clock):
    """A call the workstation holds, then erased by the practice's retention rules (not
    sent yet)."""
    practice, remote, folder = two
    sharing(practice).set_scope("quimper", Scope(days_back=None, days_ahead=None))
    call = practice.calls.record(CallInput("06 11 22 33 44", clock.now() - timedelta(days=400),
                                           note="Appel")).id
    settle(practice, remote, folder)
    clock.advance(hours=1)
    assert practice.retention.apply().calls == 1
    return practice, remote, folder, call


def test_the_workstation_s_unsent_edit_loses_to_the_erasure(two, clock, marker):
    practice, remote, folder, call = _old_call_erased_at_the_practice(two, clock)
    # Later by the clock, not sent yet: the workstation writes a note on its copy.
    clock.advance(minutes=5)
    remote.calls.describe(call, note=marker)
    settle(practice, remote, folder)
    for ws in (practice, remote):
        _blank_erased(ws, Call, call, RETENTION)
        with ws.store.reader() as s:
            assert s.get(Call, call).note == ""
        assert marker not in journal_text(ws), ws.paths.root.name
        assert holds(ws.paths.db, ws.profile.key, marker) == [], ws.paths.root.name


def test_an_edit_sent_before_the_erasure_never_brings_the_value_back(two, clock, marker):
    practice, remote, folder, call = _old_call_erased_at_the_practice(two, clock)
    # Written at the workstation after the erasure and posted before the practice's
    # next round: in flight when the practice erased.
    clock.advance(minutes=5)
    remote.calls.describe(call, note=marker)
    assert sync(remote, folder).peers[0].sent
    settle(practice, remote, folder)
    for ws in (practice, remote):
        _blank_erased(ws, Call, call, RETENTION)
        assert marker not in journal_text(ws), ws.paths.root.name
        assert holds(ws.paths.db, ws.profile.key, marker) == [], ws.paths.root.name


def test_a_mass_erasure_from_the_practice_is_not_held(two, clock):
    """The fail-safe holds a batch deleting more than 200 rows; the practice's erasures,
    final, are applied at once."""
    practice, remote, folder = two
    sharing(practice).set_scope("quimper", Scope(days_back=None, days_ahead=None))
    start = clock.now() - timedelta(days=400)
    calls = [practice.calls.record(CallInput("06 11 22 33 44", start + timedelta(minutes=i),
                                             note=f"Appel {i}")).id for i in range(250)]
    settle(practice, remote, folder)
    clock.advance(hours=1)
    assert practice.retention.apply().calls == 250
    sync(practice, folder)
    got = sync(remote, folder).peers[0]
    assert got.held is None and got.received and not got.refused_changes
    with remote.store.reader() as s:
        assert s.execute(select(func.count()).select_from(Call).where(
            Call.id.in_(calls), Call.deleted_at.is_(None))).scalar_one() == 0


def test_many_erasures_go_in_several_batches_of_one_round(two, clock, monkeypatch):
    practice, remote, folder = two
    sharing(practice).set_scope("quimper", Scope(days_back=None, days_ahead=None))
    start = clock.now() - timedelta(days=400)
    calls = [practice.calls.record(CallInput("06 11 22 33 44", start + timedelta(minutes=i),
                                             note=f"Appel {i}")).id for i in range(12)]
    settle(practice, remote, folder)
    clock.advance(hours=1)
    assert practice.retention.apply(batch=4).calls == 12  # three transactions of four
    monkeypatch.setattr(round_module, "BATCH_ENTRIES", 5)
    sent = sync(practice, folder).peers[0].sent
    assert len(sent) == 2  # five entries and the rest of their transaction, then four
    got = sync(remote, folder).peers[0]
    assert got.received == sent and got.applied == 12 and got.ok
    for call in calls:
        _blank_erased(remote, Call, call, RETENTION)


def _call_naming_an_erased_appointment(two, clock):
    """A call linked to an appointment the practice then erased, neither sent yet."""
    practice, remote, folder = two
    a = build_agenda(practice)
    settle(practice, remote, folder)
    booked = practice.agenda.book(BookingInput(
        a.morel, a.at(MONDAY + timedelta(days=1), 9), None, a.patients[0], a.consult,
        note="Note du rendez-vous")).appointment.id
    call = practice.calls.record(CallInput("06 11 22 33 44", clock.now(), note="Appel")).id
    practice.calls.describe(call, appointment_id=booked)
    with practice.store.unit_of_work(actor_id=practice.user_id) as uow:
        blank_rows(uow, [uow.session.get(Appointment, booked)], why=REQUEST)
    return practice, remote, folder, call, booked


def test_an_erased_row_another_row_still_names_is_built_blank(two, clock):
    """A call names an appointment erased before the workstation ever received it: the
    appointment is built there, blank and tombstoned, so that the call's link holds."""
    practice, remote, folder, call, booked = _call_naming_an_erased_appointment(two, clock)
    settle(practice, remote, folder)
    with remote.store.reader() as s:
        assert s.get(Call, call).appointment_id == booked
        appointment = s.get(Appointment, booked)
        assert (appointment.patient_id, appointment.note) == (None, "")
    _blank_erased(remote, Appointment, booked, REQUEST)


def test_an_erasure_in_the_earlier_shape_reaches_a_workstation_it_no_longer_concerns(
        practice_factory, clock, marker):
    """The card's tombstone and its phone's, updates of one transaction (as an earlier
    version journaled an erasure): both pass the default scope, though the card is no
    longer concerned, its fields reduced to what the workstation may receive and the
    erasure's blanks (which remove what an earlier, wider scope let it hold)."""
    ws = practice_factory("practice").workspace
    pid = ws.patients.create(PatientInput(birth_name=marker, first_names="Odile",
                                          phones=[PhoneEntry("06 55 44 33 22")])).id
    ws.rights.erase(pid, "Demande")
    with ws.store.reader() as s:
        phone = s.execute(select(PatientPhone.id).where(PatientPhone.patient_id == pid)
                          ).scalar_one()
    now = clock.now().isoformat()
    stamp = ws.store.hlc.now()
    tx, node = uuid7(), ws.store.node_id
    card = {"birth_name": "", "first_names": "", "admin_note": "", "erased_at": now,
            "deleted_at": now}
    changes = [
        RemoteChange(tx, kinds.PATIENT, pid, "delete", stamp, node, clock.now(), card),
        RemoteChange(tx, kinds.PATIENT_PHONE, phone, "delete", stamp, node, clock.now(),
                     {"raw": "", "e164": "", "deleted_at": now}),
        RemoteChange(uuid7(), kinds.PATIENT_PHONE, phone, "update", stamp, node,
                     clock.now(), {"raw": ""}),  # no erasure: the usual rule
    ]
    with ws.store.reader() as s:
        sent = outgoing_in_scope(s, Scope(), changes, clock.now())
    assert [(c.kind, c.entity_id) for c in sent] == [(kinds.PATIENT, pid),
                                                     (kinds.PATIENT_PHONE, phone)]
    assert sent[0].payload["admin_note"] == "" and sent[0].payload["erased_at"] == now


def test_a_conflict_about_an_erased_row_goes_with_it(two, clock, marker):
    practice, remote, folder = two
    sharing(practice).set_scope("quimper", Scope(days_back=None, days_ahead=None))
    call = practice.calls.record(CallInput("06 11 22 33 44", clock.now() - timedelta(days=400),
                                           note="Appel")).id
    settle(practice, remote, folder)
    # Both write the note before hearing of the other's: a conflict, both values kept.
    practice.calls.describe(call, note=marker + " cabinet")
    remote.calls.describe(call, note=marker + " poste")
    settle(practice, remote, folder)
    with_conflict = [ws for ws in (practice, remote) if _conflicts(ws, call)]
    assert with_conflict
    clock.advance(hours=1)
    assert practice.retention.apply().calls == 1
    settle(practice, remote, folder)
    for ws in (practice, remote):
        assert _conflicts(ws, call) == 0, ws.paths.root.name
        _blank_erased(ws, Call, call, RETENTION)
        assert holds(ws.paths.db, ws.profile.key, marker) == [], ws.paths.root.name


def _conflicts(ws, entity_id: str) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(SyncConflict).where(
            SyncConflict.entity_id == entity_id)).scalar_one()


def test_a_batch_cut_before_an_erased_row_it_names_carries_it(two, clock, monkeypatch):
    """An erased row's one entry takes the erasure's place, after the rows that name it:
    a batch cut between them carries it too, and the next one again (applied twice, it
    changes nothing)."""
    practice, remote, folder, call, booked = _call_naming_an_erased_appointment(two, clock)
    monkeypatch.setattr(round_module, "BATCH_ENTRIES", 1)  # one transaction a batch
    assert len(sync(practice, folder).peers[0].sent) >= 3
    got = sync(remote, folder).peers[0]
    assert got.ok and not got.refused_changes and len(got.received) >= 3
    with remote.store.reader() as s:
        assert s.get(Call, call).appointment_id == booked
    _blank_erased(remote, Appointment, booked, REQUEST)


def test_a_call_held_before_calls_stopped_being_shared_is_erased_there(two, clock, marker):
    """The owner stopped sharing calls with the workstation: what it holds from before
    stays there, as history, until the practice erases it."""
    practice, remote, folder = two
    call = practice.calls.record(CallInput("06 11 22 33 44", clock.now(), note=marker)).id
    settle(practice, remote, folder)
    sharing(practice).set_scope("quimper", Scope(calls=False))
    settle(practice, remote, folder)
    with remote.store.reader() as s:
        assert s.get(Call, call).note == marker
    clock.advance(days=400)
    assert practice.retention.apply().calls == 1
    # Out of its scope, only what says nothing goes: no time, no line, no duration.
    with practice.store.reader() as s:
        [(_seq, entry)] = [e for e in s.execute(select(ChangeJournal.seq, ChangeJournal)
                                                .where(ChangeJournal.entity_id == call))]
        [sent] = outgoing_in_scope(s, Scope(calls=False), [RemoteChange.of_entry(entry)],
                                   clock.now())
    assert (sent.payload["note"], sent.payload["number"], sent.payload[ERASED]) == (
        "", "", RETENTION)
    assert {k for k, v in sent.payload.items() if v not in (None, "")} == {
        "id", "deleted_at", ERASED}
    settle(practice, remote, folder)
    _blank_erased(remote, Call, call, RETENTION)
    assert marker not in journal_text(remote)
    assert holds(remote.paths.db, remote.profile.key, marker) == []


def test_a_card_s_field_no_longer_shared_is_erased_there(two, clock, marker):
    """The owner stopped sharing a patient field with the workstation: the value it
    holds from before goes with the card's erasure."""
    practice, remote, folder = two
    a = build_agenda(practice)
    sharing(practice).set_scope("quimper", Scope(
        patient_fields=Scope().patient_fields | {"referring_doctor"}))
    pid = practice.patients.create(PatientInput(birth_name="Odile", first_names="Odile",
                                                referring_doctor=marker)).id
    practice.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 9), None,
                                      pid, a.consult))
    settle(practice, remote, folder)
    with remote.store.reader() as s:
        assert s.get(Patient, pid).referring_doctor == marker
    sharing(practice).set_scope("quimper", Scope())
    settle(practice, remote, folder)
    with remote.store.reader() as s:
        assert s.get(Patient, pid).referring_doctor == marker  # kept, as history
    clock.advance(days=3 * 366)
    settle(practice, remote, folder)
    practice.rights.set_activity_years(2)
    practice.rights.erase(pid, "Demande de la patiente")
    settle(practice, remote, folder)
    _blank_erased(remote, Patient, pid, REQUEST)
    with remote.store.reader() as s:
        assert s.get(Patient, pid).referring_doctor == ""
    assert marker not in journal_text(remote)
    assert holds(remote.paths.db, remote.profile.key, marker) == []


def test_an_erasure_pending_when_the_scope_changes_still_reaches_the_workstation(
        two, clock, marker):
    """The owner changes the workstation's scope between the practice's erasure and its
    next round: the snapshot that follows holds only the rows in scope now, so the
    erasures pending go before it."""
    practice, remote, folder = two
    call = practice.calls.record(CallInput("06 11 22 33 44", clock.now(), note=marker)).id
    settle(practice, remote, folder)
    clock.advance(days=400)
    settle(practice, remote, folder)
    assert practice.retention.apply().calls == 1
    sharing(practice).set_scope("quimper", Scope(messages=False))
    settle(practice, remote, folder)
    _blank_erased(remote, Call, call, RETENTION)
    assert marker not in journal_text(remote)
    assert holds(remote.paths.db, remote.profile.key, marker) == []
