"""The benchmark's databases: the cached generated profile, a throwaway copy of it, and
a plain (unencrypted) SQLite export of that copy used as the reference."""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import time
from pathlib import Path

import sqlcipher3
from sqlalchemy import create_engine, event
from sqlalchemy.pool import QueuePool

from app.clock import Clock, SystemClock
from app.demo import SIZES, generate_demo
from app.storage.engine import SQLITE_HEADER, apply_session_pragmas, connect_raw
from app.storage.profile import ProfilePaths, unlock_key
from app.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
PASSPHRASE = "bench"
SEED = 1


def _generator_stamp() -> str:
    """Changes whenever the demo generator does, so a cached profile never goes stale."""
    import app.demo as demo

    digest = hashlib.sha256()
    for source in sorted(Path(demo.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def ensure_profile(root: Path, size: str) -> float | None:
    """Generate the profile if it is not there (or was made by another version of the
    generator); the seconds it took, or None if cached."""
    paths = ProfilePaths(root)
    stamp = root.parent / f"{root.name}.generator"
    if paths.exists() and stamp.exists() and stamp.read_text().strip() == _generator_stamp():
        return None
    if paths.exists():
        if root.parent != CACHE:
            return None  # a profile given by the user is never regenerated
        shutil.rmtree(root)
    total = SIZES[size].patients
    print(f"Generating the '{size}' profile in {root} ({total:,} patients, seed {SEED}) …",
          file=sys.stderr, flush=True)

    last = [0.0]

    def progress(done: int, of: int) -> None:
        now = time.perf_counter()
        if done == of or now - last[0] >= 1.0:
            last[0] = now
            print(f"\r  {done:,}/{of:,}", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    ws = generate_demo(paths, size=size, seed=SEED, passphrase=PASSPHRASE, clock=SystemClock(),
                       progress=progress)
    ws.close()
    if root.parent == CACHE:
        stamp.write_text(_generator_stamp())
    elapsed = time.perf_counter() - started
    print(f"\r  done in {elapsed:.1f} s{' ' * 20}", file=sys.stderr, flush=True)
    return elapsed


def throwaway_copy(root: Path, dest: Path) -> ProfilePaths:
    """A copy of a closed profile (database, WAL if any, key envelope), for runs that write."""
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns("permanence.lock", "backups"))
    return ProfilePaths(dest)


def export_plain(db: Path, key: bytes, dest: Path) -> None:
    """The same database without encryption, with SQLCipher's own export."""
    if "'" in str(dest):
        raise ValueError(f"cannot attach a path with a quote: {dest}")
    conn = connect_raw(db, key, mode="rw")
    try:
        conn.execute(f"ATTACH DATABASE '{dest}' AS plain KEY ''")
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    with open(dest, "rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise RuntimeError("the export is not a plain SQLite file")


def plain_store(db: Path, *, clock: Clock) -> Store:
    """A Store over an unkeyed file: the same driver, pragmas and transaction mode as
    ``app.storage.engine.make_engine``, without ``PRAGMA key``."""

    def creator():
        conn = sqlcipher3.connect(str(db), isolation_level=None, check_same_thread=False)
        apply_session_pragmas(conn)
        return conn

    engine = create_engine("sqlite+pysqlite://", module=sqlcipher3, creator=creator,
                           poolclass=QueuePool, pool_size=4, max_overflow=4,
                           hide_parameters=True)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return Store(engine, path=db, clock=clock)


def standard_parser(prog: str, doc: str | None, *, runs: int = 5,
                    what: str = "profile to measure") -> argparse.ArgumentParser:
    """The options every benchmark of a cached profile takes: --profile, --runs, --quick."""
    parser = argparse.ArgumentParser(prog=prog, description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help=f"{what} (default bench/.cache/large, or bench/.cache/demo with "
                             "--quick)")
    parser.add_argument("--runs", type=int, default=runs, metavar="N")
    parser.add_argument("--quick", action="store_true", help="the demo size instead of large")
    return parser


def cached_profile(args) -> tuple[Path, bytes, str]:
    """The profile the options name, generated if needed: (folder, key, size)."""
    size = "demo" if args.quick else "large"
    root = (args.profile or CACHE / size).expanduser().resolve()
    ensure_profile(root, size)
    CACHE.mkdir(parents=True, exist_ok=True)
    return root, unlock_key(ProfilePaths(root), passphrase=PASSPHRASE), size
