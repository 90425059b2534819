"""Confirmation calls: the practice-wide list of the next working day, and each call's
outcome written on the appointment with who and when, in its history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.i18n import _
from app.models import Appointment, AuditEntry, Confirmation
from app.services.agenda.setup import AbsenceInput
from app.services.agenda.views import BookingInput
from app.services.errors import ValidationError
from app.services.patients import PatientInput, PhoneEntry
from tests.agenda_fixtures import MONDAY

TUESDAY = MONDAY + timedelta(days=1)
FRIDAY = MONDAY + timedelta(days=4)


def _book(agenda, pid, day, hour, minute=0, *, patient=0):
    return agenda.service.book(BookingInput(pid, agenda.at(day, hour, minute), None,
                                            agenda.patients[patient],
                                            agenda.consult)).appointment


@pytest.fixture
def tuesday(agenda):
    """Tuesday: Dr Faure at 09:00 (a patient with two phones), Dr Morel at 10:00, a
    time blocked without a patient, Dr Morel at 11:00 cancelled earlier."""
    two_phones = agenda.ws.patients.create(PatientInput(
        birth_name="Roux", first_names="Camille",
        phones=[PhoneEntry("06 11 22 33 44"), PhoneEntry("0590 12 34 56")])).id
    agenda.patients.append(two_phones)
    faure = _book(agenda, agenda.faure, TUESDAY, 9, patient=3)
    morel = _book(agenda, agenda.morel, TUESDAY, 10, patient=1)
    agenda.service.book(BookingInput(agenda.morel, agenda.at(TUESDAY, 10, 30), None, None,
                                     None, note="Réunion"))
    gone = _book(agenda, agenda.morel, TUESDAY, 11, patient=2)
    agenda.service.cancel(gone.id, "patient")
    return {"faure": faure, "morel": morel}


def test_the_list_is_tomorrow_for_every_practitioner_with_all_phones(agenda, tuesday):
    service = agenda.ws.confirmations
    assert service.day_to_confirm() == TUESDAY
    rows = service.to_confirm(TUESDAY)
    assert [(r.patient_name, r.phones, r.practitioner_name) for r in rows] == [
        ("ROUX Camille", ("06 11 22 33 44", "0590 12 34 56"), "Dr Julien Faure"),
        ("MARTIN Paul", ("06 98 76 54 32",), "Dr Claire Morel")]
    assert all(r.confirmation == "" and not r.settled for r in rows)


def test_the_next_working_day_when_tomorrow_is_closed(agenda, clock):
    service = agenda.ws.confirmations
    clock.advance(days=4)  # Friday: nobody works at the weekend
    assert service.day_to_confirm() == FRIDAY + timedelta(days=3)
    # Both away on Monday: Tuesday.
    for pid in (agenda.morel, agenda.faure):
        agenda.ws.agenda_setup.add_absence(AbsenceInput(
            pid, agenda.at(FRIDAY + timedelta(days=3), 0), agenda.at(FRIDAY + timedelta(days=4), 0)))
    assert service.day_to_confirm() == FRIDAY + timedelta(days=4)


def test_each_outcome_is_written_with_who_and_when_and_in_the_history(agenda, tuesday, clock):
    service = agenda.ws.confirmations
    appt = tuesday["morel"]
    clock.advance(minutes=3)
    row = service.record(appt.id, Confirmation.UNREACHABLE.value)
    assert (row.confirmation, row.confirmation_at, row.confirmation_by, row.status) == (
        "unreachable", clock.now(), "Dr Morel", "booked")
    assert not row.settled
    clock.advance(minutes=30)
    row = service.record(appt.id, Confirmation.MESSAGE_LEFT.value,
                         expected_version=row.version)
    assert (row.confirmation, row.confirmation_at) == ("message_left", clock.now())
    clock.advance(minutes=30)
    row = service.record(appt.id, Confirmation.CONFIRMED.value)
    assert (row.confirmation, row.status, row.settled) == ("confirmed", "confirmed", True)

    history = agenda.service.history(appt.id)
    calls = [e for e in history if e.action == "confirm"]
    assert [dict((f, (b, a)) for f, b, a in e.changes)[_("confirmation call")] for e in calls] == [
        ("", _("Unreachable")), (_("Unreachable"), _("Message left")),
        (_("Message left"), _("Confirmed"))]
    assert all(e.actor == "Dr Morel" for e in calls)
    with agenda.ws.store.reader() as s:
        audited = s.execute(select(AuditEntry.detail).where(
            AuditEntry.entity_id == appt.id, AuditEntry.action == "confirm")
            .order_by(AuditEntry.seq)).scalars().all()
    assert audited == ["unreachable", "message_left", "confirmed"]


def test_cancelled_by_phone_cancels_for_the_patient_and_stays_listed(agenda, tuesday):
    service = agenda.ws.confirmations
    appt = tuesday["faure"]
    row = service.record(appt.id, Confirmation.CANCELLED.value)
    assert (row.status, row.confirmation, row.settled) == ("cancelled", "cancelled", True)
    with agenda.ws.store.reader() as s:
        stored = s.get(Appointment, appt.id)
        assert (stored.status, stored.cancel_reason) == ("cancelled", "patient")
    # One entry in the history for the call and its cancellation.
    (call,) = [e for e in agenda.service.history(appt.id) if e.action == "confirm"]
    assert {f for f, _b, _a in call.changes} >= {_("status"), _("confirmation call")}
    assert [r.id for r in service.to_confirm(TUESDAY)] == [appt.id, tuesday["morel"].id]
    # Its time is free again.
    assert [(f.practitioner_id, f.starts_at) for f in agenda.ws.freed_slots.open_slots()] == [
        (agenda.faure, agenda.at(TUESDAY, 9)), (agenda.morel, agenda.at(TUESDAY, 11))]


def test_a_call_is_refused_once_the_patient_came_or_with_a_stale_version(agenda, tuesday):
    service = agenda.ws.confirmations
    appt = tuesday["morel"]
    agenda.service.set_status(appt.id, "arrived")
    with pytest.raises(ValidationError):
        service.record(appt.id, Confirmation.CONFIRMED.value)
    with pytest.raises(ValidationError):
        service.record(tuesday["faure"].id, "maybe")
    with agenda.ws.store.reader() as s:
        assert s.get(Appointment, appt.id).confirmation == ""
