"""Backup timings: one backup file of a profile (database copy with its integrity
checks, the profile's files, the sealed archive), then verifying it without a secret.

    python -m bench.backup [--profile DIR] [--runs N] [--quick]

The backup reads the profile as the command line does (a connection of its own, no
lock, one read transaction): the cached profile is only read. The backups go to a
temporary folder, deleted at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from app.clock import SystemClock
from app.services.backups import backup_profile, verify_backup
from app.storage.profile import ProfilePaths, unlock_key
from bench.profiles import CACHE, PASSPHRASE, ensure_profile
from bench.stats import median, sec


def measure(paths: ProfilePaths, key: bytes, runs: int, out: Path
            ) -> tuple[list[float], list[float], int]:
    backups, verifies, size = [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        made = backup_profile(paths, key, out, now=SystemClock().now())
        backups.append(time.perf_counter() - started)
        started = time.perf_counter()
        verify_backup(made)
        verifies.append(time.perf_counter() - started)
        size = made.stat().st_size
        made.unlink()
    return backups, verifies, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="profile to copy and back up (default bench/.cache/large, or "
                             "bench/.cache/demo with --quick)")
    parser.add_argument("--runs", type=int, default=5, metavar="N")
    parser.add_argument("--quick", action="store_true", help="the demo size instead of large")
    args = parser.parse_args(argv)
    size = "demo" if args.quick else "large"
    root = (args.profile or CACHE / size).expanduser().resolve()
    ensure_profile(root, size)
    key = unlock_key(ProfilePaths(root), passphrase=PASSPHRASE)
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="backup-", dir=CACHE) as tmp:
        work = ProfilePaths(root)
        out = Path(tmp)
        db_size = work.db.stat().st_size
        backups, verifies, size_out = measure(work, key, max(1, args.runs), out)
    print(f"backup ({size}, database {db_size / 2**20:.0f} MB): median {sec(median(backups))} "
          f"— file {size_out / 2**20:.0f} MB; runs {', '.join(sec(s) for s in backups)}")
    print(f"backup verify, no secret: median {sec(median(verifies))}; "
          f"runs {', '.join(sec(s) for s in verifies)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
