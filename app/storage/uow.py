"""The unit of work: the only write path.

Inside one SQLite transaction (BEGIN IMMEDIATE) it stamps every new or changed
syncable row with a hybrid-logical-clock version, this node's id and the stamp of each
changed field, appends a change journal entry per row (for sync; all entries of one unit
of work share its transaction id) and an audit entry per row (who, action, entity, id,
time; nothing else about the patient), hash-chained to the previous one. Once committed,
it hands what it wrote to the store's listeners as one change set (``changes``).
Hard deletes of syncable rows are refused: set the tombstone instead. Rows erased for
good (``erase``: the retention rules, a patient's request) end with one journal entry
each, the whole blank row (``app.storage.erasure``), and are audited by the caller
(one entry per patient erased on request) or once per kind (a retention batch).

Changes applied from a peer go through the same class (``from_peer``): they are not
stamped as local writes; ``app.storage.remote`` writes them with their own stamps.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from datetime import date, datetime, time, timezone
from itertools import repeat
from json import encoder as json_encoder
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from app.models.base import BOOKKEEPING, Base, Syncable
from app.models.ids import uuid7
from app.models.journal import AuditEntry, ChangeJournal
from app.storage import erasure, versions
from app.storage.audit import entry_hash, read_cut
from app.storage.changes import DELETE, INSERT, UPDATE, ChangeCollector, ChangeSet, Initiator


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def _columns(obj: Syncable) -> list[str]:
    return [attr.key for attr in inspect(type(obj)).column_attrs if attr.key != "field_versions"]


class WriteRefused(RuntimeError):
    """A programming error: something tried to write around the unit of work."""


class UnitOfWork:
    """``with store.unit_of_work(actor_id=...) as uow:`` then ``uow.session.add(...)``.

    Commits on a clean exit, rolls back on an exception. After a commit that wrote rows,
    ``change_set`` is what the store's listeners were given.
    """

    def __init__(self, store, *, actor_id: str, from_peer: str | None = None) -> None:
        self._store = store
        self.actor_id = actor_id
        self.initiator = Initiator(actor_id)
        self.tx_id = uuid7()
        self.from_peer = from_peer
        self.session: Session | None = None
        self.change_set: ChangeSet | None = None
        self._changes = ChangeCollector()
        self._applied_journal: list[dict] = []
        self._applied_audit: list[dict] = []
        self._last_hash: str | None = None
        self._last_seq = 0
        self._at: datetime | None = None
        self._erasing: dict[tuple[str, str], ChangeJournal | None] = {}
        self._erased: dict[tuple[str, str], int] = {}  # (why, kind) -> rows, audited once

    # -- context ------------------------------------------------------------------
    def __enter__(self) -> UnitOfWork:
        self._store.write_guard()
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
        committed = False
        try:
            if exc_type is None:
                self.write_applied()
                self._audit_erased()
                self.session.commit()
                committed = True
            else:
                self.session.rollback()
        finally:
            self.session.close()
        if committed:
            anchor = self._store.anchor
            if anchor is not None and self._last_hash is not None:
                anchor.committed(self._last_seq, self._last_hash)
            self.change_set = self._changes.build(self.tx_id, self.initiator, self.from_peer)
            if self.change_set is not None:
                self._store.listeners.notify(self.change_set)

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
        if self.from_peer is not None:
            return  # rows from a peer keep the stamps they came with
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
        obj.field_versions = None  # every field carries the row's version
        payload = {c: _jsonable(getattr(obj, c)) for c in _columns(obj)}
        self._record(obj.__sync_entity__, obj.id, INSERT, obj.version, payload)

    def _stamp_update(self, obj: Syncable) -> None:
        state = inspect(obj)
        changed = {}
        tombstoned = False
        for attr in state.mapper.column_attrs:
            hist = state.attrs[attr.key].history
            if hist.has_changes() and attr.key not in BOOKKEEPING:
                changed[attr.key] = _jsonable(getattr(obj, attr.key))
                if attr.key == "deleted_at" and obj.deleted_at is not None:
                    tombstoned = True
        if not changed:
            return
        before = obj.version
        held = versions.parse(obj.field_versions, before)
        bases = {name: versions.of_field(held, name) for name in changed}
        obj.updated_at = self.now
        obj.version = stamp = self._store.hlc.now()
        obj.origin_node = self._store.node_id
        key = (obj.__sync_entity__, obj.id)
        erased = key in self._erasing
        # An erased row is written whole by its erasure: every field carries its stamp.
        obj.field_versions = (None if erased else
                              versions.stamped(obj.field_versions, before, changed, stamp))
        changed["updated_at"] = _jsonable(obj.updated_at)
        # Every field of the entry carries its stamp, so a peer merges field by field.
        entry = self._record(obj.__sync_entity__, obj.id, DELETE if tombstoned else UPDATE,
                             stamp, changed, field_versions=dict.fromkeys(changed, stamp),
                             base_versions=bases, audited=not erased)
        if erased:
            self._erasing[key] = entry

    def _record(self, entity: str, entity_id: str, op: str, version: int, payload: dict, *,
                field_versions: dict | None = None, base_versions: dict | None = None,
                audited: bool = True) -> ChangeJournal:
        assert self.session is not None
        entry = ChangeJournal(
            tx_id=self.tx_id, entity=entity, entity_id=entity_id, op=op, version=version,
            origin_node=self._store.node_id, at=self.now,
            payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
            field_versions=versions.dump(field_versions) if field_versions else None,
            base_versions=versions.dump(base_versions) if base_versions else None,
        )
        self.session.add(entry)
        if audited:
            self.session.add(self._audit_entry({INSERT: "create"}.get(op, op), entity,
                                               entity_id))
        self._changes.note(entity, entity_id, op)
        return entry

    # -- erasure ------------------------------------------------------------------
    def erase(self, rows: Iterable[Syncable], *, why: str, audit_kinds: bool) -> int:
        """Write ``rows`` (existing rows whose personal fields the caller blanked and
        which it tombstoned) as erased for good: each ends with one journal entry, the
        whole blank row marked with ``why`` (``erasure.RETENTION`` or ``REQUEST``), its
        older entries deleted (``erasure.collapse``). No audit entry per row: with
        ``audit_kinds`` one per kind ("erase", the kind, "", "<why> count=N": a retention
        batch, written at commit whatever the number of calls); otherwise the caller
        records the one that says who erased what, and why. Returns the older journal
        entries deleted. A row with nothing left to blank is left as it is."""
        assert self.session is not None and self.from_peer is None
        rows = list(rows)
        for row in rows:
            self._erasing[(row.__sync_entity__, row.id)] = None
        try:
            self.session.flush()
        finally:
            written = {k: e for k, e in self._erasing.items() if e is not None}
            self._erasing = {}
        places = {key: entry.seq for key, entry in written.items()}
        conn = self.session.connection()
        for row in rows:
            key = (row.__sync_entity__, row.id)
            if key not in places:
                # Blanked and flushed before (an autoflush): this transaction's entry of
                # the row is its erasure, whole at the row's version like any other.
                seq = conn.exec_driver_sql(
                    "SELECT max(seq) FROM change_journal WHERE entity = ? AND entity_id = ? "
                    "AND tx_id = ?", (*key, self.tx_id)).scalar()
                if seq is not None:
                    places[key] = seq
                    row.field_versions = None
        # Each erased row's one entry takes one of the erasure's places, parents first:
        # a peer that never had them inserts them in that order.
        done = sorted((row for row in rows if (row.__sync_entity__, row.id) in places),
                      key=lambda row: _TABLE_ORDER()[row.__tablename__])
        places = sorted(places[(row.__sync_entity__, row.id)] for row in done)
        deleted = erasure.collapse(self.session, list(zip(places, done)), why=why)
        if audit_kinds:
            for row in done:
                key = (why, row.__sync_entity__)
                self._erased[key] = self._erased.get(key, 0) + 1
        # The entries were rewritten in SQL: the ones this session holds are stale.
        for entry in written.values():
            self.session.expire(entry)
        return deleted

    def record_applied(self, entity: str, entity_id: str, op: str, *, tx_id: str, version: int,
                       origin_node: str, at: datetime, payload: dict,
                       field_versions: dict[str, int] | None,
                       field_bases: dict[str, int] | None = None,
                       erased: str | None = None) -> None:
        """Journal and audit a change applied from the peer ``from_peer``, with the
        transaction id, stamp, node and time it had there. Entries are kept aside and
        written together by ``write_applied`` (at the latest before the commit): a batch
        of thousands of changes is not thousands of ORM objects. A row erased for good
        there (``erased``: why) is audited with the others of its kind, once."""
        assert self.session is not None and self.from_peer is not None
        self._applied_journal.append({
            "tx_id": tx_id, "entity": entity, "entity_id": entity_id, "op": op,
            "version": version, "origin_node": origin_node, "peer_node": self.from_peer,
            "at": at, "payload": _PAYLOAD_ENCODER(dict(sorted(payload.items()))),
            "field_versions": versions.dump(field_versions) if field_versions else None,
            "base_versions": versions.dump(field_bases) if field_bases else None,
        })
        if erased is not None:
            key = (erased, entity)
            self._erased[key] = self._erased.get(key, 0) + 1
        else:  # chained and hashed together by ``write_applied``, in this order
            self._applied_audit.append(({INSERT: "create"}.get(op, op), entity, entity_id))
        self._changes.note(entity, entity_id, op)

    def write_applied(self) -> None:
        """Write the journal and audit entries ``record_applied`` kept aside."""
        assert self.session is not None
        if not self._applied_journal or not self._applied_audit:
            if self._applied_journal:  # only erased rows: audited at commit
                insert_rows(self.session.connection(), ChangeJournal.__table__,
                            self._applied_journal)
                self._applied_journal = []
            return
        conn = self.session.connection()
        insert_rows(conn, ChangeJournal.__table__, self._applied_journal)
        detail = f"applied from peer {self.from_peer}"
        audit: list[dict] = []
        start = 0
        kept = self._applied_audit
        # Consecutive entries of one action and kind share all but their id and chain.
        for end in range(1, len(kept) + 1):
            if end == len(kept) or kept[end][:2] != kept[start][:2]:
                action, entity = kept[start][:2]
                audit.extend(dict(zip(_AUDIT_COLUMNS, row)) for row in self._audit_rows(
                    action, entity, [k[2] for k in kept[start:end]], self.now, detail))
                start = end
        insert_rows(conn, AuditEntry.__table__, audit)
        self._applied_journal, self._applied_audit = [], []

    def _audit_erased(self) -> None:
        peer = f" applied from peer {self.from_peer}" if self.from_peer is not None else ""
        for (why, kind), count in sorted(self._erased.items()):
            self.audit("erase", kind, "", f"{why} count={count}{peer}")
        self._erased = {}

    # -- audit --------------------------------------------------------------------
    def _audit_entry(self, action: str, entity: str, entity_id: str, detail: str = "") -> AuditEntry:
        return AuditEntry(**self._audit_values(action, entity, entity_id, detail))

    def _audit_values(self, action: str, entity: str, entity_id: str, detail: str = "") -> dict:
        """The next entry of the hash chain, as column values (bulk inserts skip the ORM)."""
        prev = self._chain_head()
        seq = self._last_seq + 1
        station, station_name = self._workstation()
        h = entry_hash(seq, prev, self.now, self.actor_id, action, entity, entity_id, detail,
                       station, station_name)
        values = {"seq": seq, "at": self.now, "user_id": self.actor_id, "action": action,
                  "entity": entity, "entity_id": entity_id, "detail": detail,
                  "prev_hash": prev, "hash": h, "workstation": station,
                  "workstation_name": station_name}
        self._last_hash, self._last_seq = h, seq
        return values

    def _workstation(self) -> tuple[str, str]:
        """Where this unit of work writes: this installation's node id, and the readable
        name of the workstation the principal signed in on ("" if none)."""
        return self._store.node_id, self._store.workstation_name

    def _chain_head(self) -> str:
        """The hash the next audit entry chains to (``_last_seq``: its sequence number)."""
        assert self.session is not None
        if self._last_hash is None:
            with self.session.no_autoflush:
                last = self.session.execute(
                    select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc())
                    .limit(1)
                ).first()
                if last is None:  # an empty trail continues from its cut, if any
                    cut = read_cut(self.session)
                    last = (cut.seq, cut.hash)
            self._last_seq, self._last_hash = last
        return self._last_hash

    @property
    def audit_head(self) -> tuple[int, str] | None:
        """The sequence number and hash of the last audit entry this unit of work wrote;
        None if it wrote none."""
        return (self._last_seq, self._last_hash) if self._last_hash is not None else None

    def _audit_rows(self, action: str, entity: str, entity_ids: list[str], at,
                    detail: str = "") -> list[tuple]:
        """The next entries of the hash chain, one per id, as ``_AUDIT_COLUMNS`` values
        (``at`` as the column stores it), with the same ``detail``."""
        prev, now, actor = self._chain_head(), self.now, self.actor_id
        station, station_name = self._workstation()
        seq = self._last_seq
        rows = []
        if not entity_ids:
            return rows
        # entry_hash hashes its fields joined by U+001F; all but the sequence number, the
        # previous hash and the id are the same for every entry here, so they are joined
        # once. The first entry is hashed both ways: any other layout and entry_hash does
        # every entry.
        middle = "\x1f".join((now.astimezone(timezone.utc).isoformat(timespec="microseconds"),
                              actor, action, entity))
        tail = "\x1f".join((detail, station, station_name))  # then the workstation
        template = ("{}\x1f{}\x1f" + middle.replace("{", "{{").replace("}", "}}") + "\x1f{}\x1f"
                    + tail.replace("{", "{{").replace("}", "}}"))
        first = entity_ids[0]
        fast = (hashlib.sha256(template.format(seq + 1, prev, first).encode("utf-8")).hexdigest()
                == entry_hash(seq + 1, prev, now, actor, action, entity, first, detail, station,
                              station_name))
        for entity_id in entity_ids:
            seq += 1
            if fast:
                h = hashlib.sha256(template.format(seq, prev, entity_id).encode("utf-8")
                                   ).hexdigest()
            else:
                h = entry_hash(seq, prev, now, actor, action, entity, entity_id, detail, station,
                               station_name)
            rows.append((seq, at, actor, action, entity, entity_id, detail, prev, h, station,
                         station_name))
            prev = h
        self._last_hash, self._last_seq = prev, seq
        return rows

    def audit(self, action: str, entity: str, entity_id: str, detail: str = "") -> None:
        """Record an action that changes no row: a read, an export, a login."""
        assert self.session is not None
        self.session.add(self._audit_entry(action, entity, entity_id, detail))

    # -- bulk ---------------------------------------------------------------------
    def bulk_insert(self, model: type[Syncable], rows: Iterable[dict]) -> list[str]:
        """Insert many rows with the same stamping, journal and audit as ``session.add``.

        Every row must carry the same keys. Rows, journal entries and audit entries go
        to the driver as prepared statements executed once per row, their values
        converted by the columns' own bind processors: what is stored is what the ORM
        would store, without its per-row bookkeeping.
        """
        assert self.session is not None
        self.session.flush()
        rows = list(rows)
        if not rows:
            return []
        conn = self.session.connection()
        given = rows[0].keys()
        if not all(r.keys() == given for r in rows):
            rows = [_with_stamp_keys(r) for r in rows]
            given = rows[0].keys()
            if not all(r.keys() == given for r in rows):
                raise ValueError(f"bulk insert into {model.__tablename__}: every row must "
                                 "carry the same columns")
        plan = _BulkPlan.make(model, set(given) | set(_STAMPS), conn.dialect)
        if plan is None:
            return self._bulk_insert_core(model, rows)
        entity = model.__sync_entity__
        now, node_id, hlc = self.now, self._store.node_id, self._store.hlc
        n = len(rows)
        ids = [r["id"] for r in rows] if "id" in given else [uuid7() for _ in range(n)]
        stamp = hlc.now
        stamps = [stamp() for _ in range(n)]
        # Python values of each column, the stamps being the same for every row.
        python: dict[str, list] = {"id": ids, "version": stamps, "origin_node": [node_id] * n,
                                   "created_at": [now] * n, "updated_at": [now] * n}
        if "deleted_at" not in given:
            python["deleted_at"] = [None] * n
        for key in given:
            if key not in python:
                python[key] = [r[key] for r in rows]
        columns = []
        for key, default, processor in plan.sources:
            values = python[key] if key is not None else [default] * n
            if key in ("created_at", "updated_at", "origin_node"):
                columns.append([processor(values[0]) if processor else values[0]] * n)
            else:
                columns.append(_convert(processor, values) if processor else values)
        payload_columns = []
        now_json = _jsonable(now)
        for key in plan.payload_keys:
            if key in ("created_at", "updated_at"):
                payload_columns.append([now_json] * n)  # converted once, not per row
            else:
                payload_columns.append(python[key])
        keys, encode = plan.payload_keys, _PAYLOAD_ENCODER
        payloads = [encode(dict(zip(keys, values))) for values in zip(*payload_columns)]
        at = plan.at(now)
        audit = self._audit_rows("create", entity, ids, at)
        conn.exec_driver_sql(plan.sql, list(zip(*columns)))
        conn.exec_driver_sql(plan.journal_sql, list(zip(
            repeat(self.tx_id), repeat(entity), ids, repeat(INSERT), stamps, repeat(node_id),
            repeat(at), payloads)))
        conn.exec_driver_sql(plan.audit_sql, audit)
        self._changes.note_inserted(entity, ids)
        return ids

    def _bulk_insert_core(self, model: type[Syncable], rows: list[dict]) -> list[str]:
        """The same through SQLAlchemy Core, for rows whose missing columns have defaults
        computed at insert time."""
        assert self.session is not None
        entity = model.__sync_entity__
        stamped, journal, audit = [], [], []
        columns = [c.key for c in inspect(model).column_attrs]
        now, node_id, hlc = self.now, self._store.node_id, self._store.hlc
        for row in rows:
            row = _with_stamp_keys(row)
            row["created_at"] = row["updated_at"] = now
            row["version"] = hlc.now()
            row["origin_node"] = node_id
            stamped.append(row)
            payload = {c: _jsonable(row[c]) for c in columns if c in row}
            journal.append({
                "tx_id": self.tx_id, "entity": entity, "entity_id": row["id"], "op": INSERT,
                "version": row["version"], "origin_node": node_id, "at": now,
                "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
            })
            audit.append(self._audit_values("create", entity, row["id"]))
        if stamped:
            self.session.execute(insert(model.__table__), stamped)
            self.session.execute(insert(ChangeJournal.__table__), journal)
            self.session.execute(insert(AuditEntry.__table__), audit)
            self._changes.note_inserted(entity, [r["id"] for r in stamped])
        return [r["id"] for r in stamped]


@lru_cache(maxsize=1)
def _TABLE_ORDER() -> dict[str, int]:  # noqa: N802 - a constant, computed once
    """Each table's place when rows go in parents first."""
    return {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}


