"""Agenda figures at service level, encrypted vs the plain copy, alternating query by query.

- the next 20 free slots over three months (the slot finder: hours, holidays, absences,
  buffers and the existing bookings of a ten-year, 1,000,000-appointment agenda);
- reading a week of ten practitioners (appointments with patient and type, and the
  schedule) — the load half of the week view;
- booking into a free slot and moving an appointment to another free slot (each its own
  committed unit of work with the guard, the journal and the audit trail).

Run on throwaway copies: the moves and bookings are written.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from app.clock import SystemClock
from app.models import Appointment, AppointmentType, Patient, Practitioner
from app.models.agenda import HOLDING_STATUSES
from app.services.accounts import principal_for
from app.services.agenda.service import AgendaService, BookingRefused
from app.services.agenda.slots import Constraints, SlotFinder, SlotQuery, TimeWindow
from app.services.agenda.views import BookingInput
from app.services.agenda.zone import PracticeTime
from app.services.practice import get_practice

TARGET_SLOTS_S = 0.050
TARGET_WRITE_S = 0.020
SLOT_LIMIT = 20
HORIZON_DAYS = 90


@dataclass
class Side:
    agenda: AgendaService
    slots: SlotFinder


@dataclass
class AgendaTimes:
    slots: list[float] = field(default_factory=list)
    week_read: list[float] = field(default_factory=list)
    book: list[float] = field(default_factory=list)
    move: list[float] = field(default_factory=list)


@dataclass
class AgendaResult:
    encrypted: AgendaTimes
    plain: AgendaTimes
    appointments: int
    practitioners: int
    slot_queries: int
    week_rows: int
    slots_identical: bool
    notes: list[str] = field(default_factory=list)


def _side(store) -> Side:
    practice = get_practice(store)
    zone = PracticeTime(practice.timezone)
    clock = SystemClock()
    return Side(AgendaService(store, principal=principal_for(store, None), clock=clock, zone=zone,
                              holiday_region=practice.holiday_region),
                SlotFinder(store, clock=clock, zone=zone, holiday_region=practice.holiday_region))


def _queries(store, today: date) -> list[SlotQuery]:
    """A secretary's mix: each motif for everyone who offers it, for one practitioner,
    mornings only, and "Tuesday or Thursday after 17:00"."""
    with store.reader() as s:
        types = s.execute(select(AppointmentType.id, AppointmentType.practitioner_ids)
                          .where(AppointmentType.deleted_at.is_(None),
                                 AppointmentType.active.is_(True))
                          .order_by(AppointmentType.name)).all()
    last = today + timedelta(days=HORIZON_DAYS)
    late = Constraints(windows=(TimeWindow(frozenset({1, 3}), after_min=17 * 60),))
    out = []
    for type_id, offered in types:
        one = tuple(offered.split()[:1])
        out.append(SlotQuery(type_id, today, last))
        out.append(SlotQuery(type_id, today, last, practitioner_ids=one))
        out.append(SlotQuery(type_id, today, last, constraints=Constraints(part_of_day="morning")))
        out.append(SlotQuery(type_id, today, last, practitioner_ids=one, constraints=late))
    return out


def _timed(times: list[float], fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    times.append(time.perf_counter() - started)
    return result


def measure(encrypted_store, plain_store, runs: int, *, writes: int = 60) -> AgendaResult:
    enc, pln = _side(encrypted_store), _side(plain_store)
    zone = enc.agenda.zone
    today = zone.today(SystemClock().now())
    with encrypted_store.reader() as s:
        appointments = s.execute(select(func.count()).select_from(Appointment)).scalar_one()
        pids = list(s.execute(select(Practitioner.id).where(Practitioner.deleted_at.is_(None))
                              .order_by(Practitioner.last_name)).scalars())
        patients = list(s.execute(select(Patient.id).where(Patient.deleted_at.is_(None))
                                  .order_by(Patient.id).limit(2000)).scalars())
    queries = _queries(encrypted_store, today)
    et, pt = AgendaTimes(), AgendaTimes()
    identical = True
    pairs = ((enc, et), (pln, pt))

    # Warm-up and the results check: both stores must propose the same slots.
    for q in queries:
        a = [(x.practitioner_id, x.starts_at) for x in enc.slots.find_slots(q, SLOT_LIMIT)]
        b = [(x.practitioner_id, x.starts_at) for x in pln.slots.find_slots(q, SLOT_LIMIT)]
        identical &= a == b
    for run in range(runs):
        for i, q in enumerate(queries):
            for side, times in (pairs if (i + run) % 2 == 0 else pairs[::-1]):
                _timed(times.slots, side.slots.find_slots, q, SLOT_LIMIT)

    # Weeks: this one, the next ones, and weeks spread over the past years.
    monday = today - timedelta(days=today.weekday())
    rng = random.Random(7)
    weeks = [monday + timedelta(weeks=k) for k in range(4)]
    weeks += [monday - timedelta(weeks=rng.randint(1, 500)) for _ in range(8)]
    rows = 0
    for run in range(runs):
        for i, first in enumerate(weeks):
            for side, times in (pairs if (i + run) % 2 == 0 else pairs[::-1]):
                appts, _sched = _timed(times.week_read, side.agenda.window, pids, first,
                                       first + timedelta(days=6))
                rows = max(rows, len(appts))

    # Writes: book a patient into the next free slot, and move a future appointment to
    # another free slot; both stores get the same writes, alternating which goes first.
    rng = random.Random(11)
    with encrypted_store.reader() as s:
        start, _end = zone.day_bounds(today + timedelta(days=1))
        future = s.execute(select(Appointment.id, Appointment.practitioner_id, Appointment.type_id)
                           .where(Appointment.starts_at >= start,
                                  Appointment.starts_at < start + timedelta(days=50),
                                  Appointment.status.in_(HOLDING_STATUSES),
                                  Appointment.type_id.is_not(None),
                                  Appointment.deleted_at.is_(None))
                           .order_by(Appointment.id).limit(writes * 3)).all()
    rng.shuffle(future)
    moved = booked = refused = 0
    for i, (aid, pid, type_id) in enumerate(future[:writes]):
        q = SlotQuery(type_id, today + timedelta(days=rng.randint(1, 40)),
                      today + timedelta(days=HORIZON_DAYS), practitioner_ids=(pid,))
        free = enc.slots.find_slots(q, 2)
        if len(free) < 2:
            continue
        patient = rng.choice(patients)
        for side, times in (pairs if i % 2 == 0 else pairs[::-1]):
            try:
                _timed(times.book, side.agenda.book,
                       BookingInput(pid, free[0].starts_at, patient_id=patient, type_id=type_id))
                booked += side is enc
                _timed(times.move, side.agenda.move, aid, free[1].starts_at)
                moved += side is enc
            except BookingRefused:
                refused += 1  # e.g. a longer-than-usual appointment: not timed
    result = AgendaResult(et, pt, appointments, len(pids), len(queries), rows, identical)
    result.notes.append(f"{len(queries)} slot queries × {runs} passes (next {SLOT_LIMIT} over "
                        f"{HORIZON_DAYS} days; each motif for all, for one practitioner, mornings, "
                        f"Tue/Thu after 17:00); same slots on both stores: "
                        f"{'yes' if identical else 'NO'}")
    result.notes.append(f"{len(weeks)} weeks × {runs} passes, {len(pids)} practitioners, up to "
                        f"{rows:,} appointments a week; {booked} bookings and {moved} moves on "
                        f"each store ({refused} refused by the guard, not timed)")
    return result
