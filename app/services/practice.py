"""The practice, its practitioners and the local owner account."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import func, select

from app.clock import Clock
from app.i18n import _, ngettext
from app.models import ROLE_OWNER, Appointment, Practice, Practitioner, User
from app.models.agenda import HOLDING_STATUSES
from app.models.user import DEFAULT_OWNER_LOGIN
from app.models.ids import uuid7
from app.models.text import clean_name
from app.services.errors import NotFound, ValidationError
from app.services.phones import InvalidPhone, parse_phone
from app.storage.store import Store

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class PractitionerInput:
    first_name: str
    last_name: str
    specialty: str = ""
    colour: str = "#3b7dd8"
    title: str = "Dr"

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


@dataclass
class PracticeInput:
    name: str
    timezone: str = "Europe/Paris"
    address: str = ""
    practitioners: list[PractitionerInput] = field(default_factory=list)
    holiday_region: str = ""
    owner_name: str = ""


@dataclass(frozen=True)
class PracticeInfo:
    id: str
    name: str
    timezone: str
    address: str
    holiday_region: str = ""
    phone: str = ""  # E.164, or ""


@dataclass(frozen=True)
class PractitionerInfo:
    id: str
    display_name: str
    specialty: str
    colour: str


_TITLES = {"dr": "Dr", "dr.": "Dr", "docteur": "Dr", "pr": "Pr", "pr.": "Pr",
           "professeur": "Pr"}


def practitioner_from_name(text: str, *, title: str = "Dr",
                           specialty: str = "") -> PractitionerInput:
    """"Dr Claire Morel" → title, first name, last name (the last word); a title typed
    first wins over ``title``. One word is a last name."""
    words = clean_name(text).split(" ")
    if words and words[0].casefold() in _TITLES:
        title, words = _TITLES[words[0].casefold()], words[1:]
    if not words or not words[-1]:
        raise ValidationError({"practitioner": _("Give the practitioner's name, e.g. "
                                                 "\"Dr Claire Morel\".")})
    return PractitionerInput(first_name=" ".join(words[:-1]), last_name=words[-1],
                             specialty=specialty, title=title)


def timezone_names() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def _cleaned(data: PracticeInput) -> PracticeInput:
    """The names as they are saved, cleaned as patients' names are (no control
    character, no line break, no bidirectional override, single spaces)."""
    return PracticeInput(
        name=clean_name(data.name), timezone=data.timezone,
        address=data.address.strip(), holiday_region=data.holiday_region,
        owner_name=clean_name(data.owner_name),
        practitioners=[PractitionerInput(
            first_name=clean_name(p.first_name), last_name=clean_name(p.last_name),
            specialty=clean_name(p.specialty), colour=p.colour, title=clean_name(p.title))
            for p in data.practitioners])


def validate_practice(data: PracticeInput) -> None:
    data = _cleaned(data)
    errors: dict[str, str] = {}
    if not data.name:
        errors["name"] = _("The practice name is required.")
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = _("Unknown time zone: {zone}").format(zone=data.timezone)
    for i, p in enumerate(data.practitioners):
        if not p.last_name:
            errors[f"practitioner{i}"] = _("Each practitioner needs a last name.")
        elif not _COLOUR.match(p.colour):
            errors[f"practitioner{i}"] = _("Colours are written #rrggbb.")
    if errors:
        raise ValidationError(errors)


def setup_practice(store: Store, data: PracticeInput) -> str:
    """Create the practice, its practitioners and the owner account; returns the owner id.

    The owner's own id is the actor of this first unit of work.
    """
    validate_practice(data)
    data = _cleaned(data)
    owner = User(id=uuid7(), display_name=data.owner_name or _("Practice owner"),
                 role=ROLE_OWNER, login=DEFAULT_OWNER_LOGIN)
    with store.unit_of_work(actor_id=owner.id) as uow:
        uow.session.add(owner)
        uow.session.add(Practice(name=data.name, timezone=data.timezone,
                                 address=data.address, holiday_region=data.holiday_region))
        for p in data.practitioners:
            uow.session.add(Practitioner(title=p.title, first_name=p.first_name,
                                         last_name=p.last_name, specialty=p.specialty,
                                         colour=p.colour))
    return owner.id


def owner_id(store: Store) -> str:
    with store.reader() as s:
        uid = s.execute(select(User.id).where(User.role == ROLE_OWNER, User.deleted_at.is_(None))
                        .order_by(User.created_at).limit(1)).scalar()
    if uid is None:
        raise LookupError("no owner account")
    return uid


def user_role(store: Store, user_id: str) -> str:
    with store.reader() as s:
        role = s.execute(select(User.role).where(User.id == user_id)).scalar()
    if role is None:
        raise LookupError("no such user")
    return role


def get_practice(store: Store) -> PracticeInfo | None:
    with store.reader() as s:
        p = s.execute(select(Practice).where(Practice.deleted_at.is_(None))
                      .order_by(Practice.created_at).limit(1)).scalar()
        return None if p is None else PracticeInfo(p.id, p.name, p.timezone, p.address,
                                                         p.holiday_region, p.phone)


def list_practitioners(store: Store) -> list[PractitionerInfo]:
    with store.reader() as s:
        rows = s.execute(select(Practitioner).where(Practitioner.deleted_at.is_(None),
                                                    Practitioner.active.is_(True))
                         .order_by(Practitioner.last_name, Practitioner.first_name)).scalars()
        return [PractitionerInfo(p.id, p.display_name, p.specialty, p.colour) for p in rows]


# -- after setup: Réglages ----------------------------------------------------------------
@dataclass
class PracticeDetails:
    name: str
    address: str = ""
    timezone: str = "Europe/Paris"
    phone: str = ""  # as typed


@dataclass(frozen=True)
class PractitionerRecord:
    """A practitioner as Réglages edits them, active or not."""

    id: str
    title: str
    first_name: str
    last_name: str
    specialty: str
    colour: str
    active: bool

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


def _record(p: Practitioner) -> PractitionerRecord:
    return PractitionerRecord(p.id, p.title, p.first_name, p.last_name, p.specialty, p.colour,
                              p.active)


class PracticeEditor:
    """The practice's details and its practitioners, changed after the setup assistant.
    Practitioners are never deleted: deactivated, they leave the pickers and the agenda's
    columns but keep their names in every history."""

    def __init__(self, store: Store, *, actor_id: str, clock: Clock) -> None:
        self._store = store
        self._actor = actor_id
        self._clock = clock

    # -- the practice ----------------------------------------------------------------
    def practice(self) -> PracticeInfo:
        info = get_practice(self._store)
        if info is None:
            raise NotFound("practice")
        return info

    def appointment_count(self) -> int:
        with self._store.reader() as s:
            return s.execute(select(func.count()).select_from(Appointment).where(
                Appointment.deleted_at.is_(None))).scalar_one()

    def save_practice(self, data: PracticeDetails) -> PracticeInfo:
        """Name, address, phone and time zone. The time zone of a practice that has
        appointments is refused: each was booked at a time of day of the old zone, and
        would show at another hour in the new one."""
        name, address = clean_name(data.name), data.address.strip()
        errors = {}
        if not name:
            errors["name"] = _("The practice name is required.")
        phone = ""
        if data.phone.strip():
            try:
                phone = parse_phone(data.phone).e164
            except InvalidPhone as exc:
                errors["phone"] = exc.user_message
        try:
            ZoneInfo(data.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = _("Unknown time zone: {zone}").format(zone=data.timezone)
        if errors:
            raise ValidationError(errors)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            practice = uow.session.execute(select(Practice).where(
                Practice.deleted_at.is_(None)).order_by(Practice.created_at).limit(1)).scalar()
            if practice is None:
                raise NotFound("practice")
            if data.timezone != practice.timezone:
                count = uow.session.execute(select(func.count()).select_from(Appointment).where(
                    Appointment.deleted_at.is_(None))).scalar_one()
                if count:
                    raise ValidationError({"timezone": ngettext(
                        "The time zone cannot change: the practice has {n} appointment, "
                        "booked at a time of {zone}; in another zone it would show at "
                        "another hour.",
                        "The time zone cannot change: the practice has {n} appointments, "
                        "booked at times of {zone}; in another zone they would show at "
                        "other hours.", count).format(n=count, zone=practice.timezone)})
            practice.name, practice.address, practice.timezone = name, address, data.timezone
            practice.phone = phone
            return PracticeInfo(practice.id, practice.name, practice.timezone, practice.address,
                                practice.holiday_region, practice.phone)

    # -- practitioners ---------------------------------------------------------------
    def practitioners(self, *, include_inactive: bool = True) -> list[PractitionerRecord]:
        with self._store.reader() as s:
            q = select(Practitioner).where(Practitioner.deleted_at.is_(None))
            if not include_inactive:
                q = q.where(Practitioner.active.is_(True))
            rows = s.execute(q.order_by(Practitioner.active.desc(), Practitioner.last_name,
                                        Practitioner.first_name)).scalars()
            return [_record(p) for p in rows]

    def save_practitioner(self, data: PractitionerInput,
                          practitioner_id: str | None = None) -> PractitionerRecord:
        """Add one (``practitioner_id`` None) or change one's name, title, specialty and
        colour."""
        p_in = PractitionerInput(first_name=clean_name(data.first_name),
                                 last_name=clean_name(data.last_name),
                                 specialty=clean_name(data.specialty), colour=data.colour,
                                 title=clean_name(data.title))
        errors = {}
        if not p_in.last_name:
            errors["last_name"] = _("Each practitioner needs a last name.")
        if not _COLOUR.match(p_in.colour):
            errors["colour"] = _("Colours are written #rrggbb.")
        if errors:
            raise ValidationError(errors)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            if practitioner_id is None:
                p = Practitioner(active=True)
                uow.session.add(p)
            else:
                p = uow.session.get(Practitioner, practitioner_id)
                if p is None or p.deleted_at is not None:
                    raise NotFound(practitioner_id)
            p.title, p.first_name, p.last_name = p_in.title, p_in.first_name, p_in.last_name
            p.specialty, p.colour = p_in.specialty, p_in.colour
            uow.session.flush()
            return _record(p)

    def future_appointments(self, practitioner_id: str) -> int:
        """How many appointments still to come hold this practitioner's time."""
        with self._store.reader() as s:
            return s.execute(select(func.count()).select_from(Appointment).where(
                Appointment.practitioner_id == practitioner_id,
                Appointment.deleted_at.is_(None), Appointment.status.in_(HOLDING_STATUSES),
                Appointment.starts_at >= self._clock.now())).scalar_one()

    def set_active(self, practitioner_id: str, active: bool) -> PractitionerRecord:
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            p = uow.session.get(Practitioner, practitioner_id)
            if p is None or p.deleted_at is not None:
                raise NotFound(practitioner_id)
            p.active = active
            uow.session.flush()
            return _record(p)
