"""Temporary files and folders named after the process writing them, and cleaning
those a killed process left behind.

A temporary name is ``<prefix><pid>-<random><suffix>`` (``tempfile``'s eight random
characters). On the next run, an entry named so is stale when its writer is gone: no
process has that pid any more, or the process that has it started after the entry was
last written (the pid was reused). With ``legacy``, an entry without a pid (written by
an older version) is stale when it is older than this process. Entries of live
writers, our own, and anything else in the folder are left alone.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

_STARTED = time.time()
_RANDOM = r"[a-z0-9_]{8}"
_TAGGED = re.compile(rf"(\d+)-{_RANDOM}")
_LEGACY = re.compile(_RANDOM)


def writer_tag() -> str:
    """The part of a temporary name that says which process writes it."""
    return f"{os.getpid()}-"


def stale_entries(folder: Path, prefix: str, suffix: str = "", *,
                  legacy: bool = False) -> Iterator[Path]:
    """The stale entries of ``folder`` named ``prefix…suffix`` (never a symbolic link:
    we never make one, so it is not ours to remove)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        rest = name[len(prefix):len(name) - len(suffix)]
        tagged = _TAGGED.fullmatch(rest)
        if tagged is None and not (legacy and _LEGACY.fullmatch(rest)):
            continue
        path = Path(folder) / name
        try:
            st = path.lstat()
        except OSError:
            continue
        if path.is_symlink():
            continue
        pid = int(tagged[1]) if tagged else None
        if _is_stale(pid, st.st_mtime):
            yield path


def remove(path: Path) -> None:
    """Remove a stale file or folder; one that cannot be removed stays (never fatal)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        pass


def remove_stale(folder: Path, prefix: str, suffix: str = "", *, legacy: bool = False) -> None:
    for path in list(stale_entries(folder, prefix, suffix, legacy=legacy)):
        remove(path)


def _is_stale(pid: int | None, mtime: float) -> bool:
    if pid is None:
        return mtime < _STARTED
    if pid == os.getpid():
        return False
    if not _alive(pid):
        return True
    started = _process_start(pid)
    return started is not None and started > mtime + 1


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return True
    return True


def _alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _process_start(pid: int) -> float | None:
    """When ``pid`` started (seconds since the epoch), where the system tells (Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        with open("/proc/stat", "rb") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith(b"btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None
