"""Messages for the practitioner and the practice's consignes.

A message goes to a practitioner (or to the whole practice: ``recipient_id`` NULL),
about a patient or a caller, and moves from new to read to treated; each step keeps who
and when. Nothing is deleted: a treated message stays, archived, in the treated list.

A consigne is a standing instruction for the secretaries (per practitioner, or
practice-wide when ``practitioner_id`` is NULL). The ``consigne`` row holds its current
text; every save writes a ``consigne_version`` row with the whole of it, who and when,
so older versions stay readable; ``revision`` counts them. Each user acknowledges the
current revision once (``consigne_ack``); an edit makes a new revision to acknowledge.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable, UTCDateTime


class MessagePriority(str, enum.Enum):
    NORMAL = "normal"
    URGENT = "urgent"


class MessageState(str, enum.Enum):
    NEW = "new"          # nouveau
    READ = "read"        # lu
    TREATED = "treated"  # traité (archived)


class ConsignePriority(str, enum.Enum):
    NORMAL = "normal"
    IMPORTANT = "important"


class Message(Syncable, Base):
    __tablename__ = "message"
    __sync_entity__ = kinds.MESSAGE
    __table_args__ = (Index("ix_message_state_recipient", "state", "recipient_id"),
                      Index("ix_message_author_created", "author_id", "created_at"),
                      Index("ix_message_patient", "patient_id"))

    recipient_id: Mapped[str | None] = mapped_column(ForeignKey("practitioner.id"), nullable=True)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patient.id"), nullable=True)
    caller_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    caller_phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")  # E.164
    callback_phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")  # E.164
    priority: Mapped[str] = mapped_column(String(10), nullable=False,
                                          default=MessagePriority.NORMAL.value)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # The call it was left from (the calls are recorded elsewhere; a plain reference).
    call_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    author_id: Mapped[str] = mapped_column(String(36), nullable=False)  # a user id
    state: Mapped[str] = mapped_column(String(10), nullable=False,
                                       default=MessageState.NEW.value)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    read_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    treated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    treated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Consigne(Syncable, Base):
    __tablename__ = "consigne"
    __sync_entity__ = kinds.CONSIGNE
    __table_args__ = (Index("ix_consigne_practitioner", "practitioner_id"),)

    practitioner_id: Mapped[str | None] = mapped_column(ForeignKey("practitioner.id"),
                                                        nullable=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    priority: Mapped[str] = mapped_column(String(10), nullable=False,
                                          default=ConsignePriority.NORMAL.value)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)   # None: already
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # None: permanent
    motif_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")  # id set; "": all
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    author_id: Mapped[str] = mapped_column(String(36), nullable=False)  # of the last revision
    withdrawn: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ConsigneVersion(Syncable, Base):
    """One saved revision of a consigne, whole; ``created_at`` is when, ``author_id`` who."""

    __tablename__ = "consigne_version"
    __sync_entity__ = kinds.CONSIGNE_VERSION
    __table_args__ = (Index("ix_consigne_version_consigne", "consigne_id", "revision"),)

    consigne_id: Mapped[str] = mapped_column(ForeignKey("consigne.id"), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    practitioner_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    priority: Mapped[str] = mapped_column(String(10), nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    motif_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    withdrawn: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    author_id: Mapped[str] = mapped_column(String(36), nullable=False)


class ConsigneAck(Syncable, Base):
    """``user_id`` has read revision ``revision`` of the consigne (at ``created_at``)."""

    __tablename__ = "consigne_ack"
    __sync_entity__ = kinds.CONSIGNE_ACK
    __table_args__ = (Index("ix_consigne_ack_user", "user_id", "consigne_id"),)

    consigne_id: Mapped[str] = mapped_column(ForeignKey("consigne.id"), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
