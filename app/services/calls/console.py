"""The secretariat lead's console: per practice, counts only (no name, no number), so
that it can be shown large across the room.

- calls waiting: incoming calls ringing now, neither answered nor ended (a call whose
  end the phone system never reported stops counting after ``RINGING_AT_MOST``);
- callbacks overdue: not done at their due time;
- urgent messages unread.

A count the signed-in role may not read is None (shown as a dash), never a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.models.calls import Call, CallDirection
from app.services import access

RINGING_AT_MOST = timedelta(minutes=30)


@dataclass(frozen=True)
class PracticeCounts:
    waiting: int | None
    overdue: int | None
    urgent_unread: int | None


def calls_waiting(ws) -> int:
    since = ws.clock.now() - RINGING_AT_MOST
    with ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(Call).where(
            Call.direction == CallDirection.IN.value, Call.answered_at.is_(None),
            Call.ended_at.is_(None), Call.deleted_at.is_(None),
            Call.started_at >= since)).scalar_one()


def practice_counts(ws) -> PracticeCounts:
    waiting = calls_waiting(ws) if ws.may(access.CALLS_LOOKUP) else None
    overdue = len(ws.callbacks.overdue()) if ws.may(access.CALLBACKS) else None
    urgent = ws.messages.unread_count().urgent if ws.may(access.MESSAGES) else None
    return PracticeCounts(waiting, overdue, urgent)
