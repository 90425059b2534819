"""A sync folder on this computer's file system: a network share, a USB key, a folder
Syncthing or Nextcloud keeps in step.

Other people and programs write in that folder, so nothing in it is trusted: every
folder on the way to a file is checked to be a real folder (a symbolic link or a
Windows junction is refused, never followed), files are opened without following a
link and must be plain files, and a file is replaced only by a rename, after its new
content has reached the disk. (The checks are made by name: someone able to swap a
checked folder for a link in the instant between the check and the use could still
redirect one operation; what is read is then refused by its signature.)
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path as FsPath

from app.storage.errors import write_failure
from app.sync.transport.base import FILE, FOLDER, OTHER, Entry, Path, checked, temp_name
from app.sync.transport.errors import (
    BatchTooLarge,
    TargetMissing,
    TransportError,
    UnsafeEntry,
    os_reason,
)

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)
# A pipe planted at a batch's name must not block the read.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _is_link(st: os.stat_result) -> bool:
    # A junction is Windows' link to a folder; os.lstat reports it as a reparse point.
    reparse = getattr(st, "st_reparse_tag", 0)
    return stat.S_ISLNK(st.st_mode) or bool(reparse)


class FolderTransport:
    def __init__(self, root: os.PathLike | str) -> None:
        self.where = os.fspath(root)
        try:
            # The root itself may be reached through a link (a mounted share's alias):
            # the user chose it. Below it, nothing is followed.
            resolved = FsPath(root).resolve(strict=True)
            if not resolved.is_dir():
                raise TargetMissing(self.where)
        except OSError as exc:
            raise TargetMissing(self.where) from exc
        self.root = resolved

    # -- the folders on the way ----------------------------------------------------
    def _folder(self, folder: tuple[str, ...], *, create: bool = False) -> FsPath | None:
        """The path of ``folder`` after checking each step is a real folder; None when
        one is missing (and ``create`` is false)."""
        here = self.root
        if not here.is_dir():
            raise TargetMissing(self.where)  # unplugged since it was opened
        for name in folder:
            here = here / name
            try:
                st = os.lstat(here)
            except FileNotFoundError:
                if not create:
                    return None
                try:
                    os.mkdir(here, 0o700)
                except FileExistsError:
                    pass  # another writer made it meanwhile: checked below
                except OSError as exc:
                    raise self._failure(exc, here) from exc
                st = os.lstat(here)
            except OSError as exc:
                raise self._failure(exc, here, writing=create) from exc
            if _is_link(st) or not stat.S_ISDIR(st.st_mode):
                raise UnsafeEntry(self.where, self._shown(here))
        return here

    def _shown(self, path: FsPath) -> str:
        return str(path.relative_to(self.root))

    def _failure(self, exc: OSError, path: FsPath, *, writing: bool = True) -> Exception:
        cannot = write_failure(exc, path) if writing else None
        if cannot is not None:
            return cannot
        if exc.errno == errno.ELOOP:
            return UnsafeEntry(self.where, self._shown(path))
        return TransportError(self.where, f"{self._shown(path)}: {os_reason(exc)}")

    # -- the protocol --------------------------------------------------------------
    def list(self, folder: Path) -> list[Entry]:
        where = self._folder(checked(folder))
        if where is None:
            return []
        entries = []
        try:
            with os.scandir(where) as found:
                for item in found:
                    try:
                        st = item.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # removed while listed
                    if _is_link(st):
                        kind = OTHER
                    elif stat.S_ISREG(st.st_mode):
                        kind = FILE
                    elif stat.S_ISDIR(st.st_mode):
                        kind = FOLDER
                    else:
                        kind = OTHER
                    entries.append(Entry(item.name, kind, st.st_size, st.st_mtime))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._failure(exc, where, writing=False) from exc
        return entries

    def read(self, path: Path, limit: int) -> bytes | None:
        *parents, name = checked(path)
        where = self._folder(tuple(parents))
        if where is None:
            return None
        target = where / name
        try:
            if not _NOFOLLOW and _is_link(os.lstat(target)):  # Windows: no O_NOFOLLOW
                raise UnsafeEntry(self.where, self._shown(target))
            fd = os.open(target, os.O_RDONLY | _NOFOLLOW | _BINARY | _NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._failure(exc, target, writing=False) from exc
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise UnsafeEntry(self.where, self._shown(target))
            if st.st_size > limit:
                raise BatchTooLarge(self.where, self._shown(target))
            chunks, total = [], 0
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:  # still growing: someone writes it in place
                    raise BatchTooLarge(self.where, self._shown(target))
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError as exc:
            raise self._failure(exc, target, writing=False) from exc
        finally:
            os.close(fd)

    def write(self, path: Path, data: bytes, *, replace: bool = False) -> bool:
        *parents, name = checked(path)
        where = self._folder(tuple(parents))
        if where is None:
            raise TargetMissing(self.where)
        target, temp = where / name, where / temp_name(name)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY,
                         0o600)
        except OSError as exc:
            raise self._failure(exc, temp) from exc
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            if replace:
                os.replace(temp, target)
                written = True
            else:
                written = self._rename_new(temp, target)
            _sync_folder(where)
            return written
        except OSError as exc:
            raise self._failure(exc, target) from exc
        finally:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
            except OSError:
                pass  # left for the next prune; readers ignore temporary names

    def _rename_new(self, temp: FsPath, target: FsPath) -> bool:
        """Give ``temp`` the name ``target`` unless that name exists: a hard link fails
        atomically then. File systems without hard links (FAT, some shares) get a
        check then a rename; only this node writes in its own folders."""
        try:
            os.link(temp, target)
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                                 errno.EMLINK, errno.EINVAL, getattr(errno, "ENOSYS", -1)):
                raise
        if os.path.lexists(target):
            return False
        os.rename(temp, target)
        return True

    def delete(self, path: Path) -> None:
        *parents, name = checked(path)
        where = self._folder(tuple(parents))
        if where is None:
            return
        try:
            os.unlink(where / name)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self._failure(exc, where / name) from exc

    def make_folders(self, folder: Path) -> None:
        self._folder(checked(folder), create=True)

    def close(self) -> None:
        pass


def _sync_folder(folder: FsPath) -> None:
    """Make a rename durable (POSIX); Windows cannot open a folder, and needs not."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some network file systems refuse it; the rename is done
    finally:
        os.close(fd)
