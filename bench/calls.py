"""``python -m bench.calls [--quick] [--runs N] [--profile DIR]``: the call log on `large`.

- number lookup (the caller identified from a number as a phone system gives it: 06…,
  +33…, 0033…; patients' numbers, family phones, directory contacts, unknown and
  withheld numbers): p50, p95, max (target p95 ≤ 5 ms), beside the patient search on
  the same numbers (its target is the same: what it gets in the same run shows how busy
  the machine is);
- logging a call: a whole call recorded in one unit of work (caller identified, stamps,
  change journal, audit trail), and the three events of a call each in its own (target
  median ≤ 20 ms);
- a day's call log (every call of one working day, of the last year): median, p95
  (target ≤ 50 ms);
- the indicators over a year (target ≤ 1 s).

The cached profile is only read; the writes go to a throwaway copy.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from app.clock import SystemClock
from app.services.calls import CallerIdentifier, CallInput, indicators
from app.services.patients import PatientInput, PhoneEntry
from app.services.phones import InvalidPhone, parse_phone
from app.services.workspace import open_workspace
from app.storage.profile import ProfilePaths
from bench.profiles import CACHE, cached_profile, standard_parser, throwaway_copy
from bench.stats import median, ms, percentile, sec

TARGETS = {"lookup_p95": 0.005, "log_median": 0.020, "day_median": 0.050, "year": 1.0}


def _formats(e164: str, rng: random.Random) -> str:
    """The number as a phone system might give it."""
    national = "0" + e164[3:] if e164.startswith("+33") else None
    if national is None:
        return e164
    return rng.choice((national, e164, "00" + e164[1:],
                       " ".join(national[i:i + 2] for i in range(0, 10, 2))))


def _unknown(rng: random.Random) -> str:
    """A valid mobile number that is most likely nobody's here."""
    while True:
        number = f"07{rng.randrange(10**8):08d}"
        try:
            parse_phone(number)
            return number
        except InvalidPhone:
            continue


