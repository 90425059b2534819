"""A schema-0009 practice upgrades to a hash chain that covers each entry's sequence
number: the chain it had verifies the new way, and a chain already broken before the
upgrade stays broken at the same entry (the upgrade does not seal damage over)."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from app.models.journal import AuditEntry
from app.services.workspace import open_workspace
from app.storage.audit import GENESIS, entry_hash
from app.storage import checkpoints, migrate
from app.storage.engine import make_engine
from app.storage.migrate import head_revision, known_revisions
from app.storage.profile import unlock_key
from app.storage.trail_verify import EDITED
from tests.conftest import FAST_KDF
from tests.storage.schema_steps import undo_after
from tests.storage.test_unit_of_work import add_practitioners


def _as_0009(paths, key, *, then: str = "") -> None:
    """The database as schema 0009 left it: the old hashes, not yet anchored."""
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            undo_after(conn, "0009")
            conn.exec_driver_sql("DELETE FROM local_meta WHERE key = 'audit_anchor'")
            if then:
                conn.exec_driver_sql(then)
    finally:
        engine.dispose()
    (paths.root / checkpoints.FILE_NAME).unlink(missing_ok=True)


def _closed_practice(workspace, passphrase):
    add_practitioners(workspace, "Anne", "Bruno", "Chloé")
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.audit("read", "patient", "some-id")
    paths = workspace.paths
    with workspace.store.reader() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    workspace.close()
    # The hashes 0010 gave, before 0019 added the workstation to them.
    hashes, prev = [], GENESIS
    for e in rows:
        prev = entry_hash(e.seq, prev, e.at, e.user_id, e.action, e.entity, e.entity_id, e.detail)
        hashes.append(prev)
    return paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF), hashes


def test_a_0009_trail_is_hashed_again_with_its_sequence_numbers(workspace, passphrase, clock,
                                                                 tmp_path, monkeypatch):
    assert {"0009", "0010"} <= known_revisions()
    paths, key, hashes = _closed_practice(workspace, passphrase)
    _as_0009(paths, key)

    # Batches of two entries: the upgrade reads the trail a batch at a time.
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (script,) = (migrations / "versions").glob("0010_*.py")
    source = script.read_text()
    assert "\nBATCH = 5000\n" in source
    script.write_text(source.replace("\nBATCH = 5000\n", "\nBATCH = 2\n"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)

    ws = open_workspace(paths, key, clock=clock)
    try:
        with ws.store.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar() == head_revision()
            again = [h for (h,) in conn.exec_driver_sql(
                "SELECT hash FROM audit_trail ORDER BY seq")]
        assert again == hashes  # the very hashes the new way gives
        report = ws.audit_trail.verify()
        assert report.ok and report.entries == len(hashes)
        add_practitioners(ws, "Après")
        assert ws.audit_trail.verify().ok
    finally:
        ws.close()
    assert list(paths.backups.glob("*-before-upgrade.db"))


def test_a_trail_broken_before_the_upgrade_stays_broken_there(workspace, passphrase, clock):
    paths, key, hashes = _closed_practice(workspace, passphrase)
    broken = len(hashes) // 2
    _as_0009(paths, key, then=f"UPDATE audit_trail SET detail = 'forged' WHERE seq = {broken}")
    ws = open_workspace(paths, key, clock=clock)
    try:
        report = ws.audit_trail.verify()
        assert (report.problem, report.seq) == (EDITED, broken)
    finally:
        ws.close()
