"""Erasing values for good: from the change journal, the search index and the file.

A row's personal fields are blanked and the row tombstoned through the unit of work
(``UnitOfWork.erase``), which sync carries to the peers. What this module adds is the
removal of every older copy of the values:

- the change journal: the erasure's own entry becomes the whole erased row, written
  as an insert (every column, every field carrying the erasure's stamp, and the
  ``ERASED`` key saying why) and every older entry of the row is deleted: an erased row
  costs the journal one entry, as its insert did. A peer that holds the row applies the
  blanks and the tombstone (each field's stamp is newer); one that never had it builds
  it blank and tombstoned; applied twice it changes nothing (``app.storage.remote``);
- the sync conflicts about the row (they hold both values);
- the patient search index: the card's terms, and the words of its names that no
  other card uses any more;
- the database file: ``secure_delete`` (set on every connection) zeroes what SQLite
  frees, and a checkpoint truncates the write-ahead log, which still held the old
  pages.

The same functions run on a peer that applies an erasure (``app.storage.remote``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from app.models.base import BOOKKEEPING
from app.models.text import name_terms
from app.storage import versions

# The key of a journal entry compacted by the retention rules (``app.services.
# retention``): the names of the fields it changed, whose values it no longer holds. It
# is no column, so a peer that receives the entry applies nothing of it.
COMPACTED = "_compacted"
# The key of an erased row's journal entry (no column either: a peer that does not know
# it applies the entry as a whole row): why it was erased, ``RETENTION`` or ``REQUEST``
# ("" when a peer's older shape of erasure did not say).
ERASED = "_erased"
RETENTION, REQUEST = "retention", "request"


# Stamps the entry holds in its own columns (``version``, ``origin_node``), and which
# applying never takes from the payload: not repeated in an erased row's.
_IN_COLUMNS = frozenset({"version", "origin_node"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def collapse(session: Session, placed: list[tuple[int, Any]], *, why: str) -> int:
    """For each ``(seq, row)``: journal entry ``seq`` (one the erasure of these rows
    wrote or applied in this transaction) becomes the whole erased ``row``, and the
    row's other entries are deleted. A row some field of which holds a stamp newer than
    the erasure (a later edit received from elsewhere) keeps entry ``seq`` and its
    insert, which takes the row's values as they are now; its other entries go. The
    rows' fields all carry their version afterwards (``field_versions`` NULL).
    Returns the entries deleted."""
    conn = session.connection()
    kept = []
    deleted = 0
    for seq, row in placed:
        # A sync conflict about the row keeps both values, and taking the other one would
        # write it back: it goes with them.
        conn.exec_driver_sql(
            "DELETE FROM sync_conflict WHERE (kind = ? AND entity_id = ?) "
            "OR other_entity_id = ?", (row.__sync_entity__, row.id, row.id))
        columns = [a.key for a in inspect(type(row)).column_attrs if a.key != "field_versions"]
        held = versions.parse(row.field_versions, row.version)
        payload = {c: _jsonable(getattr(row, c)) for c in columns if c not in _IN_COLUMNS}
        if any(versions.of_field(held, c) != row.version for c in columns
               if c not in BOOKKEEPING and c != "id"):
            deleted += _scrub(conn, row.id, payload, keep=("seq = ?", seq))
            continue
        if row.field_versions is not None:
            row.field_versions = None  # bookkeeping: no stamp, no entry of its own
        payload[ERASED] = why
        conn.exec_driver_sql(
            "UPDATE change_journal SET entity = ?, entity_id = ?, op = 'insert', version = ?, "
            "payload = ?, field_versions = NULL, base_versions = NULL WHERE seq = ?",
            (row.__sync_entity__, row.id, row.version,
             json.dumps(payload, ensure_ascii=False, sort_keys=True), seq))
        kept.append((seq, row))
    # Once every place holds its row: an entry moved may have been another row's.
    for seq, row in kept:
        deleted += conn.exec_driver_sql(
            "DELETE FROM change_journal WHERE entity_id = ? AND entity = ? AND seq != ?",
            (row.id, row.__sync_entity__, seq)).rowcount
    return deleted


def erased_why(payload: dict) -> str | None:
    """Why the journaled row was erased (``ERASED``), None if it was not."""
    why = payload.get(ERASED)
    return None if why is None else str(why)


def scrub_history(session: Session, blanks: dict[str, dict], *, keep_tx: str) -> int:
    """An erasure as peers of an earlier version send it (the tombstone as an update):
    for each erased row (id -> its blank values as JSON values), delete its journal
    entries except the insert and those of ``keep_tx`` (the erasure), and write the
    blank values into the insert's payload. Returns the entries deleted or rewritten."""
    conn = session.connection()
    return sum(_scrub(conn, entity_id, blank, keep=("tx_id = ?", keep_tx))
               for entity_id, blank in blanks.items())


def _scrub(conn, entity_id: str, blank: dict, *, keep: tuple[str, Any]) -> int:
    where, value = keep
    rows = conn.exec_driver_sql(
        f"SELECT seq, op, payload FROM change_journal WHERE entity_id = ? AND NOT {where}",
        (entity_id, value)).all()
    for seq, op, payload in rows:
        if op == "insert":
            values = json.loads(payload)
            values.update({k: v for k, v in blank.items() if k in values})
            conn.exec_driver_sql(
                "UPDATE change_journal SET payload = ? WHERE seq = ?",
                (json.dumps(values, ensure_ascii=False, sort_keys=True), seq))
        else:
            conn.exec_driver_sql("DELETE FROM change_journal WHERE seq = ?", (seq,))
    return len(rows)


def scrub_patient_search(session: Session, patient_id: str, names: Iterable[str]) -> None:
    """Remove the card from the search index, and from the vocabulary the words of
    ``names`` (its former names) that no other card is indexed under."""
    conn = session.connection()
    conn.exec_driver_sql(
        "DELETE FROM patient_search WHERE rowid = "
        "(SELECT rowid FROM patient_search_key WHERE patient_id = ?)", (patient_id,))
    conn.exec_driver_sql("DELETE FROM patient_search_key WHERE patient_id = ?", (patient_id,))
    # A contentless index keeps deleted terms in its segments until they are merged.
    conn.exec_driver_sql("INSERT INTO patient_search (patient_search) VALUES ('optimize')")
    words = {w for name in names if name for w in name_terms(name)}
    for word in sorted(words):
        used = conn.exec_driver_sql(
            "SELECT 1 FROM patient_search WHERE patient_search MATCH ? LIMIT 1",
            ('"' + word.replace('"', '""') + '"',)).first()
        if used is None:
            conn.exec_driver_sql("DELETE FROM patient_search_variant WHERE word = ?", (word,))
            conn.exec_driver_sql("DELETE FROM patient_search_word WHERE word = ?", (word,))


def flush_to_file(store) -> None:
    """After the erasing transaction: the write-ahead log held the pages as they were;
    copy the new ones into the database and truncate the log."""
    with store.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
