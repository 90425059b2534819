"""The call panel's service: everything about a call in progress, and what is done on it.

``context`` gathers what the secretary needs while the caller waits: who calls (each
member of a shared family phone, a directory contact, or nobody), each patient's alert,
next and last appointments, no-shows and call-window preference, the open messages and
callbacks for this caller, today's consignes of the practitioners concerned and the
practice's greeting line. Reading the patients' cards is audited, by id.

Each action taken on the panel is a time-stamped ``CallStep`` of the call (a booking, a
move, a cancellation, a message, a callback, a transfer and to whom, the urgent
protocol's red flags, referral and urgent message). A call is closed by choosing its
reason and outcome; an urgent call (the protocol opened, or the reason "urgent") is
not closed without a referral. ``urgent_calls`` is what the day's report lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.clock import Clock
from app.i18n import _
from app.models import Appointment, Callback, Message, MessagePriority, MessageState, Patient, Practice
from app.models.call_desk import (
    GREETING_MAX, STEP_DETAIL_MAX, CallSettings, CallStep, StepKind, UrgentAction,
)
from app.models.calls import NOTE_MAX, Call, CallerKind, CallOutcome, CallReason
from app.models.patient import patient_display_name
from app.models.principal import Principal
from app.models.text import clean_name
from app.services import access
from app.services.agenda.day_queries import DayEntry, PatientAgenda
from app.services.agenda.zone import PracticeTime
from app.services.calls.callbacks import CallbackService
from app.services.calls.errors import CallRefused, InvalidCallDetails, UnknownCall
from app.services.calls.events import CallInput, CallService
from app.services.calls.identify import CallerMatch, Identification, identify_in
from app.services.calls.labels import outcomes, reasons
from app.services.calls.numbers import WITHHELD, call_number
from app.services.calls.views import CallbackView, CallView, call_view, callback_view
from app.services.consignes import ConsigneService, ConsigneView
from app.services.messages import MessageInput, MessageService, MessageView
from app.storage.store import Store

EMERGENCY_NUMBER = "15"  # the SAMU; 112 works too, the 15 is what French guidance says
ESCALATE_MIN, ESCALATE_MAX = 1, 120
MAX_RED_FLAGS = 30
RED_FLAG_MAX = 120
URGENT_KINDS = (StepKind.URGENT_STARTED.value, StepKind.RED_FLAG.value,
                StepKind.REFERRAL.value, StepKind.URGENT_MESSAGE.value)


class UrgentCallOpen(CallRefused):
    """An urgent call closed before its referral was recorded."""

    code = "urgent_call_open"

    @property
    def user_message(self) -> str:
        return _("An urgent call is closed only once its referral is recorded (the 15, a "
                 "transfer to the practitioner or a same-day slot); nothing was recorded.")


@dataclass(frozen=True)
class RedFlag:
    label: str
    action: str  # UrgentAction


def action_labels() -> dict[str, str]:
    return {UrgentAction.CALL_15.value: _("Refer to the 15"),
            UrgentAction.TRANSFER.value: _("Transfer to the practitioner"),
            UrgentAction.SAME_DAY.value: _("Same-day urgent slot")}


def default_red_flags() -> tuple[RedFlag, ...]:
    call_15, transfer, same_day = (a.value for a in UrgentAction)
    return (
        RedFlag(_("Chest pain"), call_15),
        RedFlag(_("Breathing difficulty"), call_15),
        RedFlag(_("Signs of stroke (face, arm, speech)"), call_15),
        RedFlag(_("Loss of consciousness"), call_15),
        RedFlag(_("Heavy bleeding"), call_15),
        RedFlag(_("Suicidal thoughts"), transfer),
        RedFlag(_("Infant under 3 months with fever"), transfer),
        RedFlag(_("High fever, worsening"), same_day),
    )


@dataclass(frozen=True)
class CallSettingsView:
    greeting: str
    reasons: tuple[str, ...]  # codes, in the order offered
    red_flags: tuple[RedFlag, ...]
    escalate_after_min: int

    def reason_choices(self) -> list[tuple[str, str]]:
        labels = dict(reasons())
        return [(code, labels[code]) for code in self.reasons if code in labels]


@dataclass(frozen=True)
class CallerCard:
    """A patient who has the caller's number, as the panel shows them."""
    id: str
    name: str
    birth_date: date | None
    alert: str
    call_not_before: time | None
    call_not_after: time | None
    upcoming: tuple[DayEntry, ...]
    last: DayEntry | None
    no_shows: int


