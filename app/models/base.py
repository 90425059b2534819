"""Declarative base and the sync-ready columns every replicated row carries."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, MetaData, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.models.ids import uuid7

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Instants stored as naive UTC in SQLite, always returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Columns of a syncable row that only the unit of work writes.
BOOKKEEPING = frozenset({"created_at", "updated_at", "version", "origin_node", "field_versions"})


class Syncable:
    """Columns needed to replicate a row between installations.

    ``version`` is a hybrid-logical-clock stamp and ``origin_node`` the node that wrote
    it; both are set by the unit of work, never by hand, as is ``field_versions``, the
    stamp of each field (``app.storage.versions``; NULL while every field carries
    ``version``). Rows are never hard-deleted: ``deleted_at`` is the tombstone.
    """

    __sync_entity__: str  # stable name used in the change journal and audit trail

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    origin_node: Mapped[str] = mapped_column(String(36), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    field_versions: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
