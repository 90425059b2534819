"""Time an appointment leaves behind when it is moved or shortened, recorded inside the
unit of work that moves it (``record_move``), and the interval arithmetic the
freed-slots list shares. A cancellation needs no record: the cancelled appointment
itself says which time it freed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.models import FreedCause, FreedSlot

Interval = tuple[datetime, datetime]


def subtract(start: datetime, end: datetime, cuts: Iterable[Interval]) -> list[Interval]:
    """``[start, end)`` minus every cut, as the pieces left, in order."""
    pieces = [(start, end)]
    for cut_s, cut_e in cuts:
        out = []
        for s, e in pieces:
            if cut_e <= s or cut_s >= e:
                out.append((s, e))
                continue
            if cut_s > s:
                out.append((s, cut_s))
            if cut_e < e:
                out.append((cut_e, e))
        pieces = out
    return pieces


def record_move(uow, appointment_id: str, before: tuple[str, datetime, datetime],
                after: tuple[str, datetime, datetime]) -> None:
    """Record the time ``before`` (practitioner, start, end) no longer holds once the
    appointment is ``after``, if it is still to come."""
    pid, start, end = before
    new_pid, new_start, new_end = after
    if pid == new_pid:
        pieces = subtract(start, end, [(new_start, new_end)])
        shortened = start <= new_start and new_end <= end
    else:
        pieces, shortened = [(start, end)], False
    cause = FreedCause.SHORTENED if shortened else FreedCause.MOVED
    now = uow.now
    for s, e in pieces:
        if e > now:
            uow.session.add(FreedSlot(practitioner_id=pid, starts_at=s, ends_at=e,
                                      cause=cause.value, appointment_id=appointment_id))
