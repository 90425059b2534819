"""Directory search timings at service level, encrypted against a plain SQLite copy.

    python -m bench.directory [--profile DIR] [--runs N] [--quick]

also run as a section of ``python -m bench``. The query set is drawn with a fixed seed
from the contacts of the profile (the ``large`` one holds 50,000), like the patient
queries: name prefixes, name + first name, specialty or organisation words, phones as
typed, last four digits, a prefix within one category, and one category listed whole.
Searches only read, but the plain copy is an export: both live in a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from app.clock import SystemClock
from app.services.accounts import principal_for
from app.services.directory import DirectoryService
from app.services.phones import national_digits
from app.services.workspace import open_workspace
from app.storage.profile import ProfilePaths, unlock_key
from bench.profiles import (
    CACHE,
    PASSPHRASE,
    ensure_profile,
    export_plain,
    plain_store,
    throwaway_copy,
)
from bench.queries import _phone_as_typed
from bench.service import SearchResult, SearchTimes
from bench.stats import median, ms, percentile, ratio, times

TARGET_P95 = 0.005  # the same bar as the patient search

# kind -> how many queries of that kind
MIX = {
    "name prefix": 50,
    "name + first-name prefix": 30,
    "specialty or organisation word": 30,
    "full phone": 30,
    "last 4 digits": 20,
    "prefix in one category": 30,
    "one category, no text": 10,
}


@dataclass(frozen=True)
class ContactQuery:
    kind: str
    text: str
    category: str | None = None


def build_queries(store, *, seed: int = 1) -> list[ContactQuery]:
    rng = random.Random(f"permanence-bench/{seed}/directory-queries")
    with store.reader() as s:
        top = s.execute(text("SELECT max(rowid) FROM contact")).scalar() or 0
        if not top:
            raise RuntimeError("the profile has no directory (generated before it existed?): "
                               "delete its folder under bench/.cache to regenerate it")
        picks = [rng.randint(1, top) for _ in range(sum(MIX.values()) * 2)]
        rows = s.execute(text(
            "SELECT rowid, category, name, first_name, organisation, specialty, phone_e164 "
            "FROM contact WHERE rowid IN (SELECT value FROM json_each(:ids)) "
            "AND deleted_at IS NULL"), {"ids": "[" + ",".join(map(str, picks)) + "]"}).all()
    by_rowid = {r[0]: r[1:] for r in rows}
    contacts = [by_rowid[i] for i in picks if i in by_rowid]
    people = [c for c in contacts if c[2]] or contacts
    described = [c for c in contacts if c[3] or c[4]] or contacts
    queries: list[ContactQuery] = []
    for kind, count in MIX.items():
        for _ in range(count):
            category, name, first, organisation, specialty, e164 = rng.choice(
                people if kind == "name + first-name prefix" else
                described if kind == "specialty or organisation word" else contacts)
            q, cat = "", None
            if kind == "name prefix":
                q = name[:rng.randint(2, 5)]
            elif kind == "name + first-name prefix":
                q = f"{name} {first[:rng.randint(1, 3)]}"
            elif kind == "specialty or organisation word":
                word = rng.choice((specialty or organisation).split())
                q = word[:rng.randint(3, max(3, len(word)))]
            elif kind == "full phone":
                q = _phone_as_typed(rng, e164)
            elif kind == "last 4 digits":
                q = national_digits(e164)[-4:]
            elif kind == "prefix in one category":
                q, cat = name[:rng.randint(1, 3)], category
            else:
                cat = category
            if rng.random() < 0.3:
                q = q.lower()
            queries.append(ContactQuery(kind, q, cat))
    rng.shuffle(queries)
    return queries


def _timed(service: DirectoryService, q: ContactQuery, into: SearchTimes) -> None:
    started = time.perf_counter()
    service.search(q.text, category=q.category)
    elapsed = time.perf_counter() - started
    into.all.append(elapsed)
    into.by_kind[q.kind].append(elapsed)


def measure_search(encrypted: DirectoryService, plain: DirectoryService,
                   queries: list[ContactQuery], runs: int) -> SearchResult:
    """A warm-up pass on each store (also the results check), then ``runs`` timed passes,
    alternating the stores query by query so both see the same machine noise."""
    found = mismatches = 0
    for q in queries:
        a = [r.id for r in encrypted.search(q.text, category=q.category)]
        b = [r.id for r in plain.search(q.text, category=q.category)]
        found += bool(a)
        mismatches += a != b
    enc, pln = SearchTimes(), SearchTimes()
    for run in range(runs):
        for i, q in enumerate(queries):
            pair = ((encrypted, enc), (plain, pln))
            for service, into in (pair if (i + run) % 2 == 0 else pair[::-1]):
                _timed(service, q, into)
    return SearchResult(enc, pln, len(queries), found, mismatches)


def measure(work: ProfilePaths, key: bytes, plain_db: Path, runs: int) -> tuple[int, SearchResult]:
    """(contacts, timings) on the profile at ``work`` and its plain export ``plain_db``."""
    clock = SystemClock()
    ws = open_workspace(work, key, clock=clock)
    plain = plain_store(plain_db, clock=clock)
    try:
        plain_service = DirectoryService(plain, principal=principal_for(plain, None), clock=clock)
        queries = build_queries(ws.store)
        return ws.directory.count(), measure_search(ws.directory, plain_service, queries, runs)
    finally:
        ws.close()
        plain.close()


def describe(contacts: int, result: SearchResult, runs: int) -> list[str]:
    same = "yes" if not result.mismatches else f"NO ({result.mismatches} differ)"
    lines = [f"{contacts:,} contacts; {result.queries} queries × {runs} passes; "
             f"{result.found} find someone; results identical on both stores: {same}"]
    for kind in MIX:
        ek, pk = result.encrypted.by_kind[kind], result.plain.by_kind[kind]
        lines.append(f"{kind:<32} p50 {ms(median(ek)):>8}  p95 {ms(percentile(ek, 95)):>8}"
                     f"  max {ms(percentile(ek, 100)):>8}   plain p50 {ms(median(pk)):>8}"
                     f"  p95 {ms(percentile(pk, 95)):>8}  max {ms(percentile(pk, 100)):>8}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.directory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="profile to measure (default bench/.cache/large, or "
                             "bench/.cache/demo with --quick)")
    parser.add_argument("--runs", type=int, default=5, metavar="N",
                        help="timed passes over the query set (default 5)")
    parser.add_argument("--quick", action="store_true",
                        help="use the demo size (150 contacts) instead of large (50,000)")
    args = parser.parse_args(argv)
    size = "demo" if args.quick else "large"
    root = (args.profile or CACHE / size).expanduser().resolve()
    ensure_profile(root, size)
    key = unlock_key(ProfilePaths(root), passphrase=PASSPHRASE)
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="directory-", dir=CACHE) as tmp:
        work = throwaway_copy(root, Path(tmp) / "profile")
        # Opened once first: a cached profile made by an older schema is migrated (its
        # indexes too) before the plain copy is exported from it.
        open_workspace(work, key, clock=SystemClock()).close()
        plain_db = Path(tmp) / "plain.db"
        export_plain(work.db, key, plain_db)
        contacts, result = measure(work, key, plain_db, args.runs)
    print(f"directory search, service level (warm) — {root}")
    for label, pct in (("p50", 50), ("p95", 95), ("max", 100)):
        a, b = percentile(result.encrypted.all, pct), percentile(result.plain.all, pct)
        verdict = "" if pct != 95 else ("  ok" if a <= TARGET_P95 else "  MISSED (≤ 5 ms)")
        print(f"  search {label:<4} {ms(a):>9}   plain {ms(b):>9}   {times(ratio(a, b)):>6}"
              f"{verdict}")
    for line in describe(contacts, result, args.runs):
        print("    " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
