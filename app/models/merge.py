"""A merge of two patient cards, kept so that it can be undone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable, UTCDateTime


class PatientMerge(Syncable, Base):
    __tablename__ = "patient_merge"
    __sync_entity__ = kinds.PATIENT_MERGE

    kept_id: Mapped[str] = mapped_column(ForeignKey("patient.id"), nullable=False, index=True)
    merged_id: Mapped[str] = mapped_column(ForeignKey("patient.id"), nullable=False, index=True)
    # JSON: the kept card's fields before the merge, and the (entity, id) links moved.
    kept_before: Mapped[str] = mapped_column(Text, nullable=False)
    moved_links: Mapped[str] = mapped_column(Text, nullable=False)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
