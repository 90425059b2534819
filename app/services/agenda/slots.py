"""The free-slot finder: the earliest times an appointment type fits, and with whom.

A slot is exactly what the booking guard accepts without an override: it lies in one
open range (weekly hours minus closed holidays and absences; adjacent ranges with the
same types count as one) that accepts the type, it overlaps no holding booking (the new
slot's buffer after and each booking's own buffer included), and it is not in the past.

Alignment and spacing: a free stretch is offered from its beginning (the range opening,
or the end of the booking before it, buffer included), rounded up to the practice's
wall-clock grid of ``align_min`` minutes after midnight (5 by default), then every slot
length (duration plus buffer after), so the times proposed could all be booked one after
the other: a 15-minute consultation in an empty morning gives 08:30, 08:45, 09:00 …, and
after a booking that ends at 10:20, 10:20. ``spacing_min`` asks for another interval
(``align_min`` lists every possible start). The grid is wall time, so a week with a
daylight-saving change proposes the same clock times as any other week.

Order: by start, then by practitioner (in the order asked; by name for "anyone"). Each
practitioner's day is walked lazily and the bookings are read a week at a time, so the
search stops as soon as ``limit`` slots are found.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate, islice
from math import ceil

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from app.clock import Clock
from app.i18n import _
from app.models import Appointment, AppointmentType, Practitioner
from app.models.agenda import HOLDING_STATUSES, MAX_APPOINTMENT_MINUTES, id_set
from app.services.agenda.guard import Busy
from app.services.agenda.schedule import OpenRange, Schedule, load_schedule
from app.services.agenda.service import MAX_BUFFER_MIN
from app.services.agenda.zone import PracticeTime
from app.services.errors import ValidationError
from app.storage.store import Store

DEFAULT_ALIGN_MIN = 5
MAX_SEARCH_DAYS = 366
NOON = 12 * 60
DAY_MIN = 24 * 60
MORNING = "morning"
AFTERNOON = "afternoon"

# A booking starting this long before a day can still hold time in it.
_REACH_BACK = timedelta(minutes=MAX_APPOINTMENT_MINUTES + MAX_BUFFER_MIN)


# -- what is asked ---------------------------------------------------------------------
@dataclass(frozen=True)
class TimeWindow:
    """Start times allowed on some weekdays: "Tuesday after 17:00", "Thursday morning"."""

    weekdays: frozenset[int] = frozenset()  # Monday = 0; empty: every day
    after_min: int = 0                      # the slot starts at or after (wall clock)
    before_min: int = DAY_MIN               # … and before

    def applies(self, weekday: int) -> bool:
        return not self.weekdays or weekday in self.weekdays


@dataclass(frozen=True)
class Constraints:
    """Combinable wishes; every time bound is on the slot's start, in practice time.

    ``windows`` are alternatives (a slot fits one of them); everything else must hold
    for every slot: mornings start before 12:00, afternoons at 12:00 or later.
    """

    part_of_day: str = ""  # "", MORNING or AFTERNOON
    weekdays: frozenset[int] = frozenset()
    after_min: int | None = None
    before_min: int | None = None
    windows: tuple[TimeWindow, ...] = ()
    not_before: date | None = None
    remote_only: bool = False  # the type must be bookable by a remote secretary

    def allowed_minutes(self, weekday: int) -> tuple[tuple[int, int], ...]:
        """Where a slot may start on ``weekday``: sorted, disjoint wall-minute [a, b)."""
        if self.weekdays and weekday not in self.weekdays:
            return ()
        lo, hi = 0, DAY_MIN
        if self.part_of_day == MORNING:
            hi = NOON
        elif self.part_of_day == AFTERNOON:
            lo = NOON
        if self.after_min is not None:
            lo = max(lo, self.after_min)
        if self.before_min is not None:
            hi = min(hi, self.before_min)
        if not self.windows:
            return ((lo, hi),) if lo < hi else ()
        pieces = sorted((max(lo, w.after_min), min(hi, w.before_min))
                        for w in self.windows if w.applies(weekday))
        out: list[tuple[int, int]] = []
        for a, b in pieces:
            if a >= b:
                continue
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        return tuple(out)

    def accepts(self, day: date, minute: int) -> bool:
        if self.not_before is not None and day < self.not_before:
            return False
        return any(a <= minute < b for a, b in self.allowed_minutes(day.weekday()))


@dataclass(frozen=True)
class SlotQuery:
    type_id: str
    first: date
    last: date  # inclusive
    practitioner_ids: tuple[str, ...] = ()  # empty: everyone who offers the type
    constraints: Constraints = field(default_factory=Constraints)
    align_min: int = DEFAULT_ALIGN_MIN
    spacing_min: int | None = None  # between two proposals in one free stretch; None: slot length


@dataclass(frozen=True)
class Slot:
    practitioner_id: str
    starts_at: datetime
    ends_at: datetime
    day: date
    start_min: int  # what the practice's clock reads at the start


# -- the pure core -----------------------------------------------------------------------
@dataclass(frozen=True)
class SlotSpec:
    """The query resolved: who, which type and how long, over which practice days."""

    practitioner_ids: tuple[str, ...]
    type_id: str | None
    duration_min: int
    buffer_min: int
    first: date
    last: date
    constraints: Constraints = field(default_factory=Constraints)
    align_min: int = DEFAULT_ALIGN_MIN
    spacing_min: int | None = None

    @property
    def spacing_minutes(self) -> int:
        return max(self.spacing_min or self.duration_min + self.buffer_min, 1)


# (practitioner id, start, held until: end plus buffer) of the holding bookings, of any
# of the practitioners, that start in [start, end); the instants as minutes since the
# epoch (``epoch_minutes``), which is what the walk counts in.
Held = tuple[str, float, float]
BusyLoader = Callable[[datetime, datetime], Iterable[Held]]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def epoch_minutes(t: datetime) -> float:
    """Minutes since the epoch: a whole number for a whole minute. The walk below counts
    in these, a few times cheaper than aware datetimes; so do the loaders."""
    return t.timestamp() / 60


def _instant(m: int) -> datetime:
    return _EPOCH + timedelta(minutes=m)


class _Day:
    """One practice day on the wall-clock grid of ``step`` minutes."""

    def __init__(self, zone: PracticeTime, day: date, step: int) -> None:
        start, end = zone.day_bounds(day)
        self.zone, self.day, self.step = zone, day, step
        # The clocks change on this day: the offset is looked up minute by minute.
        self.regular = end - start == timedelta(days=1)
        self.offset = self._offset_at(epoch_minutes(start))

    def _offset_at(self, m: float) -> int:
        offset = _instant(int(m)).astimezone(self.zone.zone).utcoffset() or timedelta()
        return int(offset.total_seconds()) // 60

    def wall(self, m: int) -> int:
        """What the practice's clock reads at epoch minute ``m``."""
        return (m + (self.offset if self.regular else self._offset_at(m))) % DAY_MIN

    def up(self, m: float) -> int:
        """The first grid minute at or after ``m``."""
        m = ceil(m)
        if self.regular:
            return m + (-(m + self.offset)) % self.step
        while True:  # loops again only if an offset change lies in between
            late = (m + self._offset_at(m)) % self.step
            if not late:
                return m
            m += self.step - late


