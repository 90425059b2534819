"""When the disk or the profile fails the command line: a message in the user's
language and its documented exit code (README "Exit codes"), no traceback, and every
file that was there left byte for byte as it was.

The conditions are real: a read-only mount, a tiny tmpfs for a full disk, a file-size
limit on the child process, a folder where the database should be, an upgrade that
fails. Mounting needs root (the suite runs as root in CI); elsewhere those tests skip.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import ROOT, permanence

PASSPHRASE = "une phrase de passe"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX mounts and limits")


def files(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``root``, the technical log aside."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "logs" not in p.parts}


def refused(result: subprocess.CompletedProcess, code: int, *words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert any(w in result.stderr for w in words), result.stderr


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("failures") / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                        passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """About a megabyte of patients: more than the small disks and limits below hold."""
    path = tmp_path_factory.mktemp("csv") / "patients.csv"
    rows = ["Nom;Prénom;Date de naissance;Notes"]
    rows += [f"Nom{i};Prénom{i};01/02/1960;{'note ' * 40}" for i in range(5000)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def tmpfs(mount, where: Path, size: str) -> Path:
    where.mkdir()
    mount(where, "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs")
    return where


def read_only(mount, path: Path) -> None:
    """``path`` (a file or a folder) read-only in place: a bind mount remounted ro."""
    mount(path, "--bind", str(path))
    mount(path, "-o", "remount,bind,ro")


def test_a_folder_where_the_database_should_be(profile, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(profile, broken)
    (broken / "permanence.db").unlink()
    (broken / "permanence.db").mkdir()
    before = files(broken)
    result = permanence("check", "--profile", str(broken), passphrase=PASSPHRASE)
    refused(result, 6, "n'est pas un fichier")
    assert files(broken) == before and (broken / "permanence.db").is_dir()


def test_a_read_only_profile(profile, tmp_path, mount):
    disk = tmpfs(mount, tmp_path / "disk", "4m")
    copy = disk / "cabinet"
    shutil.copytree(profile, copy)
    before = files(copy)
    mount(disk, "-o", "remount,ro")
    result = permanence("check", "--profile", str(copy), passphrase=PASSPHRASE)
    refused(result, 5, "lecture seule")
    assert files(copy) == before


def test_a_read_only_lock_file(profile, tmp_path, mount):
    copy = tmp_path / "cabinet"
    shutil.copytree(profile, copy)
    read_only(mount, copy / "permanence.lock")
    before = files(copy)
    result = permanence("check", "--profile", str(copy), passphrase=PASSPHRASE)
    refused(result, 5, "lecture seule")
    assert "permanence.lock" in result.stderr
    assert files(copy) == before


def test_a_read_only_database_refuses_writes_and_keeps_reading(profile, tmp_path, mount,
                                                               big_csv):
    copy = tmp_path / "cabinet"
    shutil.copytree(profile, copy)
    read_only(mount, copy / "permanence.db")
    before = (copy / "permanence.db").read_bytes()
    result = permanence("import", "patients", "--profile", str(copy), str(big_csv),
                        passphrase=PASSPHRASE)
    refused(result, 5, "lecture seule")
    assert (copy / "permanence.db").read_bytes() == before
    assert permanence("check", "--profile", str(copy), passphrase=PASSPHRASE).returncode == 0


def test_read_only_logs_are_said_and_the_command_goes_on(profile, tmp_path, mount):
    copy = tmp_path / "cabinet"
    shutil.copytree(profile, copy)
    (copy / "logs").mkdir(exist_ok=True)
    read_only(mount, copy / "logs")
    result = permanence("check", "--profile", str(copy), passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "journal" in result.stderr and "lecture seule" in result.stderr


def test_a_full_disk(profile, tmp_path, mount, big_csv):
    disk = tmpfs(mount, tmp_path / "disk", "1m")
    copy = disk / "cabinet"
    shutil.copytree(profile, copy)
    before = files(copy)
    result = permanence("import", "patients", "--profile", str(copy), str(big_csv),
                        passphrase=PASSPHRASE)
    refused(result, 5, "disque est plein")
    assert files(copy) == before
    check = permanence("check", "--profile", str(copy), passphrase=PASSPHRASE)
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_export_to_a_full_disk(profile, tmp_path, mount, big_csv):
    copy = tmp_path / "cabinet"
    shutil.copytree(profile, copy)
    first = permanence("import", "patients", "--profile", str(copy), str(big_csv),
                       passphrase=PASSPHRASE)
    assert first.returncode == 0, first.stderr
    disk = tmpfs(mount, tmp_path / "usb", "64k")
    result = permanence("export", "patients", "--profile", str(copy), str(disk / "p.csv"),
                        passphrase=PASSPHRASE)
    refused(result, 5, "disque est plein")
    assert list(disk.iterdir()) == []  # neither the file nor its temporary


def _limited(size: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_the_file_size_limit(profile, tmp_path, big_csv):
    copy = tmp_path / "cabinet"
    shutil.copytree(profile, copy)
    before = files(copy)
    env = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    env["PERMANENCE_PASSPHRASE"] = PASSPHRASE
    limit = (copy / "permanence.db").stat().st_size + 256 * 1024
    result = subprocess.run([sys.executable, "-m", "app", "import", "patients", "--profile",
                             str(copy), str(big_csv)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, preexec_fn=_limited(limit))
    refused(result, 5, "limite de taille")  # not killed by SIGXFSZ, not a traceback
    assert files(copy) == before


FAILING_REVISION = '''
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("upgrade_probe", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO no_such_table VALUES (1)")


def downgrade() -> None:
    raise NotImplementedError
'''

# The command line, run with a migrations folder that holds one more, failing, step.
WITH_MIGRATIONS = """
import sys
from pathlib import Path

import app.storage.migrate as migrate

migrate.MIGRATIONS_DIR = Path(sys.argv[1])
from app.cli import main

raise SystemExit(main(sys.argv[2:]))
"""


def test_a_failed_upgrade_is_said_and_backs_up_once(profile, tmp_path):
    from app.storage import migrate

    copy = tmp_path / "cabinet"
    shutil.copytree(profile, copy)
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "9999_fails.py").write_text(
        FAILING_REVISION.replace("{head}", migrate.head_revision()))
    before = files(copy)
    env = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    env.update({"PERMANENCE_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(ROOT)})
    for _attempt in range(3):
        result = subprocess.run([sys.executable, "-c", WITH_MIGRATIONS, str(migrations),
                                 "check", "--profile", str(copy)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        refused(result, 6, "mise à jour")
        after = files(copy)
        assert {k: v for k, v in after.items() if not k.startswith("backups")} == before
        backups = sorted((copy / "backups").glob("*.db"))
        assert len(backups) == 1, backups  # one copy, however many attempts
        assert backups[0].with_suffix(".keys.json").exists()
    assert permanence("check", "--profile", str(copy), passphrase=PASSPHRASE).returncode == 0


def test_check_on_a_folder_that_is_not_a_profile_creates_nothing(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("rien")
    result = permanence("check", "--profile", str(folder), passphrase=PASSPHRASE)
    refused(result, 2, "Aucune base")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
