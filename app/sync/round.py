"""One sync round: receive what every peer sent, then send each what is pending.

Plain Python over a store and a mailbox (``app.sync.transport``). For each peer:

- **receive** its waiting batches in order: each is checked before anything is
  decrypted (``batch.verify`` against the peer's key, revocation and the ledger); a
  batch already applied is skipped, one after a missing batch waits, any other refusal
  stops the exchange with that peer for this round and is kept in its ``last_error``.
  Opened, its changes outside the peer's scope or beyond its role are refused and
  reported, never applied; a batch that would delete many rows is held until the owner
  confirms (``confirm_deletions``); the rest is applied in one transaction with the
  ledger's move and the audit entry.
- **send** the changes since the last batch (the peer's whole scope when a snapshot is
  due: just paired, or its scope changed, after what was pending), in batches of about ``BATCH_ENTRIES``
  journal entries at most (whole transactions), as many as it takes, sealed and posted; the ledger moves in the
  same transaction as the audit entry, and the sealed batch is kept in the encrypted
  store until it is posted, so a crash between the two posts the same batch again.
  Batches the peer acknowledged are pruned from its mailbox.

A workstation sends its practice what it wrote once it received the practice's first
batch (before, it holds nothing of the practice's: its own setup stays with it); the
practice judges each change against the workstation's scope and role.

Receiving first lets one round acknowledge and relay at once: a practice passes a
workstation's changes on to the others in the same round.

What this side keeps per peer beside the ledger (``LocalMeta``, in the encrypted
store): the last journal entry sent, the journal entry each unacknowledged batch went
up to (an acknowledgement names a batch), and whether an acknowledgement is owed.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.i18n import _
from app.models.journal import ChangeJournal, LocalMeta
from app.models.sync import PEER_ROLE_PRACTICE
from app.services import workstation_policy
from app.storage import erasure, remote, sync_limits
from app.storage.migrate import head_revision, known_revisions
from app.storage.remote import RemoteChange
from app.storage.uow import UnitOfWork
from app.sync import batch, failsafe, peers, revocation, rotation, scope
from app.sync.node import NodeInfo, this_node
from app.sync.reindex import reindex
from app.sync.transport import Mailbox
from app.sync.transport.mailbox import MAX_SEQ

AUDIT_SEND, AUDIT_RECEIVE, AUDIT_CONFIRM = "sync_send", "sync_receive", "sync_confirm_deletions"
AUDIT_MUST_REPAIR = "peer_must_repair"
PEER_ENTITY = "sync_peer"
_OUTBOX = "sync.outbox."  # + peer node id: JSON, see ``_Outbox``
_UNPOSTED = "sync.unposted."  # + peer node id: a sealed batch not yet posted
# Journal entries read for one batch, at most (whole transactions: a few more): the
# first retention run of a large practice erases a million calls at once, each one entry
# sent to every workstation; one batch of them would not fit in memory, nor in what a
# receiver opens (``batch.MAX_PLAINTEXT``). 20,000 erased calls: about 1 MB sealed,
# a few seconds to make and to apply.
BATCH_ENTRIES = 20_000


@dataclass
class Held:
    """A batch kept back: it would delete many rows. ``deletions``: kind -> rows."""

    seq: int
    deletions: dict[str, int]


@dataclass
class PeerResult:
    name: str
    node_id: str
    sent: list[int] = field(default_factory=list)  # batch numbers posted
    received: list[int] = field(default_factory=list)  # batch numbers applied
    skipped: list[int] = field(default_factory=list)  # already applied
    waiting: list[int] = field(default_factory=list)  # after a missing batch
    applied: int = 0  # changes applied
    conflicts: int = 0  # new conflicts recorded
    refused_changes: list[scope.Refusal] = field(default_factory=list)
    refused_batch: batch.BatchRefused | None = None
    held: Held | None = None
    warnings: list[str] = field(default_factory=list)
    pruned: list[int] = field(default_factory=list)
    rotated: bool = False  # the peer's new keys were recorded
    must_repair: bool = False  # offline too long: skipped until paired again
    error: str = ""  # what went wrong with this peer (translated)

    @property
    def ok(self) -> bool:
        return self.refused_batch is None and self.held is None and not self.error


@dataclass
class RoundResult:
    peers: list[PeerResult] = field(default_factory=list)
    unknown_senders: list[str] = field(default_factory=list)  # node ids
    notified: list[str] = field(default_factory=list)  # revoked workstations told now
    wiped: str = ""  # the practice that revoked this workstation: its data is wiped
    at: datetime | None = None

    @property
    def refused(self) -> bool:
        return any(p.refused_batch is not None for p in self.peers) or bool(
            self.unknown_senders)

    @property
    def applied(self) -> int:
        return sum(p.applied for p in self.peers)

    @property
    def must_repair(self) -> list[str]:
        """The peers skipped: they must be paired again."""
        return [p.name for p in self.peers if p.must_repair]


# -- what this side keeps beside the ledger --------------------------------------------------
@dataclass
class _Outbox:
    sent_through: int = 0  # the last local journal entry sent (or covered by a snapshot)
    sent_at: str = ""  # when the last batch was made (the sliding window's last edge)
    batches: dict[str, int] = field(default_factory=dict)  # seq -> journal entry it reached
    acked_seq: int = 0  # our last batch the peer acknowledged
    announced: int = 0  # the last of its batches we acknowledged to it
    owed: bool = False  # a batch with changes arrived since: acknowledge it
    policy_sent: str = ""  # the workstation policy last sent (JSON), at a practice
    waiting_since: str = ""  # batches await its acknowledgement since (ISO 8601)
    must_repair: bool = False  # it stayed offline too long: rounds skip it
    stale_before: str = ""  # paired again: its batches made before this are old ones
    prune_all: bool = False  # paired again: our old batches to it go before the next

    @classmethod
    def read(cls, session, node_id: str) -> _Outbox:
        row = session.get(LocalMeta, _OUTBOX + node_id)
        if row is None:
            return cls()
        data = json.loads(row.value)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def write(self, session, node_id: str) -> None:
        session.merge(LocalMeta(key=_OUTBOX + node_id, value=json.dumps(self.__dict__)))

    def acknowledge(self, seq: int) -> int | None:
        """The peer holds our batches up to ``seq``: the journal entry they reached (None
        when this says nothing new)."""
        if seq <= self.acked_seq:
            return None
        self.acked_seq = seq
        reached = [t for s, t in self.batches.items() if int(s) <= seq]
        self.batches = {s: t for s, t in self.batches.items() if int(s) > seq}
        return max(reached, default=None)


class SyncRound:
    """``SyncRound(store, actor_id=..., clock=...).run(mailbox)``.

    ``confirm_deletions``: node ids (or peer names) whose held deletions the owner
    confirmed (``is_owner``: only the owner's confirmation counts)."""

    def __init__(self, store, *, actor_id: str, clock, is_owner: bool = False,
                 confirm_deletions: frozenset[str] = frozenset()) -> None:
        self.store = store
        self.actor_id = actor_id
        self.clock = clock
        self.is_owner = is_owner
        self.confirm_deletions = confirm_deletions

    def run(self, box: Mailbox) -> RoundResult:
        node = this_node(self.store)
        result = RoundResult(at=self.clock.now())
        self._prune_retired_keys()
        with self.store.reader() as s:
            listed = peers.list_peers(s)
        known = {p.node_id for p in listed if p.node_id}
        by_sender: dict[str, list[int]] = {}
        for waiting in box.waiting():
            by_sender.setdefault(waiting.sender, []).append(waiting.seq)
        result.unknown_senders = sorted(set(by_sender) - known)
        for peer in listed:
            if peer.node_id is None:
                continue
            if peer.role == PEER_ROLE_PRACTICE and peer.active and revocation.find_notice(
                    box.transport, node.node_id, peer.node_id, peer.verify_key):
                revocation.wipe(self.store, actor_id=self.actor_id, practice=peer.node_id)
                result.wiped = peer.name
                return result
            outcome = PeerResult(peer.name, peer.node_id)
            if peer.revoked:
                if peer.role != PEER_ROLE_PRACTICE and revocation.post_notice(
                        box.transport, node, peer.node_id, peer.revoked_at):
                    result.notified.append(peer.name)
                if by_sender.get(peer.node_id):  # what it sent after: refused
                    result.peers.append(outcome)
                    self._receive(box, node, peer, by_sender[peer.node_id], outcome)
                continue
            result.peers.append(outcome)
            if peer.active and self._must_repair(peer):
                outcome.must_repair = True
                outcome.error = must_repair_message(peer.name)
                continue
            self._receive(box, node, peer, by_sender.get(peer.node_id, []), outcome)
            self._send(box, node, peer, outcome)
        return result

    def _must_repair(self, peer: peers.PeerInfo) -> bool:
        """The peer has left batches unacknowledged longer than the owner allows
        (``app.storage.sync_limits``): marked, it must be paired again."""
        now = self.clock.now()
        with self.store.reader() as s:
            outbox = _Outbox.read(s, peer.node_id)
            limit = sync_limits.max_offline(s)
        if outbox.must_repair:
            return True
        if not (outbox.batches and outbox.waiting_since
                and now - datetime.fromisoformat(outbox.waiting_since) > limit):
            return False
        with UnitOfWork(self.store, actor_id=self.actor_id) as uow:
            fresh = _Outbox.read(uow.session, peer.node_id)
            fresh.must_repair = True
            fresh.write(uow.session, peer.node_id)
            peers.record_sync(uow, peer.node_id, at=now,
                              error=must_repair_message(peer.name)[:500])
            uow.audit(AUDIT_MUST_REPAIR, PEER_ENTITY, peer.id,
                      f"waiting_since={outbox.waiting_since}")
        return True

    def _prune_retired_keys(self) -> None:
        now = self.clock.now()
        with self.store.reader() as s:
            if not rotation.expired(s, now):
                return
        with UnitOfWork(self.store, actor_id=self.actor_id) as uow:
            rotation.prune(uow.session, now)

    # -- receiving -----------------------------------------------------------------------
    def _receive(self, box: Mailbox, node: NodeInfo, peer: peers.PeerInfo, seqs: list[int],
                 out: PeerResult) -> None:
        with self.store.reader() as s:
            stale_before = _Outbox.read(s, peer.node_id).stale_before
        for seq in sorted(seqs):
            fetched = box.fetch(peer.node_id, seq)
            if fetched is None:
                continue  # pruned meanwhile, or not whole yet
            if stale_before and _made_before(fetched.header, stale_before):
                out.skipped.append(seq)  # from before the new pairing: its sender prunes it
                continue
            with self.store.reader() as s:
                info = peers.by_node_id(s, peer.node_id)
            ledger = info.ledger
            now = self.clock.now()
            with self.store.reader() as s:
                retired = rotation.retired_verify_keys(s, peer.node_id, now)
                identities = rotation.identities(s, node.age_identity, now)
            try:
                checked = batch.verify(
                    fetched.header, fetched.body, receiver=node.node_id,
                    sender_key=info.verify_key, revoked_at=info.revoked_at,
                    next_seq=ledger.last_received_seq + 1, last_hash=ledger.last_received_hash,
                    known_schemas=known_revisions(), now=now, retired_keys=retired)
                if checked.duplicate:
                    out.skipped.append(seq)
                    continue
                out.warnings.extend(checked.warnings)
                payload = batch.open_batch(checked, fetched.body, identities)
                if not self._apply(info, checked, payload, out):
                    return  # held
            except batch.BatchGap:
                out.waiting.extend(s for s in sorted(seqs) if s >= seq)
                return
            except batch.BatchRefused as refused:
                out.refused_batch = refused
                self._note(peer.node_id, refused.user_message)
                out.error = refused.user_message
                return
            except remote.RemoteChangeRefused as refused:
                out.refused_batch = batch.MalformedBatch(str(refused))
                out.error = refused.user_message
                self._note(peer.node_id, refused.user_message)
                return

    def _apply(self, peer: peers.PeerInfo, checked: batch.Checked, payload: batch.Payload,
               out: PeerResult) -> bool:
        """Apply one opened batch; False when it is held for confirmation."""
        changes = payload.changes
        now = self.clock.now()
        with self.store.reader() as s:
            refused = scope.refused_incoming(s, peer.scope, peer.role, changes, now=now)
            refused_ids = {id(r.change) for r in refused}
            accepted = [c for c in changes if id(c) not in refused_ids]
            check = failsafe.check_tombstones(
                accepted, failsafe.alive_counts(s, {c.kind for c in accepted}),
                erasures=peer.role != PEER_ROLE_PRACTICE,
                living=failsafe.living_rows(s, accepted))
        confirmed = self.is_owner and bool(
            {peer.node_id, peer.name} & set(self.confirm_deletions))
        if check.needs_confirmation and not confirmed:
            out.held = Held(payload.seq, dict(check.tombstones))
            self._note(peer.node_id, held_message(peer.name, out.held))
            return False
        header = checked.header
        with UnitOfWork(self.store, actor_id=self.actor_id, from_peer=peer.node_id) as uow:
            if checked.rotation is not None:
                rotation.record_peer_rotation(uow, peer.node_id, checked.rotation,
                                              seq=header.seq)
                out.rotated = True
            out.conflicts += remote.apply(uow, accepted, self.store.hlc)
            reindex(uow.session, accepted)
            peers.record_received(uow, peer.node_id, seq=header.seq, batch_hash=header.hash,
                                  at=now)
            box = _Outbox.read(uow.session, peer.node_id)
            if peer.role == PEER_ROLE_PRACTICE and header.seq == 1 and not box.sent_through:
                # A workstation's first batch from its practice: what it wrote before (its
                # own setup: its practice record, accounts) is not the practice's to get.
                box.sent_through = uow.session.execute(
                    select(func.max(ChangeJournal.seq))).scalar() or 0
            reached = box.acknowledge(payload.acknowledges)
            if reached is not None:
                peers.record_acknowledged(uow, peer.node_id, reached)
                box.waiting_since = now.isoformat() if box.batches else ""
            rotation.acknowledged(uow.session, peer.node_id, payload.acknowledges)
            if payload.policy is not None:
                if peer.role == PEER_ROLE_PRACTICE:
                    workstation_policy.record_received(
                        uow, workstation_policy.WorkstationPolicy.from_value(payload.policy))
                else:
                    out.warnings.append(_("{peer} sent a policy for this installation: only "
                                          "the practice sets one; it was ignored.").format(
                                              peer=peer.name))
            box.owed = box.owed or bool(changes)
            box.write(uow.session, peer.node_id)
            peers.record_sync(uow, peer.node_id, at=now)
            if check.needs_confirmation:
                uow.audit(AUDIT_CONFIRM, PEER_ENTITY, peer.id,
                          f"seq={header.seq} deletions={check.total}")
            uow.audit(AUDIT_RECEIVE, PEER_ENTITY, peer.id,
                      f"seq={header.seq} changes={len(accepted)} refused={len(refused)}")
        if remote.erasures(accepted):
            # A patient erased at the peer: the freed pages go from the file too.
            erasure.flush_to_file(self.store)
        out.received.append(header.seq)
        out.applied += len(accepted)
        out.refused_changes.extend(refused)
        return True

    def _note(self, node_id: str, error: str) -> None:
        with UnitOfWork(self.store, actor_id=self.actor_id) as uow:
            peers.record_sync(uow, node_id, at=self.clock.now(), error=error[:500])

    # -- sending -------------------------------------------------------------------------
    def _send(self, box: Mailbox, node: NodeInfo, peer: peers.PeerInfo,
              out: PeerResult) -> None:
        """Post what is pending, in batches of at most about ``BATCH_ENTRIES`` journal
        entries (whole transactions), as many as it takes."""
        while self._send_batch(box, node, peer, out):
            pass

    def _send_batch(self, box: Mailbox, node: NodeInfo, peer: peers.PeerInfo,
                    out: PeerResult) -> bool:
        """One batch; True when journal entries are left for another."""
        self._prune_old_chain(box, peer.node_id)
        self._post_unposted(box, peer.node_id, out)
        now = self.clock.now()
        with self.store.reader() as s:
            info = peers.by_node_id(s, peer.node_id)
            ledger = info.ledger
            outbox = _Outbox.read(s, peer.node_id)
            if _before_first_batch(info, outbox):
                return False
            if outbox.acked_seq:
                out.pruned = box.prune(peer.node_id, outbox.acked_seq)
            announce = rotation.announcement(s, peer.node_id, node, now)
            announce_due = announce is not None and rotation.announcement_unsent(
                s, peer.node_id)
            snapshot = ledger.snapshot_due
            more = False
            if snapshot and outbox.sent_through and remote.outgoing(
                    s, peer.node_id, outbox.sent_through, limit=1):
                # Its scope changed: what is pending goes first, the snapshot next. The
                # snapshot holds the rows in scope now, so the erasures pending (of rows
                # it may hold from before) reach it only this way.
                snapshot, more = False, True
            if snapshot:
                changes = scope.snapshot(s, info.scope, now)
                through = s.execute(select(func.max(ChangeJournal.seq))).scalar() or 0
            else:
                entries = self.store.changes_for_peer(
                    peer.node_id, after_seq=outbox.sent_through, limit=BATCH_ENTRIES)
                cut = len(entries) >= BATCH_ENTRIES
                more = more or cut
                through = entries[-1][0] if entries else outbox.sent_through
                pending = [c for _, c in entries]
                if cut:  # cut before an erased row they name: it goes with them
                    pending += [c for _, c in remote.erased_later(s, peer.node_id, pending,
                                                                  through)]
                if info.role == PEER_ROLE_PRACTICE:
                    changes = pending  # the practice judges them (scope, role)
                else:
                    changes = scope.outgoing_in_scope(s, info.scope, pending, now)
                    since = (datetime.fromisoformat(outbox.sent_at) if outbox.sent_at
                             else ledger.last_sync_at)
                    if since is not None:
                        changes += scope.entered_scope(s, info.scope, since, now)
        owed = outbox.owed and outbox.announced != ledger.last_received_seq
        # A remote workstation gets its policy with every batch; a change of it alone
        # makes a batch.
        policy = None if info.role == PEER_ROLE_PRACTICE else info.policy
        policy_due = policy is not None and outbox.policy_sent != policy.to_json()
        if not changes and not snapshot and not owed and not announce_due and not policy_due:
            if through != outbox.sent_through:
                with UnitOfWork(self.store, actor_id=self.actor_id) as uow:
                    fresh = _Outbox.read(uow.session, peer.node_id)
                    fresh.sent_through = through
                    fresh.write(uow.session, peer.node_id)
            return more
        seq = ledger.next_send_seq
        document = batch.payload_document(
            _transactions(changes), sender=node.node_id, receiver=peer.node_id, seq=seq,
            acknowledges=ledger.last_received_seq, journal_through=through,
            policy=None if policy is None else policy.as_dict())
        sealed = batch.seal(document, signing_key=node.signing_key.private_bytes_raw(),
                            recipient=info.age_recipient, schema=head_revision(),
                            prev=ledger.last_sent_hash, created_at=now,
                            rotation=announce and announce.rotation,
                            previous_key=announce and announce.previous_key)
        with UnitOfWork(self.store, actor_id=self.actor_id) as uow:
            peers.record_sent(uow, peer.node_id, seq=seq, batch_hash=sealed.hash, at=now)
            if announce is not None:
                rotation.announced(uow.session, peer.node_id, seq)
            if snapshot:
                peers.record_snapshot_sent(uow, peer.node_id)
            fresh = _Outbox.read(uow.session, peer.node_id)
            fresh.sent_through, fresh.sent_at = through, now.isoformat()
            if not fresh.batches:
                fresh.waiting_since = now.isoformat()
            fresh.batches[str(seq)] = through
            fresh.announced, fresh.owed = ledger.last_received_seq, False
            if policy is not None:
                fresh.policy_sent = policy.to_json()
            fresh.write(uow.session, peer.node_id)
            uow.session.merge(LocalMeta(key=_UNPOSTED + peer.node_id, value=json.dumps({
                "seq": seq, "header": base64.b64encode(sealed.header).decode("ascii"),
                "body": base64.b64encode(sealed.ciphertext).decode("ascii")})))
            uow.audit(AUDIT_SEND, PEER_ENTITY, info.id,
                      f"seq={seq} changes={len(changes)}"
                      + (" snapshot" if snapshot else ""))
        self._post_unposted(box, peer.node_id, out)
        return more

    def _prune_old_chain(self, box: Mailbox, node_id: str) -> None:
        """Paired again: the batches of the old exchange leave its mailbox before the new
        exchange numbers from 1."""
        with self.store.reader() as s:
            if not _Outbox.read(s, node_id).prune_all:
                return
        box.prune(node_id, MAX_SEQ)
        with UnitOfWork(self.store, actor_id=self.actor_id) as uow:
            fresh = _Outbox.read(uow.session, node_id)
            fresh.prune_all = False
            fresh.write(uow.session, node_id)

    def _post_unposted(self, box: Mailbox, node_id: str, out: PeerResult) -> None:
        """Post the batch sealed and recorded but not posted yet (the last round may have
        stopped in between), then forget it."""
        with self.store.reader() as s:
            row = s.get(LocalMeta, _UNPOSTED + node_id)
            if row is None:
                return
            data = json.loads(row.value)
        box.post(node_id, data["seq"], base64.b64decode(data["header"]),
                 base64.b64decode(data["body"]))
        with UnitOfWork(self.store, actor_id=self.actor_id) as uow:
            found = uow.session.get(LocalMeta, _UNPOSTED + node_id)
            if found is not None:
                uow.session.delete(found)
        out.sent.append(data["seq"])


def restart(session, node_id: str, *, stale_before: datetime, sent_through: int) -> None:
    """A peer paired again (in the caller's unit of work): the exchange starts over from
    batch 1 both ways (the next batch to it is a snapshot when ``snapshot_due``); its
    batches made before ``stale_before`` (by its own clock) are old ones, skipped; ours
    leave its mailbox at the next round; what it acknowledged of our journal stays."""
    row = peers._paired_row(session, node_id)
    row.next_send_seq, row.last_sent_hash = 1, ""
    row.last_received_seq, row.last_received_hash = 0, ""
    row.last_error = ""
    _Outbox(sent_through=sent_through, stale_before=stale_before.isoformat(),
            prune_all=True).write(session, node_id)
    unposted = session.get(LocalMeta, _UNPOSTED + node_id)
    if unposted is not None:
        session.delete(unposted)
    rotation.forget_peer(session, node_id)


def must_repair(session, node_id: str) -> bool:
    return _Outbox.read(session, node_id).must_repair


def must_repair_message(name: str) -> str:
    return _("{peer} has not acknowledged what was sent to it for longer than the longest "
             "offline period allowed: it is no longer synchronised and must be paired again "
             "(a new invitation from Réglages → Partage or 'permanence peer invite').").format(
                 peer=name)


def _made_before(header_file: bytes, instant: str) -> bool:
    """The (unverified) header says it was made before ``instant``."""
    try:
        header = batch.read_header(header_file)[0]
    except batch.MalformedBatch:
        return False  # verify says so
    return header.created_at < datetime.fromisoformat(instant)


def _before_first_batch(peer: peers.PeerInfo, outbox: _Outbox) -> bool:
    """A workstation that has not received its practice's first batch yet: all it holds
    is its own setup, which is not the practice's."""
    return peer.role == PEER_ROLE_PRACTICE and peer.ledger.last_received_seq == 0 \
        and not outbox.sent_through


def _transactions(changes: list[RemoteChange]) -> list[batch.Transaction]:
    """Consecutive changes of one transaction together, in order."""
    out: list[batch.Transaction] = []
    group: list[RemoteChange] = []
    for change in changes:
        if group and group[-1].tx_id != change.tx_id:
            out.append(batch.Transaction(group[0].tx_id, tuple(group)))
            group = []
        group.append(change)
    if group:
        out.append(batch.Transaction(group[0].tx_id, tuple(group)))
    return out


def held_message(name: str, held: Held) -> str:
    count = sum(held.deletions.values())
    return _("Batch {seq} from {peer} would delete {count} records; it waits for the owner's "
             "confirmation: permanence sync --confirm-deletions \"{peer}\" (or Réglages → "
             "Partage).").format(seq=held.seq, peer=name, count=count)




# -- status --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeerStatus:
    name: str
    role: str
    state: str
    node_id: str | None
    last_sent: int  # the number of the last batch sent (0: none)
    last_received: int  # the number of the last batch applied (0: none)
    acknowledged: int  # our last batch it acknowledged
    last_sync_at: datetime | None
    pending: int  # changes it would receive now (its whole scope when a snapshot is due)
    snapshot_due: bool
    error: str
    must_repair: bool = False  # offline too long: skipped until paired again


def status(store, clock) -> list[PeerStatus]:
    """Where the exchange with each paired peer stands."""
    out = []
    now = clock.now()
    with store.reader() as s:
        for peer in peers.list_peers(s):
            if peer.node_id is None:
                continue  # an invitation not answered yet
            outbox = _Outbox.read(s, peer.node_id)
            ledger = peer.ledger
            pending = 0
            if peer.active and not _before_first_batch(peer, outbox):
                if ledger.snapshot_due:
                    pending = len(scope.snapshot(s, peer.scope, now))
                else:
                    changes = [c for _, c in remote.outgoing(s, peer.node_id,
                                                             outbox.sent_through)]
                    if peer.role == PEER_ROLE_PRACTICE:
                        pending = len(changes)
                    else:
                        pending = len(scope.outgoing_in_scope(s, peer.scope, changes, now))
            out.append(PeerStatus(peer.name, peer.role, peer.state, peer.node_id,
                                  ledger.next_send_seq - 1, ledger.last_received_seq,
                                  outbox.acked_seq, ledger.last_sync_at, pending,
                                  ledger.snapshot_due, ledger.last_error,
                                  peer.active and outbox.must_repair))
    return out
