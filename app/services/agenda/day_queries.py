"""Reads for the day tools: the waiting room with arrival times, one practitioner's day
with the patients' phones, what is pending around it, a patient's appointments, and the
audit entry of a printed or saved day sheet.

Everything is read in practice time (``PracticeTime``); rows are plain frozen records,
safe to hand to any thread. Nothing here writes but ``record_print``, which only audits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, literal, select

from app.models.principal import Principal
from app.clock import Clock
from app.models import (
    Appointment, AppointmentStatus, AppointmentType, Patient, PatientPhone, Practitioner,
)
from app.models.patient import patient_display_name
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.services.phones import display_phone
from app.storage.store import Store

AUDIT_ENTITY = Appointment.__sync_entity__
# How far ahead "tomorrow" may be: on a Friday the next day with appointments is Monday.
CONFIRM_LOOKAHEAD_DAYS = 7

_ARRIVED = AppointmentStatus.ARRIVED.value
_IN_CONSULTATION = AppointmentStatus.IN_CONSULTATION.value
_SEEN = AppointmentStatus.SEEN.value
_NO_SHOW = AppointmentStatus.NO_SHOW.value
_BOOKED = AppointmentStatus.BOOKED.value
_CANCELLED = AppointmentStatus.CANCELLED.value


@dataclass(frozen=True, slots=True)
class DayEntry:
    """One appointment as a day list shows it."""
    id: str
    practitioner_id: str
    practitioner_name: str
    patient_id: str | None
    patient_name: str
    type_name: str
    starts_at: datetime
    ends_at: datetime
    status: str
    note: str
    patient_alert: str
    arrived_at: datetime | None
    phone: str  # the patient's first phone, for display; "" if none or not asked for
    version: int
    confirmation: str = ""  # the last confirmation call's outcome ("" if none)


@dataclass(frozen=True)
class DayCounts:
    appointments: int  # everything but the cancelled ones
    seen: int
    no_shows: int
    waiting: int  # arrived, not yet in consultation
    cancelled: int


@dataclass(frozen=True)
class Pending:
    """What a practitioner's day leaves to do."""
    confirm_day: date | None  # the next day with appointments to confirm
    to_confirm: tuple[DayEntry, ...] = ()
    no_shows: tuple[DayEntry, ...] = ()
    waiting_room: tuple[DayEntry, ...] = ()
    waiting_list: tuple = ()  # WaitingEntry, when the waiting list is there

    @property
    def total(self) -> int:
        return (len(self.to_confirm) + len(self.no_shows) + len(self.waiting_room)
                + len(self.waiting_list))


@dataclass(frozen=True)
class PatientAgenda:
    upcoming: tuple[DayEntry, ...] = ()  # soonest first, cancelled ones left out
    past: tuple[DayEntry, ...] = ()      # latest first
    no_shows: int = 0
    more_upcoming: bool = False


@dataclass(frozen=True)
class MyDay:
    practitioner_id: str
    day: date
    entries: tuple[DayEntry, ...]
    counts: DayCounts
    pending: Pending = field(default_factory=lambda: Pending(None))


def _first_phone():
    return (select(PatientPhone.e164)
            .where(PatientPhone.patient_id == Appointment.patient_id,
                   PatientPhone.deleted_at.is_(None))
            .order_by(PatientPhone.position).limit(1).correlate(Appointment)
            .scalar_subquery())


def _query(*, phones: bool):
    return (select(Appointment.id, Appointment.practitioner_id, Practitioner.title,
                   Practitioner.first_name, Practitioner.last_name, Appointment.patient_id,
                   Patient.birth_name, Patient.used_name, Patient.first_names,
                   AppointmentType.name, Appointment.starts_at, Appointment.ends_at,
                   Appointment.status, Appointment.note, Patient.alert, Appointment.arrived_at,
                   _first_phone() if phones else literal(""),
                   Appointment.version, Appointment.confirmation, Patient.sex,
                   Patient.civility)
            .join(Practitioner, Practitioner.id == Appointment.practitioner_id)
            .join(Patient, Patient.id == Appointment.patient_id, isouter=True)
            .join(AppointmentType, AppointmentType.id == Appointment.type_id, isouter=True)
            .where(Appointment.deleted_at.is_(None)))


