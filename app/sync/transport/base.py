"""What a transport does, over bytes: list a folder, read, write atomically, delete,
make folders. Paths are tuples of names under the transport's root, each checked
here, so no transport can be asked for ``..``, an absolute path or a hidden name."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import NamedTuple, Protocol

FILE, FOLDER, OTHER = "file", "folder", "other"
# A name a transport accepts: what the mailbox writes (node ids, numbered files) and the
# temporary names it writes them under. Never "." or "..", never a separator.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}|\.[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
TEMP_SUFFIX = ".tmp"

Path = Sequence[str]


class Entry(NamedTuple):
    name: str
    kind: str  # FILE, FOLDER or OTHER (a link, a device, a pipe: never followed)
    size: int
    mtime: float


def checked(path: Path) -> tuple[str, ...]:
    """``path`` as a tuple of names, each a plain name (a programming error otherwise)."""
    parts = tuple(path)
    for name in parts:
        if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
            raise ValueError(f"not a transport name: {name!r}")
    return parts


def temp_name(name: str) -> str:
    """The hidden name a file is written under before it is renamed to ``name``."""
    return f".{name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


class Transport(Protocol):
    """A folder tree reached one way or another. ``where``: how the user named it."""

    where: str

    def list(self, folder: Path) -> list[Entry]:
        """The entries of ``folder``, in no order; [] when it does not exist."""

    def read(self, path: Path, limit: int) -> bytes | None:
        """The content of a plain file; None when it does not exist. A link or a
        non-regular file raises ``UnsafeEntry``; a file over ``limit`` bytes,
        ``BatchTooLarge``."""

    def write(self, path: Path, data: bytes, *, replace: bool = False) -> bool:
        """Write ``data`` to a temporary name beside ``path``, flushed to the disk, then
        rename it to ``path``, so a reader sees all or nothing. An existing file is
        replaced only with ``replace``; otherwise it is left as it is and False is
        returned. The folder must exist."""

    def delete(self, path: Path) -> None:
        """Remove a file; nothing when it does not exist."""

    def make_folders(self, folder: Path) -> None:
        """Create ``folder`` and its parents as needed (never through a link)."""

    def close(self) -> None: ...
