"""The benchmarks stay runnable: each one measured on a small generated practice, one
pass, through its own command line. The figures are not judged here (a shared test
machine is no place for them); a benchmark that no longer runs is."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.clock import FrozenClock
from app.demo import DemoSize, generate_demo
from app.storage.profile import ProfilePaths
from bench.profiles import PASSPHRASE

ROOT = Path(__file__).resolve().parent.parent
# Whether a benchmark runs does not depend on the Python it runs on: once per CI run.
pytestmark = pytest.mark.slow
AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "cabinet"
    # The benchmarks open it as a user would: the production key derivation, the
    # benchmark's passphrase.
    ws = generate_demo(ProfilePaths(root), size=DemoSize(practitioners=2, patients=80,
                                                         contacts=20, appointments=200,
                                                         months_back=1, months_ahead=1,
                                                         calls=300),
                       seed=5, passphrase=PASSPHRASE, clock=FrozenClock(AT))
    ws.close()
    return root


@pytest.mark.parametrize("module, expected", [
    ("bench.patient_search", "search p95"),
    ("bench.directory", "p95"),
    ("bench.calls", "p95"),
    ("bench.exporting", "CSV"),
    ("bench.backup", "backup"),
    ("bench.day_report", "day report PDF"),
    ("bench.ring_panel", "channel to painted panel"),
    ("bench.bench_sync_round", "first batch"),
])
def test_the_benchmark_runs(profile, module, expected):
    result = subprocess.run([sys.executable, "-m", module, "--profile", str(profile),
                             "--runs", "1"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert expected in result.stdout, result.stdout