class _BusyIndex:
    """One practitioner's bookings by start, with the latest end held so far."""

    def __init__(self, held: list[tuple[float, float]]) -> None:
        held.sort()
        self._starts = [start for start, _until in held]
        self._reach = list(accumulate((until for _start, until in held), max))

    def blocked_until(self, start: int, hold_end: int) -> float | None:
        """None if [start, hold_end) is free; else when the bookings in the way are over
        (no start before that minute can be free either)."""
        j = bisect_left(self._starts, hold_end)
        if j and self._reach[j - 1] > start:
            return self._reach[j - 1]
        return None


def _runs(ranges: list[OpenRange]) -> list[tuple[OpenRange, datetime]]:
    """(first range, end of the run): adjacent ranges with the same types, joined as the
    guard joins them."""
    out: list[tuple[OpenRange, datetime]] = []
    for r in ranges:
        if out and out[-1][1] == r.starts_at and out[-1][0].type_ids == r.type_ids:
            out[-1] = (out[-1][0], r.ends_at)
        else:
            out.append((r, r.ends_at))
    return out


def _next_allowed(allowed: tuple[tuple[int, int], ...], minute: int) -> int | None:
    for a, b in allowed:
        if minute < b:
            return max(a, minute)
    return None


def _day_slots(schedule: Schedule, d: _Day, spec: SlotSpec, pid: str,
               allowed: tuple[tuple[int, int], ...], earliest: float,
               busy: _BusyIndex) -> Iterator[Slot]:
    length = spec.duration_min
    hold = spec.duration_min + spec.buffer_min
    spacing = spec.spacing_minutes
    for first, run_end in _runs(schedule.open_ranges(pid, d.day)):
        if not first.accepts(spec.type_id):
            continue
        latest = epoch_minutes(run_end) - length
        s = d.up(max(epoch_minutes(first.starts_at), earliest))
        while s <= latest:
            minute = d.wall(s)
            target = _next_allowed(allowed, minute)
            if target != minute:
                if not d.regular:
                    # The wall clock skips or repeats an hour today: jumping to the next
                    # wished-for time could land past the gap or miss the repeat.
                    s = d.up(s + d.step)
                elif target is None:
                    return  # nothing later today fits the wishes
                else:
                    s = d.up(s + target - minute)
                continue
            blocked = busy.blocked_until(s, s + hold)
            if blocked is not None:
                s = d.up(blocked)
                continue
            starts = _instant(s)
            yield Slot(pid, starts, starts + timedelta(minutes=length), d.day, minute)
            s = d.up(s + spacing)


