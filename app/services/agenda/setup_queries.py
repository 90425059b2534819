"""Reads the agenda's settings screens need and ``AgendaSetupService`` does not offer."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.models import HolidayOpening
from app.storage.store import Store


def holiday_openings(store: Store, first: date, last: date) -> set[tuple[date, str | None]]:
    """The public holidays of ``first``..``last`` someone works anyway: (day, practitioner
    id), the practitioner being None when the whole practice opens."""
    with store.reader() as s:
        rows = s.execute(select(HolidayOpening.day, HolidayOpening.practitioner_id).where(
            HolidayOpening.deleted_at.is_(None), HolidayOpening.day >= first,
            HolidayOpening.day <= last)).all()
    return {(day, pid) for day, pid in rows}
