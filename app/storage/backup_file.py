"""The backup file: one sealed archive holding a profile's files.

A backup is a plain tar archive (ustar), so that it can be inspected with ``tar tvf``
anywhere; its members are, in order:

- ``manifest.json``: the format and its version, when it was made, the schema revision
  and the practice's id, and the name, size and SHA-256 of every other member;
- the files of the profile: the database copy (``permanence.db``, encrypted by
  SQLCipher with the practice's key), its key envelope (``keys.json``, encrypted with
  the secrets that open the practice) and whatever else the practice needs to open;
- ``SEAL``: the SHA-256 of every byte before its header.

The seal member and the end-of-archive blocks after it are rebuilt byte for byte when
verifying, so a single byte changed anywhere in the file is detected, with no secret.
Nothing in the file is in clear but the manifest, which holds no patient data.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.i18n import _
from app.errors import ExitCode
from app.storage.errors import StorageError

FORMAT = "permanence-backup"
FORMAT_VERSION = 1
SUFFIX = ".permanence-backup"
MANIFEST = "manifest.json"
SEAL = "SEAL"
DATABASE = "permanence.db"
ENVELOPE = "keys.json"
_BLOCK = tarfile.BLOCKSIZE
_CHUNK = 1 << 20
# A member name: relative, forward slashes, no "..", no hidden or odd characters.
_NAME = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}/){0,4}[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
MAX_MANIFEST = 1 << 20


class BackupDamaged(StorageError):
    """The file is not a whole, unaltered Permanence backup; ``reason`` says what is wrong."""

    code = "backup_damaged"
    exit_code = ExitCode.DAMAGED

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    @property
    def user_message(self) -> str:
        return _("{path} is not a usable Permanence backup: {reason}").format(
            path=self.path, reason=self.reason)


class NewerBackupFormat(BackupDamaged):
    """Written by a newer Permanence, in a format this one does not know."""

    code = "backup_newer"
    exit_code = ExitCode.DAMAGED


class BackupNotFound(BackupDamaged):
    """No file at the path given (or a folder): the user's mistake, not damage."""

    code = "backup_not_found"
    exit_code = ExitCode.BAD_INPUT


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    schema_revision: str
    practice_id: str
    members: tuple[Member, ...]
    app_version: str = ""

    def to_json(self) -> bytes:
        return json.dumps({
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": self.created_at,
            "schema_revision": self.schema_revision, "practice_id": self.practice_id,
            "app_version": self.app_version,
            "files": [{"name": m.name, "size": m.size, "sha256": m.sha256}
                      for m in self.members],
        }, indent=2, sort_keys=True).encode("utf-8")


def valid_member_name(name: str) -> bool:
    return bool(_NAME.match(name)) and name not in (MANIFEST, SEAL) and ".." not in name


def file_digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def _header(name: str, size: int) -> bytes:
    """A ustar header that depends on the name and size only."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = 0
    info.type = tarfile.REGTYPE
    return info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "strict")


def _padding(size: int) -> bytes:
    return b"\0" * (-size % _BLOCK)


def _seal_tail(digest: str) -> bytes:
    body = f"sha256 {digest}\n".encode("ascii")
    return _header(SEAL, len(body)) + body + _padding(len(body)) + b"\0" * (2 * _BLOCK)


class _Hashing:
    """A writer that hashes what goes through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.h = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.h.update(data)
        self.fh.write(data)


def write_archive(fh: BinaryIO, manifest: Manifest, files: Iterable[tuple[str, Path]]) -> None:
    """Write the archive to ``fh``: the manifest, each ``(name, path)`` in order (as
    listed in the manifest, whose sizes and digests they must match), then the seal."""
    out = _Hashing(fh)
    data = manifest.to_json()
    out.write(_header(MANIFEST, len(data)) + data + _padding(len(data)))
    for (name, path), member in zip(files, manifest.members, strict=True):
        assert name == member.name
        out.write(_header(name, member.size))
        written = 0
        with open(path, "rb") as src:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
                written += len(chunk)
        if written != member.size:
            raise OSError(f"{name} changed while it was archived")
        out.write(_padding(written))
    fh.write(_seal_tail(out.h.hexdigest()))


