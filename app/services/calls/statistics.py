"""The Statistiques page's figures: the indicators of ``indicators`` plus what the page
draws besides them, over a range of practice days and, if chosen, one practitioner.

- ``heat``: calls (both directions) per weekday (Monday first) and practice hour, a 7 × 24
  grid. Counted in SQL per UTC hour, in the same pass over the index on the start time
  as the indicators, then each UTC hour placed in practice time: the clocks change on
  whole hours, so a UTC hour is one practice hour.
- ``short_hang_ups``: missed calls hung up after ringing less than 5 s (``missed`` minus
  the abandoned ones of ``abandon_rate``), shown apart.
- ``no_show_rate``: appointments of the range (that practitioner's) already begun and
  not cancelled, marked "absent" / those appointments; ``None`` when there are none.

Rates are ratios from 0 to 1, ``None`` when their denominator is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import bindparam, text

from app.models.base import UTCDateTime
from app.services.agenda.zone import PracticeTime
from app.services.calls.indicators import SHORT_HANG_UP_S, measure
from app.storage.store import Store

HOURS = 24
WEEKDAYS = 7

_HEAT_SQL = """SELECT substr(started_at, 1, 13), count(*) FROM call{index}
WHERE started_at >= :start AND started_at < :end AND deleted_at IS NULL{who}
GROUP BY 1"""

# Through the index on (practitioner, start): every appointment has its practitioner,
# and a scan of every appointment ever booked would take seconds on a large practice.
_NO_SHOW_SQL = """SELECT count(*), coalesce(sum(status = 'no_show'), 0)
FROM appointment INDEXED BY ix_appointment_practitioner_starts
WHERE {who} AND starts_at >= :start AND starts_at < :end AND starts_at < :now
  AND deleted_at IS NULL AND status != 'cancelled'"""


@dataclass(frozen=True)
class Statistics:
    first: date
    last: date
    practitioner_id: str | None
    figures: dict  # the indicators, in ``indicators.KEYS`` order
    short_hang_ups: int
    no_show_rate: float | None
    heat: tuple[tuple[int, ...], ...]  # [weekday][hour]

    @property
    def heat_max(self) -> int:
        return max((max(row) for row in self.heat), default=0)

    def busiest(self) -> tuple[int, int, int] | None:
        """(weekday, hour, calls) of the busiest hour, None without calls."""
        best = max(((n, -d, -h) for d, row in enumerate(self.heat) for h, n in enumerate(row)),
                   default=None)
        if best is None or best[0] == 0:
            return None
        return -best[1], -best[2], best[0]


def _stmt(sql: str, **kw):
    return text(sql.format(**kw)).bindparams(*(
        bindparam(name, type_=UTCDateTime) for name in ("start", "end", "now")
        if f":{name}" in sql))


def _grid(zone: PracticeTime, hours) -> tuple[tuple[int, ...], ...]:
    """The 7 × 24 grid of ("YYYY-MM-DD HH" in UTC, calls) rows."""
    grid = [[0] * HOURS for _ in range(WEEKDAYS)]
    for hour_text, n in hours:
        utc = datetime.strptime(hour_text, "%Y-%m-%d %H").replace(tzinfo=timezone.utc)
        local = zone.local(utc)
        grid[local.weekday()][local.hour] += n
    return tuple(tuple(row) for row in grid)


def heat_map(store: Store, zone: PracticeTime, first: date, last: date, *,
             practitioner_id: str | None = None) -> tuple[tuple[int, ...], ...]:
    start = zone.day_start(first)
    end = zone.day_start(last + timedelta(days=1))
    if practitioner_id:
        stmt = _stmt(_HEAT_SQL, index=" INDEXED BY ix_call_practitioner_started",
                     who=" AND practitioner_id = :practitioner")
    else:
        stmt = _stmt(_HEAT_SQL, index=" INDEXED BY ix_call_started", who="")
    with store.reader() as s:
        rows = s.execute(stmt, {"start": start, "end": end,
                                "practitioner": practitioner_id}).all()
    return _grid(zone, rows)


def no_show_rate(store: Store, zone: PracticeTime, first: date, last: date, *,
                 now: datetime, practitioner_id: str | None = None) -> float | None:
    stmt = _stmt(_NO_SHOW_SQL, who="practitioner_id = :practitioner" if practitioner_id
                 else "practitioner_id IN (SELECT id FROM practitioner)")
    with store.reader() as s:
        total, absent = s.execute(stmt, {
            "start": zone.day_start(first), "end": zone.day_start(last + timedelta(days=1)),
            "now": now, "practitioner": practitioner_id}).one()
    return None if not total else absent / total


def statistics(store: Store, zone: PracticeTime, first: date, last: date, *, now: datetime,
               practitioner_id: str | None = None) -> Statistics:
    if last < first:
        raise ValueError("last day before the first")
    figures, abandoned, hours = measure(store, zone, first, last, now=now,
                                       practitioner_id=practitioner_id, hourly=True)
    return Statistics(
        first=first, last=last, practitioner_id=practitioner_id, figures=figures,
        short_hang_ups=figures["missed"] - abandoned,
        no_show_rate=no_show_rate(store, zone, first, last, now=now,
                                  practitioner_id=practitioner_id),
        heat=_grid(zone, hours))


__all__ = ["SHORT_HANG_UP_S", "Statistics", "heat_map", "no_show_rate", "statistics"]
