"""Logging that cannot leak patient data.

Log records carry our own messages only. Uncaught exceptions are logged as their type
and stack frames, without the exception text (which may hold values a user typed) and
without local variables. SQLAlchemy engines hide bound parameters for the same reason.
"""

from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

log = logging.getLogger("permanence")


def configure(log_dir: Path | None, *, verbose: bool = False) -> None:
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(RotatingFileHandler(log_dir / "permanence.log", maxBytes=1_000_000,
                                            backupCount=3, encoding="utf-8"))
    if verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(level=logging.INFO, handlers=handlers or [logging.NullHandler()],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)


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
    """No core dumps: a dump of this process would hold the database key."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
