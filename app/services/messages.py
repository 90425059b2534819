"""Messages for the practitioner: left by a secretary (on a call or on her own), read and
treated by the practitioner.

A message goes to a practitioner or to the practice (``recipient_id`` None), is about a
patient or a caller (a name and/or a number), has a priority (normal, urgent), a text
and a number to call back. States: new → read → treated, each step with who and when;
``reopen`` takes a treated message back to read (a key pressed by mistake). Nothing is
deleted: treated messages are the archive. Every write goes through the unit of work;
``send`` takes the caller's unit of work, so the call panel records the call and its
message together, and an optional ``call_id`` links them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from app.clock import Clock
from app.i18n import _, pgettext
from app.models import Message, MessagePriority, MessageState, Patient, Practitioner, User
from app.models.patient import patient_display_name
from app.models.principal import Principal
from app.models.text import clean_name, plain_text
from app.services import access
from app.services.errors import NotFound, ValidationError
from app.services.phones import InvalidPhone, display_phone, parse_phone
from app.storage.store import Store

MAX_BODY = 2000
ARCHIVE_LIMIT = 500  # the treated list shows the newest ones
OPEN_STATES = (MessageState.NEW.value, MessageState.READ.value)


def priority_labels() -> dict[str, str]:
    return {MessagePriority.NORMAL.value: pgettext("priority", "Normal"),
            MessagePriority.URGENT.value: pgettext("priority", "Urgent")}


def state_labels() -> dict[str, str]:
    return {MessageState.NEW.value: _("New"), MessageState.READ.value: _("Read"),
            MessageState.TREATED.value: _("Treated")}


@dataclass(frozen=True)
class MessageInput:
    body: str
    recipient_id: str | None = None  # None: the practice
    patient_id: str | None = None
    caller_name: str = ""
    caller_phone: str = ""  # as typed
    callback_phone: str = ""  # as typed; empty: the caller's number
    priority: str = MessagePriority.NORMAL.value


@dataclass(frozen=True)
class MessageView:
    id: str
    recipient_id: str | None
    recipient_name: str  # "" for the practice
    patient_id: str | None
    patient_name: str
    caller_name: str
    caller_phone: str  # for display
    callback_phone: str  # for display
    priority: str
    body: str
    state: str
    author_id: str
    author_name: str
    created_at: datetime
    read_at: datetime | None
    read_by_name: str
    treated_at: datetime | None
    treated_by_name: str
    call_id: str | None
    version: int

    @property
    def urgent(self) -> bool:
        return self.priority == MessagePriority.URGENT.value

    @property
    def about(self) -> str:
        """Whom it is about: the patient, else the caller's name and number."""
        if self.patient_name:
            return self.patient_name
        return " · ".join(p for p in (self.caller_name, self.caller_phone) if p)


@dataclass(frozen=True)
class UnreadCount:
    total: int
    urgent: int


_AUTHOR, _READER, _TREATER = aliased(User), aliased(User), aliased(User)


def _query():
    return (select(Message, Practitioner.title, Practitioner.first_name, Practitioner.last_name,
                   Patient.birth_name, Patient.used_name, Patient.first_names,
                   _AUTHOR.display_name, _READER.display_name, _TREATER.display_name)
            .join(Practitioner, Practitioner.id == Message.recipient_id, isouter=True)
            .join(Patient, Patient.id == Message.patient_id, isouter=True)
            .join(_AUTHOR, _AUTHOR.id == Message.author_id, isouter=True)
            .join(_READER, _READER.id == Message.read_by, isouter=True)
            .join(_TREATER, _TREATER.id == Message.treated_by, isouter=True)
            .where(Message.deleted_at.is_(None)))


def _view(row) -> MessageView:
    m, title, first, last, birth, used, firsts, author, reader, treater = row
    recipient = " ".join(p for p in (title, first, last) if p) if m.recipient_id else ""
    patient = patient_display_name(birth, used or "", firsts or "") if birth else ""
    return MessageView(
        m.id, m.recipient_id, recipient, m.patient_id, patient, m.caller_name,
        display_phone(m.caller_phone) if m.caller_phone else "",
        display_phone(m.callback_phone) if m.callback_phone else "", m.priority, m.body,
        m.state, m.author_id, author or "", m.created_at, m.read_at, reader or "",
        m.treated_at, treater or "", m.call_id, m.version)


