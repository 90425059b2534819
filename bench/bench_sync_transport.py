"""Sending and receiving one sync batch through each transport: a folder, and SFTP.

    python -m bench.bench_sync_transport [--runs N] [--size BYTES] [--dir DIR]
                                         [--sftp URL --identity KEY]

Each run posts one batch (a 300-byte header and a random body of ``--size`` bytes,
1 MB by default) into a peer's mailbox, then lists the peer's mailbox and fetches it
back as the peer, then prunes it; the medians (and p95) of post, list + fetch and of the
whole round trip are printed per transport, with the SFTP/folder ratio. The folder and
the SFTP server's folder are on the disk of ``bench/.cache`` (not a RAM disk, where
fsync costs nothing). SFTP goes to an OpenSSH server started on loopback for the run
(``/usr/sbin/sshd``, as the tests do), or to ``--sftp URL --identity KEY``; the time to
connect (TCP, key exchange, login, host key check) is printed too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from app.models.ids import uuid7
from app.sync.transport import Mailbox, Transport, connect
from bench.profiles import CACHE
from bench.stats import median, ms, percentile, ratio, times


class _Pins:
    """The bench's own pins: each run trusts the server it started."""

    def __init__(self) -> None:
        self.pins: dict[str, str] = {}

    def get(self, host_port: str) -> str | None:
        return self.pins.get(host_port)

    def put(self, host_port: str, key_line: str) -> None:
        self.pins[host_port] = key_line


def measure(transport: Transport, runs: int, size: int) -> dict[str, list[float]]:
    me, peer = uuid7(), uuid7()
    outbox, inbox = Mailbox(transport, me), Mailbox(transport, peer)
    header = os.urandom(300)
    figures: dict[str, list[float]] = {"post": [], "fetch": [], "round trip": []}
    for seq in range(1, runs + 2):
        body = os.urandom(size)
        started = time.perf_counter()
        outbox.post(peer, seq, header, body)
        posted = time.perf_counter()
        (waiting,) = inbox.waiting()
        batch = inbox.fetch(*waiting)
        fetched = time.perf_counter()
        assert batch is not None and batch.body == body
        outbox.prune(peer, seq)
        if seq > 1:  # the first makes the folders
            figures["post"].append(posted - started)
            figures["fetch"].append(fetched - posted)
            figures["round trip"].append(fetched - started)
    return figures


def report(name: str, figures: dict[str, list[float]]) -> None:
    for what, values in figures.items():
        print(f"{name:7} {what:11} median {ms(median(values)):>10}  "
              f"p95 {ms(percentile(values, 95)):>10}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_sync_transport")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, default=1 << 20, help="body size in bytes")
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder for the temporary files (default: bench/.cache)")
    parser.add_argument("--sftp", default=None, help="an sftp:// address instead of a "
                                                     "loopback server")
    parser.add_argument("--identity", type=Path, default=None)
    args = parser.parse_args(argv)
    base = args.dir or CACHE
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sync-transport-", dir=base))
    server = None
    try:
        share = work / "share"
        share.mkdir()
        folder = connect(share)
        try:
            on_folder = measure(folder, args.runs, args.size)
        finally:
            folder.close()
        if args.sftp:
            url, identity = args.sftp, args.identity
        else:
            from tests.sync.sshd import start_server  # the tests' loopback server

            server = start_server(work)
            url, identity = server.url(), server.client_key
        connects = []
        for _ in range(5):
            started = time.perf_counter()
            connect(url, identity=identity, pins=_Pins(), timeout=15).close()
            connects.append(time.perf_counter() - started)
        sftp = connect(url, identity=identity, pins=_Pins(), timeout=15)
        try:
            on_sftp = measure(sftp, args.runs, args.size)
        finally:
            sftp.close()
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"one batch of {args.size:,} bytes, {args.runs} runs each "
          f"(python {sys.version.split()[0]})")
    report("folder", on_folder)
    report("sftp", on_sftp)
    print(f"sftp    connect     median {ms(median(connects)):>10}  (5 connections)")
    for what in on_folder:
        print(f"sftp/folder {what}: {times(ratio(median(on_sftp[what]), median(on_folder[what])))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
