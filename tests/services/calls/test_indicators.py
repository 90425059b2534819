"""The indicators against values computed by hand on a fixed day of calls."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from app.services.calls import INDICATOR_KEYS, CallInput, indicators
from app.services.practice import list_practitioners

DAY = date(2026, 3, 16)  # Paris is UTC+1: the day is 15 March 23:00 to 16 March 23:00 UTC


def _at(hour: int, minute: int, second: int = 0, day: int = 16) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=timezone.utc)


def _s(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


@pytest.fixture
def day_of_calls(workspace):
    """Ten calls; what each one counts for is said beside it."""
    ws = workspace
    morel = list_practitioners(ws.store)[0].id
    A, B, C, D, E, F = ("0611111111", "0622222222", "0633333333", "0644444444",
                        "0655555555", "0666666666")

    def call(number, start, answer=None, end=None, **kw):
        ws.calls.record(CallInput(
            number=number, started_at=start,
            answered_at=None if answer is None else start + _s(answer),
            ended_at=None if end is None else start + _s(end), **kw))

    # c1: answered in 10 s, 120 s of talk, booked, Dr Morel's
    call(A[:-1] + "0", _at(7, 30), 10, 130, reason="appointment", outcome="booked",
         practitioner_id=morel)
    # c2: answered in 30 s (beyond the service level), 60 s of talk
    call("0600000002", _at(7, 40), 30, 90, reason="results", outcome="informed")
    # c3: A hangs up after 3 s: missed, a short hang-up, never returned
    call(A, _at(7, 50), None, 3)
    # c4: B hangs up after 40 s: missed, abandoned; returned by c6
    call(B, _at(8, 0), None, 40)
    # c5: a withheld number hangs up after 25 s: missed, abandoned, nobody to call back
    call("masqué", _at(8, 5), None, 25)
    # c6: B again, answered in exactly 20 s, 30 s of talk, an emergency sent to the 15
    call(B, _at(8, 10), 20, 50, reason="urgent", outcome="sent_to_15")
    # c7: outgoing to C, answered after 15 s, 90 s of talk
    call(C, _at(8, 20), 15, 105, direction="out", outcome="no_follow_up")
    # c8: outgoing to D, nobody answers: not a missed call (outgoing)
    call(D, _at(8, 25), None, 30, direction="out")
    # c9: E still ringing: a call of the day, neither answered nor missed
    call(E, _at(8, 28))
    # c10: the next day, outside the range
    call(F, _at(8, 0, day=17), 5, 65)
    return ws, morel


def test_the_indicators_of_a_day_computed_by_hand(day_of_calls):
    ws, _morel = day_of_calls
    noon = _at(12, 0)
    got = indicators(ws.store, ws.zone, DAY, DAY, now=noon)
    assert tuple(got) == INDICATOR_KEYS
    assert got == {
        "calls_total": 9,                   # c1–c9
        "answered": 3,                      # c1, c2, c6
        "missed": 3,                        # c3, c4, c5 (the short hang-up included)
        "answered_rate": 3 / 6,
        "service_level_20s": 2 / 6,         # c1 (10 s), c6 (20 s)
        "abandon_rate": 2 / 6,              # c4, c5; c3 hung up under 5 s
        "aht_seconds": 75.0,                # (120 + 60 + 30 + 90) / 4
        "unreturned_missed": 1,             # c3; c4 reached by c6; c5 withheld
        "callbacks_due": 2,                 # A due 09:50:03, B due 10:00:40
        "callbacks_done_within_target_rate": 1 / 2,  # B done at 08:10:20; A overdue
        "urgent_calls": 1,                  # c6
        "bookings_from_calls": 1,           # c1
    }


def test_a_callback_not_yet_due_is_not_judged(day_of_calls):
    ws, _morel = day_of_calls
    got = indicators(ws.store, ws.zone, DAY, DAY, now=_at(9, 0))
    assert got["callbacks_due"] == 2
    assert got["callbacks_done_within_target_rate"] == 1.0  # A is not due yet


def test_one_practitioners_indicators_and_an_empty_range(day_of_calls):
    ws, morel = day_of_calls
    mine = indicators(ws.store, ws.zone, DAY, DAY, now=_at(12, 0), practitioner_id=morel)
    assert mine == {
        "calls_total": 1, "answered": 1, "missed": 0, "answered_rate": 1.0,
        "service_level_20s": 1.0, "abandon_rate": 0.0, "aht_seconds": 120.0,
        "unreturned_missed": 0, "callbacks_due": 0, "callbacks_done_within_target_rate": None,
        "urgent_calls": 0, "bookings_from_calls": 1}
    empty = indicators(ws.store, ws.zone, date(2026, 3, 20), date(2026, 3, 22),
                       now=_at(12, 0))
    assert empty == {k: (None if k.endswith("rate") or k.endswith("_20s")
                         or k == "aht_seconds" else 0) for k in INDICATOR_KEYS}
    both_days = indicators(ws.store, ws.zone, DAY, DAY + timedelta(days=1), now=_at(12, 0))
    assert both_days["calls_total"] == 10 and both_days["answered"] == 4
