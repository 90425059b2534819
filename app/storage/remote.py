"""Changes that come from a peer: what they look like, which ones a peer lacks, and
applying them (``Store.apply_remote``).

Applying keeps what the peer wrote as the peer wrote it: rows take the incoming stamps
and node id, never this node's. A field is overwritten only when its incoming stamp is
newer than the one it holds here (``app.storage.versions``), so two nodes that changed
different fields of one row both keep their edit, and an older value never replaces a
newer one. A field whose stamps are equal keeps its value: applying the same change
twice changes nothing and writes nothing. Each change that wrote something is journaled
with its transaction id, stamp, node and time from the peer, marked as received from
that peer (never sent back to it), and audited ("applied from peer …") under the local
actor who ran the sync. The clock moves past every stamp received.

Conflicts are never silent (``app.models.conflict``). When is an edit concurrent? Each
update carries, per field, the stamp the field had where it was written, before the
write (``field_bases``, journaled as ``base_versions``). A node's stamp of a field only
ever grows, so when the base of the winning value (the later stamp) is older than the
losing value's stamp, its writer had not seen the losing value: the two edits were
concurrent, ``base(winner) < stamp(loser)``. (A base at least as new means the writer
had that value or a later one: a value lost between two other installations is recorded
where those two met.) Here the winner is the incoming change (its base travels with
it) or the local value (its base is read from the journal entry that wrote it, only in
that rarer case). An insert has no base (as the local winner it counts as 0: a row
created on two nodes under one id conflicts field by field); equal values never
conflict, nor do two changes of a row the same batch inserts (the peer merged them).
Each conflict is
keyed by kind, row, field and both stamps, so applying the same changes again (or the
same change received through two peers) records it once. The later value wins as
before; the other is kept in the conflict list with both stamps and nodes.

An appointment written by a peer's change that now overlaps another holding appointment
of the same practitioner (neither booked over a refusal on purpose, the other not part
of the same changes) is an ``overlap`` conflict: both stay, a person decides.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import takewhile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import TypeDecorator, func, or_, select
from sqlalchemy.orm import Session

from app.models.agenda import HOLDING_STATUSES, Appointment
from app.models.base import BOOKKEEPING, Base, Syncable
from app.models.conflict import FIELD, OVERLAP, SyncConflict
from app.models.journal import ChangeJournal, LocalMeta
from app.i18n import _
from app.models.kinds import PATIENT
from app.storage import erasure, versions
from app.storage.errors import StorageError
from app.storage.changes import DELETE, INSERT, UPDATE
from app.storage.hlc import HybridLogicalClock
from app.storage.uow import insert_rows

META_HLC = "hlc_last"
# Fields a peer's change may set on an existing row (the rest are stamps or the key).
_NOT_MERGED = BOOKKEEPING | {"id"}
_CHUNK = 500  # ids per query (SQLite's bound-parameter limit is far above)


class RemoteChangeRefused(StorageError, ValueError):
    """A change this node cannot apply (unknown kind, a change of a row it never
    received): nothing of the batch is applied."""

    code = "remote_change_refused"

    @property
    def user_message(self) -> str:
        return _("A change received from another installation could not be applied; "
                 "nothing of what it sent was applied.")


@dataclass(frozen=True)
class RemoteChange:
    """One change journal entry, as a peer sends it.

    ``payload``: field -> value as journaled (JSON types: instants and dates in ISO
    8601). ``field_versions``: the stamp of each field; None when every field has
    ``version`` (an insert).
    """

    tx_id: str
    kind: str
    entity_id: str
    op: str
    version: int
    origin_node: str
    at: datetime
    payload: Mapping[str, Any]
    field_versions: Mapping[str, int] | None = None
    field_bases: Mapping[str, int] | None = None  # stamps before the write (an update)

    def version_of(self, name: str) -> int:
        if self.field_versions is None:
            return self.version
        return self.field_versions.get(name, self.version)

    def base_of(self, name: str) -> int | None:
        """The stamp ``name`` had where this change was written, before it; None when
        not known (an insert, or a field the writer did not change)."""
        return None if self.field_bases is None else self.field_bases.get(name)

    @classmethod
    def of_entry(cls, entry: ChangeJournal) -> RemoteChange:
        return cls(entry.tx_id, entry.entity, entry.entity_id, entry.op, entry.version,
                   entry.origin_node, entry.at, json.loads(entry.payload),
                   json.loads(entry.field_versions) if entry.field_versions else None,
                   json.loads(entry.base_versions) if entry.base_versions else None)


def outgoing(session: Session, peer_node_id: str, after_seq: int, *,
             limit: int | None = None) -> list[tuple[int, RemoteChange]]:
    """The entries after ``after_seq`` the peer does not hold, in order; with ``limit``,
    about that many: the first ``limit``, then the rest of the last one's transaction
    (a transaction's entries follow each other), so that a batch carries whole ones."""
    j = ChangeJournal
    # Columns, not ORM entities: a batch reads thousands of entries.
    columns = (j.seq, j.tx_id, j.entity, j.entity_id, j.op, j.version, j.origin_node, j.at,
               j.payload, j.field_versions, j.base_versions)
    for_peer = (j.origin_node != peer_node_id,
                or_(j.peer_node.is_(None), j.peer_node != peer_node_id))
    query = select(*columns).where(j.seq > after_seq, *for_peer).order_by(j.seq)
    rows = list(session.execute(query if limit is None else query.limit(limit)))
    if limit is not None and len(rows) == limit:
        last_tx = rows[-1][1]
        while True:
            more = list(session.execute(query.where(j.seq > rows[-1][0]).limit(_CHUNK)))
            same = list(takewhile(lambda r: r[1] == last_tx, more))
            rows += same
            if len(same) < len(more) or len(more) < _CHUNK:
                break
    return _changes(rows)


def _changes(rows) -> list[tuple[int, RemoteChange]]:
    loads = json.loads
    return [(seq, RemoteChange(tx, kind, entity_id, op, version, origin, at, loads(payload),
                               loads(stamps) if stamps else None,
                               loads(bases) if bases else None))
            for seq, tx, kind, entity_id, op, version, origin, at, payload, stamps, bases
            in rows]


def erased_later(session: Session, peer_node_id: str, changes: Sequence[RemoteChange],
                 after_seq: int) -> list[tuple[int, RemoteChange]]:
    """The erased rows ``changes`` refer to whose one entry, the whole erased row, comes
    after ``after_seq`` (the erasure moved it there): a batch cut before it carries it
    too, or the receiver would lack the row its references name."""
    wanted = referred(syncable_models(), changes)
    ids = sorted({entity_id for _kind, entity_id in wanted})
    j = ChangeJournal
    found = []
    for start in range(0, len(ids), _CHUNK):
        found += session.execute(select(
            j.seq, j.tx_id, j.entity, j.entity_id, j.op, j.version, j.origin_node, j.at,
            j.payload, j.field_versions, j.base_versions).where(
            j.entity_id.in_(ids[start:start + _CHUNK]), j.seq > after_seq,
            j.origin_node != peer_node_id,
            or_(j.peer_node.is_(None), j.peer_node != peer_node_id),
            func.json_extract(j.payload, "$." + erasure.ERASED).is_not(None)))
    return sorted(((seq, c) for seq, c in _changes(found) if (c.kind, c.entity_id) in wanted),
                  key=lambda entry: entry[0])


def syncable_models() -> dict[str, type[Syncable]]:
    return {m.class_.__sync_entity__: m.class_ for m in Base.registry.mappers
            if issubclass(m.class_, Syncable)}


def apply(uow, changes: Sequence[RemoteChange], hlc: HybridLogicalClock) -> int:
    """Write ``changes`` in ``uow`` (a unit of work ``from_peer``), in their order.
    Returns how many new conflicts were recorded."""
    session = uow.session
    models = syncable_models()
    mark, ahead, wrote = hlc.last, False, False
    erasing = erasures(changes)
    names: dict[str, list[str]] = {}
    for change in changes:
        if change.kind not in models:
            raise RemoteChangeRefused(f"unknown kind {change.kind!r}")
    # A row may come before the row it refers to (an erased row's one entry takes the
    # erasure's place in the journal): the references are checked at commit.
    session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    held = _rows(session, models, changes)
    final = _erased_here(session, held)
    needed = referred(models, changes) if erasing else set()
    pending = _Pending(uow, held)
    conflicts = _Conflicts(uow, pending)
    # The rows the changes name are read up front in a few queries (``held``). New rows
    # are inserted together (``_Pending``), existing ones changed on their ORM objects.
    with session.no_autoflush:
        for change in changes:
            model = models[change.kind]
            key = (change.kind, change.entity_id)
            received = max([change.version, *(change.field_versions or {}).values()])
            ahead = ahead or received >= mark
            hlc.observe(received)
            whole_erased = erasure.ERASED in change.payload
            if key in final and not whole_erased:
                continue  # erased here for good: no later change brings a value back
            row = held.get(key)
            if row is None and key in pending.written:  # inserted by this batch, written
                row = held[key] = session.get(model, change.entity_id)
            if change.tx_id in erasing and change.kind == PATIENT and row is not None:
                names[row.id] = [row.birth_name, row.used_name, row.first_names]
            if row is None and key not in needed and (
                    whole_erased or (change.tx_id in erasing and change.op != INSERT)):
                continue  # never held here: nothing to erase, no blank row to keep
            if row is None:
                _insert(uow, model, change, pending)
                written = True
            elif whole_erased and not isinstance(row, _NewRow):
                written = _overwrite(uow, row, change)
            else:
                written = _merge(uow, row, change, conflicts)
            wrote = written or wrote
            if written and change.kind == Appointment.__sync_entity__:
                conflicts.touched_appointments.add(change.entity_id)
    pending.flush()
    conflicts.overlaps()
    if erasing:
        _erase_copies(session, changes, erasing, names)
    if wrote or ahead:
        # Entries applied keep their stamps, older than ours or newer: the clock's mark is
        # kept beside them, so that it survives a restart.
        session.merge(LocalMeta(key=META_HLC, value=str(hlc.last)))
    return conflicts.recorded


def _rows(session: Session, models: Mapping[str, type[Syncable]],
          changes: Sequence[RemoteChange]) -> dict[tuple[str, str], Syncable]:
    wanted: dict[str, set[str]] = {}
    for change in changes:
        wanted.setdefault(change.kind, set()).add(change.entity_id)
    held: dict[tuple[str, str], Syncable] = {}
    for kind, ids in wanted.items():
        model = models[kind]
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            for row in session.execute(select(model).where(
                    model.id.in_(ordered[start:start + _CHUNK]))).scalars():
                held[(kind, row.id)] = row
    return held


def _erased_here(session: Session, held: Mapping[tuple[str, str], Syncable]
                 ) -> set[tuple[str, str]]:
    """Of the rows ``held``, those erased for good here (their one journal entry is the
    whole erased row, or a card with ``erased_at``): tombstoned, so only those are
    looked up."""
    out = {key for key, row in held.items()
           if key[0] == PATIENT and getattr(row, "erased_at", None) is not None}
    gone = sorted({key for key, row in held.items() if row.deleted_at is not None} - out)
    conn = session.connection()
    for start in range(0, len(gone), _CHUNK):
        part = gone[start:start + _CHUNK]
        ids = sorted({entity_id for _kind, entity_id in part})
        found = conn.exec_driver_sql(
            "SELECT entity, entity_id FROM change_journal WHERE entity_id IN ("
            + ", ".join("?" * len(ids)) + ") AND json_extract(payload, ?) IS NOT NULL",
            (*ids, "$." + erasure.ERASED)).all()
        out |= {tuple(key) for key in found} & set(part)
    return out


def referred(models: Mapping[str, type[Syncable]], changes: Sequence[RemoteChange]
             ) -> set[tuple[str, str]]:
    """The rows the changes that are no erasure refer to (kind, id): an erased row one of
    them names is built here, blank, so that the reference holds."""
    tables = {m.__tablename__: kind for kind, m in models.items()}
    out: set[tuple[str, str]] = set()
    for change in changes:
        if erasure.ERASED in change.payload:
            continue
        for fk in models[change.kind].__table__.foreign_keys:
            target = tables.get(fk.column.table.name)
            value = change.payload.get(fk.parent.key)
            if target is not None and value is not None:
                out.add((target, value))
    return out


def erasures(changes: Sequence[RemoteChange]) -> set[str]:
    """The transactions among ``changes`` that erase rows for good: a whole erased row
    (``erasure.ERASED``), or, as peers of an earlier version send it, a patient's
    erasure (``app.services.rgpd``)."""
    return {c.tx_id for c in changes if erasure.ERASED in c.payload
            or (c.kind == PATIENT and c.payload.get("erased_at"))}


def _erase_copies(session: Session, changes: Sequence[RemoteChange], erasing: set[str],
                  names: dict[str, list[str]]) -> None:
    """Rows erased on a peer are erased here too: each keeps one journal entry, the
    whole erased row, as where it was erased (``erasure.collapse``); a patient's search
    terms go (the file is flushed after the commit, ``Store.apply_remote``). An erasure
    in the earlier shape (the tombstone as an update) blanks the values in the rows'
    inserts and deletes their other older entries."""
    session.flush()
    models = syncable_models()
    conn = session.connection()
    for tx_id in erasing:
        whole = [c for c in changes if c.tx_id == tx_id and erasure.ERASED in c.payload]
        for change in whole:
            # This transaction's entry of the row, if applying it wrote one (none: the
            # row was erased here already).
            seq = conn.exec_driver_sql(
                "SELECT max(seq) FROM change_journal WHERE entity_id = ? AND entity = ? "
                "AND tx_id = ?", (change.entity_id, change.kind, tx_id)).scalar()
            row = session.get(models[change.kind], change.entity_id)
            if seq is not None and row is not None:
                erasure.collapse(session, [(seq, row)],
                                 why=str(change.payload[erasure.ERASED]))
        if not whole:
            blanks = {c.entity_id: {k: v for k, v in c.payload.items()
                                    if k not in _NOT_MERGED
                                    and k not in ("deleted_at", "erased_at")}
                      for c in changes if c.tx_id == tx_id}
            erasure.scrub_history(session, blanks, keep_tx=tx_id)
        for change in changes:
            if change.tx_id == tx_id and change.kind == PATIENT:
                erasure.scrub_patient_search(session, change.entity_id,
                                             names.get(change.entity_id, []))




def _erased(change: RemoteChange) -> str | None:
    why = change.payload.get(erasure.ERASED)
    return None if why is None else str(why)


def _insert(uow, model: type[Syncable], change: RemoteChange, pending: _Pending) -> None:
    if change.op != INSERT:
        raise RemoteChangeRefused(f"{change.kind} {change.entity_id}: a change of a row "
                                  "this node never received")
    columns = model.__table__.c
    readers = _readers(model)
    values = {k: (read(v) if read is not None and v.__class__ is str else v)
              for k, v in change.payload.items()
              if (read := readers.get(k, _NOT_A_FIELD)) is not _NOT_A_FIELD}
    stamps = {k: change.version_of(k) for k in values}
    created = _from_json(columns["created_at"], change.payload.get("created_at")) or change.at
    updated = _from_json(columns["updated_at"], change.payload.get("updated_at")) or created
    newest = max([change.version, *stamps.values()])
    spread = {k: v for k, v in stamps.items() if v != newest}
    values.update(id=change.entity_id, created_at=created, updated_at=updated,
                  origin_node=change.origin_node, version=newest,
                  field_versions=(versions.dump({versions.BASE: newest, **spread})
                                  if spread else None))
    pending.add(model, values)
    uow.record_applied(change.kind, change.entity_id, INSERT, tx_id=change.tx_id,
                       version=change.version, origin_node=change.origin_node, at=change.at,
                       payload=dict(change.payload),
                       field_versions=dict(change.field_versions or {}) or None,
                       field_bases=dict(change.field_bases or {}) or None,
                       erased=_erased(change))


class _Pending:
    """New rows of one ``apply``, inserted together in their order (parents before
    children: consecutive rows of one table and one set of columns go as one statement).
    Until then a later change of one of them merges into its values (``_NewRow``)."""

    def __init__(self, uow, held: dict) -> None:
        self._uow = uow
        self._held = held
        self._rows: list[_NewRow] = []
        self.written: set[tuple[str, str]] = set()

    def add(self, model: type[Syncable], values: dict) -> None:
        row = _NewRow(model, values)
        self._rows.append(row)
        self._held[(model.__sync_entity__, values["id"])] = row

    def flush(self) -> None:
        """Insert what is pending, then let the ORM write its changes."""
        session = self._uow.session
        if self._rows:
            conn = session.connection()
            runs: list[tuple[Any, tuple, list[dict]]] = []
            for row in self._rows:
                table, values = row._model.__table__, row._values
                keys = tuple(sorted(values))
                if runs and runs[-1][0] is table and runs[-1][1] == keys:
                    runs[-1][2].append(values)
                else:
                    runs.append((table, keys, [values]))
                key = (row._model.__sync_entity__, values["id"])
                self.written.add(key)
                del self._held[key]  # read back from the database if changed again
            for table, _keys, rows in runs:
                insert_rows(conn, table, rows)
            self._rows = []
        session.flush()
        self._uow.write_applied()


class _NewRow:
    """A row this batch inserts, not written yet, seen as its model's row would be."""

    def __init__(self, model: type[Syncable], values: dict) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_values", values)

    @property
    def __table__(self):
        return self._model.__table__

    @property
    def __sync_entity__(self) -> str:
        return self._model.__sync_entity__

    def __getattr__(self, name: str):
        try:
            return self._values[name]
        except KeyError:
            if name in self._model.__table__.c:
                return None  # a column the insert did not name: its default, unset yet
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value) -> None:
        self._values[name] = value


