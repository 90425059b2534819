"""A workstation never erases for good at its practice: no role a workstation is paired
with holds the patients' rights, and its retention run erases nothing. An erased row
it sends anyway (a modified or compromised workstation) is refused by the practice,
which keeps the values, their history and its conflicts."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Message, Patient, kinds
from app.models.agenda import Appointment
from app.models.calls import Call
from app.services.agenda.views import BookingInput
from app.services.calls.events import CallInput
from app.services.messages import MessageInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.rgpd import blank_rows, erase_patient
from app.storage.erasure import REQUEST
from app.sync.scope import Scope
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.journal_reading import journal_text
from tests.sync.roundkit import rows, settle, sharing, sync


@pytest.fixture
def marker():
    return "Zqxcraft" + secrets.token_hex(4)


def test_a_patient_erased_at_a_workstation_is_refused_by_the_practice(two, marker):
    practice, remote, folder = two
    a = build_agenda(practice)
    pid = practice.patients.create(PatientInput(
        birth_name=marker, first_names="Odile", phones=[PhoneEntry("06 47 12 34 58")])).id
    booked = practice.agenda.book(BookingInput(
        a.morel, a.at(MONDAY + timedelta(days=1), 9), None, pid, a.consult,
        note=marker + " note")).appointment.id
    settle(practice, remote, folder)
    with remote.store.reader() as s:
        assert s.get(Patient, pid).birth_name == marker

    # The workstation's code erases the card anyway, as the practice's owner would.
    with remote.store.unit_of_work(actor_id=remote.user_id) as uow:
        erase_patient(uow, uow.session.get(Patient, pid), remote.clock.now() + timedelta(
            days=30), why=REQUEST)
    sync(remote, folder)
    got = sync(practice, folder).peers[0]
    assert got.refused_changes
    with practice.store.reader() as s:
        card = s.get(Patient, pid)
        assert (card.birth_name, card.erased_at, card.deleted_at) == (marker, None, None)
        assert s.get(Appointment, booked).note == marker + " note"
    assert [p.id for p in practice.patients.search(marker)] == [pid]
    assert marker in journal_text(practice)


def test_a_call_erased_at_a_workstation_is_refused_by_the_practice(two, clock, marker):
    practice, remote, folder = two
    sharing(practice).set_scope("quimper", Scope(days_back=None, days_ahead=None))
    call = practice.calls.record(CallInput("06 11 22 33 44", clock.now(), note=marker)).id
    settle(practice, remote, folder)
    with remote.store.unit_of_work(actor_id=remote.user_id) as uow:
        blank_rows(uow, [uow.session.get(Call, call)], why=REQUEST)
    sync(remote, folder)
    got = sync(practice, folder).peers[0]
    assert got.refused_changes
    with practice.store.reader() as s:
        row = s.get(Call, call)
        assert (row.note, row.deleted_at) == (marker, None)
    assert marker in journal_text(practice)


def test_tombstones_sent_as_inserts_of_rows_the_practice_holds_are_held(two):
    """The fail-safe lets pass a row that arrives already deleted (a snapshot's): one the
    practice holds, sent as an insert with its tombstone, deletes it all the same."""
    practice, remote, folder = two
    a = build_agenda(practice)
    for i in range(12):
        practice.messages.send(MessageInput(f"Message {i}", patient_id=a.patients[0]))
    settle(practice, remote, folder)
    with remote.store.unit_of_work(actor_id=remote.user_id) as uow:
        for row in uow.session.scalars(select(Message)):
            row.deleted_at = uow.now
    with remote.store.unit_of_work(actor_id=remote.user_id) as uow:
        assert uow.session.connection().exec_driver_sql(
            "UPDATE change_journal SET op = 'insert' WHERE entity = ? AND op = 'delete' "
            "AND origin_node = ?", (kinds.MESSAGE, remote.store.node_id)).rowcount >= 12
    sync(remote, folder)
    held = sync(practice, folder).peers[0]
    assert held.held is not None and held.held.deletions[kinds.MESSAGE] >= 12
    assert all(r["deleted_at"] is None for r in rows(practice, kinds.MESSAGE).values())