@dataclass(frozen=True)
class StepView:
    id: str
    at: datetime
    kind: str
    ref: str
    detail: str
    by: str | None


@dataclass(frozen=True)
class PanelContext:
    call: CallView
    identification: Identification
    patients: tuple[CallerCard, ...]
    contacts: tuple[CallerMatch, ...]
    messages: tuple[MessageView, ...]
    callbacks: tuple[CallbackView, ...]
    consignes: tuple[ConsigneView, ...]
    greeting: str
    steps: tuple[StepView, ...]

    @property
    def urgent(self) -> bool:
        return (self.call.reason == CallReason.URGENT.value
                or any(s.kind in URGENT_KINDS for s in self.steps))

    @property
    def referred(self) -> bool:
        return any(s.kind == StepKind.REFERRAL.value for s in self.steps)

    @property
    def chosen(self) -> CallerCard | None:
        """The patient the call is about: the one chosen, or the only one."""
        for card in self.patients:
            if card.id == self.call.caller_id:
                return card
        return self.patients[0] if len(self.patients) == 1 else None


@dataclass(frozen=True)
class UrgentCallReport:
    call: CallView
    caller_name: str
    steps: tuple[StepView, ...]


def _step_view(s: CallStep) -> StepView:
    return StepView(s.id, s.at, s.kind, s.ref, s.detail, s.by)