def iter_free_slots(schedule: Schedule, spec: SlotSpec, *, now: datetime, busy_for: BusyLoader,
                    chunk_days: int = 7) -> Iterator[Slot]:
    """Every free slot of ``spec``, earliest first; bookings are asked for a chunk of
    days at a time, only when the search gets there."""
    if not 1 <= spec.align_min <= 60 or 60 % spec.align_min:
        raise ValueError(f"the slot grid divides an hour, not {spec.align_min}")
    zone = schedule.zone
    c = spec.constraints
    earliest = epoch_minutes(now)
    day = max(spec.first, zone.day_of(now))
    if c.not_before is not None:
        day = max(day, c.not_before)
        earliest = max(earliest, epoch_minutes(zone.day_start(c.not_before)))
    allowed = {wd: c.allowed_minutes(wd) for wd in range(7)}
    rank = {pid: i for i, pid in enumerate(spec.practitioner_ids)}
    hold = timedelta(minutes=spec.duration_min + spec.buffer_min)
    one_day = timedelta(days=1)

    def wanted(d: date) -> bool:  # wished for, and someone has hours for the type
        return bool(allowed[d.weekday()]) and any(
            r.accepts(spec.type_id) for pid in spec.practitioner_ids
            for r in schedule.open_ranges(pid, d))

    while day <= spec.last:
        chunk_last = min(day + timedelta(days=chunk_days - 1), spec.last)
        by_pid: dict[str, list[tuple[float, float]]] = defaultdict(list)
        spans = _wanted_spans(day, chunk_last, wanted)
        for first, last in spans:
            for pid, start, until in busy_for(zone.day_start(first) - _REACH_BACK,
                                              zone.day_start(last + one_day) + hold):
                by_pid[pid].append((start, until))
        index = {pid: _BusyIndex(by_pid.get(pid, [])) for pid in spec.practitioner_ids}
        wanted_days = {first + timedelta(days=i) for first, last in spans
                       for i in range((last - first).days + 1)}
        while day <= chunk_last:
            if day in wanted_days:
                d = _Day(zone, day, spec.align_min)
                streams = [_day_slots(schedule, d, spec, pid, allowed[day.weekday()], earliest,
                                      index[pid]) for pid in spec.practitioner_ids]
                yield from heapq.merge(*streams,
                                       key=lambda s: (s.starts_at, rank[s.practitioner_id]))
            day += one_day


def _wanted_spans(first: date, last: date,
                  wanted: Callable[[date], bool]) -> list[tuple[date, date]]:
    """Runs of consecutive wanted days: only their bookings are read."""
    spans: list[tuple[date, date]] = []
    day = first
    while day <= last:
        if wanted(day):
            if spans and spans[-1][1] == day - timedelta(days=1):
                spans[-1] = (spans[-1][0], day)
            else:
                spans.append((day, day))
        day += timedelta(days=1)
    return spans


