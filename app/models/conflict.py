"""Conflicts met while applying a peer's changes, kept for a person to resolve.

Local to this installation and never journaled: each side records what it met itself
(``app.storage.remote`` says when). ``key`` makes recording idempotent: applying the
same changes again finds the conflict already there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime
from app.models.ids import uuid7

FIELD = "field"  # one field edited on both sides: the later stamp won
OVERLAP = "overlap"  # two appointments of one practitioner overlap after a merge

KEPT = "kept"  # the value that won stays
TOOK_OTHER = "took_other"  # the value that lost was written back (a new local edit)
SEEN = "seen"  # an overlap looked at (the agenda is changed the usual way)


class SyncConflict(Base):
    """``kind``/``entity_id``/``field``: the row and field (``field`` empty for an
    overlap, whose other appointment is ``other_entity_id``). ``kept_*``: the value that
    won and is in the row, its stamp and node; ``other_*``: the value that lost (JSON as
    journaled), its stamp and node. ``resolution``: None while open."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_open", "resolved_at", "detected_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    conflict: Mapped[str] = mapped_column(String(10), nullable=False)  # FIELD | OVERLAP
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(36), nullable=False)
    field: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    other_entity_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kept_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    other_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    kept_stamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    other_stamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kept_node: Mapped[str | None] = mapped_column(String(36), nullable=True)
    other_node: Mapped[str | None] = mapped_column(String(36), nullable=True)
    peer_node: Mapped[str] = mapped_column(String(36), nullable=False)  # applied from
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(12), nullable=True)
