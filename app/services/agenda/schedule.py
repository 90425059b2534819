"""When each practitioner works: weekly hours, their validity, holidays and absences.

A practitioner's weekly hours come in *sets*: all the ranges sharing the same validity
dates (no dates = the usual week; "1 July – 31 August" = the summer hours). On a given
day the most specific set covering it applies as a whole, so a summer set with no
Wednesday range means closed on Wednesdays in summer.

Everything here is pure computation over rows loaded once (``load_schedule``), so the
slot finder and the booking guard ask thousands of questions without touching the
database.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Absence, HolidayOpening, OpeningHours
from app.models.agenda import id_set
from app.services.agenda.public_holidays import PublicHolidays
from app.services.agenda.zone import PracticeTime

FOREVER_FROM = date.min
FOREVER_UNTIL = date.max


@dataclass(frozen=True)
class HoursRule:
    weekday: int
    start_min: int
    end_min: int
    valid_from: date | None
    valid_until: date | None
    type_ids: frozenset[str]

    @property
    def period(self) -> tuple[date, date]:
        return self.valid_from or FOREVER_FROM, self.valid_until or FOREVER_UNTIL


@dataclass(frozen=True)
class OpenRange:
    """A stretch of open time on one day, in UTC, and the types it accepts (empty: all)."""

    practitioner_id: str
    day: date
    starts_at: datetime
    ends_at: datetime
    start_min: int  # wall clock
    end_min: int
    type_ids: frozenset[str]

    def accepts(self, type_id: str | None) -> bool:
        return not self.type_ids or type_id is None or type_id in self.type_ids


@dataclass(frozen=True)
class AbsenceSpan:
    id: str
    practitioner_id: str
    starts_at: datetime
    ends_at: datetime
    kind: str
    note: str
    replacement_id: str | None


def _period_key(rule: HoursRule) -> tuple[date, date]:
    return rule.period


class Schedule:
    """Opening hours, holidays and absences of some practitioners, ready to query."""

    def __init__(self, zone: PracticeTime, holidays: PublicHolidays,
                 rules: dict[str, list[HoursRule]], absences: dict[str, list[AbsenceSpan]]) -> None:
        self.zone = zone
        self.holidays = holidays
        self._sets: dict[str, list[tuple[tuple[date, date], list[HoursRule]]]] = {}
        for pid, pr in rules.items():
            sets: dict[tuple[date, date], list[HoursRule]] = defaultdict(list)
            for rule in pr:
                sets[_period_key(rule)].append(rule)
            # Most specific first: the latest start, then the earliest end.
            self._sets[pid] = sorted(sets.items(), key=lambda kv: (kv[0][0], -kv[0][1].toordinal()),
                                     reverse=True)
        self._absences = {pid: sorted(spans, key=lambda a: a.starts_at)
                          for pid, spans in absences.items()}
        self._absence_starts = {pid: [a.starts_at for a in spans]
                                for pid, spans in self._absences.items()}
        self._cache: dict[tuple[str, date], list[OpenRange]] = {}

    # -- weekly hours ----------------------------------------------------------------
    def hours_for(self, practitioner_id: str, day: date) -> list[HoursRule]:
        """The day's ranges from the applicable set, before holidays and absences."""
        for (first, last), rules in self._sets.get(practitioner_id, ()):
            if first <= day <= last:
                return sorted((r for r in rules if r.weekday == day.weekday()),
                              key=lambda r: r.start_min)
        return []

    def holiday(self, day: date) -> str | None:
        return self.holidays.name(day)

    def closed_for_holiday(self, practitioner_id: str, day: date) -> bool:
        return self.holidays.closes(day, practitioner_id)

    # -- absences ---------------------------------------------------------------------
    def absences_between(self, practitioner_id: str, start: datetime, end: datetime) -> list[AbsenceSpan]:
        spans = self._absences.get(practitioner_id, [])
        # Absences are few; the bisect bounds the scan to those starting before ``end``.
        stop = bisect_left(self._absence_starts.get(practitioner_id, []), end)
        return [a for a in spans[:stop] if a.ends_at > start]

    # -- the answer --------------------------------------------------------------------
    def open_ranges(self, practitioner_id: str, day: date) -> list[OpenRange]:
        """Open time on ``day``: weekly hours, minus a holiday, minus absences."""
        key = (practitioner_id, day)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        out: list[OpenRange] = []
        if not self.closed_for_holiday(practitioner_id, day):
            for rule in self.hours_for(practitioner_id, day):
                start = self.zone.to_utc(day, rule.start_min)
                end = self.zone.to_utc(day, rule.end_min)
                if end <= start:
                    continue
                pieces = [(start, end)]
                for absence in self.absences_between(practitioner_id, start, end):
                    pieces = [p for s, e in pieces for p in _subtract(s, e, absence.starts_at,
                                                                       absence.ends_at)]
                for s, e in pieces:
                    out.append(OpenRange(practitioner_id, day, s, e, self.zone.wall_minute(s),
                                         self.zone.wall_minute(e) if e < self.zone.day_bounds(day)[1]
                                         else 24 * 60, rule.type_ids))
        self._cache[key] = out
        return out

    def range_containing(self, practitioner_id: str, start: datetime, end: datetime) -> OpenRange | None:
        """The open range holding all of ``[start, end)``; adjacent ranges with the same
        types count as one (08:30–12:00 then 12:00–13:00)."""
        day = self.zone.day_of(start)
        ranges = self.open_ranges(practitioner_id, day)
        for i, r in enumerate(ranges):
            if r.starts_at <= start < r.ends_at:
                reach = r.ends_at
                j = i
                while reach < end and j + 1 < len(ranges) and ranges[j + 1].starts_at == reach \
                        and ranges[j + 1].type_ids == r.type_ids:
                    j += 1
                    reach = ranges[j].ends_at
                return r if end <= reach else None
        return None