_JOURNAL_COLUMNS = ("tx_id", "entity", "entity_id", "op", "version", "origin_node", "at",
                    "payload")
_AUDIT_COLUMNS = ("seq", "at", "user_id", "action", "entity", "entity_id", "detail", "prev_hash",
                  "hash", "workstation", "workstation_name")
_STAMPS = ("id", "deleted_at", "created_at", "updated_at", "version", "origin_node")


def _with_stamp_keys(row: dict) -> dict:
    row = dict(row)
    if "id" not in row:
        row["id"] = uuid7()
    row.setdefault("deleted_at", None)
    return row


def _payload_default(value: Any) -> Any:
    # What ``_jsonable`` does, called by the encoder only for values JSON cannot hold.
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_payload_encoder():
    """``json.dumps(payload, ensure_ascii=False, sort_keys=True)`` for a dict whose keys
    are already in sorted order: the same text, without building an encoder per row."""
    make = json_encoder.c_make_encoder
    if make is None:
        return lambda payload: json.dumps(payload, ensure_ascii=False, sort_keys=True,
                                          default=_payload_default)
    # Flat column values cannot be circular: no markers.
    chunks = make(None, _payload_default, json_encoder.encode_basestring, None, ": ", ", ",
                  False, False, True)
    return lambda payload: "".join(chunks(payload, 0))