class CallDesk:
    def __init__(self, store: Store, *, calls: CallService, messages: MessageService,
                 callbacks: CallbackService, consignes: ConsigneService,
                 patient_agenda: Callable[[str], PatientAgenda], actor_id: str, clock: Clock,
                 zone: PracticeTime, principal: Principal | None = None) -> None:
        self._store = store
        self._calls = calls
        self._messages = messages
        self._callbacks = callbacks
        self._consignes = consignes
        self._patient_agenda = patient_agenda
        self._actor = actor_id
        self._clock = clock
        self.zone = zone
        self._principal = principal

    def _require(self, *actions: str) -> None:
        for action in actions:
            access.require_for(self._principal, action)

    def now(self) -> datetime:
        return self._clock.now()

    # -- the practice's call settings --------------------------------------------------
    def settings(self) -> CallSettingsView:
        with self._store.reader() as s:
            row = _settings_row(s)
        default_reasons = tuple(code for code, _label in reasons())
        if row is None:
            return CallSettingsView("", default_reasons, default_red_flags(), 10)
        chosen = tuple(c for c in json.loads(row.reasons) if c in default_reasons) \
            if row.reasons else default_reasons
        flags = tuple(RedFlag(f["label"], f["action"]) for f in json.loads(row.red_flags)) \
            if row.red_flags else default_red_flags()
        return CallSettingsView(row.greeting, chosen or default_reasons, flags,
                                row.escalate_after_min)

    def save_settings(self, *, greeting: str, reason_codes: Iterable[str],
                      red_flags: Iterable[RedFlag], escalate_after_min: int
                      ) -> CallSettingsView:
        """The owner's settings of the panel (Réglages). Bad input: nothing written."""
        self._require(access.SETTINGS)
        greeting = clean_name(greeting)
        if len(greeting) > GREETING_MAX:
            raise InvalidCallDetails(_("The greeting line holds at most {n} characters.")
                                     .format(n=GREETING_MAX))
        known = {code for code, _label in reasons()}
        codes = list(dict.fromkeys(reason_codes))
        if not codes or any(c not in known for c in codes):
            raise InvalidCallDetails(_("Choose at least one reason among those of the list."))
        flags = []
        for flag in red_flags:
            text = clean_name(flag.label)
            if not text:
                continue
            if len(text) > RED_FLAG_MAX or flag.action not in action_labels():
                raise InvalidCallDetails(_("A red flag is a short text (at most {n} "
                                           "characters) with one of the actions.")
                                         .format(n=RED_FLAG_MAX))
            flags.append({"label": text, "action": flag.action})
        if not flags or len(flags) > MAX_RED_FLAGS:
            raise InvalidCallDetails(_("The urgent protocol needs 1 to {n} red flags.")
                                     .format(n=MAX_RED_FLAGS))
        if not ESCALATE_MIN <= escalate_after_min <= ESCALATE_MAX:
            raise InvalidCallDetails(_("An unread urgent message escalates after 1 to {n} "
                                       "minutes.").format(n=ESCALATE_MAX))
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            row = _settings_row(uow.session)
            if row is None:
                row = CallSettings()
                uow.session.add(row)
            values = {"greeting": greeting, "reasons": json.dumps(codes),
                      "red_flags": json.dumps(flags, ensure_ascii=False),
                      "escalate_after_min": escalate_after_min}
            for key, value in values.items():
                if getattr(row, key, None) != value:
                    setattr(row, key, value)
        return self.settings()

    # -- starting a call ---------------------------------------------------------------
    def start(self, number: str | None = None) -> CallView:
        """"Nouvel appel" (F2): an incoming call answered now; the number may come later."""
        self._require(access.CALLS_EVENT, access.PATIENTS_READ)
        now = self._clock.now()
        return self._calls.record(CallInput(number or "", started_at=now, answered_at=now))

    def set_number(self, call_id: str, number: str) -> CallView:
        """The caller's number, typed on the panel of a call started by hand: the caller
        is identified again from it."""
        self._require(access.CALLS_EVENT, access.PATIENTS_READ)
        e164 = call_number(number)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            call = _call(uow.session, call_id)
            if call.external_id is not None:
                raise InvalidCallDetails(_("The phone system gave this call's number; it "
                                           "cannot be changed."))
            caller = identify_in(uow.session, e164)
            if call.number != e164:
                call.number = e164
            if (call.caller_kind, call.caller_id) != (caller.caller_kind, caller.caller_id):
                call.caller_kind, call.caller_id = caller.caller_kind, caller.caller_id
            uow.session.flush()
            return call_view(call)

    def choose_caller(self, call_id: str, kind: str, caller_id: str | None) -> CallView:
        """Which member of a shared number calls (or a patient found by name)."""
        self._require(access.PATIENTS_READ)
        return self._calls.describe(call_id, caller_kind=kind, caller_id=caller_id)

    # -- what the panel shows ----------------------------------------------------------
    def context(self, call_id: str, *, audited: Iterable[str] = ()) -> PanelContext:
        """The panel's view of the call; the cards read are audited, but for those in
        ``audited`` (already read for this call: the panel reads again as things change)."""
        self._require(access.CALLS_LOOKUP, access.PATIENTS_READ)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            view = call_view(_call(uow.session, call_id))
            read = self._read_caller(uow, view, frozenset(audited))
        return self._assemble(view, *read)

    def preview(self, number: str) -> PanelContext:
        """What the panel would show for a call from ``number`` now, without recording a
        call (the screenshots of the panel); the patients' cards read are audited."""
        self._require(access.CALLS_LOOKUP, access.PATIENTS_READ)
        e164 = call_number(number)
        now = self._clock.now()
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            ident = identify_in(uow.session, e164)
            view = CallView("", None, "in", e164, "", now, now, None, ident.caller_kind,
                            ident.caller_id, None, "", "", "", self._calls.handled_by(), None,
                            None, 0)
            read = self._read_caller(uow, view, frozenset())
        return self._assemble(view, *read)

    def _read_caller(self, uow, call: CallView, audited: frozenset[str]) -> tuple:
        """Inside the unit of work: who has the number, their cards (audited), the
        call's steps, the open callbacks and the greeting."""
        s = uow.session
        ident = identify_in(s, call.number)
        matches = list(ident.matches)
        if (call.caller_kind == CallerKind.PATIENT.value and call.caller_id
                and all(m.id != call.caller_id for m in matches)):
            matches.insert(0, _patient_match(s, call.caller_id))  # found by name
        ident = Identification(ident.number, tuple(m for m in matches if m is not None))
        patient_ids = [m.id for m in ident.matches if m.kind == CallerKind.PATIENT.value]
        rows = {p.id: p for p in s.execute(
            select(Patient).where(Patient.id.in_(patient_ids))).scalars()}
        for pid in patient_ids:
            if pid not in audited:
                uow.audit("lookup", Patient.__sync_entity__, pid)
        steps = tuple(_step_view(x) for x in s.execute(
            select(CallStep).where(CallStep.call_id == call.id,
                                   CallStep.deleted_at.is_(None))
            .order_by(CallStep.at, CallStep.id)).scalars())
        callbacks = _open_callbacks(s, call.number, patient_ids)
        greeting = self._greeting(s)
        return ident, patient_ids, rows, steps, callbacks, greeting

    def _assemble(self, view: CallView, ident: Identification, patient_ids: list[str],
                  rows: dict, steps: tuple, callbacks: tuple, greeting: str) -> PanelContext:
        cards = []
        practitioners: set[str | None] = {view.practitioner_id} if view.practitioner_id else set()
        for pid in patient_ids:
            agenda = self._patient_agenda(pid)
            p = rows[pid]
            cards.append(CallerCard(pid, patient_display_name(p.birth_name, p.used_name,
                                                              p.first_names),
                                    p.birth_date, p.alert, p.call_not_before,
                                    p.call_not_after, agenda.upcoming[:2],
                                    agenda.past[0] if agenda.past else None, agenda.no_shows))
            practitioners.update(e.practitioner_id for e in agenda.upcoming[:1])
            if agenda.past:
                practitioners.add(agenda.past[0].practitioner_id)
        messages: tuple[MessageView, ...] = ()
        if self._principal is None or access.allowed(self._principal, access.MESSAGES):
            messages = tuple(self._messages.open_for_caller(
                patient_ids=patient_ids, phone=view.number))
        consignes = self._consignes_for(practitioners)
        return PanelContext(view, ident, tuple(cards),
                            tuple(m for m in ident.matches if m.kind == CallerKind.CONTACT.value),
                            messages, callbacks, consignes, greeting, steps)

    def _consignes_for(self, practitioners: set[str | None]) -> tuple[ConsigneView, ...]:
        """Today's consignes of the practice and of the practitioners concerned (all of
        them when nobody is yet: an unknown caller may ask for anyone)."""
        wanted = [p for p in practitioners if p] or [None]
        seen: dict[str, ConsigneView] = {}
        for pid in wanted:
            for c in self._consignes.for_day(pid):
                seen.setdefault(c.id, c)
        if wanted == [None]:
            for c in self._consignes.all():
                if c.applies_on(self._consignes.today()):
                    seen.setdefault(c.id, c)
        return tuple(sorted(seen.values(), key=lambda c: (not c.important,
                                                          c.practitioner_id is not None)))

    def _greeting(self, s: Session) -> str:
        """The owner's line, or the practice's name with a greeting until one is set."""
        row = _settings_row(s)
        if row is not None and row.greeting:
            return row.greeting
        practice = s.execute(select(Practice.name).where(Practice.deleted_at.is_(None))
                             .limit(1)).scalar_one_or_none()
        return _("{practice}, hello").format(practice=practice) if practice else ""

    # -- actions, each a step of the call ------------------------------------------------
    def record_step(self, call_id: str, kind: str, *, ref: str = "", detail: str = "",
                    uow=None) -> StepView:
        self._require(access.CALLS_EVENT, access.PATIENTS_READ)
        if kind in URGENT_KINDS:
            self._require(access.URGENT_PROTOCOL)
        if kind not in {k.value for k in StepKind}:
            raise InvalidCallDetails(_("This is not a step of a call."))
        if uow is None:
            with self._store.unit_of_work(actor_id=self._actor) as uow:
                return self.record_step(call_id, kind, ref=ref, detail=detail, uow=uow)
        detail = clean_name(detail)[:STEP_DETAIL_MAX]
        _call(uow.session, call_id)
        step = CallStep(call_id=call_id, at=uow.now, kind=kind, ref=ref or "", detail=detail,
                        by=self._calls.handled_by())
        uow.session.add(step)
        uow.session.flush()
        return _step_view(step)

    def appointment(self, call_id: str, kind: str, appointment: str, detail: str = ""
                    ) -> StepView:
        """An appointment booked, moved or cancelled from the panel: a step, and the
        call's linked appointment (a booking or a move)."""
        if kind not in (StepKind.BOOKED.value, StepKind.MOVED.value,
                        StepKind.CANCELLED.value):
            raise InvalidCallDetails(_("This is not a step of a call."))
        if kind != StepKind.CANCELLED.value:
            self._calls.describe(call_id, appointment_id=appointment)
        return self.record_step(call_id, kind, ref=appointment, detail=detail)

    def transfer(self, call_id: str, to: str) -> StepView:
        """The call put through to someone (named: a practitioner, a colleague)."""
        to = clean_name(to)
        if not to:
            raise InvalidCallDetails(_("Say to whom the call was transferred."))
        return self.record_step(call_id, StepKind.TRANSFERRED.value, detail=to)

    def leave_message(self, call_id: str, data: MessageInput) -> MessageView:
        """A message to the practitioner, written with its step in one commit."""
        self._require(access.MESSAGES)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            message = self._messages.send(data, call_id=call_id, uow=uow)
            kind = (StepKind.URGENT_MESSAGE.value if data.priority == MessagePriority.URGENT.value
                    else StepKind.MESSAGE.value)
            self.record_step(call_id, kind, ref=message.id,
                             detail=message.recipient_name or _("the practice"), uow=uow)
            return message

    def plan_callback(self, call_id: str, *, due_at: datetime, reason: str = ""
                      ) -> CallbackView:
        call = self._calls.get(call_id)
        callback = self._callbacks.create(call.number, due_at=due_at, reason=reason,
                                          caller_kind=call.caller_kind,
                                          caller_id=call.caller_id,
                                          practitioner_id=call.practitioner_id,
                                          call_id=call_id)
        self.record_step(call_id, StepKind.CALLBACK.value, ref=callback.id, detail=reason)
        return callback

    # -- the urgent protocol -------------------------------------------------------------
    def urgent_start(self, call_id: str) -> StepView:
        self._require(access.URGENT_PROTOCOL)
        self._calls.describe(call_id, reason=CallReason.URGENT.value)
        return self.record_step(call_id, StepKind.URGENT_STARTED.value)

    def red_flag(self, call_id: str, flag: RedFlag) -> StepView:
        return self.record_step(call_id, StepKind.RED_FLAG.value, ref=flag.action,
                                detail=flag.label)

    def referral(self, call_id: str, action: str, detail: str = "") -> StepView:
        if action not in action_labels():
            raise InvalidCallDetails(_("Choose the referral: the 15, a transfer to the "
                                       "practitioner or a same-day slot."))
        return self.record_step(call_id, StepKind.REFERRAL.value, ref=action,
                                detail=detail or action_labels()[action])

    def escalations(self, now: datetime | None = None) -> list[MessageView]:
        """Urgent messages sent from calls and still unread after the practice's delay:
        what the screens raise."""
        self._require(access.MESSAGES)
        now = now or self._clock.now()
        limit = timedelta(minutes=self.settings().escalate_after_min)
        with self._store.reader() as s:
            ids = list(s.execute(select(Message.id).where(
                Message.priority == MessagePriority.URGENT.value,
                Message.state == MessageState.NEW.value, Message.call_id.is_not(None),
                Message.deleted_at.is_(None), Message.created_at <= now - limit)
                .order_by(Message.created_at)).scalars())
        return [self._messages.get(i) for i in ids]

    # -- closing ---------------------------------------------------------------------------
    def close(self, call_id: str, *, reason: str, outcome: str, note: str = "",
              practitioner_id: str | None = None) -> CallView:
        """Close the call with its reason and outcome (and a short administrative note).
        A call started by hand ends now; one from the phone system ends with its event."""
        self._require(access.CALLS_EVENT, access.PATIENTS_READ)
        if not reason:
            raise InvalidCallDetails(_("Choose the reason of the call before closing it."))
        if not outcome:
            raise InvalidCallDetails(_("Choose the outcome of the call before closing it."))
        if len(note) > NOTE_MAX:
            raise InvalidCallDetails(_("The call's note holds at most {n} characters.")
                                     .format(n=NOTE_MAX))
        context_steps = self.steps(call_id)
        urgent = reason == CallReason.URGENT.value or any(
            s.kind in URGENT_KINDS for s in context_steps)
        if urgent and not any(s.kind == StepKind.REFERRAL.value for s in context_steps):
            raise UrgentCallOpen()
        if urgent and outcome == CallOutcome.NO_FOLLOW_UP.value:
            raise UrgentCallOpen()
        values = {"reason": reason, "outcome": outcome, "note": note}
        if practitioner_id is not None:
            values["practitioner_id"] = practitioner_id
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            s = uow.session
            self._calls.describe(call_id, uow=uow, **values)
            call = _call(s, call_id)
            if call.practitioner_id is None:
                call.practitioner_id = _concerned(s, call)
            if call.external_id is None and call.ended_at is None:
                call.ended_at = max(uow.now, call.answered_at or call.started_at)
            if call.handled_by is None:
                call.handled_by = self._calls.handled_by()
            self.record_step(call_id, StepKind.CLOSED.value, ref=outcome, uow=uow)
            s.flush()
            return call_view(call)

    def steps(self, call_id: str) -> list[StepView]:
        self._require(access.CALLS_LOOKUP)
        with self._store.reader() as s:
            return [_step_view(x) for x in s.execute(
                select(CallStep).where(CallStep.call_id == call_id,
                                       CallStep.deleted_at.is_(None))
                .order_by(CallStep.at, CallStep.id)).scalars()]

    # -- the day's report ------------------------------------------------------------------
    def urgent_calls(self, day: date, *, practitioner_id: str | None = None
                     ) -> list[UrgentCallReport]:
        """The day's urgent calls (practice-local day), each with its steps in order: the
        protocol opened, or the reason "urgent"."""
        self._require(access.REPORTS)
        start, end = self.zone.day_bounds(day)
        with self._store.reader() as s:
            urgent_ids = select(CallStep.call_id).where(
                CallStep.kind.in_(URGENT_KINDS), CallStep.deleted_at.is_(None))
            q = (select(Call).where(Call.started_at >= start, Call.started_at < end,
                                    Call.deleted_at.is_(None),
                                    or_(Call.reason == CallReason.URGENT.value,
                                        Call.id.in_(urgent_ids)))
                 .order_by(Call.started_at, Call.id))
            if practitioner_id is not None:
                q = q.where(Call.practitioner_id == practitioner_id)
            calls = list(s.execute(q).scalars())
            steps: dict[str, list[StepView]] = {c.id: [] for c in calls}
            for st in s.execute(select(CallStep).where(
                    CallStep.call_id.in_(list(steps)), CallStep.deleted_at.is_(None))
                    .order_by(CallStep.at, CallStep.id)).scalars():
                steps[st.call_id].append(_step_view(st))
            names = {}
            for c in calls:
                if c.caller_kind == CallerKind.PATIENT.value and c.caller_id:
                    match = _patient_match(s, c.caller_id)
                    names[c.id] = match.name if match else ""
            return [UrgentCallReport(call_view(c), names.get(c.id, ""), tuple(steps[c.id]))
                    for c in calls]


