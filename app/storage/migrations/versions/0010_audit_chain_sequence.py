"""audit trail: each entry's hash covers its sequence number

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

Until now an entry's hash covered the previous hash and the entry's fields, not its
sequence number. The existing chain is hashed again, in order, the new way. Only the
part that still verifies the old way is re-hashed: from the first entry that does not
(an entry altered or removed before this upgrade), entries keep their old hashes, so the
damage stays visible to ``permanence audit verify`` instead of being sealed over.

The two hash functions are written out here, as they were at this revision.
"""
import hashlib
from datetime import datetime, timezone

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 5000


def _instant(at) -> str:
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="microseconds")


def _old_hash(prev, at, user_id, action, entity, entity_id, detail) -> str:
    fields = (prev, _instant(at), user_id, action, entity, entity_id, detail)
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def _new_hash(seq, prev, at, user_id, action, entity, entity_id, detail) -> str:
    fields = (str(seq), prev, _instant(at), user_id, action, entity, entity_id, detail)
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def upgrade() -> None:
    conn = op.get_bind()
    old_prev, new_prev, last = GENESIS, GENESIS, 0
    while True:
        rows = conn.exec_driver_sql(
            "SELECT seq, at, user_id, action, entity, entity_id, detail, prev_hash, hash "
            "FROM audit_trail WHERE seq > ? ORDER BY seq LIMIT ?", (last, BATCH)).fetchall()
        if not rows:
            return
        updates = []
        for seq, at, user_id, action, entity, entity_id, detail, prev_hash, h in rows:
            if (seq != last + 1 or prev_hash != old_prev
                    or h != _old_hash(old_prev, at, user_id, action, entity, entity_id, detail)):
                if updates:
                    _write(conn, updates)
                return  # broken here: the rest keeps its old hashes
            new = _new_hash(seq, new_prev, at, user_id, action, entity, entity_id, detail)
            updates.append((new_prev, new, seq))
            old_prev, new_prev, last = h, new, seq
        _write(conn, updates)


def _write(conn, updates) -> None:
    conn.exec_driver_sql("UPDATE audit_trail SET prev_hash = ?, hash = ? WHERE seq = ?",
                         updates)


def downgrade() -> None:
    raise NotImplementedError("the audit chain is not hashed back the old way")
