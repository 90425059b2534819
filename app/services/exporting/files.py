"""Writing an export so that it appears whole or not at all.

Everything is written to a hidden sibling in the destination folder (a file, or a folder
of cards) with a random name, flushed to disk, then renamed into place: a cancelled or
failed export leaves neither a half-written file nor a stray temporary one, and what
a killed one left is removed by the next export there. The temporary names carry
nothing about patients. Created files are readable by the
current user only (``mkstemp``/``mkdtemp`` use 0600/0700): an export is patient data.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from app.i18n import _
from app.storage import leftovers

TEMP_PREFIX = ".permanence-export-"


class ExportError(Exception):
    """The destination cannot be written; nothing was exported."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _("permission denied")
    if exc.errno == errno.EROFS:
        return _("read-only disk")
    if exc.errno == errno.ENOSPC:
        return _("the disk is full")
    return exc.strerror or type(exc).__name__


def cannot_write(folder: Path, exc: OSError) -> ExportError:
    return ExportError(_("Cannot write in the folder {folder} ({reason}).").format(
        folder=folder, reason=_reason(exc)))


def check_file_destination(path: Path) -> None:
    if path.is_dir():
        raise ExportError(_("{path} is a folder; give a file name.").format(path=path))
    if not path.parent.is_dir():
        raise ExportError(_("The folder {folder} does not exist.").format(folder=path.parent))


def check_folder_destination(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise ExportError(_("{path} is a file; give a new or empty folder.").format(path=path))
    if path.is_dir() and any(path.iterdir()):
        raise ExportError(_("The folder {path} is not empty; give a new or empty folder.")
                          .format(path=path))
    if not path.parent.is_dir():
        raise ExportError(_("The folder {folder} does not exist.").format(folder=path.parent))


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary exports a killed process left in ``folder`` (they hold patient data):
    ours only, by their prefix, and only once their writer is gone."""
    leftovers.remove_stale(folder, TEMP_PREFIX, ".part", legacy=True)  # TempFile
    leftovers.remove_stale(folder, TEMP_PREFIX, legacy=True)  # TempFolder (no suffix)


class TempFile:
    """A hidden temporary file beside ``target``; ``place()`` renames it into place.
    Its name carries the writer's pid, so that the next export can tell the leftovers
    of a killed one from a running one's."""

    def __init__(self, target: Path) -> None:
        self.target = target
        remove_stale_temporaries(target.parent)
        try:
            fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX + leftovers.writer_tag(),
                                        suffix=".part", dir=target.parent)
        except OSError as exc:
            raise cannot_write(target.parent, exc) from exc
        self.path = Path(name)
        os.close(fd)

    def place(self) -> None:
        try:
            os.replace(self.path, self.target)
        except OSError as exc:
            raise cannot_write(self.target.parent, exc) from exc

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def withdraw(self) -> None:
        self.target.unlink(missing_ok=True)


class TempFolder:
    """A hidden temporary folder beside ``target``; ``place()`` renames it into place."""

    def __init__(self, target: Path) -> None:
        self.target = target
        remove_stale_temporaries(target.parent)
        try:
            self.path = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + leftovers.writer_tag(),
                                              dir=target.parent))
        except OSError as exc:
            raise cannot_write(target.parent, exc) from exc

    def place(self) -> None:
        try:
            if self.target.is_dir():
                self.target.rmdir()  # checked empty before the export started
            os.replace(self.path, self.target)
        except OSError as exc:
            raise cannot_write(self.target.parent, exc) from exc

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def withdraw(self) -> None:
        shutil.rmtree(self.target, ignore_errors=True)