def outcome_choices() -> list[tuple[str, str]]:
    return outcomes()


def _settings_row(s: Session) -> CallSettings | None:
    return s.execute(select(CallSettings).where(CallSettings.deleted_at.is_(None))
                     .order_by(CallSettings.created_at, CallSettings.id).limit(1)
                     ).scalar_one_or_none()


def _call(s: Session, call_id: str) -> Call:
    call = s.get(Call, call_id)
    if call is None or call.deleted_at is not None:
        raise UnknownCall(call_id)
    return call


def _concerned(s: Session, call: Call) -> str | None:
    """The practitioner a call concerned, when nobody said: the one of the appointment it
    booked or moved, else the recipient of the last message left on it (the day's report
    per practitioner counts it for them)."""
    if call.appointment_id is not None:
        appointment = s.get(Appointment, call.appointment_id)
        if appointment is not None:
            return appointment.practitioner_id
    return s.execute(select(Message.recipient_id).where(
        Message.call_id == call.id, Message.deleted_at.is_(None),
        Message.recipient_id.is_not(None))
        .order_by(Message.created_at.desc()).limit(1)).scalar_one_or_none()


def _patient_match(s: Session, patient_id: str) -> CallerMatch | None:
    p = s.get(Patient, patient_id)
    if p is None or p.deleted_at is not None:
        return None
    return CallerMatch(CallerKind.PATIENT.value, p.id,
                       patient_display_name(p.birth_name, p.used_name, p.first_names),
                       p.birth_date)


def _open_callbacks(s: Session, number: str, patient_ids: list[str]
                    ) -> tuple[CallbackView, ...]:
    clauses = []
    if number and number != WITHHELD:
        clauses.append(Callback.number == number)
    if patient_ids:
        clauses.append(Callback.caller_id.in_(patient_ids))
    if not clauses:
        return ()
    rows = s.execute(select(Callback).where(Callback.done_at.is_(None),
                                            Callback.deleted_at.is_(None), or_(*clauses))
                     .order_by(Callback.due_at)).scalars()
    return tuple(callback_view(c) for c in rows)


__all__ = ["CallDesk", "CallSettingsView", "CallerCard", "EMERGENCY_NUMBER", "PanelContext",
           "RedFlag", "StepView", "UrgentCallOpen", "UrgentCallReport", "action_labels",
           "default_red_flags", "outcome_choices"]
