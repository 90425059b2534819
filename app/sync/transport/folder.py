"""A sync folder on this computer's file system: a network share, a USB key, a folder
Syncthing or Nextcloud keeps in step.

Other people and programs write in that folder, so nothing in it is trusted: below the
folder the user gave, a symbolic link (or a Windows junction) is never followed, files
are opened only if they are plain files, and a file gets its name only by a rename,
after its content has reached the disk. On POSIX systems each folder on the way is held
open and the next name looked up inside it (``openat`` and friends), so a folder
swapped for a link after it was checked is not followed either; elsewhere each step is
checked by name just before it is used.
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
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_BINARY = getattr(os, "O_BINARY", 0)
# A pipe planted at a batch's name must not block the read.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
HELD_OPEN = (os.name == "posix" and bool(_NOFOLLOW and _DIRECTORY)
             and {os.open, os.stat, os.mkdir, os.unlink, os.link, os.rename}
             <= os.supports_dir_fd and os.scandir in os.supports_fd)
# link() fails this way where the file system has no hard links (FAT, some shares).
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK,
                  errno.EINVAL, getattr(errno, "ENOSYS", -1)}


class _Unsafe(Exception):
    """A link or not a folder where a folder is expected; named by the transport."""


def _is_link(st: os.stat_result) -> bool:
    # A junction is Windows' link to a folder; os.lstat reports it as a reparse point.
    return stat.S_ISLNK(st.st_mode) or bool(getattr(st, "st_reparse_tag", 0))


class _Folder:
    """A folder reached without following a link: held open (``fd``) where the system
    allows, otherwise known by its path. Names given to its methods are plain names
    inside it."""

    def __init__(self, path: FsPath, fd: int | None) -> None:
        self.path, self.fd = path, fd

    def _at(self, name: str) -> str:
        return name if self.fd is not None else str(self.path / name)

    def child(self, name: str, *, create: bool) -> _Folder | None:
        """The folder ``name`` inside this one; None when it is missing and ``create``
        is false. A link or anything but a folder there raises ``_Unsafe``."""
        try:
            return self._child(name)
        except FileNotFoundError:
            if not create:
                return None
        try:
            self.mkdir(name)
        except FileExistsError:
            pass  # another writer made it meanwhile: checked as any other
        return self._child(name)

    def _child(self, name: str) -> _Folder:
        try:
            if self.fd is not None:
                fd = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=self.fd)
                return _Folder(self.path / name, fd)
            st = os.lstat(self.path / name)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise _Unsafe(name) from exc
            raise
        if _is_link(st) or not stat.S_ISDIR(st.st_mode):
            raise _Unsafe(name)
        return _Folder(self.path / name, None)

    def lstat(self, name: str) -> os.stat_result:
        if self.fd is not None:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        return os.lstat(self.path / name)

    def open(self, name: str, flags: int, mode: int = 0o600) -> int:
        if self.fd is not None:
            return os.open(name, flags | _NOFOLLOW, mode, dir_fd=self.fd)
        if not _NOFOLLOW:  # Windows: no O_NOFOLLOW; a link is refused before
            try:
                if _is_link(os.lstat(self.path / name)):
                    raise OSError(errno.ELOOP, "a link", str(self.path / name))
            except FileNotFoundError:
                pass
        return os.open(self.path / name, flags | _NOFOLLOW, mode)

    def mkdir(self, name: str) -> None:
        if self.fd is not None:
            os.mkdir(name, 0o700, dir_fd=self.fd)
        else:
            os.mkdir(self.path / name, 0o700)

    def unlink(self, name: str) -> None:
        if self.fd is not None:
            os.unlink(name, dir_fd=self.fd)
        else:
            os.unlink(self.path / name)

    def link(self, source: str, name: str) -> None:
        """A second name for ``source``, refused when ``name`` exists."""
        if self.fd is not None:
            os.link(source, name, src_dir_fd=self.fd, dst_dir_fd=self.fd,
                    follow_symlinks=False)
        else:
            os.link(self.path / source, self.path / name)

    def replace(self, source: str, name: str) -> None:
        if self.fd is not None:
            os.rename(source, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)  # replaces
        else:
            os.replace(self.path / source, self.path / name)

    def exists(self, name: str) -> bool:
        try:
            self.lstat(name)
            return True
        except FileNotFoundError:
            return False

    def scandir(self):
        return os.scandir(self.fd if self.fd is not None else self.path)

    def sync(self) -> None:
        """Make the renames done in it durable (POSIX; Windows needs not, and cannot)."""
        if self.fd is None:
            return
        try:
            os.fsync(self.fd)
        except OSError:
            pass  # some network file systems refuse it; the rename is done

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> _Folder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FolderTransport:
    """``held_open``: look names up inside open folders (the default where the system
    can); False checks them by path, as on Windows."""

    def __init__(self, root: os.PathLike | str, *, held_open: bool = HELD_OPEN) -> None:
        self.where = os.fspath(root)
        self.held_open = held_open and HELD_OPEN
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
    def _open(self, folder: tuple[str, ...], *, create: bool = False) -> _Folder | None:
        """``folder`` (a path below the root), reached step by step without following
        a link; None when a step is missing (and ``create`` is false). The caller
        closes it."""
        try:
            fd = os.open(self.root, os.O_RDONLY | _DIRECTORY) if self.held_open else None
        except OSError as exc:
            raise TargetMissing(self.where) from exc  # unplugged since it was opened
        if fd is None and not self.root.is_dir():
            raise TargetMissing(self.where)
        here = _Folder(self.root, fd)
        for n, name in enumerate(folder):
            try:
                below = here.child(name, create=create)
            except _Unsafe as exc:
                raise UnsafeEntry(self.where, "/".join(folder[:n + 1])) from exc
            except OSError as exc:
                raise self._failure(exc, folder[:n + 1], writing=create) from exc
            finally:
                here.close()
            if below is None:
                return None
            here = below
        return here

    def _failure(self, exc: OSError, parts: tuple[str, ...], *,
                 writing: bool = True) -> Exception:
        shown = "/".join(parts)
        cannot = write_failure(exc, self.root.joinpath(*parts)) if writing else None
        if cannot is not None:
            return cannot
        if exc.errno == errno.ELOOP:
            return UnsafeEntry(self.where, shown)
        return TransportError(self.where, f"{shown}: {os_reason(exc)}")

    # -- the protocol --------------------------------------------------------------
    def list(self, folder: Path) -> list[Entry]:
        parts = checked(folder)
        here = self._open(parts)
        if here is None:
            return []
        entries = []
        try:
            with here, here.scandir() as found:
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
        except OSError as exc:
            raise self._failure(exc, parts, writing=False) from exc
        return entries

    def read(self, path: Path, limit: int) -> bytes | None:
        parts = checked(path)
        here = self._open(parts[:-1])
        if here is None:
            return None
        with here:
            try:
                fd = here.open(parts[-1], os.O_RDONLY | _BINARY | _NONBLOCK)
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise self._failure(exc, parts, writing=False) from exc
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise UnsafeEntry(self.where, "/".join(parts))
            if st.st_size > limit:
                raise BatchTooLarge(self.where, "/".join(parts))
            chunks, total = [], 0
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:  # still growing: someone writes it in place
                    raise BatchTooLarge(self.where, "/".join(parts))
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError as exc:
            raise self._failure(exc, parts, writing=False) from exc
        finally:
            os.close(fd)

    def write(self, path: Path, data: bytes, *, replace: bool = False) -> bool:
        parts = checked(path)
        name = parts[-1]
        here = self._open(parts[:-1])
        if here is None:
            raise TargetMissing(self.where)
        temp = temp_name(name)
        with here:
            try:
                fd = here.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY)
            except OSError as exc:
                raise self._failure(exc, parts[:-1] + (temp,)) from exc
            try:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if replace:
                    here.replace(temp, name)
                    written = True
                else:
                    written = self._rename_new(here, temp, name)
                here.sync()
                return written
            except OSError as exc:
                raise self._failure(exc, parts) from exc
            finally:
                try:
                    here.unlink(temp)
                except OSError:
                    pass  # renamed; or left for the next prune (readers ignore it)

    @staticmethod
    def _rename_new(here: _Folder, temp: str, name: str) -> bool:
        """Give ``temp`` the name ``name`` unless that name exists: a hard link fails
        atomically then. File systems without hard links (FAT, some shares) get a
        check then a rename; only this node writes in its own folders."""
        try:
            here.link(temp, name)
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
        if here.exists(name):
            return False
        here.replace(temp, name)
        return True

    def delete(self, path: Path) -> None:
        parts = checked(path)
        here = self._open(parts[:-1])
        if here is None:
            return
        with here:
            try:
                here.unlink(parts[-1])
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise self._failure(exc, parts) from exc

    def make_folders(self, folder: Path) -> None:
        here = self._open(checked(folder), create=True)
        if here is not None:
            here.close()

    def close(self) -> None:
        pass
