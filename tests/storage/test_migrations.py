"""A fully migrated database is exactly what the models describe, plus the raw-SQL search tables."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.models import Base
from app.storage.engine import connect_raw, make_engine
from app.storage.migrate import current_revision, head_revision, known_revisions
from app.storage.migrations.naming import include_object
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF


def _closed(workspace, passphrase):
    paths = workspace.paths
    workspace.close()
    return paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)


def test_migrated_schema_matches_the_models(workspace, passphrase):
    paths, key = _closed(workspace, passphrase)
    engine = make_engine(paths.db, key)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "include_object": include_object, "compare_type": True,
                "compare_server_default": True, "target_metadata": Base.metadata})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_schema_diff_would_be_noticed(workspace, passphrase):
    """Control for the test above: a column the models do not know is reported."""
    paths, key = _closed(workspace, passphrase)
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE patient ADD COLUMN shoe_size INTEGER")
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert any(d[0] == "remove_column" and d[3].name == "shoe_size" for d in diff), diff


def test_search_tables_exist_and_are_fts5(workspace, passphrase):
    paths, key = _closed(workspace, passphrase)
    conn = connect_raw(paths.db, key, mode="immutable")
    try:
        rows = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"))
        assert "patient_search" in rows and "patient_search_key" in rows
        assert "fts5" in rows["patient_search"].lower()
        assert "content = ''" in rows["patient_search"]  # contentless: no copy of the terms
        assert "remove_diacritics 2" in rows["patient_search"]
        # FTS5 shadow tables: the index really is FTS5.
        assert {"patient_search_data", "patient_search_idx", "patient_search_config"} <= set(rows)
        cols = [r[1] for r in conn.execute("PRAGMA table_info(patient_search_key)")]
        assert cols == ["rowid", "patient_id"]
        # The search works on a migrated database.
        assert conn.execute("SELECT count(*) FROM patient_search WHERE patient_search MATCH "
                            "'\"zzz\"*'").fetchone() == (0,)
    finally:
        conn.close()


def test_database_is_at_head_revision(workspace, passphrase):
    paths, key = _closed(workspace, passphrase)
    conn = connect_raw(paths.db, key, mode="immutable")
    try:
        assert current_revision(conn) == head_revision()
    finally:
        conn.close()
    assert head_revision() in known_revisions()


def test_every_model_table_exists(workspace, passphrase):
    paths, key = _closed(workspace, passphrase)
    engine = make_engine(paths.db, key)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_settings_pragmas_on_every_connection(workspace):
    raw = workspace.store.engine.raw_connection()
    try:
        def one(pragma):
            return raw.execute(f"PRAGMA {pragma}").fetchone()[0]

        assert one("journal_mode") == "wal"
        assert one("synchronous") == 2  # FULL
        assert one("foreign_keys") == 1
        assert one("temp_store") == 2  # MEMORY
        assert one("secure_delete") == 1
        assert one("cipher_page_size") == "4096"
    finally:
        raw.close()
