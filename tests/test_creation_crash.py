"""A creation killed at any moment leaves no half-made profile: ``init`` and ``demo``
build aside and move into place only once the recovery key is out; what a killed one
left is removed by the next run, or finished if it was being moved into place.

Real processes, killed with SIGKILL: at random moments, and at the one moment that
matters most, while the recovery key is being printed (its stdout is a full pipe, so
the print blocks there for good).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.clock import SystemClock
from app.demo import DemoSize, generate_demo
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths, unlock_key
from tests.test_cli import ROOT, permanence

PASSPHRASE = "une phrase de passe"
ROUNDS = 5

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="SIGKILL, and /proc to see a blocked child")


def env() -> dict[str, str]:
    full = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    full["PERMANENCE_PASSPHRASE"] = PASSPHRASE
    return full


def spawn(*args: str, stdout=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, env=env(),
                            stdout=stdout, stderr=subprocess.DEVNULL)


def init(target: Path) -> subprocess.CompletedProcess:
    return permanence("init", "--profile", str(target), "--practice", "Cabinet du Parc",
                      passphrase=PASSPHRASE)


def hidden_siblings(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith("."))


def cpu_time(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def kill_while_printing_the_key(target: Path) -> Path:
    """Run ``init`` with a full pipe as its stdout, wait until it is stuck printing
    the recovery key, kill it; the folder it was building is returned."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    for chunk in (65536, 1):
        try:
            while True:
                os.write(write_end, b"x" * chunk)
        except BlockingIOError:
            pass
    os.set_blocking(write_end, True)
    child = spawn("init", "--profile", str(target), "--practice", "Cabinet du Parc",
                  stdout=write_end)
    os.close(write_end)
    try:
        deadline = time.monotonic() + 120
        build, last, still = None, -1, 0
        while still < 3:  # built, closed, and no longer using the processor: blocked
            assert child.poll() is None, "init ended although its output was full"
            assert time.monotonic() < deadline, "init never got to printing the key"
            time.sleep(0.5)
            builds = list(target.parent.glob(f".{target.name}.{child.pid}-*.init"))
            ready = builds and all((builds[0] / n).exists()
                                   for n in ("permanence.db", "keys.json"))
            if not ready or (builds[0] / "permanence.db-wal").exists():
                continue
            build, used = builds[0], cpu_time(child.pid)
            still = still + 1 if used == last else 0
            last = used
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        os.close(read_end)
    assert build is not None
    return build


def test_init_killed_while_printing_the_key_created_nothing_and_runs_again(tmp_path):
    target = tmp_path / "cabinet"
    build = kill_while_printing_the_key(target)
    assert build.exists() and not target.exists()  # the key was never shown

    result = init(target)
    assert result.returncode == 0, result.stderr
    assert "Clé de secours" in result.stdout
    assert hidden_siblings(target) == []  # the killed one's build is gone
    assert unlock_key(ProfilePaths(target), passphrase=PASSPHRASE)


def test_an_interrupted_placement_is_finished_by_the_next_run(tmp_path):
    """Killed between moving the key file and the database into a folder that holds
    other things (here, the demo's folder): the next run moves the rest."""
    target = tmp_path / "Permanence"
    (target / "demo").mkdir(parents=True)
    build = kill_while_printing_the_key(target)
    (build / "placing").write_bytes(b"")  # as place() does before the first rename
    (build / "permanence.lock").unlink(missing_ok=True)
    os.rename(build / "keys.json", target / "keys.json")

    result = permanence("check", "--profile", str(target), passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {"demo", "keys.json", "permanence.db"} <= {p.name for p in target.iterdir()}
    assert hidden_siblings(target) == []


@pytest.mark.slow
def test_init_killed_at_random_moments_never_leaves_a_half_made_profile(tmp_path):
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    target = tmp_path / "cabinet"
    started = time.monotonic()
    assert init(target).returncode == 0
    duration = time.monotonic() - started
    shutil.rmtree(target)

    placed = 0
    for round_no in range(ROUNDS):
        delay = rng.uniform(0.4, 1.1) * duration
        child = spawn("init", "--profile", str(target), "--practice", "Cabinet du Parc")
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        where = f"seed {seed}, round {round_no}, delay {delay:.2f}s of {duration:.2f}s"
        paths = ProfilePaths(target)
        if paths.exists():  # killed after the key was shown: a whole profile
            assert paths.is_profile(), where
            check = permanence("check", "--profile", str(target), passphrase=PASSPHRASE)
            assert check.returncode == 0, f"{where}: {check.stdout}{check.stderr}"
            shutil.rmtree(target)
            placed += 1
        else:
            assert not target.exists() or not any(target.iterdir()), where

    result = init(target)
    assert result.returncode == 0, result.stderr
    assert hidden_siblings(target) == []
    assert placed < ROUNDS


def test_a_killed_demo_leaves_nothing_the_next_run_does_not_remove(tmp_path):
    target = tmp_path / "demo"
    child = spawn("demo", "--profile", str(target))
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(f".demo.{child.pid}-*.init/permanence.db-wal")):
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(0.5)  # generating
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert not target.exists() and hidden_siblings(target)
    old = tmp_path / ".demo.a1b2c3d4.partial"  # left by an older version
    (old / "logs").mkdir(parents=True)
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    ws = generate_demo(ProfilePaths(target), size=DemoSize(practitioners=1, patients=20),
                       clock=SystemClock(), kdf=KdfParams(memory_kib=8 * 1024, iterations=1,
                                                          lanes=1))
    ws.close()
    assert hidden_siblings(target) == []
    assert ProfilePaths(target).is_profile()
