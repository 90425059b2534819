"""Callbacks ("rappels"): the calls the practice owes, their attempts, done or overdue.

A callback comes from a missed call (made by ``CallService.ended``), from a call
("rappeler après 14 h avec les résultats") or from a message. Each attempt is recorded
with its outcome (no answer, message left, reached); reaching the person makes it done.
A callback is overdue when it is not done at its due time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import Clock
from app.i18n import _
from app.models.calls import (
    REASON_TEXT_MAX,
    AttemptOutcome,
    Call,
    Callback,
    CallbackAttempt,
    CallbackSource,
    CallerKind,
)
from app.models.principal import Principal
from app.models.text import clean_name
from app.services import access
from app.services.calls.errors import (
    CallbackClosed,
    InvalidCallDetails,
    UnknownCall,
    UnknownCallback,
)
from app.services.calls.labels import ATTEMPT_CODES
from app.services.calls.numbers import call_number
from app.services.calls.views import CallbackView, callback_view
from app.storage.store import Store


class CallbackService:
    def __init__(self, store: Store, *, actor_id: str, clock: Clock,
                 principal: Principal | None = None) -> None:
        self._store = store
        self._principal = principal
        self._actor_id = actor_id
        self._clock = clock

    def create(self, number: str, *, due_at: datetime, reason: str = "",
               source: str = CallbackSource.CALL.value, caller_kind: str | None = None,
               caller_id: str | None = None, practitioner_id: str | None = None,
               call_id: str | None = None) -> CallbackView:
        """A callback planned from a call (``call_id``: that call is linked to it) or a
        message. The number may be withheld only if the caller is known."""
        access.require_for(self._principal, access.CALLBACKS)
        e164 = call_number(number)
        if source not in (CallbackSource.CALL.value, CallbackSource.MESSAGE.value):
            raise InvalidCallDetails(_("A callback is planned from a call or a message."))
        reason = clean_name(reason or "")
        if len(reason) > REASON_TEXT_MAX:
            raise InvalidCallDetails(_("A callback's reason holds at most {n} characters.")
                                     .format(n=REASON_TEXT_MAX))
        if due_at.tzinfo is None:
            raise ValueError("naive due time")
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            call = None
            if call_id is not None:
                call = s.get(Call, call_id)
                if call is None or call.deleted_at is not None:
                    raise UnknownCall(call_id)
            if caller_kind is None:
                caller_kind = call.caller_kind if call else CallerKind.UNKNOWN.value
                caller_id = call.caller_id if call else None
            if not e164 and caller_id is None:
                raise InvalidCallDetails(_("A callback needs a number to call."))
            callback = Callback(number=e164, caller_kind=caller_kind, caller_id=caller_id,
                                practitioner_id=practitioner_id or (
                                    call.practitioner_id if call else None),
                                source=source, due_at=due_at, reason=reason, missed_calls=0,
                                created_by=self._actor_id)
            s.add(callback)
            s.flush()
            if call is not None:
                call.callback_id = callback.id
            return callback_view(callback)

    def attempt(self, callback_id: str, outcome: str, *,
                call_id: str | None = None) -> CallbackView:
        """One try at calling back; ``reached`` makes the callback done."""
        access.require_for(self._principal, access.CALLBACKS)
        if outcome not in ATTEMPT_CODES:
            raise InvalidCallDetails(_("Unknown callback attempt outcome “{code}”.").format(
                code=clean_name(outcome)[:40]))
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            callback = self._open(s, callback_id)
            s.add(CallbackAttempt(callback_id=callback.id, at=uow.now, outcome=outcome,
                                  by=self._actor_id, call_id=call_id))
            if outcome == AttemptOutcome.REACHED.value:
                callback.done_at, callback.done_by = uow.now, self._actor_id
            s.flush()
            return callback_view(callback, _attempts(s, callback.id))

    def mark_done(self, callback_id: str) -> CallbackView:
        access.require_for(self._principal, access.CALLBACKS)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            callback = self._open(uow.session, callback_id)
            callback.done_at, callback.done_by = uow.now, self._actor_id
            uow.session.flush()
            return callback_view(callback, _attempts(uow.session, callback.id))

    @staticmethod
    def _open(s: Session, callback_id: str) -> Callback:
        callback = s.get(Callback, callback_id)
        if callback is None or callback.deleted_at is not None:
            raise UnknownCallback(callback_id)
        if callback.done_at is not None:
            raise CallbackClosed(callback_id)
        return callback

    def get(self, callback_id: str) -> CallbackView:
        access.require_for(self._principal, access.CALLBACKS)
        with self._store.reader() as s:
            callback = s.get(Callback, callback_id)
            if callback is None or callback.deleted_at is not None:
                raise UnknownCallback(callback_id)
            return callback_view(callback, _attempts(s, callback.id))

    def open_list(self, *, practitioner_id: str | None = None) -> list[CallbackView]:
        """The callbacks not done, the earliest due first (``state(now)`` says which
        are overdue)."""
        access.require_for(self._principal, access.CALLBACKS)
        q = (select(Callback).where(Callback.done_at.is_(None), Callback.deleted_at.is_(None))
             .order_by(Callback.due_at, Callback.id))
        if practitioner_id is not None:
            q = q.where(Callback.practitioner_id == practitioner_id)
        with self._store.reader() as s:
            callbacks = list(s.execute(q).scalars())
            attempts = _attempts_of(s, [c.id for c in callbacks])
            return [callback_view(c, attempts.get(c.id, ())) for c in callbacks]

    def overdue(self, **kwargs) -> list[CallbackView]:
        access.require_for(self._principal, access.CALLBACKS)
        now = self._clock.now()
        return [c for c in self.open_list(**kwargs) if c.overdue(now)]


def _attempts(s: Session, callback_id: str) -> list[CallbackAttempt]:
    return list(s.execute(select(CallbackAttempt).where(
        CallbackAttempt.callback_id == callback_id, CallbackAttempt.deleted_at.is_(None))
        .order_by(CallbackAttempt.at, CallbackAttempt.id)).scalars())


def _attempts_of(s: Session, ids: list[str]) -> dict[str, list[CallbackAttempt]]:
    found: dict[str, list[CallbackAttempt]] = {}
    for start in range(0, len(ids), 500):
        for a in s.execute(select(CallbackAttempt).where(
                CallbackAttempt.callback_id.in_(ids[start:start + 500]),
                CallbackAttempt.deleted_at.is_(None))
                .order_by(CallbackAttempt.at, CallbackAttempt.id)).scalars():
            found.setdefault(a.callback_id, []).append(a)
    return found