def find_free_slots(schedule: Schedule, busy: Iterable[Busy], spec: SlotSpec, *,
                    now: datetime, limit: int = 20) -> list[Slot]:
    """The first ``limit`` free slots given every booking at once (tests, small lists)."""
    everything = [(b.starts_at, (b.practitioner_id, epoch_minutes(b.starts_at),
                                 epoch_minutes(b.held_until))) for b in busy]

    def loader(start: datetime, end: datetime) -> list[Held]:
        return [held for starts, held in everything if start <= starts < end]

    return list(islice(iter_free_slots(schedule, spec, now=now, busy_for=loader), limit))


# -- the service -------------------------------------------------------------------------
class SlotFinder:
    """Free slots read from the practice's database."""

    def __init__(self, store: Store, *, clock: Clock, zone: PracticeTime,
                 holiday_region: str = "") -> None:
        self._store = store
        self._clock = clock
        self.zone = zone
        self.holiday_region = holiday_region

    def find_slots(self, query: SlotQuery, limit: int = 20) -> list[Slot]:
        if query.last < query.first:
            raise ValidationError({"last": _("The end date is before the start date.")})
        if (query.last - query.first).days >= MAX_SEARCH_DAYS:
            raise ValidationError({"last": _("Search at most one year ahead.")})
        if not 1 <= query.align_min <= 60 or 60 % query.align_min:
            raise ValidationError({"align": _("Slots start on a grid that divides the hour "
                                              "(5, 10, 15, 30 minutes…).")})
        if query.spacing_min is not None and query.spacing_min < 1:
            raise ValidationError({"spacing": _("Slots are at least one minute apart.")})
        if limit <= 0:
            return []
        with self._store.reader() as s:
            spec = self._spec(s, query)
            schedule = load_schedule(s, self.zone, self.holiday_region, spec.practitioner_ids,
                                     spec.first, spec.last)
            buffers = dict(s.execute(select(AppointmentType.id,
                                            AppointmentType.buffer_after_min)).all())

            def loader(start: datetime, end: datetime) -> Iterator[Held]:
                return self._held(s, spec.practitioner_ids, buffers, start, end)

            found = iter_free_slots(schedule, spec, now=self._clock.now(), busy_for=loader)
            return list(islice(found, limit))

    def _spec(self, s: Session, query: SlotQuery) -> SlotSpec:
        t = s.get(AppointmentType, query.type_id)
        if t is None or t.deleted_at is not None:
            raise ValidationError({"type": _("This appointment type no longer exists.")})
        if query.constraints.remote_only and not t.remote_bookable:
            raise ValidationError({"type": _("This appointment type cannot be booked from a "
                                             "distance; the practice books it itself.")})
        offered = id_set(t.practitioner_ids)
        rows = s.execute(select(Practitioner.id, Practitioner.title, Practitioner.first_name,
                                Practitioner.last_name)
                         .where(Practitioner.deleted_at.is_(None), Practitioner.active.is_(True))
                         .order_by(Practitioner.last_name, Practitioner.first_name)).all()
        if query.practitioner_ids:
            known = {r[0]: r for r in rows}
            pids = tuple(dict.fromkeys(query.practitioner_ids))
            for pid in pids:
                if pid not in known:
                    raise ValidationError({"practitioner": _("Choose a practitioner.")})
                if offered and pid not in offered:
                    name = " ".join(p for p in known[pid][1:] if p)
                    raise ValidationError({"type": _(
                        "{name} does not offer this appointment type.").format(name=name)})
        else:
            pids = tuple(r[0] for r in rows if not offered or r[0] in offered)
        return SlotSpec(pids, t.id, t.duration_min, t.buffer_after_min, query.first, query.last,
                        query.constraints, query.align_min, query.spacing_min)

    @staticmethod
    def _held(s: Session, pids: tuple[str, ...], buffers: dict[str, int], start: datetime,
              end: datetime) -> Iterator[Held]:
        # Only the columns the finder needs, through the (practitioner_id, starts_at)
        # index. The instants are read as the stored text and parsed here: a tenth of
        # the cost of the column type's conversion, which matters over weeks of bookings.
        rows = s.execute(
            select(Appointment.practitioner_id, type_coerce(Appointment.starts_at, String),
                   type_coerce(Appointment.ends_at, String), Appointment.type_id)
            .where(Appointment.practitioner_id.in_(pids), Appointment.starts_at >= start,
                   Appointment.starts_at < end, Appointment.status.in_(HOLDING_STATUSES),
                   Appointment.deleted_at.is_(None)))
        for pid, starts, ends, type_id in rows:
            yield pid, _stored_minutes(starts), _stored_minutes(ends) + (buffers.get(type_id) or 0)


