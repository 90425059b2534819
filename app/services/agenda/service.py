"""The agenda service: read a window of the agenda, book, move, cancel, change status.

Every write is one unit of work (versions, change journal, audit). Before a booking or
a move is written, the guard (``guard.check``) looks at opening hours, holidays,
absences and the neighbouring bookings, all in practice time; a refusal says why, and
only the practice owner may book over it, which is recorded on the appointment and in
the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.principal import Principal
from app.clock import Clock
from app.i18n import _
from app.models import (
    Appointment, AppointmentStatus, AppointmentType, CancelReason, Patient, Practitioner,
)
from app.models.agenda import HOLDING_STATUSES, MAX_APPOINTMENT_MINUTES, id_set
from app.models.patient import patient_display_name
from app.services.agenda.freed_time import record_move
from app.services import access
from app.services.agenda.guard import Busy, Conflict, Proposal, check
from app.services.agenda.history import appointment_history
from app.services.agenda.labels import (  # noqa: F401 - also imported from here by screens
    cancel_reason_labels,
    practitioner_names,
    status_labels,
)
from app.services.agenda.schedule import Schedule, load_schedule
from app.services.agenda.views import (
    AppointmentView, BookingInput, BookingResult, DayLoad, HistoryEntry, TypeInfo,
)
from app.services.agenda.zone import PracticeTime
from app.services.errors import ConcurrentEdit, NotFound, ServiceError, ValidationError
from app.storage.store import Store

_SCAN_BACK = timedelta(minutes=MAX_APPOINTMENT_MINUTES)
MAX_BUFFER_MIN = 120


class BookingRefused(ServiceError):
    """The guard refused; ``conflicts`` say why (blocking first). Nothing was written."""

    code = "booking_refused"

    def __init__(self, conflicts: Sequence[Conflict], *, can_override: bool) -> None:
        super().__init__("; ".join(c.kind for c in conflicts))  # kinds only, no names
        self.conflicts = tuple(conflicts)
        self.can_override = can_override

    @property
    def user_message(self) -> str:
        return "\n".join(c.message for c in self.conflicts if c.blocking)


class OverrideNotAllowed(access.AccessDenied):
    """Booking over the guard's refusal, by a role that may not (see app.services.access)."""

    code = "override_not_allowed"

    def __init__(self, role: str = "") -> None:
        super().__init__(access.GUARD_OVERRIDE, role)


_VIEW_COLUMNS = (
    Appointment.id, Appointment.practitioner_id, Appointment.patient_id,
    Patient.birth_name, Patient.used_name, Patient.first_names,
    Appointment.type_id, AppointmentType.name, AppointmentType.colour,
    Appointment.starts_at, Appointment.ends_at, Appointment.status, Appointment.cancel_reason,
    Appointment.cancel_note, Appointment.note, Appointment.series_id, Appointment.override_note,
    Appointment.remote, Appointment.version, Patient.alert, AppointmentType.buffer_after_min,
    Patient.sex, Patient.civility,
)


def _view_query():
    return (select(*_VIEW_COLUMNS)
            .join(Patient, Patient.id == Appointment.patient_id, isouter=True)
            .join(AppointmentType, AppointmentType.id == Appointment.type_id, isouter=True))


def _view(row) -> AppointmentView:
    (aid, pid, patient_id, birth, used, first, type_id, type_name, colour, starts, ends, status,
     reason, cancel_note, note, series_id, override, remote, version, alert, buffer_min, sex,
     civility) = row
    name = patient_display_name(birth, used or "", first or "", sex or "",
                                civility or "") if patient_id else ""
    return AppointmentView(aid, pid, patient_id, name, type_id, type_name or "",
                           colour or "#8a94a6", starts, ends, status, reason, cancel_note, note,
                           series_id, override, bool(remote), version, alert or "",
                           buffer_min or 0)


def _type_info(t: AppointmentType) -> TypeInfo:
    return TypeInfo(t.id, t.name, t.duration_min, t.buffer_after_min, t.colour,
                    t.remote_bookable, id_set(t.practitioner_ids), t.active, t.urgent_only)


