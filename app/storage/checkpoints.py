"""Signed checkpoints of the audit trail, kept outside the database.

Whoever holds the database key can rewrite the hash chain inside the database, cut its
tail, empty it, or put an older copy of the whole file back. So, after each commit that
wrote audit entries (and again when the profile closes), the head of the chain
(sequence number, hash, number of entries kept) is appended as a signed line to
``audit-checkpoints.log`` beside the key envelope, and the last line is mirrored in the
OS keychain where there is one. ``verify_trail`` then compares the chain with them: a
database that is behind its checkpoints, or whose entries no longer hash to what was
checkpointed, fails.

The signing key (Ed25519) is never stored: it is derived in memory, at each opening,
from the database key (HKDF, salted with the envelope id). At rest that key exists only
wrapped in ``keys.json`` under the practice's secrets, never in the database file: a
copy of the database, alone, cannot sign a checkpoint. Someone who has the key and can
also write the profile folder could sign a rewritten file; the keychain's copy of the
last line, which follows the user's OS session rather than the folder, is what a
rollback of the folder then misses. The public key is recorded in ``local_meta`` when
the trail is first anchored (``audit_anchor``), so a checkpoint file deleted or started
again afterwards is noticed as well.

The file is append-only: one JSON object per line, written with O_APPEND and fsync'ed,
owner-only. A last line cut by a crash is ignored (and cut off before the next append);
any other line that does not verify means the file was altered.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.storage.audit import GENESIS, META_CUT
from app.storage.private import open_private

log = logging.getLogger("permanence.storage")

FILE_NAME = "audit-checkpoints.log"
META_ANCHOR = "audit_anchor"  # JSON {"public": hex}: the trail is anchored with that key
START, HEAD, SUMMARY, RESTORE = "start", "head", "summary", "restore"
_SIGNED = b"permanence-audit-checkpoint/1\n"
_TAIL_BYTES = 64 * 1024  # the last line is read from at most this much of the file end
MAX_LINE = 16 * 1024


def signing_key(db_key: bytes, envelope_id: str) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=envelope_id.encode("utf-8"),
                info=b"permanence audit checkpoint signing key 1").derive(db_key)
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _message(record: dict) -> bytes:
    body = {k: v for k, v in record.items() if k != "sig"}
    return _SIGNED + json.dumps(body, sort_keys=True, separators=(",", ":"),
                                ensure_ascii=True).encode("ascii")


def sign(record: dict, key: Ed25519PrivateKey) -> bytes:
    """The record as one signed line (with its newline)."""
    sig = base64.b64encode(key.sign(_message(record))).decode("ascii")
    return json.dumps({**record, "sig": sig}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode("ascii") + b"\n"


def parse(line: bytes, public: Ed25519PublicKey) -> dict | None:
    """The record of a line if its signature verifies and its fields are sound."""
    try:
        record = json.loads(line.decode("ascii"))
        if not isinstance(record, dict):
            return None
        public.verify(base64.b64decode(record["sig"], validate=True), _message(record))
    except (ValueError, KeyError, TypeError, binascii.Error, InvalidSignature,
            RecursionError):
        return None
    kind, seq, h = record.get("kind"), record.get("seq"), record.get("hash")
    if kind not in (START, HEAD, SUMMARY, RESTORE) or not _is_int(seq) or seq < 0:
        return None
    if not isinstance(h, str) or len(h) != 64 or not _is_int(record.get("count")):
        return None
    return record


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class LogRead:
    """What a checkpoint file holds: its records in file order; ``bad_line``: the first
    complete line that does not verify (1-based), None if none; ``torn``: the file ends
    with an incomplete line (a crash while appending), ignored."""

    records: list[dict] = field(default_factory=list)
    bad_line: int | None = None
    torn: bool = False
    exists: bool = False


def _lines(path: Path) -> Iterator[tuple[bytes, bool]]:
    """Each line of the file and whether it was complete (ended by a newline)."""
    with open(path, "rb") as fh:
        for raw in fh:
            yield raw.rstrip(b"\n"), raw.endswith(b"\n")


def read_log(path: Path, public: Ed25519PublicKey) -> LogRead:
    result = LogRead()
    if not path.exists():
        return result
    result.exists = True
    for number, (line, complete) in enumerate(_lines(path), start=1):
        if not complete:
            result.torn = True
            break
        record = parse(line, public) if len(line) <= MAX_LINE else None
        if record is None:
            if result.bad_line is None:
                result.bad_line = number
            continue
        result.records.append(record)
    return result


def _last_complete_line(path: Path) -> tuple[bytes | None, int | None]:
    """The last complete line of the file (None if none) and, when a torn line follows
    it, the size of the file without it (else None); reads only the file's end."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None, None
    try:
        size = os.fstat(fd).st_size
        start = max(0, size - _TAIL_BYTES)
        os.lseek(fd, start, os.SEEK_SET)
        tail = b""
        while chunk := os.read(fd, _TAIL_BYTES):
            tail += chunk
    finally:
        os.close(fd)
    lines = tail.split(b"\n")
    torn = (size - len(lines[-1])) if lines[-1] else None
    complete = lines[:-1]  # what follows the last newline is torn (or empty)
    if start > 0 and complete:
        complete = complete[1:]  # the first piece may be the end of a longer line
    return (complete[-1] if complete else None), torn


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    count: int


