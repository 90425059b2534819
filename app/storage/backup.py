"""Encrypted backups: a consistent copy of the database under the same key.

``VACUUM INTO`` on a SQLCipher connection writes an encrypted copy; the profile's key
envelope is copied beside it so a backup opens on its own with the passphrase or the
recovery key. Integrity is checked first: a damaged database is never backed up over
a good one.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import sqlcipher3

from app.storage.errors import CorruptDatabaseError


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
    backups_dir.mkdir(parents=True, exist_ok=True)
    stem = f"permanence-{now.strftime('%Y%m%d-%H%M%S')}-{reason}"
    target = backups_dir / f"{stem}.db"
    n = 1
    while target.exists():
        n += 1
        target = backups_dir / f"{stem}-{n}.db"
    dbapi_conn.execute("VACUUM INTO ?", (str(target),))
    shutil.copy2(envelope_path, target.with_suffix(".keys.json"))
    return target
