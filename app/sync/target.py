"""Where this installation synchronises, and one round there: what the application's
background sync and its "Synchronise now" run (the command line gives ``--via``).

The target (a folder, or an ``sftp://`` address with its key file and, optionally, the
server's public key file) and the interval are kept in the encrypted store: they are
this installation's, and a folder path or a server name says where the practice's
data goes. Saving them is audited.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from app.i18n import _
from app.models.journal import LocalMeta
from app.services import access
from app.services.calls.lines import write_lines_copy
from app.services.errors import ValidationError
from app.storage.uow import UnitOfWork
from app.sync.round import RoundResult, SyncRound
from app.sync.transport import LocalMetaPins, Mailbox, open_transport, parse_sftp_url
from app.sync.transport.errors import BadTarget

META_KEY = "sync_target"  # not "sync.…": a revocation's wipe keeps it
DEFAULT_INTERVAL = 30  # seconds
LEAST_INTERVAL, MOST_INTERVAL = 10, 24 * 3600
AUDIT_TARGET = "sync_target"


@dataclass(frozen=True)
class SyncTarget:
    via: str = ""  # a folder, or sftp://USER@HOST:PORT/PATH; "" for none
    identity: str = ""  # SFTP: the private key file
    host_key: str = ""  # SFTP: the server's public key file (optional)
    interval: int = DEFAULT_INTERVAL  # seconds between background rounds

    @property
    def is_sftp(self) -> bool:
        return self.via.lower().startswith("sftp://")

    def check(self) -> SyncTarget:
        """The target cleaned, or ``ValidationError`` naming what is wrong."""
        errors: dict[str, str] = {}
        via = self.via.strip()
        if not LEAST_INTERVAL <= self.interval <= MOST_INTERVAL:
            errors["interval"] = _("Between {least} seconds and one day.").format(
                least=LEAST_INTERVAL)
        if via.lower().startswith("sftp://"):
            try:
                parse_sftp_url(via)
            except BadTarget as exc:
                errors["via"] = exc.user_message
            if not self.identity.strip():
                errors["identity"] = _("Give the key file to log in to the server.")
        elif via and "://" in via:
            errors["via"] = _("A folder, or an sftp:// address.")
        if errors:
            raise ValidationError(errors)
        return SyncTarget(via, self.identity.strip() if via.lower().startswith("sftp://")
                          else "", self.host_key.strip() if via.lower().startswith("sftp://")
                          else "", self.interval)


def read_target(store) -> SyncTarget:
    with store.reader() as s:
        row = s.get(LocalMeta, META_KEY)
    if row is None:
        return SyncTarget()
    data = json.loads(row.value)
    return SyncTarget(**{k: data[k] for k in SyncTarget.__dataclass_fields__ if k in data})


def save_target(store, target: SyncTarget, *, actor_id: str) -> SyncTarget:
    target = target.check()
    with UnitOfWork(store, actor_id=actor_id) as uow:
        uow.session.merge(LocalMeta(key=META_KEY, value=json.dumps(asdict(target))))
        uow.audit(AUDIT_TARGET, "sync_target", "local",
                  ("sftp" if target.is_sftp else "folder" if target.via else "none")
                  + f" every={target.interval}s")
    return target


def run_round(store, target: SyncTarget, *, actor_id: str, clock, is_owner: bool,
              on_pinned=None, confirm_deletions: frozenset[str] = frozenset()
              ) -> RoundResult:
    """One round at ``target`` (raises the transport's errors, exit 8);
    ``confirm_deletions``: the peers whose held deletions the owner confirmed."""
    options = {}
    if target.is_sftp:
        options = {"identity": Path(target.identity), "pins": LocalMetaPins(store),
                   "host_key_file": Path(target.host_key) if target.host_key else None,
                   "on_pinned": on_pinned}
    with open_transport(target.via, **options) as transport:
        return SyncRound(store, actor_id=actor_id, clock=clock, is_owner=is_owner,
                         confirm_deletions=confirm_deletions).run(
            Mailbox(transport, store.node_id))


# For the screens, which hold no store: the same, for the person signed in.
def target_of(workspace) -> SyncTarget:
    return read_target(workspace.store)


def set_target_of(workspace, target: SyncTarget) -> SyncTarget:
    """Where and how often this installation syncs: the owner's, as the sharing itself
    (``access.SYNC_PEERS``); ``ValidationError`` when wrong, nothing saved then."""
    access.require_for(workspace.principal, access.SYNC_PEERS)
    return save_target(workspace.store, target, actor_id=workspace.user_id)


def run_round_of(workspace, target: SyncTarget, **options) -> RoundResult:
    """A round as the person signed in runs it (the background sync included); the
    copy of the practice's lines in the profile's settings follows what it brought."""
    result = run_round(workspace.store, target, actor_id=workspace.user_id,
                       clock=workspace.clock, is_owner=workspace.principal.is_owner, **options)
    if result.applied or result.wiped:
        write_lines_copy(workspace.store, workspace.paths)
    return result
