"""The unit of work: the only write path.

Inside one SQLite transaction (BEGIN IMMEDIATE) it stamps every new or changed
syncable row with a hybrid-logical-clock version and this node's id, appends a change
journal entry per row (for sync) and an audit entry per row (who, action, entity, id,
time; nothing else about the patient), hash-chained to the previous one.
Hard deletes of syncable rows are refused: set the tombstone instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from app.models.base import Syncable
from app.models.ids import uuid7
from app.models.journal import AuditEntry, ChangeJournal
from app.storage.audit import GENESIS, entry_hash

_BOOKKEEPING = {"created_at", "updated_at", "version", "origin_node"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def _columns(obj: Syncable) -> list[str]:
    return [attr.key for attr in inspect(type(obj)).column_attrs]


class WriteRefused(RuntimeError):
    """A programming error: something tried to write around the unit of work."""


class UnitOfWork:
    """``with store.unit_of_work(actor_id=...) as uow:`` then ``uow.session.add(...)``.

    Commits on a clean exit, rolls back on an exception.
    """

    def __init__(self, store, *, actor_id: str) -> None:
        self._store = store
        self.actor_id = actor_id
        self.session: Session | None = None
        self._last_hash: str | None = None
        self._at: datetime | None = None
        self.changed: list[tuple[str, str, str]] = []  # (entity, id, op)

    # -- context ------------------------------------------------------------------
    def __enter__(self) -> UnitOfWork:
        self.session = Session(
            bind=self._store.writer_engine, expire_on_commit=False, autoflush=True
        )
        event.listen(self.session, "before_flush", self._before_flush)
        self.session.begin()
        # BEGIN IMMEDIATE now: stamps are taken under the write lock, so versions are
        # committed in the order they were stamped, whichever thread writes.
        self.session.connection()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    # -- stamping -----------------------------------------------------------------
    @property
    def now(self) -> datetime:
        # One instant per unit of work: every row and entry of a change share it.
        if self._at is None:
            self._at = self._store.clock.now()
        return self._at

    def _before_flush(self, session: Session, flush_context, instances) -> None:
        for obj in list(session.deleted):
            if isinstance(obj, Syncable):
                raise WriteRefused(f"hard delete of {type(obj).__name__}; set deleted_at")
        for obj in list(session.new):
            if isinstance(obj, Syncable):
                self._stamp_new(obj)
        for obj in list(session.dirty):
            if isinstance(obj, Syncable) and session.is_modified(obj, include_collections=False):
                self._stamp_update(obj)

    def _stamp_new(self, obj: Syncable) -> None:
        if obj.id is None:
            obj.id = uuid7()
        # Column defaults are applied at INSERT, after this hook: apply scalar ones now
        # so the journal carries the values the row will really hold.
        for column in inspect(type(obj)).columns:
            default = column.default
            if default is not None and default.is_scalar and getattr(obj, column.key) is None:
                setattr(obj, column.key, default.arg)
        obj.created_at = obj.updated_at = self.now
        obj.version = self._store.hlc.now()
        obj.origin_node = self._store.node_id
        payload = {c: _jsonable(getattr(obj, c)) for c in _columns(obj)}
        self._record(obj.__sync_entity__, obj.id, "insert", obj.version, payload)

    def _stamp_update(self, obj: Syncable) -> None:
        state = inspect(obj)
        changed = {}
        tombstoned = False
        for attr in state.mapper.column_attrs:
            hist = state.attrs[attr.key].history
            if hist.has_changes() and attr.key not in _BOOKKEEPING:
                changed[attr.key] = _jsonable(getattr(obj, attr.key))
                if attr.key == "deleted_at" and obj.deleted_at is not None:
                    tombstoned = True
        if not changed:
            return
        obj.updated_at = self.now
        obj.version = self._store.hlc.now()
        obj.origin_node = self._store.node_id
        changed["updated_at"] = _jsonable(obj.updated_at)
        self._record(obj.__sync_entity__, obj.id, "delete" if tombstoned else "update",
                     obj.version, changed)

    def _record(self, entity: str, entity_id: str, op: str, version: int, payload: dict) -> None:
        assert self.session is not None
        self.session.add(ChangeJournal(
            entity=entity, entity_id=entity_id, op=op, version=version,
            origin_node=self._store.node_id, at=self.now,
            payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        ))
        self.changed.append((entity, entity_id, op))
        self.session.add(self._audit_entry({"insert": "create"}.get(op, op), entity, entity_id))

    # -- audit --------------------------------------------------------------------
    def _audit_entry(self, action: str, entity: str, entity_id: str, detail: str = "") -> AuditEntry:
        return AuditEntry(**self._audit_values(action, entity, entity_id, detail))

    def _audit_values(self, action: str, entity: str, entity_id: str, detail: str = "") -> dict:
        """The next entry of the hash chain, as column values (bulk inserts skip the ORM)."""
        assert self.session is not None
        if self._last_hash is None:
            with self.session.no_autoflush:
                last = self.session.execute(
                    select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
                ).scalar()
            self._last_hash = last or GENESIS
        h = entry_hash(self._last_hash, self.now, self.actor_id, action, entity, entity_id, detail)
        values = {"at": self.now, "user_id": self.actor_id, "action": action, "entity": entity,
                  "entity_id": entity_id, "detail": detail, "prev_hash": self._last_hash,
                  "hash": h}
        self._last_hash = h
        return values

    def audit(self, action: str, entity: str, entity_id: str, detail: str = "") -> None:
        """Record an action that changes no row: a read, an export, a login."""
        assert self.session is not None
        self.session.add(self._audit_entry(action, entity, entity_id, detail))

    # -- bulk ---------------------------------------------------------------------
    def bulk_insert(self, model: type[Syncable], rows: Iterable[dict]) -> list[str]:
        """Insert many rows through Core, with the same stamping, journal and audit."""
        assert self.session is not None
        self.session.flush()
        entity = model.__sync_entity__
        stamped, journal, audit = [], [], []
        columns = [c.key for c in inspect(model).column_attrs]
        now, node_id, hlc = self.now, self._store.node_id, self._store.hlc
        for row in rows:
            row = dict(row)
            row.setdefault("id", uuid7())
            row.setdefault("deleted_at", None)
            row["created_at"] = row["updated_at"] = now
            row["version"] = hlc.now()
            row["origin_node"] = node_id
            stamped.append(row)
            payload = {c: _jsonable(row[c]) for c in columns if c in row}
            journal.append({
                "entity": entity, "entity_id": row["id"], "op": "insert",
                "version": row["version"], "origin_node": node_id, "at": now,
                "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
            })
            audit.append(self._audit_values("create", entity, row["id"]))
        if stamped:
            self.session.execute(insert(model.__table__), stamped)
            self.session.execute(insert(ChangeJournal.__table__), journal)
            self.session.execute(insert(AuditEntry.__table__), audit)
            self.changed.extend((entity, r["id"], "insert") for r in stamped)
        return [r["id"] for r in stamped]
