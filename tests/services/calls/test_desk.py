"""The call panel's service on a real encrypted practice: what it shows of a caller,
each action a time-stamped step of the call, closing with an outcome, the urgent
protocol that refuses to close without a referral, and the day's urgent calls."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, Call, CallStep, ChangeJournal
from app.services.agenda.views import BookingInput
from app.services.calls import InvalidCallDetails
from app.services.calls.desk import RedFlag, UrgentCallOpen
from app.services.consignes import ConsigneInput
from app.services.messages import MessageInput
from app.services.patients import PatientInput, PhoneEntry
from tests.agenda_fixtures import MONDAY, build_agenda


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


def _counts(ws):
    with ws.store.reader() as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Call, CallStep, ChangeJournal, AuditEntry))


def test_a_family_phone_lists_each_member_with_alerts_appointments_and_consignes(
        workspace, agenda, clock):
    ws = workspace
    sister = ws.patients.create(PatientInput(
        birth_name="Lefèvre", first_names="Léa", birth_date=date(2015, 4, 3),
        alert="Allergie pénicilline", phones=[PhoneEntry("06 12 34 56 78")])).id
    booked = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY + timedelta(days=2), 9),
                                         None, sister, agenda.consult)).appointment.id
    ws.consignes.save(ConsigneInput(text="Pas de nouveau patient", practitioner_id=agenda.morel))
    ws.call_desk.save_settings(greeting="Cabinet des Tilleuls, bonjour", reason_codes=[
        "appointment", "results", "urgent", "other"], red_flags=[RedFlag("Douleur", "call_15")],
        escalate_after_min=5)
    rang = ws.calls.ringing("+33 6 12 34 56 78", call_id="pbx-9")
    before = _counts(ws)
    ctx = ws.call_desk.context(rang.call.id)
    assert {c.name for c in ctx.patients} == {"LEFÈVRE Jeanne", "LEFÈVRE Léa"}
    lea = next(c for c in ctx.patients if c.id == sister)
    assert lea.birth_date == date(2015, 4, 3) and lea.alert == "Allergie pénicilline"
    assert [e.id for e in lea.upcoming] == [booked]
    assert ctx.chosen is None  # two people: the panel asks which
    assert [c.text for c in ctx.consignes] == ["Pas de nouveau patient"]
    assert ctx.greeting == "Cabinet des Tilleuls, bonjour"
    # Reading two cards is two audited lookups, nothing else written.
    assert _counts(ws)[:3] == before[:3] and _counts(ws)[3] == before[3] + 2
    assert [c for c, _l in ws.call_desk.settings().reason_choices()] == [
        "appointment", "results", "urgent", "other"]


def test_a_call_started_by_hand_is_identified_when_its_number_is_typed(workspace, agenda,
                                                                      clock):
    ws = workspace
    call = ws.call_desk.start()
    assert call.number == "" and call.answered_at == clock.now()
    call = ws.call_desk.set_number(call.id, "0033 6 98 76 54 32")
    assert (call.number, call.caller_kind, call.caller_id) == (
        "+33698765432", "patient", agenda.patients[1])
    with pytest.raises(InvalidCallDetails):  # the reason and outcome first
        ws.call_desk.close(call.id, reason="appointment", outcome="")
    clock.advance(seconds=75)
    appointment = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 11), None,
                                              agenda.patients[1], agenda.consult)).appointment
    ws.call_desk.appointment(call.id, "booked", appointment.id)
    ws.call_desk.transfer(call.id, "Dr Morel")
    closed = ws.call_desk.close(call.id, reason="appointment", outcome="booked",
                                note="Préfère le matin")
    assert closed.ended_at == clock.now() and closed.talk_seconds == 75
    assert (closed.reason, closed.outcome, closed.appointment_id, closed.handled_by,
            closed.practitioner_id) == ("appointment", "booked", appointment.id, ws.user_id,
                                        agenda.morel)
    assert [s.kind for s in ws.call_desk.steps(call.id)] == ["booked", "transferred", "closed"]


def test_an_urgent_call_is_not_closed_without_its_referral(workspace, agenda, clock):
    ws = workspace
    rang = ws.calls.ringing("06 12 34 56 78", call_id="u1")
    ws.calls.answered("u1")
    desk = ws.call_desk
    desk.urgent_start(rang.call.id)
    clock.advance(seconds=20)
    desk.red_flag(rang.call.id, desk.settings().red_flags[0])
    before = _counts(ws)
    with pytest.raises(UrgentCallOpen) as refused:
        desk.close(rang.call.id, reason="urgent", outcome="sent_to_15")
    assert "15" in refused.value.user_message
    assert _counts(ws) == before  # nothing written
    clock.advance(seconds=30)
    desk.referral(rang.call.id, "call_15", "Appelle le 15 maintenant")
    desk.leave_message(rang.call.id, MessageInput(body="Douleur thoracique, orientée 15",
                                                  recipient_id=agenda.morel,
                                                  patient_id=agenda.patients[0],
                                                  priority="urgent"))
    closed = desk.close(rang.call.id, reason="urgent", outcome="sent_to_15")
    assert closed.ended_at is None  # the phone system's "ended" event will say when
    assert closed.practitioner_id == agenda.morel  # whom the urgent message went to
    assert desk.urgent_calls(MONDAY, practitioner_id=agenda.faure) == []
    report = desk.urgent_calls(MONDAY, practitioner_id=agenda.morel)
    assert [r.call.id for r in report] == [rang.call.id]
    assert report[0].caller_name == "LEFÈVRE Jeanne"
    steps = report[0].steps
    assert [s.kind for s in steps] == ["urgent_started", "red_flag", "referral",
                                       "urgent_message", "closed"]
    assert steps[1].at == steps[0].at + timedelta(seconds=20)
    assert steps[2].at == steps[1].at + timedelta(seconds=30)
    # The day report lists the same steps between the call's own, in time order.
    [urgent] = ws.day_reports.build(MONDAY, practitioner_id=agenda.morel).urgent
    kinds = [st.kind for st in urgent.steps]
    assert kinds[:2] == ["rang", "answered"]
    assert kinds[2:] == ["desk:urgent_started", "desk:red_flag", "desk:referral",
                         "desk:urgent_message", "desk:closed"]  # no second "referred"
    assert [st.at for st in urgent.steps] == sorted(st.at for st in urgent.steps)
    # Unread after the practice's delay, the urgent message escalates.
    assert desk.escalations() == []
    clock.advance(minutes=desk.settings().escalate_after_min)
    [late] = desk.escalations()
    assert late.body == "Douleur thoracique, orientée 15"
    ws.messages.mark_read(late.id)
    assert desk.escalations() == []


def test_bad_settings_are_refused_and_write_nothing(workspace):
    ws = workspace
    before = _counts(ws)
    for kwargs in (dict(reason_codes=[]), dict(reason_codes=["nonsense"]),
                   dict(red_flags=[RedFlag("Douleur", "somewhere")]),
                   dict(red_flags=[]), dict(escalate_after_min=0)):
        values = dict(greeting="", reason_codes=["other"], red_flags=[RedFlag("x", "call_15")],
                      escalate_after_min=10) | kwargs
        with pytest.raises(InvalidCallDetails):
            ws.call_desk.save_settings(**values)
    assert _counts(ws) == before
    assert len(ws.call_desk.settings().red_flags) == 8  # the default checklist


def test_a_motif_reserved_for_urgent_calls_is_booked_only_through_the_protocol(workspace,
                                                                              agenda):
    from app.services.agenda.setup import TypeInput
    from app.services.errors import ValidationError

    ws = workspace
    urgent = ws.agenda_setup.save_type(TypeInput("Urgence", 15, urgent_only=True))
    _reserve(ws, agenda, urgent.id)
    assert urgent.urgent_only and [t.urgent_only for t in ws.agenda.types()
                                   if t.id == urgent.id] == [True]
    data = BookingInput(agenda.morel, agenda.at(MONDAY, 12, 15), None, agenda.patients[0],
                        urgent.id)
    before = _counts(ws)
    with pytest.raises(ValidationError) as refused:
        ws.agenda.book(data)
    assert "Urgence" in refused.value.user_message and _counts(ws) == before
    booked = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 12, 15), None,
                                         agenda.patients[0], urgent.id, urgent=True))
    assert booked.appointment.type_id == urgent.id


def _reserve(ws, agenda, urgent_id):
    """Dr Morel keeps 12:00–13:00 for urgent calls, every weekday."""
    from app.services.agenda.setup import HoursRange

    ranges = []
    for wd in range(5):
        ranges += [HoursRange(wd, "08:30", "12:00", frozenset({agenda.consult})),
                   HoursRange(wd, "12:00", "13:00", frozenset({urgent_id})),
                   HoursRange(wd, "14:00", "19:00")]
    ws.agenda_setup.set_hours(agenda.morel, ranges)


def test_a_directory_contact_or_nobody(workspace, agenda):
    from app.services.directory import ContactInput

    ws = workspace
    ws.directory.create(ContactInput(name="Laboratoire Bio Loire", organisation="Biologie",
                                     phone="02 47 60 00 00"))
    ctx = ws.call_desk.preview("+33 2 47 60 00 00")
    assert ctx.patients == () and [c.name for c in ctx.contacts] == ["Laboratoire Bio Loire"]
    nobody = ws.call_desk.preview("07 61 42 58 10")
    assert nobody.patients == () and nobody.contacts == ()
    # Nobody in particular: every practitioner's instructions for today.
    ws.consignes.save(ConsigneInput(text="Pas de visite", practitioner_id=agenda.faure))
    assert [c.text for c in nobody.consignes] == [] and \
        [c.text for c in ws.call_desk.preview("07 61 42 58 10").consignes] == ["Pas de visite"]
