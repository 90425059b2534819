"""What a test reads of an installation's change journal, and one peer's changes handed
to another without a transport (the sync rounds' own tests go through a folder)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.models.journal import ChangeJournal


def journal_entries(ws, entity_id: str) -> list[tuple[str, dict, str | None]]:
    """(op, payload, field stamps) of the row's entries, in order."""
    with ws.store.reader() as s:
        return [(op, json.loads(payload), stamps) for op, payload, stamps in s.execute(
            select(ChangeJournal.op, ChangeJournal.payload, ChangeJournal.field_versions)
            .where(ChangeJournal.entity_id == entity_id).order_by(ChangeJournal.seq))]


def journal_text(ws) -> str:
    """Every payload of the journal, one per line: to look for a value in it."""
    with ws.store.reader() as s:
        return "\n".join(s.execute(select(ChangeJournal.payload)).scalars())


def journal_size(ws) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(ChangeJournal)).scalar_one()


def last_seq(ws) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.max(ChangeJournal.seq))).scalar() or 0


def send_changes(source, target, after: int) -> None:
    """``source``'s changes after its entry ``after``, applied at ``target``."""
    changes = [c for _seq, c in source.store.changes_for_peer(target.store.node_id,
                                                               after_seq=after)]
    target.store.apply_remote(changes, peer_node_id=source.store.node_id,
                              actor_id=target.user_id)
