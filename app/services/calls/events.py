"""The call log: the phone system's events, calls logged by hand, and their details.

Events (``ringing``, ``answered``, ``ended``) carry no time: each takes the instant it
is received from the clock, so the times of a call are those of its events. A call is
named by the phone system's call id (``--id``), or by its own id when the phone system
gave none (``ringing`` returns it). An event that does not fit what the call went
through (answered twice, ended twice, answered after the end, a second ringing for a
call still open) is refused, as is an unknown call id or a malformed number: nothing
is written then.

A call that ends without being answered is a missed call (a short hang-up as well).
Unless its number was withheld (nobody to call back), it goes on the callback list:
one callback per number within ``MISSED_CALL_WINDOW`` (a number that rings again while
its missed-call callback is open, within that window of its last missed call, joins
it and adds to its count; later, a new callback is made). Its due time is the missed
call's end plus the practice's target (``CALLBACK_TARGET``). When the number is reached
again (an answered call, either way), its open missed-call callbacks are done.

Who handled a call is the signed-in user (``handled_by``), recorded at the answer.

An outgoing call dialled from Permanence (``dialled``) is recorded as dialling starts.
When the phone system reports an outgoing call too (``ringing`` with ``direction``
"out"), its report joins that record if it is to the same number, within
``DIAL_JOIN_WINDOW`` of the dial, dialled at this installation (not received by sync),
and the record has had no event of the phone system yet: the record then takes the
phone system's call id, line and start, so that its later events (answered, ended)
land on it, and keeps what the secretary gave it (who dialled, the reason, the note).
An outgoing call the phone system reports always carries a call id (its own when none
is given), which tells it from a dialled one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import Clock
from app.i18n import _
from app.models import Appointment, Contact, Patient, Practitioner
from app.models.calls import (
    NOTE_MAX,
    Call,
    Callback,
    CallbackSource,
    CallDirection,
    CallerKind,
)
from app.models.principal import Principal
from app.models.text import clean_name, plain_text
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.services.calls.errors import (
    EventOutOfOrder,
    InvalidCallDetails,
    InvalidCallId,
    UnknownCall,
)
from app.services.calls.identify import Identification, identify_in
from app.services.calls.labels import OUTCOME_CODES, REASON_CODES
from app.services.calls.numbers import WITHHELD, call_number
from app.services.calls.views import CallbackView, CallView, call_view, callback_view
from app.storage.store import Store

MISSED_CALL_WINDOW = timedelta(hours=12)
CALLBACK_TARGET = timedelta(hours=2)
DIAL_JOIN_WINDOW = timedelta(minutes=2)  # a dial and the phone system's report of it
CALL_ID_MAX = 100
_KEEP = object()  # "leave this detail as it is"


@dataclass(frozen=True)
class RingingResult:
    call: CallView
    caller: Identification
    joined: bool = False  # the phone system's report joined a call dialled from here


@dataclass(frozen=True)
class EndedResult:
    call: CallView
    callback: CallbackView | None  # the callback a missed call made or joined
    joined: bool = False  # True if it joined an open one


@dataclass(frozen=True)
class CallInput:
    """A call logged whole (the panel's "Nouvel appel", or an outgoing call dialled)."""

    number: str
    started_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    direction: str = CallDirection.IN.value
    caller_kind: str | None = None  # None: identified from the number
    caller_id: str | None = None
    practitioner_id: str | None = None
    reason: str = ""
    outcome: str = ""
    note: str = ""
    appointment_id: str | None = None


def _check_call_id(call_id: str) -> str:
    text = call_id.strip()
    if not text or len(text) > CALL_ID_MAX or not text.isprintable():
        raise InvalidCallId(call_id)
    return text


class CallService:
    def __init__(self, store: Store, *, actor_id: str, clock: Clock, zone: PracticeTime,
                 callback_target: timedelta = CALLBACK_TARGET,
                 missed_window: timedelta = MISSED_CALL_WINDOW,
                 dial_window: timedelta = DIAL_JOIN_WINDOW,
                 handler: Callable[[], str] | None = None,
                 principal: Principal | None = None) -> None:
        self._store = store
        self._principal = principal
        self._actor_id = actor_id
        self._clock = clock
        self.zone = zone
        self.callback_target = callback_target
        self.missed_window = missed_window
        self.dial_window = dial_window
        # Who handles calls: the one place that will take the signed-in principal.
        self._handler = handler or (lambda: actor_id)

    def handled_by(self) -> str:
        return self._handler()

    # -- the phone system's events ----------------------------------------------------
    def ringing(self, number: str | None, *, line: str | None = None,
                call_id: str | None = None,
                direction: str = CallDirection.IN.value) -> RingingResult:
        """A call starts ringing (``direction`` "out": the phone system dials; its report
        joins the call dialled from here to that number, if there is one)."""
        return self._starts(number, line=line, call_id=call_id, direction=direction,
                            reported=True)

    def dialled(self, number: str) -> RingingResult:
        """Permanence dialled ``number`` (click-to-dial): the outgoing call, started now,
        handled by the signed-in user; the phone system's report of it may join it."""
        return self._starts(number, line=None, call_id=None,
                            direction=CallDirection.OUT.value, reported=False)

    def _starts(self, number: str | None, *, line: str | None, call_id: str | None,
                direction: str, reported: bool) -> RingingResult:
        access.require_for(self._principal, access.CALLS_EVENT)
        e164 = call_number(number)
        line_e164 = call_number(line) if line else ""
        external = _check_call_id(call_id) if call_id is not None else None
        if direction not in (CallDirection.IN.value, CallDirection.OUT.value):
            raise InvalidCallDetails(_("A call is incoming or outgoing."))
        outgoing = direction == CallDirection.OUT.value
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            if external is not None:
                last = self._latest(s, external)
                if last is not None and last.ended_at is None:
                    raise EventOutOfOrder(external, "ringing",
                                          "answered" if last.answered_at else "ringing")
            caller = identify_in(s, e164)
            # Finding who calls reads patients' cards: audited in the call's own commit,
            # by id only (never the number), as the card's other reads are.
            for match in caller.matches:
                if match.kind == CallerKind.PATIENT.value:
                    uow.audit("lookup", Patient.__sync_entity__, match.id)
            dialled = self._dialled(s, e164, uow.now) if reported and outgoing else None
            if dialled is not None:
                # The phone system knows when dialling really started; the secretary's
                # details (who dialled, the caller chosen, the reason) stay.
                dialled.external_id = external or dialled.id
                dialled.started_at = uow.now
                if line_e164:
                    dialled.line = line_e164
                s.flush()
                return RingingResult(call_view(dialled), caller, joined=True)
            call = Call(direction=direction, number=e164, line=line_e164, external_id=external,
                        started_at=uow.now, caller_kind=caller.caller_kind,
                        caller_id=caller.caller_id)
            if outgoing:
                call.handled_by = self.handled_by()
            s.add(call)
            s.flush()
            if reported and outgoing and external is None:
                call.external_id = call.id  # reported: never taken for a dialled call
                s.flush()
            view = call_view(call)
        return RingingResult(view, caller)

    def _dialled(self, s: Session, e164: str, now: datetime) -> Call | None:
        """The latest call dialled from here to ``e164`` within the window that no event
        of the phone system has reached yet. Here: written last by this installation (a
        call a workstation dialled, received by sync, went out through its own phone)."""
        if e164 == WITHHELD:
            return None
        return s.execute(select(Call).where(
            Call.number == e164, Call.origin_node == self._store.node_id,
            Call.started_at >= now - self.dial_window,
            Call.started_at <= now, Call.direction == CallDirection.OUT.value,
            Call.external_id.is_(None), Call.answered_at.is_(None), Call.ended_at.is_(None),
            Call.deleted_at.is_(None))
            .order_by(Call.started_at.desc()).limit(1)).scalar_one_or_none()

    def answered(self, call_ref: str) -> CallView:
        access.require_for(self._principal, access.CALLS_EVENT)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            call = self._open_call(uow.session, call_ref, "answered")
            if call.answered_at is not None:
                raise EventOutOfOrder(call_ref, "answered", "answered")
            call.answered_at = uow.now
            call.handled_by = self.handled_by()
            if call.number:
                self._reached(uow.session, call.number, uow.now)
            uow.session.flush()
            return call_view(call)

    def ended(self, call_ref: str) -> EndedResult:
        access.require_for(self._principal, access.CALLS_EVENT)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            call = self._open_call(s, call_ref, "ended")
            call.ended_at = uow.now
            callback, joined = None, False
            if call.answered_at is None and call.direction == CallDirection.IN.value \
                    and call.number != WITHHELD:
                callback, joined = self._missed(s, call, uow.now)
                call.callback_id = callback.id
            s.flush()
            return EndedResult(call_view(call), callback_view(callback) if callback else None,
                               joined)

    def _latest(self, s: Session, ref: str) -> Call | None:
        return s.execute(select(Call).where(Call.external_id == ref, Call.deleted_at.is_(None))
                         .order_by(Call.started_at.desc()).limit(1)).scalar_one_or_none()

    def _open_call(self, s: Session, call_ref: str, event: str) -> Call:
        ref = _check_call_id(call_ref)
        call = self._latest(s, ref)
        if call is None:
            call = s.get(Call, ref)
            if call is None or call.deleted_at is not None:
                raise UnknownCall(ref)
        if call.ended_at is not None:
            raise EventOutOfOrder(ref, event, "ended")
        if self._clock.now() < call.started_at:
            raise EventOutOfOrder(ref, event, "later")
        return call

    def _missed(self, s: Session, call: Call, now: datetime) -> tuple[Callback, bool]:
        since = now - self.missed_window
        open_one = s.execute(
            select(Callback).where(
                Callback.number == call.number, Callback.done_at.is_(None),
                Callback.deleted_at.is_(None),
                Callback.source == CallbackSource.MISSED_CALL.value,
                Callback.last_missed_at >= since)
            .order_by(Callback.last_missed_at.desc()).limit(1)).scalar_one_or_none()
        if open_one is not None:
            open_one.missed_calls += 1
            open_one.last_missed_at = now
            if call.caller_id and not open_one.caller_id:
                open_one.caller_kind, open_one.caller_id = call.caller_kind, call.caller_id
            return open_one, True
        callback = Callback(number=call.number, caller_kind=call.caller_kind,
                            caller_id=call.caller_id, practitioner_id=call.practitioner_id,
                            source=CallbackSource.MISSED_CALL.value,
                            due_at=now + self.callback_target, missed_calls=1,
                            last_missed_at=now, created_by=self._actor_id)
        s.add(callback)
        s.flush()
        return callback, False

    def _reached(self, s: Session, number: str, at: datetime) -> None:
        """The number is on the line: its open missed-call callbacks are answered."""
        for callback in s.execute(select(Callback).where(
                Callback.number == number, Callback.done_at.is_(None),
                Callback.deleted_at.is_(None),
                Callback.source == CallbackSource.MISSED_CALL.value)).scalars():
            callback.done_at = at
            callback.done_by = self.handled_by()

    # -- a call logged whole, and its details ----------------------------------------------
    def record(self, data: CallInput) -> CallView:
        """Log a whole call in one go (its times as given)."""
        access.require_for(self._principal, access.CALLS_EVENT)
        e164 = call_number(data.number)
        if data.direction not in (CallDirection.IN.value, CallDirection.OUT.value):
            raise InvalidCallDetails(_("A call is incoming or outgoing."))
        times = [t for t in (data.started_at, data.answered_at, data.ended_at) if t is not None]
        if times != sorted(times):
            raise InvalidCallDetails(_("A call is answered after it starts and ends after "
                                       "it is answered."))
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            if data.caller_kind is None:
                caller = identify_in(s, e164)
                kind, caller_id = caller.caller_kind, caller.caller_id
            else:
                kind, caller_id = data.caller_kind, data.caller_id
            values = self._details(s, reason=data.reason, outcome=data.outcome, note=data.note,
                                   practitioner_id=data.practitioner_id, caller_kind=kind,
                                   caller_id=caller_id, appointment_id=data.appointment_id)
            call = Call(direction=data.direction, number=e164, started_at=data.started_at,
                        answered_at=data.answered_at, ended_at=data.ended_at,
                        handled_by=self.handled_by(), **values)
            s.add(call)
            if e164 and data.answered_at is not None:
                self._reached(s, e164, data.answered_at)
            s.flush()
            if call.missed and call.direction == CallDirection.IN.value and e164:
                callback, _joined = self._missed(s, call, data.ended_at)
                call.callback_id = callback.id
            s.flush()
            return call_view(call)

    def describe(self, call_id: str, *, reason=_KEEP, outcome=_KEEP, note=_KEEP,
                 practitioner_id=_KEEP, caller_kind=_KEEP, caller_id=_KEEP,
                 appointment_id=_KEEP, uow=None) -> CallView:
        """Set what the call was about and how it ended (the panel, before closing);
        inside the caller's unit of work if given (the panel closes a call in one commit)."""
        access.require_for(self._principal, access.CALLS_EVENT)
        if uow is None:
            with self._store.unit_of_work(actor_id=self._actor_id) as uow:
                return self.describe(call_id, reason=reason, outcome=outcome, note=note,
                                     practitioner_id=practitioner_id,
                                     caller_kind=caller_kind, caller_id=caller_id,
                                     appointment_id=appointment_id, uow=uow)
        s = uow.session
        call = s.get(Call, call_id)
        if call is None or call.deleted_at is not None:
            raise UnknownCall(call_id)
        current = {"reason": call.reason, "outcome": call.outcome, "note": call.note,
                   "practitioner_id": call.practitioner_id,
                   "caller_kind": call.caller_kind, "caller_id": call.caller_id,
                   "appointment_id": call.appointment_id}
        given = {"reason": reason, "outcome": outcome, "note": note,
                 "practitioner_id": practitioner_id, "caller_kind": caller_kind,
                 "caller_id": caller_id, "appointment_id": appointment_id}
        merged = {k: current[k] if v is _KEEP else v for k, v in given.items()}
        for key, value in self._details(s, **merged).items():
            if getattr(call, key) != value:
                setattr(call, key, value)
        s.flush()
        return call_view(call)

    def _details(self, s: Session, *, reason, outcome, note, practitioner_id, caller_kind,
                 caller_id, appointment_id) -> dict:
        reason, outcome = reason or "", outcome or ""
        if reason not in REASON_CODES:
            raise InvalidCallDetails(_("Unknown call reason “{code}”.").format(
                code=clean_name(reason)[:40]))
        if outcome not in OUTCOME_CODES:
            raise InvalidCallDetails(_("Unknown call outcome “{code}”.").format(
                code=clean_name(outcome)[:40]))
        note = plain_text(note or "").strip()
        if len(note) > NOTE_MAX:
            raise InvalidCallDetails(_("A call note holds at most {n} characters: it is "
                                       "administrative; clinical content belongs in the "
                                       "medical record.").format(n=NOTE_MAX))
        if practitioner_id is not None and not _live(s, Practitioner, practitioner_id):
            raise InvalidCallDetails(_("No practitioner has the id {id}.").format(
                id=clean_name(practitioner_id)[:40]))
        kinds = {CallerKind.PATIENT.value: Patient, CallerKind.CONTACT.value: Contact,
                 CallerKind.UNKNOWN.value: None}
        if caller_kind not in kinds:
            raise InvalidCallDetails(_("A caller is a patient, a directory contact or "
                                       "unknown."))
        model = kinds[caller_kind]
        if caller_id is not None and (model is None or not _live(s, model, caller_id)):
            raise InvalidCallDetails(_("This caller no longer exists."))
        if appointment_id is not None and not _live(s, Appointment, appointment_id):
            raise InvalidCallDetails(_("This appointment no longer exists."))
        return {"reason": reason, "outcome": outcome, "note": note,
                "practitioner_id": practitioner_id, "caller_kind": caller_kind,
                "caller_id": caller_id, "appointment_id": appointment_id}

    # -- reading ------------------------------------------------------------------------
    def get(self, call_id: str) -> CallView:
        access.require_for(self._principal, access.CALLS_LOOKUP)
        with self._store.reader() as s:
            call = s.get(Call, call_id)
            if call is None or call.deleted_at is not None:
                raise UnknownCall(call_id)
            return call_view(call)

    def find(self, call_ref: str) -> CallView:
        """The call the phone system names ``call_ref`` (its latest), or the call of that id."""
        access.require_for(self._principal, access.CALLS_LOOKUP)
        ref = _check_call_id(call_ref)
        with self._store.reader() as s:
            call = self._latest(s, ref) or s.get(Call, ref)
            if call is None or call.deleted_at is not None:
                raise UnknownCall(ref)
            return call_view(call)

    def day_log(self, day: date, *, practitioner_id: str | None = None) -> list[CallView]:
        """The calls that started on the practice-local ``day``, in time order."""
        access.require_for(self._principal, access.CALLS_LOOKUP)
        start, end = self.zone.day_bounds(day)
        # Columns, not ORM objects: a busy day is a few hundred rows, read at each refresh.
        q = (select(*_VIEW_COLUMNS).where(Call.started_at >= start, Call.started_at < end,
                                          Call.deleted_at.is_(None))
             .order_by(Call.started_at, Call.id))
        if practitioner_id is not None:
            q = q.where(Call.practitioner_id == practitioner_id)
        with self._store.reader() as s:
            return [CallView(*row) for row in s.execute(q)]

    def history(self, number: str, *, limit: int = 50) -> list[CallView]:
        """A number's calls, the latest first."""
        access.require_for(self._principal, access.CALLS_LOOKUP)
        e164 = call_number(number)
        if e164 == WITHHELD:
            return []
        with self._store.reader() as s:
            return [call_view(c) for c in s.execute(
                select(Call).where(Call.number == e164, Call.deleted_at.is_(None))
                .order_by(Call.started_at.desc()).limit(limit)).scalars()]


# The columns of a CallView, in its fields' order.
_VIEW_COLUMNS = tuple(getattr(Call, f.name) for f in fields(CallView))


def _live(s: Session, model, row_id: str) -> bool:
    row = s.execute(select(model.deleted_at).where(model.id == row_id)).first()
    return row is not None and row[0] is None
