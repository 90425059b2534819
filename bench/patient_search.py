"""``python -m bench.patient_search [--quick] [--runs N] [--profile DIR]``: the patient
search alone, at service level, against the same code on a plain SQLite copy (figure b
of ``python -m bench``), with every kind of query: typed, and on the phone (a surname
typed by ear, a number dictated in pairs).

Runs on a throwaway copy: a cached profile made by an older schema is upgraded there
first, and the time the upgrade took is printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from app.clock import SystemClock
from app.services.accounts import principal_for
from app.services.patients import PatientService
from app.services.workspace import open_workspace
from app.storage.engine import connect_raw
from app.storage.migrate import current_revision, head_revision
from app.storage.profile import ProfilePaths, unlock_key
from bench.profiles import (
    CACHE,
    PASSPHRASE,
    ensure_profile,
    export_plain,
    plain_store,
    throwaway_copy,
)
from bench.queries import MIX, build_queries
from bench.service import measure_search
from bench.stats import median, ms, percentile, ratio, times

TARGET_P95 = 0.005


def _revision(paths: ProfilePaths, key: bytes) -> str | None:
    conn = connect_raw(paths.db, key, mode="ro")
    try:
        return current_revision(conn)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.patient_search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="profile to measure (default bench/.cache/large, or "
                             "bench/.cache/demo with --quick)")
    parser.add_argument("--runs", type=int, default=5, metavar="N",
                        help="timed passes over the query set (default 5)")
    parser.add_argument("--quick", action="store_true",
                        help="use the demo size (2,000 patients) instead of large (100,000)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    size = "demo" if args.quick else "large"
    root = (args.profile or CACHE / size).expanduser().resolve()
    ensure_profile(root, size)
    key = unlock_key(ProfilePaths(root), passphrase=PASSPHRASE)
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="patient-search-", dir=CACHE) as tmp:
        work = throwaway_copy(root, Path(tmp) / "profile")
        before = _revision(work, key)
        started = time.perf_counter()
        open_workspace(work, key, clock=SystemClock()).close()
        opened_s = time.perf_counter() - started
        plain_db = Path(tmp) / "plain.db"
        export_plain(work.db, key, plain_db)
        clock = SystemClock()
        ws = open_workspace(work, key, clock=clock)
        plain = plain_store(plain_db, clock=clock)
        try:
            patients = ws.patients.count()
            plain_service = PatientService(plain, principal=principal_for(plain, None), clock=clock)
            result = measure_search(ws.patients, plain_service, build_queries(ws.store),
                                    args.runs)
        finally:
            ws.close()
            plain.close()
    print(f"patient search, service level (warm) — {root}, {patients:,} patients")
    if before != head_revision():
        print(f"  upgraded from schema {before} to {head_revision()}: first open took "
              f"{opened_s:.1f} s (backup included)")
    for label, pct in (("p50", 50), ("p95", 95), ("max", 100)):
        a, b = percentile(result.encrypted.all, pct), percentile(result.plain.all, pct)
        verdict = "" if pct != 95 else ("  ok" if a <= TARGET_P95 else "  MISSED (≤ 5 ms)")
        print(f"  search {label:<4} {ms(a):>9}   plain {ms(b):>9}   {times(ratio(a, b)):>6}"
              f"{verdict}")
    same = "yes" if not result.mismatches else f"NO ({result.mismatches} differ)"
    print(f"    {result.queries} queries × {args.runs} passes; {result.found} find someone; "
          f"results identical on both stores: {same}")
    for kind in MIX:
        ek, pk = result.encrypted.by_kind[kind], result.plain.by_kind[kind]
        print(f"    {kind:<28} p50 {ms(median(ek)):>8}  p95 {ms(percentile(ek, 95)):>8}"
              f"  max {ms(percentile(ek, 100)):>8}   plain p50 {ms(median(pk)):>8}"
              f"  p95 {ms(percentile(pk, 95)):>8}")
    for kind, (page, found, of) in result.callers.items():
        print(f"    {kind}: the caller is found by {found} of {of} queries, on the first page "
              f"(100) by {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
