"""The agenda: appointment types, opening hours, absences, appointments, series, waiting list.

Instants are UTC (``UTCDateTime``); weekly rules (opening hours, series) are in the
practice's local wall time, as minutes since midnight, so a daylight-saving change never
moves them. Sets of references (which practitioners offer a type, which types a range
accepts) are stored as space-separated ids: each set is one field for sync, and an empty
set means "all".
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable, UTCDateTime

MAX_APPOINTMENT_MINUTES = 12 * 60  # bounds the range scan of a day or week


def id_set(value: str) -> frozenset[str]:
    return frozenset(value.split())


def id_set_text(ids) -> str:
    return " ".join(sorted(set(ids)))


class AppointmentStatus(str, enum.Enum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"            # in the waiting room
    IN_CONSULTATION = "in_consultation"
    SEEN = "seen"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# Statuses that hold their time: everything except a cancellation.
HOLDING_STATUSES = tuple(s.value for s in AppointmentStatus if s is not AppointmentStatus.CANCELLED)


class CancelReason(str, enum.Enum):
    NONE = ""
    BY_PATIENT = "patient"
    BY_PRACTICE = "practice"
    NO_SHOW = "no_show"


class Confirmation(str, enum.Enum):
    """The outcome of the call the day before: what the secretary heard."""
    NONE = ""
    CONFIRMED = "confirmed"
    UNREACHABLE = "unreachable"
    MESSAGE_LEFT = "message_left"
    CANCELLED = "cancelled"       # cancelled by the patient on that call


class FreedCause(str, enum.Enum):
    """Why time was freed, besides a cancellation (read from the cancelled appointment)."""
    MOVED = "moved"
    SHORTENED = "shortened"


class OfferOutcome(str, enum.Enum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    NO_ANSWER = "no_answer"


class AbsenceKind(str, enum.Enum):
    HOLIDAY = "holiday"     # congés
    TRAINING = "training"
    SICK = "sick"
    OTHER = "other"


class WaitingStatus(str, enum.Enum):
    WAITING = "waiting"
    BOOKED = "booked"
    WITHDRAWN = "withdrawn"


class AppointmentType(Syncable, Base):
    """A motif: consultation, première consultation, urgence, téléconsultation…"""

    __tablename__ = "appointment_type"
    __sync_entity__ = kinds.APPOINTMENT_TYPE

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    duration_min: Mapped[int] = mapped_column(Integer, nullable=False, default=15)
    buffer_after_min: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    colour: Mapped[str] = mapped_column(String(7), nullable=False, default="#5b8def")
    remote_bookable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    practitioner_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Reserved urgent slots: a motif booked only through the urgent-call protocol (its
    # time is set aside in each practitioner's weekly hours restricted to it).
    urgent_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                              server_default=text("0"))


class OpeningHours(Syncable, Base):
    """One weekly range of a practitioner, e.g. Tuesday 08:30–12:00, valid over dates."""

    __tablename__ = "opening_hours"
    __sync_entity__ = kinds.OPENING_HOURS
    __table_args__ = (Index("ix_opening_hours_practitioner", "practitioner_id", "weekday"),)

    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioner.id"), nullable=False)
    weekday: Mapped[int] = mapped_column(Integer, nullable=False)  # Monday = 0
    start_min: Mapped[int] = mapped_column(Integer, nullable=False)
    end_min: Mapped[int] = mapped_column(Integer, nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # inclusive
    type_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Absence(Syncable, Base):
    __tablename__ = "absence"
    __sync_entity__ = kinds.ABSENCE
    __table_args__ = (Index("ix_absence_practitioner_starts", "practitioner_id", "starts_at"),)

    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioner.id"), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=AbsenceKind.HOLIDAY.value)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    replacement_id: Mapped[str | None] = mapped_column(ForeignKey("practitioner.id"), nullable=True)


class HolidayOpening(Syncable, Base):
    """A public holiday on which the practice (or one practitioner) works anyway."""

    __tablename__ = "holiday_opening"
    __sync_entity__ = kinds.HOLIDAY_OPENING
    __table_args__ = (Index("ix_holiday_opening_day", "day"),)

    day: Mapped[date] = mapped_column(Date, nullable=False)
    practitioner_id: Mapped[str | None] = mapped_column(ForeignKey("practitioner.id"), nullable=True)


class AppointmentSeries(Syncable, Base):
    """A recurring booking: an RFC 5545 RRULE over the practice's wall time."""

    __tablename__ = "appointment_series"
    __sync_entity__ = kinds.APPOINTMENT_SERIES

    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioner.id"), nullable=False)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patient.id"), nullable=True)
    type_id: Mapped[str | None] = mapped_column(ForeignKey("appointment_type.id"), nullable=True)
    rule: Mapped[str] = mapped_column(Text, nullable=False)
    first_day: Mapped[date] = mapped_column(Date, nullable=False)
    start_min: Mapped[int] = mapped_column(Integer, nullable=False)
    duration_min: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Appointment(Syncable, Base):
    __tablename__ = "appointment"
    __sync_entity__ = kinds.APPOINTMENT
    __table_args__ = (
        Index("ix_appointment_practitioner_starts", "practitioner_id", "starts_at"),
        Index("ix_appointment_patient_starts", "patient_id", "starts_at"),
        Index("ix_appointment_series", "series_id"),
    )

    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioner.id"), nullable=False)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patient.id"), nullable=True)
    type_id: Mapped[str | None] = mapped_column(ForeignKey("appointment_type.id"), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False,
                                        default=AppointmentStatus.BOOKED.value)
    cancel_reason: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    cancel_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    series_id: Mapped[str | None] = mapped_column(ForeignKey("appointment_series.id"), nullable=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when the practice owner booked over a refusal of the guard: what was overridden.
    override_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    remote: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                         server_default=text("0"))
    # The confirmation call (``Confirmation``): its outcome, when and by whom (a user id).
    confirmation: Mapped[str] = mapped_column(String(20), nullable=False, default="",
                                              server_default=text("''"))
    confirmation_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirmation_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class WaitingListEntry(Syncable, Base):
    """A patient who wants an earlier slot: which type, with whom, within which dates."""

    __tablename__ = "waiting_list_entry"
    __sync_entity__ = kinds.WAITING_LIST_ENTRY
    __table_args__ = (Index("ix_waiting_list_status", "status", "created_at"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"), nullable=False)
    type_id: Mapped[str | None] = mapped_column(ForeignKey("appointment_type.id"), nullable=True)
    practitioner_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    window_from: Mapped[date] = mapped_column(Date, nullable=False)
    window_until: Mapped[date] = mapped_column(Date, nullable=False)
    urgency: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 0 normal … 2
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=WaitingStatus.WAITING.value)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)


class FreedSlot(Syncable, Base):
    """Time an appointment left when it was moved or shortened (a cancellation is read
    from the cancelled appointment itself). Listed until it is filled or past."""

    __tablename__ = "freed_slot"
    __sync_entity__ = kinds.FREED_SLOT
    __table_args__ = (Index("ix_freed_slot_practitioner_starts", "practitioner_id", "starts_at"),)

    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioner.id"), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    cause: Mapped[str] = mapped_column(String(20), nullable=False)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)


class SlotOffer(Syncable, Base):
    """A freed time offered on the phone to a waiting-list patient, and the answer."""

    __tablename__ = "slot_offer"
    __sync_entity__ = kinds.SLOT_OFFER
    __table_args__ = (Index("ix_slot_offer_practitioner_starts", "practitioner_id", "starts_at"),)

    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioner.id"), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    waiting_entry_id: Mapped[str] = mapped_column(ForeignKey("waiting_list_entry.id"),
                                                  nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)
