"""This installation as a sync node: its id, its keys and their fingerprint.

``this_node(store)`` reads the keys made with the profile (``app.storage.node_keys``);
a profile copied without them (or one whose upgrade ran before they existed) gets them
at first need. The fingerprint is what two people compare, each reading it from their
own screen, before a practice and a remote workstation trust each other: the same
function on both sides, over the node's two public keys.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey,
)
from sqlalchemy import select

from app.models.sync import NODE_PRACTICE, NodeIdentity
from app.storage.node_keys import insert_identity

FINGERPRINT_GROUPS = 6  # of 4 digits: about 80 bits, read aloud in a minute


@dataclass(frozen=True)
class NodeInfo:
    """This node. ``age_identity`` (``AGE-SECRET-KEY-1…``) decrypts what peers send;
    ``signing_key`` signs what it sends; ``verify_key`` (32 bytes) and
    ``age_recipient`` (``age1…``) are what peers hold of it. ``kind``: a practice or a
    remote workstation (``app.models.sync``)."""

    node_id: str
    age_recipient: str
    verify_key: bytes
    kind: str
    created_at: datetime
    age_identity: str = field(repr=False)
    signing_key: Ed25519PrivateKey = field(repr=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.verify_key, self.age_recipient)

    @property
    def is_remote(self) -> bool:
        return self.kind != NODE_PRACTICE

    def sign(self, data: bytes) -> bytes:
        return self.signing_key.sign(data)


def fingerprint(verify_key: bytes, age_recipient: str) -> str:
    """Six groups of four digits from SHA-256 over a node's two public keys, e.g.
    ``0412 8831 5570 2093 7716 4408``."""
    digest = hashlib.sha256(b"permanence-node-v1\x00" + bytes(verify_key) + b"\x00"
                            + age_recipient.encode("ascii")).digest()
    number = int.from_bytes(digest[:12], "big")
    digits = str(number % 10 ** (4 * FINGERPRINT_GROUPS)).zfill(4 * FINGERPRINT_GROUPS)
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


def same_fingerprint(given: str, expected: str) -> bool:
    """Spaces, dashes and dots between the groups do not matter."""
    return re.sub(r"[\s.\-]", "", given or "") == re.sub(r"\s", "", expected)


def verify_key_object(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes(raw))


def this_node(store) -> NodeInfo:
    """This node's identity, made now if the database has none for its node id."""
    with store.reader() as s:
        row = s.get(NodeIdentity, store.node_id)
    if row is None:
        store.write_guard()
        with store.writer_engine.begin() as conn:
            exists = conn.execute(select(NodeIdentity.node_id).where(
                NodeIdentity.node_id == store.node_id)).scalar()
            if exists is None:
                insert_identity(conn, store.node_id, store.clock.now())
        with store.reader() as s:
            row = s.get(NodeIdentity, store.node_id)
    return _info(row)


def set_kind(session, node_id: str, kind: str) -> None:
    """Mark this node as a practice or a remote workstation (in the caller's unit of
    work's session)."""
    row = session.get(NodeIdentity, node_id)
    row.kind = kind


def _info(row: NodeIdentity) -> NodeInfo:
    return NodeInfo(row.node_id, row.age_recipient, bytes(row.verify_key), row.kind,
                    row.created_at, row.age_identity,
                    Ed25519PrivateKey.from_private_bytes(bytes(row.signing_key)))


def fingerprint_of(workspace) -> str:
    """This installation's fingerprint, for the screens (which hold no store)."""
    return this_node(workspace.store).fingerprint
