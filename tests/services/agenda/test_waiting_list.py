"""The waiting list: who waits, in which order, whom to call when a slot frees up, and
booking from it in one unit of work."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import Appointment, AuditEntry, WaitingListEntry
from app.services.agenda.service import BookingRefused
from app.services.agenda.views import BookingInput
from app.services.agenda.waiting_list import WaitingInput
from app.services.errors import ValidationError
from tests.agenda_fixtures import MONDAY

THURSDAY = MONDAY + timedelta(days=3)  # 19 March 2026


def _wait(agenda, patient, *, type_id=None, who=(), first=MONDAY, until=None, urgency=0,
          note=""):
    return agenda.ws.waiting_list.add(WaitingInput(
        agenda.patients[patient], type_id or agenda.consult, first,
        until or first + timedelta(days=30), frozenset(who), urgency, note))


def _book(agenda, pid, day, hour, minute=0, *, patient=0, type_id=None):
    return agenda.service.book(BookingInput(pid, agenda.at(day, hour, minute),
                                            patient_id=agenda.patients[patient],
                                            type_id=type_id or agenda.consult)).appointment


def test_the_list_is_most_urgent_first_then_longest_waiting(agenda, clock):
    first = _wait(agenda, 0, note="préfère le matin")
    clock.advance(minutes=5)
    urgent = _wait(agenda, 1, urgency=2)
    clock.advance(minutes=5)
    second = _wait(agenda, 2)
    listed = agenda.ws.waiting_list.waiting()
    assert [e.id for e in listed] == [urgent.id, first.id, second.id]
    assert listed[1].patient_name == "LEFÈVRE Jeanne" and listed[1].phone == "06 12 34 56 78"
    assert listed[1].note == "préfère le matin" and listed[1].type_name == "Consultation"
    assert listed[1].duration_min == 15 and listed[1].status == "waiting"


def test_withdrawn_and_booked_entries_leave_the_list(agenda):
    a = _wait(agenda, 0)
    b = _wait(agenda, 1)
    c = _wait(agenda, 2)
    agenda.ws.waiting_list.withdraw(a.id)
    appt = _book(agenda, agenda.morel, THURSDAY, 9)
    booked = agenda.ws.waiting_list.mark_booked(b.id, appt.id)
    assert (booked.status, booked.appointment_id) == ("booked", appt.id)
    assert [e.id for e in agenda.ws.waiting_list.waiting()] == [c.id]
    with pytest.raises(ValidationError):
        agenda.ws.waiting_list.withdraw(a.id)  # no longer waiting


def test_entries_are_checked(agenda):
    with pytest.raises(ValidationError) as exc:
        _wait(agenda, 0, first=THURSDAY, until=MONDAY)
    assert "window_until" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        _wait(agenda, 0, urgency=3)
    assert "urgency" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        _wait(agenda, 0, who=["nobody"])
    assert "practitioner" in exc.value.errors
    assert agenda.ws.waiting_list.waiting() == []


def test_candidates_for_a_freed_slot(agenda, clock):
    anyone = _wait(agenda, 0)                                    # any practitioner
    clock.advance(minutes=1)
    faure_only = _wait(agenda, 1, who=[agenda.faure])            # not this practitioner
    clock.advance(minutes=1)
    later = _wait(agenda, 2, first=THURSDAY + timedelta(days=7))  # window not open yet
    clock.advance(minutes=1)
    urgent = _wait(agenda, 1, who=[agenda.morel, agenda.faure], urgency=1)
    clock.advance(minutes=1)
    visit = _wait(agenda, 2, type_id=agenda.visit)              # 30 min: does not fit in 15
    cancelled = _book(agenda, agenda.morel, THURSDAY, 9, 0)
    agenda.service.cancel(cancelled.id, "patient")
    found = agenda.ws.waiting_list.candidates_for(agenda.morel, cancelled.starts_at,
                                                  cancelled.ends_at)
    assert [e.id for e in found] == [urgent.id, anyone.id]
    assert found[0].patient_name == "MARTIN Paul" and found[0].phone == "06 98 76 54 32"
    assert {faure_only.id, later.id, visit.id}.isdisjoint(e.id for e in found)


def test_a_type_fits_only_where_the_guard_accepts_it(agenda):
    visit = _wait(agenda, 2, type_id=agenda.visit)
    morning = agenda.at(THURSDAY, 9)  # visits are afternoon-only, even in a long gap
    assert agenda.ws.waiting_list.candidates_for(agenda.morel, morning,
                                                 morning + timedelta(hours=1)) == []
    afternoon = agenda.at(THURSDAY, 15)
    assert [e.id for e in agenda.ws.waiting_list.candidates_for(
        agenda.morel, afternoon, afternoon + timedelta(minutes=45))] == [visit.id]
    # Its buffer would run into the next booking at 15:40.
    _book(agenda, agenda.morel, THURSDAY, 15, 40)
    assert agenda.ws.waiting_list.candidates_for(agenda.morel, afternoon,
                                                 afternoon + timedelta(minutes=40)) == []


def test_who_could_take_an_appointment_about_to_be_cancelled(agenda):
    entry = _wait(agenda, 1)
    appt = _book(agenda, agenda.morel, THURSDAY, 10)
    assert agenda.ws.waiting_list.candidates_for(agenda.morel, appt.starts_at,
                                                 appt.ends_at) == []
    assert [e.id for e in agenda.ws.waiting_list.candidates_for(
        agenda.morel, appt.starts_at, appt.ends_at, ignore_id=appt.id)] == [entry.id]


def test_booking_a_candidate_books_and_marks_in_one_unit_of_work(agenda):
    entry = _wait(agenda, 1, note="rappeler après 18h")
    result = agenda.ws.waiting_list.book_candidate(entry.id, agenda.morel,
                                                   agenda.at(THURSDAY, 11))
    appt = result.appointment
    assert (appt.patient_id, appt.type_id, appt.minutes) == (agenda.patients[1], agenda.consult,
                                                             15)
    assert appt.note == ""  # the secretary's note stays on the list
    after = agenda.ws.waiting_list.get(entry.id)
    assert (after.status, after.appointment_id) == ("booked", appt.id)
    with agenda.ws.store.reader() as s:
        audit = s.execute(select(AuditEntry.at).where(AuditEntry.action == "waiting_booked",
                                                      AuditEntry.entity_id == entry.id)).all()
        created = s.execute(select(AuditEntry.at).where(AuditEntry.action == "create",
                                                        AuditEntry.entity_id == appt.id)).all()
    assert len(audit) == 1 and audit == created  # the same transaction
    with pytest.raises(ValidationError):
        agenda.ws.waiting_list.book_candidate(entry.id, agenda.morel, agenda.at(THURSDAY, 11, 30))


def test_a_refused_booking_leaves_the_entry_waiting(agenda):
    entry = _wait(agenda, 1)
    _book(agenda, agenda.morel, THURSDAY, 11)
    with pytest.raises(BookingRefused):
        agenda.ws.waiting_list.book_candidate(entry.id, agenda.morel, agenda.at(THURSDAY, 11, 5))
    assert agenda.ws.waiting_list.get(entry.id).status == "waiting"
    with agenda.ws.store.reader() as s:
        assert len(s.execute(select(Appointment.id)).all()) == 1
        row = s.get(WaitingListEntry, entry.id)
        assert row.appointment_id is None


def test_window_bounds_are_inclusive(agenda):
    entry = _wait(agenda, 0, first=THURSDAY, until=THURSDAY)
    start = agenda.at(THURSDAY, 9)
    assert [e.id for e in agenda.ws.waiting_list.candidates_for(
        agenda.morel, start, start + timedelta(minutes=15))] == [entry.id]
    friday = agenda.at(THURSDAY + timedelta(days=1), 9)
    assert agenda.ws.waiting_list.candidates_for(agenda.morel, friday,
                                                 friday + timedelta(minutes=15)) == []
    assert date(2026, 3, 19) == THURSDAY
