"""What the Appels page reads: a day's call log page by page, and the callbacks list.

The log is read in pages of ``PAGE`` rows in time order (keyset: after the last row's
start and id), through the index on the start time, so that a busy day of a large
practice costs one short indexed read per page shown. Filters: the practitioner, the
direction, missed calls only. Each row carries the names the screen shows: the
caller's (a patient's only for a role that may see patients, a contact's only for one
that may see the directory), the practitioner's and who handled the call.

The callbacks list: every callback not done (the earliest due first), then those done
on the day shown; each with its attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import bindparam, text

from app.clock import Clock
from app.models.base import UTCDateTime
from app.models.patient import patient_display_name
from app.models.principal import Principal
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.services.calls.views import AttemptView
from app.storage.store import Store

PAGE = 200
IN, OUT = "in", "out"

@dataclass(frozen=True)
class LogFilter:
    day: date
    practitioner_id: str | None = None
    direction: str | None = None  # IN, OUT or None for both
    missed_only: bool = False


@dataclass(frozen=True)
class LogRow:
    id: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    direction: str
    number: str
    caller_kind: str
    caller_id: str | None
    caller_name: str  # "" when unknown or not to be shown
    practitioner_id: str | None
    practitioner_name: str
    reason: str
    outcome: str
    note: str
    handled_by: str  # a name, "" when nobody answered
    appointment_id: str | None
    callback_id: str | None

    @property
    def missed(self) -> bool:
        return self.direction == IN and self.answered_at is None and self.ended_at is not None

    @property
    def ring_seconds(self) -> float | None:
        until = self.answered_at or self.ended_at
        return None if until is None else (until - self.started_at).total_seconds()

    @property
    def talk_seconds(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.answered_at).total_seconds()


@dataclass(frozen=True)
class LogCount:
    calls: int
    missed: int


@dataclass(frozen=True)
class CallbackRow:
    id: str
    number: str
    caller_kind: str
    caller_name: str
    practitioner_name: str
    source: str
    due_at: datetime
    reason: str
    missed_calls: int
    done_at: datetime | None
    attempts: tuple[AttemptView, ...]

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def overdue(self, now: datetime) -> bool:
        return self.done_at is None and self.due_at < now


_CALLER_NAME = """CASE WHEN {patients} AND c.caller_kind = 'patient' THEN p.birth_name END,
  p.used_name, p.first_names, p.sex,
  CASE WHEN {contacts} AND c.caller_kind = 'contact'
       THEN trim(ct.name || ' ' || ct.first_name) END"""

_LOG_SQL = """SELECT c.id, c.started_at, c.answered_at, c.ended_at, c.direction, c.number,
  c.caller_kind, c.caller_id, {caller},
  c.practitioner_id, pr.title, pr.first_name, pr.last_name, c.reason, c.outcome, c.note,
  u.display_name, c.appointment_id, c.callback_id
FROM call c INDEXED BY ix_call_started
LEFT JOIN patient p ON c.caller_kind = 'patient' AND p.id = c.caller_id
LEFT JOIN contact ct ON c.caller_kind = 'contact' AND ct.id = c.caller_id
LEFT JOIN practitioner pr ON pr.id = c.practitioner_id
LEFT JOIN app_user u ON u.id = c.handled_by
WHERE c.started_at >= :start AND c.started_at < :end AND c.deleted_at IS NULL{where}
  AND (c.started_at > :after OR (c.started_at = :after AND c.id > :after_id))
ORDER BY c.started_at, c.id LIMIT :limit"""

_COUNT_SQL = """SELECT count(*),
  coalesce(sum(c.direction = 'in' AND c.answered_at IS NULL AND c.ended_at IS NOT NULL), 0)
FROM call c INDEXED BY ix_call_started
WHERE c.started_at >= :start AND c.started_at < :end AND c.deleted_at IS NULL{where}"""

_CALLBACKS_SQL = """SELECT b.id, b.number, b.caller_kind, {caller},
  pr.title, pr.first_name, pr.last_name, b.source, b.due_at, b.reason, b.missed_calls,
  b.done_at
FROM callback b
LEFT JOIN patient p ON b.caller_kind = 'patient' AND p.id = b.caller_id
LEFT JOIN contact ct ON b.caller_kind = 'contact' AND ct.id = b.caller_id
LEFT JOIN practitioner pr ON pr.id = b.practitioner_id
WHERE b.deleted_at IS NULL AND {which}{who}
ORDER BY b.done_at IS NOT NULL, b.due_at, b.id"""


def _flag(yes: bool) -> str:
    return "1" if yes else "0"


def _name(birth, used, first, sex, contact) -> str:
    if birth is not None:
        return patient_display_name(birth, used or "", first or "", sex or "")
    return contact or ""


def _practitioner(title, first, last) -> str:
    return " ".join(p for p in (title, first, last) if p)


def _instant(value) -> datetime | None:
    """A stored instant read by raw SQL (text, naive UTC) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc)


