"""Sync's local bookkeeping: this node's keys and the peers it exchanges batches with.

Local to one installation, inside the encrypted store: never journaled, never audited
as rows (the services audit what a person did), never sent to a peer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime

PEER_INVITED, PEER_ACTIVE, PEER_REVOKED = "invited", "active", "revoked"
PEER_STATES = (PEER_INVITED, PEER_ACTIVE, PEER_REVOKED)
# A peer's role: a remote secretary's workstation (at the practice), or the practice
# (at a remote workstation).
PEER_ROLE_REMOTE_SECRETARY = "remote-secretary"
PEER_ROLE_PRACTICE = "practice"
PEER_ROLES = (PEER_ROLE_REMOTE_SECRETARY, PEER_ROLE_PRACTICE)
# What this node is: a practice, or the workstation of a remote secretary (``peer join``).
NODE_PRACTICE, NODE_REMOTE = "practice", "remote"


class NodeIdentity(Base):
    """This installation's keys: an age X25519 identity (it receives batches) and an
    Ed25519 key (it signs them). ``node_id`` is the one ``local_meta`` holds, stamped as
    ``origin_node`` on every row written here."""

    __tablename__ = "node_identity"

    node_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    age_identity: Mapped[str] = mapped_column(Text, nullable=False)  # AGE-SECRET-KEY-1…
    age_recipient: Mapped[str] = mapped_column(String(100), nullable=False)  # age1…
    signing_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # 32-byte seed
    verify_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # 32 bytes
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=NODE_PRACTICE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class SyncPeer(Base):
    """A node this one exchanges batches with, and where the exchange stands.

    ``state``: invited (an invite is out; ``invite_token`` is its one-time token, until
    ``invite_expires_at``), active, revoked. ``scope``: JSON (``app.sync.scope``).
    The ledger: ``next_send_seq`` is the number of the next batch to send,
    ``last_sent_hash`` the hash of the last one sent; ``last_received_seq`` and
    ``last_received_hash`` the same for batches received; ``acked_journal_seq`` the
    highest local journal sequence the peer has acknowledged; ``snapshot_due``: the
    next batch to it starts with every row in its scope (``app.sync.scope.snapshot``):
    set when it is paired and when its scope changes.
    """

    __tablename__ = "sync_peer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default=PEER_INVITED)
    node_id: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True)
    age_recipient: Mapped[str | None] = mapped_column(String(100), nullable=True)
    verify_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    # What the remote workstation may do with what it holds (``app.sync.policy``), JSON.
    policy: Mapped[str] = mapped_column(Text, nullable=False, default="{}",
                                        server_default=text("'{}'"))
    invite_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_send_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    last_sent_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    last_received_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_received_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    acked_journal_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    snapshot_due: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
