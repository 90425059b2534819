"""Logging that cannot leak patient data.

Log records carry our own messages only. Uncaught exceptions are logged as their type
and stack frames, without the exception text (which may hold values a user typed) and
without local variables. SQLAlchemy engines hide bound parameters for the same reason.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app.storage.private import make_private_dirs, open_private

log = logging.getLogger("permanence")


class _PrivateLogHandler(RotatingFileHandler):
    """The log file, owner-only; a write the disk refuses (full, read-only, size limit)
    drops that record instead of printing a traceback on the terminal."""

    def _open(self):
        fd = open_private(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def configure(log_dir: Path | None, *, verbose: bool = False) -> OSError | None:
    """Log to ``log_dir`` (and the terminal if ``verbose``). Returns the error when the
    log file cannot be written: the program then goes on without it, and the caller
    says so."""
    handlers: list[logging.Handler] = []
    failure = None
    if log_dir is not None:
        try:
            make_private_dirs(log_dir)
            handlers.append(_PrivateLogHandler(log_dir / "permanence.log", maxBytes=1_000_000,
                                               backupCount=3, encoding="utf-8"))
        except OSError as exc:
            failure = exc
    if verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(level=logging.INFO, handlers=handlers or [logging.NullHandler()],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    return failure


def scrubbed_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [f"  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames]
    return f"{type(exc).__module__}.{type(exc).__qualname__}\n" + "\n".join(lines)


def install_excepthook() -> None:
    def hook(exc_type, exc, tb):
        if exc is not None and exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        log.error("uncaught exception: %s", scrubbed_traceback(exc))
        sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook


def harden_process() -> None:
    """No core dumps: a dump of this process would hold the database key. Files and
    folders created are owner-only (umask 077). A write beyond the file-size limit
    (``ulimit -f``) fails with EFBIG, reported like a full disk, instead of SIGXFSZ
    killing the process in the middle of it."""
    os.umask(0o077)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