def _merge(uow, row: Syncable | _NewRow, change: RemoteChange, conflicts: _Conflicts) -> bool:
    columns = row.__table__.c
    held = versions.parse(row.field_versions, row.version)
    applied: dict[str, Any] = {}
    stamps: dict[str, int] = {}
    # A row this batch inserted holds only what the same peer sent before, in its journal
    # order: the peer already merged the two (and recorded any conflict); none here.
    compare = not isinstance(row, _NewRow)
    for name, value in change.payload.items():
        if name not in columns or name in _NOT_MERGED:
            continue
        stamp = change.version_of(name)
        local = versions.of_field(held, name)
        incoming = _from_json(columns[name], value)
        current = getattr(row, name)
        if stamp == local:
            if not compare or incoming == current:
                continue  # the same write, received again
            # Two nodes stamped their writes alike: on every side the larger value (as
            # canonical JSON) wins and the other is listed, so that all end identical.
            mine = _jsonable(current)
            if _dumps(value) <= _dumps(mine):
                conflicts.field(row, name, kept=(mine, local, None),
                                other=(value, stamp, change.origin_node))
                continue
            conflicts.field(row, name, kept=(value, stamp, change.origin_node),
                            other=(mine, local, None))
            setattr(row, name, incoming)
            held[name] = stamps[name] = stamp
            applied[name] = value
            if stamp >= row.version:  # the row's newest write is now the one received
                row.origin_node = change.origin_node
            continue
        if stamp > local:
            base = change.base_of(name)
            if compare and base is not None and base < local and incoming != current:
                conflicts.field(row, name, kept=(value, stamp, change.origin_node),
                                other=(_jsonable(current), local, None))
            setattr(row, name, incoming)
            held[name] = stamps[name] = stamp
            applied[name] = value
        elif compare and incoming != current:
            conflicts.maybe_lost(row, name, local, (value, stamp, change.origin_node))
    if not applied:
        return False
    newest = max(stamps.values())
    if newest > row.version:
        row.version = newest
        row.origin_node = change.origin_node
    row.field_versions = versions.dump(held)
    updated = _from_json(columns["updated_at"], change.payload.get("updated_at"))
    if updated is not None and updated > row.updated_at:
        row.updated_at = updated
        applied["updated_at"] = change.payload["updated_at"]
    op = DELETE if applied.get("deleted_at") is not None else UPDATE
    bases = {k: v for k, v in (change.field_bases or {}).items() if k in stamps}
    uow.record_applied(change.kind, row.id, op, tx_id=change.tx_id, version=change.version,
                       origin_node=change.origin_node, at=change.at, payload=applied,
                       field_versions=stamps, field_bases=bases or None,
                       erased=_erased(change))
    return True


