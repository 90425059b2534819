"""The cost per write of the audit trail's signed checkpoints.

    python -m bench.audit_checkpoints [--writes N] [--dir DIR]

One practice, created in a temporary folder on the disk of ``bench/.cache`` (not a
RAM disk, where fsync costs nothing); ``N`` single-patient creations, each its own
committed unit of work with journal and audit, alternating one with the checkpoint
(sign, append, fsync) and one without, in the same run on the same database. Prints
the median and p95 per write of each, and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from app.clock import SystemClock
from app.demo.patients import demo_patients
from app.services.practice import PracticeInput, PractitionerInput
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from bench.profiles import CACHE
from bench.stats import median, ms, percentile, ratio, times

# The checkpoint's cost does not depend on the passphrase's: a cheap one saves time.
_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


def measure(root: Path, writes: int, *, warmup: int = 10) -> tuple[list[float], list[float]]:
    practice = create_practice(
        ProfilePaths(root),
        PracticeInput(name="Cabinet du banc d'essai", owner_name="Dr Banc",
                      practitioners=[PractitionerInput("Jeanne", "Banc", "Médecine générale")]),
        passphrase="banc d'essai des points de contrôle", keychain=None, clock=SystemClock(),
        kdf=_KDF)
    ws = practice.workspace
    anchor = ws.store.anchor
    with_cp: list[float] = []
    without: list[float] = []
    try:
        rows = demo_patients(77, 2 * (writes + warmup), today=date.today())
        for i, data in enumerate(rows):
            checkpointed = i % 2 == 0
            ws.store.anchor = anchor if checkpointed else None
            started = time.perf_counter()
            ws.patients.create(data)
            elapsed = time.perf_counter() - started
            if i >= 2 * warmup:
                (with_cp if checkpointed else without).append(elapsed)
    finally:
        ws.store.anchor = anchor
        ws.close()
    return with_cp, without


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_checkpoints")
    parser.add_argument("--writes", type=int, default=300, help="writes of each kind")
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder for the temporary practice (default: bench/.cache)")
    args = parser.parse_args(argv)
    base = args.dir or CACHE
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="checkpoints-", dir=base))
    try:
        with_cp, without = measure(folder / "profile", args.writes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    a, b = median(with_cp), median(without)
    print(f"writes of each kind: {len(with_cp)} (alternating, same database, same run)")
    print(f"with checkpoints:    median {ms(a)}, p95 {ms(percentile(with_cp, 95))}")
    print(f"without:             median {ms(b)}, p95 {ms(percentile(without, 95))}")
    print(f"added per write:     {ms(a - b)}; ratio {times(ratio(a, b))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
