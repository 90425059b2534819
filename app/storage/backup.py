"""Encrypted backups: a consistent copy of the database under the same key.

``VACUUM INTO`` on a SQLCipher connection writes an encrypted copy; the profile's key
envelope is copied beside it so a backup opens on its own with the passphrase or the
recovery key. Integrity is checked first: a damaged database is never backed up over
a good one. Backups are owner-only files; one the disk refused half-way is removed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlcipher3

from app.storage.engine import connect_raw
from app.storage.errors import CorruptDatabaseError, write_failure
from app.storage.migrate import current_revision
from app.storage.private import make_private_dirs, touch_private, write_private

BEFORE_UPGRADE = "before-upgrade"


def integrity_errors(dbapi_conn) -> list[str]:
    """Problems found by SQLCipher's HMAC check and SQLite's integrity check."""
    problems = [str(r[0]) for r in dbapi_conn.execute("PRAGMA cipher_integrity_check")]
    try:
        rows = [str(r[0]) for r in dbapi_conn.execute("PRAGMA integrity_check")]
    except sqlcipher3.DatabaseError as exc:  # a damaged page can stop the check itself
        rows = [str(exc)]
    if rows != ["ok"]:
        problems.extend(rows)
    return problems


def backup_database(dbapi_conn, backups_dir: Path, envelope_path: Path, *, reason: str,
                    now: datetime) -> Path:
    problems = integrity_errors(dbapi_conn)
    if problems:
        raise CorruptDatabaseError("; ".join(problems[:3]))
    stem = f"permanence-{now.strftime('%Y%m%d-%H%M%S')}-{reason}"
    try:
        make_private_dirs(backups_dir)
        target = backups_dir / f"{stem}.db"
        n = 1
        while target.exists():
            n += 1
            target = backups_dir / f"{stem}-{n}.db"
        keys = target.with_suffix(".keys.json")
        try:
            touch_private(target)  # VACUUM INTO fills an empty file and keeps its mode
            dbapi_conn.execute("VACUUM INTO ?", (str(target),))
            write_private(keys, envelope_path.read_bytes())
        except BaseException:
            target.unlink(missing_ok=True)
            keys.unlink(missing_ok=True)
            raise
    except (OSError, sqlcipher3.Error) as exc:
        failure = write_failure(exc, backups_dir)
        if failure is None:
            raise
        raise failure from exc
    return target


def backup_before_upgrade(dbapi_conn, backups_dir: Path, envelope_path: Path, *, key: bytes,
                          revision: str, now: datetime) -> Path:
    """A backup before upgrading from ``revision``, and only the newest one per revision:
    an upgrade that fails again and again does not fill the disk with copies. Older
    backups of the same revision are removed only once the new one is complete."""
    target = backup_database(dbapi_conn, backups_dir, envelope_path, reason=BEFORE_UPGRADE,
                             now=now)
    for older in backups_dir.glob(f"*-{BEFORE_UPGRADE}*.db"):
        if older != target and backup_revision(older, key) == revision:
            try:
                older.unlink()
                older.with_suffix(".keys.json").unlink(missing_ok=True)
            except OSError:
                pass  # a copy too many is better than a failed start
    return target


def backup_revision(path: Path, key: bytes) -> str | None:
    """The schema revision of a backup; None when it cannot be read with ``key``."""
    try:
        conn = connect_raw(path, key, mode="immutable")
    except (sqlcipher3.Error, OSError):
        return None
    try:
        return current_revision(conn)
    except sqlcipher3.Error:
        return None
    finally:
        conn.close()
