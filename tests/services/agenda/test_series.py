"""Recurring series: the rule in wall time, collisions listed before anything is written,
writing in one unit of work, cancelling and moving what remains."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, weekday
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.models import Appointment, AppointmentSeries, AuditEntry
from app.services.agenda.guard import ABSENCE, HOLIDAY, OVERLAP, SAME_PATIENT
from app.services.agenda.series import (
    MAX_OCCURRENCES, SeriesInput, SeriesRefused, expand_rule, normalise_rule,
)
from app.services.agenda.service import OverrideNotAllowed
from app.services.agenda.setup import AbsenceInput
from app.services.agenda.views import BookingInput
from app.services.agenda.zone import PracticeTime
from app.services.errors import NotFound, ValidationError
from tests.agenda_fixtures import MONDAY

PARIS = PracticeTime("Europe/Paris")
UTC = timezone.utc
TUESDAY = MONDAY + timedelta(days=1)  # 17 March 2026
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# -- the rule, in wall time (no database) -------------------------------------------------
def _wall(instant: datetime) -> tuple[date, str]:
    local = PARIS.local(instant)
    return local.date(), local.strftime("%H:%M")


def test_a_weekly_series_keeps_its_wall_time_across_the_change():
    days = expand_rule("FREQ=WEEKLY;BYDAY=TU;COUNT=3", date(2026, 3, 24), 9 * 60, PARIS)
    assert [_wall(i) for _d, i in days] == [
        (date(2026, 3, 24), "09:00"), (date(2026, 3, 31), "09:00"), (date(2026, 4, 7), "09:00")]
    assert [i.astimezone(UTC).hour for _d, i in days] == [8, 7, 7]


def test_a_start_in_the_skipped_hour_lands_where_the_clock_does():
    # 29 March 2026 has no 02:30: that occurrence is at 03:30 summer time (01:30 UTC),
    # the others at 02:30; one per day, still in order.
    days = expand_rule("FREQ=DAILY;COUNT=3", date(2026, 3, 28), 150, PARIS)
    assert [_wall(i) for _d, i in days] == [
        (date(2026, 3, 28), "02:30"), (date(2026, 3, 29), "03:30"), (date(2026, 3, 30), "02:30")]
    assert days[1][1] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_start_in_the_repeated_hour_is_the_first_one():
    days = expand_rule("FREQ=DAILY;COUNT=2", date(2026, 10, 25), 150, PARIS)
    assert days[0][1] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time
    assert [_wall(i) for _d, i in days] == [(date(2026, 10, 25), "02:30"),
                                            (date(2026, 10, 26), "02:30")]


@pytest.mark.parametrize("rule, expected", [
    ("RRULE:freq=weekly;byday=tu,th;count=4", "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4"),
    ("BYDAY=MO;FREQ=WEEKLY;UNTIL=20260601", "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260601T235959"),
    ("FREQ=WEEKLY;UNTIL=20260601T070000Z", "FREQ=WEEKLY;UNTIL=20260601T090000"),
])
def test_rules_are_stored_normalised(rule, expected):
    assert normalise_rule(rule, PARIS) == expected


@pytest.mark.parametrize("rule", [
    "FREQ=WEEKLY", "FREQ=HOURLY;COUNT=3", "FREQ=DAILY;BYHOUR=9;COUNT=2", "nonsense",
    "FREQ=WEEKLY;COUNT=2;UNTIL=20260601", f"FREQ=DAILY;COUNT={MAX_OCCURRENCES + 1}",
    "FREQ=WEEKLY;UNTIL=20260101", "FREQ=WEEKLY;BYDAY=XX;COUNT=2", "FREQ=DAILY;COUNT=2;COUNT=3",
])
def test_rules_that_do_not_end_or_are_not_understood_are_refused(rule):
    with pytest.raises(ValidationError) as exc:
        expand_rule(rule, date(2026, 3, 17), 9 * 60, PARIS)
    assert "rule" in exc.value.errors


# Days near both changes, and times around the skipped and repeated hours.
first_days = st.one_of(st.sampled_from((date(2026, 3, 22), date(2026, 3, 29),
                                        date(2026, 10, 18), date(2026, 10, 25),
                                        date(2027, 3, 21), date(2027, 10, 31))),
                       st.dates(date(2025, 1, 1), date(2028, 12, 31)))
start_minutes = st.one_of(st.integers(120, 179), st.sampled_from((0, 540, 1439)),
                          st.integers(0, 1439))


@st.composite
def rules(draw, first_day: date):
    """(rule text, the same rule as dateutil arguments, computed independently)."""
    freq = draw(st.sampled_from(("WEEKLY", "WEEKLY", "DAILY", "MONTHLY")))
    parts, kwargs = [f"FREQ={freq}"], {"freq": {"WEEKLY": WEEKLY, "DAILY": DAILY,
                                                  "MONTHLY": MONTHLY}[freq]}
    if freq == "WEEKLY":
        byday = sorted(draw(st.sets(st.integers(0, 6), min_size=1)))
        parts.append("BYDAY=" + ",".join(DAYS[d] for d in byday))
        kwargs["byweekday"] = [weekday(d) for d in byday]
    if freq == "MONTHLY":
        monthday = draw(st.integers(1, 28))
        parts.append(f"BYMONTHDAY={monthday}")
        kwargs["bymonthday"] = monthday
    interval = draw(st.integers(1, 3))
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    kwargs["interval"] = interval
    end = draw(st.sampled_from(("count", "date", "floating", "utc")))
    if end == "count":
        count = draw(st.integers(1, 60))
        parts.append(f"COUNT={count}")
        kwargs["count"] = count
    else:
        until_day = first_day + timedelta(days=draw(st.integers(-3, 400)))
        until_at = time(draw(st.integers(0, 23)), draw(st.sampled_from((0, 30, 59))))
        if end == "date":
            parts.append(f"UNTIL={until_day:%Y%m%d}")
            kwargs["until"] = datetime.combine(until_day, time(23, 59, 59))
        elif end == "floating":
            parts.append(f"UNTIL={until_day:%Y%m%d}T{until_at:%H%M%S}")
            kwargs["until"] = datetime.combine(until_day, until_at)
        else:
            instant = datetime.combine(until_day, until_at, tzinfo=UTC)
            parts.append(f"UNTIL={instant:%Y%m%dT%H%M%SZ}")
            kwargs["until"] = PARIS.local(instant).replace(tzinfo=None)
    return ";".join(draw(st.permutations(parts))), kwargs


@settings(max_examples=150, deadline=None)
@given(st.data(), first_days, start_minutes)
def test_occurrences_are_dateutils_in_wall_time(data, first_day, start_min):
    text, kwargs = data.draw(rules(first_day))
    wall_start = datetime.combine(first_day, time(start_min // 60, start_min % 60))
    expected = list(rrule(dtstart=wall_start, **kwargs)[:MAX_OCCURRENCES + 1])
    if not expected or len(expected) > MAX_OCCURRENCES:
        with pytest.raises(ValidationError):
            expand_rule(text, first_day, start_min, PARIS)
        return
    days = expand_rule(text, first_day, start_min, PARIS)
    assert [d for d, _i in days] == [e.date() for e in expected]
    instants = [i for _d, i in days]
    assert all(a < b for a, b in zip(instants, instants[1:]))  # in order, no duplicates
    for (day, instant), wall in zip(days, expected):
        local = PARIS.local(instant)
        exists = wall.replace(tzinfo=PARIS.zone).astimezone(UTC).astimezone(PARIS.zone) \
            .replace(tzinfo=None) == wall
        if exists:
            assert (local.date(), local.hour * 60 + local.minute) == (day, start_min)
            # A repeated wall time is its first occurrence (summer time, the larger offset).
            first = wall.replace(tzinfo=PARIS.zone, fold=0)
            assert instant == first.astimezone(UTC)
        else:  # the skipped hour: an hour later on the clock, the same day
            assert (local.date(), local.hour * 60 + local.minute) == (day, start_min + 60)


# -- series in a practice -------------------------------------------------------------------
def _series(agenda, *, rule="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6", start="10:00", first=TUESDAY,
            pid=None, patient=0, type_id=None, **kw):
    return agenda.ws.series.plan_series(SeriesInput(
        pid or agenda.morel, agenda.patients[patient], type_id or agenda.consult, first, start,
        rule, **kw))


def _count(agenda, model) -> int:
    with agenda.ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(model)
                         .where(model.deleted_at.is_(None))).scalar_one()


def _walls(agenda, views):
    return [(agenda.ws.zone.day_of(v.starts_at), _wall(v.starts_at)[1]) for v in views]


def test_a_plan_lists_every_date_and_writes_nothing(agenda):
    plan = _series(agenda)
    assert [_wall(o.starts_at) for o in plan.occurrences] == [
        (date(2026, 3, 17), "10:00"), (date(2026, 3, 19), "10:00"), (date(2026, 3, 24), "10:00"),
        (date(2026, 3, 26), "10:00"), (date(2026, 3, 31), "10:00"), (date(2026, 4, 2), "10:00")]
    assert all(o.ends_at - o.starts_at == timedelta(minutes=15) for o in plan.occurrences)
    assert plan.collisions == () and plan.duration_min == 15
    assert _count(agenda, Appointment) == 0 and _count(agenda, AppointmentSeries) == 0
    starts, ends, conflicts = plan.occurrences[0]  # occurrences unpack as triples
    assert conflicts == ()


def test_collisions_are_listed_with_reasons_and_a_refusal_writes_nothing(agenda):
    other = agenda.service.book(BookingInput(agenda.morel, agenda.at(date(2026, 3, 23), 10, 5),
                                             patient_id=agenda.patients[1],
                                             type_id=agenda.consult)).appointment
    agenda.ws.agenda_setup.add_absence(AbsenceInput(
        agenda.morel, agenda.at(date(2026, 3, 30), 8), agenda.at(date(2026, 3, 30), 12)))
    plan = _series(agenda, rule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", first=date(2026, 3, 23))
    kinds = {o.starts_at.date(): [c.kind for c in o.blocking] for o in plan.collisions}
    assert kinds == {date(2026, 3, 23): [OVERLAP], date(2026, 3, 30): [ABSENCE],
                     date(2026, 4, 6): [HOLIDAY]}
    assert plan.collisions[0].blocking[0].other_id == other.id
    journal_before = _count_audit(agenda)
    with pytest.raises(SeriesRefused) as exc:
        agenda.ws.series.create_series(plan)
    assert "23/03/2026 10:00" in exc.value.user_message and exc.value.can_override
    assert len(exc.value.collisions) == 3
    assert _count(agenda, AppointmentSeries) == 0 and _count(agenda, Appointment) == 1
    assert _count_audit(agenda) == journal_before


def _count_audit(agenda) -> int:
    with agenda.ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_skipping_the_collisions_books_the_rest_in_one_go(agenda):
    agenda.service.book(BookingInput(agenda.morel, agenda.at(date(2026, 3, 19), 10, 0),
                                     patient_id=agenda.patients[1], type_id=agenda.consult))
    plan = _series(agenda, note="Kiné respiratoire")
    result = agenda.ws.series.create_series(plan, skip_conflicts=True)
    assert [o.starts_at.date() for o in result.skipped] == [date(2026, 3, 19)]
    assert len(result.appointments) == 5
    listed = agenda.ws.series.occurrences(result.series_id)
    assert [v.id for v in listed] == [a.id for a in result.appointments]
    assert all(v.series_id == result.series_id and v.note == "Kiné respiratoire" for v in listed)
    info = agenda.ws.series.get(result.series_id)
    assert (info.rule, info.start_min, info.duration_min) == (
        "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6", 600, 15)
    with agenda.ws.store.reader() as s:
        detail = s.execute(select(AuditEntry.detail).where(
            AuditEntry.action == "series_create")).scalar_one()
    assert detail == "booked=5 skipped=1"


def test_the_owner_may_book_the_whole_series_over_collisions(agenda):
    agenda.service.book(BookingInput(agenda.morel, agenda.at(date(2026, 3, 19), 10, 0),
                                     patient_id=agenda.patients[1], type_id=agenda.consult))
    plan = _series(agenda)
    agenda.service.principal = replace(agenda.service.principal, role="secretary")
    with pytest.raises(OverrideNotAllowed):
        agenda.ws.series.create_series(plan, override=True)
    assert _count(agenda, AppointmentSeries) == 0
    agenda.service.principal = replace(agenda.service.principal, role="owner")
    result = agenda.ws.series.create_series(plan, override=True)
    assert len(result.appointments) == 6
    overridden = [a for a in result.appointments if a.override_note]
    assert [a.starts_at.date() for a in overridden] == [date(2026, 3, 19)]


def test_a_booking_made_since_the_plan_is_not_overwritten(agenda):
    plan = _series(agenda)
    assert plan.collisions == ()
    agenda.service.book(BookingInput(agenda.morel, agenda.at(date(2026, 3, 24), 10, 0),
                                     patient_id=agenda.patients[2], type_id=agenda.consult))
    with pytest.raises(SeriesRefused) as exc:
        agenda.ws.series.create_series(plan)
    assert [o.starts_at.date() for o in exc.value.collisions] == [date(2026, 3, 24)]
    assert _count(agenda, AppointmentSeries) == 0 and _count(agenda, Appointment) == 1


def test_the_same_patient_elsewhere_is_a_warning_not_a_collision(agenda):
    agenda.service.book(BookingInput(agenda.faure, agenda.at(TUESDAY, 10, 0),
                                     patient_id=agenda.patients[0], type_id=agenda.consult))
    plan = _series(agenda)
    assert plan.collisions == ()
    assert [c.kind for c in plan.occurrences[0].conflicts] == [SAME_PATIENT]
    result = agenda.ws.series.create_series(plan)
    assert [w.kind for w in result.warnings] == [SAME_PATIENT]


def test_cancel_one_then_the_remaining_ones(agenda):
    result = agenda.ws.series.create_series(_series(agenda))
    a = result.appointments
    agenda.ws.series.cancel_occurrence(a[1].id, "patient")
    agenda.service.set_status(a[5].id, "seen")  # already seen: stays as it is
    cancelled = agenda.ws.series.cancel_remaining(result.series_id, a[3].id, "practice",
                                                  "fin du traitement")
    assert [v.id for v in cancelled] == [a[3].id, a[4].id]
    status = {v.id: v.status for v in agenda.ws.series.occurrences(result.series_id)}
    assert [status[x.id] for x in a] == ["booked", "cancelled", "booked", "cancelled",
                                         "cancelled", "seen"]
    assert len(agenda.ws.series.occurrences(result.series_id, include_cancelled=False)) == 3
    with pytest.raises(ValidationError):
        agenda.ws.series.cancel_remaining(result.series_id, a[0].id, "")
    with pytest.raises(NotFound):
        agenda.ws.series.cancel_remaining("another-series", a[0].id, "patient")


def test_move_the_remaining_ones_to_another_time(agenda):
    result = agenda.ws.series.create_series(_series(agenda))
    a = result.appointments
    moved = agenda.ws.series.move_remaining(result.series_id, a[2].id, "11:30")
    assert [v.id for v in moved] == [x.id for x in a[2:]]
    listed = agenda.ws.series.occurrences(result.series_id)
    assert [w for _d, w in _walls(agenda, listed)] == ["10:00", "10:00", "11:30", "11:30",
                                                       "11:30", "11:30"]
    assert [d for d, _w in _walls(agenda, listed)] == [x.starts_at.date() for x in a]
    assert all(v.minutes == 15 for v in listed)
    assert agenda.service.history(a[2].id)[-1].action == "move"


def test_a_move_onto_collisions_is_refused_whole_unless_the_owner_overrides(agenda):
    result = agenda.ws.series.create_series(_series(agenda))
    a = result.appointments
    agenda.service.book(BookingInput(agenda.morel, agenda.at(date(2026, 3, 26), 11, 30),
                                     patient_id=agenda.patients[1], type_id=agenda.consult))
    with pytest.raises(SeriesRefused) as exc:
        agenda.ws.series.move_remaining(result.series_id, a[1].id, "11:30")
    assert [(o.starts_at.date(), [c.kind for c in o.blocking]) for o in exc.value.collisions] \
        == [(date(2026, 3, 26), [OVERLAP])]
    assert {w for _d, w in _walls(agenda, agenda.ws.series.occurrences(result.series_id))} == {
        "10:00"}
    with pytest.raises(SeriesRefused) as exc:  # 12:00: the morning is over
        agenda.ws.series.move_remaining(result.series_id, a[1].id, "11:50")
    assert len(exc.value.collisions) == 5
    moved = agenda.ws.series.move_remaining(result.series_id, a[1].id, "11:30", override=True)
    assert [bool(v.override_note) for v in moved] == [False, False, True, False, False]


def test_occurrences_moved_onto_each_other_collide(agenda):
    result = agenda.ws.series.create_series(_series(agenda))
    a = result.appointments
    # The 24 March one was moved by hand to Thursday 26 at 09:00, beside that day's own.
    agenda.service.move(a[2].id, agenda.at(date(2026, 3, 26), 9, 0))
    with pytest.raises(SeriesRefused) as exc:
        agenda.ws.series.move_remaining(result.series_id, a[2].id, "09:00")
    assert [(o.starts_at.date(), [c.kind for c in o.blocking]) for o in exc.value.collisions] \
        == [(date(2026, 3, 26), [OVERLAP])]


def test_a_plan_checks_who_and_what(agenda):
    with pytest.raises(ValidationError):
        _series(agenda, start="25:00")
    with pytest.raises(ValidationError):
        _series(agenda, pid="nobody")
    with pytest.raises(ValidationError):
        _series(agenda, rule="FREQ=DAILY")
    longer = _series(agenda, duration_min=40, type_id=agenda.visit, start="14:00")
    assert all(o.ends_at - o.starts_at == timedelta(minutes=40) for o in longer.occurrences)
