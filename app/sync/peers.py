"""The peers of this node, as plain values, and their sync ledger.

Read with a session (``store.reader()``, or a unit of work's ``session``); the ledger
is written in the caller's unit of work (``uow`` or its session), in the same
transaction as what it records: a batch applied and the high-water mark that says so
commit together or not at all. Pairing and revocation are ``app.sync.pairing``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.sync import PEER_ACTIVE, PEER_REVOKED, SyncPeer
from app.services.workstation_policy import WorkstationPolicy
from app.sync.node import fingerprint
from app.sync.scope import Scope


@dataclass(frozen=True)
class Ledger:
    """Where the exchange with one peer stands.

    ``next_send_seq``: the number of the next batch to send it (from 1, no gap);
    ``last_sent_hash``: the hash of the last batch sent ("" before the first);
    ``last_received_seq``/``last_received_hash``: the same for the batches it sent
    here (0 and "" before the first); ``acked_journal_seq``: the highest local journal
    sequence it acknowledged (changes after it are still to send); ``snapshot_due``:
    the next batch starts with every row in its scope (just paired, or its scope
    changed: rows the journal will not bring)."""

    next_send_seq: int = 1
    last_sent_hash: str = ""
    last_received_seq: int = 0
    last_received_hash: str = ""
    acked_journal_seq: int = 0
    last_sync_at: datetime | None = None
    last_error: str = ""
    snapshot_due: bool = False


@dataclass(frozen=True)
class PeerInfo:
    id: str
    name: str
    role: str  # remote-secretary (at a practice), practice (at a remote workstation)
    state: str  # invited, active, revoked
    node_id: str | None  # None until paired
    age_recipient: str | None
    verify_key: bytes | None
    scope: Scope
    created_at: datetime
    paired_at: datetime | None
    revoked_at: datetime | None
    invite_expires_at: datetime | None
    ledger: Ledger
    # What it may do (a remote workstation, at the practice): sent with each batch to it.
    policy: WorkstationPolicy = WorkstationPolicy()

    @property
    def fingerprint(self) -> str | None:
        if self.verify_key is None or self.age_recipient is None:
            return None
        return fingerprint(self.verify_key, self.age_recipient)

    @property
    def active(self) -> bool:
        return self.state == PEER_ACTIVE

    @property
    def revoked(self) -> bool:
        return self.state == PEER_REVOKED


def info(row: SyncPeer) -> PeerInfo:
    return PeerInfo(
        row.id, row.name, row.role, row.state, row.node_id, row.age_recipient,
        bytes(row.verify_key) if row.verify_key is not None else None,
        Scope.from_json(row.scope), row.created_at, row.paired_at, row.revoked_at,
        row.invite_expires_at,
        Ledger(row.next_send_seq, row.last_sent_hash, row.last_received_seq,
               row.last_received_hash, row.acked_journal_seq, row.last_sync_at,
               row.last_error, bool(row.snapshot_due)),
        WorkstationPolicy.from_json(row.policy))


def _session(where) -> Session:
    """A unit of work or a session."""
    return getattr(where, "session", None) or where


def list_peers(where) -> list[PeerInfo]:
    """Every peer, invited, active or revoked, by name."""
    rows = _session(where).scalars(select(SyncPeer).order_by(SyncPeer.name))
    return [info(r) for r in rows]


def active_peers(where) -> list[PeerInfo]:
    """The peers batches are exchanged with."""
    return [p for p in list_peers(where) if p.active]


def get(where, name: str) -> PeerInfo | None:
    row = _session(where).scalars(select(SyncPeer).where(SyncPeer.name == name)).first()
    return info(row) if row is not None else None


def by_node_id(where, node_id: str) -> PeerInfo | None:
    row = _row(where, node_id)
    return info(row) if row is not None else None


def _row(where, node_id: str) -> SyncPeer | None:
    return _session(where).scalars(select(SyncPeer).where(SyncPeer.node_id == node_id)).first()


def _paired_row(where, node_id: str) -> SyncPeer:
    row = _row(where, node_id)
    if row is None:
        raise LookupError(f"no peer with node id {node_id}")
    return row


def ledger(where, node_id: str) -> Ledger:
    return info(_paired_row(where, node_id)).ledger


# -- ledger updates (in the caller's unit of work) ----------------------------------------
def record_sent(where, node_id: str, *, seq: int, batch_hash: str, at: datetime) -> None:
    """Batch ``seq`` (hash ``batch_hash``) was written for the peer: the next is seq + 1."""
    row = _paired_row(where, node_id)
    if seq != row.next_send_seq:
        raise ValueError(f"batch {seq} sent, {row.next_send_seq} expected")
    row.next_send_seq = seq + 1
    row.last_sent_hash = batch_hash
    row.last_sync_at = at


def record_received(where, node_id: str, *, seq: int, batch_hash: str, at: datetime) -> None:
    """Batch ``seq`` (hash ``batch_hash``) from the peer was applied."""
    row = _paired_row(where, node_id)
    if seq != row.last_received_seq + 1:
        raise ValueError(f"batch {seq} received, {row.last_received_seq + 1} expected")
    row.last_received_seq = seq
    row.last_received_hash = batch_hash
    row.last_sync_at = at


def record_acknowledged(where, node_id: str, journal_seq: int) -> None:
    """The peer holds every local change up to ``journal_seq`` (never moves back)."""
    row = _paired_row(where, node_id)
    row.acked_journal_seq = max(row.acked_journal_seq, journal_seq)


def record_snapshot_sent(where, node_id: str) -> None:
    """The rows in the peer's scope went in a batch (with ``record_sent``)."""
    _paired_row(where, node_id).snapshot_due = False


def record_sync(where, node_id: str, *, at: datetime, error: str = "") -> None:
    """A round with the peer ended at ``at``, with ``error`` ("" for none: a text for
    people, never patient data)."""
    row = _paired_row(where, node_id)
    row.last_sync_at = at
    row.last_error = error
