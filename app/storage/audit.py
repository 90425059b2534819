"""The audit trail's hash chain: each entry commits to its sequence number and to the
one before it, so an entry edited, removed or renumbered breaks the chain there.

Since schema 0021 an entry also records the workstation that wrote it (node id and
readable name), and its hash covers them. Entries written before hold NULL there and
are hashed as they were, so an upgraded trail verifies unchanged; an entry with a
workstation is always hashed with it, so removing it from a newer entry breaks the chain.

The chain starts at the genesis hash, or, once older entries were summarised away
(``app.storage.trail_retention``), at the cut recorded in ``local_meta``: the sequence
number and hash of the last entry removed, which a signed summary in the checkpoint
file vouches for (``app.storage.checkpoints``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.journal import AuditEntry, LocalMeta

GENESIS = "0" * 64
META_CUT = "audit_cut"  # JSON {"seq": n, "hash": h}: where the kept trail starts


def entry_hash(seq: int, prev_hash: str, at: datetime, user_id: str, action: str, entity: str,
               entity_id: str, detail: str, workstation: str | None = None,
               workstation_name: str | None = None) -> str:
    """``workstation`` None: an entry from before workstations were recorded, hashed
    without them."""
    # The trail stores UTC and reads it back as UTC: hash that same instant, whatever
    # zone the clock gave it in.
    fields = (str(seq), prev_hash, at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
              user_id, action, entity, entity_id, detail)
    if workstation is not None:
        fields += (workstation, workstation_name or "")
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Cut:
    """The last entry summarised away (seq 0 and the genesis hash: none)."""

    seq: int = 0
    hash: str = GENESIS


def read_cut(session: Session) -> Cut:
    row = session.get(LocalMeta, META_CUT)
    if row is None:
        return Cut()
    try:
        data = json.loads(row.value)
        return Cut(int(data["seq"]), str(data["hash"]))
    except (ValueError, KeyError, TypeError):
        return Cut(-1, "")  # a damaged cut: nothing chains to it, verify says so


def cut_value(cut: Cut) -> str:
    return json.dumps({"seq": cut.seq, "hash": cut.hash}, sort_keys=True)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken_seq: int | None
    missing: bool = False  # the first broken entry is absent (deleted), not altered
    last_seq: int = 0
    last_hash: str = GENESIS
    cut: Cut = Cut()

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(session: Session, batch: int = 5000, *, on_entry=None,
                 upto: int | None = None) -> ChainReport:
    """Walk the whole trail in order (``upto``: only as far as that entry); report the
    first entry that does not chain (or the first sequence number missing).
    ``on_entry(seq, hash)`` sees each entry that chains, so checkpoints can be compared
    on the same walk."""
    cut = read_cut(session)
    prev, last_seq, count = cut.hash, cut.seq, 0
    while True:
        rows = session.execute(
            select(AuditEntry.seq, AuditEntry.at, AuditEntry.user_id, AuditEntry.action,
                   AuditEntry.entity, AuditEntry.entity_id, AuditEntry.detail,
                   AuditEntry.prev_hash, AuditEntry.hash, AuditEntry.workstation,
                   AuditEntry.workstation_name)
            .where(AuditEntry.seq > (last_seq if count else -(2 ** 62)))
            .where(AuditEntry.seq <= (upto if upto is not None else 2 ** 62))
            .order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return ChainReport(count, None, last_seq=last_seq, last_hash=prev, cut=cut)
        for (seq, at, user_id, action, entity, entity_id, detail, prev_hash, h, station,
             station_name) in rows:
            if seq != last_seq + 1:
                # An entry at or before the cut, or a gap: the expected one is missing.
                missing = seq > last_seq + 1
                return ChainReport(count, last_seq + 1 if missing else seq, missing=missing,
                                   last_seq=last_seq, last_hash=prev, cut=cut)
            expected = entry_hash(seq, prev, at, user_id, action, entity, entity_id, detail,
                                  station, station_name)
            if prev_hash != prev or h != expected:
                return ChainReport(count, seq, last_seq=last_seq, last_hash=prev, cut=cut)
            if on_entry is not None:
                on_entry(seq, h)
            prev = h
            count += 1
            last_seq = seq
