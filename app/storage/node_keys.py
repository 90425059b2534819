"""This node's keys, made once: an age X25519 identity to receive batches, an Ed25519
key to sign them. Written beside the node id inside the encrypted database, with the
profile (``create_database``), at the upgrade that introduced them (migration 0014) or
at first need (``app.sync.node``)."""

from __future__ import annotations

from datetime import datetime, timezone

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

_RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def new_keys() -> dict[str, object]:
    identity = pyrage.x25519.Identity.generate()
    signing = Ed25519PrivateKey.generate()
    seed = signing.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    return {"age_identity": str(identity), "age_recipient": str(identity.to_public()),
            "signing_key": seed, "verify_key": signing.public_key().public_bytes(*_RAW)}


def insert_identity(conn, node_id: str, now: datetime, kind: str = "practice") -> None:
    """A new identity row for ``node_id`` on ``conn`` (a SQLAlchemy connection, in the
    caller's transaction); ``now`` is timezone-aware."""
    keys = new_keys()
    conn.execute(text(
        "INSERT INTO node_identity (node_id, age_identity, age_recipient, signing_key, "
        "verify_key, kind, created_at) VALUES (:node_id, :age_identity, :age_recipient, "
        ":signing_key, :verify_key, :kind, :created_at)"),
        {"node_id": node_id, "kind": kind, **keys, "created_at": _naive_utc(now)})


def _naive_utc(moment: datetime) -> str:
    """As ``UTCDateTime`` stores an instant in SQLite: naive UTC text."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
