"""Whether an agenda can take bookings yet: what a new practice still lacks.

A practitioner without any weekly hours has an all-grey agenda where every booking is
refused as outside opening hours; without an appointment type offered to them, the
slot finder has nothing to search for. The screens say so and point to the setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app.models import AppointmentType, OpeningHours
from app.models.agenda import id_set
from app.storage.store import Store


@dataclass(frozen=True)
class Readiness:
    any_type: bool                   # the practice has at least one active type
    without_hours: tuple[str, ...]   # of the practitioners asked about, in their order
    without_types: tuple[str, ...]   # those no active type is offered by

    @property
    def ready(self) -> bool:
        return self.any_type and not self.without_hours and not self.without_types


def agenda_readiness(store: Store, practitioner_ids: Iterable[str]) -> Readiness:
    ids = list(practitioner_ids)
    with store.reader() as s:
        offered = [id_set(t) for t in s.execute(select(AppointmentType.practitioner_ids).where(
            AppointmentType.deleted_at.is_(None), AppointmentType.active.is_(True))).scalars()]
        with_hours = set(s.execute(select(OpeningHours.practitioner_id).where(
            OpeningHours.deleted_at.is_(None), OpeningHours.practitioner_id.in_(ids))
            .distinct()).scalars()) if ids else set()
    return Readiness(
        any_type=bool(offered),
        without_hours=tuple(p for p in ids if p not in with_hours),
        without_types=tuple(p for p in ids
                            if not any(not some or p in some for some in offered)))
