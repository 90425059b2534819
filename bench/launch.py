"""Launch to interactive window: wall time from process start to the ``READY`` line."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.profiles import PASSPHRASE, ROOT

TIMEOUT = 30.0  # a launch that needs more is reported as failed (e.g. a dialog waiting)


class LaunchFailed(RuntimeError):
    pass


@dataclass
class LaunchResult:
    wall: list[float] = field(default_factory=list)      # seconds, process start -> READY
    reported: list[float] = field(default_factory=list)  # what the process itself printed
    error: str | None = None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PERMANENCE_PASSPHRASE": PASSPHRASE, "QT_QPA_PLATFORM": "offscreen",
                "PERMANENCE_BENCH_READY": "1"})
    return env


def time_to_ready(args: list[str]) -> tuple[float, float]:
    """(wall seconds to the READY line, seconds the process reported); LaunchFailed if the
    process exits without it, exits non-zero, or takes longer than TIMEOUT."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                text=True, encoding="utf-8", errors="replace")
        seen: dict[str, float] = {}
        other: list[str] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("READY") and "wall" not in seen:
                    seen["wall"] = time.perf_counter() - started
                    try:
                        seen["reported"] = float(line.split()[1])
                    except (IndexError, ValueError):
                        seen["reported"] = float("nan")
                else:
                    other.append(line.rstrip())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            code = proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise LaunchFailed(f"no exit within {TIMEOUT:.0f} s") from None
        reader.join(timeout=5)
        if "wall" not in seen or code != 0:
            err.seek(0)
            tail = [ln for ln in (other + err.read().splitlines()) if ln.strip()][-6:]
            what = "exited with code %d" % code if code else "exited without printing READY"
            raise LaunchFailed(what + (": " + " | ".join(tail) if tail else ""))
        return seen["wall"], seen["reported"]


def measure(profile: Path, runs: int) -> tuple[LaunchResult, LaunchResult]:
    """The application and the bare-window reference, interleaved; one warm-up each."""
    app = LaunchResult()
    bare = LaunchResult()
    commands = ((app, ["-m", "app", "--profile", str(profile)]),
                (bare, ["-m", "bench.bare_window"]))
    for i in range(runs + 1):
        for result, args in commands:
            if result.error is not None:
                continue
            try:
                wall, reported = time_to_ready(args)
            except (LaunchFailed, OSError) as exc:
                result.error = str(exc)
                continue
            if i:  # the first run of each warms the file cache
                result.wall.append(wall)
                result.reported.append(reported)
    return app, bare
