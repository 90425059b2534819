"""Opening a database with an older schema: an encrypted backup first, then the upgrade."""

from __future__ import annotations

import shutil

import pytest

from app.storage import migrate
from app.storage.backup import backup_revision
from app.storage.engine import connect_raw
from app.storage.errors import MigrationError
from app.storage.profile import open_profile, unlock_key
from tests.conftest import FAST_KDF

NEXT_REVISION = '''
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("upgrade_probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    raise NotImplementedError
'''


def test_an_older_schema_is_backed_up_then_upgraded(new_practice, passphrase, clock,
                                                    tmp_path, monkeypatch):
    paths = new_practice.workspace.paths
    new_practice.workspace.close()
    before = migrate.head_revision()
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (migrations / "versions" / "9999_upgrade_probe.py").write_text(
        NEXT_REVISION.replace("{head}", before))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)
    assert migrate.head_revision() == "9999"

    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    with open_profile(paths, key, clock=clock) as opened:
        with opened.store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "9999"
            conn.exec_driver_sql("SELECT count(*) FROM upgrade_probe").scalar()

    backups = sorted(paths.backups.glob("*-before-upgrade.db"))
    assert len(backups) == 1
    backup = backups[0]
    assert backup.read_bytes()[:16] != b"SQLite format 3\x00"  # encrypted
    assert backup.with_suffix(".keys.json").exists()  # opens on its own
    raw = connect_raw(backup, key, mode="ro")
    try:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == before
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        raw.close()


FAILING_REVISION = NEXT_REVISION.replace(
    '    op.create_table("upgrade_probe", sa.Column("id", sa.Integer, primary_key=True))\n',
    '    op.create_table("upgrade_probe", sa.Column("id", sa.Integer, primary_key=True))\n'
    '    op.execute("INSERT INTO no_such_table VALUES (1)")\n')


def test_a_failed_upgrade_is_rolled_back_and_backed_up_once_per_schema_version(
        new_practice, passphrase, clock, tmp_path, monkeypatch, profile_snapshot,
        french_message):
    paths = new_practice.workspace.paths
    new_practice.workspace.close()
    before = migrate.head_revision()
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    # A backup taken before an earlier upgrade, from another schema version: kept.
    older = paths.backups / "permanence-20250101-080000-before-upgrade.db"
    with open_profile(paths, key, clock=clock) as opened:
        raw = opened.store.engine.raw_connection()
        try:
            older.parent.mkdir()
            raw.execute("VACUUM INTO ?", (str(older),))
        finally:
            raw.close()
    shutil.copyfile(paths.envelope, older.with_suffix(".keys.json"))
    rewrite = connect_raw(older, key)
    try:
        rewrite.execute("UPDATE alembic_version SET version_num = '0004'")
    finally:
        rewrite.close()
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (migrations / "versions" / "9999_upgrade_probe.py").write_text(
        FAILING_REVISION.replace("{head}", before))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)
    untouched = {k: v for k, v in profile_snapshot(paths.root).items()
                 if not k.startswith("backups")}

    for _attempt in range(3):
        with pytest.raises(MigrationError) as info:
            open_profile(paths, key, clock=clock)
        assert info.value.exit_code == 6
        assert {k: v for k, v in profile_snapshot(paths.root).items()
                if not k.startswith("backups")} == untouched
        copies = sorted(paths.backups.glob("*-before-upgrade*.db"))
        assert len(copies) == 2 and older in copies  # one per schema version
    french_message(lambda: info.value.user_message, "mise à jour")
    newest = next(p for p in copies if p != older)
    assert backup_revision(newest, key) == before and backup_revision(older, key) == "0004"
