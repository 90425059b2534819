"""Sync rounds through a folder: the first batch of the demo practice to a new
workstation, and how soon a change made on one side is visible on the other.

    python -m bench.bench_sync_round [--profile DIR] [--runs N]

A throwaway copy of the demo practice (``bench/.cache/demo``, generated if needed) is
paired, through the real pairing code, with a new remote workstation profile; batches go
through a folder on the disk of ``bench/.cache``.

- first batch: the practice's round that builds the snapshot of the workstation's
  default scope, seals and posts it; then the workstation's round that checks, opens,
  judges and applies it. Target (issue): ≤ 5 s for the two together.
- a change visible: a patient's town edited at the practice, the practice's round, the
  workstation's round, the change read there; and the other way. Target (issue): ≤ 2 s
  after its round (both rounds are counted here). Medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from app.clock import SystemClock
from app.models import Patient
from app.services.practice import PracticeInput
from app.services.workspace import create_practice, open_workspace
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths, unlock_key
from app.sync.node import this_node
from app.sync.pairing import Sharing, join, read_invite
from app.sync.round import SyncRound
from app.sync.transport import FolderTransport, Mailbox
from bench.profiles import CACHE, PASSPHRASE, ensure_profile, throwaway_copy
from bench.stats import median, sec

_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
REMOTE_PASSPHRASE = "banc d'essai du poste distant"
TARGETS = {"first batch": 5.0, "visible": 2.0}


def _round(ws, folder: Path):
    return SyncRound(ws.store, actor_id=ws.user_id, clock=ws.clock,
                     is_owner=ws.principal.is_owner).run(
        Mailbox(FolderTransport(str(folder)), ws.store.node_id))


def _pair(practice, remote) -> None:
    sharing = Sharing(practice.store, principal=practice.principal, clock=practice.clock)
    invite = sharing.invite("banc")
    request = join(remote.store, read_invite(invite, now=remote.clock.now()),
                   principal=remote.principal)
    sharing.accept(request, this_node(remote.store).fingerprint)


def _mark(target: str, seconds: float) -> str:
    return "" if seconds <= TARGETS[target] else "  MISSED"


def _edit_and_see(writer, reader, folder: Path, patient: str, value: str) -> float:
    started = time.perf_counter()
    with writer.store.unit_of_work(actor_id=writer.user_id) as uow:
        uow.session.get(Patient, patient).city = value
    _round(writer, folder)
    _round(reader, folder)
    with reader.store.reader() as s:
        seen = s.get(Patient, patient).city
    elapsed = time.perf_counter() - started
    if seen != value:
        raise SystemExit(f"the change did not arrive: {seen!r}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_sync_round",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="the practice to copy (default bench/.cache/demo)")
    parser.add_argument("--runs", type=int, default=10, metavar="N")
    args = parser.parse_args(argv)
    root = (args.profile or CACHE / "demo").expanduser().resolve()
    ensure_profile(root, "demo")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sync-round-", dir=CACHE) as tmp:
        work = throwaway_copy(root, Path(tmp) / "practice")
        practice = open_workspace(work, unlock_key(work, passphrase=PASSPHRASE),
                                  clock=SystemClock())
        remote = create_practice(ProfilePaths(Path(tmp) / "remote"),
                                 PracticeInput(name="Secrétariat distant"),
                                 passphrase=REMOTE_PASSPHRASE, keychain=None,
                                 clock=SystemClock(), kdf=_KDF).workspace
        folder = Path(tmp) / "share"
        folder.mkdir()
        try:
            _pair(practice, remote)
            started = time.perf_counter()
            _round(practice, folder)
            sent = time.perf_counter() - started
            size = sum(p.stat().st_size for p in folder.rglob("*.age"))
            started = time.perf_counter()
            got = _round(remote, folder).peers[0]
            received = time.perf_counter() - started
            first = sent + received
            print(f"first batch (snapshot of the default scope): {got.applied:,} changes, "
                  f"{size / 2**20:.1f} MB encrypted; send {sec(sent)}, receive and apply "
                  f"{sec(received)}, together {sec(first)}{_mark('first batch', first)}")
            _round(practice, folder)  # the acknowledgement
            with remote.store.reader() as s:
                patient = s.scalars(select(Patient.id).order_by(Patient.id).limit(1)).one()
            there, back = [], []
            for i in range(max(1, args.runs)):
                there.append(_edit_and_see(practice, remote, folder, patient, f"Tours {i}"))
                back.append(_edit_and_see(remote, practice, folder, patient, f"Blois {i}"))
            for name, values in (("practice → workstation", there),
                                 ("workstation → practice", back)):
                print(f"a change visible {name}: median {sec(median(values))} "
                      f"(edit, both rounds, read){_mark('visible', median(values))}; "
                      f"runs {', '.join(sec(v) for v in values)}")
        finally:
            practice.close()
            remote.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
