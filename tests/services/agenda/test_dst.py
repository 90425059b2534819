"""Daylight saving: bookings, day lengths, series and free slots around the last Sundays
of March and October 2026, and a workstation in another zone that books Paris times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta, timezone
from pathlib import Path

import pytest

from app.services.agenda.series import SeriesInput
from app.services.agenda.setup import HoursRange
from app.services.agenda.slots import SlotQuery
from app.services.agenda.views import BookingInput

ROOT = Path(__file__).resolve().parents[3]
UTC = timezone.utc
MARCH = (date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30))     # Sat, Sun (change), Mon
OCTOBER = (date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26))


def _every_day(agenda, pid) -> None:
    """Open seven days a week, so the weekend of the change has hours too."""
    agenda.ws.agenda_setup.set_hours(pid, [HoursRange(wd, a, b) for wd in range(7)
                                           for a, b in (("08:30", "12:00"), ("14:00", "19:00"))])


def _hhmm(agenda, instant) -> str:
    return agenda.ws.zone.local(instant).strftime("%H:%M")


@pytest.mark.parametrize("days, utc_hours", [(MARCH, [8, 7, 7]), (OCTOBER, [7, 8, 8])])
def test_nine_in_paris_is_eight_or_seven_utc(agenda, days, utc_hours):
    _every_day(agenda, agenda.morel)
    booked = [agenda.service.book(BookingInput(agenda.morel, agenda.at(d, 9),
                                               patient_id=agenda.patients[0],
                                               type_id=agenda.consult)).appointment
              for d in days]
    assert [a.starts_at.astimezone(UTC).hour for a in booked] == utc_hours
    listed = agenda.service.appointments([agenda.morel], days[0], days[-1])
    assert [(agenda.ws.zone.day_of(a.starts_at), _hhmm(agenda, a.starts_at)) for a in listed] \
        == [(d, "09:00") for d in days]
    assert all(a.minutes == 15 for a in listed)


def test_the_change_days_last_23_and_25_hours(agenda):
    zone = agenda.ws.zone
    for day, hours in ((MARCH[1], 23), (OCTOBER[1], 25), (MARCH[0], 24), (OCTOBER[2], 24)):
        start, end = zone.day_bounds(day)
        assert end - start == timedelta(hours=hours)
        assert zone.day_minutes(day) == hours * 60
    assert zone.day_bounds(MARCH[1])[0].astimezone(UTC).hour == 23  # midnight, winter time
    assert zone.day_bounds(MARCH[1])[1].astimezone(UTC).hour == 22  # midnight, summer time


@pytest.mark.parametrize("first, utc_hours", [(MARCH[0], [8, 7, 7]), (OCTOBER[0], [7, 8, 8])])
def test_a_weekly_series_across_the_change_stays_at_nine(agenda, first, utc_hours):
    _every_day(agenda, agenda.faure)
    plan = agenda.ws.series.plan_series(SeriesInput(
        agenda.faure, agenda.patients[2], agenda.consult, first, "09:00",
        "FREQ=WEEKLY;BYDAY=SA,SU;COUNT=3"))
    result = agenda.ws.series.create_series(plan)
    listed = agenda.ws.series.occurrences(result.series_id)
    assert [_hhmm(agenda, a.starts_at) for a in listed] == ["09:00"] * 3
    assert [a.starts_at.astimezone(UTC).hour for a in listed] == utc_hours
    assert [agenda.ws.zone.day_of(a.starts_at) for a in listed] == [
        first, first + timedelta(days=1), first + timedelta(days=7)]


@pytest.mark.parametrize("change_week, ordinary_week", [
    (date(2026, 3, 23), date(2026, 3, 30)), (date(2026, 10, 19), date(2026, 10, 12))])
def test_the_finder_proposes_the_same_wall_times_in_the_change_week(agenda, change_week,
                                                                    ordinary_week):
    _every_day(agenda, agenda.morel)
    _every_day(agenda, agenda.faure)

    def week(monday):
        slots = agenda.ws.slots.find_slots(SlotQuery(
            agenda.visit, monday, monday + timedelta(days=6)), limit=10_000)
        return [((s.day - monday).days, s.practitioner_id, s.start_min, _hhmm(agenda, s.starts_at))
                for s in slots]

    changing = week(change_week)
    assert changing == week(ordinary_week)
    sunday = [s for s in changing if s[0] == 6]
    assert sunday and sunday[0][2:] == (8 * 60 + 30, "08:30")


CHILD = r"""
import json, os, sys, time
from datetime import date, datetime, timezone
from pathlib import Path

from app.clock import FrozenClock
from app.services.agenda.slots import SlotQuery
from app.services.agenda.views import BookingInput
from app.services.workspace import open_workspace
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths, unlock_key

root, pid, type_id, patient = sys.argv[1:5]
paths = ProfilePaths(Path(root))
key = unlock_key(paths, passphrase=os.environ["PERMANENCE_PASSPHRASE"],
                 kdf_floor=KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1))  # the test cost
ws = open_workspace(paths, key, clock=FrozenClock(datetime(2026, 3, 16, 8, 30,
                                                           tzinfo=timezone.utc)))
out = {"workstation": list(time.tzname), "booked": {}}
try:
    for text in sys.argv[5:]:
        day = date.fromisoformat(text)
        a = ws.agenda.book(BookingInput(pid, ws.zone.at(day, 9), patient_id=patient,
                                        type_id=type_id)).appointment
        out["booked"][text] = a.id
    out["read"] = [[ws.zone.day_of(a.starts_at).isoformat(),
                    ws.zone.local(a.starts_at).strftime("%H:%M"),
                    a.starts_at.astimezone(timezone.utc).strftime("%H:%M")]
                   for a in ws.agenda.appointments([pid], date(2026, 3, 1), date(2026, 11, 1))]
    slot = ws.slots.find_slots(SlotQuery(type_id, date(2026, 3, 29), date(2026, 3, 29),
                                         (pid,)), limit=1)[0]
    out["first_slot"] = ws.zone.local(slot.starts_at).strftime("%H:%M")
finally:
    ws.close()
print(json.dumps(out))
"""


def test_a_workstation_in_bucharest_books_paris_times(agenda, passphrase):
    _every_day(agenda, agenda.morel)
    root, pid = agenda.ws.paths.root, agenda.morel
    consult, patient = agenda.consult, agenda.patients[1]
    agenda.ws.close()  # the child opens the profile on its own
    days = [d.isoformat() for d in MARCH + OCTOBER]
    env = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    env.update(TZ="Europe/Bucharest", PERMANENCE_PASSPHRASE=passphrase)
    run = subprocess.run([sys.executable, "-c", CHILD, str(root), pid, consult, patient, *days],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["workstation"] == ["EET", "EEST"]  # the child really is in Bucharest
    assert out["read"] == [
        ["2026-03-28", "09:00", "08:00"], ["2026-03-29", "09:00", "07:00"],
        ["2026-03-30", "09:00", "07:00"], ["2026-10-24", "09:00", "07:00"],
        ["2026-10-25", "09:00", "08:00"], ["2026-10-26", "09:00", "08:00"]]
    assert out["first_slot"] == "08:30"  # Paris opening hours, not Bucharest's clock