def _overwrite(uow, row: Syncable, change: RemoteChange) -> bool:
    """A row erased at the peer: every field takes the erased row's value whatever stamp
    it holds here. An erasure is final; a local edit not sent yet (or not applied there
    yet) is personal data it removes: it loses, and no conflict keeps its value. The row
    ends with every field at one stamp, the newest it held or received, as
    ``erasure.collapse`` expects; applied twice, nothing changes."""
    columns = row.__table__.c
    applied: dict[str, Any] = {}
    for name, value in change.payload.items():
        if name not in columns or name in _NOT_MERGED:
            continue
        incoming = _from_json(columns[name], value)
        if getattr(row, name) != incoming:
            setattr(row, name, incoming)
            applied[name] = value
    held = versions.parse(row.field_versions, row.version)
    newest = max([change.version, row.version, *held.values()])
    if not applied and row.field_versions is None and row.version >= change.version:
        return False
    row.version, row.field_versions, row.origin_node = newest, None, change.origin_node
    updated = _from_json(columns["updated_at"], change.payload.get("updated_at"))
    if updated is not None and updated > row.updated_at:
        row.updated_at = updated
    uow.record_applied(change.kind, row.id, DELETE, tx_id=change.tx_id,
                       version=change.version, origin_node=change.origin_node, at=change.at,
                       payload=dict(change.payload), field_versions=None,
                       erased=_erased(change))
    return True