def _entry(row) -> DayEntry:
    (aid, pid, title, first, last, patient_id, birth, used, given, type_name, starts, ends,
     status, note, alert, arrived, phone, version, confirmation, sex, civility) = row
    who = " ".join(p for p in (title, first, last) if p)
    name = patient_display_name(birth, used or "", given or "", sex or "",
                                civility or "") if birth is not None else ""
    return DayEntry(aid, pid, who, patient_id, name, type_name or "", starts, ends, status,
                    note or "", alert or "", arrived, display_phone(phone) if phone else "",
                    version, confirmation or "")


def counts_of(entries: Sequence[DayEntry]) -> DayCounts:
    statuses = [e.status for e in entries]
    return DayCounts(sum(s != _CANCELLED for s in statuses), statuses.count(_SEEN),
                     statuses.count(_NO_SHOW), statuses.count(_ARRIVED),
                     statuses.count(_CANCELLED))


class DayQueries:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock, zone: PracticeTime,
                 waiting_list=None) -> None:
        self._store = store
        self.principal = principal
        self._actor = principal.user_id
        self._clock = clock
        self.zone = zone
        # ``waiting_list.waiting(practitioner_id=...)`` (WaitingListService), optional.
        self._waiting_list = waiting_list

    @classmethod
    def of(cls, ws) -> DayQueries:
        """For an open workspace (its store, user, clock, zone and waiting list)."""
        return cls(ws.store, principal=ws.principal, clock=ws.clock, zone=ws.zone,
                   waiting_list=getattr(ws, "waiting_list", None))

    def now(self) -> datetime:
        return self._clock.now()

    def today(self) -> date:
        return self.zone.today(self._clock.now())

    # -- days ------------------------------------------------------------------------
    def day(self, practitioner_ids: Sequence[str], first: date, last: date | None = None, *,
            phones: bool = False, include_cancelled: bool = False) -> list[DayEntry]:
        """The appointments starting on ``first``..``last`` (practice days), by start;
        with each patient's first phone when ``phones``."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        start, end = self.zone.day_start(first), self.zone.day_start((last or first)
                                                                      + timedelta(days=1))
        q = _query(phones=phones).where(
            Appointment.practitioner_id.in_(list(practitioner_ids)),
            Appointment.starts_at >= start, Appointment.starts_at < end)
        if not include_cancelled:
            q = q.where(Appointment.status != _CANCELLED)
        with self._store.reader() as s:
            return [_entry(r) for r in s.execute(q.order_by(Appointment.starts_at,
                                                            Appointment.id))]

    def waiting_room(self, day: date | None = None, *,
                     with_consultations: bool = True) -> list[DayEntry]:
        """The day's patients who arrived and wait, first come first (arrival time, or
        the appointment's start when none was stamped); then, when asked, those now in
        consultation, by start."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        day = day or self.today()
        start, end = self.zone.day_bounds(day)
        statuses = [_ARRIVED, _IN_CONSULTATION] if with_consultations else [_ARRIVED]
        q = (_query(phones=False)
             .where(Appointment.status.in_(statuses), Appointment.starts_at >= start,
                    Appointment.starts_at < end)
             .order_by(Appointment.status != _ARRIVED,
                       func.coalesce(Appointment.arrived_at, Appointment.starts_at),
                       Appointment.starts_at, Appointment.id))
        with self._store.reader() as s:
            return [_entry(r) for r in s.execute(q)]

    def next_day_with_appointments(self, practitioner_id: str, after: date) -> date | None:
        access.require(self.principal, access.APPOINTMENTS_READ)
        start = self.zone.day_start(after + timedelta(days=1))
        end = self.zone.day_start(after + timedelta(days=1 + CONFIRM_LOOKAHEAD_DAYS))
        with self._store.reader() as s:
            first = s.execute(select(func.min(Appointment.starts_at)).where(
                Appointment.practitioner_id == practitioner_id,
                Appointment.deleted_at.is_(None), Appointment.status != _CANCELLED,
                Appointment.starts_at >= start, Appointment.starts_at < end)).scalar()
        return self.zone.day_of(first) if first is not None else None

    def my_day(self, practitioner_id: str, day: date) -> MyDay:
        """A practitioner's day (cancelled ones left out of the list, counted apart) and
        what is pending: the next day's unconfirmed bookings, the day's no-shows, who is
        in the waiting room, who waits for an earlier slot with them."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        everything = self.day([practitioner_id], day, phones=True, include_cancelled=True)
        entries = tuple(e for e in everything if e.status != _CANCELLED)
        confirm_day = self.next_day_with_appointments(practitioner_id, day)
        to_confirm = tuple(e for e in self.day([practitioner_id], confirm_day, phones=True)
                           if e.status == _BOOKED) if confirm_day else ()
        waiting = [e for e in entries if e.status == _ARRIVED]
        waiting.sort(key=lambda e: (e.arrived_at or e.starts_at, e.starts_at))
        waiting_list: tuple = ()
        if self._waiting_list is not None:
            waiting_list = tuple(self._waiting_list.waiting(practitioner_id=practitioner_id))
        pending = Pending(confirm_day, to_confirm,
                          tuple(e for e in entries if e.status == _NO_SHOW), tuple(waiting),
                          waiting_list)
        return MyDay(practitioner_id, day, entries, counts_of(everything), pending)

    # -- a patient ---------------------------------------------------------------------
    def patient_agenda(self, patient_id: str, *, upcoming: int = 5,
                       past: int = 5) -> PatientAgenda:
        """The patient's next appointments (not cancelled) and the last past ones (all
        statuses), with how many times they did not come. Three indexed reads."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        now = self._clock.now()
        base = _query(phones=False).where(Appointment.patient_id == patient_id)
        with self._store.reader() as s:
            ahead = [_entry(r) for r in s.execute(
                base.where(Appointment.starts_at >= now, Appointment.status != _CANCELLED)
                .order_by(Appointment.starts_at).limit(upcoming + 1))]
            before = [_entry(r) for r in s.execute(
                base.where(Appointment.starts_at < now)
                .order_by(Appointment.starts_at.desc()).limit(past))]
            no_shows = s.execute(select(func.count()).select_from(Appointment).where(
                Appointment.patient_id == patient_id, Appointment.deleted_at.is_(None),
                Appointment.status == _NO_SHOW)).scalar_one()
        return PatientAgenda(tuple(ahead[:upcoming]), tuple(before), no_shows,
                             len(ahead) > upcoming)

    # -- printing ------------------------------------------------------------------------
    def record_print(self, practitioner_id: str, first: date, last: date, *, output: str,
                     phones: bool, place: Callable[[], None] | None = None,
                     withdraw: Callable[[], None] | None = None) -> None:
        """Audit a printed (``output="printer"``) or saved (``"pdf"``) day or week sheet: a
        read of patient data. ``place`` (renaming the finished file into place) runs
        inside the audit transaction: no entry without the file, no file without its
        entry (``withdraw`` takes the file back if the commit fails)."""
        access.require(self.principal, access.PRINT)
        period = first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"
        detail = f"{period} output={output} phones={'yes' if phones else 'no'}"
        placed = False
        try:
            with self._store.unit_of_work(actor_id=self._actor) as uow:
                uow.audit("print", AUDIT_ENTITY, practitioner_id, detail)
                if place is not None:
                    place()
                    placed = True
        except BaseException:
            if placed and withdraw is not None:
                withdraw()
            raise
