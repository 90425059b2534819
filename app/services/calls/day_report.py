"""The practitioner's day report ("Compte rendu de la journée"), as plain data.

For one practice day and one practitioner (or the whole practice):

- the calls of the day by reason and outcome (a cross table, counts), answered, missed,
  outgoing;
- appointments by phone: *booked* — calls of the day whose outcome is "appointment
  booked"; *moved* and *cancelled* — calls of the day for a cancellation or a
  rescheduling linked to an appointment, cancelled or not now;
- messages (to that practitioner, or all): received that day, treated that day, open at
  the end of the day (or now for today);
- callbacks: done that day; overdue — due that day and not done by the end of it (or
  now), listed, and the number of older ones still not done;
- urgent calls (``urgent_calls``): the calls whose reason is an emergency or that were
  referred to the 15, each with its time-stamped steps (``urgent_steps``).

Names of callers are given only to roles that may see them (patients, directory). The
report is read with ``REPORTS``; printing it or writing it to a file is audited as a
read of patient data (``record_output``), as the agenda's printouts are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from app.clock import Clock
from app.i18n import _
from app.models import Practitioner
from app.models.base import UTCDateTime
from app.models.call_desk import CallStep, StepKind
from app.models.calls import CallOutcome, CallReason
from app.models.principal import Principal
from app.models.text import clean_name
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.services.calls.labels import outcomes as outcome_choices
from app.services.calls.labels import reasons as reason_choices
from app.services.calls.log import _CALLER_NAME, _flag, _instant, _name
from app.services.errors import MessageError
from app.storage.store import Store

AUDIT_ENTITY = "day_report"

# The kinds of an urgent call's steps; the urgent protocol adds its own (a red flag
# checked, the 15 called, the practitioner told…) with a ``detail``.
RANG, ANSWERED, REFERRED, ENDED, NOTE = "rang", "answered", "referred", "ended", "note"
# The kinds of the steps the call panel recorded (app.models.call_desk.StepKind) carry
# this prefix, to be worded as the panel words them.
DESK = "desk:"


@dataclass(frozen=True)
class Step:
    at: datetime | None  # None: not time-stamped
    kind: str
    detail: str = ""
    ref: str = ""


@dataclass(frozen=True)
class UrgentCall:
    id: str
    started_at: datetime
    number: str
    caller_name: str
    reason: str
    outcome: str
    note: str
    handled_by: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class ReportCallback:
    id: str
    due_at: datetime
    done_at: datetime | None
    number: str
    caller_name: str
    reason: str
    attempts: int


@dataclass(frozen=True)
class DayReport:
    day: date
    practitioner_id: str | None
    practitioner_name: str  # "" for the whole practice
    made_at: datetime
    calls: int
    answered: int
    missed: int
    outgoing: int
    by_reason: tuple[tuple[str, dict[str, int], int], ...]  # (reason, {outcome: n}, total)
    outcome_columns: tuple[str, ...]  # the outcomes present, in the panel's order
    booked: int
    moved: int
    cancelled: int
    messages_received: int
    messages_treated: int
    messages_open: int
    callbacks_done: tuple[ReportCallback, ...]
    callbacks_overdue: tuple[ReportCallback, ...]
    older_overdue: int
    urgent: tuple[UrgentCall, ...] = field(default_factory=tuple)


class UnknownPractitioner(MessageError):
    code = "unknown_practitioner"

    def __init__(self, practitioner_id: str) -> None:
        super().__init__(_("No practitioner has the id {id}.").format(
            id=clean_name(practitioner_id)[:40]))


def _stmt(sql: str):
    return text(sql).bindparams(*(bindparam(n, type_=UTCDateTime)
                                  for n in ("start", "end", "cutoff") if f":{n}" in sql))


_WHO = " AND {alias}practitioner_id = :practitioner"

_BY_REASON_SQL = """SELECT reason, outcome, count(*),
  coalesce(sum(direction = 'in' AND answered_at IS NOT NULL), 0),
  coalesce(sum(direction = 'in' AND answered_at IS NULL AND ended_at IS NOT NULL), 0),
  coalesce(sum(direction = 'out'), 0),
  coalesce(sum(outcome = 'booked'), 0)
FROM call INDEXED BY ix_call_started
WHERE started_at >= :start AND started_at < :end AND deleted_at IS NULL{who}
GROUP BY reason, outcome"""

_BY_PHONE_SQL = """SELECT coalesce(sum(a.status = 'cancelled'), 0),
  coalesce(sum(a.status != 'cancelled'), 0)