_PAYLOAD_ENCODER = _make_payload_encoder()
_MEMOISED = (datetime, date, time)


def _convert(processor, values: list) -> list:
    """``[processor(v) for v in values]``, computing once per distinct date or time."""
    memo: dict = {}
    out = []
    append = out.append
    for value in values:
        if value.__class__ in _MEMOISED:
            try:
                append(memo[value])
            except KeyError:
                memo[value] = converted = processor(value)
                append(converted)
        else:
            append(processor(value))
    return out


_INSERTS: dict = {}  # (table, keys, dialect name) -> (sql, sources) or None: Core does it


def insert_rows(conn, table, rows: list[dict]) -> None:
    """``conn.execute(insert(table), rows)`` for rows with the same keys, sent to the
    driver as one prepared statement: each value converted by its column's bind
    processor (dates and instants once per distinct value), missing columns given their
    scalar default, as Core would, without its per-row parameter building. Falls back
    to Core for what it alone does (a default computed at insert time)."""
    if not rows:
        return
    dialect = conn.dialect
    keys = tuple(sorted(rows[0]))
    plan_key = (table, keys, dialect.name)
    if plan_key not in _INSERTS:
        _INSERTS[plan_key] = _insert_plan(table, keys, dialect)
    plan = _INSERTS[plan_key]
    if plan is None or any(r.keys() != rows[0].keys() for r in rows):
        conn.execute(insert(table), rows)
        return
    sql, sources = plan
    n = len(rows)
    columns = []
    for key, default, processor in sources:
        if key is None:
            columns.append([processor(default) if processor else default] * n)
        else:
            values = [r[key] for r in rows]
            columns.append(_convert(processor, values) if processor else values)
    conn.exec_driver_sql(sql, list(zip(*columns)))


