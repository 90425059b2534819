"""``python -m bench.day_report [--quick] [--runs N] [--profile DIR]``: the call pages'
reads and the day report on `large` (1,000,000 calls).

- the day report PDF (target ≤ 2 s): the report's data read, laid out by Qt and written
  to an owner-only PDF with its audit entry, for the busiest day of the last year, the
  whole practice and its busiest practitioner: median, max, pages;
- its data alone (the service), median;
- the Appels page's first page of a day's log and its count, median (≤ 50 ms, as a
  day's call log);
- the Statistiques page's figures over a year (the indicators, the heat map, the
  no-show rate; ≤ 1 s, as the indicators), median.

The cached profile is only read; the PDFs and their audit entries go to a throwaway copy.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from app.clock import SystemClock
from app.services.calls.log import LogFilter
from app.services.workspace import open_workspace
from app.storage.profile import ProfilePaths
from bench.profiles import CACHE, cached_profile, standard_parser, throwaway_copy
from bench.stats import median, ms, sec

TARGETS = {"pdf": 2.0, "day_page": 0.050, "year": 1.0}


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t, result


def measure(work: ProfilePaths, key: bytes, runs: int, out_dir: Path) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.ui.calls.report_pdf import ensure_gui, write_report_pdf

    ensure_gui()
    ws = open_workspace(work, key, clock=SystemClock())
    try:
        today = ws.zone.today(ws.clock.now())
        with ws.store.reader() as s:
            total = s.execute(text("SELECT count(*) FROM call")).scalar_one()
            day_text, _n = s.execute(text(
                "SELECT date(started_at), count(*) FROM call WHERE started_at >= :since "
                "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"),
                {"since": (today - timedelta(days=365)).isoformat()}).one()
            who = s.execute(text(
                "SELECT practitioner_id FROM call WHERE practitioner_id IS NOT NULL "
                "AND date(started_at) = :day GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
                {"day": day_text}).scalar()
        day = date.fromisoformat(day_text)
        figures: dict[str, list[float]] = {"pdf": [], "pdf_one": [], "data": [],
                                           "day_page": [], "year": []}
        pages = {}
        for run in range(runs):
            for name, practitioner in (("pdf", None), ("pdf_one", who)):
                path = out_dir / f"{name}-{run}.pdf"

                def whole(practitioner=practitioner, path=path):
                    report = ws.day_reports.build(day, practitioner_id=practitioner)
                    return write_report_pdf(ws, report, path)

                took, pages[name] = _timed(whole)
                figures[name].append(took)
                path.unlink()
            figures["data"].append(_timed(ws.day_reports.build, day)[0])
            f = LogFilter(day)
            figures["day_page"].append(
                _timed(lambda f=f: (ws.call_log.page(f), ws.call_log.count(f)))[0])
            figures["year"].append(_timed(ws.call_statistics, today - timedelta(days=365),
                                          today)[0])
        calls_that_day = ws.call_log.count(LogFilter(day)).calls
    finally:
        ws.close()
    return {"total": total, "day": day, "calls": calls_that_day, "pages": pages, **figures}


def report(root: Path, r: dict) -> list[str]:
    def verdict(value: float, target: str) -> str:
        return "ok" if value <= TARGETS[target] else "MISSED"

    lines = [f"call pages and day report — {root} ({r['total']:,} calls; "
             f"{r['day']}: {r['calls']} calls)"]
    for name, what in (("pdf", "the practice"), ("pdf_one", "one practitioner")):
        m = median(r[name])
        lines.append(f"  day report PDF, {what:<16} p50 {sec(m):>9}  max {sec(max(r[name])):>9}"
                     f"  {r['pages'][name]} page(s)  {verdict(m, 'pdf')} (≤ 2 s)")
    lines.append(f"    its data alone (service)       p50 {ms(median(r['data'])):>9}")
    m = median(r["day_page"])
    lines.append(f"  Appels: a day's first page + count p50 {ms(m):>9}  "
                 f"{verdict(m, 'day_page')} (≤ 50 ms)")
    m = median(r["year"])
    lines.append(f"  Statistiques over a year      p50 {sec(m):>9}  max {sec(max(r['year'])):>9}"
                 f"  {verdict(m, 'year')} (≤ 1 s)")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = standard_parser("python -m bench.day_report", __doc__, runs=5, what="profile to measure").parse_args(argv)
    root, key, size = cached_profile(args)
    with tempfile.TemporaryDirectory(prefix="day-report-", dir=CACHE) as tmp:
        work = throwaway_copy(root, Path(tmp) / "profile")
        out_dir = Path(tmp) / "out"
        out_dir.mkdir()
        result = measure(work, key, args.runs, out_dir)
    for line in report(root, result):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
