"""Deleting permanence.lock while an instance runs does not let a second one write
unnoticed: before each write the first checks that the file it locked is still there.
Two real processes (profile_child.py "writer"), a real lock file, a real deletion."""

from __future__ import annotations

import select
import sys
import time

import pytest
from sqlalchemy import select as sql_select

from app.models import Patient
from app.services.workspace import open_workspace
from tests.conftest import FAST_KDF
from app.storage.errors import ProfileLockedError
from app.storage.lock import LOCK_FILE
from app.storage.profile import unlock_key

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="an open file cannot be deleted on Windows")


def ask(proc, command: str, timeout: float = 30) -> str:
    """Send one command line to the child, return its answer line."""
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no answer to {command!r}"
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if ready:
            line = proc.stdout.readline()
            assert line, f"child exited ({proc.wait(timeout=10)}):\n{proc.stderr.read()}"
            return line.strip()


@pytest.fixture
def closed(workspace, passphrase):
    paths = workspace.paths
    workspace.close()
    return paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)


def names(paths, key, clock) -> set[str]:
    ws = open_workspace(paths, key, clock=clock)
    try:
        with ws.store.reader() as s:
            return set(s.execute(sql_select(Patient.birth_name)).scalars())
    finally:
        ws.close()


def test_a_second_instance_after_the_lock_file_is_deleted_stops_the_first_writing(
        closed, clock, spawn_child, wait_for_line):
    paths, key = closed
    first = spawn_child("writer", str(paths.root), "A")
    wait_for_line(first, "READY")
    assert ask(first, "write").startswith("WROTE")
    (paths.root / LOCK_FILE).unlink()

    second = spawn_child("writer", str(paths.root), "B")  # a new lock file, free: it opens
    wait_for_line(second, "READY")
    assert ask(second, "write").startswith("WROTE")
    assert ask(first, "write") == "REFUSED 4"  # noticed, and nothing written
    assert ask(first, "write") == "REFUSED 4"
    assert ask(second, "write").startswith("WROTE")

    assert ask(second, "close") == "CLOSED"
    assert ask(first, "close") == "CLOSED"
    assert names(paths, key, clock) == {"Ax0", "Bx0", "Bx1"}


def test_the_first_instance_locks_the_new_file_before_a_second_comes(closed, clock,
                                                                     spawn_child,
                                                                     wait_for_line):
    paths, key = closed
    first = spawn_child("writer", str(paths.root), "A")
    wait_for_line(first, "READY")
    (paths.root / LOCK_FILE).unlink()
    assert ask(first, "write").startswith("WROTE")  # it takes the new lock file
    assert (paths.root / LOCK_FILE).exists()
    with pytest.raises(ProfileLockedError):
        open_workspace(paths, key, clock=clock)
    assert ask(first, "close") == "CLOSED"
    assert names(paths, key, clock) == {"Ax0"}
