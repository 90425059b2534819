"""From the agenda service's records to what the painted widgets show.

Pure functions over plain values (no Qt, no database): appointments, a ``Schedule`` and
day loads in, ``GridItem`` / ``GridBand`` / ``MonthDay`` out. This is where instants
become wall-clock minutes in the practice's time zone, once; the widgets never see an
instant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from app.i18n import _
from app.models.agenda import AppointmentStatus
from app.services.agenda.schedule import Schedule
from app.services.agenda.setup import absence_kind_labels
from app.services.agenda.views import AppointmentView, DayLoad
from app.services.agenda.zone import PracticeTime
from app.services.practice import PractitionerInfo
from app.ui.agenda.grid_data import (
    BAND_ABSENCE,
    BAND_HOLIDAY,
    BAND_OPEN,
    FLAG_ALERT,
    FLAG_NEW_PATIENT,
    FLAG_OVERRIDE,
    FLAG_SAME_PATIENT,
    FLAG_SERIES,
    GridBand,
    GridColumn,
    GridItem,
)
from app.ui.agenda.month import MonthDay

DAY_END = 24 * 60
DEFAULT_RANGE = (7 * 60 + 30, 20 * 60)
MARGIN_MIN = 30
CUT_MARK = "\u2702 "  # ✂ before the title of an appointment waiting to be pasted

# Statuses a drag may still change: the patient has not been seen yet.
_MOVABLE = frozenset({AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value,
                      AppointmentStatus.ARRIVED.value})


def column_for(p: PractitionerInfo) -> GridColumn:
    return GridColumn(p.id, p.display_name, p.specialty, p.colour or "#5b8def")


def wall_span(zone: PracticeTime, day: date, starts_at: datetime, ends_at: datetime, *,
              bounds: tuple[datetime, datetime] | None = None) -> tuple[int, int]:
    """Minutes after ``day``'s midnight covered by [starts_at, ends_at), clipped to the day
    (0 if it began the day before, 1440 if it runs past midnight). ``bounds``: the day's
    (start, end) instants when already known."""
    start_of_day, end_of_day = bounds or zone.day_bounds(day)
    start = 0 if starts_at <= start_of_day else zone.wall_minute(starts_at)
    end = DAY_END if ends_at >= end_of_day else zone.wall_minute(ends_at)
    return start, max(end, start)


def same_patient_ids(appointments: Iterable[AppointmentView]) -> set[str]:
    """Appointments whose patient holds another appointment overlapping them."""
    by_patient: dict[str, list[AppointmentView]] = defaultdict(list)
    for a in appointments:
        if a.patient_id and a.holds_time:
            by_patient[a.patient_id].append(a)
    found: set[str] = set()
    for appts in by_patient.values():
        if len(appts) < 2:
            continue
        appts.sort(key=lambda a: a.starts_at)
        running = appts[0]
        for a in appts[1:]:
            if a.starts_at < running.ends_at:
                found.add(a.id)
                found.add(running.id)
            if a.ends_at > running.ends_at:
                running = a
    return found


def appointment_title(a: AppointmentView) -> str:
    return a.patient_name or a.note or _("(no patient)")


def grid_items(appointments: Sequence[AppointmentView], zone: PracticeTime, *,
               columns: set[str], days: set[date], today: date, editable: bool = True,
               cut_id: str = "", cancelled: bool = True,
               first_visits: frozenset[str] | set[str] = frozenset()) -> list[GridItem]:
    """One box per appointment shown; cancelled ones struck through, or left out (so
    the time they freed looks free) when not ``cancelled``. ``first_visits``: the
    appointments that are their patient's first, marked as a new patient's."""
    twice = same_patient_ids(appointments)
    bounds = {day: zone.day_bounds(day) for day in days}
    items: list[GridItem] = []
    for a in appointments:
        if a.practitioner_id not in columns:
            continue
        if not cancelled and not a.holds_time:
            continue
        day = zone.day_of(a.starts_at)
        if day not in bounds:
            continue
        start, end = wall_span(zone, day, a.starts_at, a.ends_at, bounds=bounds[day])
        flags = set()
        if a.override_note:
            flags.add(FLAG_OVERRIDE)
        if a.series_id:
            flags.add(FLAG_SERIES)
        if a.id in twice:
            flags.add(FLAG_SAME_PATIENT)
        if a.patient_alert:
            flags.add(FLAG_ALERT)
        if a.id in first_visits:
            flags.add(FLAG_NEW_PATIENT)
        title = appointment_title(a)
        if a.id == cut_id:
            title = CUT_MARK + title
        subtitle = a.type_name
        if a.patient_name and a.note:
            subtitle = f"{subtitle} · {a.note}" if subtitle else a.note
        items.append(GridItem(
            a.id, a.practitioner_id, day, start, end, title, subtitle, a.colour, a.status,
            frozenset(flags), movable=editable and a.status in _MOVABLE and day >= today))
    return items


def absence_label(kind: str, replacement: str) -> str:
    kind_text = absence_kind_labels().get(kind, kind)
    if replacement:
        return _("Absent — {kind}, replaced by {name}").format(kind=kind_text, name=replacement)
    return _("Absent — {kind}").format(kind=kind_text)


def holiday_label(name: str) -> str:
    return _("Public holiday — {name}").format(name=name)


def grid_bands(schedule: Schedule, zone: PracticeTime, practitioner_ids: Sequence[str],
               days: Sequence[date], *, names: dict[str, str],
               type_names: dict[str, str] | None = None) -> list[GridBand]:
    """Open hours, absences (with the replacement) and public holidays of each column."""
    type_names = type_names or {}
    bands: list[GridBand] = []
    for day in days:
        holiday = schedule.holiday(day)
        closed = [pid for pid in practitioner_ids if holiday and
                  schedule.closed_for_holiday(pid, day)]
        if holiday and closed and len(closed) == len(practitioner_ids):
            bands.append(GridBand("", day, 0, DAY_END, holiday_label(holiday), BAND_HOLIDAY))
        else:
            bands.extend(GridBand(pid, day, 0, DAY_END, holiday_label(holiday), BAND_HOLIDAY)
                         for pid in closed)
        start_of_day, end_of_day = zone.day_bounds(day)
        for pid in practitioner_ids:
            for r in schedule.open_ranges(pid, day):
                label = ""
                if r.type_ids:
                    label = ", ".join(sorted(type_names.get(t, "") for t in r.type_ids
                                             if type_names.get(t)))
                bands.append(GridBand(pid, day, r.start_min, r.end_min, label, BAND_OPEN))
            for a in schedule.absences_between(pid, start_of_day, end_of_day):
                start, end = wall_span(zone, day, a.starts_at, a.ends_at)
                if end > start:
                    label = absence_label(a.kind, names.get(a.replacement_id or "", ""))
                    bands.append(GridBand(pid, day, start, end, label, BAND_ABSENCE))
    return bands


def visible_range(schedule: Schedule, practitioner_ids: Sequence[str], week: Sequence[date],
                  items: Iterable[GridItem] = ()) -> tuple[int, int]:
    """The hours to show: the weekly hours of the practitioners shown over ``week``
    (so the ruler does not jump from one day to the next), and any appointment booked
    outside them, with half an hour on each side; 07:30–20:00 when nobody works."""
    first, last = DAY_END, 0
    for day in week:
        for pid in practitioner_ids:
            for rule in schedule.hours_for(pid, day):
                first, last = min(first, rule.start_min), max(last, rule.end_min)
    for item in items:
        if item.status != AppointmentStatus.CANCELLED.value:
            first, last = min(first, item.start_min), max(last, item.end_min)
    if last <= first:
        return DEFAULT_RANGE
    start = max(0, (first - MARGIN_MIN) // 30 * 30)
    end = min(DAY_END, -(-(last + MARGIN_MIN) // 30) * 30)
    return start, end


def first_opening(schedule: Schedule, practitioner_ids: Sequence[str],
                  days: Sequence[date]) -> int | None:
    """The earliest wall minute anybody shown opens on ``days``."""
    starts = [r.start_min for day in days for pid in practitioner_ids
              for r in schedule.open_ranges(pid, day)]
    return min(starts) if starts else None


def has_sunday(schedule: Schedule, practitioner_ids: Sequence[str], sunday: date,
               appointments: Iterable[AppointmentView], zone: PracticeTime) -> bool:
    """Whether the week view shows its Sunday: somebody works or is booked that day."""
    if any(schedule.open_ranges(pid, sunday) for pid in practitioner_ids):
        return True
    return any(zone.day_of(a.starts_at) == sunday and a.holds_time for a in appointments)


def month_days(loads: Iterable[DayLoad]) -> list[MonthDay]:
    return [MonthDay(d.day, d.booked_count, d.booked_minutes, d.open_minutes,
                     d.holiday_name or "") for d in loads]


def week_of(day: date) -> list[date]:
    """Monday to Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]
