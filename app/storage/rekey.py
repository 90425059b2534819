"""A new database key for a profile, crash-safe (copy and swap).

With the profile locked and closed: a backup first (``backups/``, with the envelope of
the old key beside it); then the database is copied under the new key
(``sqlcipher_export``) and checked; the envelope is rewritten with the same secrets
wrapping the new key (the owner's passphrase, a new recovery key, the keychain's
secret), and the audit trail's checkpoint file re-signed under the key derived from
it. Each of the three new files is written beside the old one (``.rekey``), then a
marker (``rekey.pending``) is made durable: from that moment on the swap is finished
forward, by this process or, if it is killed, by ``finish_rekey`` at the next start.
Before it, the ``.rekey`` files are leftovers that ``finish_rekey`` removes. A kill at
any point therefore leaves either the old state or the new one, each opening with its
own envelope; the old envelope (kept in the backup) no longer opens the new database.

Accounts other than the owner's wrap the key under their own passphrases, which this
process does not know: their wraps are dropped, and the owner gives each a new
passphrase (their names are returned).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.storage import checkpoints
from app.storage.backup import backup_database, integrity_errors
from app.storage.engine import connect_raw
from app.storage.errors import CorruptDatabaseError, ProfileLockedError
from app.storage.keys import KdfParams, KeyEnvelope, new_database_key, new_recovery_key
from app.storage.lock import ProfileLock
from app.storage.private import open_private, touch_private

MARKER = "rekey.pending"
SUFFIX = ".rekey"
REASON = "before-rekey"


@dataclass(frozen=True)
class Rekeyed:
    key: bytes  # the new database key
    recovery_key: str  # shown once to the owner
    backup: Path  # the copy made first, with the old envelope beside it
    accounts_dropped: tuple[str, ...]  # sign-in names that need a new passphrase


def _pending(paths) -> list[tuple[Path, Path]]:
    """(new file, its place) for the three files a rekey swaps."""
    log = paths.root / checkpoints.FILE_NAME
    return [(Path(f"{p}{SUFFIX}"), p) for p in (paths.db, paths.envelope, log)]


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _swap(paths) -> None:
    for suffix in ("-wal", "-shm"):  # the old key's log must never meet the new file
        Path(f"{paths.db}{suffix}").unlink(missing_ok=True)
    for new, place in _pending(paths):
        if new.exists():
            os.replace(new, place)
    _fsync_dir(paths.root)
    (paths.root / MARKER).unlink(missing_ok=True)
    _fsync_dir(paths.root)


def finish_rekey(paths) -> None:
    """At start: finish a rekey a killed process had committed to, or remove what one
    left before it had; nothing while another process holds the profile (a rekey may be
    running there)."""
    if not (paths.root / MARKER).exists() and not any(
            new.exists() for new, _place in _pending(paths)):
        return
    lock = ProfileLock(paths.root)
    try:
        lock.acquire()
    except ProfileLockedError:
        return
    try:
        _finish(paths)
    finally:
        lock.release()


def _finish(paths) -> None:
    if (paths.root / MARKER).exists():
        _swap(paths)
        return
    for new, _place in _pending(paths):
        new.unlink(missing_ok=True)


BACKUP, COPY, CHECK, SWAP = "backup", "copy", "check", "swap"  # the steps, in order


def rekey_profile(paths, old_key: bytes, *, passphrase: str | None, kdf: KdfParams,
                  keychain, now: datetime, kdf_floor: KdfParams | None = None,
                  crash_at: str | None = None,
                  progress: Callable[[str], None] | None = None) -> Rekeyed:
    """Give the profile a new database key (see the module). ``passphrase``: the
    owner's, required when the envelope has a passphrase wrap (it is rewrapped, at the
    cost ``kdf``; ``kdf_floor``: the least cost accepted from the file).
    ``progress(step)`` is told each step as it starts (``BACKUP``... ``SWAP``: from
    then on the rekey is finished forward, whatever happens).
    ``crash_at``: tests stop here ("copied", "marked") as a kill would."""
    step = progress or (lambda _step: None)
    lock = ProfileLock(paths.root)
    lock.acquire()
    try:
        _finish(paths)
        old = KeyEnvelope.load(paths.envelope)
        if old.has_passphrase and passphrase is None:
            raise ValueError("the owner's passphrase is needed to rewrap it")
        if old.has_passphrase:
            old.unwrap_with_passphrase(passphrase, kdf_floor=kdf_floor or kdf)
        secret = None
        if old.has_keychain:
            secret = keychain.load(old.envelope_id) if keychain is not None else None
            if secret is None:
                raise ValueError("the keychain's secret is needed to rewrap it")
        new_key = new_database_key()
        db_new, env_new, log_new = (new for new, _place in _pending(paths))
        for leftover in (db_new, env_new, log_new):
            leftover.unlink(missing_ok=True)

        conn = connect_raw(paths.db, old_key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            step(BACKUP)
            backup = backup_database(conn, paths.backups, paths.envelope, reason=REASON,
                                     now=now)
            step(COPY)
            touch_private(db_new)
            conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{new_key.hex()}'\"",
                         (str(db_new),))
            conn.execute("SELECT sqlcipher_export('rekeyed')")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA rekeyed.user_version = {int(version)}")
            signing = checkpoints.signing_key(new_key, old.envelope_id)
            conn.execute("UPDATE rekeyed.local_meta SET value = ? WHERE key = ?",
                         (json.dumps({"public": checkpoints.public_hex(signing)}),
                          checkpoints.META_ANCHOR))
            conn.execute("DETACH DATABASE rekeyed")
        finally:
            conn.close()
        step(CHECK)
        check = connect_raw(db_new, new_key)
        try:
            problems = integrity_errors(check)
            check.execute("PRAGMA journal_mode = WAL")
        finally:
            check.close()
        if problems:
            raise CorruptDatabaseError("; ".join(problems[:3]))

        envelope = KeyEnvelope(env_new, {"format": "permanence-key-envelope", "version": 2,
                                         "id": old.envelope_id, "demo": old.is_demo,
                                         "wraps": []})
        if passphrase is not None and old.has_passphrase:
            envelope.wrap_with_passphrase(new_key, passphrase, kdf)
        if secret is not None:
            envelope.wrap_with_keychain_secret(new_key, secret)
        recovery = new_recovery_key()
        envelope.wrap_with_recovery_key(new_key, recovery)
        envelope.save()
        last_line = _resign_log(paths.root / checkpoints.FILE_NAME, log_new, old_key,
                                new_key, old.envelope_id)
        if crash_at == "copied":
            raise KeyboardInterrupt("killed before the marker")

        step(SWAP)
        fd = open_private(paths.root / MARKER)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(paths.root)
        if crash_at == "marked":
            raise KeyboardInterrupt("killed after the marker")
        _swap(paths)
        # This workstation's copy of the last checkpoint, signed the new way.
        checkpoints.mirror(keychain, checkpoints.keychain_account(old.envelope_id), last_line)
    finally:
        lock.release()
    return Rekeyed(new_key, recovery, backup, tuple(sorted(old.account_names())))


def _resign_log(path: Path, target: Path, old_key: bytes, new_key: bytes,
                envelope_id: str) -> bytes | None:
    """The checkpoint file's records, each signed again under the new key (lines that
    do not verify under the old one are dropped: ``verify`` had reported them)."""
    old_public = checkpoints.signing_key(old_key, envelope_id).public_key()
    new_signing = checkpoints.signing_key(new_key, envelope_id)
    lines = []
    if path.exists():
        for record in checkpoints.read_log(path, old_public).records:
            body = {k: v for k, v in record.items() if k != "sig"}
            lines.append(checkpoints.sign(body, new_signing))
    fd = open_private(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                      | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.write(fd, b"".join(lines))
        os.fsync(fd)
    finally:
        os.close(fd)
    return lines[-1].rstrip(b"\n") if lines else None
