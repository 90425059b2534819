"""Storage fixtures: a helper process working on a profile (see profile_child.py)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).resolve().parent / "profile_child.py"


@pytest.fixture
def spawn_child(passphrase) -> Iterator[Callable[..., subprocess.Popen]]:
    """``spawn_child("hold", str(root), env={...})``: a Popen with text pipes on stdin,
    stdout and stderr. Children still alive at teardown are killed."""
    children: list[subprocess.Popen] = []

    def spawn(mode: str, *args: str, env: dict | None = None) -> subprocess.Popen:
        full_env = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
        full_env.update({"PYTHONPATH": str(ROOT), "PERMANENCE_PASSPHRASE": passphrase,
                         "PYTHONDONTWRITEBYTECODE": "1"})
        full_env.update(env or {})
        proc = subprocess.Popen([sys.executable, str(CHILD), mode, *args], cwd=ROOT,
                                env=full_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8")
        children.append(proc)
        return proc

    yield spawn
    for proc in children:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream:
                stream.close()


def expect_line(proc: subprocess.Popen, wanted: str, timeout: float = 30) -> None:
    """Read stdout lines until ``wanted``; fail with the child's stderr if it dies first."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"child did not say {wanted!r} in time"
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if not ready:
            continue
        line = proc.stdout.readline()
        if not line:
            proc.wait(timeout=10)
            raise AssertionError(f"child exited ({proc.returncode}) before {wanted!r}:\n"
                                 f"{proc.stderr.read()}")
        if line.strip() == wanted:
            return


@pytest.fixture
def wait_for_line() -> Callable[..., None]:
    return expect_line
