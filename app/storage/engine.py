"""SQLCipher connections and the SQLAlchemy engine.

The raw key is applied first thing on every connection, then ``sqlite_master`` is read
so that a wrong key fails at open. Opening is done in two steps: a read-only preflight
that can refuse the file without touching it, then the read-write engine.
"""

from __future__ import annotations

from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from app.storage.errors import (
    CorruptDatabaseError,
    NotAFileError,
    PlainDatabaseError,
    write_failure,
)

SQLITE_HEADER = b"SQLite format 3\x00"
PAGE_SIZE = 4096  # SQLCipher 4 default
_logging_silenced = False


def _key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _silence_sqlcipher_log(conn) -> None:
    # SQLCipher prints HMAC failures on stderr; our own message says it better.
    global _logging_silenced
    if not _logging_silenced:
        conn.execute("PRAGMA cipher_log_level = NONE")
        _logging_silenced = True


def connect_raw(path: Path, key: bytes, *, mode: str = "rw") -> sqlcipher3.Connection:
    """A keyed DB-API connection. ``mode`` is ``rw``, ``ro`` or ``immutable``.

    Raises ``sqlcipher3.DatabaseError`` when the key does not decrypt the file.
    """
    if mode == "rw":
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    else:
        query = "mode=ro" if mode == "ro" else "mode=ro&immutable=1"
        uri = f"{Path(path).resolve().as_uri()}?{query}"
        conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        _silence_sqlcipher_log(conn)
        conn.execute(_key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception:
        conn.close()
        raise
    return conn


def apply_session_pragmas(conn: sqlcipher3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL with WAL: a committed transaction survives power loss, not only a crash.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA temp_store = MEMORY")  # no plaintext temp files
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    # Decrypted pages stay cached: with SQLCipher's 8 MB default, warm searches on a
    # large practice decrypt the same pages again and again (measured in bench/).
    conn.execute("PRAGMA cache_size = -65536")


def check_file_shape(path: Path) -> None:
    """Cheap checks that need no key: a folder where the file should be, a plain SQLite
    file, or one cut mid-page."""
    if not path.is_file():
        raise NotAFileError(str(path))
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_HEADER))
    if head == SQLITE_HEADER:
        raise PlainDatabaseError(str(path))
    if size == 0 or size % PAGE_SIZE:
        raise CorruptDatabaseError(f"size {size} is not a whole number of pages")


def open_preflight(path: Path, key: bytes) -> sqlcipher3.Connection:
    """A read-only connection that leaves every file as it was.

    Without a WAL file, ``immutable=1`` stops SQLite from creating -wal/-shm files.
    With one (after a crash), a plain read-only open reads the committed pages in it.
    """
    check_file_shape(path)
    wal = Path(str(path) + "-wal")
    mode = "ro" if wal.exists() else "immutable"
    try:
        conn = connect_raw(path, key, mode=mode)
    except sqlcipher3.DatabaseError as exc:
        raise (write_failure(exc, path) or CorruptDatabaseError(str(exc))) from exc
    try:
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
        if page_count * PAGE_SIZE > path.stat().st_size and not wal.exists():
            raise CorruptDatabaseError("file shorter than its page count")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise CorruptDatabaseError(str(exc)) from exc
    except CorruptDatabaseError:
        conn.close()
        raise
    return conn


def make_engine(path: Path, key: bytes) -> Engine:
    """The read-write engine. Transactions start with BEGIN (or BEGIN IMMEDIATE for
    writers, so two writers queue instead of failing on lock upgrade)."""

    def creator():
        conn = connect_raw(path, key, mode="rw")
        apply_session_pragmas(conn)
        return conn

    # The pysqlite dialect over the sqlcipher3 module: the pysqlcipher dialect would
    # format a URL password into PRAGMA key on every connect, which we do ourselves.
    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher3,
        creator=creator,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        pool_use_lifo=True,  # reuse the warmest connection (its page cache)
        hide_parameters=True,  # parameters are patient data: keep them out of errors/logs
    )

    @event.listens_for(engine, "begin")
    def _begin(conn):
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "handle_error")
    def _damaged(context):
        # SQLCipher authenticates a page only when it is read, so a damaged page can
        # surface on any statement. SQLite reports corruption and "not a database" as
        # plain DatabaseError (busy, locked, constraint... are subclasses): say so in
        # the user's words instead of a driver traceback.
        if type(context.original_exception) is sqlcipher3.DatabaseError:
            return CorruptDatabaseError(str(context.original_exception))
        # A full disk, a read-only folder, a size limit: the user's words too. SQLite
        # has rolled the statement (or the transaction) back.
        return write_failure(context.original_exception, path)

    return engine