def _subtract(s: datetime, e: datetime, cut_s: datetime, cut_e: datetime):
    if cut_e <= s or cut_s >= e:
        return [(s, e)]
    out = []
    if cut_s > s:
        out.append((s, cut_s))
    if cut_e < e:
        out.append((cut_e, e))
    return out


def load_schedule(session: Session, zone: PracticeTime, region: str,
                  practitioner_ids: Iterable[str], first: date, last: date) -> Schedule:
    """Everything needed to answer "is X open then?" for ``first``..``last`` (inclusive)."""
    pids = list(dict.fromkeys(practitioner_ids))
    rules: dict[str, list[HoursRule]] = defaultdict(list)
    for row in session.execute(
            select(OpeningHours.practitioner_id, OpeningHours.weekday, OpeningHours.start_min,
                   OpeningHours.end_min, OpeningHours.valid_from, OpeningHours.valid_until,
                   OpeningHours.type_ids)
            .where(OpeningHours.practitioner_id.in_(pids), OpeningHours.deleted_at.is_(None))):
        rules[row[0]].append(HoursRule(row[1], row[2], row[3], row[4], row[5], id_set(row[6])))
    start = zone.day_start(first)
    end = zone.day_start(last + timedelta(days=1))
    absences: dict[str, list[AbsenceSpan]] = defaultdict(list)
    for a in session.execute(
            select(Absence.id, Absence.practitioner_id, Absence.starts_at, Absence.ends_at,
                   Absence.kind, Absence.note, Absence.replacement_id)
            .where(Absence.practitioner_id.in_(pids), Absence.deleted_at.is_(None),
                   Absence.starts_at < end, Absence.ends_at > start)):
        absences[a[1]].append(AbsenceSpan(*a))
    openings = session.execute(
        select(HolidayOpening.day, HolidayOpening.practitioner_id)
        .where(HolidayOpening.deleted_at.is_(None), HolidayOpening.day >= first,
               HolidayOpening.day <= last)).all()
    return Schedule(zone, PublicHolidays(region, [(d, p) for d, p in openings]), rules, absences)
