"""The practice's retention rules erase many calls at once: the batches that carry the
erasures to a remote workstation.

    python -m bench.erasure_reach [--calls N] [--dir DIR]

Two real profiles (cheap passphrase cost) in a temporary folder on the disk of
``bench/.cache``, paired through the real pairing code, a frozen clock moved by hand.
The practice logs ``N`` calls (default 20,000) that its workstation receives (in its
30-day window); thirteen months on, a second workstation is paired (it never held them)
and the practice's retention rules erase the ``N`` calls. Then:

- export: the practice's round that reads its journal, judges each entry against each
  workstation's scope, seals and posts the batches (time, number of batches, ``.age``
  bytes per workstation);
- import: each workstation's round that verifies, decrypts and applies them (the one
  that held the calls erases them; the other ignores them);
- peak resident memory of the process after each step (``ru_maxrss``: the setup's
  counts too); with ``--trace``, the peak of Python allocations during each round.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from app.clock import FrozenClock
from app.models.calls import Call
from app.services.practice import PracticeInput
from app.services.workspace import create_practice
from app.storage import sync_limits
from app.storage.keys import KdfParams
from app.storage import remote
from app.storage.erasure import ERASED
from app.storage.profile import ProfilePaths
from app.sync import batch, peers, scope
from app.sync.node import this_node
from app.sync.pairing import Sharing, join, read_invite
from app.sync.round import SyncRound
from app.sync.transport import FolderTransport, Mailbox
from bench.profiles import CACHE
from bench.stats import sec

_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSPHRASE = "banc d'essai des effacements"
INSERT_TX = 1000


def _profile(root: Path, name: str, clock):
    ws = create_practice(ProfilePaths(root), PracticeInput(name=name), passphrase=PASSPHRASE,
                         keychain=None, clock=clock, kdf=_KDF).workspace
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        sync_limits.write_max_offline_days(uow.session, sync_limits.MOST_DAYS)
    return ws


def _pair(practice, remote, name: str) -> None:
    sharing = Sharing(practice.store, principal=practice.principal, clock=practice.clock)
    invite = sharing.invite(name)
    request = join(remote.store, read_invite(invite, now=remote.clock.now()),
                   principal=remote.principal)
    sharing.accept(request, this_node(remote.store).fingerprint)


def _round(ws, folder: Path):
    return SyncRound(ws.store, actor_id=ws.user_id, clock=ws.clock,
                     is_owner=ws.principal.is_owner).run(
        Mailbox(FolderTransport(str(folder)), ws.store.node_id))


def _settle(practice, workstations, folder: Path) -> None:
    for _ in range(2):
        _round(practice, folder)
        for workstation in workstations:
            _round(workstation, folder)


def _age_bytes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_size for p in folder.rglob("*.age")}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _alive_calls(ws) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(Call).where(
            Call.deleted_at.is_(None))).scalar_one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.erasure_reach", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20_000, metavar="N")
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder for the temporary profiles (default: bench/.cache)")
    parser.add_argument("--trace", action="store_true",
                        help="measure the peak of Python allocations (slower)")
    args = parser.parse_args(argv)
    base = args.dir or CACHE
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="erasure-reach-", dir=base))
    try:
        return _run(folder, args.calls, args.trace)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _trace_start(trace: bool) -> None:
    if trace:
        tracemalloc.start()


def _trace_stop(trace: bool, what: str) -> None:
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  {what}: peak Python allocations {peak / 2**20:.0f} MB (times slowed)")


def _raw_size(practice, peer, clock) -> None:
    """The plaintext JSON of what the peer is sent, per change (of its first entries)."""
    with practice.store.reader() as s:
        info = peers.by_node_id(s, this_node(peer.store).node_id)
        entries = remote.outgoing(s, info.node_id, 0, limit=2000)
        changes = scope.outgoing_in_scope(s, info.scope, [c for _, c in entries], clock.now())
    erased = [c for c in changes if ERASED in c.payload]
    document = batch.payload_document([batch.Transaction("t", tuple(erased))], sender="a",
                                      receiver="b", seq=1, acknowledges=0, journal_through=0)
    size = batch.measure(document)
    print(f"an erased call, as sent: {size.raw_json / max(1, size.changes):.0f} bytes of JSON, "
          f"{size.compressed / max(1, size.changes):.1f} gzipped")


def _run(root: Path, n: int, trace: bool) -> int:
    clock = FrozenClock(datetime.now(timezone.utc).replace(microsecond=0))
    share = root / "share"
    share.mkdir()
    practice = _profile(root / "practice", "Cabinet", clock)
    held = _profile(root / "held", "Poste A", clock)
    opened = [practice, held]
    try:
        _pair(practice, held, "poste-a")
        start = clock.now() - timedelta(days=1)
        for first in range(0, n, INSERT_TX):
            rows = [{"number": f"06{i:08d}", "started_at": start + timedelta(seconds=i),
                     "note": f"Rappeler le patient {i} pour ses résultats"}
                    for i in range(first, min(first + INSERT_TX, n))]
            with practice.store.unit_of_work(actor_id=practice.user_id) as uow:
                uow.bulk_insert(Call, rows)
        _settle(practice, [held], share)
        print(f"{n:,} calls logged at the practice; the workstation holds "
              f"{_alive_calls(held):,}")
        clock._at += timedelta(days=400)
        _settle(practice, [held], share)
        fresh = _profile(root / "fresh", "Poste B", clock)
        opened.append(fresh)
        _pair(practice, fresh, "poste-b")
        _settle(practice, [held, fresh], share)
        clock._at += timedelta(hours=1)
        started = time.perf_counter()
        erased = practice.retention.apply().calls
        print(f"retention at the practice: {erased:,} calls erased in "
              f"{sec(time.perf_counter() - started)}; peak memory {_peak_mb():.0f} MB")

        _raw_size(practice, held, clock)
        before = _age_bytes(share)
        _trace_start(trace)
        started = time.perf_counter()
        result = _round(practice, share)
        export = time.perf_counter() - started
        _trace_stop(trace, "export")
        after = _age_bytes(share)
        new = {p: size for p, size in after.items() if p not in before}
        for peer in result.peers:
            mine = [size for p, size in new.items() if peer.node_id in str(p)]
            print(f"export to {peer.name}: {len(peer.sent)} batch(es), "
                  f"{sum(mine) / 2**20:.2f} MB .age")
        print(f"export (the practice's round, both workstations): {sec(export)}; "
              f"peak memory {_peak_mb():.0f} MB")
        for ws, name in ((held, "the workstation that held them"),
                         (fresh, "the workstation that never held them")):
            _trace_start(trace)
            started = time.perf_counter()
            got = _round(ws, share).peers[0]
            took = time.perf_counter() - started
            _trace_stop(trace, "import")
            print(f"import at {name}: {sec(took)}, batches {got.received}, "
                  f"{got.applied:,} changes, held={got.held}, calls alive after: "
                  f"{_alive_calls(ws):,}, calls there: {_count(ws):,}; "
                  f"peak memory {_peak_mb():.0f} MB")
    finally:
        for ws in opened:
            ws.close()
    return 0


def _count(ws) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(Call)).scalar_one()


if __name__ == "__main__":
    sys.exit(main())