class CheckpointLog:
    """Appends signed records to the checkpoint file of one open profile."""

    def __init__(self, path: Path, key: Ed25519PrivateKey, *, clock) -> None:
        self.path = path
        self._key = key
        self.public = key.public_key()
        self._clock = clock
        self._lock = threading.Lock()
        line, self._torn_at = _last_complete_line(path)
        last = parse(line, self.public) if line is not None else None
        self.last: Head | None = (Head(last["seq"], last["hash"], last["count"])
                                  if last is not None else None)
        self.last_line: bytes | None = line if last is not None else None
        self.pending: Head | None = None  # a head whose checkpoint could not be written

    def append(self, kind: str, head: Head, **extra) -> None:
        record = {"kind": kind, "seq": head.seq, "hash": head.hash, "count": head.count,
                  "at": self._clock.now().isoformat(timespec="seconds"), **extra}
        line = sign(record, self._key)
        with self._lock:
            self._write(line)
            self.last, self.last_line = head, line.rstrip(b"\n")

    def _write(self, line: bytes) -> None:
        new = not self.path.exists()
        fd = open_private(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND
                          | getattr(os, "O_NOFOLLOW", 0))
        try:
            if self._torn_at is not None:
                # What a crash left of an append: never signed, so nothing is lost.
                os.ftruncate(fd, self._torn_at)
                self._torn_at = None
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if new and os.name == "posix":  # make the new file's name durable too
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def note_head(self, head: Head) -> None:
        """Checkpoint ``head`` unless the last checkpoint already holds it or is ahead
        (two threads' commits may report out of order). A failure to write is logged
        and retried at the next commit or at close: the commit itself stands."""
        last = self.last
        if last is not None and (head.seq < last.seq or head == last):
            # Committed before the last one checkpointed (another thread's commit, which
            # covers it), or a database behind its checkpoints, which they already show.
            return
        try:
            self.append(HEAD, head)
            self.pending = None
        except OSError as exc:
            self.pending = head
            log.warning("audit checkpoint not written: %s", type(exc).__name__)


class Anchor:
    """The checkpoints of one open store: told each committed head by the unit of work,
    and closed with the store (a last checkpoint, the keychain's copy)."""

    def __init__(self, log: CheckpointLog, engine, *, cut_seq: int, keychain=None,
                 account: str = "") -> None:
        self.log = log
        self._engine = engine
        self.cut_seq = cut_seq
        self.keychain = keychain
        self.account = account

    def committed(self, seq: int, hash_: str) -> None:
        self.log.note_head(Head(seq, hash_, seq - self.cut_seq))

    def current_head(self) -> Head:
        with self._engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT seq, hash FROM audit_trail ORDER BY seq DESC LIMIT 1").first()
            if row is None:
                cut = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?",
                                           (META_CUT,)).scalar()
        if row is None:
            seq, hash_ = _cut(cut)
            return Head(seq, hash_, 0)
        return Head(row[0], row[1], row[0] - self.cut_seq)

    def close(self) -> None:
        """Before the store closes: checkpoint what a failed write left behind, then
        mirror the last line in the keychain."""
        try:
            self.log.note_head(self.current_head())
        except Exception as exc:  # noqa: BLE001 - closing goes on; logged by type only
            log.warning("audit checkpoint at close failed: %s", type(exc).__name__)
        mirror(self.keychain, self.account, self.log.last_line)


