"""What the retention rules' erasures cost the database file.

    python -m bench.retention_growth [--calls N] [--patients M] [--dir DIR]

One practice, generated with a frozen clock: ``M`` patients (each with a phone and one
call) whose card has not changed for 25 years, then ``N`` calls two years old, each
recorded then described once (an insert and an update in the journal). The retention
rules, at their defaults, erase all of them. Printed before and after
``retention apply``: the file's size (the application checkpoints the write-ahead log
after it), its pages in use and free, and per table (change journal, audit trail) the
number of rows and the bytes their values hold; then the bytes each erased row added,
by table, and the size of a vacuumed copy.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path


from app.clock import FrozenClock
from app.demo.patients import demo_patients
from app.models.calls import Call, CallDirection, CallerKind
from app.services.practice import PracticeInput, PractitionerInput
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.storage import trail_retention
from app.storage.profile import ProfilePaths

_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
_START = datetime(2001, 3, 5, 9, 0, tzinfo=timezone.utc)
_NOW = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)
_BATCH = 2000

# The bytes of each table's values (SQLite's record overhead and the index come on top).
_JOURNAL = ("SELECT count(*), coalesce(sum(length(tx_id) + length(entity) + length(entity_id) "
            "+ length(op) + 8 + length(origin_node) + coalesce(length(peer_node), 0) "
            "+ length(at) + length(payload) + coalesce(length(field_versions), 0) "
            "+ coalesce(length(base_versions), 0)), 0) FROM change_journal")
_AUDIT = ("SELECT count(*), coalesce(sum(length(at) + length(user_id) + length(action) "
          "+ length(entity) + length(entity_id) + length(detail) + length(prev_hash) "
          "+ length(hash) + coalesce(length(workstation), 0) "
          "+ coalesce(length(workstation_name), 0)), 0) FROM audit_trail")
_NEW = " WHERE seq > {}"


def _figures(ws) -> dict:
    conn = ws.store.engine.raw_connection()
    try:
        one = lambda sql: [int(v) for v in conn.execute(sql).fetchone()]  # noqa: E731
        return {"file": Path(ws.store.path).stat().st_size,
                "pages": one("PRAGMA page_count")[0], "free": one("PRAGMA freelist_count")[0],
                "page": one("PRAGMA page_size")[0], "journal": one(_JOURNAL),
                "audit": one(_AUDIT), "audit_seq": one("SELECT max(seq) FROM audit_trail")[0],
                "journal_seq": one("SELECT max(seq) FROM change_journal")[0]}
    finally:
        conn.close()


def _new(ws, sql: str, after_seq: int) -> list[int]:
    conn = ws.store.engine.raw_connection()
    try:
        return [int(v) for v in conn.execute(sql + _NEW.format(int(after_seq))).fetchone()]
    finally:
        conn.close()


def _vacuumed(ws, dest: Path) -> int:
    conn = ws.store.engine.raw_connection()
    try:
        conn.execute(f"VACUUM INTO '{dest}'")
    finally:
        conn.close()
    return dest.stat().st_size


def generate(ws, clock: FrozenClock, calls: int, patients: int) -> int:
    clock.set(_START)
    people = demo_patients(91, patients, today=_START.date())
    ids = [ws.patients.create(p).id for p in people]
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.bulk_insert(Call, [{"direction": CallDirection.IN.value, "number": "+33611223344",
                                "caller_kind": CallerKind.PATIENT.value, "caller_id": pid,
                                "started_at": _START, "note": "Demande de rendez-vous"}
                               for pid in ids])
    clock.set(_NOW - timedelta(days=760))
    for start in range(0, calls, _BATCH):
        n = min(_BATCH, calls - start)
        at = clock.now()
        rows = [{"direction": CallDirection.IN.value, "number": f"+3361{start + i:07d}",
                 "started_at": at + timedelta(minutes=start + i),
                 "note": f"Demande d'ordonnance, rappeler avant midi ({start + i})"}
                for i in range(n)]
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            new = uow.bulk_insert(Call, rows)
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            for call in uow.session.query(Call).filter(Call.id.in_(new)):
                call.ended_at = call.started_at + timedelta(minutes=3)
                call.outcome = "informed"
    ws.store.checkpoint()
    clock.set(_NOW)
    return len(ids)


def _report(label: str, f: dict) -> None:
    mb = 1024 * 1024
    print(f"{label}: file {f['file'] / mb:.2f} MB, {f['pages']} pages of {f['page']} "
          f"({f['free']} free); journal {f['journal'][0]} entries, "
          f"{f['journal'][1] / mb:.2f} MB of values; audit {f['audit'][0]} entries, "
          f"{f['audit'][1] / mb:.2f} MB of values")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retention_growth",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="permanence-retention-", dir=args.dir))
    clock = FrozenClock(_START)
    try:
        ws = create_practice(
            ProfilePaths(folder / "profile"),
            PracticeInput(name="Cabinet du banc d'essai", owner_name="Dr Banc",
                          practitioners=[PractitionerInput("Jeanne", "Banc",
                                                           "Médecine générale")]),
            passphrase="banc d'essai de la rétention", keychain=None, clock=clock,
            kdf=_KDF).workspace
        started = time.perf_counter()
        generate(ws, clock, args.calls, args.patients)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        # The trail's own rule would remove the calls' creation entries, a year old:
        # kept, so that what the erasures add shows.
        trail_retention.set_retention_days(ws.store, trail_retention.MAX_DAYS)
        before = _figures(ws)
        _report("before", before)
        vacuumed_before = _vacuumed(ws, folder / "before.db")
        started = time.perf_counter()
        summary = ws.retention.apply()
        print(f"retention apply in {time.perf_counter() - started:.0f} s: "
              f"{len(summary.patients)} patients, {summary.calls} calls, "
              f"{summary.journal_entries} journal entries compacted, "
              f"{summary.audit_entries} audit entries summarised")
        after = _figures(ws)
        _report("after", after)
        vacuumed_after = _vacuumed(ws, folder / "after.db")
        erased = max(summary.calls + len(summary.patients), 1)
        for name, sql in (("journal", _JOURNAL), ("audit", _AUDIT)):
            rows = after[name][0] - before[name][0]
            values = after[name][1] - before[name][1]
            new = _new(ws, sql, before[name + "_seq"])
            print(f"{name}: {rows:+d} entries, {values / erased:+.0f} bytes of values per "
                  f"erased call or patient; written by the run: {new[0]} entries, "
                  f"{new[1] / erased:.0f} bytes of values per erased call or patient")
        used = lambda f: (f["pages"] - f["free"]) * f["page"]  # noqa: E731
        print(f"pages in use: {(used(after) - used(before)) / erased:+.0f} bytes per "
              f"erased call or patient; file {after['file'] - before['file']:+d} bytes")
        print(f"vacuumed copy: {vacuumed_before / 1024 / 1024:.2f} MB before, "
              f"{vacuumed_after / 1024 / 1024:.2f} MB after "
              f"({(vacuumed_after - vacuumed_before) / erased:+.0f} bytes per erased call "
              "or patient)")
        ws.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
