"""Messages for the practitioner: sent, read, treated, with who and when; the inbox, the
archive, the sent view and the unread count; nothing written on bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal, Message, User, kinds
from app.services.errors import ValidationError
from app.services.messages import MessageInput, MessageService
from tests.agenda_fixtures import build_agenda


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


def _count(ws, model) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def test_a_message_is_sent_read_and_treated_with_who_and_when(agenda, clock):
    ws = agenda.ws
    sent = ws.messages.send(MessageInput(
        "Demande un renouvellement d'ordonnance", recipient_id=agenda.morel,
        patient_id=agenda.patients[0], callback_phone="06 11 22 33 44", priority="urgent"),
        call_id="0190a000-0000-7000-8000-000000000001")
    assert (sent.state, sent.urgent, sent.patient_name) == ("new", True, "LEFÈVRE Jeanne")
    assert sent.recipient_name == "Dr Claire Morel" and sent.callback_phone == "06 11 22 33 44"
    assert sent.author_id == ws.user_id and sent.author_name == "Dr Morel"
    assert sent.call_id == "0190a000-0000-7000-8000-000000000001"
    assert ws.messages.unread_count().total == 1
    assert ws.messages.unread_count([agenda.faure]).total == 0
    clock.advance(minutes=10)
    read = ws.messages.mark_read(sent.id)
    assert read.state == "read" and read.read_at == clock.now() and read.read_by_name == "Dr Morel"
    assert ws.messages.unread_count().total == 0
    clock.advance(minutes=5)
    treated = ws.messages.mark_treated(sent.id)
    assert treated.state == "treated" and treated.treated_at == clock.now()
    assert treated.read_at == read.read_at  # the reading is kept
    assert ws.messages.inbox() == [] and [m.id for m in ws.messages.treated()] == [sent.id]
    assert [m.state for m in ws.messages.sent()] == ["treated"]
    with ws.store.reader() as s:
        journal = s.execute(select(ChangeJournal.op).where(ChangeJournal.entity_id == sent.id)
                            .order_by(ChangeJournal.seq)).scalars().all()
        audit = s.execute(select(AuditEntry.action).where(AuditEntry.entity_id == sent.id)
                          .order_by(AuditEntry.seq)).scalars().all()
    assert journal == ["insert", "update", "update"] and audit == ["create", "update", "update"]
    reopened = ws.messages.reopen(sent.id)
    assert reopened.state == "read" and reopened.treated_at is None
    assert [m.id for m in ws.messages.inbox()] == [sent.id]


def test_treating_a_new_message_reads_it_too(agenda):
    ws = agenda.ws
    m = ws.messages.send(MessageInput("Rappeler", caller_name="Laboratoire Bio+"))
    treated = ws.messages.mark_treated(m.id)
    assert treated.read_at is not None and treated.read_by_name == "Dr Morel"
    assert m.recipient_id is None and m.recipient_name == ""  # to the practice


def test_the_inbox_is_urgent_first_then_new_then_oldest(agenda, clock):
    ws = agenda.ws
    old = ws.messages.send(MessageInput("ancien", recipient_id=agenda.morel, caller_name="A"))
    clock.advance(minutes=1)
    read = ws.messages.send(MessageInput("lu", recipient_id=agenda.morel, caller_name="B"))
    ws.messages.mark_read(read.id)
    clock.advance(minutes=1)
    urgent = ws.messages.send(MessageInput("urgent", recipient_id=agenda.morel, caller_name="C",
                                           priority="urgent"))
    clock.advance(minutes=1)
    practice = ws.messages.send(MessageInput("cabinet", caller_name="D"))
    other = ws.messages.send(MessageInput("Faure", recipient_id=agenda.faure, caller_name="E"))
    assert [m.id for m in ws.messages.inbox([agenda.morel])] == [urgent.id, old.id, read.id]
    assert [m.id for m in ws.messages.inbox([agenda.morel, None])] == [
        urgent.id, old.id, practice.id, read.id]
    assert len(ws.messages.inbox()) == 5 and other in ws.messages.inbox([agenda.faure])
    count = ws.messages.unread_count([agenda.morel, None])
    assert (count.total, count.urgent) == (3, 1)


def test_a_callers_number_is_validated_and_stored_in_e164(agenda):
    ws = agenda.ws
    m = ws.messages.send(MessageInput("Résultats prêts", caller_name="Labo",
                                      caller_phone="+33 2 47 00 11 22"))
    assert m.caller_phone == "02 47 00 11 22" and m.callback_phone == "02 47 00 11 22"
    with ws.store.reader() as s:
        assert s.get(Message, m.id).caller_phone == "+33247001122"
    assert [x.id for x in ws.messages.open_for_caller(phone="+33247001122")] == [m.id]
    assert ws.messages.open_for_caller(phone="+33600000000") == []


@pytest.mark.parametrize("data, field", [
    (MessageInput("  ", caller_name="X"), "body"),
    (MessageInput("texte", caller_phone="12"), "caller_phone"),
    (MessageInput("texte", caller_name="X", callback_phone="abc"), "callback_phone"),
    (MessageInput("texte"), "caller"),
    (MessageInput("texte", caller_name="X", priority="high"), "priority"),
    (MessageInput("texte", caller_name="X", recipient_id="nobody"), "recipient"),
    (MessageInput("x" * 2001, caller_name="X"), "body"),
])
def test_bad_input_is_refused_and_writes_nothing(agenda, data, field):
    ws = agenda.ws
    before = (_count(ws, Message), _count(ws, ChangeJournal))
    with pytest.raises(ValidationError) as info:
        ws.messages.send(data)
    assert field in info.value.errors
    assert info.value.user_message  # in the user's language
    assert (_count(ws, Message), _count(ws, ChangeJournal)) == before


def test_a_message_is_sent_inside_the_callers_unit_of_work(agenda):
    """The call panel writes its call and the message together: a failure after the
    message rolls both back."""
    ws = agenda.ws
    with pytest.raises(RuntimeError):
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            ws.messages.send(MessageInput("texte", caller_name="X"), uow=uow)
            raise RuntimeError("the call could not be written")
    assert _count(ws, Message) == 0


def test_the_sent_view_is_the_authors_own(agenda):
    ws = agenda.ws
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        other = User(display_name="Sophie (secrétaire)", role="secretary")
        uow.session.add(other)
    mine = ws.messages.send(MessageInput("de moi", caller_name="X"))
    theirs = MessageService(ws.store, actor_id=other.id, clock=ws.clock).send(
        MessageInput("d'elle", caller_name="Y", recipient_id=agenda.morel))
    assert [m.id for m in ws.messages.sent()] == [mine.id]
    assert theirs.author_name == "Sophie (secrétaire)"
    read = ws.messages.mark_read(theirs.id)
    assert read.read_by_name == "Dr Morel"
    assert [m.state for m in ws.messages.sent(author_id=other.id)] == ["read"]


def test_messages_are_a_kind_of_their_own(agenda):
    ws = agenda.ws
    changes = []
    ws.store.subscribe(changes.append)
    m = ws.messages.send(MessageInput("texte", caller_name="X"))
    ws.messages.mark_read(m.id)
    assert changes[0].of(kinds.MESSAGE).inserted == {m.id}
    assert changes[1].of(kinds.MESSAGE).updated == {m.id}