class _Conflicts:
    """The conflicts met by one ``apply``, written to ``sync_conflict`` in its unit of
    work (each at most once, by key)."""

    def __init__(self, uow, pending: _Pending) -> None:
        self._uow = uow
        self._pending = pending
        self.recorded = 0
        self.touched_appointments: set[str] = set()

    def field(self, row: Syncable, name: str, *, kept: tuple, other: tuple) -> None:
        kept_value, kept_stamp, kept_node = kept
        other_value, other_stamp, other_node = other
        if kept_node is None or other_node is None:
            writer = self._writer(row, name, kept_stamp if kept_node is None else other_stamp)
            node = writer.origin_node if writer is not None else row.origin_node
            kept_node, other_node = kept_node or node, other_node or node
        low, high = sorted((kept_stamp, other_stamp))
        self._record(f"field:{row.__sync_entity__}:{row.id}:{name}:{low}:{high}", SyncConflict(
            conflict=FIELD, kind=row.__sync_entity__, entity_id=row.id, field=name,
            kept_value=_dumps(kept_value), other_value=_dumps(other_value),
            kept_stamp=kept_stamp, other_stamp=other_stamp, kept_node=kept_node,
            other_node=other_node))

    def maybe_lost(self, row: Syncable, name: str, local: int, incoming: tuple) -> None:
        """The incoming value is older than ours: a conflict if our value's writer had
        not seen it (its base is older than the incoming stamp)."""
        writer = self._writer(row, name, local)
        if writer is None:
            return  # no trace of how our value was written: nothing to compare with
        bases = json.loads(writer.base_versions) if writer.base_versions else {}
        base = bases.get(name, 0 if writer.op == INSERT else None)
        if base is None or base >= incoming[1]:
            return
        current = getattr(row, name)
        self.field(row, name, kept=(_jsonable(current), local, writer.origin_node),
                   other=incoming)

    def _writer(self, row: Syncable, name: str, stamp: int) -> ChangeJournal | None:
        """The journal entry that wrote ``stamp`` into field ``name`` of ``row``."""
        self._pending.flush()  # entries applied earlier in this batch count
        entries = self._uow.session.execute(
            select(ChangeJournal).where(ChangeJournal.entity_id == row.id)
            .order_by(ChangeJournal.seq.desc())).scalars()
        for entry in entries:
            if entry.entity != row.__sync_entity__:
                continue
            stamps = json.loads(entry.field_versions) if entry.field_versions else None
            written = (stamps.get(name) if stamps is not None
                       else entry.version if name in json.loads(entry.payload) else None)
            if written == stamp:
                return entry
        return None

    def overlaps(self) -> None:
        if not self.touched_appointments:
            return
        session = self._uow.session
        self._pending.flush()
        # A few queries whatever the batch's size (a first batch brings thousands of
        # appointments): the touched ones by chunks, then per practitioner the others
        # within the span they cover, matched here.
        ordered = sorted(self.touched_appointments)
        touched: list[Appointment] = []
        for start in range(0, len(ordered), _CHUNK):
            touched += session.execute(select(Appointment).where(
                Appointment.id.in_(ordered[start:start + _CHUNK]))).scalars()
        holding: dict[str, list[Appointment]] = {}
        for a in sorted(touched, key=lambda a: a.id):
            if a.deleted_at is None and a.status in HOLDING_STATUSES and not a.override_note:
                holding.setdefault(a.practitioner_id, []).append(a)
        for practitioner_id, mine in holding.items():
            others = [b for b in session.execute(select(Appointment).where(
                Appointment.practitioner_id == practitioner_id,
                Appointment.deleted_at.is_(None), Appointment.status.in_(HOLDING_STATUSES),
                Appointment.override_note == "",
                Appointment.starts_at < max(a.ends_at for a in mine),
                Appointment.ends_at > min(a.starts_at for a in mine))).scalars()
                # Both came with these changes: as they were over there.
                if b.id not in self.touched_appointments]
            for a in mine:
                for b in others:
                    if b.starts_at < a.ends_at and b.ends_at > a.starts_at:
                        low, high = sorted((a.id, b.id))
                        self._record(f"overlap:{low}:{high}", SyncConflict(
                            conflict=OVERLAP, kind=Appointment.__sync_entity__,
                            entity_id=a.id, field="", other_entity_id=b.id,
                            kept_stamp=a.version, other_stamp=b.version,
                            kept_node=a.origin_node, other_node=b.origin_node))

    def _record(self, key: str, conflict: SyncConflict) -> None:
        session = self._uow.session
        self._pending.flush()  # a conflict met twice in one batch is recorded once
        if session.execute(select(SyncConflict.id).where(SyncConflict.key == key)).first():
            return
        conflict.key = key
        conflict.peer_node = self._uow.from_peer
        conflict.detected_at = self._uow.now
        session.add(conflict)
        self.recorded += 1


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def value_of(column, value):
    """A journaled value back to what the column holds (ISO text to dates and instants)."""
    return _from_json(column, value)


_NOT_A_FIELD = object()
_READERS: dict = {}  # model -> {column key: reader of its ISO text, or None}


def _readers(model) -> dict:
    """For each column a change may write: how its journaled text becomes the column's
    value (None: as it is), as ``_from_json`` says, worked out once per model."""
    found = _READERS.get(model)
    if found is None:
        found = _READERS[model] = {c.key: _reader(c) for c in model.__table__.c
                                   if c.key not in _NOT_MERGED}
    return found


def python_type(column) -> type | None:
    """The Python type ``column`` holds, through the models' type decorators (None when
    the type does not say)."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    try:
        return column_type.python_type
    except NotImplementedError:
        return None


def _reader(column):
    return {datetime: datetime.fromisoformat, date: date.fromisoformat,
            time: time.fromisoformat}.get(python_type(column))


def _from_json(column, value):
    """A journaled value as the column holds it: dates and times parsed from their ISO
    text, everything else as it is."""
    if not isinstance(value, str):
        return value
    parse = _reader(column)
    return value if parse is None else parse(value)