def mirror(keychain, account: str, line: bytes | None) -> None:
    if keychain is None or line is None or keychain.unusable_reason():
        return
    try:
        keychain.store(account, line)
    except Exception as exc:  # noqa: BLE001 - the file stays the reference
        log.warning("audit checkpoint not mirrored in the keychain: %s", type(exc).__name__)


def _cut(value: str | None) -> tuple[int, str]:
    """The cut recorded in ``local_meta`` (none: 0 and the genesis hash). A damaged one
    counts as none here: ``verify`` reports it, opening goes on."""
    try:
        data = json.loads(value) if value else {}
        return int(data.get("seq", 0)), str(data.get("hash", GENESIS))
    except (ValueError, TypeError, AttributeError):
        return 0, GENESIS


def keychain_account(envelope_id: str) -> str:
    return f"{envelope_id}.audit-checkpoint"


def attach(store, root: Path, *, db_key: bytes, envelope_id: str, keychain=None) -> Anchor:
    """Anchor the trail of an open store: the first time, record the public key in the
    database and start the file with the current head; afterwards, checkpoint a head a
    crash left unrecorded. A database behind its file is left for ``verify`` to report."""
    key = signing_key(db_key, envelope_id)
    checkpoints = CheckpointLog(root / FILE_NAME, key, clock=store.clock)
    with store.engine.connect() as conn:
        anchored = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?",
                                        (META_ANCHOR,)).scalar()
        cut = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?",
                                   (META_CUT,)).scalar()
    anchor = Anchor(checkpoints, store.engine, cut_seq=_cut(cut)[0], keychain=keychain,
                    account=keychain_account(envelope_id))
    head = anchor.current_head()
    if anchored is None and checkpoints.last is None:
        with store.writer_engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO local_meta (key, value) VALUES (?, ?)",
                                 (META_ANCHOR, json.dumps({"public": public_hex(key)})))
        checkpoints.append(START, head)
    elif checkpoints.last is None or head.seq > checkpoints.last.seq:
        checkpoints.note_head(head)
    elif head.seq < checkpoints.last.seq or (head.seq == checkpoints.last.seq
                                             and head.hash != checkpoints.last.hash):
        log.warning("the audit trail is behind or apart from its checkpoints "
                    "(permanence audit verify says where)")
    return anchor


def reanchor(root: Path, head: Head, *, db_key: bytes, envelope_id: str, clock,
             keychain=None) -> None:
    """A restore is a deliberate rollback: the checkpoints of entries the restored
    database does not hold (written after the backup's copy was taken, or by the
    practice since) are dropped, and the head it starts from is checkpointed as a
    restore, so that ``verify`` holds the restored trail to it from now on."""
    path = root / FILE_NAME
    key = signing_key(db_key, envelope_id)
    public = key.public_key()
    kept: list[bytes] = []
    if path.exists():
        for line, complete in _lines(path):
            record = parse(line, public) if complete and len(line) <= MAX_LINE else None
            if record is not None and record["seq"] <= head.seq:
                kept.append(line + b"\n")
    fresh = path.with_name(path.name + ".restore")
    fd = open_private(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                      | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.write(fd, b"".join(kept))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(fresh, path)
    restored = CheckpointLog(path, key, clock=clock)
    restored.append(RESTORE, head)
    # This workstation's copy may hold a later checkpoint of the practice restored.
    mirror(keychain, keychain_account(envelope_id), restored.last_line)
