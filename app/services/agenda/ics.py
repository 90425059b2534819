"""iCalendar (RFC 5545) export of one practitioner's agenda, for their own calendar app.

The file holds the practitioner's appointments that start on the practice-local days
asked for (both included) and their absences over those days. Times are written in the
practice's zone (``DTSTART;TZID=Europe/Paris``) with a VTIMEZONE covering the whole
years of the range, so a client anywhere shows 09:00 as 09:00 in Paris on both sides of
a daylight-saving change.

What a calendar app shows can leak (phone lock screens, shared or synced calendars):
an event says only the motif and the patient's initials ("Consultation — J. M."),
or the patient's display name when asked. No phone, no note, no other patient field;
absences are opaque "Absence" events, without their kind or note.

The file is written beside its destination under a random hidden name, readable by the
current user only, and renamed into place in the same transaction as its audit entry
(the patient exports' writer, ``app.services.exporting.files``). The audit entry says
how many events and whether names or initials were written, never a name or a path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event, Timezone, vDatetime, vDDDTypes, vText
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import __version__
from app.models.principal import Principal
from app.clock import Clock
from app.i18n import _
from app.models import (
    DEFAULT_TIMEZONE,
    Absence,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Patient,
    Practice,
    Practitioner,
)
from app.models.patient import patient_display_name
from app.models.text import clean_name
from app.services import access
from app.services.agenda.zone import UTC, PracticeTime
from app.services.errors import Cancelled
from app.services.exporting.files import ExportError, TempFile, cannot_write, check_file_destination
from app.storage.store import Store

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

BATCH = 500
PRODID = f"-//Permanence//Permanence {__version__}//FR"
UID_DOMAIN = "permanence"
AUDIT_ENTITY = Appointment.__sync_entity__
_END = b"END:VCALENDAR\r\n"

# Booked but not yet confirmed by the patient is the one tentative status; a no-show
# still held its time. Anything unknown (a newer version's status) reads as tentative.
_STATUS = {
    AppointmentStatus.BOOKED.value: "TENTATIVE",
    AppointmentStatus.CONFIRMED.value: "CONFIRMED",
    AppointmentStatus.ARRIVED.value: "CONFIRMED",
    AppointmentStatus.IN_CONSULTATION.value: "CONFIRMED",
    AppointmentStatus.SEEN.value: "CONFIRMED",
    AppointmentStatus.NO_SHOW.value: "CONFIRMED",
    AppointmentStatus.CANCELLED.value: "CANCELLED",
}


class UnknownPractitioner(ExportError):
    code = "unknown_practitioner"

    def __init__(self, practitioner_id: str) -> None:
        super().__init__(_("No practitioner has the id {id}.").format(id=practitioner_id))
        self.practitioner_id = practitioner_id


class InvalidRange(ExportError):
    code = "invalid_range"

    def __init__(self, first: date, last: date) -> None:
        super().__init__(_("The first day ({first}) is after the last day ({last}).").format(
            first=first.isoformat(), last=last.isoformat()))


@dataclass(frozen=True)
class IcsExportResult:
    path: Path
    events: int        # appointments + absences
    appointments: int
    absences: int


@dataclass(frozen=True, slots=True)
class _Row:
    """One event to write: what it says and when, and nothing else."""
    id: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    status: str
    created_at: datetime
    updated_at: datetime
    all_day: bool = False


def initials(birth_name: str, used_name: str, first_names: str) -> str:
    """"J.-É. M." for Jean-Éric Paul MOREL: the first first name (each part of a hyphenated
    one) and the name in use."""
    given = first_names.split()[:1]
    first = "-".join(f"{c}." for c in map(_initial, given[0].split("-")) if c) if given else ""
    last = _initial(used_name or birth_name)
    return " ".join(p for p in (first, f"{last}." if last else "") if p)


def _initial(word: str) -> str:
    return next((ch.upper() for ch in word if ch.isalpha()), "")


def _never() -> bool:
    return False


class IcsExporter:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock) -> None:
        self._store = store
        self.principal = principal
        self._actor_id = principal.user_id
        self._clock = clock

    def export(self, path: Path | str, *, practitioner_id: str, first: date, last: date,
               patient_names: bool = False, include_cancelled: bool = False,
               include_absences: bool = True, overwrite: bool = False,
               progress: ProgressFn | None = None,
               cancel: CancelFn | None = None) -> IcsExportResult:
        """Write the agenda of ``practitioner_id`` from ``first`` to ``last`` (practice-local
        days, inclusive) to ``path``. Raises ``UnknownPractitioner``, ``InvalidRange``,
        ``ExportError`` (destination) or ``Cancelled``; nothing is written then."""
        access.require(self.principal, access.EXPORT)
        path = Path(path)
        cancel = cancel or _never
        if first > last:
            raise InvalidRange(first, last)
        check_file_destination(path, protected=Path(self._store.path).parent,
                               overwrite=overwrite)
        with self._store.reader() as session:
            practitioner = session.get(Practitioner, practitioner_id)
            if practitioner is None or practitioner.deleted_at is not None:
                raise UnknownPractitioner(practitioner_id)
            zone_name = _practice_zone(session)
            zone = PracticeTime(zone_name)
            start, end = zone.day_start(first), zone.day_start(last + timedelta(days=1))
            appointments = _appointment_rows(session, practitioner_id, start, end,
                                             patient_names=patient_names,
                                             include_cancelled=include_cancelled)
            absences = (_absence_rows(session, practitioner_id, start, end, zone)
                        if include_absences else [])
            # Names saved before they were cleaned, or synced in, may still hold a line
            # break (which the iCalendar writer refuses) or a control character.
            name = clean_name(practitioner.display_name)
        head = _calendar_head(name, zone_name, first, last)
        temp = TempFile(path, overwrite=overwrite)
        try:
            with open(temp.path, "wb") as fh:
                fh.write(head)
                for chunk in _chunks(absences + appointments, zone, self._clock.now(),
                                     progress, cancel):
                    fh.write(chunk)
                fh.write(_END)
                fh.flush()
                os.fsync(fh.fileno())
            detail = (f"format=ics events={len(absences) + len(appointments)} "
                      f"appointments={len(appointments)} absences={len(absences)} "
                      f"practitioner={practitioner_id} from={first.isoformat()} "
                      f"to={last.isoformat()} names={'full' if patient_names else 'initials'}"
                      f"{' cancelled=yes' if include_cancelled else ''}")
            self._finish(detail, temp, cancel)
        except OSError as exc:  # disk full, removed drive…: nothing is left behind
            temp.discard()
            raise cannot_write(path.parent, exc) from exc
        except BaseException:
            temp.discard()
            raise
        return IcsExportResult(path, len(absences) + len(appointments), len(appointments),
                               len(absences))

    def suggested_name(self, first: date, last: date) -> str:
        """A default file name that says which days, and nothing about anyone."""
        return f"agenda-{first.isoformat()}-{last.isoformat()}.ics"

    def _finish(self, detail: str, temp: TempFile, cancel: CancelFn) -> None:
        # As the patient exports do: the rename happens inside the audit transaction,
        # which rolls back if the rename fails; a failed commit takes the file back.
        placed = False
        try:
            with self._store.unit_of_work(actor_id=self._actor_id) as uow:
                if cancel():
                    raise Cancelled()
                uow.audit("export", AUDIT_ENTITY, "", detail=detail)
                temp.place()
                placed = True
        except BaseException:
            if placed:
                temp.withdraw()
            raise


# -- reading ------------------------------------------------------------------------------
def _practice_zone(session: Session) -> str:
    zone = session.execute(select(Practice.timezone).where(Practice.deleted_at.is_(None))
                           .order_by(Practice.created_at).limit(1)).scalar()
    return zone or DEFAULT_TIMEZONE


def _appointment_rows(session: Session, practitioner_id: str, start: datetime, end: datetime,
                      *, patient_names: bool, include_cancelled: bool) -> list[_Row]:
    a, t, p = Appointment.__table__, AppointmentType.__table__, Patient.__table__
    # One Core select along ix_appointment_practitioner_starts: no ORM object per row.
    # A tombstoned motif or patient still names the appointments it had.
    stmt = (select(a.c.id, a.c.starts_at, a.c.ends_at, a.c.status, a.c.created_at,
                   a.c.updated_at, t.c.name, p.c.birth_name, p.c.used_name, p.c.first_names,
                   p.c.sex, p.c.civility)
            .select_from(a.outerjoin(t, t.c.id == a.c.type_id)
                         .outerjoin(p, p.c.id == a.c.patient_id))
            .where(a.c.practitioner_id == practitioner_id, a.c.deleted_at.is_(None),
                   a.c.starts_at >= start, a.c.starts_at < end)
            .order_by(a.c.starts_at))
    if not include_cancelled:
        stmt = stmt.where(a.c.status != AppointmentStatus.CANCELLED.value)
    def who(birth: str, used: str, given: str, sex: str, civility: str) -> str:
        if patient_names:
            return patient_display_name(birth, used or "", given or "", sex or "", civility or "")
        return initials(birth, used, given)

    fallback = _("Appointment")
    rows = []
    for (aid, starts, ends, status, created, updated, motif, birth, used,
         given, sex, civility) in session.connection().execute(stmt):
        summary = motif or fallback
        if birth is not None:
            name = who(birth, used, given, sex, civility)
            if name:
                summary = f"{summary} — {name}"
        rows.append(_Row(aid, starts, ends, clean_name(summary), _STATUS.get(status, "TENTATIVE"),
                         created, updated))
    return rows


def _absence_rows(session: Session, practitioner_id: str, start: datetime, end: datetime,
                  zone: PracticeTime) -> list[_Row]:
    b = Absence.__table__
    stmt = (select(b.c.id, b.c.starts_at, b.c.ends_at, b.c.created_at, b.c.updated_at)
            .where(b.c.practitioner_id == practitioner_id, b.c.deleted_at.is_(None),
                   b.c.starts_at < end, b.c.ends_at > start)
            .order_by(b.c.starts_at))
    label = _("Absence")
    rows = []
    for bid, starts, ends, created, updated in session.connection().execute(stmt):
        # Whole local days (congés) read best as all-day events.
        all_day = zone.wall_minute(starts) == 0 and zone.wall_minute(ends) == 0
        rows.append(_Row(bid, starts, ends, label, "CONFIRMED", created, updated, all_day))
    return rows


# -- writing ------------------------------------------------------------------------------
def _calendar_head(calendar_name: str, zone_name: str, first: date, last: date) -> bytes:
    """VCALENDAR's properties and VTIMEZONE, without the closing line: events follow."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", zone_name)
    # Whole years: a client that moves an event a little still finds its offsets.
    cal.add_component(Timezone.from_tzinfo(
        PracticeTime(zone_name).zone, tzid=zone_name, first_date=date(first.year, 1, 1),
        last_date=date(last.year + 1, 1, 1)))
    text = cal.to_ical()
    assert text.endswith(_END)
    return text[:-len(_END)]


