"""Service-level timings: patient search and patient creation, encrypted vs plain."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from app.demo import demo_patients
from app.services.patients import PatientService

from bench.queries import Query


@dataclass
class SearchTimes:
    all: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class SearchResult:
    encrypted: SearchTimes
    plain: SearchTimes
    queries: int
    found: int       # queries with at least one result (on the encrypted store)
    mismatches: int  # queries whose results differ between the two stores
    # kind -> (queries whose caller is on the first page, among all the patients found,
    # queries that name a caller)
    callers: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def _timed_search(service: PatientService, q: Query, times: SearchTimes) -> list[str]:
    started = time.perf_counter()
    rows = service.search(q.text)
    elapsed = time.perf_counter() - started
    times.all.append(elapsed)
    times.by_kind[q.kind].append(elapsed)
    return [r.id for r in rows]


EVERY = 10**9  # a limit that no practice reaches


def measure_search(encrypted: PatientService, plain: PatientService, queries: list[Query],
                   runs: int) -> SearchResult:
    """One warm-up pass on each store (also the results check), then ``runs`` timed passes,
    alternating the stores query by query so both see the same machine noise."""
    found = mismatches = 0
    callers: dict[str, tuple[int, int, int]] = {}
    for q in queries:
        a = [r.id for r in encrypted.search(q.text)]
        b = [r.id for r in plain.search(q.text)]
        found += bool(a)
        mismatches += a != b
        if q.patient_id:
            page, found_at_all, of = callers.get(q.kind, (0, 0, 0))
            every = {r.id for r in encrypted.search(q.text, limit=EVERY)}
            callers[q.kind] = (page + (q.patient_id in a),
                               found_at_all + (q.patient_id in every), of + 1)
    enc, pln = SearchTimes(), SearchTimes()
    for run in range(runs):
        for i, q in enumerate(queries):
            pair = ((encrypted, enc), (plain, pln))
            for service, times in (pair if (i + run) % 2 == 0 else pair[::-1]):
                _timed_search(service, q, times)
    return SearchResult(enc, pln, len(queries), found, mismatches, callers)


@dataclass
class WriteResult:
    encrypted: list[float]
    plain: list[float]


def measure_writes(encrypted: PatientService, plain: PatientService, count: int,
                   *, warmup: int = 5) -> WriteResult:
    """``count`` single-patient creations on each store (each its own committed unit of
    work with journal and audit), alternating the stores."""
    rows = list(demo_patients(424242, count + warmup, today=date.today()))
    enc: list[float] = []
    pln: list[float] = []
    for i, data in enumerate(rows):
        pair = ((encrypted, enc), (plain, pln))
        for service, times in (pair if i % 2 == 0 else pair[::-1]):
            started = time.perf_counter()
            service.create(data)
            elapsed = time.perf_counter() - started
            if i >= warmup:
                times.append(elapsed)
    return WriteResult(enc, pln)
