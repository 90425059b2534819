"""A call dialled from Permanence and the phone system's report of the same call make one
record, on a real encrypted practice: the report joins the dial when it is to the same
number, within the window, and the dialled call has had no event of the phone system."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Call, ChangeJournal
from app.services.calls import DIAL_JOIN_WINDOW
from app.services.patients import PatientInput, PhoneEntry


@pytest.fixture
def jeanne(workspace):
    return workspace.patients.create(PatientInput(
        birth_name="Martin", first_names="Jeanne", birth_date=date(1980, 5, 2),
        phones=[PhoneEntry("06 12 34 56 78")]))


def _calls(ws) -> list[Call]:
    with ws.store.reader() as s:
        rows = s.execute(select(Call).order_by(Call.started_at)).scalars().all()
        s.expunge_all()
        return rows


def test_the_phone_systems_report_joins_the_dialled_call_and_brings_its_times(
        workspace, jeanne, clock):
    ws = workspace
    dialled = ws.calls.dialled("06 12 34 56 78").call
    assert dialled.external_id is None and dialled.handled_by == ws.user_id
    ws.calls.describe(dialled.id, reason="results", note="Résultats à donner")
    clock.advance(seconds=4)
    t_report = clock.now()
    # The number as the phone system writes it: the same in E.164.
    reported = ws.calls.ringing("+33612345678", line="02 47 00 00 00", call_id="pbx-out-1",
                                direction="out")
    assert reported.joined and reported.call.id == dialled.id
    assert reported.call.external_id == "pbx-out-1" and reported.call.line == "+33247000000"
    assert reported.caller.matches[0].id == jeanne.id
    clock.advance(seconds=9)
    ws.calls.answered("pbx-out-1")
    clock.advance(seconds=61)
    ended = ws.calls.ended("pbx-out-1")
    assert ended.callback is None  # outgoing: never a missed call to call back
    [call] = _calls(ws)
    assert call.id == dialled.id and call.direction == "out"
    # The phone system's times; what the secretary gave stays.
    assert (call.started_at, call.answered_at, call.ended_at) == (
        t_report, t_report + timedelta(seconds=9), t_report + timedelta(seconds=70))
    assert (call.reason, call.note, call.handled_by) == ("results", "Résultats à donner",
                                                         ws.user_id)
    assert (call.caller_kind, call.caller_id) == ("patient", jeanne.id)
    # Through the unit of work: the join is an update in the journal, audited lookups.
    with ws.store.reader() as s:
        ops = s.execute(select(ChangeJournal.op).where(ChangeJournal.entity == "call")
                        .order_by(ChangeJournal.seq)).scalars().all()
        lookups = s.execute(select(AuditEntry).where(AuditEntry.action == "lookup",
                                                     AuditEntry.entity_id == jeanne.id)
                            ).scalars().all()
    assert ops == ["insert", "update", "update", "update", "update"]
    assert len(lookups) == 2  # the dial and the report each read who has the number


def test_a_report_without_an_id_is_named_by_the_dialled_call(workspace, clock):
    ws = workspace
    dialled = ws.calls.dialled("0612345678").call
    clock.advance(seconds=2)
    reported = ws.calls.ringing("0612345678", direction="out")
    assert reported.joined and reported.call.ref == dialled.id
    clock.advance(seconds=5)
    assert ws.calls.ended(reported.call.ref).call.id == dialled.id
    assert len(_calls(ws)) == 1


def test_another_number_later_or_an_incoming_call_is_another_record(workspace, clock):
    ws = workspace
    first = ws.calls.dialled("0612345678").call
    clock.advance(seconds=3)
    other = ws.calls.ringing("0699999999", call_id="o1", direction="out")
    incoming = ws.calls.ringing("0612345678", call_id="i1")
    assert not other.joined and not incoming.joined
    assert len({first.id, other.call.id, incoming.call.id}) == 3
    # After the window: the report is a call of its own.
    late = ws.calls.dialled("0611111111").call
    clock.advance(seconds=DIAL_JOIN_WINDOW.total_seconds() + 1)
    after = ws.calls.ringing("0611111111", call_id="o2", direction="out")
    assert not after.joined and after.call.id != late.id
    assert ws.calls.get(late.id).external_id is None
    assert len(_calls(ws)) == 5


def test_a_dialled_call_is_joined_once_and_never_after_its_end(workspace, clock):
    ws = workspace
    dialled = ws.calls.dialled("0612345678").call
    clock.advance(seconds=2)
    assert ws.calls.ringing("0612345678", call_id="a", direction="out").joined
    clock.advance(seconds=2)
    # A second report of the same number (another line of the PBX): not the same call.
    second = ws.calls.ringing("0612345678", call_id="b", direction="out")
    assert not second.joined and second.call.id != dialled.id
    # A reported call without an id is never taken for a dialled one.
    clock.advance(seconds=2)
    no_id = ws.calls.ringing("0622222222", direction="out")
    assert no_id.call.external_id == no_id.call.id
    clock.advance(seconds=2)
    assert not ws.calls.ringing("0622222222", call_id="c", direction="out").joined
    # A dialled call already ended (its panel closed) is not reopened by a late report.
    ended = ws.calls.dialled("0633333333").call
    clock.advance(seconds=1)
    ws.calls.ended(ended.id)
    clock.advance(seconds=1)
    assert not ws.calls.ringing("0633333333", call_id="d", direction="out").joined
    assert len(_calls(ws)) == 6
