"""Every file and folder Permanence creates is its user's only, whatever the umask: the
command line under umask 000 in a child process, and the library itself (no
``harden_process``) under umask 000 in this one. A profile others may read is warned
about, with the command that fixes it."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.clock import SystemClock
from app.logging_setup import configure as configure_logging
from app.demo import DemoSize, generate_demo
from app.services.practice import PracticeInput
from app.services.settings import WorkstationSettings
from app.services.workspace import create_practice
from app.storage.backup import backup_database
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from tests.test_cli import ROOT, permanence

PASSPHRASE = "une phrase de passe"
FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def loose(root: Path) -> list[str]:
    """What under ``root`` (itself included) the group or others may use."""
    found = [root, *root.rglob("*")]
    return [f"{p} {stat.filemode(p.lstat().st_mode)}" for p in found
            if p.lstat().st_mode & 0o077]


def run_with_umask_000(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    env["PERMANENCE_PASSPHRASE"] = PASSPHRASE
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: os.umask(0))


def test_the_command_line_creates_owner_only_files_under_a_permissive_umask(tmp_path):
    profile = tmp_path / "new" / "cabinet"
    out = tmp_path / "out"
    out.mkdir()
    for args in (("init", "--profile", str(profile), "--practice", "Cabinet du Parc"),
                 ("check", "--profile", str(profile)),
                 ("export", "patients", "--profile", str(profile), str(out / "p.csv")),
                 ("export", "directory", "--profile", str(profile), "--format", "vcard",
                  "--one-per-contact", str(out / "cards"))):
        result = run_with_umask_000(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert (profile / "logs" / "permanence.log").exists()
    assert loose(tmp_path / "new") == []  # the parent it made too
    assert loose(out / "p.csv") == [] and loose(out / "cards") == []


@pytest.fixture
def umask_000():
    old = os.umask(0)
    yield
    os.umask(old)
    logging.getLogger().handlers.clear()  # the test's log file


def test_the_library_creates_owner_only_files_without_the_process_umask(tmp_path, umask_000):
    paths = ProfilePaths(tmp_path / "cabinet")
    created = create_practice(paths, PracticeInput(name="Cabinet du Parc"),
                              passphrase=PASSPHRASE, keychain=None, clock=SystemClock(),
                              kdf=FAST_KDF)
    ws = created.workspace
    try:
        ws.exports.export_patients_csv(tmp_path / "p.csv")
        ws.exports.export_directory_vcard(tmp_path / "cards", one_per_contact=True)
        raw = ws.store.engine.raw_connection()
        try:
            backup_database(raw, paths.backups, paths.envelope, reason="manual",
                            now=ws.clock.now())
        finally:
            raw.close()
        WorkstationSettings(paths.workstation_settings).set("language", "en")
        assert configure_logging(paths.logs) is None
        logging.getLogger("permanence").info("a line")
        assert Path(f"{paths.db}-wal").exists()  # open: the WAL and SHM are checked too
        assert loose(tmp_path) == []
        assert len(list(paths.backups.iterdir())) == 2 and (tmp_path / "cards").is_dir()
    finally:
        ws.close()


def test_a_demo_made_in_an_existing_folder_makes_it_owner_only(tmp_path, umask_000):
    folder = tmp_path / "Permanence"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    (folder / "lisez-moi.txt").write_text("déjà là")
    os.chmod(folder / "lisez-moi.txt", 0o600)
    ws = generate_demo(ProfilePaths(folder), size=DemoSize(practitioners=1, patients=10),
                       clock=SystemClock(), kdf=FAST_KDF)
    ws.close()
    assert (folder / "lisez-moi.txt").exists() and ProfilePaths(folder).is_profile()
    assert loose(folder) == []


def test_opening_a_profile_others_may_read_warns_and_says_how_to_fix(tmp_path):
    profile = tmp_path / "cabinet"
    assert permanence("init", "--profile", str(profile), "--practice", "Cabinet du Parc",
                      passphrase=PASSPHRASE).returncode == 0
    os.chmod(profile, 0o755)
    os.chmod(profile / "permanence.db", 0o644)
    result = permanence("check", "--profile", str(profile), passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert f"chmod -R go-rwx {profile}" in result.stderr
    assert "permanence.db" in result.stderr and "keys.json" not in result.stderr

    shutil.copymode(profile / "keys.json", profile / "permanence.db")
    os.chmod(profile, 0o700)
    quiet = permanence("check", "--profile", str(profile), passphrase=PASSPHRASE)
    assert quiet.returncode == 0 and "chmod" not in quiet.stderr
