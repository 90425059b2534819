"""Opening a database with an older schema: an encrypted backup first, then the upgrade."""

from __future__ import annotations

import shutil

from app.storage import migrate
from app.storage.engine import connect_raw
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
