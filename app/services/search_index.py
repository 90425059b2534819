"""Writing FTS5 search terms for a table of records (patients, directory contacts).

Each searchable table ``X`` has ``X_search`` (contentless FTS5, see the migrations) and
``X_search_key`` mapping a stable integer rowid to the record's id: VACUUM may
renumber a table's implicit rowids, never an explicit INTEGER PRIMARY KEY.

The patient index also keeps the vocabulary of its name words (migration 0006):
``patient_search_word`` gives each word its French phonetic key (indexed), and
``patient_search_variant`` the strings one letter shorter, so that a name typed by ear
or with one letter off is turned into the words that the index holds. The vocabulary
only grows: a word that no record uses any more leads the search to no one.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.phonetic import vocabulary_rows

# table -> its id column in the key table; only these names are ever formatted into SQL.
_INDEXES = {"patient": "patient_id", "contact": "contact_id"}
_VOCABULARIES = {"patient"}


def write_index(session: Session, table: str, rows: list[tuple[str, str]]) -> None:
    """Upsert ``(record id, terms)`` pairs into the search index of ``table``."""
    if not rows:
        return
    id_col = _INDEXES[table]
    conn = session.connection()
    # Prepared statements run once per row by the driver: an import writes 100,000.
    ids = [(rid,) for rid, _ in rows]
    conn.exec_driver_sql(f"INSERT OR IGNORE INTO {table}_search_key ({id_col}) VALUES (?)", ids)
    conn.exec_driver_sql(f"DELETE FROM {table}_search WHERE rowid = "
                         f"(SELECT rowid FROM {table}_search_key WHERE {id_col} = ?)", ids)
    conn.exec_driver_sql(f"INSERT INTO {table}_search (rowid, terms) SELECT rowid, ? "
                         f"FROM {table}_search_key WHERE {id_col} = ?",
                         [(terms, rid) for rid, terms in rows])
    if table in _VOCABULARIES:
        _remember_words(session, table, {t for _, terms in rows for t in terms.split()
                                         if not t.startswith("_")})


def _remember_words(session: Session, table: str, words: set[str]) -> None:
    """Add the words the index does not know yet to the vocabulary of ``table``."""
    conn = session.connection()
    known = set()
    listed = sorted(words)
    for start in range(0, len(listed), 500):  # under SQLite's limit of bound parameters
        chunk = listed[start:start + 500]
        known.update(conn.exec_driver_sql(
            f"SELECT word FROM {table}_search_word WHERE word IN "
            f"({', '.join('?' * len(chunk))})", tuple(chunk)).scalars())
    sounds, variants = vocabulary_rows(w for w in listed if w not in known)
    if sounds:
        conn.exec_driver_sql(f"INSERT OR IGNORE INTO {table}_search_word (word, sound) "
                             "VALUES (?, ?)", sounds)
    if variants:
        conn.exec_driver_sql(f"INSERT OR IGNORE INTO {table}_search_variant (variant, word) "
                             "VALUES (?, ?)", variants)


def remove_from_index(session: Session, table: str, record_ids: list[str]) -> None:
    """Forget a record's terms (a tombstoned record must no longer be found)."""
    if not record_ids:
        return
    id_col = _INDEXES[table]
    session.connection().execute(
        text(f"DELETE FROM {table}_search WHERE rowid = "
             f"(SELECT rowid FROM {table}_search_key WHERE {id_col} = :rid)"),
        [{"rid": rid} for rid in record_ids])
