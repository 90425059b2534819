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
from app.services.errors import MessageError
from app.storage import leftovers

TEMP_PREFIX = ".permanence-export-"


class ExportError(MessageError):
    """The destination cannot be written; nothing was exported."""

    code = "export_refused"


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


def _same_folder_or_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies anywhere under it, by identity (device and
    inode), so a symlinked parent, another spelling or a case-insensitive disk cannot
    hide it."""
    try:
        protected = os.stat(folder)
    except OSError:
        return False
    for candidate in (path, *path.parents):
        try:
            if os.path.samestat(os.stat(candidate), protected):
                return True
        except OSError:
            continue  # not there yet (the file to write) or not reachable
    return False


def refuse_protected(path: Path, protected: Path | None) -> None:
    """Nothing is ever written into the practice's profile folder: an export there could
    replace the database or its key envelope, and every patient would be lost."""
    if protected is not None and _same_folder_or_inside(path, protected):
        raise ExportError(_("{path} is inside the practice's profile folder ({folder}), which "
                            "holds the database and its keys. Choose another folder; nothing "
                            "was written.").format(path=path, folder=protected))


def refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise ExportError(_("{path} is a symbolic link; Permanence does not write through "
                            "links. Choose another name; nothing was written.").format(path=path))


class DestinationExists(ExportError):
    """The file is there and replacing it was not asked for."""

    code = "destination_exists"


def exists_error(path: Path) -> DestinationExists:
    return DestinationExists(_("{path} already exists; nothing was written.").format(path=path))


def check_file_destination(path: Path, *, protected: Path | None,
                           overwrite: bool = False) -> None:
    """Refuse, before anything is written: a folder, a missing folder, the profile folder,
    a symbolic link, and an existing file unless ``overwrite``."""
    refuse_link(path)
    if path.is_dir():
        raise ExportError(_("{path} is a folder; give a file name.").format(path=path))
    if not path.parent.is_dir():
        raise ExportError(_("The folder {folder} does not exist.").format(folder=path.parent))
    refuse_protected(path, protected)
    if path.exists() and not overwrite:
        raise exists_error(path)


def check_folder_destination(path: Path, *, protected: Path | None) -> None:
    refuse_link(path)
    if path.exists() and not path.is_dir():
        raise ExportError(_("{path} is a file; give a new or empty folder.").format(path=path))
    if not path.parent.is_dir():
        raise ExportError(_("The folder {folder} does not exist.").format(folder=path.parent))
    refuse_protected(path, protected)
    if path.is_dir() and any(path.iterdir()):
        raise ExportError(_("The folder {path} is not empty; give a new or empty folder.")
                          .format(path=path))


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary exports a killed process left in ``folder`` (they hold patient data):
    ours only, by their prefix, and only once their writer is gone."""
    leftovers.remove_stale(folder, TEMP_PREFIX, ".part", legacy=True)  # TempFile
    leftovers.remove_stale(folder, TEMP_PREFIX, legacy=True)  # TempFolder (no suffix)


class TempFile:
    """A hidden temporary file beside ``target``; ``place()`` renames it into place.
    Its name carries the writer's pid, so that the next export can tell the leftovers
    of a killed one from a running one's."""

    def __init__(self, target: Path, *, overwrite: bool = False) -> None:
        self.target = target
        self.overwrite = overwrite
        remove_stale_temporaries(target.parent)
        try:
            fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX + leftovers.writer_tag(),
                                        suffix=".part", dir=target.parent)
        except OSError as exc:
            raise cannot_write(target.parent, exc) from exc
        self.path = Path(name)
        os.close(fd)

    def place(self) -> None:
        """Rename into place. Checked again here, as the folder may have changed while
        the export ran: a link planted meanwhile is refused, and without ``overwrite`` a
        file that appeared meanwhile is kept (a hard link fails on an existing name)."""
        refuse_link(self.target)
        try:
            if self.overwrite:
                os.replace(self.path, self.target)
                return
            try:
                os.link(self.path, self.target)
            except FileExistsError:
                raise exists_error(self.target) from None
            except OSError:  # a disk without hard links (FAT, some shares)
                if os.path.lexists(self.target):
                    raise exists_error(self.target) from None
                os.replace(self.path, self.target)
                return
            os.unlink(self.path)
        except ExportError:
            raise
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
        refuse_link(self.target)
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
