"""The call indicators over a range of practice days, computed from the raw rows.

Definitions (also in README, "Indicateurs"). A call belongs to the range if it started
on one of its days (practice time); with a practitioner, only the calls and callbacks
recorded for that practitioner count.

- ``calls_total``: calls, incoming and outgoing, whatever their state.
- ``answered``: incoming calls answered.
- ``missed``: incoming calls that ended without being answered (short hang-ups included).
- ``answered_rate``: answered / (answered + missed).
- ``service_level_20s``: incoming calls answered within 20 s of their first ring /
  (answered + missed).
- ``abandon_rate``: missed calls whose caller hung up after ringing 5 s or more /
  (answered + missed); hang-ups under 5 s are left out of it (they count in ``missed``).
- ``aht_seconds``: average handling time, the mean of answer-to-end over the calls
  answered and ended, both directions (seconds, one decimal).
- ``unreturned_missed``: missed calls from a number (not withheld) that has not been
  reached since: no answered call with that number, either way, started after the
  missed call, and no callback attempt "reached" for that number after it.
- ``callbacks_due``: callbacks due in the range.
- ``callbacks_done_within_target_rate``: of the callbacks due in the range that are done
  or whose due time has passed, those done by their due time.
- ``urgent_calls``: calls whose reason is an emergency or that were referred to the 15.
- ``bookings_from_calls``: calls that led to an appointment (linked to one, or with the
  outcome "appointment booked").

Rates are ratios from 0 to 1, ``None`` when their denominator is 0.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, text

from app.models.base import UTCDateTime
from app.models.calls import MISSED_WHERE, REACHED_WHERE
from app.services.agenda.zone import PracticeTime
from app.storage.store import Store

KEYS = ("calls_total", "answered", "missed", "answered_rate", "service_level_20s",
        "abandon_rate", "aht_seconds", "unreturned_missed", "callbacks_due",
        "callbacks_done_within_target_rate", "urgent_calls", "bookings_from_calls")
SERVICE_LEVEL_S = 20
SHORT_HANG_UP_S = 5
_EPSILON = 1e-6  # stored instants carry microseconds: 20 s is 20 s

_INSTANTS = ("start", "end", "now")

# One pass over the range in the index on the start time, which holds every column read
# here: no row is visited. Each duration is computed only for the calls it concerns (a
# CASE stops at its first true branch), not for every call. With ``{hour}``, the same
# pass counts per UTC hour for the heat map (``app.services.calls.statistics``).
_CALLS_SQL = """SELECT {hour}
  count(*),
  coalesce(sum(CASE WHEN direction = 'in' AND answered_at IS NOT NULL THEN 1 END), 0),
  coalesce(sum(CASE WHEN direction = 'in' AND answered_at IS NULL AND ended_at IS NOT NULL
      THEN 1 END), 0),
  coalesce(sum(CASE WHEN direction != 'in' OR answered_at IS NULL THEN 0
      WHEN unixepoch(answered_at, 'subsec') - unixepoch(started_at, 'subsec') <= :sl
      THEN 1 END), 0),
  coalesce(sum(CASE WHEN direction != 'in' OR answered_at IS NOT NULL OR ended_at IS NULL
      THEN 0
      WHEN unixepoch(ended_at, 'subsec') - unixepoch(started_at, 'subsec') >= :short
      THEN 1 END), 0),
  sum(CASE WHEN answered_at IS NOT NULL AND ended_at IS NOT NULL
      THEN unixepoch(ended_at, 'subsec') - unixepoch(answered_at, 'subsec') END),
  coalesce(sum(CASE WHEN answered_at IS NOT NULL AND ended_at IS NOT NULL THEN 1 END), 0),
  coalesce(sum(CASE WHEN reason = 'urgent' OR outcome = 'sent_to_15' THEN 1 END), 0),
  coalesce(sum(CASE WHEN appointment_id IS NOT NULL OR outcome = 'booked' THEN 1 END), 0)
