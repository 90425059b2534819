"""iCalendar export of a practitioner's agenda, from a real encrypted practice, read back
by two independent parsers: ``vobject`` (which builds its zones from the file's own
VTIMEZONE) and ``icalendar``.

The range runs over both daylight-saving changes of 2026 in Europe/Paris (Sunday 29
March, 02:00 -> 03:00; Sunday 25 October, 03:00 -> 02:00).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from sqlalchemy import select

from app.i18n import _
from app.models import (
    Absence,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    AuditEntry,
    Practitioner,
)
from app.services.agenda.ics import (
    IcsExporter,
    InvalidRange,
    UnknownPractitioner,
    initials,
)
from app.services.agenda.zone import PracticeTime
from app.services.errors import Cancelled
from app.services.exporting import ExportError
from app.services.patients import PatientInput, PhoneEntry
from app.services.practice import list_practitioners

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
PT = PracticeTime("Europe/Paris")
SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)
FIRST, LAST = date(2026, 3, 23), date(2026, 11, 1)
NOTE = "rappeler la mutuelle"
LONG_MOTIF = "Consultation de suivi pédiatrique prolongée — vaccinations, croissance et éveil"


# -- the practice's agenda ----------------------------------------------------------------
class Agenda:
    def __init__(self, ws):
        self.ws = ws
        self.practitioner = list_practitioners(ws.store)[0].id
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            other = Practitioner(first_name="Paul", last_name="Girard")
            consult = AppointmentType(name="Consultation")
            long_motif = AppointmentType(name=LONG_MOTIF, duration_min=45)
            uow.session.add_all([other, consult, long_motif])
        self.other, self.consult, self.long_motif = other.id, consult.id, long_motif.id
        self.dupont = ws.patients.create(PatientInput(
            birth_name="Dupont", first_names="Jean-Éric Paul",
            phones=[PhoneEntry("06 12 34 56 78")], admin_note="Allergie pénicilline")).id
        self.martin = ws.patients.create(PatientInput(
            birth_name="Lefèvre", used_name="Martin", first_names="Jeanne")).id
        self.expected: dict[str, tuple[datetime, datetime]] = {}
        self.statuses: dict[str, str] = {}

    def book(self, day: date, hour: int, minute: int = 0, **options) -> str:
        return self.book_at(PT.at(day, hour, minute), **options)

    def book_at(self, starts: datetime, *, minutes: int = 15, patient: str | None = "dupont",
                type_id: str | None = "consult", status: str = AppointmentStatus.BOOKED.value,
                practitioner: str | None = None, note: str = "", deleted: bool = False) -> str:
        ends = starts + timedelta(minutes=minutes)
        type_id = {"consult": self.consult, "long": self.long_motif}.get(type_id, type_id)
        with self.ws.store.unit_of_work(actor_id=self.ws.user_id) as uow:
            row = Appointment(practitioner_id=practitioner or self.practitioner,
                              patient_id=self.dupont if patient == "dupont" else patient, type_id=type_id,
                              starts_at=starts, ends_at=ends, status=status, note=note,
                              deleted_at=starts if deleted else None)
            uow.session.add(row)
        in_range = (practitioner is None and not deleted
                    and status != AppointmentStatus.CANCELLED.value
                    and PT.day_bounds(FIRST)[0] <= starts < PT.day_bounds(LAST)[1])
        if in_range:
            self.expected[row.id] = (starts, ends)
            self.statuses[row.id] = status
        return row.id

    def absence(self, starts: datetime, ends: datetime, note: str = "") -> str:
        with self.ws.store.unit_of_work(actor_id=self.ws.user_id) as uow:
            row = Absence(practitioner_id=self.practitioner, starts_at=starts, ends_at=ends,
                          kind="training", note=note)
            uow.session.add(row)
        return row.id

    def export(self, path, **options):
        exporter = IcsExporter(self.ws.store, principal=self.ws.principal, clock=self.ws.clock)
        options.setdefault("include_absences", False)
        return exporter.export(path, practitioner_id=options.pop("practitioner", self.practitioner),
                               first=options.pop("first", FIRST), last=options.pop("last", LAST),
                               **options)


@pytest.fixture
def agenda(workspace) -> Agenda:
    a = Agenda(workspace)
    # The weeks around both changes, Monday to Saturday at 09:00 and 16:30, and both
    # Sundays of change at 09:00 and 18:00.
    for around in (SPRING, AUTUMN):
        for offset in range(-6, 8):
            day = around + timedelta(days=offset)
            if day.weekday() < 6:
                a.book(day, 9)
                a.book(day, 16, 30, patient=a.martin, status=AppointmentStatus.CONFIRMED.value)
        a.book(around, 9, patient=a.martin)
        a.book(around, 18, minutes=30, status=AppointmentStatus.SEEN.value, note=NOTE)
    # Across the hour the clocks go back: ends at the second 02:15; starts at the second
    # 02:30 (CET, 01:30 UTC).
    a.book(AUTUMN, 1, 45, minutes=90)
    a.book_at(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), minutes=30)
    a.book(SPRING - timedelta(days=1), 10, type_id="long", minutes=45)
    a.book(SPRING + timedelta(days=1), 11, type_id=None, patient=None)  # a blocked slot
    a.cancelled = a.book(SPRING + timedelta(days=2), 10,
                         status=AppointmentStatus.CANCELLED.value)
    # Practice-local days: 00:15 on the first day is still the day before in UTC; 00:15
    # the day after the last is out.
    a.early = a.book(FIRST, 0, 15)
    a.book(LAST + timedelta(days=1), 0, 15)
    a.book(FIRST - timedelta(days=1), 23, 45)
    a.book(SPRING, 10, practitioner=a.other, patient=a.martin)
    a.book(SPRING + timedelta(days=3), 12, deleted=True)
    return a


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def parse_both(path):
    raw = path.read_bytes()
    by_vobject = vobject.readOne(raw.decode("utf-8"))
    by_icalendar = icalendar.Calendar.from_ical(raw)
    return raw, by_vobject, by_icalendar


def vobject_events(cal) -> dict[str, object]:
    return {e.uid.value: e for e in getattr(cal, "vevent_list", [])}


def icalendar_events(cal) -> dict[str, object]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def appointment_id(uid: str) -> str:
    assert uid.endswith("@permanence")
    return uid.removesuffix("@permanence")


# -- times ----------------------------------------------------------------------------------
def test_every_event_is_at_its_stored_instant_for_both_parsers(agenda, out):
    result = agenda.export(out / "agenda.ics")
    raw, vcal, ical = parse_both(result.path)
    assert result.events == result.appointments == len(agenda.expected)
    assert agenda.early in agenda.expected  # 00:15 local on the first day: 22:15 UTC before

    by_vobject = {appointment_id(uid): (e.dtstart.value.astimezone(UTC),
                                        e.dtend.value.astimezone(UTC))
                  for uid, e in vobject_events(vcal).items()}
    by_icalendar = {appointment_id(uid): (e.decoded("DTSTART").astimezone(UTC),
                                          e.decoded("DTEND").astimezone(UTC))
                    for uid, e in icalendar_events(ical).items()}
    assert by_vobject == agenda.expected
    assert by_icalendar == agenda.expected


def test_local_nine_stays_nine_on_both_sides_of_each_change(agenda, out):
    result = agenda.export(out / "agenda.ics")
    _raw, vcal, ical = parse_both(result.path)
    starts = [e.dtstart.value for e in vobject_events(vcal).values()]
    starts_ical = [e.decoded("DTSTART") for e in icalendar_events(ical).values()]
    for around in (SPRING, AUTUMN):
        for day in (around - timedelta(days=1), around, around + timedelta(days=1)):
            for parsed in (starts, starts_ical):
                at_nine = [s for s in parsed
                           if s.astimezone(PARIS).date() == day
                           and s.astimezone(PARIS).hour == 9 and s.minute == 0]
                assert at_nine, (day, "no 09:00 Paris appointment read back")
                # Winter 09:00 is 08:00 UTC, summer 09:00 is 07:00 UTC.
                summer = SPRING <= day < AUTUMN
                assert {s.astimezone(UTC).hour for s in at_nine} == {7 if summer else 8}
    # The wall clock, as the file says it, without any conversion.
    assert b"DTSTART;TZID=Europe/Paris:20260329T090000\r\n" in _raw
    assert b"DTSTART;TZID=Europe/Paris:20261025T090000\r\n" in _raw
    assert b"DTSTART;TZID=Europe/Paris:20261025T180000\r\n" in _raw


def test_the_repeated_hour_is_not_ambiguous(agenda, out):
    """02:15 on 25 October happens twice; a TZID time means the first one (RFC 5545
    3.3.5), so an instant in the second one must be written in UTC."""
    result = agenda.export(out / "agenda.ics")
    raw, vcal, ical = parse_both(result.path)
    for starts, minutes in ((datetime(2026, 10, 24, 23, 45, tzinfo=UTC), 90),
                            (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 30)):
        (event,) = [e for e in vobject_events(vcal).values()
                    if e.dtstart.value.astimezone(UTC) == starts]
        assert event.dtend.value.astimezone(UTC) - starts == timedelta(minutes=minutes)
        (event,) = [e for e in ical.walk("VEVENT") if e.decoded("DTSTART") == starts]
        assert event.decoded("DTEND") - starts == timedelta(minutes=minutes)
    assert b"DTEND:20261025T011500Z\r\n" in raw      # 02:15, the second time
    assert b"DTSTART:20261025T013000Z\r\n" in raw    # 02:30, the second time
    assert b"DTSTART;TZID=Europe/Paris:20261025T014500\r\n" in raw  # unambiguous: local


# -- the calendar -----------------------------------------------------------------------------
def test_calendar_properties_and_vtimezone(agenda, out):
    result = agenda.export(out / "agenda.ics")
    raw, vcal, ical = parse_both(result.path)
    assert str(ical["VERSION"]) == "2.0"
    assert str(ical["PRODID"]).startswith("-//Permanence//")
    assert str(ical["CALSCALE"]) == "GREGORIAN" and str(ical["METHOD"]) == "PUBLISH"
    assert str(ical["X-WR-CALNAME"]) == "Dr Claire Morel"
    assert str(ical["X-WR-TIMEZONE"]) == "Europe/Paris"
    (tz,) = ical.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Paris"
    transitions = {(c.name, c.decoded("DTSTART")) for c in tz.subcomponents}
    assert ("DAYLIGHT", datetime(2026, 3, 29, 3)) in {(n, d.replace(tzinfo=None))
                                                      for n, d in transitions}
    assert ("STANDARD", datetime(2026, 10, 25, 3)) in {(n, d.replace(tzinfo=None))
                                                       for n, d in transitions}
    assert vcal.vtimezone.tzid.value == "Europe/Paris"
    # Event times are in the practice zone, never floating; UTC only for the two
    # instants in the repeated hour (see below).
    events = raw.split(b"END:VTIMEZONE\r\n", 1)[1]
    times = [line for line in events.split(b"\r\n") if line.startswith((b"DTSTART", b"DTEND"))]
    zoned = [t for t in times if t.split(b":")[0].endswith(b";TZID=Europe/Paris")]
    assert len(times) == 2 * result.events
    assert sorted(set(times) - set(zoned)) == [b"DTEND:20261025T011500Z",
                                               b"DTSTART:20261025T013000Z"]
    # DTSTAMP is the export's time; CREATED and LAST-MODIFIED the rows' own, all in UTC.
    for event in ical.walk("VEVENT"):
        assert event.decoded("DTSTAMP") == agenda.ws.clock.now()
        assert event.decoded("CREATED").tzinfo is not None
        assert event.decoded("LAST-MODIFIED").utcoffset() == timedelta(0)


def test_uids_are_unique_and_name_the_appointment(agenda, out):
    result = agenda.export(out / "agenda.ics")
    raw, vcal, ical = parse_both(result.path)
    uids = [str(e["UID"]) for e in ical.walk("VEVENT")]
    assert len(uids) == len(set(uids)) == result.events
    assert {appointment_id(u) for u in uids} == set(agenda.expected)
    assert raw.count(b"BEGIN:VEVENT") == result.events


def test_statuses_are_mapped(agenda, out):
    result = agenda.export(out / "agenda.ics")
    _raw, _vcal, ical = parse_both(result.path)
    seen = {(agenda.statuses[appointment_id(str(e["UID"]))], str(e["STATUS"]), str(e["TRANSP"]))
            for e in ical.walk("VEVENT")}
    assert seen == {("booked", "TENTATIVE", "OPAQUE"), ("confirmed", "CONFIRMED", "OPAQUE"),
                    ("seen", "CONFIRMED", "OPAQUE")}


def test_cancelled_appointments_only_when_asked(agenda, out):
    plain = agenda.export(out / "plain.ics")
    with_cancelled = agenda.export(out / "all.ics", include_cancelled=True)
    assert f"{agenda.cancelled}@permanence".encode() not in plain.path.read_bytes()
    assert with_cancelled.events == plain.events + 1
    _raw, vcal, ical = parse_both(with_cancelled.path)
    event = icalendar_events(ical)[f"{agenda.cancelled}@permanence"]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["TRANSP"]) == "TRANSPARENT"  # not busy
    assert vobject_events(vcal)[f"{agenda.cancelled}@permanence"].status.value == "CANCELLED"


# -- what the file says about patients --------------------------------------------------------
def test_initials_only_by_default(agenda, out):
    result = agenda.export(out / "agenda.ics")
    raw, vcal, ical = parse_both(result.path)
    text = raw.decode("utf-8").lower()
    for word in ("dupont", "jean-éric", "paul", "lefèvre", "martin", "jeanne",
                 "pénicilline", NOTE, "+33612345678", "06 12 34 56 78", "0612345678"):
        assert word.lower() not in text, word
    summaries = {str(e["SUMMARY"]) for e in ical.walk("VEVENT")}
    # A slot without motif or patient says only what it is.
    assert summaries == {"Consultation — J.-É. D.", "Consultation — J. M.",
                         f"{LONG_MOTIF} — J.-É. D.", _("Appointment")}
    assert {e.summary.value for e in vobject_events(vcal).values()} == summaries


def test_full_names_when_asked(agenda, out):
    result = agenda.export(out / "agenda.ics", patient_names=True)
    raw, vcal, ical = parse_both(result.path)
    summaries = {str(e["SUMMARY"]) for e in ical.walk("VEVENT")}
    assert "Consultation — DUPONT Jean-Éric Paul" in summaries
    assert "Consultation — MARTIN né(e) LEFÈVRE Jeanne" in summaries
    assert {e.summary.value for e in vobject_events(vcal).values()} == summaries
    text = raw.decode("utf-8")
    for word in ("pénicilline", NOTE, "+33612345678", "06 12 34 56 78"):
        assert word not in text, word


@pytest.mark.parametrize("names, expected", [
    (("Dupont", "", "Jean-Éric Paul"), "J.-É. D."),
    (("Lefèvre", "Martin", "Jeanne"), "J. M."),
    (("d'Estaing", "", "Élodie"), "É. D."),
    (("Morel", "", ""), "M."),
    (("", "", ""), ""),
])
def test_initials(names, expected):
    assert initials(*names) == expected


# -- the file's shape -----------------------------------------------------------------------
def test_crlf_line_ends_and_lines_folded_at_75_octets(agenda, out):
    result = agenda.export(out / "agenda.ics", patient_names=True)
    raw, vcal, ical = parse_both(result.path)
    assert raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long motif was folded
    for line in lines:
        line.decode("utf-8")  # never folded inside a multi-byte character
    long_ones = [e for e in ical.walk("VEVENT") if str(e["SUMMARY"]).startswith(LONG_MOTIF)]
    assert long_ones and str(long_ones[0]["SUMMARY"]) == f"{LONG_MOTIF} — DUPONT Jean-Éric Paul"
    assert any(e.summary.value == f"{LONG_MOTIF} — DUPONT Jean-Éric Paul"
               for e in vobject_events(vcal).values())


def test_absences_are_opaque_events_without_their_note(agenda, out):
    training = agenda.absence(PT.at(SPRING + timedelta(days=3), 14),
                              PT.at(SPRING + timedelta(days=3), 18), note="DPC Lyon")
    holiday = agenda.absence(PT.day_start(date(2026, 8, 3)), PT.day_start(date(2026, 8, 15)))
    agenda.absence(PT.day_start(date(2026, 12, 1)), PT.day_start(date(2026, 12, 5)))  # after
    result = agenda.export(out / "agenda.ics", include_absences=True)
    raw, vcal, ical = parse_both(result.path)
    assert result.absences == 2 and result.events == result.appointments + 2
    assert b"DPC Lyon" not in raw
    events = icalendar_events(ical)
    timed, all_day = events[f"{training}@permanence"], events[f"{holiday}@permanence"]
    assert str(timed["SUMMARY"]) == "Absence" and str(timed["TRANSP"]) == "OPAQUE"
    assert timed.decoded("DTSTART").astimezone(UTC) == PT.at(SPRING + timedelta(days=3), 14)
    assert all_day.decoded("DTSTART") == date(2026, 8, 3)
    assert all_day.decoded("DTEND") == date(2026, 8, 15)  # exclusive, as RFC 5545 says
    assert vobject_events(vcal)[f"{holiday}@permanence"].dtstart.value == date(2026, 8, 3)


# -- audit, file, errors ------------------------------------------------------------------
def audits(ws, action="export"):
    with ws.store.reader() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.seq)).scalars())


def test_one_audit_entry_with_counts_and_no_names(agenda, out):
    before = len(audits(agenda.ws))
    result = agenda.export(out / "agenda.ics", patient_names=True)
    trail = audits(agenda.ws)
    assert len(trail) == before + 1
    entry = trail[-1]
    assert entry.entity == "appointment" and entry.user_id == agenda.ws.user_id
    assert f"events={result.events}" in entry.detail
    assert f"practitioner={agenda.practitioner}" in entry.detail
    assert "names=full" in entry.detail and "from=2026-03-23" in entry.detail
    assert len(entry.detail) <= 200
    for word in ("Dupont", "DUPONT", "Martin", "Jeanne", "agenda.ics", str(out)):
        assert word not in entry.detail
    agenda.export(out / "again.ics")
    assert "names=initials" in audits(agenda.ws)[-1].detail


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_written_for_the_owner_only_and_nothing_left_beside_it(agenda, out):
    old = os.umask(0o022)
    try:
        result = agenda.export(out / "agenda.ics")
    finally:
        os.umask(old)
    assert result.path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in out.iterdir()] == ["agenda.ics"]


def test_a_cancelled_export_writes_nothing_and_is_not_audited(agenda, out):
    before = len(audits(agenda.ws))
    calls = []

    def progress(done, total):
        calls.append((done, total))

    with pytest.raises(Cancelled):
        agenda.export(out / "agenda.ics", progress=progress, cancel=lambda: bool(calls))
    assert list(out.iterdir()) == [] and len(audits(agenda.ws)) == before
    assert calls[0] == (0, len(agenda.expected))


def test_unknown_practitioner_and_bad_range_write_nothing(agenda, out):
    with pytest.raises(UnknownPractitioner) as exc:
        agenda.export(out / "agenda.ics", practitioner="01234567-no-such-practitioner")
    assert "01234567-no-such-practitioner" in exc.value.user_message
    with pytest.raises(InvalidRange) as exc:
        agenda.export(out / "agenda.ics", first=LAST, last=FIRST)
    assert "2026-11-01" in exc.value.user_message
    with pytest.raises(ExportError):
        agenda.export(out / "absent" / "agenda.ics")
    assert list(out.iterdir()) == []


def test_a_single_day_and_another_practitioner(agenda, out):
    result = agenda.export(out / "day.ics", first=SPRING, last=SPRING)
    assert result.events == 2  # 09:00 and 18:00; Dr Girard's 10:00 is his
    girard = agenda.export(out / "girard.ics", practitioner=agenda.other, first=SPRING,
                           last=SPRING)
    _raw, _vcal, ical = parse_both(girard.path)
    assert girard.events == 1 and str(ical["X-WR-CALNAME"]) == "Dr Paul Girard"


def test_a_year_of_one_practitioner(workspace, out):
    practitioner = list_practitioners(workspace.store)[0].id
    day, rows = date(2026, 1, 1), []
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        consult = AppointmentType(name="Consultation")
        uow.session.add(consult)
        uow.session.flush()
        while len(rows) < 10_000:
            if day.weekday() < 5:
                for slot in range(40):
                    starts = PT.to_utc(day, 8 * 60 + slot * 15)
                    rows.append(dict(practitioner_id=practitioner, type_id=consult.id,
                                     starts_at=starts, ends_at=starts + timedelta(minutes=15)))
            day += timedelta(days=1)
        uow.bulk_insert(Appointment, rows[:10_000])
    exporter = IcsExporter(workspace.store, principal=workspace.principal, clock=workspace.clock)
    started = time.perf_counter()
    result = exporter.export(out / "year.ics", practitioner_id=practitioner,
                             first=date(2026, 1, 1), last=date(2026, 12, 31))
    elapsed = time.perf_counter() - started
    assert result.events == 10_000
    assert result.path.read_bytes().count(b"BEGIN:VEVENT") == 10_000
    # About 1.5 s here; a per-row load or a quadratic step would be far over.
    assert elapsed < 10, f"{elapsed:.1f} s for a year"
