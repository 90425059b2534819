"""The agenda screen offscreen, in a fresh process: ``python -m bench.agenda_ui DIR RUNS``.

- a week of every practitioner, timed from the request (``show_week``) to the end of a
  synchronous repaint of the grid: the read (appointments with patient and type, the
  schedule), the conversion to grid items and bands, the layout and the paint;
- the same for one day of every practitioner;
- moving an appointment as a drop does it (the guarded write, the reload and the
  repaint of the week), to a free slot found beforehand (not timed).

Weeks are this one, the next three and weeks spread over the past ten years. Unlocks
with PERMANENCE_PASSPHRASE and prints one JSON line of timings in seconds. The moves are
written: give it a copy.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    root, runs = Path(sys.argv[1]), int(sys.argv[2])
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from app.clock import SystemClock
    from app.models import Appointment
    from app.models.agenda import HOLDING_STATUSES
    from app.services.agenda.views import BookingInput
    from app.services.agenda.slots import SlotQuery
    from app.services.practice import list_practitioners
    from app.services.workspace import open_workspace
    from app.storage.profile import ProfilePaths, unlock_key
    from app.ui.agenda.page import AgendaPage
    from app.ui.change_bus import ChangeBus
    from app.ui.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    paths = ProfilePaths(root)
    key = unlock_key(paths, passphrase=os.environ["PERMANENCE_PASSPHRASE"])
    ws = open_workspace(paths, key, clock=SystemClock())
    page = AgendaPage(ws, ChangeBus(ws.store, ws.initiator))
    page.resize(1600, 900)
    page.show()
    app.processEvents()
    pids = [p.id for p in list_practitioners(ws.store)]
    today = ws.zone.today(ws.clock.now())
    monday = today - timedelta(days=today.weekday())
    rng = random.Random(5)
    weeks = [monday + timedelta(weeks=k) for k in range(4)]
    weeks += [monday - timedelta(weeks=rng.randint(1, 500)) for _ in range(8)]
    week_times: list[float] = []
    day_times: list[float] = []
    move_times: list[float] = []
    items = 0
    try:
        for run in range(runs + 1):  # the first pass warms the caches and is not kept
            for first in weeks:
                started = time.perf_counter()
                page.show_week(first, pids)
                page.grid.viewport().repaint()
                elapsed = time.perf_counter() - started
                items = max(items, len(page.grid.data().items))
                if run:
                    week_times.append(elapsed)
                started = time.perf_counter()
                page.show_day(first + timedelta(days=1), pids)
                page.grid.viewport().repaint()
                if run:
                    day_times.append(time.perf_counter() - started)

        # Moves on the week of the next month: what a drop does, then the repaint.
        target = monday + timedelta(weeks=4)
        page.show_week(target, pids)
        start, _ = ws.zone.day_bounds(target)
        with ws.store.reader() as s:
            rows = s.execute(select(Appointment.id, Appointment.practitioner_id,
                                    Appointment.type_id, Appointment.patient_id,
                                    Appointment.starts_at, Appointment.ends_at)
                             .where(Appointment.starts_at >= start,
                                    Appointment.starts_at < start + timedelta(days=5),
                                    Appointment.status.in_(HOLDING_STATUSES),
                                    Appointment.type_id.is_not(None),
                                    Appointment.deleted_at.is_(None))
                             .order_by(Appointment.id).limit(60)).all()
        for aid, pid, type_id, patient_id, starts, ends in rows[:30]:
            free = ws.slots.find_slots(SlotQuery(type_id, target, target + timedelta(days=5),
                                                 practitioner_ids=(pid,)), 1)
            if not free:
                continue
            slot = free[0]
            # A refusal would open a dialog: only moves the guard accepts are timed.
            proposal = BookingInput(pid, slot.starts_at, slot.starts_at + (ends - starts),
                                    patient_id, type_id)
            if any(c.blocking for c in ws.agenda.check(proposal, ignore_id=aid)):
                continue
            started = time.perf_counter()
            moved = page.move_appointment(aid, pid, slot.day, slot.start_min)
            page.grid.viewport().repaint()
            if moved:
                move_times.append(time.perf_counter() - started)
    finally:
        page.close()
        ws.close()
    print(json.dumps({"week": week_times, "day": day_times, "move": move_times,
                      "items": items, "practitioners": len(pids)}), flush=True)
    os._exit(0)  # skip Qt teardown order issues; the figures are out


if __name__ == "__main__":
    sys.exit(main())
