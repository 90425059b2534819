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
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import TypeDecorator, or_, select
from sqlalchemy.orm import Session

from app.models.base import BOOKKEEPING, Base, Syncable
from app.models.journal import ChangeJournal, LocalMeta
from app.i18n import _
from app.models.kinds import PATIENT
from app.storage import erasure, versions
from app.storage.errors import StorageError
from app.storage.changes import DELETE, INSERT, UPDATE
from app.storage.hlc import HybridLogicalClock

META_HLC = "hlc_last"
# Fields a peer's change may set on an existing row (the rest are stamps or the key).
_NOT_MERGED = BOOKKEEPING | {"id"}


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

    def version_of(self, name: str) -> int:
        if self.field_versions is None:
            return self.version
        return self.field_versions.get(name, self.version)

    @classmethod
    def of_entry(cls, entry: ChangeJournal) -> RemoteChange:
        return cls(entry.tx_id, entry.entity, entry.entity_id, entry.op, entry.version,
                   entry.origin_node, entry.at, json.loads(entry.payload),
                   json.loads(entry.field_versions) if entry.field_versions else None)


def outgoing(session: Session, peer_node_id: str, after_seq: int
             ) -> list[tuple[int, RemoteChange]]:
    entries = session.execute(
        select(ChangeJournal).where(
            ChangeJournal.seq > after_seq, ChangeJournal.origin_node != peer_node_id,
            or_(ChangeJournal.peer_node.is_(None), ChangeJournal.peer_node != peer_node_id))
        .order_by(ChangeJournal.seq)).scalars()
    return [(e.seq, RemoteChange.of_entry(e)) for e in entries]


def syncable_models() -> dict[str, type[Syncable]]:
    return {m.class_.__sync_entity__: m.class_ for m in Base.registry.mappers
            if issubclass(m.class_, Syncable)}


def apply(uow, changes: Sequence[RemoteChange], hlc: HybridLogicalClock) -> None:
    """Write ``changes`` in ``uow`` (a unit of work ``from_peer``), in their order."""
    session = uow.session
    models = syncable_models()
    mark, ahead, wrote = hlc.last, False, False
    erasing = erasures(changes)
    names: dict[str, list[str]] = {}
    for change in changes:
        model = models.get(change.kind)
        if model is None:
            raise RemoteChangeRefused(f"unknown kind {change.kind!r}")
        received = max([change.version, *(change.field_versions or {}).values()])
        ahead = ahead or received >= mark
        hlc.observe(received)
        row = session.get(model, change.entity_id)
        if change.tx_id in erasing and change.kind == PATIENT and row is not None:
            names[row.id] = [row.birth_name, row.used_name, row.first_names]
        if row is None:
            wrote = _insert(uow, model, change) or wrote
        else:
            wrote = _merge(uow, row, change) or wrote
    if erasing:
        _erase_copies(session, changes, erasing, names)
    if wrote or ahead:
        # Entries applied keep their stamps, older than ours or newer: the clock's mark is
        # kept beside them, so that it survives a restart.
        session.merge(LocalMeta(key=META_HLC, value=str(hlc.last)))


def erasures(changes: Sequence[RemoteChange]) -> set[str]:
    """The transactions among ``changes`` that erase a patient (``app.services.rgpd``)."""
    return {c.tx_id for c in changes if c.kind == PATIENT and c.payload.get("erased_at")}


def _erase_copies(session: Session, changes: Sequence[RemoteChange], erasing: set[str],
                  names: dict[str, list[str]]) -> None:
    """A patient erased on a peer is erased here too: the older journal entries of every
    row of the erasing transaction, and the card's search terms (the file is flushed
    after the commit, ``Store.apply_remote``)."""
    session.flush()
    for tx_id in erasing:
        blanks = {c.entity_id: {k: v for k, v in c.payload.items()
                                if k not in _NOT_MERGED and k not in ("deleted_at", "erased_at")}
                  for c in changes if c.tx_id == tx_id}
        erasure.scrub_history(session, blanks, keep_tx=tx_id)
        for change in changes:
            if change.tx_id == tx_id and change.kind == PATIENT:
                erasure.scrub_patient_search(session, change.entity_id,
                                             names.get(change.entity_id, []))


def _insert(uow, model: type[Syncable], change: RemoteChange) -> bool:
    if change.op != INSERT:
        raise RemoteChangeRefused(f"{change.kind} {change.entity_id}: a change of a row "
                                  "this node never received")
    columns = model.__table__.c
    values = {k: _from_json(columns[k], v) for k, v in change.payload.items()
              if k in columns and k not in _NOT_MERGED}
    stamps = {k: change.version_of(k) for k in values}
    created = _from_json(columns["created_at"], change.payload.get("created_at")) or change.at
    updated = _from_json(columns["updated_at"], change.payload.get("updated_at")) or created
    row = model(**values, id=change.entity_id, created_at=created, updated_at=updated,
                origin_node=change.origin_node)
    newest = max([change.version, *stamps.values()])
    row.version = newest
    spread = {k: v for k, v in stamps.items() if v != newest}
    row.field_versions = versions.dump({versions.BASE: newest, **spread}) if spread else None
    uow.session.add(row)
    uow.record_applied(change.kind, row.id, INSERT, tx_id=change.tx_id, version=change.version,
                       origin_node=change.origin_node, at=change.at,
                       payload=dict(change.payload),
                       field_versions=dict(change.field_versions or {}) or None)
    return True


def _merge(uow, row: Syncable, change: RemoteChange) -> bool:
    columns = type(row).__table__.c
    held = versions.parse(row.field_versions, row.version)
    applied: dict[str, Any] = {}
    stamps: dict[str, int] = {}
    for name, value in change.payload.items():
        if name not in columns or name in _NOT_MERGED:
            continue
        stamp = change.version_of(name)
        if stamp > versions.of_field(held, name):
            setattr(row, name, _from_json(columns[name], value))
            held[name] = stamps[name] = stamp
            applied[name] = value
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
    uow.record_applied(change.kind, row.id, op, tx_id=change.tx_id, version=change.version,
                       origin_node=change.origin_node, at=change.at, payload=applied,
                       field_versions=stamps)
    return True


def _from_json(column, value):
    """A journaled value back to what the column holds (ISO text to dates and instants)."""
    if not isinstance(value, str):
        return value
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    try:
        kind = column_type.python_type
    except NotImplementedError:
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    return value

