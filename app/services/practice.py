"""The practice, its practitioners and the local owner account."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from app.i18n import _
from app.models import ROLE_OWNER, Practice, Practitioner, User
from app.models.user import DEFAULT_OWNER_LOGIN
from app.models.ids import uuid7
from app.models.text import clean_name
from app.services.errors import ValidationError
from app.storage.store import Store

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class PractitionerInput:
    first_name: str
    last_name: str
    specialty: str = ""
    colour: str = "#3b7dd8"
    title: str = "Dr"


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


@dataclass(frozen=True)
class PractitionerInfo:
    id: str
    display_name: str
    specialty: str
    colour: str


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
                                                         p.holiday_region)


def list_practitioners(store: Store) -> list[PractitionerInfo]:
    with store.reader() as s:
        rows = s.execute(select(Practitioner).where(Practitioner.deleted_at.is_(None),
                                                    Practitioner.active.is_(True))
                         .order_by(Practitioner.last_name, Practitioner.first_name)).scalars()
        return [PractitionerInfo(p.id, p.display_name, p.specialty, p.colour) for p in rows]