def _chunks(rows: list[_Row], zone: PracticeTime, now: datetime, progress: ProgressFn | None,
            cancel: CancelFn) -> Iterator[bytes]:
    stamp = vDatetime(now.astimezone(UTC))
    total = len(rows)
    if progress:
        progress(0, total)
    for offset in range(0, total, BATCH):
        if cancel():
            raise Cancelled()
        batch = rows[offset:offset + BATCH]
        yield b"".join(_event(r, zone, stamp).to_ical(sorted=False) for r in batch)
        if progress:
            progress(offset + len(batch), total)


def _wall_or_utc(instant: datetime, zone: PracticeTime) -> datetime:
    """The practice's wall time, unless that reading happens twice (the hour repeated
    when the clocks go back) and this is its second time: a TZID time means the first
    occurrence (RFC 5545, 3.3.5), so that instant is written in UTC instead."""
    local = zone.local(instant)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return instant.astimezone(UTC)
    return local


def _event(row: _Row, zone: PracticeTime, stamp: vDatetime) -> Event:
    # Values set as typed properties rather than through ``add``: the same output, a
    # third of the time on a year of events.
    event = Event()
    event["uid"] = vText(f"{row.id}@{UID_DOMAIN}")
    event["dtstamp"] = stamp
    event["created"] = vDatetime(row.created_at.astimezone(UTC))
    event["last-modified"] = vDatetime(row.updated_at.astimezone(UTC))
    if row.all_day:
        event["dtstart"] = vDDDTypes(zone.day_of(row.starts_at))
        event["dtend"] = vDDDTypes(zone.day_of(row.ends_at))
    else:
        event["dtstart"] = vDDDTypes(_wall_or_utc(row.starts_at, zone))
        event["dtend"] = vDDDTypes(_wall_or_utc(row.ends_at, zone))
    event["summary"] = vText(row.summary)
    event["status"] = vText(row.status)
    # A cancelled appointment, when asked for, must not show the practitioner as busy.
    event["transp"] = vText("TRANSPARENT" if row.status == "CANCELLED" else "OPAQUE")
    return event