FROM call INDEXED BY ix_call_started
WHERE started_at >= :start AND started_at < :end AND deleted_at IS NULL{who}{group}"""

# The missed calls from their partial index (its WHERE repeated, so that SQLite uses
# it); the number's later answered calls and its reached attempts from covering
# indexes. Most missed calls were answered later: the first test settles them.
_UNRETURNED_SQL = f"""SELECT count(*) FROM call m INDEXED BY ix_call_missed
WHERE m.started_at >= :start AND m.started_at < :end
  AND {" AND ".join("m." + term for term in MISSED_WHERE.split(" AND "))}
  AND m.number != ''{{who}}
  AND NOT EXISTS (SELECT 1 FROM call r INDEXED BY ix_call_number_started
                  WHERE r.number = m.number AND r.started_at > m.started_at
                    AND r.answered_at IS NOT NULL AND r.deleted_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM callback c INDEXED BY ix_callback_number
                  JOIN callback_attempt a INDEXED BY ix_callback_attempt_reached
                    ON a.callback_id = c.id
                  WHERE c.number = m.number AND a.at > m.started_at
                    AND {" AND ".join("a." + term for term in REACHED_WHERE.split(" AND "))})"""

_CALLBACKS_SQL = """SELECT count(*),
  coalesce(sum(done_at IS NOT NULL AND done_at <= due_at), 0),
  coalesce(sum(done_at IS NOT NULL OR due_at <= :now), 0)
FROM callback INDEXED BY ix_callback_due_at
WHERE due_at >= :start AND due_at < :end AND deleted_at IS NULL{who}"""


def _statement(sql: str, practitioner_id: str | None, alias: str = "", **parts):
    who = f" AND {alias}practitioner_id = :practitioner" if practitioner_id else ""
    stmt = text(sql.format(who=who, **parts))
    return stmt.bindparams(*(bindparam(name, type_=UTCDateTime) for name in _INSTANTS
                             if f":{name}" in sql))


def _rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def indicators(store: Store, zone: PracticeTime, first: date, last: date, *, now: datetime,
               practitioner_id: str | None = None) -> dict:
    """The indicators of the practice days ``first`` to ``last`` (both included), in
    ``KEYS`` order."""
    return measure(store, zone, first, last, now=now, practitioner_id=practitioner_id)[0]


def measure(store: Store, zone: PracticeTime, first: date, last: date, *, now: datetime,
            practitioner_id: str | None = None, hourly: bool = False
            ) -> tuple[dict, int, list[tuple[str, int]]]:
    """(the indicators, the abandoned calls, and with ``hourly`` the calls per UTC hour
    as ("YYYY-MM-DD HH", count), read in the same pass)."""
    if last < first:
        raise ValueError("last day before the first")
    start = zone.day_start(first)
    end = zone.day_start(last + timedelta(days=1))
    params = {"start": start, "end": end, "now": now, "practitioner": practitioner_id,
              "sl": SERVICE_LEVEL_S + _EPSILON, "short": SHORT_HANG_UP_S - _EPSILON}
    parts = ({"hour": "substr(started_at, 1, 13),", "group": " GROUP BY 1"} if hourly
             else {"hour": "", "group": ""})
    with store.reader() as s:
        rows = s.execute(_statement(_CALLS_SQL, practitioner_id, **parts), params).all()
        unreturned = s.execute(_statement(_UNRETURNED_SQL, practitioner_id, "m."),
                               params).scalar_one()
        due, in_time, judged = s.execute(_statement(_CALLBACKS_SQL, practitioner_id),
                                         params).one()
    hours = [(row[0], row[1]) for row in rows] if hourly else []
    sums = [0] * 9
    talk = 0.0
    for row in rows:
        values = row[1:] if hourly else row
        for i, value in enumerate(values):
            if i == 5:
                talk += value or 0.0
            else:
                sums[i] += value
    total, answered, missed, within, abandoned, _talk, handled, urgent, booked = sums
    offered = answered + missed
    figures = {
        "calls_total": total,
        "answered": answered,
        "missed": missed,
        "answered_rate": _rate(answered, offered),
        "service_level_20s": _rate(within, offered),
        "abandon_rate": _rate(abandoned, offered),
        "aht_seconds": None if not handled else round(talk / handled, 1),
        "unreturned_missed": unreturned,
        "callbacks_due": due,
        "callbacks_done_within_target_rate": _rate(in_time, judged),
        "urgent_calls": urgent,
        "bookings_from_calls": booked,
    }
    return figures, abandoned, hours
