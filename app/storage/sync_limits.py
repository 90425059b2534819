"""The longest a peer may stay without acknowledging, and what happens after.

The owner sets it (``app.sync.pairing.Sharing.set_max_offline_days``; default
``DEFAULT_DAYS``). It bounds what this node must keep for a peer's next delta: the change journal's entries
are kept whole at least that long (the retention job compacts them only after the
longer of its own period and this one), so a peer within it receives every change and
every deletion it missed. A peer that has batches waiting for its acknowledgement for
longer is marked "must be paired again" (``app.sync.round``): rounds skip it, with a message,
until the owner invites it anew and accepts its request; the exchange then starts over
with a fresh snapshot of its scope (``app.sync.pairing``), which carries the deleted
rows' tombstones rather than a delta the compacted journal could no longer give whole.

Kept in ``LocalMeta`` (this installation's setting, never sent to a peer).
"""

from __future__ import annotations

from datetime import timedelta

from app.models.journal import LocalMeta

KEY = "sync.max_offline_days"
DEFAULT_DAYS = 90
LEAST_DAYS, MOST_DAYS = 7, 3650


def max_offline_days(session) -> int:
    row = session.get(LocalMeta, KEY)
    try:
        return int(row.value) if row is not None else DEFAULT_DAYS
    except ValueError:
        return DEFAULT_DAYS


def max_offline(session) -> timedelta:
    return timedelta(days=max_offline_days(session))


def write_max_offline_days(session, days: int) -> None:
    session.merge(LocalMeta(key=KEY, value=str(int(days))))


def max_offline_of(store) -> int:
    """For readers without a session (the retention job)."""
    with store.reader() as s:
        return max_offline_days(s)
