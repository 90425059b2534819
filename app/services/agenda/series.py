"""Recurring series: one RFC 5545 rule over the practice's wall time, checked as a whole
before anything is written.

The rule (``FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10``) is expanded by ``dateutil.rrule`` over
wall dates at the series' start time, and each occurrence is placed with
``PracticeTime.to_utc``: a 09:00 series stays at 09:00 on both sides of a
daylight-saving change. A start inside the hour skipped on the last Sunday of March
(02:30) lands where the practice's clock does, 03:30, as any booking would; in the hour
repeated in October it is the first 02:30.

UNTIL: a date is inclusive (the whole day); a UTC date-time (``…Z``) is read in
practice time; a floating date-time is wall time. A rule must end (COUNT or UNTIL)
within ``MAX_OCCURRENCES``. Hours, minutes and seconds come from the series' start time,
never from the rule (no BYHOUR, BYMINUTE, BYSECOND).

The series row keeps the rule as planned; its appointments are the truth afterwards
(an occurrence may be moved or cancelled on its own).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from typing import NamedTuple

from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.principal import Principal
from app.i18n import _, ngettext
from app.models import Appointment, AppointmentSeries, AppointmentStatus, CancelReason
from app.services.agenda.freed_time import record_move
from app.services import access
from app.services.agenda.guard import OVERLAP, Conflict
from app.services.agenda.schedule import load_schedule
from app.services.agenda.service import AgendaService, BookingRefused, OverrideNotAllowed
from app.services.agenda.setup import parse_hhmm
from app.services.agenda.views import AppointmentView, BookingInput
from app.services.agenda.zone import PracticeTime
from app.services.errors import NotFound, ServiceError, ValidationError
from app.storage.store import Store

MAX_OCCURRENCES = 200
DAY_MIN = 24 * 60
_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_NOT_IN_A_RULE = {"BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART", "TZID"}
# Occurrences that have not happened yet: what "the remaining ones" are.
_UPCOMING = (AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value)


# -- the rule ---------------------------------------------------------------------------
def _rule_error() -> ValidationError:
    return ValidationError({"rule": _("This repetition rule is not understood.")})


def _wall_until(value: str, zone: PracticeTime) -> str:
    if re.fullmatch(r"\d{8}", value):
        return value + "T235959"  # a date: the whole day
    if re.fullmatch(r"\d{8}T\d{6}", value):
        return value
    if re.fullmatch(r"\d{8}T\d{6}Z", value):
        instant = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        return zone.local(instant).strftime("%Y%m%dT%H%M%S")
    raise _rule_error()


def normalise_rule(rule: str, zone: PracticeTime) -> str:
    """The rule as stored: no ``RRULE:`` prefix, upper case, FREQ first, UNTIL in wall time."""
    text = rule.strip()
    if text[:6].upper() == "RRULE:":
        text = text[6:]
    parts: dict[str, str] = {}
    for piece in re.sub(r"\s+", "", text).upper().split(";"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        if not sep or not value or key in parts:
            raise _rule_error()
        parts[key] = value
    if parts.get("FREQ") not in _FREQUENCIES or _NOT_IN_A_RULE & parts.keys() \
            or ("COUNT" in parts and "UNTIL" in parts):
        raise _rule_error()
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise ValidationError({"rule": _("Say how many times the series repeats, or until "
                                         "when.")})
    if "UNTIL" in parts:
        parts["UNTIL"] = _wall_until(parts["UNTIL"], zone)
    ordered = {"FREQ": parts.pop("FREQ"), **parts}
    return ";".join(f"{k}={v}" for k, v in ordered.items())


def expand_rule(rule: str, first_day: date, start_min: int,
                zone: PracticeTime) -> list[tuple[date, datetime]]:
    """(practice day, UTC start) of every occurrence, in order.

    ValidationError for a rule that is not understood, does not end, gives nothing or
    more than ``MAX_OCCURRENCES``.
    """
    if not 0 <= start_min < DAY_MIN:
        raise ValidationError({"start": _("Write times as 08:30.")})
    normal = normalise_rule(rule, zone)
    start = datetime.combine(first_day, time(start_min // 60, start_min % 60))
    try:
        wall = list(islice(rrulestr(normal, dtstart=start), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError):
        raise _rule_error() from None
    if len(wall) > MAX_OCCURRENCES:
        raise ValidationError({"rule": _("A series has at most {n} appointments.").format(
            n=MAX_OCCURRENCES)})
    if not wall:
        raise ValidationError({"rule": _("This rule gives no date.")})
    return [(w.date(), zone.to_utc(w.date(), start_min)) for w in wall]


# -- what the service hands out -----------------------------------------------------------
@dataclass(frozen=True)
class SeriesInput:
    practitioner_id: str
    patient_id: str | None
    type_id: str | None
    first_day: date
    start: str | int  # "09:00", "9h30" or minutes after midnight, practice time
    rule: str
    duration_min: int | None = None  # the type's by default
    note: str = ""
    remote: bool = False


class Occurrence(NamedTuple):
    starts_at: datetime
    ends_at: datetime
    conflicts: tuple[Conflict, ...] = ()

    @property
    def blocking(self) -> tuple[Conflict, ...]:
        return tuple(c for c in self.conflicts if c.blocking)


@dataclass(frozen=True)
class SeriesPlan:
    data: SeriesInput
    rule: str  # normalised, as it will be stored
    start_min: int
    duration_min: int
    occurrences: tuple[Occurrence, ...]

    @property
    def collisions(self) -> tuple[Occurrence, ...]:
        """The occurrences the guard refuses, with their reasons."""
        return tuple(o for o in self.occurrences if o.blocking)


@dataclass(frozen=True)
class SeriesResult:
    series_id: str
    appointments: tuple[AppointmentView, ...]
    skipped: tuple[Occurrence, ...] = ()
    warnings: tuple[Conflict, ...] = ()  # the same patient elsewhere at that time


@dataclass(frozen=True)
class SeriesInfo:
    id: str
    practitioner_id: str
    patient_id: str | None
    type_id: str | None
    rule: str
    first_day: date
    start_min: int
    duration_min: int
    note: str


class SeriesRefused(ServiceError):
    """Some occurrences collide; nothing was written. ``collisions`` say which and why."""

    code = "series_refused"

    def __init__(self, collisions: Sequence[Occurrence], zone: PracticeTime, *,
                 can_override: bool) -> None:
        super().__init__(f"{len(collisions)} occurrence(s) refused")
        self.collisions = tuple(collisions)
        self.can_override = can_override
        self._zone = zone

    @property
    def user_message(self) -> str:
        head = ngettext("{n} date of the series collides:", "{n} dates of the series collide:",
                        len(self.collisions)).format(n=len(self.collisions))
        lines = [head]
        for o in self.collisions:
            when = self._zone.local(o.starts_at).strftime("%d/%m/%Y %H:%M")
            lines.extend(f"{when} — {c.message}" for c in o.blocking)
        return "\n".join(lines)


def _info(row: AppointmentSeries) -> SeriesInfo:
    return SeriesInfo(row.id, row.practitioner_id, row.patient_id, row.type_id, row.rule,
                      row.first_day, row.start_min, row.duration_min, row.note)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class SeriesService:
    """Plan, write, move and cancel recurring series through the agenda's guard."""

    def __init__(self, store: Store, *, agenda: AgendaService, principal: Principal) -> None:
        self._store = store
        self._agenda = agenda
        self.principal = principal
        self._actor = principal.user_id
        self.zone = agenda.zone

    # -- planning ----------------------------------------------------------------------
    def plan_series(self, data: SeriesInput) -> SeriesPlan:
        """Every occurrence of ``data`` and what the guard says about each; writes nothing."""
        start_min = self._minute(data.start)
        days = expand_rule(data.rule, data.first_day, start_min, self.zone)
        with self._store.reader() as s:
            schedule = load_schedule(s, self.zone, self._agenda.holiday_region,
                                     [data.practitioner_id], days[0][0], days[-1][0])
            occurrences = []
            duration = data.duration_min
            for _day, starts in days:
                ends = starts + timedelta(minutes=duration) if duration is not None else None
                proposal = self._agenda.proposal(s, BookingInput(
                    data.practitioner_id, starts, ends, data.patient_id, data.type_id))
                duration = int((proposal.ends_at - proposal.starts_at).total_seconds() // 60)
                conflicts = self._agenda.conflicts(s, proposal, schedule=schedule)
                occurrences.append(Occurrence(proposal.starts_at, proposal.ends_at,
                                              tuple(conflicts)))
        return SeriesPlan(data, normalise_rule(data.rule, self.zone), start_min, duration or 0,
                          tuple(occurrences))

    def create_series(self, plan: SeriesPlan, *, skip_conflicts: bool = False,
                      override: bool = False) -> SeriesResult:
        """Write the series and its appointments in one unit of work.

        Refused (SeriesRefused, nothing written) while occurrences collide, unless they
        are skipped (``skip_conflicts``, which wins over ``override``) or the practice
        owner books over them (``override``). The guard looks again inside the unit of
        work, so a booking made since the plan is not overwritten either.
        """
        access.require(self.principal, access.APPOINTMENTS_BOOK)
        if plan.collisions and not (skip_conflicts or override):
            raise SeriesRefused(plan.collisions, self.zone,
                                can_override=self._agenda.can_override)
        over = override and not skip_conflicts
        if over and plan.collisions and not self._agenda.can_override:
            raise OverrideNotAllowed()
        d = plan.data
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            series = AppointmentSeries(practitioner_id=d.practitioner_id, patient_id=d.patient_id,
                                       type_id=d.type_id, rule=plan.rule, first_day=d.first_day,
                                       start_min=plan.start_min, duration_min=plan.duration_min,
                                       note=d.note.strip())
            uow.session.add(series)
            uow.session.flush()
            booked, skipped, refused, warnings = [], [], [], []
            for occ in plan.occurrences:
                try:
                    result = self._agenda.book(BookingInput(
                        d.practitioner_id, occ.starts_at, occ.ends_at, d.patient_id, d.type_id,
                        d.note, d.remote, series.id), override=over, uow=uow)
                except BookingRefused as exc:
                    (skipped if skip_conflicts else refused).append(
                        occ._replace(conflicts=exc.conflicts))
                    continue
                booked.append(result.appointment)
                warnings.extend(result.warnings)
            if refused:  # booked by someone else since the plan: roll everything back
                raise SeriesRefused(refused, self.zone, can_override=self._agenda.can_override)
            if not booked:
                raise ValidationError({"rule": _("Every date of this series collides; nothing "
                                                 "was booked.")})
            uow.audit("series_create", AppointmentSeries.__sync_entity__, series.id,
                      f"booked={len(booked)} skipped={len(skipped)}")
        return SeriesResult(series.id, tuple(booked), tuple(skipped), tuple(warnings))

    # -- reading -------------------------------------------------------------------------
    def get(self, series_id: str) -> SeriesInfo:
        access.require(self.principal, access.APPOINTMENTS_READ)
        with self._store.reader() as s:
            row = s.get(AppointmentSeries, series_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(series_id)
            return _info(row)

    def occurrences(self, series_id: str, *, include_cancelled: bool = True
                    ) -> list[AppointmentView]:
        """The series' appointments by start."""
        access.require(self.principal, access.APPOINTMENTS_READ)
        views = self._agenda.in_series(series_id)
        return views if include_cancelled else [v for v in views if v.holds_time]

    # -- changing what is booked ---------------------------------------------------------
    def cancel_occurrence(self, appointment_id: str, reason: str,
                          note: str = "") -> AppointmentView:
        """Cancel this one appointment; the rest of the series stays."""
        return self._agenda.cancel(appointment_id, reason, note)

    def cancel_remaining(self, series_id: str, from_appointment_id: str, reason: str,
                         note: str = "") -> list[AppointmentView]:
        """Cancel this occurrence and every later one still to come (booked or confirmed;
        one already seen, arrived or marked no-show stays as it is), in one unit of work."""
        access.require(self.principal, access.APPOINTMENTS_CANCEL)
        if reason not in {r.value for r in CancelReason if r is not CancelReason.NONE}:
            raise ValidationError({"reason": _("Say who cancelled.")})
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            start = self._from(uow.session, series_id, from_appointment_id)
            ids = uow.session.execute(
                select(Appointment.id).where(Appointment.series_id == series_id,
                                             Appointment.starts_at >= start,
                                             Appointment.status.in_(_UPCOMING),
                                             Appointment.deleted_at.is_(None))
                .order_by(Appointment.starts_at)).scalars().all()
            views = [self._agenda.cancel(aid, reason, note, uow=uow) for aid in ids]
            uow.audit("series_cancel", AppointmentSeries.__sync_entity__, series_id,
                      f"cancelled={len(views)} reason={reason}")
        return views

    def move_remaining(self, series_id: str, from_appointment_id: str, start: str | int, *,
                       override: bool = False) -> list[AppointmentView]:
        """Move this occurrence and every later one still to come to ``start`` (practice
        time) on its own day, keeping lengths. Refused with every collision and nothing
        written, unless the practice owner overrides."""
        access.require(self.principal, access.APPOINTMENTS_MOVE)
        minute = self._minute(start)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            s = uow.session
            first = self._from(s, series_id, from_appointment_id)
            rows = s.execute(select(Appointment).where(
                Appointment.series_id == series_id, Appointment.starts_at >= first,
                Appointment.status.in_(_UPCOMING), Appointment.deleted_at.is_(None))
                .order_by(Appointment.starts_at)).scalars().all()
            if not rows:
                return []
            moving = {a.id for a in rows}
            days = [self.zone.day_of(a.starts_at) for a in rows]
            schedule = load_schedule(s, self.zone, self._agenda.holiday_region,
                                     {a.practitioner_id for a in rows}, min(days), max(days))
            planned = []
            for a, day in zip(rows, days):
                starts = self.zone.to_utc(day, minute)
                proposal = self._agenda.proposal(s, BookingInput(
                    a.practitioner_id, starts, starts + (a.ends_at - a.starts_at), a.patient_id,
                    a.type_id), ignore_id=a.id)
                conflicts = self._agenda.conflicts(s, proposal, schedule=schedule,
                                                   ignore_ids=moving)
                planned.append([a, proposal, conflicts])
            self._overlaps_among(planned)
            collisions = [Occurrence(p.starts_at, p.ends_at, tuple(c))
                          for _a, p, c in planned if any(x.blocking for x in c)]
            if collisions and not override:
                raise SeriesRefused(collisions, self.zone, can_override=self._agenda.can_override)
            if collisions and not self._agenda.can_override:
                raise OverrideNotAllowed()
            for a, p, conflicts in planned:
                blocking = [c for c in conflicts if c.blocking]
                before = (a.practitioner_id, a.starts_at, a.ends_at)
                a.starts_at, a.ends_at = p.starts_at, p.ends_at
                record_move(uow, a.id, before, (a.practitioner_id, a.starts_at, a.ends_at))
                if blocking:
                    a.override_note = "\n".join(c.message for c in blocking)
                s.flush()
                uow.audit("override" if blocking else "move", Appointment.__sync_entity__, a.id,
                          ",".join(sorted({c.kind for c in blocking})))
            uow.audit("series_move", AppointmentSeries.__sync_entity__, series_id,
                      f"moved={len(rows)} to={_hhmm(minute)}")
        return [v for v in self._agenda.in_series(series_id) if v.id in moving]

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _minute(start: str | int) -> int:
        try:
            minute = parse_hhmm(start)
        except ValueError:
            minute = DAY_MIN
        if minute >= DAY_MIN:
            raise ValidationError({"start": _("Write times as 08:30.")})
        return minute

    @staticmethod
    def _from(s: Session, series_id: str, appointment_id: str) -> datetime:
        row = s.get(Appointment, appointment_id)
        if row is None or row.deleted_at is not None or row.series_id != series_id:
            raise NotFound(appointment_id)
        return row.starts_at

    def _overlaps_among(self, planned: list[list]) -> None:
        """The moved occurrences against each other (the guard saw their old times)."""
        reach: dict[str, tuple[datetime, Appointment, object]] = {}
        for a, p, conflicts in sorted(planned, key=lambda x: x[1].starts_at):
            held = p.ends_at + timedelta(minutes=p.buffer_min)
            before = reach.get(p.practitioner_id)
            if before is not None and p.starts_at < before[0]:
                other, q = before[1], before[2]
                label = (f"{_hhmm(self.zone.wall_minute(q.starts_at))}–"
                         f"{_hhmm(self.zone.wall_minute(q.ends_at))}")
                conflicts.append(Conflict(OVERLAP, _("Overlaps another appointment: {label}.")
                                          .format(label=label), other_id=other.id))
            if before is None or held > before[0]:
                reach[p.practitioner_id] = (held, a, p)
