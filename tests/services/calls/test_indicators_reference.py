"""The indicators and the Statistiques page's figures, read in one pass through indexes,
against a straightforward computation from the raw rows on a small practice of random
calls, callbacks and attempts (fixed seed), over several ranges, with and without a
practitioner."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.models.calls import Call, Callback, CallbackAttempt
from app.services.calls import CallInput, indicators
from app.services.calls.statistics import statistics
from app.services.practice import list_practitioners

FIRST = date(2026, 3, 9)
DAYS = 12
NUMBERS = [f"06{n:08d}" for n in range(11111111, 11111111 + 9 * 1111111, 1111111)]


def _seconds(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


def _reference(ws, first: date, last: date, now: datetime, who: str | None) -> dict:
    start, end = ws.zone.day_start(first), ws.zone.day_start(last + timedelta(days=1))
    with ws.store.reader() as s:
        every = s.execute(select(Call).where(Call.deleted_at.is_(None))).scalars().all()
        callbacks = s.execute(select(Callback).where(Callback.deleted_at.is_(None))
                              ).scalars().all()
        attempts = s.execute(select(CallbackAttempt).where(
            CallbackAttempt.deleted_at.is_(None))).scalars().all()
    numbers = {c.id: c.number for c in callbacks}
    calls = [c for c in every if start <= c.started_at < end
             and (who is None or c.practitioner_id == who)]
    incoming = [c for c in calls if c.direction == "in"]
    answered = [c for c in incoming if c.answered_at is not None]
    missed = [c for c in incoming if c.answered_at is None and c.ended_at is not None]
    offered = len(answered) + len(missed)
    within = [c for c in answered if _seconds(c.started_at, c.answered_at) <= 20]
    abandoned = [c for c in missed if _seconds(c.started_at, c.ended_at) >= 5]
    handled = [c for c in calls if c.answered_at is not None and c.ended_at is not None]

    def returned(m: Call) -> bool:
        return any(r.number == m.number and r.started_at > m.started_at
                   and r.answered_at is not None for r in every) or any(
            numbers.get(a.callback_id) == m.number and a.outcome == "reached"
            and a.at > m.started_at for a in attempts)

    due = [c for c in callbacks if start <= c.due_at < end
           and (who is None or c.practitioner_id == who)]
    judged = [c for c in due if c.done_at is not None or c.due_at <= now]

    def rate(n: int, d: int):
        return None if d == 0 else n / d

    figures = {
        "calls_total": len(calls),
        "answered": len(answered),
        "missed": len(missed),
        "answered_rate": rate(len(answered), offered),
        "service_level_20s": rate(len(within), offered),
        "abandon_rate": rate(len(abandoned), offered),
        "aht_seconds": None if not handled else round(
            sum(_seconds(c.answered_at, c.ended_at) for c in handled) / len(handled), 1),
        "unreturned_missed": sum(1 for m in missed if m.number and not returned(m)),
        "callbacks_due": len(due),
        "callbacks_done_within_target_rate": rate(
            sum(1 for c in judged if c.done_at is not None and c.done_at <= c.due_at),
            len(judged)),
        "urgent_calls": sum(1 for c in calls if c.reason == "urgent"
                            or c.outcome == "sent_to_15"),
        "bookings_from_calls": sum(1 for c in calls if c.appointment_id is not None
                                   or c.outcome == "booked"),
    }
    heat = [[0] * 24 for _ in range(7)]
    for c in calls:
        local = ws.zone.local(c.started_at)
        heat[local.weekday()][local.hour] += 1
    return {"figures": figures, "short": len(missed) - len(abandoned),
            "heat": tuple(tuple(row) for row in heat)}


@pytest.fixture
def random_practice(workspace):
    ws = workspace
    rng = random.Random(2026)
    practitioners = [p.id for p in list_practitioners(ws.store)] + [None]
    for day in range(DAYS):
        opening = ws.zone.day_start(FIRST + timedelta(days=day)) + timedelta(hours=8)
        for _ in range(rng.randrange(6, 14)):
            started = opening + timedelta(seconds=rng.randrange(10 * 3600))
            kind = rng.random()
            answer = rng.choice((3, 12, 20, 21, 45)) if kind < 0.6 else None
            ring = rng.choice((2, 4.9999, 5, 30))
            end = (answer + rng.randrange(20, 400)) if answer is not None else (
                ring if kind < 0.9 else None)  # the last tenth: still ringing
            ws.calls.record(CallInput(
                number=rng.choice(NUMBERS + ["masqué"]), started_at=started,
                answered_at=None if answer is None else started + timedelta(seconds=answer),
                ended_at=None if end is None else started + timedelta(seconds=end),
                direction="out" if rng.random() < 0.15 else "in",
                reason=rng.choice(("", "appointment", "results", "urgent")),
                outcome=rng.choice(("", "booked", "informed", "sent_to_15", "callback")),
                practitioner_id=rng.choice(practitioners)))
    # Attempts on the callbacks that missed calls opened (and no answered call closed), at random times after them.
    with ws.store.reader() as s:
        opened = s.execute(select(Callback.id, Callback.last_missed_at)
                           .where(Callback.done_at.is_(None)).order_by(Callback.id)).all()
    for callback_id, last_missed in opened:
        if rng.random() < 0.7:
            ws.clock.set(last_missed + timedelta(hours=rng.choice((-30, 1, 5, 50))))
            ws.callbacks.attempt(callback_id, rng.choice(("no_answer", "reached", "reached")))
    return ws


def test_the_indicators_equal_a_straightforward_count_of_the_rows(random_practice):
    ws = random_practice
    who = list_practitioners(ws.store)[0].id
    now = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
    ranges = [(FIRST, FIRST + timedelta(days=DAYS)), (FIRST + timedelta(days=2),
              FIRST + timedelta(days=4)), (FIRST, FIRST), (date(2026, 1, 1), date(2026, 1, 2))]
    for first, last in ranges:
        for practitioner in (None, who):
            expected = _reference(ws, first, last, now, practitioner)
            got = indicators(ws.store, ws.zone, first, last, now=now,
                             practitioner_id=practitioner)
            assert got == expected["figures"], (first, last, practitioner)
            stats = statistics(ws.store, ws.zone, first, last, now=now,
                               practitioner_id=practitioner)
            assert stats.figures == expected["figures"]
            assert stats.short_hang_ups == expected["short"]
            assert stats.heat == expected["heat"]
    whole = _reference(ws, FIRST, FIRST + timedelta(days=DAYS), now, None)["figures"]
    # The data reaches every branch of the definitions.
    assert whole["unreturned_missed"] and whole["missed"] > whole["unreturned_missed"]
    assert 0 < whole["service_level_20s"] < whole["answered_rate"] < 1
    assert 0 < whole["abandon_rate"] and whole["urgent_calls"] and whole["callbacks_due"]
