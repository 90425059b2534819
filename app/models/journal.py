"""Local bookkeeping: the change journal (for sync), the audit trail, node metadata.

These rows are local to one installation and are not themselves replicated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime


class ChangeJournal(Base):
    """One row per written entity, in commit order; the source of outgoing sync batches.

    ``tx_id``: the transaction the entry belongs to (one unit of work; entries applied
    from a peer keep the transaction id they had there), so a batch applies a whole
    transaction or none of it. ``version`` and ``origin_node``: the stamp and the node
    of the write, kept as they were when the entry comes from a peer. ``peer_node``:
    the peer the entry was applied from (NULL: written here), so it is never sent back
    there. ``field_versions``: JSON, the stamp of each field of ``payload`` (an update,
    or a change applied from a peer); NULL when every field has ``version`` (an insert).
    ``base_versions``: JSON, the stamp each field of an update had before it, where it
    was written (how a peer tells a concurrent edit from a later one); NULL for an
    insert.
    """

    __tablename__ = "change_journal"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tx_id: Mapped[str] = mapped_column(String(36), nullable=False)
    entity: Mapped[str] = mapped_column(String(40), nullable=False)  # a kind (app.models.kinds)
    entity_id: Mapped[str] = mapped_column(String(36), nullable=False)
    op: Mapped[str] = mapped_column(String(10), nullable=False)  # insert | update | delete
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    origin_node: Mapped[str] = mapped_column(String(36), nullable=False)
    peer_node: Mapped[str | None] = mapped_column(String(36), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON of the changed fields
    field_versions: Mapped[str | None] = mapped_column(Text, nullable=True)
    base_versions: Mapped[str | None] = mapped_column(Text, nullable=True)

    # A record's history (the patient timeline) is read by entity id.
    __table_args__ = (Index("ix_change_journal_entity_id", "entity_id"),)


class AuditEntry(Base):
    """Who did what to which record, and when. Nothing else about the patient.

    Each entry hashes its sequence number and the previous entry, so any edit, deletion
    or renumbering breaks the chain; signed checkpoints outside the database
    (``app.storage.checkpoints``) catch a chain rewritten whole, cut or rolled back.

    ``workstation``: the node id of the installation that wrote the entry, and
    ``workstation_name`` its readable name ("" if none); both NULL on entries written
    before they were recorded, which are hashed the way they were then.
    """

    __tablename__ = "audit_trail"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    entity: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(36), nullable=False)
    detail: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    workstation: Mapped[str | None] = mapped_column(String(36), nullable=True)
    workstation_name: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (Index("ix_audit_trail_entity_id", "entity_id"),)


class LocalMeta(Base):
    """Facts about this installation: node id, the last clock stamp, and so on."""

    __tablename__ = "local_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class PracticeSetting(Base):
    """Key/value settings of this installation, not replicated (workstation preferences
    live outside the database). Nothing uses it yet: a setting peers must share (time
    zone, holiday region, motifs, hours) belongs on a syncable row instead."""

    __tablename__ = "practice_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
