"""The double-booking guard: why a proposed appointment cannot go where it was put.

Pure: it reads a ``Schedule`` and the neighbouring bookings handed in. Blocking
conflicts refuse the booking unless the practice owner overrides them (recorded); the
same patient booked twice at one time is only a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.i18n import _
from app.services.agenda.schedule import Schedule

# Kinds of conflict, stable strings (the UI and the audit trail use them).
OVERLAP = "overlap"
ABSENCE = "absence"
CLOSED = "closed"
HOLIDAY = "holiday"
TYPE_NOT_HERE = "type_not_here"
SAME_PATIENT = "same_patient"


@dataclass(frozen=True)
class Busy:
    """Time another booking holds: its own length plus its type's buffer after."""

    id: str
    practitioner_id: str
    patient_id: str | None
    starts_at: datetime
    ends_at: datetime
    buffer_min: int = 0
    label: str = ""  # shown in the message, e.g. "09:00–09:15 Consultation"

    @property
    def held_until(self) -> datetime:
        return self.ends_at + timedelta(minutes=self.buffer_min)


@dataclass(frozen=True)
class Proposal:
    practitioner_id: str
    patient_id: str | None
    type_id: str | None
    starts_at: datetime
    ends_at: datetime
    buffer_min: int = 0
    ignore_id: str | None = None  # the appointment being moved


@dataclass(frozen=True)
class Conflict:
    kind: str
    message: str
    blocking: bool = True
    other_id: str = ""


def _hhmm(schedule: Schedule, instant: datetime) -> str:
    m = schedule.zone.wall_minute(instant)
    return f"{m // 60:02d}:{m % 60:02d}"


def check(schedule: Schedule, proposal: Proposal, busy: Iterable[Busy], *,
          practitioner_name: str = "", names: dict[str, str] | None = None) -> list[Conflict]:
    """Every reason the proposal cannot be booked as is, blocking ones first."""
    p = proposal
    names = names or {}
    who = practitioner_name or _("the practitioner")
    conflicts: list[Conflict] = []
    day = schedule.zone.day_of(p.starts_at)
    holiday = schedule.holiday(day)
    if holiday and schedule.closed_for_holiday(p.practitioner_id, day):
        conflicts.append(Conflict(HOLIDAY, _("{day} is a public holiday ({name}); the practice "
                                             "is closed.").format(day=day.strftime("%d/%m/%Y"),
                                                                  name=holiday)))
    for a in schedule.absences_between(p.practitioner_id, p.starts_at, p.ends_at):
        text = _("{who} is absent from {start} to {end}.").format(
            who=who, start=schedule.zone.local(a.starts_at).strftime("%d/%m %H:%M"),
            end=schedule.zone.local(a.ends_at).strftime("%d/%m %H:%M"))
        if a.replacement_id:
            text += " " + _("Replaced by {name}.").format(
                name=names.get(a.replacement_id, _("another practitioner")))
        conflicts.append(Conflict(ABSENCE, text, other_id=a.id))
    if not conflicts:
        opened = schedule.range_containing(p.practitioner_id, p.starts_at, p.ends_at)
        if opened is None:
            conflicts.append(Conflict(CLOSED, _("{start}–{end} is outside {who}'s opening hours.")
                                      .format(start=_hhmm(schedule, p.starts_at),
                                              end=_hhmm(schedule, p.ends_at), who=who)))
        elif not opened.accepts(p.type_id):
            conflicts.append(Conflict(TYPE_NOT_HERE, _(
                "This appointment type is not offered in these hours ({start}–{end}).").format(
                    start=_hhmm(schedule, opened.starts_at), end=_hhmm(schedule, opened.ends_at))))
    held_until = p.ends_at + timedelta(minutes=p.buffer_min)
    for b in busy:
        if b.id == p.ignore_id:
            continue
        overlaps = b.starts_at < held_until and p.starts_at < b.held_until
        if not overlaps:
            continue
        if b.practitioner_id == p.practitioner_id:
            conflicts.append(Conflict(OVERLAP, _("Overlaps another appointment: {label}.").format(
                label=b.label or f"{_hhmm(schedule, b.starts_at)}–{_hhmm(schedule, b.ends_at)}"),
                other_id=b.id))
        elif p.patient_id is not None and b.patient_id == p.patient_id \
                and b.starts_at < p.ends_at and p.starts_at < b.ends_at:
            conflicts.append(Conflict(SAME_PATIENT, _(
                "This patient already has an appointment at this time with {name}.").format(
                    name=names.get(b.practitioner_id, _("another practitioner"))),
                blocking=False, other_id=b.id))
    conflicts.sort(key=lambda c: not c.blocking)
    return conflicts
