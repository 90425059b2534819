"""Two or three real profiles paired through the real pairing code, and sync rounds
between them over a real folder or SFTP server."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.models import kinds
from app.storage.remote import syncable_models
from app.sync.node import this_node
from app.sync.pairing import Sharing, join, read_invite
from app.sync.round import SyncRound
from app.sync.transport import FolderTransport, Mailbox


def sharing(ws) -> Sharing:
    return Sharing(ws.store, principal=ws.principal, clock=ws.clock)


def pair(practice, remote, name: str = "quimper") -> None:
    """Invite, join, compare the fingerprint, accept: as the two owners would."""
    invite = sharing(practice).invite(name)
    checked = read_invite(invite, now=remote.clock.now())
    request = join(remote.store, checked, principal=remote.principal)
    sharing(practice).accept(request, this_node(remote.store).fingerprint)


def sync(ws, where, **options):
    """One round of ``ws`` over the folder ``where`` (or an open transport)."""
    transport = FolderTransport(str(where)) if not hasattr(where, "list") else where
    box = Mailbox(transport, ws.store.node_id)
    return SyncRound(ws.store, actor_id=ws.user_id, clock=ws.clock,
                     is_owner=ws.principal.is_owner, **options).run(box)


@dataclass(frozen=True)
class Row:
    kind: str
    id: str


def rows(ws, kind: str, ids=None) -> dict[str, dict]:
    """The rows of ``kind`` (or those of ``ids``), as plain values without bookkeeping."""
    model = syncable_models()[kind]
    skip = {"field_versions", "origin_node", "version"}
    with ws.store.reader() as s:
        query = select(model)
        if ids is not None:
            query = query.where(model.id.in_(list(ids)))
        return {r.id: {c.key: getattr(r, c.key) for c in model.__table__.c if c.key not in skip}
                for r in s.scalars(query)}


__all__ = ["Row", "kinds", "pair", "rows", "sharing", "sync"]
