"""Telling a revoked workstation, and its wiping its copy of the practice.

When the owner revokes a workstation, the practice's next rounds leave a signed notice
in that workstation's mailbox, beside the batches (``<workstation>/<practice>/
revoked.notice``, a name batch readers ignore): two lines of ASCII, the notice as
canonical JSON (``format`` "permanence-revocation", ``version``, ``practice`` and
``workstation`` node ids, ``revoked_at``), then its Ed25519 signature by the practice in
base64. At its next round the workstation finds it, checks the signature with the
practice's key it holds since pairing, and wipes what it holds of the practice: the
trail records it first (who, when; no patient data), the practice is marked revoked
among its peers, then every row of the practice's data, the change journal, the
conflicts and the search indexes are deleted, their pages overwritten (SQLite's
``secure_delete``) and the write-ahead log checkpointed, so nothing of it stays in the
file. Its accounts, its keys and its trail stay: the profile
still opens, empty. A notice that does not verify is ignored (anyone who can write to
the folder could leave one).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from sqlalchemy import delete, text

from app.models import kinds
from app.models.journal import ChangeJournal, LocalMeta
from app.models.sync import PEER_REVOKED, SyncPeer
from app.storage.remote import syncable_models
from app.storage.uow import UnitOfWork
from app.sync.node import NodeInfo, verify_key_object

FORMAT = "permanence-revocation"
VERSION = 1
NOTICE_NAME = "revoked.notice"
MAX_NOTICE_BYTES = 4096
AUDIT_WIPE = "sync_revoked_wipe"
# Tables of search indexes over patients and contacts (kept by the services).
_INDEXES = ("patient_search", "patient_search_key", "patient_search_word",
            "patient_search_variant", "contact_search", "contact_search_key")
# What a workstation keeps of itself: its accounts and its own practice record.
_KEPT = {kinds.USER}


def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True
                      ).encode("ascii")


def notice(node: NodeInfo, workstation: str, revoked_at: datetime) -> bytes:
    """The notice the practice ``node`` leaves for a revoked ``workstation``."""
    signed = _canonical({"format": FORMAT, "version": VERSION, "practice": node.node_id,
                         "workstation": workstation,
                         "revoked_at": revoked_at.astimezone(timezone.utc).isoformat()})
    return signed + b"\n" + base64.b64encode(node.sign(signed)) + b"\n"


def is_valid(data: bytes, *, practice: str, practice_key: bytes, me: str) -> bool:
    """True when ``data`` is a notice signed by ``practice`` revoking ``me``."""
    try:
        signed, signature, rest = data.split(b"\n")
        body = json.loads(signed.decode("ascii"))
        if rest or not isinstance(body, dict) or _canonical(body) != signed:
            return False
        verify_key_object(practice_key).verify(base64.b64decode(signature, validate=True),
                                               signed)
    except (ValueError, UnicodeDecodeError, InvalidSignature):
        return False
    return (body.get("format") == FORMAT and body.get("practice") == practice
            and body.get("workstation") == me)


def post_notice(transport, node: NodeInfo, workstation: str, revoked_at: datetime) -> bool:
    """Leave the notice in ``workstation``'s mailbox (True when written now). Anything
    else under its name (a forged notice) is replaced: it cannot keep the real one out."""
    folder = (workstation, node.node_id)
    data = notice(node, workstation, revoked_at)  # Ed25519 is deterministic: same bytes
    transport.make_folders(folder)
    if transport.read(folder + (NOTICE_NAME,), MAX_NOTICE_BYTES) == data:
        return False
    return transport.write(folder + (NOTICE_NAME,), data, replace=True)


def find_notice(transport, me: str, practice: str, practice_key: bytes) -> bool:
    data = transport.read((me, practice, NOTICE_NAME), MAX_NOTICE_BYTES)
    return data is not None and is_valid(data, practice=practice, practice_key=practice_key,
                                         me=me)


def wipe(store, *, actor_id: str, practice: str) -> None:
    """At a workstation the practice ``practice`` (node id) revoked: audit, mark it
    revoked, delete what it holds of the practice, overwritten."""
    models = syncable_models()
    with UnitOfWork(store, actor_id=actor_id) as uow:
        s = uow.session
        row = s.query(SyncPeer).filter(SyncPeer.node_id == practice).one()
        uow.audit(AUDIT_WIPE, "sync_peer", row.id, "node=" + practice)
        row.state, row.revoked_at = PEER_REVOKED, uow.now
        s.flush()
        # Deleted content is overwritten with zeros, not left in free pages.
        s.execute(text("PRAGMA secure_delete = ON"))
        # Children before parents: the reverse of the order the tables depend on.
        for kind in reversed(_ordered(models)):
            table = models[kind].__table__
            if kind == kinds.PRACTICE:  # its own record stays: the profile still opens
                s.execute(delete(table).where(table.c.origin_node != store.node_id))
            else:
                s.execute(delete(table))
        s.execute(delete(ChangeJournal))
        s.execute(text("DELETE FROM sync_conflict"))
        s.execute(delete(LocalMeta).where(LocalMeta.key.like("sync.%" + practice)))
        for name in _INDEXES:
            s.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - fixed table names
        s.execute(text("PRAGMA secure_delete = OFF"))
    store.checkpoint()  # the write-ahead log let go of the old pages too


def _ordered(models: dict) -> list[str]:
    """Syncable kinds in the order their tables depend on one another."""
    from app.models import Base

    by_table = {m.__table__.name: k for k, m in models.items()}
    return [by_table[t.name] for t in Base.metadata.sorted_tables if t.name in by_table
            and by_table[t.name] not in _KEPT]