FROM call c INDEXED BY ix_call_started JOIN appointment a ON a.id = c.appointment_id
WHERE c.started_at >= :start AND c.started_at < :end AND c.deleted_at IS NULL
  AND c.reason = 'reschedule'{who}"""

_MESSAGES_SQL = """SELECT coalesce(sum(created_at >= :start AND created_at < :end), 0),
  coalesce(sum(treated_at >= :start AND treated_at < :end), 0),
  coalesce(sum(created_at < :end AND (treated_at IS NULL OR treated_at > :cutoff)), 0)
FROM message WHERE deleted_at IS NULL{who}"""

_CALLBACKS_SQL = """SELECT b.id, b.due_at, b.done_at, b.number, {caller}, b.reason,
  (SELECT count(*) FROM callback_attempt a WHERE a.callback_id = b.id
     AND a.deleted_at IS NULL)
FROM callback b
LEFT JOIN patient p ON b.caller_kind = 'patient' AND p.id = b.caller_id
LEFT JOIN contact ct ON b.caller_kind = 'contact' AND ct.id = b.caller_id
WHERE b.deleted_at IS NULL AND {which}{who}
ORDER BY b.due_at, b.id"""

_OLDER_SQL = """SELECT count(*) FROM callback b
WHERE b.deleted_at IS NULL AND b.due_at < :start
  AND (b.done_at IS NULL OR b.done_at >= :cutoff){who}"""

_URGENT_SQL = """SELECT c.id, c.started_at, c.answered_at, c.ended_at, c.number, {caller},
  c.reason, c.outcome, c.note, u.display_name
FROM call c INDEXED BY ix_call_started
LEFT JOIN patient p ON c.caller_kind = 'patient' AND p.id = c.caller_id
LEFT JOIN contact ct ON c.caller_kind = 'contact' AND ct.id = c.caller_id
LEFT JOIN app_user u ON u.id = c.handled_by
WHERE c.started_at >= :start AND c.started_at < :end AND c.deleted_at IS NULL
  AND (c.reason = 'urgent' OR c.outcome = 'sent_to_15'){who}
