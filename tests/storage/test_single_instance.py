"""One running instance per profile: a second opener is told so, and nothing is touched."""

from __future__ import annotations

import pytest

from app.services.workspace import open_workspace
from app.storage.errors import ProfileLockedError
from app.storage.profile import open_profile, unlock_key
from tests.conftest import FAST_KDF


@pytest.fixture
def closed(workspace, passphrase):
    paths = workspace.paths
    workspace.close()
    return paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)


def test_second_process_is_refused_until_the_first_closes(closed, clock, spawn_child,
                                                          wait_for_line, profile_snapshot,
                                                          french_message):
    paths, key = closed
    holder = spawn_child("hold", str(paths.root))
    wait_for_line(holder, "READY")
    before = profile_snapshot(paths.root)  # the holder is idle: its WAL and SHM too
    assert "permanence.db-wal" in before
    with pytest.raises(ProfileLockedError) as info:
        open_workspace(paths, key, clock=clock)
    assert profile_snapshot(paths.root) == before
    assert info.value.exit_code == 4
    french_message(lambda: info.value.user_message, "déjà")

    holder.stdin.write("close\n")
    holder.stdin.flush()
    wait_for_line(holder, "CLOSED")
    assert holder.wait(timeout=20) == 0
    ws = open_workspace(paths, key, clock=clock)
    ws.close()


def test_same_process_second_open_is_refused(closed, clock):
    paths, key = closed
    first = open_profile(paths, key, clock=clock)
    try:
        with pytest.raises(ProfileLockedError):
            open_profile(paths, key, clock=clock)
        # The refused attempt did not release the first holder's lock.
        with pytest.raises(ProfileLockedError):
            open_profile(paths, key, clock=clock)
    finally:
        first.close()
    second = open_profile(paths, key, clock=clock)
    second.close()


def test_lock_is_released_when_opening_fails(closed, clock):
    """A refused open (here: the wrong key) must not leave the profile locked."""
    from app.storage.errors import CorruptDatabaseError
    from app.storage.keys import new_database_key

    paths, key = closed
    with pytest.raises(CorruptDatabaseError):
        open_profile(paths, new_database_key(), clock=clock)
    open_profile(paths, key, clock=clock).close()
