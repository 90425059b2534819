"""CSV import of patients: ``python -m bench.importing [--profile DIR] [--rows N] [--runs N]``.

A fictional export (Windows-1252, semicolons, French headers, dates in three formats
including Excel day numbers, phones in mixed formats) is generated, then imported into
a throwaway copy of the profile, once per run, each in a fresh process so its memory is
its own: seconds, rows per second, and the peak resident memory above what the open
profile already held.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.profiles import CACHE, PASSPHRASE, ROOT, ensure_profile, throwaway_copy
from bench.stats import median

ROWS = 100_000
SEED = 7  # not the profile's seed: mostly new people, a few homonyms
TARGET_S = 30.0
HEADER = ["Civilité", "Nom de naissance", "Nom d'usage", "Prénom(s)", "Date de naissance",
          "Sexe", "Tél. portable", "Tél. domicile", "E-mail", "Adresse", "Code postal",
          "Ville", "Médecin traitant", "Remarque"]


def _date_cell(i: int, born: date | None) -> str:
    if born is None:
        return ""
    if i % 10 == 0:
        return str((born - date(1899, 12, 30)).days)  # an Excel day number
    if i % 10 == 1:
        return born.isoformat()
    return born.strftime("%d/%m/%Y")


def _phone_cell(i: int, number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) != 10:
        return number
    pairs = [digits[k:k + 2] for k in range(0, 10, 2)]
    return (" ".join(pairs), ".".join(pairs), digits, "+33 " + digits[1] + " " + " ".join(pairs[1:]))[i % 4]


def generate_csv(path: Path, rows: int, *, seed: int = SEED) -> int:
    """Write the fictional export; its size in bytes."""
    from app.demo import SIZES, demo_patients

    with open(path, "w", encoding="cp1252", errors="replace", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for i, p in enumerate(demo_patients(seed, rows, size=SIZES["large"])):
            born = p.birth_date if isinstance(p.birth_date, date) else None
            mobile = next((e.number for e in p.phones if e.kind == "mobile"), "")
            home = next((e.number for e in p.phones if e.kind != "mobile"), "")
            writer.writerow([
                {"mme": "Mme", "m": "M."}.get(p.civility, ""), p.birth_name, p.used_name,
                p.first_names, _date_cell(i, born), p.sex, _phone_cell(i, mobile),
                _phone_cell(i + 1, home), p.email, p.address_line, p.postal_code, p.city,
                p.referring_doctor, p.admin_note])
    return path.stat().st_size


@dataclass
class ImportRun:
    seconds: float
    rows: int
    imported: int
    invalid: int
    duplicates: int
    rss_before: float
    rss_peak: float
    peak_reset: bool

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def rss_delta(self) -> float:
        return self.rss_peak - self.rss_before


def _reset_peak() -> bool:
    """Linux: forget the peak so far (Argon2id's 64 MiB at unlock), keep measuring."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def child(profile: Path, source: Path) -> dict:
    """One import in this process (run by ``measure`` in a fresh interpreter)."""
    from app.clock import SystemClock
    from app.services.workspace import open_workspace
    from app.storage.profile import ProfilePaths, unlock_key
    from bench.memory import rss

    paths = ProfilePaths(profile)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASSPHRASE), clock=SystemClock())
    try:
        importer = ws.importer()
        reset = _reset_peak()
        before = rss()
        started = time.perf_counter()
        report = importer.run(source, skip_invalid=True)
        seconds = time.perf_counter() - started
        after = rss()
    finally:
        ws.close()
    return {"seconds": seconds, "rows": report.rows, "imported": report.imported,
            "invalid": report.invalid, "duplicates": report.duplicate_count,
            "rss_before": before["current"], "rss_peak": after["peak"], "peak_reset": reset}


def measure(profile: Path, *, rows: int = ROWS, runs: int = 1,
            work_dir: Path | None = None) -> list[ImportRun]:
    """Generate the file once, then import it ``runs`` times, each into a fresh copy."""
    results = []
    with tempfile.TemporaryDirectory(prefix="import-", dir=work_dir or CACHE) as tmp:
        source = Path(tmp) / "export.csv"
        generate_csv(source, rows)
        for n in range(runs):
            copy = throwaway_copy(profile, Path(tmp) / f"profile-{n}")
            done = subprocess.run(
                [sys.executable, "-m", "bench.importing", "--child", str(copy.root), str(source)],
                cwd=ROOT, capture_output=True, text=True, timeout=900,
                env=dict(os.environ, PYTHONPATH=str(ROOT)))
            if done.returncode != 0:
                tail = " | ".join(done.stderr.strip().splitlines()[-3:])
                raise RuntimeError(f"exit code {done.returncode}: {tail}")
            results.append(ImportRun(**json.loads(done.stdout.strip().splitlines()[-1])))
    return results


def describe(results: list[ImportRun]) -> list[str]:
    seconds = median([r.seconds for r in results])
    last = results[-1]
    delta = median([r.rss_delta for r in results]) / 2**20
    lines = [f"import of {last.rows:,} rows: median {seconds:.1f} s over {len(results)} run(s), "
             f"{last.rows / seconds:,.0f} rows/s ({last.imported:,} imported, {last.invalid:,} "
             f"invalid, {last.duplicates:,} possible duplicates)",
             f"peak RSS during the import: +{delta:.0f} MB above the open profile "
             f"({last.rss_before / 2**20:.0f} MB)"
             + ("" if last.peak_reset else " (peak includes the unlock)")]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.importing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="profile copied for each run (default bench/.cache/large, or "
                             "demo with --quick)")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the demo profile")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    size = "demo" if args.quick else "large"
    root = (args.profile or CACHE / size).expanduser().resolve()
    ensure_profile(root, size)
    CACHE.mkdir(parents=True, exist_ok=True)
    results = measure(root, rows=args.rows, runs=args.runs)
    for line in describe(results):
        print(line)
    seconds = median([r.seconds for r in results])
    verdict = "ok" if seconds <= TARGET_S * args.rows / ROWS else "MISSED"
    print(f"target ≤ {TARGET_S:.0f} s per {ROWS:,} rows: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
