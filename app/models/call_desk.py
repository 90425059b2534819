"""What the call panel adds to a call: its steps, and the practice's call settings.

A call step is one thing done during a call, time-stamped and linked to it: an
appointment booked, moved or cancelled, a message left, a callback planned, a transfer
(to whom), and the urgent protocol's red flags, referral and urgent message. The steps
of an urgent call are what the day's report shows of it.

The call settings are the practice's (one row, shared with its peers): the greeting
line the secretary reads, the reasons offered on the panel (a subset of
``CallReason`` in the owner's order), the urgent protocol's red flags with the action
for each, and after how many minutes an unread urgent message escalates on screen.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable, UTCDateTime

STEP_DETAIL_MAX = 300
GREETING_MAX = 300


class StepKind(str, enum.Enum):
    BOOKED = "booked"                  # an appointment booked (ref: its id)
    MOVED = "moved"
    CANCELLED = "cancelled"
    MESSAGE = "message"                # a message left (ref: its id)
    CALLBACK = "callback"              # a callback planned (ref: its id)
    TRANSFERRED = "transferred"        # detail: to whom
    URGENT_STARTED = "urgent_started"  # the urgent protocol opened
    RED_FLAG = "red_flag"              # detail: the red flag's label; ref: its action
    REFERRAL = "referral"              # ref: an UrgentAction; detail: what was said or done
    URGENT_MESSAGE = "urgent_message"  # the urgent message to the practitioner (ref: its id)
    CLOSED = "closed"                  # the outcome chosen (ref: the outcome)


class UrgentAction(str, enum.Enum):
    CALL_15 = "call_15"                # "orienter vers le 15"
    TRANSFER = "transfer"              # transfer to the practitioner
    SAME_DAY = "same_day"              # a same-day urgent slot


class CallStep(Syncable, Base):
    __tablename__ = "call_step"
    __sync_entity__ = kinds.CALL_STEP
    __table_args__ = (Index("ix_call_step_call", "call_id", "at"),
                      Index("ix_call_step_kind_at", "kind", "at"))

    call_id: Mapped[str] = mapped_column(ForeignKey("call.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    ref: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    detail: Mapped[str] = mapped_column(String(STEP_DETAIL_MAX), nullable=False, default="")
    by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class CallSettings(Syncable, Base):
    __tablename__ = "call_settings"
    __sync_entity__ = kinds.CALL_SETTINGS

    greeting: Mapped[str] = mapped_column(String(GREETING_MAX), nullable=False, default="")
    # JSON: the reason codes offered, in order ("" : all, in the default order).
    reasons: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # JSON: [{"label": ..., "action": UrgentAction}], "" : the default checklist.
    red_flags: Mapped[str] = mapped_column(Text, nullable=False, default="")
    escalate_after_min: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
