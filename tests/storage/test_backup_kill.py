"""A backup killed at any point leaves nothing under a backup's name: every file named
as a backup is whole (it verifies), and the next backup in the folder removes what the
killed ones left (hidden, and encrypted like the profile)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services.backups import TEMP_PREFIX, backup_profile, verify_backup
from app.storage.backup_file import SUFFIX
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF
from tests.storage.conftest import expect_line

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

# Backs up PROFILE into OUT, saying each step (and DONE) as it goes.
BACKER = """
import os, sys
from pathlib import Path
from app.clock import SystemClock
from app.services.backups import backup_profile
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths, unlock_key

paths = ProfilePaths(Path(sys.argv[1]))
key = unlock_key(paths, passphrase=os.environ["PERMANENCE_PASSPHRASE"],
                 kdf_floor=KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1))
print("READY", flush=True)
sys.stdin.readline()
backup_profile(paths, key, Path(sys.argv[2]), now=SystemClock().now(),
               progress=lambda step: print("STEP", flush=True))
print("DONE", flush=True)
"""


def backer(root: Path, out: Path, passphrase: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PERMANENCE_PASSPHRASE": passphrase}
    proc = subprocess.Popen([sys.executable, "-c", BACKER, str(root), str(out)], cwd=ROOT,
                            env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    expect_line(proc, "READY")
    return proc


def named_backups(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.name.endswith(SUFFIX))


@pytest.mark.slow
def test_a_killed_backup_leaves_no_partial_file(workspace, tmp_path, passphrase):
    from app.services.patients import PatientInput

    for n in range(200):  # some pages to copy and archive
        workspace.patients.create(PatientInput(birth_name=f"Kill{n}", first_names="Test",
                                               admin_note="x" * 500))
    out = tmp_path / "out"
    out.mkdir()
    # Killed after each step is announced, and at delays into the step.
    interrupted = 0
    for steps in (1, 2, 3):
        for delay in (0, 0.002, 0.01, 0.03, 0.1):
            proc = backer(workspace.paths.root, out, passphrase)
            proc.stdin.write("go\n")
            proc.stdin.flush()
            for _ in range(steps):
                expect_line(proc, "STEP")
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc.stdout.close()
            proc.stdin.close()
            for made in named_backups(out):  # finished before the kill: whole
                verify_backup(made)
            interrupted += any(p.name.startswith(TEMP_PREFIX) for p in out.iterdir())
    assert interrupted >= 5  # control: kills did land mid-way, leaving a work folder
    key = unlock_key(workspace.paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    last = backup_profile(workspace.paths, key, out, now=workspace.clock.now())
    assert all(not p.name.startswith(".") for p in out.iterdir())
    assert last in named_backups(out)
    for made in named_backups(out):
        verify_backup(made)


def acks_until(proc: subprocess.Popen, n: int) -> None:
    """Read the writer's "ACK <i> <id>" lines until the n-th."""
    while True:
        line = proc.stdout.readline()
        assert line, "the writer stopped"
        if line.startswith(f"ACK {n} "):
            return


@pytest.mark.slow
def test_a_backup_while_another_process_writes_is_consistent(practice_factory, tmp_path,
                                                             passphrase, spawn_child,
                                                             wait_for_line, clock):
    """The application writing patients all the while: the backup holds a consistent
    state (whole transactions), which restores and passes every check."""
    from app.services.backups import Secret, restore_backup
    from app.services.check import run_checks
    from app.services.workspace import open_workspace
    from app.storage.profile import ProfilePaths

    ws = practice_factory().workspace
    paths = ws.paths
    ws.close()
    child = spawn_child("write", str(paths.root), "Concurrent")
    wait_for_line(child, "READY")
    acks_until(child, 20)  # writing
    out = tmp_path / "out"
    out.mkdir()
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    made = backup_profile(paths, key, out, now=clock.now())
    acks_until(child, 60)  # still writing: it was never blocked for long
    child.kill()
    child.wait(timeout=10)
    target = ProfilePaths(tmp_path / "restored")
    restore_backup(made, target, Secret(passphrase=passphrase, kdf_floor=FAST_KDF), clock=clock)
    restored = open_workspace(target, unlock_key(target, passphrase=passphrase,
                                                 kdf_floor=FAST_KDF), clock=clock)
    try:
        assert all(item.ok for item in run_checks(restored.store))
        assert len(restored.patients.search("Concurrent")) >= 20
    finally:
        restored.close()
