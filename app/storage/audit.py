"""The audit trail's hash chain: each entry commits to the one before it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.journal import AuditEntry

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: datetime, user_id: str, action: str, entity: str,
               entity_id: str, detail: str) -> str:
    # The trail stores UTC and reads it back as UTC: hash that same instant, whatever
    # zone the clock gave it in.
    fields = (prev_hash, at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
              user_id, action, entity, entity_id, detail)
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken_seq: int | None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the whole trail in order; report the first entry that does not chain."""
    prev = GENESIS
    count = 0
    last_seq = 0
    while True:
        rows = session.execute(
            select(AuditEntry.seq, AuditEntry.at, AuditEntry.user_id, AuditEntry.action,
                   AuditEntry.entity, AuditEntry.entity_id, AuditEntry.detail,
                   AuditEntry.prev_hash, AuditEntry.hash)
            .where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return ChainReport(count, None)
        for seq, at, user_id, action, entity, entity_id, detail, prev_hash, h in rows:
            expected = entry_hash(prev, at, user_id, action, entity, entity_id, detail)
            if prev_hash != prev or h != expected:
                return ChainReport(count, seq)
            prev = h
            count += 1
            last_seq = seq
