"""Two or three real profiles paired through the real pairing code, and sync rounds
between them over a real folder or a real OpenSSH server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.storage.remote import syncable_models
from app.sync.node import this_node
from app.sync.pairing import Sharing, join, read_invite
from app.sync.round import SyncRound
from app.sync.transport import LocalMetaPins, Mailbox, connect


def sharing(ws) -> Sharing:
    return Sharing(ws.store, principal=ws.principal, clock=ws.clock)


def pair(practice, remote, name: str = "quimper") -> None:
    """Invite, join, compare the fingerprint, accept: as the two owners would."""
    invite = sharing(practice).invite(name)
    checked = read_invite(invite, now=remote.clock.now())
    request = join(remote.store, checked, principal=remote.principal)
    sharing(practice).accept(request, this_node(remote.store).fingerprint)


def sync(ws, via, **options):
    """One round of ``ws`` through the folder ``via``, or the SFTP server ``via``
    (``tests.sync.sshd.SshServer``)."""
    if isinstance(via, Path):
        transport = connect(via)
    else:
        transport = connect(via.url(), identity=via.client_key, pins=LocalMetaPins(ws.store),
                            timeout=10)
    try:
        return SyncRound(ws.store, actor_id=ws.user_id, clock=ws.clock,
                         is_owner=ws.principal.is_owner, **options).run(
            Mailbox(transport, ws.store.node_id))
    finally:
        transport.close()


def rows(ws, kind: str, ids=None) -> dict[str, dict]:
    """The rows of ``kind`` (or those of ``ids``), as plain values without bookkeeping."""
    model = syncable_models()[kind]
    with ws.store.reader() as s:
        query = select(model)
        if ids is not None:
            query = query.where(model.id.in_(list(ids)))
        return {r.id: {c.key: getattr(r, c.key) for c in model.__table__.c
                       if c.key != "field_versions"}
                for r in s.scalars(query)}


def paired_through_a_folder(practice_factory, folder: Path):
    """A practice and a workstation paired, and the folder their batches go through."""
    practice = practice_factory("practice").workspace
    remote = practice_factory("remote").workspace
    pair(practice, remote)
    folder.mkdir()
    return practice, remote, folder


def settle(practice, remote, folder) -> list:
    """Rounds until each side holds what the other sent and its acknowledgement; every
    peer's round went well and refused nothing. The rounds' results."""
    results = [sync(ws, folder) for ws in (practice, remote, practice, remote)]
    for result in results:
        for peer in result.peers:
            assert peer.ok and not peer.refused_changes, peer
    return results