@dataclass(frozen=True)
class Opened:
    """A verified backup: its manifest and where each member's bytes are in the file."""

    path: Path
    manifest: Manifest
    offsets: dict[str, int]

    def read_member(self, name: str) -> Iterator[bytes]:
        member = next(m for m in self.manifest.members if m.name == name)
        with open(self.path, "rb") as fh:
            fh.seek(self.offsets[name])
            left = member.size
            while left:
                chunk = fh.read(min(_CHUNK, left))
                if not chunk:
                    raise BackupDamaged(self.path, _("the file is shorter than it says"))
                left -= len(chunk)
                yield chunk


def _parse_manifest(path: Path, data: bytes) -> Manifest:
    damaged = BackupDamaged(path, _("its manifest cannot be read"))
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise damaged from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise damaged
    version = raw.get("format_version")
    if not isinstance(version, int):
        raise damaged
    if version > FORMAT_VERSION:
        raise NewerBackupFormat(path, _("it was written by a newer version of Permanence "
                                        "(backup format {version})").format(version=version))
    try:
        members = tuple(Member(str(f["name"]), int(f["size"]), str(f["sha256"]))
                        for f in raw["files"])
        return Manifest(str(raw["created_at"]), str(raw["schema_revision"]),
                        str(raw["practice_id"]), members, str(raw.get("app_version", "")))
    except (KeyError, TypeError, ValueError):
        raise damaged from None


def open_archive(path: Path) -> Opened:
    """Check the whole file without any secret: its structure, the seal over every
    byte, and each member against the manifest. Raises ``BackupDamaged`` with the
    reason; returns what ``read_member`` needs."""
    path = Path(path)
    if not path.is_file():
        raise BackupNotFound(path, _("there is no file there"))
    try:
        with tarfile.open(path, "r:") as tar:
            infos = tar.getmembers()
    except (tarfile.TarError, OSError, UnicodeDecodeError, ValueError):
        raise BackupDamaged(path, _("it is not a Permanence backup, or it is damaged")) from None
    if len(infos) < 3 or infos[0].name != MANIFEST or infos[-1].name != SEAL:
        raise BackupDamaged(path, _("it is not a Permanence backup, or it is damaged"))
    seal = infos[-1]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        left = seal.offset
        while left:
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
        tail = fh.read(len(_seal_tail(h.hexdigest())) + 1)
    if tail != _seal_tail(h.hexdigest()):
        raise BackupDamaged(path, _("its content does not match its seal (the file was "
                                    "altered or damaged)"))
    with open(path, "rb") as fh:
        fh.seek(infos[0].offset_data)
        if infos[0].size > MAX_MANIFEST:
            raise BackupDamaged(path, _("its manifest cannot be read"))
        manifest = _parse_manifest(path, fh.read(infos[0].size))
    inner = infos[1:-1]
    names = [i.name for i in inner]
    if names != [m.name for m in manifest.members] or len(set(names)) != len(names):
        raise BackupDamaged(path, _("its files do not match its manifest"))
    if DATABASE not in names or ENVELOPE not in names:
        raise BackupDamaged(path, _("the database or its key file is missing"))
    for info, member in zip(inner, manifest.members):
        if not info.isreg() or not valid_member_name(info.name) or info.size != member.size:
            raise BackupDamaged(path, _("its files do not match its manifest"))
    opened = Opened(path, manifest, {i.name: i.offset_data for i in inner})
    for member in manifest.members:
        h = hashlib.sha256()
        for chunk in opened.read_member(member.name):
            h.update(chunk)
        if h.hexdigest() != member.sha256:
            raise BackupDamaged(path, _("{name} does not match its checksum").format(
                name=member.name))
    return opened