ORDER BY c.started_at, c.id"""


def urgent_steps(s: Session, call_id: str, started_at: datetime, answered_at: datetime | None,
                 ended_at: datetime | None, outcome: str, note: str) -> tuple[Step, ...]:
    """The steps of one urgent call, in time order: the call's own times and outcome,
    and the steps the urgent protocol recorded on the call panel (red flags, referral,
    urgent message…), each with its second."""
    desk = [Step(at, DESK + kind, detail, ref) for at, kind, ref, detail in s.execute(
        select(CallStep.at, CallStep.kind, CallStep.ref, CallStep.detail)
        .where(CallStep.call_id == call_id, CallStep.deleted_at.is_(None))
        .order_by(CallStep.at))]
    steps = [Step(started_at, RANG)]
    if answered_at is not None:
        steps.append(Step(answered_at, ANSWERED))
    referred = any(st.kind == DESK + StepKind.REFERRAL.value for st in desk)
    if outcome == CallOutcome.SENT_TO_15.value and not referred:
        steps.append(Step(ended_at, REFERRED))
    steps += desk
    if ended_at is not None:
        steps.append(Step(ended_at, ENDED))
    # Stable: at one second, the call's own step first; the note, untimed, last.
    steps.sort(key=lambda st: (st.at is None, st.at or started_at))
    if note:
        steps.append(Step(None, NOTE, note))
    return tuple(steps)


class DayReportService:
    def __init__(self, store: Store, *, zone: PracticeTime, clock: Clock, actor_id: str,
                 principal: Principal | None = None) -> None:
        self._store = store
        self._zone = zone
        self._clock = clock
        self._actor_id = actor_id
        self._principal = principal

    def _may(self, action: str) -> bool:
        return self._principal is None or access.allowed(self._principal, action)

    def build(self, day: date, *, practitioner_id: str | None = None) -> DayReport:
        access.require_for(self._principal, access.REPORTS)
        start, end = self._zone.day_bounds(day)
        now = self._clock.now()
        cutoff = min(now, end)
        params = {"start": start, "end": end, "cutoff": cutoff, "practitioner": practitioner_id}
        caller = _CALLER_NAME.format(patients=_flag(self._may(access.PATIENTS_READ)),
                                     contacts=_flag(self._may(access.DIRECTORY_READ)))

        def who(alias: str = "") -> str:
            return _WHO.format(alias=alias) if practitioner_id else ""

        with self._store.reader() as s:
            name = ""
            if practitioner_id:
                p = s.get(Practitioner, practitioner_id)
                if p is None or p.deleted_at is not None:
                    raise UnknownPractitioner(practitioner_id)
                name = p.display_name
            grouped = s.execute(_stmt(_BY_REASON_SQL.format(who=who())), params).all()
            cancelled, moved = s.execute(_stmt(_BY_PHONE_SQL.format(who=who("c."))),
                                         params).one()
            received, treated, still_open = s.execute(_stmt(_MESSAGES_SQL.format(
                who=who().replace("practitioner_id", "recipient_id"))), params).one()
            done = self._callbacks(s, caller, "b.done_at >= :start AND b.done_at < :end",
                                   who("b."), params)
            overdue = self._callbacks(
                s, caller, "b.due_at >= :start AND b.due_at < :cutoff "
                "AND (b.done_at IS NULL OR b.done_at >= :cutoff)", who("b."), params)
            older = s.execute(_stmt(_OLDER_SQL.format(who=who("b."))), params).scalar_one()
            urgent = urgent_calls(s, caller, who("c."), params)
        return DayReport(
            day=day, practitioner_id=practitioner_id, practitioner_name=name, made_at=now,
            calls=sum(r[2] for r in grouped), answered=sum(r[3] for r in grouped),
            missed=sum(r[4] for r in grouped), outgoing=sum(r[5] for r in grouped),
            **_cross(grouped), booked=sum(r[6] for r in grouped), moved=moved,
            cancelled=cancelled, messages_received=received, messages_treated=treated,
            messages_open=still_open, callbacks_done=done, callbacks_overdue=overdue,
            older_overdue=older, urgent=urgent)

    @staticmethod
    def _callbacks(s: Session, caller: str, which: str, who: str,
                   params: dict) -> tuple[ReportCallback, ...]:
        sql = _CALLBACKS_SQL.format(caller=caller.replace("c.caller_kind", "b.caller_kind"),
                                    which=which, who=who)
        return tuple(ReportCallback(
            id=r[0], due_at=_instant(r[1]), done_at=_instant(r[2]), number=r[3],
            caller_name=_name(*r[4:9]), reason=r[9], attempts=r[10])
            for r in s.execute(_stmt(sql), params))

    def record_output(self, day: date, practitioner_id: str | None, *, output: str,
                      place: Callable[[], None] | None = None,
                      withdraw: Callable[[], None] | None = None) -> None:
        """Audit a printed (``output="printer"``) or saved (``"pdf"``) report: a read of
        patient data. ``place`` (the finished file renamed into place) runs inside the
        audit transaction; ``withdraw`` takes the file back if the commit fails."""
        access.require_for(self._principal, access.REPORTS)
        access.require_for(self._principal, access.PRINT)
        if output == "pdf":  # a file too: what a remote workstation's policy may forbid
            access.require_for(self._principal, access.EXPORT)
        placed = False
        try:
            with self._store.unit_of_work(actor_id=self._actor_id) as uow:
                uow.audit("print", AUDIT_ENTITY, practitioner_id or "",
                          f"{day.isoformat()} output={output}")
                if place is not None:
                    place()
                    placed = True
        except BaseException:
            if placed and withdraw is not None:
                withdraw()
            raise


def urgent_calls(s: Session, caller: str, who: str, params: dict) -> tuple[UrgentCall, ...]:
    """The day's urgent calls with their steps (see ``urgent_steps``)."""
    found = []
    for r in s.execute(_stmt(_URGENT_SQL.format(caller=caller, who=who)), params):
        started, answered, ended = _instant(r[1]), _instant(r[2]), _instant(r[3])
        found.append(UrgentCall(
            id=r[0], started_at=started, number=r[4], caller_name=_name(*r[5:10]),
            reason=r[10], outcome=r[11], note=r[12], handled_by=r[13] or "",
            steps=urgent_steps(s, r[0], started, answered, ended, r[11], r[12])))
    return tuple(found)


def _cross(grouped) -> dict:
    """The reason × outcome table in the panel's orders; "" (none given) last."""
    reason_order = [code for code, _label in reason_choices()] + [CallReason.NONE.value]
    outcome_order = [code for code, _label in outcome_choices()] + [CallOutcome.NONE.value]
    table: dict[str, dict[str, int]] = {}
    present: set[str] = set()
    for reason, outcome, n, *_rest in grouped:
        table.setdefault(reason, {})
        table[reason][outcome] = table[reason].get(outcome, 0) + n
        present.add(outcome)
    rank = {code: i for i, code in enumerate(reason_order)}
    rows = tuple((reason, counts, sum(counts.values()))
                 for reason, counts in sorted(table.items(),
                                              key=lambda kv: (rank.get(kv[0], 99), kv[0])))
    columns = tuple(c for c in outcome_order if c in present) + tuple(
        sorted(present - set(outcome_order)))
    return {"by_reason": rows, "outcome_columns": columns}


__all__ = ["ANSWERED", "AUDIT_ENTITY", "DayReport", "DayReportService", "ENDED", "NOTE",
           "RANG", "REFERRED", "ReportCallback", "Step", "UnknownPractitioner", "UrgentCall",
           "urgent_calls", "urgent_steps"]
