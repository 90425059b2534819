"""What the agenda services hand out: plain frozen records, safe to pass to any thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.models.agenda import AppointmentStatus


@dataclass(frozen=True)
class TypeInfo:
    id: str
    name: str
    duration_min: int
    buffer_after_min: int
    colour: str
    remote_bookable: bool
    practitioner_ids: frozenset[str]
    active: bool = True
    urgent_only: bool = False  # booked only through the urgent-call protocol

    def offered_by(self, practitioner_id: str) -> bool:
        return not self.practitioner_ids or practitioner_id in self.practitioner_ids


@dataclass(frozen=True)
class AppointmentView:
    id: str
    practitioner_id: str
    patient_id: str | None
    patient_name: str
    type_id: str | None
    type_name: str
    colour: str
    starts_at: datetime
    ends_at: datetime
    status: str
    cancel_reason: str = ""
    cancel_note: str = ""
    note: str = ""
    series_id: str | None = None
    override_note: str = ""
    remote: bool = False
    version: int = 0
    patient_alert: str = ""
    buffer_min: int = 0

    @property
    def holds_time(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED.value

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str  # create | update | cancel | move | status | override | read …
    changes: tuple[tuple[str, str, str], ...] = ()  # (field label, before, after)
    detail: str = ""


@dataclass(frozen=True)
class DayLoad:
    day: date
    booked_count: int
    booked_minutes: int
    open_minutes: int
    holiday_name: str | None = None


@dataclass
class BookingInput:
    practitioner_id: str
    starts_at: datetime
    ends_at: datetime | None = None  # default: the type's duration
    patient_id: str | None = None
    type_id: str | None = None
    note: str = ""
    remote: bool = False
    series_id: str | None = None
    urgent: bool = False  # booked from the urgent-call protocol (a reserved urgent motif)


@dataclass(frozen=True)
class BookingResult:
    appointment: AppointmentView
    warnings: tuple = field(default_factory=tuple)  # non-blocking Conflicts (same patient)
