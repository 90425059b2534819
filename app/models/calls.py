"""Calls and callbacks: the telephone log of the secretariat.

A call is one telephone conversation (or attempt): who called or was called, when it
rang, was answered and ended (UTC instants from the phone system's events, or the
panel's clock), who handled it, why, and how it ended. Its note is short and
administrative: clinical content belongs in the medical record, not here.

A callback ("rappel") is a call the practice owes: from a missed call (one per number
within a window, see ``app.services.calls.events``), from a call ("rappeler après
14 h avec les résultats") or from a message. Each try is a ``CallbackAttempt``.

Numbers are E.164, or "" for a withheld number. The caller is a patient, a directory
contact or unknown (``caller_id`` NULL when unknown, or when a shared number matched
several people and none was chosen yet): the id is not a foreign key, as it points to
one of two tables.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable, UTCDateTime

NOTE_MAX = 500  # characters: a short administrative note
REASON_TEXT_MAX = 300
# The conditions of the partial indexes, as the queries that use them must write them.
MISSED_WHERE = ("direction = 'in' AND answered_at IS NULL AND ended_at IS NOT NULL "
                "AND deleted_at IS NULL")
REACHED_WHERE = "outcome = 'reached' AND deleted_at IS NULL"


class CallDirection(str, enum.Enum):
    IN = "in"
    OUT = "out"


class CallerKind(str, enum.Enum):
    PATIENT = "patient"
    CONTACT = "contact"
    UNKNOWN = "unknown"


class CallReason(str, enum.Enum):
    NONE = ""
    APPOINTMENT = "appointment"          # rendez-vous
    RESCHEDULE = "reschedule"            # annulation / report
    RESULTS = "results"                  # résultats
    PRESCRIPTION = "prescription"        # ordonnance
    INFORMATION = "information"          # renseignement
    ADMINISTRATIVE = "administrative"    # administratif
    HEALTH_PROFESSIONAL = "health_professional"  # professionnel de santé
    URGENT = "urgent"                    # urgence
    OTHER = "other"                      # autre


class CallOutcome(str, enum.Enum):
    NONE = ""
    BOOKED = "booked"                    # RDV pris
    MESSAGE = "message"                  # message laissé
    CALLBACK = "callback"                # rappel prévu
    TRANSFERRED = "transferred"          # transféré
    INFORMED = "informed"                # renseignement donné
    SENT_TO_15 = "sent_to_15"            # orienté 15
    NO_FOLLOW_UP = "no_follow_up"        # sans suite


class CallbackSource(str, enum.Enum):
    MISSED_CALL = "missed_call"
    CALL = "call"
    MESSAGE = "message"


class AttemptOutcome(str, enum.Enum):
    NO_ANSWER = "no_answer"              # pas de réponse
    MESSAGE_LEFT = "message_left"        # message laissé
    REACHED = "reached"                  # joint


class Call(Syncable, Base):
    __tablename__ = "call"
    __sync_entity__ = kinds.CALL
    __table_args__ = (
        # The day's log and every range of days: calls in time order. It also covers
        # the indicators (a year's calls read from the index alone, not the rows).
        Index("ix_call_started", "started_at", "deleted_at", "direction", "answered_at",
              "ended_at", "reason", "outcome", "appointment_id", "practitioner_id"),
        # A number's history (the panel, unreturned missed calls).
        Index("ix_call_number_started", "number", "started_at", "answered_at", "deleted_at"),
        # The missed calls of a range, with their number (unreturned missed calls): a
        # tenth of the calls, read from this index alone. Its WHERE is repeated word for
        # word in the queries that use it (SQLite's condition to use a partial index).
        Index("ix_call_missed", "started_at", "number", "practitioner_id", "direction",
              "answered_at", "ended_at", "deleted_at", sqlite_where=text(MISSED_WHERE)),
        # One practitioner's calls over a range (their indicators and day report).
        Index("ix_call_practitioner_started", "practitioner_id", "started_at"),
        # The phone system's events find their call by its id.
        Index("ix_call_external", "external_id", "started_at"),
    )

    direction: Mapped[str] = mapped_column(String(3), nullable=False,
                                           default=CallDirection.IN.value)
    number: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    # The practice's line that was called (or called from), when the phone system says.
    line: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    caller_kind: Mapped[str] = mapped_column(String(10), nullable=False,
                                             default=CallerKind.UNKNOWN.value)
    caller_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    practitioner_id: Mapped[str | None] = mapped_column(ForeignKey("practitioner.id"),
                                                        nullable=True)
    reason: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    note: Mapped[str] = mapped_column(String(NOTE_MAX), nullable=False, default="")
    handled_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"),
                                                       nullable=True)
    callback_id: Mapped[str | None] = mapped_column(ForeignKey("callback.id"), nullable=True)

    @property
    def missed(self) -> bool:
        return self.ended_at is not None and self.answered_at is None


class Callback(Syncable, Base):
    __tablename__ = "callback"
    __sync_entity__ = kinds.CALLBACK
    __table_args__ = (
        # The list to return: open ones by due time; a range of due times (indicators).
        Index("ix_callback_due", "done_at", "due_at"),
        Index("ix_callback_due_at", "due_at"),
        # The open callback of a number (missed calls join it); with the id, a number's
        # callbacks are joined to their attempts from this index alone.
        Index("ix_callback_number", "number", "done_at", "id"),
    )

    number: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    caller_kind: Mapped[str] = mapped_column(String(10), nullable=False,
                                             default=CallerKind.UNKNOWN.value)
    caller_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    practitioner_id: Mapped[str | None] = mapped_column(ForeignKey("practitioner.id"),
                                                        nullable=True)
    source: Mapped[str] = mapped_column(String(12), nullable=False,
                                        default=CallbackSource.CALL.value)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reason: Mapped[str] = mapped_column(String(REASON_TEXT_MAX), nullable=False, default="")
    # Missed calls from the number that this callback answers (1 for other sources).
    missed_calls: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class CallbackAttempt(Syncable, Base):
    __tablename__ = "callback_attempt"
    __sync_entity__ = kinds.CALLBACK_ATTEMPT
    __table_args__ = (
        Index("ix_callback_attempt_callback", "callback_id", "at"),
        # A callback's attempts that reached the person (unreturned missed calls).
        Index("ix_callback_attempt_reached", "callback_id", "at", "outcome", "deleted_at",
              sqlite_where=text(REACHED_WHERE)),
    )

    callback_id: Mapped[str] = mapped_column(ForeignKey("callback.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    outcome: Mapped[str] = mapped_column(String(15), nullable=False)
    by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    call_id: Mapped[str | None] = mapped_column(ForeignKey("call.id"), nullable=True)
