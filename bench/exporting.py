"""Export timings: a profile's patients and directory to CSV and to one vCard file.

    python -m bench.exporting [--profile DIR] [--runs N] [--quick]

also run as section f) of ``python -m bench``. Each export writes an audit entry, so
it runs on a throwaway copy of the cached profile, into a temporary folder; both are
deleted at the end.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from app.clock import SystemClock
from app.services.workspace import open_workspace
from app.storage.profile import ProfilePaths
from bench.profiles import CACHE, cached_profile, standard_parser, throwaway_copy
from bench.stats import median, sec

TARGET_PATIENTS_S = 10.0  # 100,000 patients, either format

KINDS = (
    ("patients, CSV", "export_patients_csv", "patients.csv"),
    ("patients, vCard", "export_patients_vcard", "patients.vcf"),
    ("directory, CSV", "export_directory_csv", "annuaire.csv"),
    ("directory, vCard", "export_directory_vcard", "annuaire.vcf"),
)


@dataclass
class ExportTimes:
    label: str
    rows: int
    seconds: list[float]
    size: int  # bytes written

    @property
    def median(self) -> float:
        return median(self.seconds)

    @property
    def patients(self) -> bool:
        return self.label.startswith("patients")


def measure(paths: ProfilePaths, key: bytes, runs: int, out_dir: Path) -> list[ExportTimes]:
    """Each kind of export ``runs`` times on the (throwaway) profile at ``paths``."""
    ws = open_workspace(paths, key, clock=SystemClock())
    figures = []
    try:
        for label, method, name in KINDS:
            export = getattr(ws.exports, method)
            target = out_dir / name
            seconds, rows, size = [], 0, 0
            for _ in range(runs):
                started = time.perf_counter()
                rows = export(target).rows
                seconds.append(time.perf_counter() - started)
                size = target.stat().st_size
                target.unlink()
            figures.append(ExportTimes(label, rows, seconds, size))
    finally:
        ws.close()
    return figures


def describe(f: ExportTimes) -> str:
    rate = f.rows / f.median if f.median else 0
    return (f"{f.rows:,} rows, {f.size / 2**20:.1f} MB, {rate:,.0f} rows/s; "
            f"runs {', '.join(sec(s) for s in f.seconds)}")


def main(argv: list[str] | None = None) -> int:
    args = standard_parser("python -m bench.exporting", __doc__, runs=3, what="profile to copy and export").parse_args(argv)
    root, key, size = cached_profile(args)
    with tempfile.TemporaryDirectory(prefix="export-", dir=CACHE) as tmp:
        work = throwaway_copy(root, Path(tmp) / "profile")
        out = Path(tmp) / "out"
        out.mkdir()
        for f in measure(work, key, max(1, args.runs), out):
            target = f" (target ≤ {TARGET_PATIENTS_S:.0f} s)" if f.patients else ""
            print(f"export {f.label}: median {sec(f.median)}{target} — {describe(f)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
