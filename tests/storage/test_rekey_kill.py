"""A rekey killed at any point leaves a profile that opens: in the old state or the new
one (the next start finishes or undoes it), every patient there, the audit trail
whole, no file of the rekey left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import Patient
from app.services.patients import PatientInput
from app.services.workspace import open_workspace
from app.storage.profile import finish_interrupted, unlock_key
from app.storage.rekey import MARKER, SUFFIX
from tests.conftest import FAST_KDF
from tests.storage.conftest import expect_line

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

REKEYER = """
import os, sys
from pathlib import Path
from app.clock import SystemClock
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths, unlock_key
from app.storage.rekey import rekey_profile

fast = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
paths = ProfilePaths(Path(sys.argv[1]))
passphrase = os.environ["PERMANENCE_PASSPHRASE"]
key = unlock_key(paths, passphrase=passphrase, kdf_floor=fast)
print("READY", flush=True)
sys.stdin.readline()
rekey_profile(paths, key, passphrase=passphrase, kdf=fast, keychain=None,
              now=SystemClock().now())
print("DONE", flush=True)
"""


def rekeyer(root: Path, passphrase: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PERMANENCE_PASSPHRASE": passphrase}
    proc = subprocess.Popen([sys.executable, "-c", REKEYER, str(root)], cwd=ROOT, env=env,
                            text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    expect_line(proc, "READY")
    return proc


@pytest.mark.slow
def test_a_killed_rekey_leaves_the_old_or_the_new_state(workspace, passphrase, clock):
    for n in range(150):  # some pages to copy
        workspace.patients.create(PatientInput(birth_name=f"Kill{n}", first_names="Test",
                                               admin_note="x" * 400))
    paths = workspace.paths
    workspace.close()
    keys = [unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)]
    for delay in (0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, None):
        proc = rekeyer(paths.root, passphrase)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        if delay is None:  # the control: left to finish
            expect_line(proc, "DONE")
        else:
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stdin.close()

        finish_interrupted(paths)
        assert not (paths.root / MARKER).exists()
        assert not [p.name for p in paths.root.iterdir() if p.name.endswith(SUFFIX)]
        key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
        if key != keys[-1]:
            keys.append(key)
        ws = open_workspace(paths, key, clock=clock)
        try:
            with ws.store.reader() as s:
                assert s.execute(select(func.count()).select_from(Patient)).scalar() == 150
            assert ws.audit_trail.verify().ok, (delay, ws.audit_trail.verify())
        finally:
            ws.close()
    assert len(keys) >= 2  # the control, at least, rekeyed
