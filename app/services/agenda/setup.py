"""Setting the agenda up: appointment types, weekly hours, absences, holiday openings."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.models.principal import Principal
from app.clock import Clock
from app.i18n import _
from app.models import (
    Absence, AbsenceKind, AppointmentType, HolidayOpening, OpeningHours, Practice, Practitioner,
)
from app.models.agenda import id_set, id_set_text
from app.models.text import clean_name
from app.services import access
from app.services.agenda.public_holidays import valid_region
from app.services.agenda.views import TypeInfo
from app.services.errors import NotFound, ValidationError
from app.storage.store import Store

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HHMM = re.compile(r"^\s*(\d{1,2})\s*[:hH.]\s*(\d{2})?\s*$")


def parse_hhmm(value: str | int) -> int:
    """"8:30", "08h30", "14h" or minutes -> minutes after midnight; ValueError otherwise."""
    if isinstance(value, int):
        minute = value
    else:
        m = _HHMM.match(value)
        if not m:
            raise ValueError(value)
        if int(m.group(2) or 0) > 59:
            raise ValueError(value)
        minute = int(m.group(1)) * 60 + int(m.group(2) or 0)
    if not 0 <= minute <= 24 * 60:
        raise ValueError(value)
    return minute


def absence_kind_labels() -> dict[str, str]:
    return {AbsenceKind.HOLIDAY.value: _("Holiday"), AbsenceKind.TRAINING.value: _("Training"),
            AbsenceKind.SICK.value: _("Sick leave"), AbsenceKind.OTHER.value: _("Other")}


@dataclass
class TypeInput:
    name: str
    duration_min: int = 15
    buffer_after_min: int = 0
    colour: str = "#5b8def"
    remote_bookable: bool = True
    practitioner_ids: frozenset[str] = frozenset()
    active: bool = True
    urgent_only: bool = False


@dataclass
class HoursRange:
    weekday: int  # Monday = 0
    start: str | int
    end: str | int
    type_ids: frozenset[str] = frozenset()


@dataclass
class StarterPlan:
    """Types to create and, per practitioner id, a usual week replacing theirs."""

    types: list[TypeInput] = field(default_factory=list)
    hours: dict[str, list[HoursRange]] = field(default_factory=dict)


@dataclass(frozen=True)
class HoursSet:
    valid_from: date | None
    valid_until: date | None
    ranges: tuple[tuple[int, int, int, frozenset[str]], ...]  # weekday, start, end, types


@dataclass
class AbsenceInput:
    practitioner_id: str
    starts_at: datetime
    ends_at: datetime
    kind: str = AbsenceKind.HOLIDAY.value
    note: str = ""
    replacement_id: str | None = None


@dataclass(frozen=True)
class AbsenceInfo:
    id: str
    practitioner_id: str
    starts_at: datetime
    ends_at: datetime
    kind: str
    note: str
    replacement_id: str | None


@dataclass
class _Checked:
    rows: list[tuple[int, int, int, str]] = field(default_factory=list)


class AgendaSetupService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock) -> None:
        self._store = store
        self.principal = principal
        self._actor = principal.user_id
        self._clock = clock

    # -- appointment types -----------------------------------------------------------
    def save_type(self, data: TypeInput, type_id: str | None = None) -> TypeInfo:
        access.require(self.principal, access.SETTINGS)
        name = self._check_type(data)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            if type_id is None:
                t = AppointmentType()
                uow.session.add(t)
            else:
                t = uow.session.get(AppointmentType, type_id)
                if t is None:
                    raise NotFound(type_id)
            return self._write_type(uow, t, name, data)

    @staticmethod
    def _check_type(data: TypeInput, prefix: str = "") -> str:
        """The name as saved; ValidationError (fields prefixed) when a value is out of
        bounds."""
        errors = {}
        name = clean_name(data.name)  # as patients' names: it reaches calendars and lists
        if not name:
            errors[prefix + "name"] = _("The appointment type needs a name.")
        if not 5 <= data.duration_min <= 720:
            errors[prefix + "duration"] = _("The duration is between 5 minutes and 12 hours.")
        if not 0 <= data.buffer_after_min <= 120:
            errors[prefix + "buffer"] = _("The time after is between 0 and 120 minutes.")
        if not _COLOUR.match(data.colour):
            errors[prefix + "colour"] = _("Colours are written #rrggbb.")
        if errors:
            raise ValidationError(errors)
        return name

    @staticmethod
    def _write_type(uow, t: AppointmentType, name: str, data: TypeInput) -> TypeInfo:
        t.name, t.duration_min = name, data.duration_min
        t.buffer_after_min, t.colour = data.buffer_after_min, data.colour
        t.remote_bookable, t.active = data.remote_bookable, data.active
        if bool(t.urgent_only) != data.urgent_only:
            t.urgent_only = data.urgent_only
        t.practitioner_ids = id_set_text(data.practitioner_ids)
        uow.session.flush()
        return TypeInfo(t.id, t.name, t.duration_min, t.buffer_after_min, t.colour,
                        t.remote_bookable, id_set(t.practitioner_ids), t.active, t.urgent_only)

    # -- a starting point -----------------------------------------------------------
    def apply_starter(self, plan: StarterPlan) -> list[TypeInfo]:
        """Create the plan's types and replace the usual week of each practitioner it
        names, all in one write: checked whole first, nothing written if a part is
        wrong (fields ``type{i}.name``, ``hours:{practitioner id}``…)."""
        names = [self._check_type(t, f"type{i}.") for i, t in enumerate(plan.types)]
        checked = {}
        for pid, ranges in plan.hours.items():
            try:
                checked[pid] = self._check_ranges(ranges)
            except ValidationError as exc:
                raise ValidationError({f"hours:{pid}": m for m in exc.errors.values()}) from None
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            known = set(uow.session.execute(select(Practitioner.id).where(
                Practitioner.deleted_at.is_(None))).scalars())
            unknown = set(plan.hours) - known
            for data in plan.types:
                unknown |= set(data.practitioner_ids) - known
            if unknown:
                raise NotFound(", ".join(sorted(unknown)))
            created = []
            for name, data in zip(names, plan.types):
                t = AppointmentType()
                uow.session.add(t)
                created.append(self._write_type(uow, t, name, data))
            for pid, rows in checked.items():
                self._replace_hours(uow, pid, rows, None, None)
            return created

    # -- weekly hours --------------------------------------------------------------
    def hours(self, practitioner_id: str) -> list[HoursSet]:
        """The practitioner's sets of weekly hours, the usual week first."""
        with self._store.reader() as s:
            rows = s.execute(select(OpeningHours).where(
                OpeningHours.practitioner_id == practitioner_id,
                OpeningHours.deleted_at.is_(None))).scalars().all()
        sets: dict[tuple, list] = defaultdict(list)
        for r in rows:
            sets[(r.valid_from, r.valid_until)].append((r.weekday, r.start_min, r.end_min,
                                                        id_set(r.type_ids)))
        return [HoursSet(f, u, tuple(sorted(v, key=lambda x: (x[0], x[1]))))
                for (f, u), v in sorted(sets.items(), key=lambda kv: (kv[0][0] is not None,
                                                                       kv[0][0] or date.min))]

    def set_hours(self, practitioner_id: str, ranges: list[HoursRange], *,
                  valid_from: date | None = None, valid_until: date | None = None) -> None:
        """Replace the set of weekly hours with these validity dates."""
        access.require(self.principal, access.SETTINGS)
        checked = self._check_ranges(ranges)
        if valid_from and valid_until and valid_until < valid_from:
            raise ValidationError({"valid_until": _("The end date is before the start date.")})
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            self._replace_hours(uow, practitioner_id, checked, valid_from, valid_until)

    def _replace_hours(self, uow, practitioner_id: str, checked: _Checked,
                       valid_from: date | None, valid_until: date | None) -> None:
        now = self._clock.now()
        for old in uow.session.execute(select(OpeningHours).where(
                OpeningHours.practitioner_id == practitioner_id,
                OpeningHours.deleted_at.is_(None))).scalars():
            if (old.valid_from, old.valid_until) == (valid_from, valid_until):
                old.deleted_at = now
        for weekday, start, end, types in checked.rows:
            uow.session.add(OpeningHours(practitioner_id=practitioner_id, weekday=weekday,
                                         start_min=start, end_min=end, type_ids=types,
                                         valid_from=valid_from, valid_until=valid_until))

    @staticmethod
    def _check_ranges(ranges: list[HoursRange]) -> _Checked:
        out = _Checked()
        by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for i, r in enumerate(ranges):
            try:
                start, end = parse_hhmm(r.start), parse_hhmm(r.end)
            except ValueError:
                raise ValidationError({f"range{i}": _("Write times as 08:30.")}) from None
            if not 0 <= r.weekday <= 6:
                raise ValidationError({f"range{i}": _("Unknown day of the week.")})
            if end <= start:
                raise ValidationError({f"range{i}": _("A range ends after it starts.")})
            for s, e in by_day[r.weekday]:
                if start < e and s < end:
                    raise ValidationError({f"range{i}": _("Two ranges of the same day overlap.")})
            by_day[r.weekday].append((start, end))
            out.rows.append((r.weekday, start, end, id_set_text(r.type_ids)))
        return out

    # -- absences ------------------------------------------------------------------
    def add_absence(self, data: AbsenceInput) -> AbsenceInfo:
        access.require(self.principal, access.SETTINGS)
        errors = {}
        if data.ends_at <= data.starts_at:
            errors["end"] = _("The absence ends after it starts.")
        if data.kind not in absence_kind_labels():
            errors["kind"] = _("Choose the kind of absence.")
        if data.replacement_id == data.practitioner_id:
            errors["replacement"] = _("A practitioner cannot replace themselves.")
        if errors:
            raise ValidationError(errors)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            a = Absence(practitioner_id=data.practitioner_id, starts_at=data.starts_at,
                        ends_at=data.ends_at, kind=data.kind, note=data.note.strip(),
                        replacement_id=data.replacement_id)
            uow.session.add(a)
            uow.session.flush()
            return AbsenceInfo(a.id, a.practitioner_id, a.starts_at, a.ends_at, a.kind, a.note,
                               a.replacement_id)

    def absences(self, practitioner_id: str | None = None) -> list[AbsenceInfo]:
        with self._store.reader() as s:
            q = select(Absence).where(Absence.deleted_at.is_(None))
            if practitioner_id is not None:
                q = q.where(Absence.practitioner_id == practitioner_id)
            return [AbsenceInfo(a.id, a.practitioner_id, a.starts_at, a.ends_at, a.kind, a.note,
                                a.replacement_id)
                    for a in s.execute(q.order_by(Absence.starts_at)).scalars()]

    def remove_absence(self, absence_id: str) -> None:
        access.require(self.principal, access.SETTINGS)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            a = uow.session.get(Absence, absence_id)
            if a is None:
                raise NotFound(absence_id)
            a.deleted_at = self._clock.now()

    # -- holidays ------------------------------------------------------------------
    def set_holiday_open(self, day: date, is_open: bool, practitioner_id: str | None = None) -> None:
        """Work on a public holiday anyway (``is_open``), or go back to closed."""
        access.require(self.principal, access.SETTINGS)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            rows = uow.session.execute(select(HolidayOpening).where(
                HolidayOpening.day == day, HolidayOpening.deleted_at.is_(None))).scalars().all()
            mine = [r for r in rows if r.practitioner_id == practitioner_id]
            if is_open and not mine:
                uow.session.add(HolidayOpening(day=day, practitioner_id=practitioner_id))
            elif not is_open:
                for r in mine:
                    r.deleted_at = self._clock.now()

    def set_holiday_region(self, region: str) -> None:
        access.require(self.principal, access.SETTINGS)
        if not valid_region(region):
            raise ValidationError({"region": _("Unknown region.")})
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            practice = uow.session.execute(select(Practice).where(
                Practice.deleted_at.is_(None)).order_by(Practice.created_at).limit(1)).scalar_one()
            practice.holiday_region = region
