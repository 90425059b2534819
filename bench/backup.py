"""Backup timings: one backup file of a profile (database copy with its integrity
checks, the profile's files, the sealed archive), then verifying it without a secret.

    python -m bench.backup [--profile DIR] [--runs N] [--quick]

The backup reads the profile as the command line does (a connection of its own, no
lock, one read transaction): the cached profile is only read. The backups go to a
temporary folder, deleted at the end.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from app.clock import SystemClock
from app.services.backups import backup_profile, verify_backup
from app.storage.profile import ProfilePaths
from bench.profiles import CACHE, cached_profile, standard_parser
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
    args = standard_parser("python -m bench.backup", __doc__, runs=5, what="profile to copy and back up").parse_args(argv)
    root, key, size = cached_profile(args)
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
