"""Pairing a practice with a remote workstation, and the owner's hold on each peer.

1. The practice's owner invites a peer (``Sharing.invite``): an invite file, signed with
   the practice's Ed25519 key, carrying its public keys, the peer's name and role, a
   one-time token and an expiry.
2. On the remote workstation, ``join`` checks the invite, keeps the practice as its
   peer and answers with a request file signed with the workstation's own key, which
   repeats the token.
3. The owner accepts the request (``Sharing.accept``) with the fingerprint the remote
   side shows (``permanence node show``): only a request for an invite this practice
   made, still pending and not expired, whose keys give that fingerprint, pairs.

Anything else is refused with its reason (``PairingRefused``) and changes nothing. Only
the owner invites, accepts, revokes and sets a scope; each is audited, as is the export
of a node's secret identity.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select

from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.models.ids import uuid7
from app.models.principal import Principal
from app.models.sync import (
    NODE_REMOTE, PEER_ACTIVE, PEER_INVITED, PEER_REVOKED,
    PEER_ROLE_PRACTICE, PEER_ROLE_REMOTE_SECRETARY, SyncPeer,
)
from app.models.text import clean_name
from app.models.user import LOGIN_PATTERN, ROLE_REMOTE_SECRETARY
from app.services import access
from app.services.errors import NotFound, ValidationError
from app.services.workstation_policy import WorkstationPolicy, policy_detail
from app.storage import sync_limits
from app.sync import node as nodes
from app.sync import peers, rotation
from app.sync import round as exchange
from app.sync.node import NodeInfo, fingerprint, same_fingerprint, this_node, verify_key_object
from app.sync.scope import Scope, default_scope

INVITE_DAYS = 7  # an invite not answered within a week is dead
FILE_MAX = 64 * 1024  # bytes; an invite or a request is well under 2 KiB
INVITE_KIND, REQUEST_KIND = "invite", "join-request"
FORMAT_VERSION = 1
PEER_ENTITY = "sync_peer"
NODE_ENTITY = "node"
# Audit actions (the trail's action column holds 20 characters).
AUDIT_INVITE, AUDIT_ACCEPT, AUDIT_REVOKE = "peer_invite", "peer_accept", "peer_revoke"
AUDIT_SCOPE, AUDIT_JOIN, AUDIT_EXPORT = "peer_scope", "peer_join", "identity_export"
AUDIT_POLICY = "peer_policy"
AUDIT_OFFLINE = "sync_max_offline"
PEER_ROLES_AT_PRACTICE = (PEER_ROLE_REMOTE_SECRETARY,)


# -- failures ---------------------------------------------------------------------------
class PairingFileError(PermanenceError):
    """The file given is not an invite or a request of Permanence (or is damaged)."""

    code = "pairing_file"
    exit_code = ExitCode.BAD_INPUT

    def __init__(self, path: str, expected: str) -> None:
        super().__init__(f"{path}: not a {expected} file")
        self.path = path
        self.expected = expected

    @property
    def user_message(self) -> str:
        if self.expected == INVITE_KIND:
            return _("{path} is not an invitation of Permanence (or it is damaged). Nothing "
                     "was changed.").format(path=self.path)
        return _("{path} is not a pairing request of Permanence (or it is damaged). Nothing "
                 "was changed.").format(path=self.path)


FORGED, EXPIRED, UNKNOWN, WRONG_FINGERPRINT, ALREADY = (
    "forged", "expired", "unknown", "fingerprint", "already")


class PairingRefused(PermanenceError):
    """An invite or a request this node will not act on; nothing was changed."""

    code = "pairing_refused"
    exit_code = ExitCode.PAIRING_REFUSED

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def user_message(self) -> str:
        return {
            FORGED: _("Pairing refused: the file's signature does not match its keys (it "
                      "was altered or forged). Nothing was changed."),
            EXPIRED: _("Pairing refused: this invitation has expired. Make a new one with "
                       "'permanence peer invite'. Nothing was changed."),
            UNKNOWN: _("Pairing refused: this request answers no pending invitation of this "
                       "practice (made elsewhere, already used or withdrawn). Nothing was "
                       "changed."),
            WRONG_FINGERPRINT: _("Pairing refused: the fingerprint given is not the one of "
                                 "this request. Compare it again with what 'permanence node "
                                 "show' prints on the remote workstation. Nothing was "
                                 "changed."),
            ALREADY: _("Pairing refused: this workstation is already paired with this "
                       "practice. Nothing was changed."),
        }.get(self.reason, _("Pairing refused. Nothing was changed."))


# -- signed files -----------------------------------------------------------------------
def _canonical(kind: str, body: dict) -> bytes:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"permanence-{kind}-v{FORMAT_VERSION}\x00".encode("ascii") + text.encode("utf-8")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def signed_file(kind: str, body: dict, node: NodeInfo) -> bytes:
    document = {"permanence": kind, "version": FORMAT_VERSION, "body": body,
                "signature": _b64(node.sign(_canonical(kind, body)))}
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


_BODY_FIELDS = {
    INVITE_KIND: ("practice_node_id", "practice_name", "timezone", "age_recipient",
                  "verify_key", "peer_name", "role", "token", "created_at", "expires_at"),
    REQUEST_KIND: ("practice_node_id", "node_id", "age_recipient", "verify_key", "peer_name",
                   "token", "created_at"),
}


@dataclass(frozen=True)
class Signed:
    """A checked invite or request: its body, and the keys that signed it."""

    body: dict
    verify_key: bytes
    age_recipient: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.verify_key, self.age_recipient)

    def instant(self, name: str) -> datetime:
        return datetime.fromisoformat(self.body[name])


def read_signed(data: bytes, kind: str, *, path: str = "") -> Signed:
    """``data`` as a ``kind`` file signed by the keys it carries: ``PairingFileError``
    when it is not one, ``PairingRefused(FORGED)`` when its signature does not hold."""
    try:
        if len(data) > FILE_MAX:
            raise ValueError("too long")
        document = json.loads(data.decode("utf-8-sig"))
        if not isinstance(document, dict) or document.get("permanence") != kind \
                or document.get("version") != FORMAT_VERSION:
            raise ValueError("not this kind of file")
        body = document.get("body")
        if not isinstance(body, dict) or set(body) != set(_BODY_FIELDS[kind]) \
                or not all(isinstance(v, str) for v in body.values()):
            raise ValueError("not the fields expected")
        verify_key = _unb64(body["verify_key"])
        signature = _unb64(document.get("signature"))
        recipient = body["age_recipient"]
        if not re.fullmatch(r"age1[0-9a-z]{58}", recipient):
            raise ValueError("not an age recipient")
        for name in ("created_at", *(("expires_at",) if kind == INVITE_KIND else ())):
            if datetime.fromisoformat(body[name]).tzinfo is None:
                raise ValueError("an instant without its offset")
        public = verify_key_object(verify_key)
    except (ValueError, UnicodeDecodeError, binascii.Error, TypeError) as exc:
        raise PairingFileError(path, kind) from exc
    try:
        public.verify(signature, _canonical(kind, body))
    except InvalidSignature as exc:
        raise PairingRefused(FORGED) from exc
    return Signed(body, verify_key, recipient)


def read_file(path: Path, kind: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(FILE_MAX + 1)
    except OSError as exc:
        raise PairingFileError(str(path), kind) from exc


def write_new_file(path: Path, data: bytes) -> None:
    """``data`` into a new file readable by its owner only; an existing file is never
    replaced (``FileExistsError``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


# -- the owner's side -------------------------------------------------------------------
class Sharing:
    """Sync peers as the signed-in person may see and change them (the owner)."""

    def __init__(self, store, *, principal: Principal, clock) -> None:
        self._store = store
        self.principal = principal
        self._clock = clock

    def node(self) -> NodeInfo:
        return this_node(self._store)

    def list(self) -> list[peers.PeerInfo]:
        access.require(self.principal, access.SYNC_PEERS)
        with self._store.reader() as s:
            return peers.list_peers(s)

    def get(self, name: str) -> peers.PeerInfo:
        access.require(self.principal, access.SYNC_PEERS)
        with self._store.reader() as s:
            found = peers.get(s, name)
        if found is None:
            raise NotFound(name)
        return found

    def invite(self, name: str, role: str = PEER_ROLE_REMOTE_SECRETARY, *,
               valid_days: int = INVITE_DAYS) -> bytes:
        """The invite file's content; the peer is kept as invited until it is accepted.
        Inviting again a name still invited makes a new invite (the old one dies)."""
        access.require(self.principal, access.SYNC_PEERS)
        node = self.node()
        name = (name or "").strip()
        errors: dict[str, str] = {}
        if node.is_remote:
            errors["node"] = _("A remote workstation does not invite: invitations come from "
                               "the practice.")
        if not LOGIN_PATTERN.fullmatch(name):
            errors["name"] = _("A workstation's name is 1 to 40 lower-case letters, digits, "
                               "dots, dashes or underscores, starting with a letter or a "
                               "digit (it becomes its account's name).")
        if role not in PEER_ROLES_AT_PRACTICE:
            errors["role"] = _("A practice invites remote secretaries' workstations only.")
        now = self._clock.now()
        practice = self._practice()
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            s = uow.session
            row = s.scalars(select(SyncPeer).where(SyncPeer.name == name)).first()
            again = row is not None and _to_pair_again(s, row)
            if row is not None and row.state != PEER_INVITED and not again:
                errors["name"] = _("A workstation named {name} exists already (revoked ones "
                                   "keep their name).").format(name=name)
            if errors:
                raise ValidationError(errors)
            if row is None:
                row = SyncPeer(id=uuid7(), name=name, role=role, state=PEER_INVITED,
                               scope=default_scope(role).to_json(), created_at=now,
                               next_send_seq=1, last_sent_hash="", last_received_seq=0,
                               last_received_hash="", acked_journal_seq=0, last_error="",
                               snapshot_due=False)
                s.add(row)
            row.invite_token = secrets.token_urlsafe(24)
            row.invite_expires_at = now + timedelta(days=valid_days)
            uow.audit(AUDIT_INVITE, PEER_ENTITY, row.id,
                      f"role={role}" + (" again" if again else ""))
            body = {"practice_node_id": node.node_id, "practice_name": practice[0],
                    "timezone": practice[1], "age_recipient": node.age_recipient,
                    "verify_key": _b64(node.verify_key), "peer_name": name, "role": role,
                    "token": row.invite_token, "created_at": now.isoformat(),
                    "expires_at": row.invite_expires_at.isoformat()}
        return signed_file(INVITE_KIND, body, node)

    def read_request(self, data: bytes, *, path: str = "") -> Signed:
        """A request checked against this practice's pending invites (nothing written):
        what the screen shows before the owner confirms its fingerprint."""
        access.require(self.principal, access.SYNC_PEERS)
        request = read_signed(data, REQUEST_KIND, path=path)
        with self._store.reader() as s:
            self._pending_row(s, request)
        return request

    def accept(self, data: bytes, given_fingerprint: str, *, path: str = "") -> peers.PeerInfo:
        """Pair with the workstation that sent this request, if ``given_fingerprint`` is
        its fingerprint; else ``PairingRefused`` and nothing changes."""
        access.require(self.principal, access.SYNC_PEERS)
        request = read_signed(data, REQUEST_KIND, path=path)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            row = self._pending_row(uow.session, request)
            if not same_fingerprint(given_fingerprint, request.fingerprint):
                raise PairingRefused(WRONG_FINGERPRINT)
            again = _to_pair_again(uow.session, row)
            row.node_id = request.body["node_id"]
            row.age_recipient = request.age_recipient
            row.verify_key = request.verify_key
            row.state = PEER_ACTIVE
            row.paired_at = uow.now
            row.snapshot_due = True  # its first batch: every row in its scope
            row.invite_token = None
            row.invite_expires_at = None
            if again:
                # Offline too long: the exchange starts over, with a fresh snapshot. What
                # the journal holds since it last acknowledged goes first: the snapshot
                # holds the rows in scope now, and erasures of rows it kept from before
                # reach it only this way.
                uow.session.flush()
                exchange.restart(uow.session, row.node_id,
                                 stale_before=request.instant("created_at"),
                                 sent_through=row.acked_journal_seq)
            uow.audit(AUDIT_ACCEPT, PEER_ENTITY, row.id,
                      "node=" + row.node_id + (" again" if again else ""))
            uow.session.flush()
            return peers.info(row)

    def _pending_row(self, s, request: Signed) -> SyncPeer:
        node = self.node()
        body = request.body
        if body["practice_node_id"] != node.node_id:
            raise PairingRefused(UNKNOWN)
        row = s.scalars(select(SyncPeer).where(SyncPeer.invite_token == body["token"])).first()
        if row is None or row.name != body["peer_name"]:
            raise PairingRefused(UNKNOWN)
        again = _to_pair_again(s, row)
        if row.state != PEER_INVITED and not again:
            raise PairingRefused(UNKNOWN)
        if again and body["node_id"] != row.node_id:
            raise PairingRefused(UNKNOWN)  # paired again: the same workstation only
        if row.invite_expires_at is None or self._clock.now() >= row.invite_expires_at:
            raise PairingRefused(EXPIRED)
        if body["node_id"] == node.node_id or (not again and s.scalars(select(SyncPeer).where(
                SyncPeer.node_id == body["node_id"])).first() is not None):
            raise PairingRefused(ALREADY)
        return row

    def revoke(self, name: str) -> peers.PeerInfo:
        """Nothing more is exchanged with this peer; its name stays, revoked."""
        access.require(self.principal, access.SYNC_PEERS)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            row = uow.session.scalars(select(SyncPeer).where(SyncPeer.name == name)).first()
            if row is None:
                raise NotFound(name)
            if row.state != PEER_REVOKED:
                row.state = PEER_REVOKED
                row.revoked_at = uow.now
                row.invite_token = None
                uow.audit(AUDIT_REVOKE, PEER_ENTITY, row.id)
            uow.session.flush()
            return peers.info(row)

    def set_scope(self, name: str, scope: Scope) -> peers.PeerInfo:
        access.require(self.principal, access.SYNC_PEERS)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            row = uow.session.scalars(select(SyncPeer).where(SyncPeer.name == name)).first()
            if row is None:
                raise NotFound(name)
            scope.check(row.role)
            row.snapshot_due = row.snapshot_due or (row.state == PEER_ACTIVE
                                                    and scope != Scope.from_json(row.scope))
            row.scope = scope.to_json()
            uow.audit(AUDIT_SCOPE, PEER_ENTITY, row.id, _scope_detail(scope))
            uow.session.flush()
            return peers.info(row)

    def set_policy(self, name: str, policy: WorkstationPolicy) -> peers.PeerInfo:
        """What the workstation ``name`` may do (exports, printing, clipboard,
        screenshots): the owner's; it travels with the next batch to it (a round sends
        one for this alone). Audited."""
        access.require(self.principal, access.SYNC_PEERS)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            row = uow.session.scalars(select(SyncPeer).where(SyncPeer.name == name)).first()
            if row is None:
                raise NotFound(name)
            if row.role == PEER_ROLE_PRACTICE:
                raise ValidationError({"policy": _(
                    "The practice sets what this workstation may do; it cannot be changed "
                    "here.")})
            if WorkstationPolicy.from_json(row.policy) != policy:
                row.policy = policy.to_json()
                uow.audit(AUDIT_POLICY, PEER_ENTITY, row.id, policy_detail(policy))
            uow.session.flush()
            return peers.info(row)

    def export_identity(self, path: Path) -> None:
        """This node's secret age identity into a new file ``path`` (mode 0600), in the
        format of ``age-keygen``: ``age -d -i FILE`` decrypts what peers sent here. The
        owner of a practice may; at a remote workstation, its account too."""
        node = self.node()
        if not (self.principal.is_owner
                or (node.is_remote and self.principal.role == ROLE_REMOTE_SECRETARY)):
            raise access.AccessDenied(access.KEYS, self.principal.role)
        text = ("# created: {at}\n# public key: {recipient}\n{identity}\n".format(
            at=node.created_at.isoformat(timespec="seconds"), recipient=node.age_recipient,
            identity=node.age_identity))
        write_new_file(path, text.encode("ascii"))
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.audit(AUDIT_EXPORT, NODE_ENTITY, node.node_id)

    def max_offline_days(self) -> int:
        """The longest a peer may stay without acknowledging (``app.storage.sync_limits``)."""
        with self._store.reader() as s:
            return sync_limits.max_offline_days(s)

    def set_max_offline_days(self, days: int) -> None:
        access.require(self.principal, access.SYNC_PEERS)
        if not sync_limits.LEAST_DAYS <= days <= sync_limits.MOST_DAYS:
            raise ValidationError({"max_offline": _(
                "The longest offline period is from {least} to {most} days.").format(
                    least=sync_limits.LEAST_DAYS, most=sync_limits.MOST_DAYS)})
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            sync_limits.write_max_offline_days(uow.session, days)
            uow.audit(AUDIT_OFFLINE, NODE_ENTITY, self.node().node_id, f"days={days}")

    def rotate_keys(self) -> rotation.Rotated:
        """New keys for this node (``app.sync.rotation``): the owner of a practice may;
        at a remote workstation, its account too. The peers learn them through their next
        batch."""
        node = self.node()
        if not (self.principal.is_owner
                or (node.is_remote and self.principal.role == ROLE_REMOTE_SECRETARY)):
            raise access.AccessDenied(access.KEYS, self.principal.role)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            return rotation.rotate(uow, node.node_id)

    def _practice(self) -> tuple[str, str]:
        from app.services.practice import get_practice

        practice = get_practice(self._store)
        return (practice.name, practice.timezone) if practice else ("", "Europe/Paris")


def _scope_detail(scope: Scope) -> str:
    """What the trail says of a scope: its settings, never a name."""
    shared = [k for k in ("directory", "consignes", "calls", "messages", "callbacks")
              if getattr(scope, k)]
    who = "all" if scope.practitioners is None else str(len(scope.practitioners))
    return (f"practitioners={who} days=-{scope.days_back}/+{scope.days_ahead} "
            f"fields={len(scope.patient_fields)} {','.join(shared)}")[:200]


# -- the remote workstation's side ----------------------------------------------------------
def read_invite(data: bytes, *, now: datetime, path: str = "") -> Signed:
    """An invite, checked: signed by the keys it carries, not expired, for a name that
    can be an account's."""
    invite = read_signed(data, INVITE_KIND, path=path)
    if invite.body["role"] not in PEER_ROLES_AT_PRACTICE \
            or not LOGIN_PATTERN.fullmatch(invite.body["peer_name"]):
        raise PairingFileError(path, INVITE_KIND)
    if now >= invite.instant("expires_at"):
        raise PairingRefused(EXPIRED)
    return invite


def practice_peer_name(invite: Signed) -> str:
    """The name the practice gets among the workstation's peers."""
    name = clean_name(invite.body["practice_name"]).strip()[:60]
    return name or "practice"


def join(store, invite: Signed, *, principal: Principal) -> bytes:
    """At the remote workstation (signed in as its owner): keep the practice of
    ``invite`` as the peer it exchanges with, mark this node a remote workstation, and
    return the request file's content for the practice to accept."""
    node = this_node(store)
    body = invite.body
    if body["practice_node_id"] == node.node_id:
        raise PairingRefused(ALREADY)
    with store.unit_of_work(actor_id=principal.user_id) as uow:
        s = uow.session
        row = s.scalars(select(SyncPeer).where(
            SyncPeer.node_id == body["practice_node_id"])).first()
        if row is not None and row.state == PEER_REVOKED:
            raise PairingRefused(UNKNOWN)
        if row is not None and (bytes(row.verify_key) != invite.verify_key
                                or row.age_recipient != invite.age_recipient):
            raise PairingRefused(FORGED)  # the practice's id with other keys
        if row is not None and row.paired_at is not None \
                and invite.instant("created_at") > row.paired_at:
            # A new invitation from the practice already paired: paired again (it
            # stayed offline too long), the exchange starts over.
            row.paired_at = uow.now
            s.flush()
            exchange.restart(s, row.node_id, stale_before=invite.instant("created_at"),
                             sent_through=row.acked_journal_seq)
        if row is None:
            row = SyncPeer(id=uuid7(), name=_free_name(s, practice_peer_name(invite)),
                           role=PEER_ROLE_PRACTICE, state=PEER_ACTIVE,
                           node_id=body["practice_node_id"],
                           age_recipient=invite.age_recipient, verify_key=invite.verify_key,
                           scope=Scope.everything().to_json(), created_at=uow.now,
                           paired_at=uow.now, next_send_seq=1, last_sent_hash="",
                           last_received_seq=0, last_received_hash="", acked_journal_seq=0,
                           last_error="", snapshot_due=False)
            s.add(row)
        nodes.set_kind(s, node.node_id, NODE_REMOTE)
        uow.audit(AUDIT_JOIN, PEER_ENTITY, row.id, "node=" + body["practice_node_id"])
    request = {"practice_node_id": body["practice_node_id"], "node_id": node.node_id,
               "age_recipient": node.age_recipient, "verify_key": _b64(node.verify_key),
               "peer_name": body["peer_name"], "token": body["token"],
               "created_at": store.clock.now().isoformat()}
    return signed_file(REQUEST_KIND, request, node)


def _to_pair_again(s, row: SyncPeer) -> bool:
    """An active peer the rounds skip: it stayed offline too long (``app.sync.round``)."""
    return row.state == PEER_ACTIVE and row.node_id is not None and exchange.must_repair(
        s, row.node_id)


def _free_name(s, name: str) -> str:
    taken = set(s.scalars(select(SyncPeer.name)))
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name[:55]} ({n})"
    return candidate


def sharing_of(workspace) -> Sharing:
    """The sharing service of an open workspace, for the screens (which hold no store):
    its checks are those of the person signed in."""
    return Sharing(workspace.store, principal=workspace.principal, clock=workspace.clock)