def _stored_minutes(text: str) -> float:
    """A UTCDateTime column's text ("2026-03-16 08:30:00.000000") in epoch minutes."""
    return datetime.fromisoformat(text + "+00:00").timestamp() / 60


# -- wishes as typed -----------------------------------------------------------------------
_WEEKDAYS = {
    **{name: i for i, name in enumerate(
        ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))},
    **{name: i for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    "tues": 1, "thur": 3, "thurs": 3,
}
_MONTHS = {
    **{name: i for i, name in enumerate(
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre"), start=1)},
    **{name: i for i, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"), start=1)},
    "fevrier": 2, "aout": 8, "decembre": 12,
}
_FILLERS = frozenset("""le la les l de du des d au aux à a en un une the on in at of
    plutôt plutot preferably ideally idéalement si possible if svp please uniquement
    seulement only just""".split())
_OR = frozenset({"ou", "or", "et", "and", "sinon"})
_END = r"(?![^\W\d_])"  # not followed by a letter: "matin" but not "matinal"

_TOKEN = re.compile(rf"""
    (?P<afternoon>(?:apr[eè]s[\s-]?midis?|aprem|afternoons?){_END})
  | (?P<morning>(?:matin(?:s|ée|ee|ées|ees)?|mornings?){_END})
  | (?P<from>(?:pas\s+avant|not\s+before|no\s+earlier\s+than|from|dès){_END}
            |[àa]\s+partir\s+(?:de|du|d'))
  | (?P<upto>(?:pas\s+apr[eè]s|not\s+after|no\s+later\s+than){_END})
  | (?P<after>(?:apr[eè]s|after){_END})
  | (?P<before>(?:avant|before){_END})
  | (?P<noon>(?:midi|noon){_END})
  | (?P<iso>\d{{4}}-\d{{2}}-\d{{2}})
  | (?P<dmy>\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)
  | (?P<ampm>\d{{1,2}}(?::\d{{2}})?\s*[ap]\.?m\.?{_END})
  | (?P<time>\d{{1,2}}\s*(?:(?:h(?:eures?)?|:)\s*(?:\d{{2}})?|\.\d{{2}}){_END})
  | (?P<num>\d{{1,4}})(?:er|ère|e|ème|st|nd|rd|th)?{_END}
  | (?P<word>[^\W\d_]+)
  | (?P<sep>[,;.!?'/-])
  | (?P<other>\S)
""", re.VERBOSE | re.IGNORECASE)


def _clock_minutes(kind: str, text: str) -> int:
    digits = [int(x) for x in re.findall(r"\d+", text)]
    hour, minute = digits[0], digits[1] if len(digits) > 1 else 0
    if kind == "ampm":
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if "p" in text else 0)
    if not (0 <= hour <= 24 and 0 <= minute < 60) or hour * 60 + minute > DAY_MIN:
        raise ValueError(text)
    return hour * 60 + minute


def _next_date(today: date, day: int, month: int | None = None, year: int | None = None) -> date:
    """The first such date on or after ``today`` ("le 12" in late March is 12 April)."""
    if year is not None:
        return date(year, month or today.month, day)
    y, m = today.year, today.month
    for _i in range(25):
        if month is None or m == month:
            try:
                candidate = date(y, m, day)
            except ValueError:
                candidate = None
            if candidate is not None and candidate >= today:
                return candidate
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    raise ValueError(day)


def _read_date(tokens: list[tuple[str, str]], i: int, today: date) -> tuple[date, int]:
    """The date starting at ``tokens[i]`` and the index after it; ValueError if none."""
    kind, value = tokens[i]

    def peek(j: int, want: str) -> str | None:
        return tokens[j][1] if j < len(tokens) and tokens[j][0] == want else None

    if kind == "iso":
        return date.fromisoformat(value), i + 1
    if kind == "dmy":
        parts = [int(x) for x in value.split("/")]
        year = parts[2] + (2000 if parts[2] < 100 else 0) if len(parts) == 3 else None
        return _next_date(today, parts[0], parts[1], year), i + 1
    if kind == "word" and value in _MONTHS:  # "april 12"
        number = peek(i + 1, "num")
        if number is None:
            raise ValueError(value)
        month, day, i = _MONTHS[value], int(number), i + 2
    elif kind == "num":  # "12", "12 avril", "12 avril 2027"
        day, month, i = int(value), None, i + 1
        name = peek(i, "word")
        if name in _MONTHS:
            month, i = _MONTHS[name], i + 1
    else:
        raise ValueError(value)
    year = peek(i, "num")
    if year is not None and len(year) == 4:
        return _next_date(today, day, month, int(year)), i + 1
    return _next_date(today, day, month), i


@dataclass
class _Clause:
    weekdays: set[int] = field(default_factory=set)
    lo: int = 0
    hi: int = DAY_MIN
    timed: bool = False

    def bound(self, lo: int = 0, hi: int = DAY_MIN) -> None:
        self.lo, self.hi, self.timed = max(self.lo, lo), min(self.hi, hi), True


def _weekday(value: str) -> int | None:
    return _WEEKDAYS.get(value, _WEEKDAYS.get(value.rstrip("s")))


def parse_constraints(text: str, *, today: date) -> Constraints:
    """Wishes as a secretary types them, in French or English.

    "matin", "l'après-midi", "mardi après 17h", "mardi et jeudi matin", "lundi ou
    vendredi après-midi", "avant 10h30", "after 5pm", "pas avant le 12",
    "not before 12/04", "à partir du 3 mai". A weekday followed by times is one
    alternative ("mardi après 17h ou jeudi matin" is two); times typed before any
    weekday apply to every slot. A word it does not understand raises ValidationError
    naming it, rather than being guessed at.
    """
    tokens = [(m.lastgroup or "other", m.group(m.lastgroup or "other").lower())
              for m in _TOKEN.finditer(text.replace("’", "'"))]
    everywhere = _Clause()
    clauses: list[_Clause] = []
    not_before: date | None = None
    unknown: list[str] = []
    pending: str | None = None  # a "from", "after", "before" or "upto" waiting for its value
    pending_word = ""
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        here = clauses[-1] if clauses else everywhere
        if kind == "sep" or (kind == "word" and (value in _FILLERS or value in _OR)):
            i += 1
            continue
        if kind in ("iso", "dmy", "num") or (kind == "word" and value in _MONTHS):
            try:
                when, i = _read_date(tokens, i, today)
            except ValueError:
                unknown.append(value)
                i += 1
                pending = None
                continue
            if pending in ("from", "after"):
                when += timedelta(days=1 if pending == "after" else 0)
                not_before = max(not_before or when, when)
            else:
                unknown.append(value)  # a date alone, or an end date: not a wish kept here
            pending = None
            continue
        i += 1
        if kind in ("time", "ampm", "noon"):
            try:
                minute = NOON if kind == "noon" else _clock_minutes(kind, value)
            except ValueError:
                minute = None
            if minute is None or pending is None:
                unknown.append(value)  # "17h" alone: at, around? ask rather than guess
            elif pending in ("from", "after"):
                here.bound(lo=minute)
            elif pending == "before":
                here.bound(hi=minute)
            else:  # "not after 17h": 17:00 itself is fine
                here.bound(hi=minute + 1)
            pending = None
            continue
        if pending is not None:
            unknown.append(pending_word)
            pending = None
        if kind in ("from", "after", "before", "upto"):
            pending, pending_word = kind, value
        elif kind == "morning":
            here.bound(hi=NOON)
        elif kind == "afternoon":
            here.bound(lo=NOON)
        elif kind == "word" and _weekday(value) is not None:
            if not clauses or clauses[-1].timed:
                clauses.append(_Clause())  # a weekday after times: another alternative
            clauses[-1].weekdays.add(_weekday(value))
        else:
            unknown.append(value)
    if pending is not None:
        unknown.append(pending_word)
    if unknown:
        raise ValidationError({"constraints": _("Not understood: {words}").format(
            words=", ".join(dict.fromkeys(unknown)))})
    return Constraints(after_min=everywhere.lo or None,
                       before_min=everywhere.hi if everywhere.hi < DAY_MIN else None,
                       windows=tuple(TimeWindow(frozenset(c.weekdays), c.lo, c.hi)
                                     for c in clauses),
                       not_before=not_before)
