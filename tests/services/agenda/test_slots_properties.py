"""Properties of the slot finder's pure core, on random schedules and bookings.

Weekly hours (several ranges a day, each accepting random types, sometimes a second set
valid over part of the search), absences, bookings with buffers (some longer than a day
is short, some overlapping), holiday openings, the clock and the wishes are all drawn at
random, over weeks chosen for their traps: both daylight-saving changes, 1 and 8 May,
Ascension, Christmas. The oracle is the booking guard itself, asked minute by minute.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.agenda.guard import Busy, Proposal, check
from app.services.agenda.public_holidays import PublicHolidays
from app.services.agenda.schedule import AbsenceSpan, HoursRule, Schedule
from app.services.agenda.slots import (
    AFTERNOON, MORNING, Constraints, SlotSpec, TimeWindow, epoch_minutes, find_free_slots,
    iter_free_slots,
)
from app.services.agenda.zone import PracticeTime

PARIS = PracticeTime("Europe/Paris")
# Half-hour offsets (-03:30 / -02:30): the wall-clock grid is not the UTC one.
ST_JOHNS = PracticeTime("America/St_Johns")
TYPES = ("t0", "t1", "t2")
PIDS = ("p0", "p1", "p2")
# Mondays of weeks with a trap, and the change days themselves for the small cases
# (Paris changes on 29 March and 25 October 2026, St John's on 8 March and 1 November).
WEEKS = (date(2026, 3, 23), date(2026, 4, 27), date(2026, 5, 11), date(2026, 10, 19),
         date(2026, 12, 21), date(2026, 7, 13), date(2026, 3, 2), date(2026, 10, 26))
DAYS = (date(2026, 3, 29), date(2026, 3, 28), date(2026, 10, 25), date(2026, 10, 24),
        date(2026, 5, 1), date(2026, 12, 25), date(2026, 6, 10), date(2026, 3, 8),
        date(2026, 11, 1))

FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

minutes_of_day = st.one_of(st.integers(0, 288).map(lambda x: x * 5), st.integers(0, 1440))
# Lengths near the grid: bookings ending one minute either side of a slot boundary.
lengths = st.one_of(st.integers(1, 24).map(lambda x: x * 5), st.integers(1, 720),
                    st.builds(lambda x, d: max(1, x * 5 + d), st.integers(1, 24),
                              st.sampled_from((-1, 1))))


@st.composite
def day_ranges(draw) -> list[tuple[int, int, frozenset[str]]]:
    """0-3 ordered ranges, often touching (08:30-12:00 then 12:00-13:00), with the same
    types or not."""
    out: list[tuple[int, int, frozenset[str]]] = []
    at = draw(st.one_of(st.integers(6 * 12, 10 * 12).map(lambda x: x * 5), minutes_of_day))
    for _ in range(draw(st.sampled_from((0, 1, 2, 2, 3)))):
        start = at + draw(st.one_of(st.just(0), lengths))
        end = start + draw(st.one_of(lengths, st.integers(60, 600)))
        if end > 1440:
            break
        touching = bool(out) and start == out[-1][1]
        if touching and draw(st.booleans()):
            types = out[-1][2]
        else:
            types = draw(st.frozensets(st.sampled_from(TYPES), max_size=2))
        out.append((start, end, types))
        at = end
    return out


@st.composite
def hours(draw, pid: str, first: date, last: date) -> list[HoursRule]:
    rules = [HoursRule(wd, a, b, None, None, types)
             for wd in range(7) for a, b, types in draw(day_ranges())]
    if draw(st.integers(0, 3)) == 2:  # a second set, valid over part of the search
        start = first + timedelta(days=draw(st.integers(-2, 4)))
        until = start + timedelta(days=draw(st.integers(0, 5)))
        rules += [HoursRule(wd, a, b, start, until, types)
                  for wd in draw(st.sets(st.integers(0, 6)))
                  for a, b, types in draw(day_ranges())]
    return rules


def instants(zone: PracticeTime, first: date, last: date):
    """From the day before ``first`` to after ``last``: mostly in the daytime, on the
    5-minute grid or a minute off it; sometimes anywhere, sometimes with seconds."""
    days = (last - first).days
    base = zone.day_start(first)
    daytime = st.builds(lambda d, m, jitter: d * 1440 + m * 5 + jitter,
                        st.integers(-1, days + 1), st.integers(6 * 12, 20 * 12),
                        st.sampled_from((0, 0, 0, -1, 1, 2)))
    minute = st.one_of(daytime, daytime, st.integers(-1440, (days + 2) * 1440))
    return st.builds(lambda m, sec: base + timedelta(minutes=m, seconds=sec),
                     minute, st.sampled_from((0, 0, 0, 0, 17)))


@st.composite
def world(draw, *, small: bool):
    zone = draw(st.sampled_from((PARIS, PARIS, PARIS, ST_JOHNS)))
    first = draw(st.sampled_from(DAYS if small else WEEKS))
    first += timedelta(days=0 if small else draw(st.integers(0, 3)))
    last = first + timedelta(days=draw(st.integers(0, 1 if small else 6)))
    pids = tuple(draw(st.lists(st.sampled_from(PIDS), min_size=1, max_size=3, unique=True)))
    rules = {pid: draw(hours(pid, first, last)) for pid in pids}
    absences = {pid: [AbsenceSpan(f"a-{pid}-{i}", pid, s, s + timedelta(minutes=length),
                                  "holiday", "", None)
                      for i, (s, length) in enumerate(draw(st.lists(
                          st.tuples(instants(zone, first, last), st.integers(1, 2 * 1440)),
                          max_size=3)))]
                for pid in pids}
    region = draw(st.sampled_from(("", "57")))
    holidays = PublicHolidays(region).between(first, last)
    openings = draw(st.lists(st.tuples(st.sampled_from(sorted(holidays) or [first]),
                                       st.sampled_from((None, *pids))), max_size=2)) \
        if holidays else []
    schedule = Schedule(zone, PublicHolidays(region, openings), rules, absences)
    # Bookings: most of them inside the open ranges, where they matter.
    opened = [(pid, r.starts_at, r.ends_at) for pid in pids
              for i in range((last - first).days + 1)
              for r in schedule.open_ranges(pid, first + timedelta(days=i))]
    anywhere = st.tuples(st.sampled_from(pids), instants(zone, first, last))
    inside = st.sampled_from(opened).flatmap(lambda o: st.tuples(st.just(o[0]), st.builds(
        lambda m, jitter: o[1] + timedelta(minutes=m * 5 + jitter),
        st.integers(0, int((o[2] - o[1]).total_seconds() // 300)),
        st.sampled_from((0, 0, 0, -1, 1))))) if opened else anywhere
    buffers = st.one_of(st.just(0), st.sampled_from((5, 15)), st.integers(0, 120))
    busy = [Busy(f"b{i}", pid, None, s, s + timedelta(minutes=length), buffer)
            for i, ((pid, s), length, buffer) in enumerate(draw(st.lists(
                st.tuples(st.one_of(inside, inside, anywhere), lengths, buffers),
                max_size=10 if small else 30)))]

    def sometimes(strategy, otherwise):  # each wish in one case out of six
        return draw(strategy) if draw(st.integers(0, 5)) == 3 else otherwise

    wishes = Constraints(
        part_of_day=sometimes(st.sampled_from((MORNING, AFTERNOON)), ""),
        weekdays=sometimes(st.frozensets(st.integers(0, 6), min_size=1), frozenset()),
        after_min=sometimes(minutes_of_day, None),
        before_min=sometimes(minutes_of_day, None),
        windows=sometimes(st.lists(st.builds(
            TimeWindow, st.frozensets(st.integers(0, 6), max_size=3), minutes_of_day,
            minutes_of_day), min_size=1, max_size=2).map(tuple), ()),
        not_before=sometimes(st.just(first + timedelta(days=1)), None))
    spec = SlotSpec(pids, draw(st.sampled_from(TYPES)),
                    draw(st.one_of(st.sampled_from((10, 15, 20, 30)), st.integers(5, 90))),
                    draw(st.sampled_from((0, 0, 5, 15, 30))), first, last, wishes,
                    draw(st.sampled_from((5, 10, 15, 60) if small else (1, 5, 10, 15, 30, 60))),
                    draw(st.sampled_from((None, None, 5, 20))))
    now = draw(st.one_of(st.just(zone.day_start(first) - timedelta(hours=1)),
                         instants(zone, first, last)))
    return schedule, absences, busy, spec, now


def _blocking(schedule: Schedule, busy: list[Busy], spec: SlotSpec, pid: str,
              start: datetime) -> list:
    proposal = Proposal(pid, None, spec.type_id, start,
                        start + timedelta(minutes=spec.duration_min), spec.buffer_min)
    return [c for c in check(schedule, proposal, busy) if c.blocking]


def _valid(schedule, busy, spec, now, pid, start) -> bool:
    zone = schedule.zone
    day = zone.day_of(start)
    return (start >= now and spec.first <= day <= spec.last
            and spec.constraints.accepts(day, zone.wall_minute(start))
            and not _blocking(schedule, busy, spec, pid, start))


@FAST
@given(world(small=False))
def test_every_slot_is_bookable_and_the_list_is_ordered(case):
    schedule, absences, busy, spec, now = case
    slots = find_free_slots(schedule, busy, spec, now=now, limit=400)
    rank = {pid: i for i, pid in enumerate(spec.practitioner_ids)}
    keys = [(s.starts_at, rank[s.practitioner_id]) for s in slots]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    length = timedelta(minutes=spec.duration_min)
    held = length + timedelta(minutes=spec.buffer_min)
    for s in slots:
        pid, start, end = s.practitioner_id, s.starts_at, s.ends_at
        assert end - start == length and start >= now
        assert schedule.zone.day_of(start) == s.day and spec.first <= s.day <= spec.last
        assert schedule.zone.wall_minute(start) == s.start_min
        assert start.second == 0 and s.start_min % spec.align_min == 0
        assert spec.constraints.accepts(s.day, s.start_min)
        opened = schedule.range_containing(pid, start, end)
        assert opened is not None and opened.accepts(spec.type_id)
        assert not schedule.closed_for_holiday(pid, s.day)
        assert not any(a.starts_at < end and start < a.ends_at for a in absences[pid])
        assert not any(b.starts_at < start + held and start < b.held_until
                       for b in busy if b.practitioner_id == pid)
        assert not _blocking(schedule, busy, spec, pid, start)


@FAST
@given(world(small=False), st.integers(0, 30), st.sampled_from((1, 2, 7)))
def test_a_limit_is_a_prefix_and_reading_by_chunks_changes_nothing(case, limit, chunk):
    schedule, _absences, busy, spec, now = case
    everything = find_free_slots(schedule, busy, spec, now=now, limit=10_000)
    assert find_free_slots(schedule, busy, spec, now=now, limit=limit) == everything[:limit]
    asked = []

    def loader(start, end):  # what a database would answer: bookings starting in range
        asked.append((start, end))
        return [(b.practitioner_id, epoch_minutes(b.starts_at), epoch_minutes(b.held_until))
                for b in busy if start <= b.starts_at < end]

    chunked = list(islice(iter_free_slots(schedule, spec, now=now, busy_for=loader,
                                          chunk_days=chunk), 10_000))
    assert chunked == everything
    assert all(start < end for start, end in asked)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(world(small=True))
def test_no_bookable_start_is_missed(case):
    """Brute force over every grid minute of the days: each start the guard accepts is
    proposed, or lies under the proposal before it (default spacing: proposals one
    slot length apart); with the spacing of the grid, the two lists are equal."""
    schedule, _absences, busy, spec, now = case
    grid = spec.align_min
    slots = find_free_slots(schedule, busy, spec, now=now, limit=10_000)
    valid = []
    for pid in spec.practitioner_ids:
        day = spec.first
        while day <= spec.last:
            start, end = schedule.zone.day_bounds(day)
            # The guard refuses any start outside the day's open ranges: ask it inside.
            opened = schedule.open_ranges(pid, day)
            t = start  # clocks change by a whole hour: steps of the grid stay on it
            while t < end:
                if any(r.starts_at <= t < r.ends_at for r in opened) \
                        and _valid(schedule, busy, spec, now, pid, t):
                    valid.append((t, pid))
                t += timedelta(minutes=grid)
            day += timedelta(days=1)
    proposed = {(s.starts_at, s.practitioner_id) for s in slots}
    assert proposed <= set(valid)  # sound
    rank = {pid: i for i, pid in enumerate(spec.practitioner_ids)}
    if valid:
        earliest = min(valid, key=lambda v: (v[0], rank[v[1]]))
        assert (slots[0].starts_at, slots[0].practitioner_id) == earliest
    else:
        assert slots == []
    spacing = timedelta(minutes=spec.spacing_minutes)
    for t, pid in valid:  # complete, given the spacing
        assert any(s.practitioner_id == pid and s.starts_at <= t < s.starts_at + spacing
                   for s in slots), (t, pid)
    if spec.spacing_minutes == grid:
        assert proposed == set(valid)
