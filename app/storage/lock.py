"""One running instance per profile.

The lock is an OS lock on ``permanence.lock``. Deleting that file while an instance
runs would let a second one lock a new file of the same name: so the instance checks,
before each write, that the file it locked is still the one in the folder (one
``stat``). If it is gone or replaced, it locks the new one if it is free, else it
refuses to write (``LockLostError``).
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from app.storage.errors import LockLostError, ProfileLockedError, write_failure

LOCK_FILE = "permanence.lock"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


class ProfileLock:
    def __init__(self, root: Path) -> None:
        self._path = Path(root) / LOCK_FILE
        self._lock = self._new_lock()
        self._held: tuple[int, int] | None = None

    def _new_lock(self) -> FileLock:
        return FileLock(str(self._path), timeout=0, mode=0o600)

    def acquire(self) -> None:
        self._take(self._lock)

    def _take(self, lock: FileLock) -> None:
        try:
            lock.acquire()
        except Timeout as exc:
            raise ProfileLockedError(str(exc)) from exc
        except OSError as exc:  # a read-only folder or lock file, a full disk...
            failure = write_failure(exc, self._path)
            if failure is None:
                raise
            raise failure from exc
        self._held = _identity(self._path)

    def ensure_held(self) -> None:
        """Before a write: raise ``LockLostError`` if another instance holds the profile
        since our lock file was deleted; lock the new file if nobody does."""
        if self._held is not None and _identity(self._path) == self._held:
            return
        fresh = self._new_lock()
        try:
            self._take(fresh)
        except ProfileLockedError as exc:
            raise LockLostError(str(self._path)) from exc
        stale, self._lock = self._lock, fresh
        if stale.is_locked:
            stale.release(force=True)

    def release(self) -> None:
        self._held = None
        if self._lock.is_locked:
            self._lock.release(force=True)

    def __enter__(self) -> ProfileLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
