"""One running instance per profile."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from app.storage.errors import ProfileLockedError


class ProfileLock:
    def __init__(self, root: Path) -> None:
        self._lock = FileLock(str(root / "permanence.lock"), timeout=0)

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise ProfileLockedError(str(exc)) from exc

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)

    def __enter__(self) -> ProfileLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
