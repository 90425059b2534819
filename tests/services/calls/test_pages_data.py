"""What the Appels and Statistiques pages and the day report read, against values
computed by hand on the fixed day of ``test_indicators`` (Monday 16 March 2026, Paris
UTC+1: 07:30 UTC is 08:30 at the practice)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.services.access import AccessDenied
from app.services.agenda.views import BookingInput
from app.services.calls import CallInput
from app.services.calls.day_report import (
    ANSWERED,
    ENDED,
    NOTE,
    RANG,
    REFERRED,
    UnknownPractitioner,
)
from app.services.calls.log import IN, OUT, LogCount, LogFilter
from app.services.calls.statistics import heat_map, no_show_rate
from app.models import AppointmentStatus
from tests.services.calls import test_indicators as fixed
from tests.services.calls.test_indicators import DAY, _at, _s

day_of_calls = fixed.day_of_calls  # the fixed day's fixture, shared


def test_the_day_log_page_by_page_and_its_filters(day_of_calls):
    ws, morel = day_of_calls
    log = ws.call_log
    first = log.page(LogFilter(DAY), limit=4)
    rest = log.page(LogFilter(DAY), after=first[-1], limit=100)
    rows = first + rest
    assert len(first) == 4 and len(rows) == 9  # c10 is the next day
    assert [r.started_at for r in rows] == sorted(r.started_at for r in rows)
    assert log.page(LogFilter(DAY), after=rows[-1]) == []
    assert log.count(LogFilter(DAY)) == LogCount(9, 3)
    missed = log.page(LogFilter(DAY, missed_only=True))
    assert [r.ring_seconds for r in missed] == [3, 40, 25]
    assert all(r.missed for r in missed)
    assert log.count(LogFilter(DAY, missed_only=True)).calls == 3
    assert len(log.page(LogFilter(DAY, direction=OUT))) == 2
    assert len(log.page(LogFilter(DAY, direction=IN))) == 7
    mine = log.page(LogFilter(DAY, practitioner_id=morel))
    assert len(mine) == 1 and mine[0].practitioner_name and mine[0].talk_seconds == 120
    assert log.page(LogFilter(DAY + timedelta(days=1)))[0].started_at == _at(8, 0, day=17)


def test_the_callbacks_list_open_first_then_done_that_day(day_of_calls):
    ws, _morel = day_of_calls
    rows = ws.call_log.callbacks(DAY)
    # A (c3) is open; B (c4) was done at the answer of c6.
    assert [(r.number, r.done) for r in rows] == [("+33611111111", False),
                                                  ("+33622222222", True)]
    assert rows[0].due_at == _at(7, 50, 3) + timedelta(hours=2)
    assert rows[0].overdue(_at(12, 0)) and not rows[0].overdue(_at(9, 0))
    ws.callbacks.attempt(rows[0].id, "no_answer")
    ws.callbacks.attempt(rows[0].id, "message_left")
    again = ws.call_log.callbacks(DAY)
    assert [a.outcome for a in again[0].attempts] == ["no_answer", "message_left"]
    # The next day: B, done on the 16th, is no longer listed; A still is (open).
    assert [r.number for r in ws.call_log.callbacks(DAY + timedelta(days=1))] == [
        "+33611111111"]


def test_the_heat_map_places_each_call_in_practice_time(day_of_calls):
    ws, morel = day_of_calls
    heat = heat_map(ws.store, ws.zone, DAY, DAY)
    monday = heat[0]
    assert monday[8] == 3  # c1 08:30, c2 08:40, c3 08:50
    assert monday[9] == 6  # c4 to c9, 09:00 to 09:28
    assert sum(map(sum, heat)) == 9
    both = heat_map(ws.store, ws.zone, DAY, DAY + timedelta(days=1))
    assert both[1][9] == 1  # c10: Tuesday 09:00
    assert sum(map(sum, heat_map(ws.store, ws.zone, DAY, DAY, practitioner_id=morel))) == 1
    # After the clocks change (29 March), 07:30 UTC is 09:30 at the practice.
    ws.calls.record(CallInput(number="0677777777", started_at=_at(7, 30, day=30)))
    after = heat_map(ws.store, ws.zone, date(2026, 3, 30), date(2026, 3, 30))
    assert after[0][9] == 1 and after[0][8] == 0


def test_the_statistics_add_short_hang_ups_and_no_shows(day_of_calls):
    from tests.agenda_fixtures import build_agenda

    ws, _morel = day_of_calls
    ws.clock.set(_at(12, 0))
    got = ws.call_statistics(DAY, DAY)
    assert got.figures["missed"] == 3 and got.short_hang_ups == 1  # c3 under 5 s
    assert got.busiest() == (0, 9, 6)
    assert got.no_show_rate is None  # no appointment yet
    agenda = build_agenda(ws)
    booked = [ws.agenda.book(BookingInput(agenda.morel, agenda.at(DAY, 8, 30) + _s(900 * i),
                                          None, agenda.patients[i % 3], agenda.consult))
              .appointment.id for i in range(4)]
    ws.agenda.set_status(booked[0], AppointmentStatus.NO_SHOW.value)
    ws.agenda.set_status(booked[1], AppointmentStatus.SEEN.value)
    ws.agenda.cancel(booked[2], "patient")
    # Begun and not cancelled: 0, 1, 3 (all before noon); one of them absent.
    assert no_show_rate(ws.store, ws.zone, DAY, DAY, now=_at(12, 0)) == 1 / 3
    assert no_show_rate(ws.store, ws.zone, DAY, DAY, now=_at(7, 40)) == 1.0  # only the first
    assert no_show_rate(ws.store, ws.zone, DAY, DAY, now=_at(12, 0),
                        practitioner_id=agenda.faure) is None


def test_the_day_report_of_the_practice(day_of_calls):
    ws, _morel = day_of_calls
    ws.clock.set(_at(12, 0))
    report = ws.day_reports.build(DAY)
    assert (report.calls, report.answered, report.missed, report.outgoing) == (9, 3, 3, 2)
    assert report.by_reason == (
        ("appointment", {"booked": 1}, 1),
        ("results", {"informed": 1}, 1),
        ("urgent", {"sent_to_15": 1}, 1),
        ("", {"": 5, "no_follow_up": 1}, 6),  # c3, c4, c5, c8, c9; c7
    )
    assert report.outcome_columns == ("booked", "informed", "sent_to_15", "no_follow_up", "")
    assert (report.booked, report.moved, report.cancelled) == (1, 0, 0)
    # B (due 10:00:40) was done at 08:10:20; A (due 09:50:03) is overdue at noon.
    assert [c.number for c in report.callbacks_done] == ["+33622222222"]
    assert [c.number for c in report.callbacks_overdue] == ["+33611111111"]
    assert report.older_overdue == 0
    (urgent,) = report.urgent
    assert [(s.kind, s.at) for s in urgent.steps] == [
        (RANG, _at(8, 10)), (ANSWERED, _at(8, 10, 20)), (REFERRED, _at(8, 10, 50)),
        (ENDED, _at(8, 10, 50))]
    # At 09:00 A is not due yet: nothing overdue.
    ws.clock.set(_at(9, 0))
    assert ws.day_reports.build(DAY).callbacks_overdue == ()
    # The next day: A is an older overdue callback.
    ws.clock.set(_at(12, 0, day=17))
    assert ws.day_reports.build(DAY + timedelta(days=1)).older_overdue == 1


def test_the_day_report_of_one_practitioner_with_phone_bookings_and_messages(day_of_calls):
    from app.services.messages import MessageInput
    from tests.agenda_fixtures import build_agenda

    ws, morel = day_of_calls
    ws.clock.set(_at(10, 0))
    agenda = build_agenda(ws)
    appt = ws.agenda.book(BookingInput(agenda.morel, agenda.at(DAY, 15), None,
                                       agenda.patients[0], agenda.consult)).appointment.id
    other = ws.agenda.book(BookingInput(agenda.morel, agenda.at(DAY, 16), None,
                                        agenda.patients[1], agenda.consult)).appointment.id
    ws.agenda.cancel(other, "patient")
    for aid in (appt, other):
        ws.calls.record(CallInput(number="0688888888", started_at=_at(9, 30),
                                  answered_at=_at(9, 30, 5), ended_at=_at(9, 32),
                                  reason="reschedule", outcome="informed",
                                  practitioner_id=agenda.morel, appointment_id=aid,
                                  note="Déplacé à 16 h"))
    m1 = ws.messages.send(MessageInput(recipient_id=agenda.morel, body="Rappeler Mme Roux",
                                        caller_name="Mme Roux"))
    ws.messages.send(MessageInput(recipient_id=agenda.morel, body="Ordonnance prête",
                                  caller_name="M. Petit"))
    ws.messages.send(MessageInput(recipient_id=None, body="Pour le cabinet",
                                  caller_name="Labo"))
    ws.messages.mark_treated(m1.id)
    report = ws.day_reports.build(DAY, practitioner_id=agenda.morel)
    assert agenda.morel == morel and report.practitioner_name.endswith("Morel")  # c1 + 2
    assert report.calls == 3 and (report.moved, report.cancelled) == (1, 1)
    assert (report.messages_received, report.messages_treated, report.messages_open) == (2, 1, 1)
    assert report.urgent == ()
    whole = ws.day_reports.build(DAY)
    assert whole.messages_received == 3 and whole.messages_open == 2
    with pytest.raises(UnknownPractitioner):
        ws.day_reports.build(DAY, practitioner_id="nobody")


def test_an_urgent_call_note_is_a_step(day_of_calls):
    ws, _morel = day_of_calls
    ws.calls.record(CallInput(number="0699999999", started_at=_at(10, 0),
                              answered_at=_at(10, 0, 4), ended_at=_at(10, 3),
                              reason="urgent", outcome="transferred",
                              note="Douleur thoracique, transféré au Dr"))
    ws.clock.set(_at(12, 0))
    urgent = ws.day_reports.build(DAY).urgent
    assert len(urgent) == 2
    assert urgent[1].steps[-1].kind == NOTE and "thoracique" in urgent[1].steps[-1].detail


def test_the_report_and_the_statistics_need_the_right_to_reports(day_of_calls):
    from app.models.principal import Principal
    from app.services.calls.day_report import DayReportService

    ws, _morel = day_of_calls
    remote = DayReportService(ws.store, zone=ws.zone, clock=ws.clock, actor_id=ws.user_id,
                              principal=Principal("u", "n", "remote-secretary", None))
    with pytest.raises(AccessDenied):
        remote.build(DAY)
