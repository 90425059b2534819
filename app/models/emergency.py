"""Break-glass accesses: a person opened what their role may not, for a limited time.

Local to this installation, like the audit trail, which records each opening and end
(by this row's id). The reason is kept here, out of the hash chain: it is free text
that may name a patient, and erasing a patient must never touch the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime


class EmergencyAccess(Base):
    __tablename__ = "emergency_access"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    # When the owner marked it as seen, and which owner.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
