"""The lead's console counts: calls ringing now, callbacks overdue, urgent messages
unread; counts only."""

from __future__ import annotations

from datetime import timedelta

from app.models.messages import MessagePriority
from app.services.calls.console import RINGING_AT_MOST, practice_counts
from app.services.messages import MessageInput


def test_what_waits_is_counted(workspace, clock):
    ws = workspace
    ws.clock = clock
    assert practice_counts(ws).waiting == 0
    ws.calls.ringing("06 12 34 56 78", call_id="a")
    ws.calls.ringing("06 12 34 56 79", call_id="b")
    ws.calls.answered("b")
    ws.callbacks.create("06 12 34 56 70", due_at=clock.now() - timedelta(minutes=5))
    ws.callbacks.create("06 12 34 56 71", due_at=clock.now() + timedelta(hours=1))
    ws.messages.send(MessageInput(body="Rappeler pour résultats", caller_name="Mme Roux",
                                  priority=MessagePriority.URGENT.value))
    ws.messages.send(MessageInput(body="Ordonnance", caller_name="M. Petit"))
    counts = practice_counts(ws)
    assert (counts.waiting, counts.overdue, counts.urgent_unread) == (1, 1, 1)
    ws.calls.ended("a")
    assert practice_counts(ws).waiting == 0


def test_a_ringing_whose_end_never_came_stops_counting(workspace, clock):
    ws = workspace
    ws.clock = clock
    ws.calls.ringing("06 12 34 56 78", call_id="lost")
    assert practice_counts(ws).waiting == 1
    clock.advance(seconds=RINGING_AT_MOST.total_seconds() + 1)
    assert practice_counts(ws).waiting == 0
