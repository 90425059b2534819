"""Two patient cards a user looked at and declared "not duplicates"."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable


class DuplicateDismissal(Syncable, Base):
    """The pair is stored in id order (``patient_a < patient_b``), so one pair is one key.

    No unique constraint: two workstations may dismiss the same pair before they sync,
    and both rows are then simply kept.
    """

    __tablename__ = "duplicate_dismissal"
    __sync_entity__ = kinds.DUPLICATE_DISMISSAL

    patient_a: Mapped[str] = mapped_column(ForeignKey("patient.id"), nullable=False)
    patient_b: Mapped[str] = mapped_column(ForeignKey("patient.id"), nullable=False)

    __table_args__ = (
        Index("ix_duplicate_dismissal_pair", "patient_a", "patient_b"),
    )
