"""The demo's telephone: realistic volumes, hours and reasons; missed calls on the
callback list once per number and mostly returned; written through the unit of work."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.clock import FrozenClock
from app.demo import DemoSize, generate_demo
from app.models import Call, Callback, CallbackAttempt, ChangeJournal
from app.services.agenda.zone import PracticeTime
from app.services.calls import indicators
from app.storage.audit import verify_chain
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths

FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
AT = datetime(2026, 3, 12, 15, 0, tzinfo=timezone.utc)  # a Thursday afternoon
SIZE = DemoSize(practitioners=3, patients=300, contacts=30, appointments=1_500,
                months_back=3, months_ahead=1, calls=4_000)
PT = PracticeTime("Europe/Paris")


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = generate_demo(ProfilePaths(tmp_path_factory.mktemp("calls") / "cabinet"), size=SIZE,
                       clock=FrozenClock(AT), kdf=FAST_KDF)
    yield ws
    ws.close()


def _calls(ws) -> list[Call]:
    with ws.store.reader() as s:
        return list(s.execute(select(Call).order_by(Call.started_at)).scalars())


def test_volumes_hours_and_reasons_are_those_of_a_practice(ws):
    calls = _calls(ws)
    assert 0.9 * SIZE.calls <= len(calls) <= 1.1 * SIZE.calls
    assert all(c.started_at < AT for c in calls)
    days = Counter(PT.day_of(c.started_at) for c in calls if c.direction == "in")
    assert all(day.weekday() < 5 for day in days)
    # The GP's 20–60 and the others' 6–20 a day, incoming and outgoing.
    per_day = Counter(PT.day_of(c.started_at) for c in calls)
    full_days = [n for d, n in per_day.items() if d != AT.date()]
    assert 32 <= min(full_days) and max(full_days) <= 120
    minutes = [PT.wall_minute(c.started_at) for c in calls]
    peak = sum(510 <= m < 600 or 810 <= m < 870 for m in minutes) / len(minutes)
    assert peak > 0.5  # 2.5 of 11 opening hours hold most of the calls
    reasons = Counter(c.reason for c in calls if c.answered_at and c.direction == "in")
    answered = sum(reasons.values())
    appointments = (reasons["appointment"] + reasons["reschedule"]) / answered
    results = (reasons["results"] + reasons["prescription"] + reasons["information"]) / answered
    assert 0.25 < appointments < 0.42 and 0.25 < results < 0.42
    assert reasons["urgent"] >= 3


def test_missed_calls_make_callbacks_once_per_number_mostly_returned(ws):
    calls = _calls(ws)
    missed = [c for c in calls if c.missed and c.direction == "in"]
    assert 0.07 < len(missed) / sum(c.direction == "in" for c in calls) < 0.18
    with ws.store.reader() as s:
        callbacks = {c.id: c for c in s.execute(select(Callback)).scalars()}
    for c in missed:
        if c.number:
            cb = callbacks[c.callback_id]
            assert cb.source == "missed_call" and cb.number == c.number
        else:
            assert c.callback_id is None  # withheld: nobody to call back
    by_callback = Counter(c.callback_id for c in missed if c.callback_id)
    for cb_id, n in by_callback.items():
        assert callbacks[cb_id].missed_calls == n
    joined = [c for c in missed if c.callback_id and by_callback[c.callback_id] > 1]
    assert joined  # some numbers ring again before they are called back
    for c in joined:
        cb = callbacks[c.callback_id]
        assert c.ended_at <= cb.last_missed_at
        assert cb.done_at is None or cb.done_at > c.ended_at
    done = [cb for cb in callbacks.values() if cb.source == "missed_call" and cb.done_at]
    assert 0.9 < len(done) / sum(cb.source == "missed_call" for cb in callbacks.values()) < 1
    assert {cb.source for cb in callbacks.values()} == {"missed_call", "call", "message"}
    figures = indicators(ws.store, PT, date(2026, 1, 1), date(2026, 3, 12),
                         now=AT)
    assert 0.5 < figures["callbacks_done_within_target_rate"] < 0.9
    assert figures["bookings_from_calls"] > 0 and figures["unreturned_missed"] > 0


def test_every_row_is_journaled_and_audited(ws):
    with ws.store.reader() as s:
        rows = s.execute(select(func.count()).select_from(Call)).scalar_one()
        journal = s.execute(select(func.count()).select_from(ChangeJournal)
                            .where(ChangeJournal.entity == "call")).scalar_one()
        assert verify_chain(s).ok
    assert rows == journal
    still_open = ws.callbacks.open_list()
    assert still_open and [c.due_at for c in still_open] == sorted(c.due_at for c in still_open)
    today = ws.calls.day_log(PT.day_of(AT) - timedelta(days=1))
    assert today and all(PT.day_of(c.started_at) == PT.day_of(AT) - timedelta(days=1)
                         for c in today)


def test_old_callbacks_are_closed_after_tries_and_the_open_ones_are_todays(ws):
    """As a secretariat works: a callback not returned at once is tried again (no answer,
    a message left) and closed at its last try; the list holds today's work, a few of it
    overdue, not months of red."""
    today = PT.day_of(AT)
    still_open = ws.callbacks.open_list()
    assert 2 <= len(still_open) <= 12
    assert all(PT.day_of(c.due_at) >= today - timedelta(days=1) for c in still_open)
    assert 1 <= len(ws.callbacks.overdue()) <= 6
    with ws.store.reader() as s:
        attempts: dict[str, list[CallbackAttempt]] = {}
        for a in s.execute(select(CallbackAttempt).order_by(CallbackAttempt.at)).scalars():
            attempts.setdefault(a.callback_id, []).append(a)
        callbacks = list(s.execute(select(Callback).where(Callback.done_at.is_not(None)))
                         .scalars())
    # Given up after tries: closed by a message left at the last one, which is when it
    # was marked done, after one without an answer.
    given_up = [cb for cb in callbacks if cb.source != "message" and attempts.get(cb.id)
                and attempts[cb.id][-1].outcome == "message_left"
                and attempts[cb.id][-1].at == cb.done_at]
    assert len(given_up) > 10
    assert any(a.outcome == "no_answer" for cb in given_up for a in attempts[cb.id][:-1])
    for cb in given_up:  # each try in the practice's opening hours, on a working day
        for a in attempts[cb.id]:
            local = PT.local(a.at)
            assert local.weekday() < 5 and 8 <= local.hour < 19


def test_the_same_seed_makes_the_same_calls(ws, tmp_path):
    """Ids carry random bits: a generator that picked callers in the order of their ids
    made other calls at each run."""
    again = generate_demo(ProfilePaths(tmp_path / "again"), size=SIZE, clock=FrozenClock(AT),
                          kdf=FAST_KDF)
    try:
        def log(w):
            return [(c.started_at, c.direction, c.number, c.answered_at, c.ended_at)
                    for c in _calls(w)]
        assert log(again) == log(ws)
        assert len(again.callbacks.open_list()) == len(ws.callbacks.open_list())
    finally:
        again.close()