def _insert_plan(table, keys: tuple[str, ...], dialect):
    if not dialect.positional or not set(keys) <= set(table.c.keys()):
        return None
    sql, names = _prepared(table, list(keys), dialect)
    sources = []
    for name in names:
        column = table.c.get(name)
        if column is None:
            return None
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        if name in keys:
            sources.append((name, None, processor))
        elif column.default is not None and column.default.is_scalar:
            sources.append((None, column.default.arg, processor))
        else:
            return None
    return sql, sources


def _prepared(table, keys: list[str], dialect) -> tuple[str, list[str]]:
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    return str(compiled), list(compiled.positiontup or ())


class _BulkPlan:
    """How rows with a given set of keys go to the driver: the INSERT statements, where
    each positional value comes from, and the bind processor of each column."""

    def __init__(self, sql: str, sources: list, payload_keys: list[str], at_processor,
                 journal_sql: str, audit_sql: str) -> None:
        self.sql = sql
        self.sources = sources  # (row key, None, processor) or (None, default, processor)
        self.payload_keys = payload_keys  # sorted
        self._at_processor = at_processor
        self.journal_sql = journal_sql  # values in _JOURNAL_COLUMNS order
        self.audit_sql = audit_sql  # values in _AUDIT_COLUMNS order

    @classmethod
    def make(cls, model, keys: set[str], dialect) -> _BulkPlan | None:
        """None when Core must do it: a key that is no column (Core refuses it), a
        missing column whose default is computed at insert time, a named paramstyle."""
        plan = _insert_plan(model.__table__, tuple(sorted(keys)), dialect)
        if plan is None:
            return None
        sql, sources = plan
        columns = [attr.key for attr in inspect(model).column_attrs]
        payload_keys = sorted(c for c in columns if c in keys)
        journal_sql, order = _prepared(ChangeJournal.__table__, list(_JOURNAL_COLUMNS), dialect)
        if order != list(_JOURNAL_COLUMNS):
            return None
        audit_sql, order = _prepared(AuditEntry.__table__, list(_AUDIT_COLUMNS), dialect)
        if order != list(_AUDIT_COLUMNS):
            return None
        # Journal and audit entries share the unit of work's instant and its column type.
        at_type = ChangeJournal.__table__.c.at.type
        if type(AuditEntry.__table__.c.at.type) is not type(at_type):
            return None
        at_processor = at_type.dialect_impl(dialect).bind_processor(dialect)
        return cls(sql, sources, payload_keys, at_processor, journal_sql, audit_sql)

    def at(self, now: datetime):
        return self._at_processor(now) if self._at_processor is not None else now
