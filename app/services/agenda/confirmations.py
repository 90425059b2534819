"""Confirmation calls: the practice-wide list of the next working day's appointments to
confirm, and the outcome of each call recorded on the appointment.

The day to confirm is tomorrow, or the next day anybody works when tomorrow is closed
(a Friday: Monday; the eve of a public holiday: the day after it). Every practitioner's
appointments with a patient are listed by time, with all the patient's phones in the
form a secretary dials. An outcome (``Confirmation``) is written with who and when in
one unit of work, so it is in the appointment's history: "confirmed" also sets the
status to confirmed; "cancelled" cancels the appointment (by the patient), which frees
its time for the freed-slots list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.clock import Clock
from app.i18n import _
from app.models import (
    Appointment, AppointmentStatus, AppointmentType, CancelReason, Confirmation, Patient,
    PatientPhone, Practitioner, User,
)
from app.models.patient import patient_display_name
from app.services.agenda.labels import confirmation_labels, status_labels
from app.services.agenda.schedule import load_schedule
from app.services.agenda.service import AgendaService
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.phones import display_phone
from app.storage.store import Store

LOOKAHEAD_DAYS = 7  # how far "the next working day" is looked for
_BOOKED = AppointmentStatus.BOOKED.value
_CONFIRMED = AppointmentStatus.CONFIRMED.value
_CANCELLED = AppointmentStatus.CANCELLED.value
# Statuses a confirmation call can still change: the patient has not come yet.
CALLABLE = frozenset({_BOOKED, _CONFIRMED})
OUTCOMES = tuple(c.value for c in Confirmation if c is not Confirmation.NONE)


@dataclass(frozen=True)
class ToConfirm:
    """One appointment of the list, with the last call's outcome ("" if none yet)."""
    id: str
    practitioner_id: str
    practitioner_name: str
    patient_id: str
    patient_name: str
    phones: tuple[str, ...]  # displayed, in the card's order
    type_name: str
    starts_at: datetime
    ends_at: datetime
    status: str
    confirmation: str
    confirmation_at: datetime | None
    confirmation_by: str  # the user's name
    patient_alert: str
    version: int

    @property
    def confirmed(self) -> bool:
        return self.status == _CONFIRMED or self.confirmation == Confirmation.CONFIRMED.value

    @property
    def settled(self) -> bool:
        """Nothing left to do: confirmed or cancelled on the phone."""
        return self.confirmed or self.status == _CANCELLED


def is_unconfirmed(status: str, patient_id: str | None) -> bool:
    """An appointment still to confirm: booked for a patient, not confirmed (an
    unanswered call or a message left keeps it so)."""
    return bool(patient_id) and status == _BOOKED


