"""Erasing values for good: from the change journal, the search index and the file.

A row's personal fields are blanked and the row tombstoned through the unit of work (a
normal journaled change, which sync carries to the peers). What this module adds is
the removal of every older copy of the values:

- the change journal: the row's earlier updates are deleted, and its insert keeps its
  place (a peer that never had the row still receives it, then its tombstone) with the
  blank values instead of the old ones;
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

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.text import name_terms

# The key of a journal entry compacted by the retention rules (``app.services.
# retention``): the names of the fields it changed, whose values it no longer holds. It
# is no column, so a peer that receives the entry applies nothing of it.
COMPACTED = "_compacted"


def scrub_history(session: Session, blanks: dict[str, dict], *, keep_tx: str) -> int:
    """For each erased row (id -> its blank values as JSON values): delete its journal
    entries except the insert and those of ``keep_tx`` (the erasure), and write the
    blank values into the insert's payload. Returns the entries deleted or rewritten."""
    conn = session.connection()
    touched = 0
    for entity_id, blank in blanks.items():
        rows = conn.exec_driver_sql(
            "SELECT seq, op, payload FROM change_journal WHERE entity_id = ? AND tx_id != ?",
            (entity_id, keep_tx)).all()
        for seq, op, payload in rows:
            if op == "insert":
                values = json.loads(payload)
                values.update({k: v for k, v in blank.items() if k in values})
                conn.exec_driver_sql(
                    "UPDATE change_journal SET payload = ? WHERE seq = ?",
                    (json.dumps(values, ensure_ascii=False, sort_keys=True), seq))
            else:
                conn.exec_driver_sql("DELETE FROM change_journal WHERE seq = ?", (seq,))
            touched += 1
    return touched


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
