"""A killed export leaves its hidden temporary file (patient names) in the destination
folder: the next export there removes it, and only it: a running export's file, and
anything else in the folder, stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services.exporting.files import TEMP_PREFIX

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

# A process that starts an export's temporary file, writes a name in it, says where,
# then is killed (KILL) or waits until told to go (WAIT).
WRITER = """
import os, signal, sys
from pathlib import Path
from app.services.exporting.files import TempFile

temp = TempFile(Path(sys.argv[1]) / "patients.csv")
temp.path.write_text("DUPONT;Jean\\n")
print(temp.path, flush=True)
if sys.argv[2] == "KILL":
    os.kill(os.getpid(), signal.SIGKILL)
sys.stdin.readline()
"""


def writer(folder: Path, how: str) -> tuple[subprocess.Popen, Path]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), how], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    return proc, Path(proc.stdout.readline().strip())


def test_the_next_export_removes_what_a_killed_one_left_and_only_that(workspace, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    running, live = writer(folder, "WAIT")
    killed, left = writer(folder, "KILL")
    assert killed.wait(timeout=30) == -signal.SIGKILL
    old = folder / f"{TEMP_PREFIX}k2jd9_qa.part"  # an older version's name, no writer pid
    old.write_text("MARTIN;Paul\n")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    notes = folder / f"{TEMP_PREFIX}notes.txt"  # not a name of ours
    notes.write_text("à garder")
    try:
        assert left.exists() and left.name.startswith(f"{TEMP_PREFIX}{killed.pid}-")

        workspace.exports.export_patients_csv(folder / "patients.csv")

        assert not left.exists() and not old.exists()
        assert live.exists() and notes.exists()
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["patients.csv", live.name, notes.name])
    finally:
        running.stdin.write("go\n")
        running.stdin.close()
        running.wait(timeout=30)
        running.stdout.close()
        killed.stdout.close()
