"""Rotating this node's keys without re-encrypting the store, and learning a peer's.

``rotate`` makes a new X25519 + Ed25519 pair for this node. The store is encrypted
with the profile's key, not with these: nothing in it is re-encrypted. The old pair is
kept, retired, in the encrypted store (``LocalMeta``) until ``RETIRED_FOR`` has passed
(a batch's lifetime: no batch sealed before the rotation is valid after it):

- its age identity still decrypts the batches peers sealed to the old recipient before
  they learnt the new one;
- its signing key signs, beside the new one, the announcement of the new keys that
  goes in the header of every batch to a peer (``batch.KeyRotation``) until that peer
  acknowledges one: the key the peer holds vouches for the new one.

A peer that applies such a batch records the new keys for this node in the same
transaction and keeps the old verify key for the batches numbered before it (those
already in its mailbox), until the same deadline; from that batch on, only the new key
signs. Both sides audit the change, with the fingerprints, old and new.

What is kept, as JSON in ``LocalMeta`` (never sent, never journaled):
``sync.retired_keys``: this node's retired pairs; ``sync.peer_knows.<node id>``: for
a peer that has not acknowledged our new keys yet, the verify key it holds and the
first batch that announced the new ones; ``sync.peer_retired.<node id>``: a peer's
retired verify keys, with the batch number that retired each.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.models.journal import LocalMeta
from app.models.sync import PEER_ACTIVE, NodeIdentity, SyncPeer
from app.storage.node_keys import new_keys
from app.sync.batch import DEFAULT_LIFETIME, KeyRotation
from app.sync.node import fingerprint

RETIRED_FOR = DEFAULT_LIFETIME
AUDIT_ROTATE, AUDIT_PEER_ROTATED = "node_rotate", "peer_rotated"
NODE_ENTITY, PEER_ENTITY = "node", "sync_peer"
_RETIRED = "sync.retired_keys"
_KNOWS = "sync.peer_knows."
_PEER_RETIRED = "sync.peer_retired."


@dataclass(frozen=True)
class Rotated:
    old_fingerprint: str
    new_fingerprint: str
    peers: int  # active peers to be told through their next batch


@dataclass(frozen=True)
class Announcement:
    """What goes into the next batch to a peer that holds an older key of ours."""

    rotation: KeyRotation
    previous_key: bytes  # the retired signing seed whose public key the peer holds


def _b64(raw: bytes) -> str:
    return base64.b64encode(bytes(raw)).decode("ascii")


def _read(session, key: str, default):
    row = session.get(LocalMeta, key)
    return json.loads(row.value) if row is not None else default


def _write(session, key: str, value) -> None:
    session.merge(LocalMeta(key=key, value=json.dumps(value)))


def _forget(session, key: str) -> None:
    row = session.get(LocalMeta, key)
    if row is not None:
        session.delete(row)


# -- this node -----------------------------------------------------------------------------
def rotate(uow, node_id: str) -> Rotated:
    """New keys for this node, in the caller's unit of work (audited); the old ones
    retire. Each active peer is told through its next batch."""
    s = uow.session
    row = s.get(NodeIdentity, node_id)
    old_key, old_recipient = bytes(row.verify_key), row.age_recipient
    retired = [k for k in _read(s, _RETIRED, []) if _until(k) > uow.now]
    retired.append({"verify_key": _b64(old_key), "signing_key": _b64(row.signing_key),
                    "age_identity": row.age_identity, "age_recipient": old_recipient,
                    "retired_at": uow.now.isoformat(),
                    "until": (uow.now + RETIRED_FOR).isoformat()})
    _write(s, _RETIRED, retired)
    told = 0
    for peer in s.scalars(select(SyncPeer).where(SyncPeer.state == PEER_ACTIVE,
                                                 SyncPeer.node_id.is_not(None))):
        told += 1
        if s.get(LocalMeta, _KNOWS + peer.node_id) is None:  # else it holds an older key
            _write(s, _KNOWS + peer.node_id, {"verify_key": _b64(old_key), "first_seq": 0})
    keys = new_keys()
    row.age_identity, row.age_recipient = keys["age_identity"], keys["age_recipient"]
    row.signing_key, row.verify_key = keys["signing_key"], keys["verify_key"]
    old_fp = fingerprint(old_key, old_recipient)
    new_fp = fingerprint(keys["verify_key"], keys["age_recipient"])
    uow.audit(AUDIT_ROTATE, NODE_ENTITY, node_id, f"from={old_fp} to={new_fp} peers={told}")
    return Rotated(old_fp, new_fp, told)


def _until(entry: dict) -> datetime:
    return datetime.fromisoformat(entry["until"])


def identities(session, current: str, now: datetime) -> list[str]:
    """The age identities that may open a batch sent here: the current one, then the
    retired ones still within their deadline."""
    return [current] + [k["age_identity"] for k in _read(session, _RETIRED, [])
                        if _until(k) > now]


def announcement(session, peer_node_id: str, node, now: datetime) -> Announcement | None:
    """The rotation to announce to this peer in its next batch (None: it holds our
    current key, or the key it holds retired past its deadline: it must be paired
    again)."""
    knows = _read(session, _KNOWS + peer_node_id, None)
    if knows is None:
        return None
    for k in _read(session, _RETIRED, []):
        if k["verify_key"] == knows["verify_key"] and _until(k) > now:
            return Announcement(KeyRotation(node.verify_key, node.age_recipient),
                                base64.b64decode(k["signing_key"]))
    return None


def announcement_unsent(session, peer_node_id: str) -> bool:
    """A rotation waits for its first batch to this peer (one is made even if empty)."""
    knows = _read(session, _KNOWS + peer_node_id, None)
    return knows is not None and not knows["first_seq"]


def announced(session, peer_node_id: str, seq: int) -> None:
    """Batch ``seq`` to the peer carried the announcement."""
    knows = _read(session, _KNOWS + peer_node_id, None)
    if knows is not None and not knows["first_seq"]:
        knows["first_seq"] = seq
        _write(session, _KNOWS + peer_node_id, knows)


def acknowledged(session, peer_node_id: str, seq: int) -> None:
    """The peer acknowledged our batches up to ``seq``: once one carried the
    announcement, it holds our current keys."""
    knows = _read(session, _KNOWS + peer_node_id, None)
    if knows is not None and knows["first_seq"] and seq >= knows["first_seq"]:
        _forget(session, _KNOWS + peer_node_id)


def expired(session, now: datetime) -> bool:
    """Some retired key passed its deadline (``prune`` has work)."""
    rows = [session.get(LocalMeta, _RETIRED)] + list(session.scalars(select(LocalMeta).where(
        LocalMeta.key.like(_PEER_RETIRED + "%"))))
    return any(_until(k) <= now for row in rows if row is not None
               for k in json.loads(row.value))


def prune(session, now: datetime) -> None:
    """Retired keys past their deadline go, this node's and its peers'."""
    retired = _read(session, _RETIRED, [])
    kept = [k for k in retired if _until(k) > now]
    if len(kept) != len(retired):
        _write(session, _RETIRED, kept)
    for row in session.scalars(select(LocalMeta).where(
            LocalMeta.key.like(_PEER_RETIRED + "%"))).all():
        entries = json.loads(row.value)
        fresh = [k for k in entries if _until(k) > now]
        if not fresh:
            session.delete(row)
        elif len(fresh) != len(entries):
            row.value = json.dumps(fresh)


# -- a peer's ------------------------------------------------------------------------------
def retired_verify_keys(session, peer_node_id: str, now: datetime) -> list[tuple[bytes, int]]:
    """The peer's retired verify keys still within their deadline, each with the number
    of the batch that announced its successor (``batch.verify``'s ``retired_keys``)."""
    return [(base64.b64decode(k["verify_key"]), k["before_seq"])
            for k in _read(session, _PEER_RETIRED + peer_node_id, []) if _until(k) > now]


def record_peer_rotation(uow, peer_node_id: str, rotation: KeyRotation, *, seq: int) -> None:
    """The peer announced new keys in batch ``seq`` (verified): record them in the
    caller's unit of work, audited; its old verify key still verifies the batches
    numbered before ``seq`` until the deadline."""
    s = uow.session
    row = s.scalars(select(SyncPeer).where(SyncPeer.node_id == peer_node_id)).one()
    old_key, old_recipient = bytes(row.verify_key), row.age_recipient
    entries = [k for k in _read(s, _PEER_RETIRED + peer_node_id, []) if _until(k) > uow.now]
    entries.append({"verify_key": _b64(old_key), "before_seq": seq,
                    "until": (uow.now + RETIRED_FOR).isoformat()})
    _write(s, _PEER_RETIRED + peer_node_id, entries)
    row.verify_key, row.age_recipient = rotation.verify_key, rotation.age_recipient
    uow.audit(AUDIT_PEER_ROTATED, PEER_ENTITY, row.id,
              f"from={fingerprint(old_key, old_recipient)} "
              f"to={fingerprint(rotation.verify_key, rotation.age_recipient)} seq={seq}")


def forget_peer(session, peer_node_id: str) -> None:
    """Paired again: it holds our current keys (from the new invitation or request),
    and the batch numbers kept here belong to the old exchange."""
    _forget(session, _KNOWS + peer_node_id)
    _forget(session, _PEER_RETIRED + peer_node_id)
