"""The free-slot finder on a real practice: hours, types, bookings, buffers, absences,
holidays, wishes, the clock, and reading bookings only as far as the search goes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.services.agenda.guard import Busy
from app.services.agenda.public_holidays import PublicHolidays
from app.services.agenda.schedule import HoursRule, Schedule
from app.services.agenda.setup import AbsenceInput, TypeInput
from app.services.agenda.slots import (
    AFTERNOON, MORNING, Constraints, SlotQuery, SlotSpec, TimeWindow, find_free_slots,
    parse_constraints,
)
from app.services.agenda.views import BookingInput
from app.services.agenda.zone import PracticeTime
from app.services.errors import ValidationError
from tests.agenda_fixtures import MONDAY

PARIS = PracticeTime("Europe/Paris")
TUESDAY = MONDAY + timedelta(days=1)
EASTER_MONDAY = date(2026, 4, 6)


def _hhmm(agenda, slot) -> str:
    m = agenda.ws.zone.wall_minute(slot.starts_at)
    assert m == slot.start_min
    return f"{m // 60:02d}:{m % 60:02d}"


def _find(agenda, *, type_id=None, who=(), first=MONDAY, last=None, limit=20, **wishes):
    query = SlotQuery(type_id or agenda.consult, first, last or first + timedelta(days=13),
                      tuple(who), Constraints(**wishes))
    return agenda.ws.slots.find_slots(query, limit=limit)


def _book(agenda, pid, day, hour, minute=0, *, type_id=None, ends=None, patient=0):
    starts = agenda.at(day, hour, minute)
    return agenda.service.book(BookingInput(
        pid, starts, ends and agenda.at(day, *ends), agenda.patients[patient],
        type_id or agenda.consult)).appointment


def test_the_earliest_slots_start_now_one_slot_length_apart(agenda):
    slots = _find(agenda, who=[agenda.morel], limit=4)
    # The frozen clock reads 09:30 in Paris; nothing earlier today is offered.
    assert [_hhmm(agenda, s) for s in slots] == ["09:30", "09:45", "10:00", "10:15"]
    assert {s.day for s in slots} == {MONDAY}
    assert all(s.ends_at - s.starts_at == timedelta(minutes=15) for s in slots)


def test_anyone_is_ordered_by_start_then_practitioner(agenda):
    slots = _find(agenda, limit=4)
    assert [(_hhmm(agenda, s), s.practitioner_id) for s in slots] == [
        ("09:30", agenda.faure), ("09:30", agenda.morel),
        ("09:45", agenda.faure), ("09:45", agenda.morel)]


def test_a_slot_that_would_run_past_closing_is_not_offered(agenda, clock):
    clock.advance(hours=2, minutes=20)  # 11:50 in Paris: 11:50-12:05 would overrun
    [first] = _find(agenda, who=[agenda.morel], limit=1)
    assert (first.day, _hhmm(agenda, first)) == (MONDAY, "14:00")


def test_bookings_and_both_buffers_are_kept_free(agenda):
    _book(agenda, agenda.morel, MONDAY, 14, 0, type_id=agenda.visit)  # holds 14:00-14:45
    _book(agenda, agenda.morel, MONDAY, 15, 30)                        # 15:30-15:45
    slots = [s for s in _find(agenda, type_id=agenda.visit, who=[agenda.morel], limit=40)
             if s.day == MONDAY]
    # 14:45 + 30 min + its own 15-minute buffer ends exactly at 15:30; 14:50 would not.
    assert [_hhmm(agenda, s) for s in slots] == ["14:45", "15:45", "16:30", "17:15", "18:00"]
    for s in slots:  # the guard agrees with every proposal
        assert not [c for c in agenda.service.check(BookingInput(
            s.practitioner_id, s.starts_at, None, agenda.patients[1], agenda.visit))
            if c.blocking]


def test_a_booking_ending_off_the_grid_moves_the_next_slot_to_the_grid(agenda):
    _book(agenda, agenda.morel, MONDAY, 9, 30, ends=(9, 52))
    slots = _find(agenda, who=[agenda.morel], limit=2)
    assert [_hhmm(agenda, s) for s in slots] == ["09:55", "10:10"]


def test_cancelled_appointments_free_their_time(agenda):
    a = _book(agenda, agenda.morel, MONDAY, 9, 30)
    assert _hhmm(agenda, _find(agenda, who=[agenda.morel], limit=1)[0]) == "09:45"
    agenda.service.cancel(a.id, "patient")
    assert _hhmm(agenda, _find(agenda, who=[agenda.morel], limit=1)[0]) == "09:30"


def test_types_are_offered_only_in_the_ranges_that_accept_them(agenda):
    slots = _find(agenda, type_id=agenda.visit, first=TUESDAY, last=TUESDAY + timedelta(days=2),
                  limit=200)
    assert slots and all(s.start_min >= 14 * 60 for s in slots)  # visits: afternoons only
    wednesday = TUESDAY + timedelta(days=1)
    assert {s.practitioner_id for s in slots if s.day == wednesday} == {agenda.morel}


def test_absences_and_holidays_close_and_an_opening_reopens(agenda):
    agenda.ws.agenda_setup.add_absence(AbsenceInput(
        agenda.morel, agenda.at(TUESDAY, 9), agenda.at(TUESDAY, 11)))
    slots = _find(agenda, who=[agenda.morel], first=TUESDAY, last=TUESDAY, limit=4)
    assert [_hhmm(agenda, s) for s in slots] == ["08:30", "08:45", "11:00", "11:15"]
    assert _find(agenda, first=EASTER_MONDAY, last=EASTER_MONDAY) == []
    agenda.ws.agenda_setup.set_holiday_open(EASTER_MONDAY, True, agenda.faure)
    opened = _find(agenda, first=EASTER_MONDAY, last=EASTER_MONDAY, limit=100)
    assert opened and {s.practitioner_id for s in opened} == {agenda.faure}


def test_part_of_day_weekdays_and_times(agenda):
    mornings = _find(agenda, part_of_day=MORNING, limit=100)
    assert mornings and all(s.start_min < 12 * 60 for s in mornings)
    afternoons = _find(agenda, who=[agenda.morel], part_of_day=AFTERNOON, limit=3)
    assert [(s.day, _hhmm(agenda, s)) for s in afternoons] == [
        (MONDAY, "14:00"), (MONDAY, "14:15"), (MONDAY, "14:30")]
    thursdays = _find(agenda, who=[agenda.morel], weekdays=frozenset({3}), after_min=17 * 60,
                      before_min=18 * 60, limit=100)
    assert {s.day.weekday() for s in thursdays} == {3}
    assert [_hhmm(agenda, s) for s in thursdays][:4] == ["17:00", "17:15", "17:30", "17:45"]
    assert all(17 * 60 <= s.start_min < 18 * 60 for s in thursdays)


def test_tuesday_after_five_or_thursday_morning(agenda):
    wish = (TimeWindow(frozenset({1}), after_min=17 * 60), TimeWindow(frozenset({3}),
                                                                     before_min=12 * 60))
    slots = _find(agenda, who=[agenda.morel], windows=wish, limit=100)
    for s in slots:
        assert (s.day.weekday() == 1 and s.start_min >= 17 * 60) or \
            (s.day.weekday() == 3 and s.start_min < 12 * 60)
    assert [(s.day, _hhmm(agenda, s)) for s in slots[:2]] == [
        (TUESDAY, "17:00"), (TUESDAY, "17:15")]
    assert any(s.day.weekday() == 3 for s in slots)


def test_not_before_a_date(agenda):
    slots = _find(agenda, who=[agenda.morel], not_before=date(2026, 3, 19), limit=1)
    assert (slots[0].day, _hhmm(agenda, slots[0])) == (date(2026, 3, 19), "08:30")


def test_remote_only_refuses_a_type_the_practice_books_itself(agenda):
    with pytest.raises(ValidationError) as exc:
        _find(agenda, type_id=agenda.visit, remote_only=True)
    assert "type" in exc.value.errors
    assert _find(agenda, remote_only=True, limit=1)


def test_only_practitioners_offering_the_type(agenda):
    paediatric = agenda.ws.agenda_setup.save_type(TypeInput(
        "Vaccination", 10, practitioner_ids=frozenset({agenda.faure}))).id
    assert {s.practitioner_id for s in _find(agenda, type_id=paediatric, limit=30)} == {
        agenda.faure}
    with pytest.raises(ValidationError) as exc:
        _find(agenda, type_id=paediatric, who=[agenda.morel])
    assert "Morel" in exc.value.errors["type"]


def test_the_query_is_checked(agenda):
    with pytest.raises(ValidationError):
        _find(agenda, first=TUESDAY, last=MONDAY)
    with pytest.raises(ValidationError):
        _find(agenda, type_id="no-such-type")
    with pytest.raises(ValidationError):
        agenda.ws.slots.find_slots(SlotQuery(agenda.consult, MONDAY, MONDAY, align_min=7))
    assert _find(agenda, limit=0) == []


def test_a_shorter_limit_is_a_prefix_and_every_start_is_listed_on_request(agenda):
    _book(agenda, agenda.morel, MONDAY, 10, 0)
    full = _find(agenda, limit=60)
    assert _find(agenda, limit=7) == full[:7]
    every = agenda.ws.slots.find_slots(SlotQuery(agenda.consult, MONDAY, MONDAY,
                                                 (agenda.morel,), spacing_min=5), limit=6)
    assert [_hhmm(agenda, s) for s in every] == ["09:30", "09:35", "09:40", "09:45", "10:15",
                                                 "10:20"]


def test_bookings_are_read_a_week_at_a_time_only_as_far_as_needed(agenda):
    queries = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT appointment.practitioner_id, "
                                         "appointment.starts_at AS starts_at"):
            queries.append(statement)

    engine = agenda.ws.store.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        _find(agenda, last=MONDAY + timedelta(days=90), limit=20)
        assert len(queries) == 1  # the first week had twenty slots
        queries.clear()
        _find(agenda, last=MONDAY + timedelta(days=90), weekdays=frozenset({4}),
              not_before=date(2026, 4, 20), limit=5)
        assert len(queries) == 1  # the weeks before "not before" are not read
        queries.clear()
        # Mondays from 18:50: a consultation never fits before 19:00, so every week is
        # read, its Monday only; but not Easter Monday (6 April), closed.
        assert _find(agenda, last=MONDAY + timedelta(days=27), weekdays=frozenset({0}),
                     after_min=18 * 60 + 50) == []
        assert len(queries) == 3
        queries.clear()
        assert _find(agenda, weekdays=frozenset({6})) == []
        assert queries == []  # no Sunday wished for has hours: nothing to read
    finally:
        event.remove(engine, "before_cursor_execute", count)


# -- wishes as typed ---------------------------------------------------------------------
TODAY = date(2026, 3, 16)


@pytest.mark.parametrize("text, expected", [
    ("matin", Constraints(before_min=720)),
    ("le matin", Constraints(before_min=720)),
    ("l'après-midi", Constraints(after_min=720)),
    ("apres midi", Constraints(after_min=720)),
    ("afternoons", Constraints(after_min=720)),
    ("avant 10h30", Constraints(before_min=630)),
    ("after 5pm", Constraints(after_min=1020)),
    ("pas avant 10h", Constraints(after_min=600)),
    ("not after 17:00", Constraints(before_min=1021)),
    ("mardi après 17h", Constraints(windows=(TimeWindow(frozenset({1}), 1020),))),
    ("Tuesday after 17:00", Constraints(windows=(TimeWindow(frozenset({1}), 1020),))),
    ("les jeudis", Constraints(windows=(TimeWindow(frozenset({3})),))),
    ("mardi et jeudi matin", Constraints(windows=(TimeWindow(frozenset({1, 3}), 0, 720),))),
    ("mardi après 17h ou jeudi matin", Constraints(windows=(
        TimeWindow(frozenset({1}), 1020), TimeWindow(frozenset({3}), 0, 720)))),
    ("après 17h, lundi ou vendredi", Constraints(after_min=1020, windows=(
        TimeWindow(frozenset({0, 4})),))),
    ("pas avant le 12", Constraints(not_before=date(2026, 4, 12))),
    ("pas avant le 20", Constraints(not_before=date(2026, 3, 20))),
    ("not before the 12th", Constraints(not_before=date(2026, 4, 12))),
    ("à partir du 3 mai", Constraints(not_before=date(2026, 5, 3))),
    ("after April 12", Constraints(not_before=date(2026, 4, 13))),
    ("from 12/04/2027", Constraints(not_before=date(2027, 4, 12))),
    ("le matin, pas avant le 1er avril", Constraints(before_min=720,
                                                      not_before=date(2026, 4, 1))),
    ("", Constraints()),
])
def test_parse_constraints(text, expected):
    assert parse_constraints(text, today=TODAY) == expected


@pytest.mark.parametrize("text, word", [
    ("vers 17h", "vers"), ("17h", "17h"), ("avant le 12", "12"), ("le 31 février", "31"),
    ("mardi après", "après"), ("semaine prochaine", "semaine"),
])
def test_parse_constraints_names_what_it_did_not_understand(text, word):
    with pytest.raises(ValidationError) as exc:
        parse_constraints(text, today=TODAY)
    assert word in exc.value.errors["constraints"]


def test_parsed_wishes_drive_the_finder(agenda):
    wish = parse_constraints("mardi après 17h ou jeudi matin", today=TODAY)
    slots = agenda.ws.slots.find_slots(SlotQuery(agenda.consult, MONDAY, MONDAY + timedelta(7),
                                                 (agenda.morel,), wish), limit=100)
    assert {(s.day.weekday(), s.start_min >= 1020) for s in slots} == {(1, True), (3, False)}


# -- the pure core on hand-made cases: the edges the random ones rarely hit -------------
def _core(ranges, busy=(), *, day, wishes=Constraints(), duration=15, limit=5):
    zone = PARIS
    rules = {"p": [HoursRule(day.weekday(), a, b, None, None, frozenset()) for a, b in ranges]}
    schedule = Schedule(zone, PublicHolidays(), rules, {})
    held = [Busy(f"b{i}", "p", None, s, e) for i, (s, e) in enumerate(busy)]
    spec = SlotSpec(("p",), None, duration, 0, day, day, wishes)
    slots = find_free_slots(schedule, held, spec, now=zone.day_start(day), limit=limit)
    return [zone.local(s.starts_at).strftime("%H:%M %Z") for s in slots]


def test_core_a_booking_straddling_the_opening_by_a_minute():
    day = date(2026, 6, 10)
    at = lambda h, m: PARIS.at(day, h, m)  # noqa: E731
    assert _core([(510, 720)], [(at(8, 16), at(8, 31))], day=day, limit=2) == [
        "08:35 CEST", "08:50 CEST"]


def test_core_wishes_on_the_day_the_clocks_go_forward():
    # 29 March 2026: 02:00 jumps to 03:00; "after 02:10" is first true at 03:00.
    day = date(2026, 3, 29)
    assert _core([(60, 240)], day=day, wishes=Constraints(after_min=130), limit=2) == [
        "03:00 CEST", "03:15 CEST"]


def test_core_wishes_on_the_day_the_clocks_go_back():
    # 25 October 2026: 03:00 goes back to 02:00; "before 02:30" holds twice.
    day = date(2026, 10, 25)
    first_pass = (PARIS.at(day, 1, 0), PARIS.at(day, 2, 30))  # 01:00-02:30 summer time
    assert _core([(60, 240)], [first_pass], day=day, wishes=Constraints(before_min=150),
                 limit=3) == ["02:00 CET", "02:15 CET"]
