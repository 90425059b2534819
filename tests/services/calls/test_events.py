"""The phone system's events on a real encrypted practice: times are those of the events,
a missed call makes one callback per number within the window, and every refusal writes
nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, Call, Callback, ChangeJournal
from app.services.calls import (
    CALLBACK_TARGET, MISSED_CALL_WINDOW, CallInput, EventOutOfOrder, InvalidCallDetails,
    InvalidCallId, InvalidCallNumber, UnknownCall,
)
from app.services.patients import PatientInput, PhoneEntry


@pytest.fixture
def jeanne(workspace):
    return workspace.patients.create(PatientInput(
        birth_name="Martin", first_names="Jeanne", birth_date=date(1980, 5, 2),
        phones=[PhoneEntry("06 12 34 56 78")]))


def _counts(ws) -> tuple[int, ...]:
    with ws.store.reader() as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Call, Callback, ChangeJournal, AuditEntry))


def test_an_answered_call_keeps_the_times_of_its_events(workspace, jeanne, clock):
    ws = workspace
    t0 = clock.now()
    rang = ws.calls.ringing("+33 6 12 34 56 78", line="02 47 00 00 00", call_id="pbx-1")
    assert rang.call.number == "+33612345678" and rang.call.line == "+33247000000"
    assert (rang.call.caller_kind, rang.call.caller_id) == ("patient", jeanne.id)
    assert [m.name for m in rang.caller.matches] == ["MARTIN Jeanne"]
    clock.advance(seconds=12)
    answered = ws.calls.answered("pbx-1")
    assert answered.handled_by == ws.user_id
    clock.advance(seconds=95)
    ended = ws.calls.ended("pbx-1")
    assert ended.callback is None
    call = ws.calls.find("pbx-1")
    assert (call.started_at, call.answered_at, call.ended_at) == (
        t0, t0 + timedelta(seconds=12), t0 + timedelta(seconds=107))
    assert call.ring_seconds == 12 and call.talk_seconds == 95 and not call.missed
    # Written through the unit of work: journal and audit for each event.
    with ws.store.reader() as s:
        ops = s.execute(select(ChangeJournal.op).where(ChangeJournal.entity == "call",
                                                       ChangeJournal.entity_id == call.id)
                        .order_by(ChangeJournal.seq)).scalars().all()
    assert ops == ["insert", "update", "update"]


def test_a_call_without_an_id_is_named_by_its_own(workspace, clock):
    rang = workspace.calls.ringing("0612345678")
    assert rang.call.external_id is None and rang.call.ref == rang.call.id
    clock.advance(seconds=3)
    assert workspace.calls.answered(rang.call.ref).answered_at == clock.now()


def test_missed_calls_make_one_callback_per_number_within_the_window(workspace, jeanne,
                                                                     clock):
    ws = workspace
    first_end = None
    for n in range(3):  # three rings from the same number, an hour apart
        ws.calls.ringing("06 12 34 56 78", call_id=f"m{n}")
        clock.advance(seconds=3 if n == 0 else 30)  # the first one a short hang-up
        ended = ws.calls.ended(f"m{n}")
        assert ended.call.missed and ended.callback is not None
        if n == 0:
            first_end = clock.now()
            callback_id = ended.callback.id
            assert not ended.joined
        else:
            assert ended.joined and ended.callback.id == callback_id
        clock.advance(hours=1)
    callback = ws.callbacks.get(callback_id)
    assert callback.missed_calls == 3 and callback.source == "missed_call"
    assert callback.due_at == first_end + CALLBACK_TARGET
    assert (callback.caller_kind, callback.caller_id) == ("patient", jeanne.id)
    # Beyond the window after the last missed call: a new callback.
    clock.advance(seconds=MISSED_CALL_WINDOW.total_seconds())
    ws.calls.ringing("06 12 34 56 78", call_id="later")
    clock.advance(seconds=20)
    later = ws.calls.ended("later")
    assert later.callback.id != callback_id and not later.joined
    # The number reached again (an answered call): its missed-call callbacks are done.
    ws.calls.ringing("0612345678", call_id="back", direction="out")
    clock.advance(seconds=8)
    ws.calls.answered("back")
    assert ws.callbacks.get(callback_id).done and ws.callbacks.get(later.callback.id).done
    assert ws.callbacks.open_list() == []


def test_a_withheld_number_is_recorded_as_unknown_never_refused(workspace, clock):
    for raw in ("anonymous", "masqué", ""):
        rang = workspace.calls.ringing(raw)
        assert rang.call.number == "" and rang.call.caller_kind == "unknown"
        clock.advance(seconds=10)
        ended = workspace.calls.ended(rang.call.ref)
        assert ended.call.missed and ended.callback is None  # nobody to call back


@pytest.mark.parametrize("steps, error", [
    (["answered"], UnknownCall),
    (["ended"], UnknownCall),
    (["ringing", "ringing"], EventOutOfOrder),
    (["ringing", "answered", "answered"], EventOutOfOrder),
    (["ringing", "ended", "answered"], EventOutOfOrder),
    (["ringing", "answered", "ended", "ended"], EventOutOfOrder),
])
def test_an_unknown_call_or_an_event_out_of_order_is_refused_writing_nothing(
        workspace, clock, steps, error, french_message):
    ws = workspace
    do = {"ringing": lambda: ws.calls.ringing("0612345678", call_id="x"),
          "answered": lambda: ws.calls.answered("x"), "ended": lambda: ws.calls.ended("x")}
    for step in steps[:-1]:
        do[step]()
        clock.advance(seconds=5)
    before = _counts(ws)
    with pytest.raises(error) as caught:
        do[steps[-1]]()
    assert _counts(ws) == before
    assert caught.value.exit_code == 2
    french_message(lambda: caught.value.user_message, "appel")


def test_bad_numbers_and_ids_are_refused_writing_nothing(workspace):
    before = _counts(workspace)
    with pytest.raises(InvalidCallNumber):
        workspace.calls.ringing("06 12 AB")
    with pytest.raises(InvalidCallId):
        workspace.calls.ringing("0612345678", call_id="   ")
    with pytest.raises(InvalidCallId):
        workspace.calls.ringing("0612345678", call_id="a\x1b[2Jb")
    assert _counts(workspace) == before


def test_a_call_logged_whole_and_described(workspace, jeanne, clock):
    ws = workspace
    t0 = clock.now() - timedelta(minutes=10)
    call = ws.calls.record(CallInput(
        number="0612345678", started_at=t0, answered_at=t0 + timedelta(seconds=4),
        ended_at=t0 + timedelta(seconds=64), reason="results", outcome="informed",
        note="Résultats reçus\x1b[31m, transmis"))
    assert call.caller_id == jeanne.id and call.handled_by == ws.user_id
    assert call.note == "Résultats reçus [31m, transmis"  # control characters cleaned
    described = ws.calls.describe(call.id, outcome="callback", reason="results")
    assert described.outcome == "callback" and described.note == call.note
    with pytest.raises(InvalidCallDetails):
        ws.calls.describe(call.id, outcome="whatever")
    with pytest.raises(InvalidCallDetails):
        ws.calls.describe(call.id, note="x" * 501)
    with pytest.raises(InvalidCallDetails):
        ws.calls.describe(call.id, practitioner_id="nobody")
    with pytest.raises(InvalidCallDetails):
        ws.calls.record(CallInput(number="0612345678", started_at=t0,
                                  answered_at=t0 - timedelta(seconds=1)))
    assert ws.calls.get(call.id).outcome == "callback"


def test_the_days_log_and_a_numbers_history(workspace, clock):
    ws = workspace
    for n in range(3):
        ws.calls.ringing("0612345678" if n != 1 else "0247123456", call_id=f"d{n}")
        clock.advance(seconds=30)
        ws.calls.ended(f"d{n}")
        clock.advance(minutes=5)
    today = ws.zone.day_of(clock.now())
    assert [c.external_id for c in ws.calls.day_log(today)] == ["d0", "d1", "d2"]
    assert ws.calls.day_log(today + timedelta(days=1)) == []
    assert [c.external_id for c in ws.calls.history("+33 6 12 34 56 78")] == ["d2", "d0"]


def test_callbacks_attempts_done_and_overdue(workspace, jeanne, clock):
    ws = workspace
    call = ws.calls.record(CallInput(number="0612345678", started_at=clock.now(),
                                     answered_at=clock.now(), ended_at=clock.now(),
                                     outcome="callback"))
    callback = ws.callbacks.create("0612345678", due_at=clock.now() + timedelta(hours=3),
                                   reason="Rappeler après 14 h avec les résultats",
                                   call_id=call.id)
    assert ws.calls.get(call.id).callback_id == callback.id
    assert callback.caller_id == jeanne.id and callback.state(clock.now()) == "open"
    ws.callbacks.attempt(callback.id, "no_answer")
    clock.advance(hours=4)
    assert [c.id for c in ws.callbacks.overdue()] == [callback.id]
    after = ws.callbacks.attempt(callback.id, "message_left")
    assert [a.outcome for a in after.attempts] == ["no_answer", "message_left"]
    assert after.state(clock.now()) == "overdue"
    done = ws.callbacks.attempt(callback.id, "reached")
    assert done.done and done.state(clock.now()) == "done" and len(done.attempts) == 3
    with pytest.raises(Exception) as caught:
        ws.callbacks.attempt(callback.id, "reached")
    assert caught.value.exit_code == 2


def test_who_handled_a_call_is_asked_at_each_answer(workspace, clock):
    """The one place that gives the signed-in person: the workspace's principal."""
    from dataclasses import replace

    ws = workspace
    owner = ws.user_id
    ws.calls.ringing("0612345678", call_id="h1")
    first = ws.calls.answered("h1")
    ws.principal = replace(ws.principal, user_id="another-user-id")  # another sign-in
    ws.calls.ringing("0612345679", call_id="h2")
    second = ws.calls.answered("h2")
    assert (first.handled_by, second.handled_by) == (owner, "another-user-id")


def test_finding_who_calls_is_an_audited_read_by_id_only(workspace, jeanne):
    ws = workspace
    ws.calls.ringing(jeanne.phones[0].e164, call_id="audit-1")
    ws.calls.ringing("0699887766", call_id="audit-2")  # nobody: nothing read
    with ws.store.reader() as s:
        lookups = s.execute(select(AuditEntry).where(AuditEntry.action == "lookup")).scalars().all()
    assert [(e.entity_id, e.detail) for e in lookups] == [(jeanne.id, "")]