def _numbers(ws, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(kind, number) queries: patients' numbers (shared ones among them), contacts',
    unknown and withheld numbers."""
    with ws.store.reader() as s:
        conn = s.connection()
        phones = [r[0] for r in conn.exec_driver_sql(
            "SELECT e164 FROM patient_phone WHERE deleted_at IS NULL ORDER BY random() "
            f"LIMIT {n}")]
        shared = [r[0] for r in conn.exec_driver_sql(
            "SELECT e164 FROM patient_phone WHERE deleted_at IS NULL GROUP BY e164 "
            f"HAVING count(*) > 1 ORDER BY random() LIMIT {n // 4}")]
        contacts = [r[0] for r in conn.exec_driver_sql(
            "SELECT phone_e164 FROM contact WHERE deleted_at IS NULL AND phone_e164 != '' "
            f"ORDER BY random() LIMIT {n // 4}")]
    queries = [("patient", _formats(p, rng)) for p in phones]
    queries += [("family", _formats(p, rng)) for p in shared]
    queries += [("contact", _formats(p, rng)) for p in contacts]
    queries += [("unknown", _unknown(rng)) for _ in range(n // 4)]
    queries += [("withheld", rng.choice(("anonymous", "masqué", ""))) for _ in range(n // 10)]
    rng.shuffle(queries)
    return queries


def _timed(fn, *args, **kwargs) -> float:
    t = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t


def measure(work: ProfilePaths, key: bytes, runs: int) -> dict:
    rng = random.Random(13)
    ws = open_workspace(work, key, clock=SystemClock())
    try:
        with ws.store.reader() as s:
            total = s.execute(text("SELECT count(*) FROM call")).scalar_one()
            days = [r[0] for r in s.execute(text(
                "SELECT date(started_at) FROM call GROUP BY date(started_at) "
                "ORDER BY 1 DESC LIMIT 250"))]
        identifier = CallerIdentifier(ws.store)
        queries = _numbers(ws, rng, 400)
        for _kind, number in queries[:50]:  # warm-up
            identifier.identify(number)
        lookup: dict[str, list[float]] = {}
        search: list[float] = []  # the reference: the patient search on the same numbers
        matched = 0
        for _ in range(runs):
            for kind, number in queries:
                t = time.perf_counter()
                found = identifier.identify(number)
                lookup.setdefault(kind, []).append(time.perf_counter() - t)
                matched += bool(found.matches)
                if kind != "withheld":
                    search.append(_timed(ws.patients.search, number))
        # Logging: a whole call per unit of work, then the three events of a call; the
        # references of the same run: a unit of work that writes only an audit entry (the
        # floor: a transaction and its sync to disk) and creating one patient.
        record, events = [], {"ringing": [], "answered": [], "ended": []}
        floor, patient = [], []
        for _ in range(20 * runs):
            t = time.perf_counter()
            with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
                uow.audit("read", "call", "bench")
            floor.append(time.perf_counter() - t)
            patient.append(_timed(ws.patients.create, PatientInput(
                birth_name="Banc", first_names="Essai", phones=[PhoneEntry("0612345678")])))
        numbers = [n for k, n in queries if k in ("patient", "family", "unknown")]
        for i in range(40 * runs):
            now = ws.clock.now()
            record.append(_timed(ws.calls.record, CallInput(
                number=numbers[i % len(numbers)], started_at=now - timedelta(minutes=3),
                answered_at=now - timedelta(minutes=3) + timedelta(seconds=7),
                ended_at=now, reason="appointment", outcome="informed",
                note="Demande de renseignement")))
        for i in range(20 * runs):
            ref = f"bench-{i}"
            t = time.perf_counter()
            ws.calls.ringing(numbers[i % len(numbers)], call_id=ref)
            events["ringing"].append(time.perf_counter() - t)
            events["answered"].append(_timed(ws.calls.answered, ref))
            events["ended"].append(_timed(ws.calls.ended, ref))
        from datetime import date

        sample = [date.fromisoformat(d) for d in rng.sample(days, min(len(days), 30))]
        day_log, day_rows = [], []
        for _ in range(runs):
            for day in sample:
                t = time.perf_counter()
                rows = ws.calls.day_log(day)
                day_log.append(time.perf_counter() - t)
                day_rows.append(len(rows))
        today = ws.zone.today(ws.clock.now())
        year, year_figures = [], None
        for _ in range(runs):
            t = time.perf_counter()
            year_figures = indicators(ws.store, ws.zone, today - timedelta(days=365), today,
                                      now=ws.clock.now())
            year.append(time.perf_counter() - t)
    finally:
        ws.close()
    return {"total": total, "lookup": lookup, "search": search, "matched": matched / (runs * len(queries)),
            "record": record, "events": events, "floor": floor, "patient": patient, "day_log": day_log, "day_rows": day_rows,
            "year": year, "year_figures": year_figures}


def report(root: Path, r: dict) -> list[str]:
    every = [t for ts in r["lookup"].values() for t in ts]
    lines = [f"call log, service level — {root} ({r['total']:,} calls)"]

    def verdict(value: float, target: str) -> str:
        return "ok" if value <= TARGETS[target] else "MISSED"

    p95 = percentile(every, 95)
    lines.append(f"  number lookup       p50 {ms(median(every)):>9}  p95 {ms(p95):>9}  "
                 f"max {ms(max(every)):>9}  {verdict(p95, 'lookup_p95')} (p95 ≤ 5 ms)")
    for kind, ts in sorted(r["lookup"].items()):
        lines.append(f"    {kind:<9} p50 {ms(median(ts)):>9}  p95 {ms(percentile(ts, 95)):>9}")
    lines.append(f"    a match for {r['matched']:.0%} of the numbers looked up")
    lines.append(f"    reference: the patient search on the same numbers p50 "
                 f"{ms(median(r['search']))}, p95 {ms(percentile(r['search'], 95))}")
    m = median(r["record"])
    lines.append(f"  log a call (1 uow)  p50 {ms(m):>9}  p95 {ms(percentile(r['record'], 95)):>9}"
                 f"  {verdict(m, 'log_median')} (median ≤ 20 ms)")
    lines.append(f"    reference: audit-only unit of work p50 {ms(median(r['floor']))}, "
                 f"create one patient p50 {ms(median(r['patient']))}")
    for name, ts in r["events"].items():
        lines.append(f"    event {name:<9} p50 {ms(median(ts)):>9}  p95 {ms(percentile(ts, 95)):>9}")
    m = median(r["day_log"])
    lines.append(f"  a day's call log    p50 {ms(m):>9}  p95 {ms(percentile(r['day_log'], 95)):>9}"
                 f"  {verdict(m, 'day_median')} (≤ 50 ms; {median(r['day_rows']):.0f} calls a day)")
    m = median(r["year"])
    lines.append(f"  indicators, a year  p50 {sec(m):>9}  max {sec(max(r['year'])):>9}  "
                 f"{verdict(m, 'year')} (≤ 1 s; {r['year_figures']['calls_total']:,} calls)")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = standard_parser("python -m bench.calls", __doc__, runs=5, what="profile to measure").parse_args(argv)
    root, key, size = cached_profile(args)
    with tempfile.TemporaryDirectory(prefix="calls-", dir=CACHE) as tmp:
        work = throwaway_copy(root, Path(tmp) / "profile")
        result = measure(work, key, args.runs)
    for line in report(root, result):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
