"""Booking, moving, cancelling through the guard, in practice time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Appointment, AuditEntry
from app.services.agenda.guard import ABSENCE, CLOSED, HOLIDAY, OVERLAP, SAME_PATIENT, TYPE_NOT_HERE
from app.services.agenda.labels import field_labels
from app.services.agenda.service import BookingRefused, OverrideNotAllowed
from app.services.agenda.setup import AbsenceInput
from app.services.agenda.views import BookingInput
from app.services.errors import ValidationError
from tests.agenda_fixtures import MONDAY


def _book(agenda, pid, hour, minute=0, *, day=MONDAY, patient=0, type_id=None, **kw):
    return agenda.service.book(BookingInput(
        pid, agenda.at(day, hour, minute), patient_id=agenda.patients[patient],
        type_id=type_id or agenda.consult), **kw)


def _kinds(exc):
    return [c.kind for c in exc.value.conflicts if c.blocking]


def test_a_booking_takes_the_type_duration_and_reads_back_in_practice_time(agenda):
    r = _book(agenda, agenda.morel, 9, 0)
    a = r.appointment
    assert a.minutes == 15 and a.type_name == "Consultation"
    assert agenda.ws.zone.wall_minute(a.starts_at) == 9 * 60
    assert a.patient_name.startswith("LEFÈVRE")
    [listed] = agenda.service.appointments([agenda.morel], MONDAY, MONDAY)
    assert listed.id == a.id and listed.starts_at == a.starts_at


def test_overlap_is_refused_with_the_reason_and_nothing_is_written(agenda):
    _book(agenda, agenda.morel, 9, 0)
    with pytest.raises(BookingRefused) as exc:
        _book(agenda, agenda.morel, 9, 10, patient=1)
    assert _kinds(exc) == [OVERLAP]
    assert "09:00–09:15" in exc.value.user_message
    assert len(agenda.service.appointments([agenda.morel], MONDAY, MONDAY)) == 1
    # Back to back is fine.
    _book(agenda, agenda.morel, 9, 15, patient=1)


def test_a_buffer_after_keeps_the_next_slot_free(agenda):
    _book(agenda, agenda.morel, 14, 0, type_id=agenda.visit)  # 14:00-14:30 + 15 min
    with pytest.raises(BookingRefused) as exc:
        _book(agenda, agenda.morel, 14, 35, patient=1)
    assert _kinds(exc) == [OVERLAP]
    _book(agenda, agenda.morel, 14, 45, patient=1)


def test_closed_hours_holiday_absence_and_type_ranges_are_refused(agenda):
    with pytest.raises(BookingRefused) as exc:
        _book(agenda, agenda.morel, 12, 30)
    assert _kinds(exc) == [CLOSED]
    with pytest.raises(BookingRefused) as exc:
        _book(agenda, agenda.morel, 9, 0, type_id=agenda.visit)  # visits: afternoons only
    assert _kinds(exc) == [TYPE_NOT_HERE]
    easter_monday = MONDAY + timedelta(days=21)  # 6 April 2026
    with pytest.raises(BookingRefused) as exc:
        _book(agenda, agenda.morel, 9, 0, day=easter_monday)
    assert _kinds(exc) == [HOLIDAY]
    assert "Pâques" in exc.value.user_message
    agenda.ws.agenda_setup.add_absence(AbsenceInput(
        agenda.morel, agenda.at(MONDAY, 14), agenda.at(MONDAY, 16), replacement_id=agenda.faure))
    with pytest.raises(BookingRefused) as exc:
        _book(agenda, agenda.morel, 15, 0)
    assert _kinds(exc) == [ABSENCE]
    assert "Faure" in exc.value.user_message


def test_the_owner_may_override_and_it_is_recorded(agenda):
    _book(agenda, agenda.morel, 9, 0)
    r = _book(agenda, agenda.morel, 9, 5, patient=1, override=True)
    assert "09:00–09:15" in r.appointment.override_note
    with agenda.ws.store.reader() as s:
        actions = s.execute(select(AuditEntry.action, AuditEntry.detail)
                            .where(AuditEntry.entity_id == r.appointment.id)).all()
    assert ("override", OVERLAP) in actions
    history = agenda.service.history(r.appointment.id)
    assert history[0].action == "override"


def test_others_cannot_override(agenda):
    agenda.service.principal = replace(agenda.service.principal, role="secretary")
    _book(agenda, agenda.morel, 9, 0)
    with pytest.raises(BookingRefused) as exc:
        _book(agenda, agenda.morel, 9, 5, patient=1)
    assert exc.value.can_override is False
    with pytest.raises(OverrideNotAllowed):
        _book(agenda, agenda.morel, 9, 5, patient=1, override=True)


def test_the_same_patient_twice_at_one_time_is_flagged_not_refused(agenda):
    _book(agenda, agenda.morel, 9, 0)
    r = _book(agenda, agenda.faure, 9, 0)
    assert [w.kind for w in r.warnings] == [SAME_PATIENT]
    assert "Morel" in r.warnings[0].message


def test_move_resize_and_history(agenda):
    a = _book(agenda, agenda.morel, 9, 0).appointment
    moved = agenda.service.move(a.id, agenda.at(MONDAY, 10, 30),
                                practitioner_id=agenda.faure).appointment
    assert agenda.ws.zone.wall_minute(moved.starts_at) == 10 * 60 + 30
    assert moved.practitioner_id == agenda.faure and moved.minutes == 15
    resized = agenda.service.move(a.id, moved.starts_at, moved.starts_at + timedelta(minutes=30))
    assert resized.appointment.minutes == 30
    history = agenda.service.history(a.id)
    assert [h.action for h in history] == ["create", "move", "move"]
    names = field_labels()
    labels = {c[0]: (c[1], c[2]) for c in history[1].changes}
    assert labels[names["starts_at"]] == ("16/03/2026 09:00", "16/03/2026 10:30")
    assert labels[names["practitioner_id"]] == ("Dr Claire Morel", "Dr Julien Faure")
    assert history[0].actor == "Dr Morel"


def test_a_move_onto_another_appointment_is_refused_and_leaves_it(agenda):
    a = _book(agenda, agenda.morel, 9, 0).appointment
    _book(agenda, agenda.morel, 10, 0, patient=1)
    with pytest.raises(BookingRefused):
        agenda.service.move(a.id, agenda.at(MONDAY, 10, 5))
    with agenda.ws.store.reader() as s:
        assert s.get(Appointment, a.id).starts_at == a.starts_at


def test_cancel_frees_the_time_and_no_show_counts(agenda):
    a = _book(agenda, agenda.morel, 9, 0).appointment
    with pytest.raises(ValidationError):
        agenda.service.cancel(a.id, "")
    c = agenda.service.cancel(a.id, "patient", "rappelle la semaine prochaine")
    assert c.status == "cancelled" and c.cancel_reason == "patient"
    b = _book(agenda, agenda.morel, 9, 0, patient=0).appointment
    agenda.service.cancel(b.id, "no_show")
    assert agenda.service.no_show_count(agenda.patients[0]) == 1
    assert agenda.service.history(b.id)[-1].action == "cancel"


def test_statuses_and_the_waiting_room(agenda, clock):
    a = _book(agenda, agenda.morel, 10, 0).appointment
    b = _book(agenda, agenda.morel, 10, 15, patient=1).appointment
    agenda.service.set_status(b.id, "arrived")
    clock.advance(minutes=3)
    agenda.service.set_status(a.id, "arrived")
    assert [x.id for x in agenda.service.waiting_room(MONDAY)] == [b.id, a.id]
    agenda.service.set_status(b.id, "in_consultation")
    assert [x.id for x in agenda.service.waiting_room(MONDAY)] == [a.id]
    with pytest.raises(ValidationError):
        agenda.service.set_status(a.id, "cancelled")


def test_day_loads_count_booked_and_open_minutes(agenda):
    _book(agenda, agenda.morel, 9, 0)
    _book(agenda, agenda.morel, 14, 0, type_id=agenda.visit)
    [monday] = agenda.service.day_loads([agenda.morel], MONDAY, MONDAY)
    assert (monday.booked_count, monday.booked_minutes) == (2, 45)
    assert monday.open_minutes == 210 + 300
    [easter] = agenda.service.day_loads([agenda.morel], MONDAY + timedelta(days=21),
                                        MONDAY + timedelta(days=21))
    assert easter.open_minutes == 0 and easter.holiday_name == "Lundi de Pâques"


def test_hours_are_read_as_a_clock_reads_them():
    from app.services.agenda.setup import parse_hhmm

    assert [parse_hhmm(v) for v in ("8:30", "08h30", "14h", "14H05", "24:00")] == \
        [510, 510, 840, 845, 1440]
    for bad in ("9h75", "25:00", "midi", ""):
        with pytest.raises(ValueError):
            parse_hhmm(bad)


def test_back_to_booked_forgets_the_arrival_time(agenda, clock):
    a = _book(agenda, agenda.morel, 10, 0).appointment
    agenda.service.set_status(a.id, "arrived")
    agenda.service.set_status(a.id, "booked")
    clock.advance(minutes=20)
    agenda.service.set_status(a.id, "arrived")
    with agenda.ws.store.reader() as s:
        assert s.get(Appointment, a.id).arrived_at == clock.now()


def test_a_new_holiday_region_applies_at_once(agenda):
    good_friday = MONDAY + timedelta(days=18)  # 3 April 2026: a holiday in Moselle only
    _book(agenda, agenda.morel, 9, 0, day=good_friday)
    agenda.ws.set_holiday_region("57")
    assert agenda.ws.practice.holiday_region == "57"
    with pytest.raises(BookingRefused) as exc:
        _book(agenda, agenda.morel, 10, 0, day=good_friday, patient=1)
    assert _kinds(exc) == [HOLIDAY]