class CallLog:
    def __init__(self, store: Store, *, zone: PracticeTime, clock: Clock,
                 principal: Principal | None = None) -> None:
        self._store = store
        self._zone = zone
        self._clock = clock
        self._principal = principal

    def _may(self, action: str) -> bool:
        return self._principal is None or access.allowed(self._principal, action)

    def _caller(self) -> str:
        return _CALLER_NAME.format(patients=_flag(self._may(access.PATIENTS_READ)),
                                   contacts=_flag(self._may(access.DIRECTORY_READ)))

    @staticmethod
    def _where(f: LogFilter) -> tuple[str, dict]:
        clauses, params = [], {}
        if f.practitioner_id:
            clauses.append("c.practitioner_id = :practitioner")
            params["practitioner"] = f.practitioner_id
        if f.direction in (IN, OUT):
            clauses.append("c.direction = :direction")
            params["direction"] = f.direction
        if f.missed_only:
            clauses.append("c.direction = 'in' AND c.answered_at IS NULL "
                           "AND c.ended_at IS NOT NULL")
        return "".join(f" AND {c}" for c in clauses), params

    def page(self, f: LogFilter, *, after: LogRow | None = None,
             limit: int = PAGE) -> list[LogRow]:
        """Up to ``limit`` calls of the day after ``after`` (the last row of the previous
        page), in time order."""
        access.require_for(self._principal, access.CALLS_LOOKUP)
        start, end = self._zone.day_bounds(f.day)
        where, params = self._where(f)
        stmt = text(_LOG_SQL.format(caller=self._caller(), where=where)).bindparams(
            bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime),
            bindparam("after", type_=UTCDateTime))
        params.update(start=start, end=end, limit=limit,
                      after=after.started_at if after else start - timedelta(microseconds=1),
                      after_id=after.id if after else "")
        with self._store.reader() as s:
            rows = s.execute(stmt, params).all()
        return [LogRow(
            id=r[0], started_at=_instant(r[1]), answered_at=_instant(r[2]),
            ended_at=_instant(r[3]), direction=r[4], number=r[5], caller_kind=r[6],
            caller_id=r[7], caller_name=_name(*r[8:13]), practitioner_id=r[13],
            practitioner_name=_practitioner(*r[14:17]), reason=r[17], outcome=r[18],
            note=r[19], handled_by=r[20] or "", appointment_id=r[21], callback_id=r[22])
            for r in rows]

    def count(self, f: LogFilter) -> LogCount:
        access.require_for(self._principal, access.CALLS_LOOKUP)
        start, end = self._zone.day_bounds(f.day)
        where, params = self._where(f)
        stmt = text(_COUNT_SQL.format(where=where)).bindparams(
            bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime))
        params.update(start=start, end=end)
        with self._store.reader() as s:
            calls, missed = s.execute(stmt, params).one()
        return LogCount(calls, missed)

    def callbacks(self, day: date, *, practitioner_id: str | None = None) -> list[CallbackRow]:
        """The callbacks not done (the earliest due first), then those done on ``day``."""
        from app.services.calls.callbacks import _attempts_of

        access.require_for(self._principal, access.CALLBACKS)
        start, end = self._zone.day_bounds(day)
        which = "(b.done_at IS NULL OR (b.done_at >= :start AND b.done_at < :end))"
        who = " AND b.practitioner_id = :practitioner" if practitioner_id else ""
        stmt = text(_CALLBACKS_SQL.format(caller=self._caller().replace("c.caller_kind",
                                                                        "b.caller_kind"),
                                          which=which, who=who)).bindparams(
            bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime))
        with self._store.reader() as s:
            rows = s.execute(stmt, {"start": start, "end": end,
                                    "practitioner": practitioner_id}).all()
            attempts = _attempts_of(s, [r[0] for r in rows])
        return [CallbackRow(
            id=r[0], number=r[1], caller_kind=r[2], caller_name=_name(*r[3:8]),
            practitioner_name=_practitioner(*r[8:11]), source=r[11], due_at=_instant(r[12]),
            reason=r[13], missed_calls=r[14], done_at=_instant(r[15]),
            attempts=tuple(AttemptView(a.id, a.at, a.outcome, a.by)
                           for a in attempts.get(r[0], ())))
            for r in rows]

    def within_target_rate(self, day: date, *,
                           practitioner_id: str | None = None) -> float | None:
        """Of the callbacks due on ``day`` and done or past due, the share done by their
        due time (``callbacks_done_within_target_rate`` of the indicators)."""
        from app.services.calls.indicators import indicators

        access.require_for(self._principal, access.CALLBACKS)
        return indicators(self._store, self._zone, day, day, now=self._clock.now(),
                          practitioner_id=practitioner_id)["callbacks_done_within_target_rate"]