def _for(recipients: Iterable[str | None] | None):
    """A filter on the recipients (None in the list: the practice); None: everyone."""
    if recipients is None:
        return true()
    wanted = list(recipients)
    ids = [r for r in wanted if r is not None]
    clauses = []
    if ids:
        clauses.append(Message.recipient_id.in_(ids))
    if None in wanted:
        clauses.append(Message.recipient_id.is_(None))
    return or_(*clauses) if clauses else false()


class MessageService:
    def __init__(self, store: Store, *, actor_id: str, clock: Clock,
                 principal: Principal | None = None) -> None:
        self._store = store
        self._principal = principal
        self._actor = actor_id
        self._clock = clock

    # -- writing ---------------------------------------------------------------------------
    def send(self, data: MessageInput, *, call_id: str | None = None, uow=None) -> MessageView:
        """Leave a message; inside the caller's unit of work if given (a call and its
        message are written together). ValidationError: nothing written."""
        access.require_for(self._principal, access.MESSAGES)
        if uow is None:
            with self._store.unit_of_work(actor_id=self._actor) as uow:
                return self.send(data, call_id=call_id, uow=uow)
        s = uow.session
        errors: dict[str, str] = {}
        body = plain_text(data.body).strip()
        if not body:
            errors["body"] = _("Write the message.")
        elif len(body) > MAX_BODY:
            errors["body"] = _("The message is too long ({n} characters at most).").format(
                n=MAX_BODY)
        if data.priority not in priority_labels():
            errors["priority"] = _("Choose the priority.")
        if data.recipient_id is not None:
            p = s.get(Practitioner, data.recipient_id)
            if p is None or p.deleted_at is not None:
                errors["recipient"] = _("Choose a practitioner.")
        if data.patient_id is not None:
            patient = s.get(Patient, data.patient_id)
            if patient is None or patient.deleted_at is not None:
                errors["patient"] = _("This patient card no longer exists.")
        caller = clean_name(data.caller_name)[:200]
        caller_phone = self._phone(data.caller_phone, "caller_phone", errors)
        callback = self._phone(data.callback_phone, "callback_phone", errors) or caller_phone
        if data.patient_id is None and not caller and not data.caller_phone.strip():
            errors.setdefault("caller", _("Say whom the message is about: a patient, or the "
                                          "caller's name or number."))
        if errors:
            raise ValidationError(errors)
        message = Message(recipient_id=data.recipient_id, patient_id=data.patient_id,
                          caller_name=caller, caller_phone=caller_phone, callback_phone=callback,
                          priority=data.priority, body=body, call_id=call_id,
                          author_id=self._actor, state=MessageState.NEW.value)
        s.add(message)
        s.flush()
        return self._read(s, message.id)

    @staticmethod
    def _phone(raw: str, field: str, errors: dict[str, str]) -> str:
        if not raw.strip():
            return ""
        try:
            return parse_phone(raw).e164
        except InvalidPhone as exc:
            errors[field] = exc.user_message
            return ""

    def mark_read(self, message_id: str) -> MessageView:
        """New → read (who, when); a message already read or treated is left as it is."""
        access.require_for(self._principal, access.MESSAGES)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            m = self._message(uow.session, message_id)
            if m.state == MessageState.NEW.value:
                m.state = MessageState.READ.value
                m.read_at, m.read_by = uow.now, self._actor
                uow.session.flush()
            return self._read(uow.session, message_id)

    def mark_treated(self, message_id: str) -> MessageView:
        """→ treated (who, when); a new message counts as read by the same hand."""
        access.require_for(self._principal, access.MESSAGES)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            m = self._message(uow.session, message_id)
            if m.state != MessageState.TREATED.value:
                if m.read_at is None:
                    m.read_at, m.read_by = uow.now, self._actor
                m.state = MessageState.TREATED.value
                m.treated_at, m.treated_by = uow.now, self._actor
                uow.session.flush()
            return self._read(uow.session, message_id)

    def reopen(self, message_id: str) -> MessageView:
        """Treated → read again: back in the inbox (the treating is cleared)."""
        access.require_for(self._principal, access.MESSAGES)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            m = self._message(uow.session, message_id)
            if m.state == MessageState.TREATED.value:
                m.state = MessageState.READ.value
                m.treated_at = m.treated_by = None
                uow.session.flush()
            return self._read(uow.session, message_id)

    # -- reading ---------------------------------------------------------------------------
    def get(self, message_id: str) -> MessageView:
        access.require_for(self._principal, access.MESSAGES)
        with self._store.reader() as s:
            return self._read(s, message_id)

    def inbox(self, recipients: Iterable[str | None] | None = None) -> list[MessageView]:
        """Messages not yet treated (to these recipients; None: everyone): urgent ones
        first, then new before read, then the oldest first."""
        access.require_for(self._principal, access.MESSAGES)
        with self._store.reader() as s:
            rows = s.execute(_query().where(Message.state.in_(OPEN_STATES), _for(recipients))
                             .order_by((Message.priority == MessagePriority.URGENT.value).desc(),
                                       (Message.state == MessageState.NEW.value).desc(),
                                       Message.created_at, Message.id))
            return [_view(r) for r in rows]

    def treated(self, recipients: Iterable[str | None] | None = None, *,
                limit: int = ARCHIVE_LIMIT) -> list[MessageView]:
        """The archive: treated messages, the most recently treated first."""
        access.require_for(self._principal, access.MESSAGES)
        with self._store.reader() as s:
            rows = s.execute(_query().where(Message.state == MessageState.TREATED.value,
                                            _for(recipients))
                             .order_by(Message.treated_at.desc(), Message.id.desc()).limit(limit))
            return [_view(r) for r in rows]

    def sent(self, *, author_id: str | None = None, limit: int = ARCHIVE_LIMIT
             ) -> list[MessageView]:
        """What this user (or ``author_id``) sent, newest first, with where each stands."""
        access.require_for(self._principal, access.MESSAGES)
        with self._store.reader() as s:
            rows = s.execute(_query().where(Message.author_id == (author_id or self._actor))
                             .order_by(Message.created_at.desc(), Message.id.desc())
                             .limit(limit))
            return [_view(r) for r in rows]

    def unread_count(self, recipients: Iterable[str | None] | None = None) -> UnreadCount:
        """How many new (unread) messages, and how many of them urgent."""
        access.require_for(self._principal, access.MESSAGES)
        with self._store.reader() as s:
            total, urgent = s.execute(
                select(func.count(), func.count().filter(
                    Message.priority == MessagePriority.URGENT.value))
                .select_from(Message)
                .where(Message.state == MessageState.NEW.value, Message.deleted_at.is_(None),
                       _for(recipients))).one()
            return UnreadCount(total, urgent)

    def open_for_caller(self, *, patient_ids: Iterable[str] = (), phone: str = ""
                        ) -> list[MessageView]:
        """Messages not yet treated about these patients or from this number (E.164), for
        the call panel: oldest first."""
        access.require_for(self._principal, access.MESSAGES)
        ids = list(patient_ids)
        clauses = []
        if ids:
            clauses.append(Message.patient_id.in_(ids))
        if phone:
            clauses.append(or_(Message.caller_phone == phone, Message.callback_phone == phone))
        if not clauses:
            return []
        with self._store.reader() as s:
            rows = s.execute(_query().where(and_(Message.state.in_(OPEN_STATES), or_(*clauses)))
                             .order_by(Message.created_at, Message.id))
            return [_view(r) for r in rows]

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _read(s: Session, message_id: str) -> MessageView:
        row = s.execute(_query().where(Message.id == message_id)).first()
        if row is None:
            raise NotFound(message_id)
        return _view(row)

    @staticmethod
    def _message(s: Session, message_id: str) -> Message:
        m = s.get(Message, message_id)
        if m is None or m.deleted_at is not None:
            raise NotFound(message_id)
        return m
