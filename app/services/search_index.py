"""Writing FTS5 search terms for a table of records (patients, directory contacts).

Each searchable table ``X`` has ``X_search`` (contentless FTS5, see the migrations) and
``X_search_key`` mapping a stable integer rowid to the record's id: VACUUM may
renumber a table's implicit rowids, never an explicit INTEGER PRIMARY KEY.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# table -> its id column in the key table; only these names are ever formatted into SQL.
_INDEXES = {"patient": "patient_id", "contact": "contact_id"}


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


def remove_from_index(session: Session, table: str, record_ids: list[str]) -> None:
    """Forget a record's terms (a tombstoned record must no longer be found)."""
    if not record_ids:
        return
    id_col = _INDEXES[table]
    session.connection().execute(
        text(f"DELETE FROM {table}_search WHERE rowid = "
             f"(SELECT rowid FROM {table}_search_key WHERE {id_col} = :rid)"),
        [{"rid": rid} for rid in record_ids])