class AgendaService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock, zone: PracticeTime,
                 holiday_region: str = "") -> None:
        self._store = store
        self.principal = principal
        self._actor = principal.user_id
        self._clock = clock
        self.zone = zone
        self.holiday_region = holiday_region

    @property
    def can_override(self) -> bool:
        return access.allowed(self.principal, access.GUARD_OVERRIDE)

    # -- reference data ------------------------------------------------------------
    def types(self, *, include_inactive: bool = False) -> list[TypeInfo]:
        with self._store.reader() as s:
            q = select(AppointmentType).where(AppointmentType.deleted_at.is_(None))
            if not include_inactive:
                q = q.where(AppointmentType.active.is_(True))
            return [_type_info(t) for t in s.execute(q.order_by(AppointmentType.name)).scalars()]

    def practitioner_names(self) -> dict[str, str]:
        with self._store.reader() as s:
            return self._names(s)

    @staticmethod
    def _names(session: Session) -> dict[str, str]:
        return practitioner_names(session)

    def schedule(self, practitioner_ids: Iterable[str], first: date, last: date) -> Schedule:
        with self._store.reader() as s:
            return load_schedule(s, self.zone, self.holiday_region, practitioner_ids, first, last)

    # -- reading the agenda --------------------------------------------------------
    def appointments(self, practitioner_ids: Sequence[str], first: date, last: date, *,
                     include_cancelled: bool = True) -> list[AppointmentView]:
        """Appointments starting on ``first``..``last`` (practice days), by start."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            return self._appointments(s, practitioner_ids, first, last,
                                      include_cancelled=include_cancelled)

    def _appointments(self, s: Session, practitioner_ids, first, last, *, include_cancelled):
        start, end = self.zone.day_start(first), self.zone.day_start(last + timedelta(days=1))
        q = _view_query().where(Appointment.practitioner_id.in_(list(practitioner_ids)),
                                Appointment.starts_at >= start, Appointment.starts_at < end,
                                Appointment.deleted_at.is_(None))
        if not include_cancelled:
            q = q.where(Appointment.status.in_(HOLDING_STATUSES))
        return [_view(r) for r in s.execute(q.order_by(Appointment.starts_at))]

    def window(self, practitioner_ids: Sequence[str], first: date, last: date):
        """The appointments and the schedule of a day or a week, in one read."""
        with self._store.reader() as s:
            appts = self._appointments(s, practitioner_ids, first, last, include_cancelled=True)
            sched = load_schedule(s, self.zone, self.holiday_region, practitioner_ids, first, last)
        return appts, sched

    def first_visits(self, appointments: Sequence[AppointmentView]) -> set[str]:
        """Those of ``appointments`` that are their patient's first here (no appointment
        held earlier, cancelled ones aside): a new patient, to welcome as such."""
        holding = [a for a in appointments if a.patient_id and a.holds_time]
        patients = {a.patient_id for a in holding}
        if not patients:
            return set()
        with self._store.reader() as s:
            first = dict(s.execute(
                select(Appointment.patient_id, func.min(Appointment.starts_at))
                .where(Appointment.patient_id.in_(patients), Appointment.deleted_at.is_(None),
                       Appointment.status != AppointmentStatus.CANCELLED.value)
                .group_by(Appointment.patient_id)).all())
        return {a.id for a in holding if first.get(a.patient_id) == a.starts_at}

    def get(self, appointment_id: str) -> AppointmentView:
        """One appointment, as opened by the secretary: an audited read."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            row = uow.session.execute(_view_query().where(Appointment.id == appointment_id)).first()
            if row is None:
                raise NotFound(appointment_id)
            uow.audit("read", Appointment.__sync_entity__, appointment_id)
        return _view(row)

    def for_patient(self, patient_id: str, *, limit: int = 200) -> list[AppointmentView]:
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            rows = s.execute(_view_query().where(Appointment.patient_id == patient_id,
                                                 Appointment.deleted_at.is_(None))
                             .order_by(Appointment.starts_at.desc()).limit(limit))
            return [_view(r) for r in rows]

    def count(self) -> int:
        """Every appointment on record, cancelled ones included."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            return s.execute(select(func.count()).select_from(Appointment).where(
                Appointment.deleted_at.is_(None))).scalar_one()

    def no_show_count(self, patient_id: str) -> int:
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            return s.execute(select(func.count()).select_from(Appointment).where(
                Appointment.patient_id == patient_id, Appointment.deleted_at.is_(None),
                Appointment.status == AppointmentStatus.NO_SHOW.value)).scalar_one()

    def waiting_room(self, day: date | None = None) -> list[AppointmentView]:
        """Today's patients who arrived and are not yet in consultation, first come first."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        day = day or self.zone.today(self._clock.now())
        start, end = self.zone.day_bounds(day)
        with self._store.reader() as s:
            rows = s.execute(_view_query().where(
                Appointment.status == AppointmentStatus.ARRIVED.value,
                Appointment.starts_at >= start, Appointment.starts_at < end,
                Appointment.deleted_at.is_(None))
                .order_by(func.coalesce(Appointment.arrived_at, Appointment.starts_at)))
            return [_view(r) for r in rows]

    def day_loads(self, practitioner_ids: Sequence[str], first: date, last: date) -> list[DayLoad]:
        """Per day: how many appointments, booked and open minutes (the month overview)."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        appts, sched = self.window(practitioner_ids, first, last)
        counts: dict[date, list[int]] = {}
        for a in appts:
            if a.holds_time:
                c = counts.setdefault(self.zone.day_of(a.starts_at), [0, 0])
                c[0] += 1
                c[1] += a.minutes
        out = []
        day = first
        while day <= last:
            open_min = sum(int((r.ends_at - r.starts_at).total_seconds() // 60)
                           for pid in practitioner_ids for r in sched.open_ranges(pid, day))
            n, minutes = counts.get(day, (0, 0))
            out.append(DayLoad(day, n, minutes, open_min, sched.holiday(day)))
            day += timedelta(days=1)
        return out

    def history(self, appointment_id: str) -> list[HistoryEntry]:
        """Every change of the appointment, oldest first (see ``history``)."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            return appointment_history(s, self.zone, appointment_id)

    # -- the guard -----------------------------------------------------------------
    def _busy(self, s: Session, practitioner_id: str, patient_id: str | None,
              start: datetime, end: datetime) -> list[Busy]:
        lo = start - _SCAN_BACK - timedelta(minutes=MAX_BUFFER_MIN)
        hi = end + timedelta(minutes=MAX_BUFFER_MIN)
        who = Appointment.practitioner_id == practitioner_id
        if patient_id is not None:
            who = who | (Appointment.patient_id == patient_id)
        rows = s.execute(
            select(Appointment.id, Appointment.practitioner_id, Appointment.patient_id,
                   Appointment.starts_at, Appointment.ends_at, AppointmentType.buffer_after_min,
                   AppointmentType.name)
            .join(AppointmentType, AppointmentType.id == Appointment.type_id, isouter=True)
            .where(who, Appointment.starts_at >= lo, Appointment.starts_at < hi,
                   Appointment.status.in_(HOLDING_STATUSES), Appointment.deleted_at.is_(None)))
        out = []
        for aid, pid, pat, s_at, e_at, buf, type_name in rows:
            a, b = self.zone.wall_minute(s_at), self.zone.wall_minute(e_at)
            label = f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}"
            if type_name:
                label += f" {type_name}"
            out.append(Busy(aid, pid, pat, s_at, e_at, buf or 0, label))
        return out

    def _guard(self, s: Session, schedule: Schedule, proposal: Proposal, busy) -> list[Conflict]:
        # Names are only for the messages: read them once there is something to say.
        conflicts = check(schedule, proposal, busy)
        if not conflicts:
            return conflicts
        names = self._names(s)
        return check(schedule, proposal, busy,
                     practitioner_name=names.get(proposal.practitioner_id, ""), names=names)

    def check(self, data: BookingInput, *, ignore_id: str | None = None) -> list[Conflict]:
        """What the guard would say about ``data``, without writing anything."""
        with self._store.reader() as s:
            return self.conflicts(s, self._proposal(s, data, ignore_id))

    def _type(self, s: Session, type_id: str | None) -> TypeInfo | None:
        if type_id is None:
            return None
        row = s.execute(select(AppointmentType.id, AppointmentType.name,
                               AppointmentType.duration_min, AppointmentType.buffer_after_min,
                               AppointmentType.colour, AppointmentType.remote_bookable,
                               AppointmentType.practitioner_ids, AppointmentType.active,
                               AppointmentType.urgent_only)
                        .where(AppointmentType.id == type_id,
                               AppointmentType.deleted_at.is_(None))).first()
        if row is None:
            raise ValidationError({"type": _("This appointment type no longer exists.")})
        return TypeInfo(row[0], row[1], row[2], row[3], row[4], row[5], id_set(row[6]), row[7],
                        row[8])

    def _proposal(self, s: Session, data: BookingInput, ignore_id: str | None) -> Proposal:
        errors: dict[str, str] = {}
        # Plain column reads, not ORM objects: this runs before every booking and move.
        p = s.execute(select(Practitioner.id, Practitioner.title, Practitioner.first_name,
                             Practitioner.last_name)
                      .where(Practitioner.id == data.practitioner_id,
                             Practitioner.deleted_at.is_(None))).first()
        if p is None:
            errors["practitioner"] = _("Choose a practitioner.")
        t = self._type(s, data.type_id)
        if t is not None and p is not None and not t.offered_by(p.id):
            errors["type"] = _("{name} does not offer this appointment type.").format(
                name=" ".join(x for x in (p.title, p.first_name, p.last_name) if x))
        if data.patient_id is not None:
            alive = s.execute(select(Patient.id).where(Patient.id == data.patient_id,
                                                       Patient.deleted_at.is_(None))).first()
            if alive is None:
                errors["patient"] = _("This patient card no longer exists.")
        if data.starts_at.tzinfo is None:
            raise ValueError("naive datetime given for an appointment")
        ends = data.ends_at
        if ends is None:
            ends = data.starts_at + timedelta(minutes=t.duration_min if t is not None else 15)
        minutes = (ends - data.starts_at).total_seconds() / 60
        if minutes < 5:
            errors["end"] = _("An appointment lasts at least 5 minutes.")
        elif minutes > MAX_APPOINTMENT_MINUTES:
            errors["end"] = _("An appointment lasts at most 12 hours.")
        if errors:
            raise ValidationError(errors)
        return Proposal(data.practitioner_id, data.patient_id, data.type_id, data.starts_at, ends,
                        t.buffer_after_min if t is not None else 0, ignore_id)

    def _judge(self, uow, proposal: Proposal, override: bool) -> tuple[list[Conflict], str, str]:
        """(warnings, the override note, the overridden kinds for the audit trail)."""
        conflicts = self.conflicts(uow.session, proposal)
        blocking = [c for c in conflicts if c.blocking]
        if blocking and not override:
            raise BookingRefused(conflicts, can_override=self.can_override)
        if blocking:
            try:
                self._require(uow.session, access.GUARD_OVERRIDE, proposal.practitioner_id,
                              proposal.type_id)
            except access.AccessDenied:
                raise OverrideNotAllowed(self.principal.role) from None
        note = "\n".join(c.message for c in blocking)
        kinds = ",".join(sorted({c.kind for c in blocking}))
        return [c for c in conflicts if not c.blocking], note, kinds

    def _require(self, s: Session, action: str, practitioner_id: str | None,
                 type_id: str | None) -> None:
        """The access check of a write in ``practitioner_id``'s agenda with motif
        ``type_id`` (whether it is bookable remotely is read only when the role asks)."""
        access.require(self.principal, action)  # the matrix first, before any read
        remote = False
        if type_id is not None and self.principal.role == access.ROLE_REMOTE_SECRETARY:
            remote = bool(s.execute(select(AppointmentType.remote_bookable)
                                    .where(AppointmentType.id == type_id)).scalar())
        access.require(self.principal, action,
                       target=access.AgendaTarget(practitioner_id, remote))

    def writable(self, action: str, practitioner_id: str | None = None) -> bool:
        """Whether this account may do ``action`` in ``practitioner_id``'s agenda (for the
        screens; the motif's rule is checked when it is written)."""
        try:
            access.require(self.principal, action,
                           target=access.AgendaTarget(practitioner_id, True))
        except access.AccessDenied:
            return False
        return True

    # -- for the recurring series and the waiting list ----------------------------
    def proposal(self, session: Session, data: BookingInput, *,
                 ignore_id: str | None = None) -> Proposal:
        """``data`` checked (who, what, how long) as the guard's input, as ``book`` checks
        it; ValidationError otherwise."""
        return self._proposal(session, data, ignore_id)

    def conflicts(self, session: Session, proposal: Proposal, *, schedule: Schedule | None = None,
                  ignore_ids: Iterable[str] = ()) -> list[Conflict]:
        """What the guard says about ``proposal``, read in ``session`` (a reader or a unit
        of work). ``schedule`` may be loaded once for many proposals (a series); the
        bookings in ``ignore_ids`` move along with this one."""
        if schedule is None:
            day = self.zone.day_of(proposal.starts_at)
            schedule = load_schedule(session, self.zone, self.holiday_region,
                                     [proposal.practitioner_id], day, day)
        skip = set(ignore_ids)
        busy = [b for b in self._busy(session, proposal.practitioner_id, proposal.patient_id,
                                      proposal.starts_at, proposal.ends_at) if b.id not in skip]
        return self._guard(session, schedule, proposal, busy)

    def in_series(self, series_id: str) -> list[AppointmentView]:
        """The appointments of a recurring series by start, cancelled ones included."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            rows = s.execute(_view_query().where(Appointment.series_id == series_id,
                                                 Appointment.deleted_at.is_(None))
                             .order_by(Appointment.starts_at))
            return [_view(r) for r in rows]

    # -- writes ----------------------------------------------------------------------
    def book(self, data: BookingInput, *, override: bool = False, uow=None) -> BookingResult:
        """Write one appointment after the guard agreed (or the owner overrode it)."""
        if uow is not None:
            return self._book(uow, data, override)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            result = self._book(uow, data, override)
        return result

    def _book(self, uow, data: BookingInput, override: bool) -> BookingResult:
        self._require(uow.session, access.APPOINTMENTS_BOOK, data.practitioner_id, data.type_id)
        reserved = self._type(uow.session, data.type_id)
        if reserved is not None and reserved.urgent_only and not data.urgent:
            # Reserved urgent slots are booked only through the urgent-call protocol.
            raise ValidationError({"type": _(
                "“{name}” is reserved for urgent calls: book it from the call panel's urgent "
                "protocol (F9).").format(name=reserved.name)})
        proposal = self._proposal(uow.session, data, None)
        warnings, override_note, kinds = self._judge(uow, proposal, override)
        appt = Appointment(practitioner_id=proposal.practitioner_id, patient_id=data.patient_id,
                           type_id=data.type_id, starts_at=proposal.starts_at,
                           ends_at=proposal.ends_at, note=data.note.strip(),
                           series_id=data.series_id, remote=data.remote,
                           status=AppointmentStatus.BOOKED.value, override_note=override_note)
        uow.session.add(appt)
        uow.session.flush()
        if override_note:
            uow.audit("override", Appointment.__sync_entity__, appt.id, kinds)
        row = uow.session.execute(_view_query().where(Appointment.id == appt.id)).one()
        return BookingResult(_view(row), tuple(warnings))

    def _load(self, s: Session, appointment_id: str, expected_version: int | None) -> Appointment:
        appt = s.get(Appointment, appointment_id)
        if appt is None or appt.deleted_at is not None:
            raise NotFound(appointment_id)
        if expected_version is not None and appt.version != expected_version:
            raise ConcurrentEdit()
        return appt

    def move(self, appointment_id: str, starts_at: datetime, ends_at: datetime | None = None, *,
             practitioner_id: str | None = None, override: bool = False,
             expected_version: int | None = None) -> BookingResult:
        """Move and/or resize (drag and drop, cut and paste); the length is kept by default."""
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            appt = self._load(uow.session, appointment_id, expected_version)
            self._require(uow.session, access.APPOINTMENTS_MOVE, appt.practitioner_id, appt.type_id)
            if practitioner_id is not None and practitioner_id != appt.practitioner_id:
                self._require(uow.session, access.APPOINTMENTS_MOVE, practitioner_id, appt.type_id)
            if appt.status == AppointmentStatus.CANCELLED.value:
                raise ValidationError({"status": _("A cancelled appointment cannot be moved.")})
            length = appt.ends_at - appt.starts_at
            data = BookingInput(practitioner_id or appt.practitioner_id, starts_at,
                                ends_at or starts_at + length, appt.patient_id, appt.type_id)
            proposal = self._proposal(uow.session, data, appointment_id)
            warnings, override_note, kinds = self._judge(uow, proposal, override)
            before = (appt.practitioner_id, appt.starts_at, appt.ends_at)
            appt.starts_at, appt.ends_at = proposal.starts_at, proposal.ends_at
            appt.practitioner_id = proposal.practitioner_id
            record_move(uow, appointment_id, before,
                        (appt.practitioner_id, appt.starts_at, appt.ends_at))
            if override_note:
                appt.override_note = override_note
            uow.session.flush()
            uow.audit("override" if override_note else "move", Appointment.__sync_entity__,
                      appointment_id, kinds)
            row = uow.session.execute(_view_query().where(Appointment.id == appointment_id)).one()
        return BookingResult(_view(row), tuple(warnings))

    def cancel(self, appointment_id: str, reason: str, note: str = "", *,
               expected_version: int | None = None, uow=None) -> AppointmentView:
        valid = {r.value for r in CancelReason if r is not CancelReason.NONE}
        if reason not in valid:
            raise ValidationError({"reason": _("Say who cancelled.")})
        if uow is not None:
            return self._cancel(uow, appointment_id, reason, note, expected_version)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            view = self._cancel(uow, appointment_id, reason, note, expected_version)
        return view

    def _cancel(self, uow, appointment_id, reason, note, expected_version) -> AppointmentView:
        appt = self._load(uow.session, appointment_id, expected_version)
        self._require(uow.session, access.APPOINTMENTS_CANCEL, appt.practitioner_id, appt.type_id)
        appt.status = (AppointmentStatus.NO_SHOW.value if reason == CancelReason.NO_SHOW.value
                       else AppointmentStatus.CANCELLED.value)
        appt.cancel_reason = reason
        appt.cancel_note = note.strip()[:500]
        uow.session.flush()
        uow.audit("cancel", Appointment.__sync_entity__, appointment_id, reason)
        row = uow.session.execute(_view_query().where(Appointment.id == appointment_id)).one()
        return _view(row)

    def set_status(self, appointment_id: str, status: str, *,
                   expected_version: int | None = None) -> AppointmentView:
        valid = {s.value for s in AppointmentStatus if s is not AppointmentStatus.CANCELLED}
        if status not in valid:
            raise ValidationError({"status": _("Unknown status.")})
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            appt = self._load(uow.session, appointment_id, expected_version)
            self._require(uow.session, access.APPOINTMENTS_MOVE, appt.practitioner_id, appt.type_id)
            if appt.status == AppointmentStatus.CANCELLED.value:
                raise ValidationError({"status": _("This appointment was cancelled.")})
            appt.status = status
            if status == AppointmentStatus.ARRIVED.value and appt.arrived_at is None:
                appt.arrived_at = self._clock.now()
            elif status in (AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value):
                appt.arrived_at = None  # set back by mistake: a later arrival is timed anew
            if status != AppointmentStatus.NO_SHOW.value and appt.cancel_reason == \
                    CancelReason.NO_SHOW.value:
                appt.cancel_reason = ""
            uow.session.flush()
            uow.audit("status", Appointment.__sync_entity__, appointment_id, status)
            row = uow.session.execute(_view_query().where(Appointment.id == appointment_id)).one()
        return _view(row)

    def edit(self, appointment_id: str, *, patient_id: str | None, type_id: str | None,
             note: str, expected_version: int | None = None) -> AppointmentView:
        """Change who and what (not when: that is ``move``)."""
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            appt = self._load(uow.session, appointment_id, expected_version)
            self._require(uow.session, access.APPOINTMENTS_MOVE, appt.practitioner_id, appt.type_id)
            if type_id != appt.type_id:
                self._require(uow.session, access.APPOINTMENTS_MOVE, appt.practitioner_id, type_id)
            self._proposal(uow.session, BookingInput(appt.practitioner_id, appt.starts_at,
                                                     appt.ends_at, patient_id, type_id),
                           appointment_id)
            appt.patient_id, appt.type_id, appt.note = patient_id, type_id, note.strip()
            uow.session.flush()
            row = uow.session.execute(_view_query().where(Appointment.id == appointment_id)).one()
        return _view(row)
