"""The waiting list: patients who want an earlier slot, and whom to call when one frees up.

An entry says what the patient asked for: a type, with whom (empty: anyone), between
which dates, how urgent (0 normal, 1 soon, 2 urgent). When an appointment is cancelled,
``candidates_for`` lists the entries the freed time suits: the practitioner is one they
accept, the day is in their window, and their type fits, i.e. it lasts no longer than
the freed time and the guard accepts it at that start (the type's hours, its buffer
before the next booking). Most urgent first, then whoever has waited longest; each with
the patient's name and phone, for the call. The entry's note is for the secretary and
is not copied onto the appointment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.principal import Principal
from app.clock import Clock
from app.i18n import _
from app.models import (
    Appointment, AppointmentType, Patient, PatientPhone, Practitioner, WaitingListEntry,
    WaitingStatus,
)
from app.models.agenda import id_set, id_set_text
from app.models.patient import patient_display_name
from app.services import access
from app.services.agenda.schedule import load_schedule
from app.services.agenda.service import AgendaService
from app.services.agenda.views import BookingInput, BookingResult
from app.services.errors import NotFound, ValidationError
from app.services.phones import display_phone
from app.storage.store import Store

MAX_URGENCY = 2
DEFAULT_MINUTES = 15  # an entry without a type: as long as a booking without one


@dataclass(frozen=True)
class WaitingInput:
    patient_id: str
    type_id: str | None
    window_from: date
    window_until: date  # inclusive
    practitioner_ids: frozenset[str] = frozenset()  # empty: any practitioner
    urgency: int = 0
    note: str = ""


@dataclass(frozen=True)
class WaitingEntry:
    id: str
    patient_id: str
    patient_name: str
    phone: str  # the first phone, for display; "" if none
    type_id: str | None
    type_name: str
    duration_min: int
    practitioner_ids: frozenset[str]
    window_from: date
    window_until: date
    urgency: int
    note: str
    status: str
    created_at: datetime
    appointment_id: str | None
    version: int

    def accepts(self, practitioner_id: str) -> bool:
        return not self.practitioner_ids or practitioner_id in self.practitioner_ids


_FIRST_PHONE = (select(PatientPhone.e164)
                .where(PatientPhone.patient_id == WaitingListEntry.patient_id,
                       PatientPhone.deleted_at.is_(None))
                .order_by(PatientPhone.position).limit(1).correlate(WaitingListEntry)
                .scalar_subquery())


def _entries_query():
    return (select(WaitingListEntry.id, WaitingListEntry.patient_id, Patient.birth_name,
                   Patient.used_name, Patient.first_names, _FIRST_PHONE, WaitingListEntry.type_id,
                   AppointmentType.name, AppointmentType.duration_min,
                   WaitingListEntry.practitioner_ids, WaitingListEntry.window_from,
                   WaitingListEntry.window_until, WaitingListEntry.urgency, WaitingListEntry.note,
                   WaitingListEntry.status, WaitingListEntry.created_at,
                   WaitingListEntry.appointment_id, WaitingListEntry.version, Patient.sex,
                   Patient.civility)
            .join(Patient, Patient.id == WaitingListEntry.patient_id)
            .join(AppointmentType, AppointmentType.id == WaitingListEntry.type_id, isouter=True)
            .where(WaitingListEntry.deleted_at.is_(None))
            # Most urgent first, then the longest waiting (ids are time-ordered too).
            .order_by(WaitingListEntry.urgency.desc(), WaitingListEntry.created_at,
                      WaitingListEntry.id))


def _entry(row) -> WaitingEntry:
    (eid, patient_id, birth, used, first, phone, type_id, type_name, duration, pids, w_from,
     w_until, urgency, note, status, created, appointment_id, version, sex, civility) = row
    name = patient_display_name(birth, used or "", first or "", sex or "", civility or "")
    return WaitingEntry(eid, patient_id, name,
                        display_phone(phone) if phone else "", type_id, type_name or "",
                        duration or DEFAULT_MINUTES, id_set(pids), w_from, w_until, urgency,
                        note, status, created, appointment_id, version)


class WaitingListService:
    def __init__(self, store: Store, *, agenda: AgendaService, principal: Principal,
                 clock: Clock) -> None:
        self._store = store
        self._agenda = agenda
        self.principal = principal
        self._actor = principal.user_id
        self._clock = clock
        self.zone = agenda.zone

    # -- the list ------------------------------------------------------------------------
    def add(self, data: WaitingInput) -> WaitingEntry:
        access.require(self.principal, access.APPOINTMENTS_BOOK)
        today = self.zone.today(self._clock.now())
        errors: dict[str, str] = {}
        if data.window_until < data.window_from:
            errors["window_until"] = _("The end date is before the start date.")
        elif data.window_until < today:
            errors["window_until"] = _("The end date is already past.")
        if not 0 <= data.urgency <= MAX_URGENCY:
            errors["urgency"] = _("Choose how urgent it is.")
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            s = uow.session
            patient = s.get(Patient, data.patient_id)
            if patient is None or patient.deleted_at is not None:
                errors["patient"] = _("This patient card no longer exists.")
            if data.type_id is not None:
                t = s.get(AppointmentType, data.type_id)
                if t is None or t.deleted_at is not None:
                    errors["type"] = _("This appointment type no longer exists.")
            for pid in data.practitioner_ids:
                p = s.get(Practitioner, pid)
                if p is None or p.deleted_at is not None:
                    errors["practitioner"] = _("Choose a practitioner.")
            if errors:
                raise ValidationError(errors)
            entry = WaitingListEntry(patient_id=data.patient_id, type_id=data.type_id,
                                     practitioner_ids=id_set_text(data.practitioner_ids),
                                     window_from=data.window_from,
                                     window_until=data.window_until, urgency=data.urgency,
                                     note=data.note.strip()[:500],
                                     status=WaitingStatus.WAITING.value)
            s.add(entry)
            s.flush()
            return self._read(s, entry.id)

    def waiting(self, *, practitioner_id: str | None = None) -> list[WaitingEntry]:
        """Who is waiting (with this practitioner, or anyone), most urgent first, then
        the longest waiting."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            rows = s.execute(_entries_query().where(
                WaitingListEntry.status == WaitingStatus.WAITING.value))
            entries = [_entry(r) for r in rows]
        if practitioner_id is not None:
            entries = [e for e in entries if e.accepts(practitioner_id)]
        return entries

    def get(self, entry_id: str) -> WaitingEntry:
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            return self._read(s, entry_id)

    def withdraw(self, entry_id: str) -> WaitingEntry:
        """The patient no longer waits (found elsewhere, no longer needed)."""
        access.require(self.principal, access.APPOINTMENTS_BOOK)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            entry = self._waiting(uow.session, entry_id)
            entry.status = WaitingStatus.WITHDRAWN.value
            uow.session.flush()
            uow.audit("waiting_withdraw", WaitingListEntry.__sync_entity__, entry_id)
            return self._read(uow.session, entry_id)

    def mark_booked(self, entry_id: str, appointment_id: str, *, uow=None) -> WaitingEntry:
        """The patient got ``appointment_id``; inside the caller's unit of work if given."""
        if uow is not None:
            return self._mark(uow, entry_id, appointment_id)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            return self._mark(uow, entry_id, appointment_id)

    # -- a slot freed up -----------------------------------------------------------------
    def candidates_for(self, practitioner_id: str, starts_at: datetime, ends_at: datetime, *,
                       ignore_id: str | None = None) -> list[WaitingEntry]:
        """Whom to call for ``[starts_at, ends_at)`` with this practitioner, in order.

        Call it once the appointment is cancelled, or pass the one about to be as
        ``ignore_id`` to see who could take its place.
        """
        access.require(self.principal, access.APPOINTMENTS_READ)
        day = self.zone.day_of(starts_at)
        freed = ends_at - starts_at
        with self._store.reader() as s:
            rows = s.execute(_entries_query().where(
                WaitingListEntry.status == WaitingStatus.WAITING.value,
                WaitingListEntry.window_from <= day, WaitingListEntry.window_until >= day))
            entries = [e for e in map(_entry, rows) if e.accepts(practitioner_id)
                       and timedelta(minutes=e.duration_min) <= freed]
            if not entries:
                return []
            schedule = load_schedule(s, self.zone, self._agenda.holiday_region,
                                     [practitioner_id], day, day)
            out = []
            for e in entries:
                try:
                    proposal = self._agenda.proposal(s, BookingInput(
                        practitioner_id, starts_at, None, e.patient_id, e.type_id))
                except ValidationError:
                    continue  # e.g. this practitioner does not offer the type
                conflicts = self._agenda.conflicts(
                    s, proposal, schedule=schedule, ignore_ids=[ignore_id] if ignore_id else ())
                if not any(c.blocking for c in conflicts):
                    out.append(e)
            return out

    def book_candidate(self, entry_id: str, practitioner_id: str, starts_at: datetime, *,
                       override: bool = False, remote: bool = False) -> BookingResult:
        """Book the entry's patient and type there, and mark the entry booked, in one unit
        of work: either both happen or neither does."""
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            entry = self._waiting(uow.session, entry_id)
            return self.book_for_entry(entry_id, BookingInput(
                practitioner_id, starts_at, None, entry.patient_id, entry.type_id,
                remote=remote), override=override, uow=uow)

    def book_for_entry(self, entry_id: str, data: BookingInput, *, override: bool = False,
                       uow=None) -> BookingResult:
        """Book ``data`` (whatever patient, type and time the secretary settled on) and mark
        the entry booked: both or neither (an entry booked or withdrawn meanwhile:
        ValidationError, nothing written)."""
        if uow is None:
            with self._store.unit_of_work(actor_id=self._actor) as uow:
                return self.book_for_entry(entry_id, data, override=override, uow=uow)
        result = self._agenda.book(data, override=override, uow=uow)
        self._mark(uow, entry_id, result.appointment.id)
        return result

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _read(s: Session, entry_id: str) -> WaitingEntry:
        row = s.execute(_entries_query().where(WaitingListEntry.id == entry_id)).first()
        if row is None:
            raise NotFound(entry_id)
        return _entry(row)

    @staticmethod
    def _waiting(s: Session, entry_id: str) -> WaitingListEntry:
        entry = s.get(WaitingListEntry, entry_id)
        if entry is None or entry.deleted_at is not None:
            raise NotFound(entry_id)
        if entry.status != WaitingStatus.WAITING.value:
            raise ValidationError({"status": _("This patient is no longer on the waiting list.")})
        return entry

    def _mark(self, uow, entry_id: str, appointment_id: str) -> WaitingEntry:
        entry = self._waiting(uow.session, entry_id)
        appt = uow.session.get(Appointment, appointment_id)
        if appt is None or appt.deleted_at is not None:
            raise NotFound(appointment_id)
        entry.status = WaitingStatus.BOOKED.value
        entry.appointment_id = appointment_id
        uow.session.flush()
        uow.audit("waiting_booked", WaitingListEntry.__sync_entity__, entry_id, appointment_id)
        return self._read(uow.session, entry_id)
