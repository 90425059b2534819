"""Files and folders readable by their owner only, whatever the umask.

The process runs with umask 077 (``harden_process``), but the storage and the
services are also used without it (tests, scripts): everything that may hold practice
data is created with an explicit owner-only mode as well.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
_POSIX = os.name == "posix"


def make_private_dirs(path: Path) -> Path:
    """``mkdir -p`` where each folder created is owner-only (existing ones are left as
    they are: a parent such as /tmp is not ours)."""
    missing = []
    at = Path(path)
    while not at.exists() and at != at.parent:
        missing.append(at)
        at = at.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue
        restrict(folder)  # mkdir's mode goes through the umask
    if not Path(path).is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    return Path(path)


def restrict(path: Path) -> None:
    """Make a file or folder of ours owner-only."""
    if _POSIX:
        mode = DIR_MODE if Path(path).is_dir() else FILE_MODE
        if os.stat(path).st_mode & 0o777 != mode:
            os.chmod(path, mode)


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """``os.open`` with an owner-only mode, also for a file that already existed."""
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    if _POSIX:
        try:
            os.fchmod(fd, FILE_MODE)
        except BaseException:
            os.close(fd)
            raise
    return fd


def touch_private(path: Path) -> Path:
    """An owner-only file at ``path`` (empty if new), for a writer that keeps the mode
    of an existing file (SQLite, Qt)."""
    os.close(open_private(path, os.O_WRONLY | os.O_CREAT))
    return Path(path)


def write_private(path: Path, data: bytes) -> None:
    with os.fdopen(open_private(path), "wb") as fh:
        fh.write(data)


def exposed(path: Path) -> bool:
    """Readable, writable or searchable by the group or by others (POSIX)."""
    if not _POSIX:
        return False
    try:
        return bool(path.stat().st_mode & 0o077)
    except OSError:
        return False
