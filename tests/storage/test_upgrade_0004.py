"""A schema-0003 practice upgrades to the directory sort indexes, its contacts intact."""

from __future__ import annotations

from app.services.directory import ContactInput
from app.services.workspace import open_workspace
from app.storage.engine import make_engine
from app.storage.migrate import head_revision, known_revisions
from tests.storage.schema_steps import undo_0005, undo_0006, undo_0007, undo_0008
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF

NEW_INDEXES = {"ix_contact_live_sort", "ix_contact_category_sort"}


def _indexes(conn) -> set[str]:
    return {name for (name,) in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contact'")}


def test_a_0003_directory_gains_its_sort_indexes_and_searches_the_same(
        workspace, passphrase, clock):
    assert {"0003", "0004"} <= known_revisions()
    ws = workspace
    ws.directory.create_many([
        ContactInput(name="Martin", first_name="Sophie", category="gp",
                     specialty="Médecine générale", phone="02 47 12 34 56"),
        ContactInput(name="Abadie", first_name="Martin", category="specialist",
                     specialty="Cardiologie"),
        ContactInput(name="Pharmacie du Centre", category="pharmacy"),
    ])
    gone = ws.directory.create(ContactInput(name="Martineau", category="gp"))
    ws.directory.delete(gone.id)
    queries = [("", None), ("", "gp"), ("martin", None), ("mar", "gp"), ("medecine", None),
               ("3456", None)]
    before = {q: ws.directory.search(q[0], category=q[1]) for q in queries}
    paths = ws.paths
    ws.close()

    # The same database as schema 0003 left it: no sort indexes yet.
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            undo_0008(conn)
            undo_0007(conn)
            undo_0006(conn)
            undo_0005(conn)
            for name in NEW_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX {name}")
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
    finally:
        engine.dispose()

    reopened = open_workspace(paths, key, clock=clock)
    try:
        with reopened.store.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar() == head_revision()
            assert NEW_INDEXES <= _indexes(conn)
            assert conn.exec_driver_sql("SELECT count(*) FROM contact").scalar() == 4
            plan = " ".join(str(r) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM contact WHERE category = 'gp' "
                "AND deleted_at IS NULL ORDER BY sort_key, id LIMIT 10"))
            assert "ix_contact_category_sort" in plan and "TEMP B-TREE" not in plan
        assert {q: reopened.directory.search(q[0], category=q[1]) for q in queries} == before
        assert reopened.directory.count() == 3
    finally:
        reopened.close()
    assert list(paths.backups.glob("*-before-upgrade.db"))  # backed up first