class ConfirmationService:
    def __init__(self, store: Store, *, agenda: AgendaService, actor_id: str,
                 clock: Clock) -> None:
        self._store = store
        self._agenda = agenda
        self._actor = actor_id
        self._clock = clock
        self.zone = agenda.zone

    def today(self) -> date:
        return self.zone.today(self._clock.now())

    def day_to_confirm(self, after: date | None = None) -> date:
        """Tomorrow, or the next day somebody works (opening hours, holidays and absences
        counted); with no hours set at all, the next day with appointments; else tomorrow."""
        after = after or self.today()
        first, last = after + timedelta(days=1), after + timedelta(days=LOOKAHEAD_DAYS)
        with self._store.reader() as s:
            pids = list(s.execute(select(Practitioner.id).where(
                Practitioner.deleted_at.is_(None))).scalars())
            schedule = load_schedule(s, self.zone, self._agenda.holiday_region, pids, first,
                                     last)
            day = first
            while day <= last:
                if any(schedule.open_ranges(pid, day) for pid in pids):
                    return day
                day += timedelta(days=1)
            booked = s.execute(select(Appointment.starts_at).where(
                Appointment.practitioner_id.in_(pids),
                Appointment.deleted_at.is_(None), Appointment.status.in_(CALLABLE),
                Appointment.starts_at >= self.zone.day_start(first),
                Appointment.starts_at < self.zone.day_start(last + timedelta(days=1)))
                .order_by(Appointment.starts_at).limit(1)).scalar()
        return self.zone.day_of(booked) if booked is not None else first

    def to_confirm(self, day: date) -> list[ToConfirm]:
        """Every practitioner's appointments with a patient on ``day``, by time: those
        to call, those already confirmed, and those cancelled on a confirmation call."""
        start, end = self.zone.day_bounds(day)
        q = (select(Appointment.id, Appointment.practitioner_id, Practitioner.title,
                    Practitioner.first_name, Practitioner.last_name, Appointment.patient_id,
                    Patient.birth_name, Patient.used_name, Patient.first_names,
                    AppointmentType.name, Appointment.starts_at, Appointment.ends_at,
                    Appointment.status, Appointment.confirmation, Appointment.confirmation_at,
                    User.display_name, Patient.alert, Appointment.version)
             .join(Practitioner, Practitioner.id == Appointment.practitioner_id)
             .join(Patient, Patient.id == Appointment.patient_id)
             .join(AppointmentType, AppointmentType.id == Appointment.type_id, isouter=True)
             .join(User, User.id == Appointment.confirmation_by, isouter=True)
             # By practitioner: the (practitioner, start) index reads only that day.
             .where(Appointment.practitioner_id.in_(select(Practitioner.id)),
                    Appointment.deleted_at.is_(None), Appointment.starts_at >= start,
                    Appointment.starts_at < end,
                    Appointment.status.in_(CALLABLE)
                    | (Appointment.confirmation == Confirmation.CANCELLED.value))
             .order_by(Appointment.starts_at, Practitioner.last_name, Appointment.id))
        with self._store.reader() as s:
            rows = s.execute(q).all()
            phones: dict[str, list[str]] = defaultdict(list)
            patient_ids = list({r[5] for r in rows})
            for i in range(0, len(patient_ids), 500):
                for pid, e164 in s.execute(
                        select(PatientPhone.patient_id, PatientPhone.e164)
                        .where(PatientPhone.patient_id.in_(patient_ids[i:i + 500]),
                               PatientPhone.deleted_at.is_(None))
                        .order_by(PatientPhone.patient_id, PatientPhone.position)):
                    phones[pid].append(display_phone(e164))
        out = []
        for (aid, prid, title, first, last, patient_id, birth, used, given, type_name, starts,
             ends, status, confirmation, at, by, alert, version) in rows:
            out.append(ToConfirm(
                aid, prid, " ".join(p for p in (title, first, last) if p), patient_id,
                patient_display_name(birth, used or "", given or ""),
                tuple(phones.get(patient_id, ())), type_name or "", starts, ends, status,
                confirmation or "", at, by or "", alert or "", version))
        return out

    def get(self, appointment_id: str) -> ToConfirm:
        with self._store.reader() as s:
            row = s.get(Appointment, appointment_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(appointment_id)
            day = self.zone.day_of(row.starts_at)
        for item in self.to_confirm(day):
            if item.id == appointment_id:
                return item
        raise NotFound(appointment_id)

    def record(self, appointment_id: str, outcome: str, *,
               expected_version: int | None = None) -> ToConfirm:
        """Write the call's outcome on the appointment (with who and when), in one unit
        of work; "cancelled" cancels it for the patient."""
        if outcome not in OUTCOMES:
            raise ValidationError({"confirmation": _("Choose what the call gave.")})
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            appt = uow.session.get(Appointment, appointment_id)
            if appt is None or appt.deleted_at is not None:
                raise NotFound(appointment_id)
            if expected_version is not None and appt.version != expected_version:
                raise ConcurrentEdit()
            if appt.status not in CALLABLE:
                raise ValidationError({"status": _(
                    "This appointment can no longer be confirmed: it is {status}.").format(
                    status=self._agenda_status(appt.status))})
            appt.confirmation = outcome
            appt.confirmation_at = uow.now
            appt.confirmation_by = self._actor
            if outcome == Confirmation.CONFIRMED.value:
                appt.status = _CONFIRMED
            elif outcome == Confirmation.CANCELLED.value:
                # One flush with the cancellation: one entry in the history.
                self._agenda.cancel(appointment_id, CancelReason.BY_PATIENT.value, uow=uow)
            else:
                appt.status = _BOOKED  # confirmed earlier, and now unreachable: to call again
            uow.session.flush()
            uow.audit("confirm", Appointment.__sync_entity__, appointment_id, outcome)
        return self.get(appointment_id)

    @staticmethod
    def _agenda_status(status: str) -> str:
        return status_labels().get(status, status).lower()


__all__ = ["ConfirmationService", "ToConfirm", "confirmation_labels", "is_unconfirmed"]
