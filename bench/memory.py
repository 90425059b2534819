"""Memory with the profile open, in a fresh process: ``python -m bench.memory DIR``.

Unlocks with the passphrase in PERMANENCE_PASSPHRASE (as the application does), opens
the workspace, runs the benchmark's search query set, and prints one JSON line with the
resident set size at each step, in bytes.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def rss() -> dict[str, float]:
    """Current and peak resident set size, in bytes."""
    try:
        fields = {}
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = float(value.split()[0]) * 1024
        return {"current": fields["VmRSS"], "peak": fields["VmHWM"]}
    except (OSError, KeyError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak *= 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
        return {"current": float(peak), "peak": float(peak)}


def main() -> int:
    root = Path(sys.argv[1])
    from app.clock import SystemClock
    from app.services.workspace import open_workspace
    from app.storage.profile import ProfilePaths, unlock_key
    from bench.queries import build_queries

    report = {"imported": rss()}
    paths = ProfilePaths(root)
    key = unlock_key(paths, passphrase=os.environ["PERMANENCE_PASSPHRASE"])
    ws = open_workspace(paths, key, clock=SystemClock())
    try:
        report["opened"] = rss()
        queries = build_queries(ws.store)
        for q in queries:
            ws.patients.search(q.text)
        ws.patients.search("")
        report["searched"] = rss()
    finally:
        ws.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
