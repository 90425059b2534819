"""What the call services return: plain, detached values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.models.calls import Call, Callback


@dataclass(frozen=True)
class CallView:
    id: str
    external_id: str | None
    direction: str
    number: str  # E.164, or "" when withheld
    line: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    caller_kind: str
    caller_id: str | None
    practitioner_id: str | None
    reason: str
    outcome: str
    note: str
    handled_by: str | None
    appointment_id: str | None
    callback_id: str | None
    version: int

    @property
    def missed(self) -> bool:
        """Ended without being answered (a short hang-up as well)."""
        return self.ended_at is not None and self.answered_at is None

    @property
    def ring_seconds(self) -> float | None:
        """From the first ring to the answer, or to the hang-up of a missed call."""
        until = self.answered_at or self.ended_at
        return None if until is None else (until - self.started_at).total_seconds()

    @property
    def talk_seconds(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.answered_at).total_seconds()

    @property
    def ref(self) -> str:
        """The id the phone system's events name the call by."""
        return self.external_id or self.id


def call_view(c: Call) -> CallView:
    return CallView(
        id=c.id, external_id=c.external_id, direction=c.direction, number=c.number,
        line=c.line, started_at=c.started_at, answered_at=c.answered_at, ended_at=c.ended_at,
        caller_kind=c.caller_kind, caller_id=c.caller_id, practitioner_id=c.practitioner_id,
        reason=c.reason, outcome=c.outcome, note=c.note, handled_by=c.handled_by,
        appointment_id=c.appointment_id, callback_id=c.callback_id, version=c.version)


@dataclass(frozen=True)
class AttemptView:
    id: str
    at: datetime
    outcome: str
    by: str | None


@dataclass(frozen=True)
class CallbackView:
    id: str
    number: str
    caller_kind: str
    caller_id: str | None
    practitioner_id: str | None
    source: str
    due_at: datetime
    reason: str
    missed_calls: int
    last_missed_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    attempts: tuple[AttemptView, ...] = field(default_factory=tuple)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def overdue(self, now: datetime) -> bool:
        return self.done_at is None and self.due_at < now

    def state(self, now: datetime) -> str:
        from app.services.calls.labels import DONE, OPEN, OVERDUE

        return DONE if self.done else OVERDUE if self.overdue(now) else OPEN


def callback_view(c: Callback, attempts=()) -> CallbackView:
    return CallbackView(
        id=c.id, number=c.number, caller_kind=c.caller_kind, caller_id=c.caller_id,
        practitioner_id=c.practitioner_id, source=c.source, due_at=c.due_at, reason=c.reason,
        missed_calls=c.missed_calls, last_missed_at=c.last_missed_at, done_at=c.done_at,
        done_by=c.done_by,
        attempts=tuple(AttemptView(a.id, a.at, a.outcome, a.by) for a in attempts))
