"""The demo practice's agenda: motifs, weekly hours, absences, appointments, series and a
waiting list, all invented and reproducible from the seed.

Each part draws from its own random stream (``permanence-demo/{seed}/agenda/...``, one per
practitioner for the days), so the patients and contacts of a seed are unchanged and a
practitioner's agenda does not depend on who else works at the practice.

Speed (the ``large`` practice holds about a million appointments): a practitioner's
working day is one of a few precomputed templates (which motif at which wall minute,
filling the opening hours back to back, each motif's buffer included), thinned at random
to leave free time. Rows are plain dicts inserted with ``uow.bulk_insert`` a chunk at a
time, so memory stays flat whatever the volume.

Rules every generated appointment keeps, whatever its status: it lies inside one of the
day's opening ranges that accepts its motif (buffer included), never on a public holiday
or an absence, and the appointments holding a practitioner's time (all but cancelled
ones) never overlap, buffers included.
"""

from __future__ import annotations

import random
import re
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from dateutil.rrule import rrulestr

from app.models.agenda import (
    Absence,
    AbsenceKind,
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    CancelReason,
    OpeningHours,
    WaitingListEntry,
    WaitingStatus,
    id_set_text,
)
from app.models.ids import uuid7
from app.services.agenda.public_holidays import PublicHolidays
from app.services.agenda.zone import PracticeTime

# Appointments per unit of work: about fifty steps of progress, within these bounds.
# 10,000-row chunks insert a fifth faster than 1,000-row ones (fewer commits, each with
# its WAL sync); larger ones gain nothing more, and a cancel is still felt within a second.
CHUNK_ROWS = (1_000, 10_000)

GP = "Médecine générale"
PAEDIATRICS = "Pédiatrie"
PHYSIO = "Masso-kinésithérapie"
MIDWIFE = "Sage-femme"
DERMATOLOGY = "Dermatologie"
SPEECH = "Orthophonie"
PSYCHOLOGY = "Psychologie"
CARDIOLOGY = "Cardiologie"


# -- motifs ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Motif:
    name: str
    duration: int
    colour: str
    specialties: tuple[str, ...]
    weight: float  # how often it is booked among the motifs of a specialty
    buffer: int = 0  # minutes kept free after it (travel, cleaning the room)
    remote_bookable: bool = True
    video: bool = False  # held remotely: the appointment is marked remote
    afternoon_only: bool = False  # the morning ranges of those offering it refuse it


MOTIFS: tuple[Motif, ...] = (
    Motif("Consultation", 15, "#3b7dd8", (GP, PAEDIATRICS), 60),
    Motif("Première consultation", 30, "#1d4e89", (GP, PAEDIATRICS), 5),
    Motif("Urgence", 15, "#d64550", (GP, PAEDIATRICS), 8, remote_bookable=False),
    Motif("Téléconsultation", 15, "#17a2b8", (GP, PAEDIATRICS, DERMATOLOGY), 5, video=True),
    Motif("Visite à domicile", 30, "#8e5cc4", (GP,), 3, buffer=15, remote_bookable=False,
          afternoon_only=True),
    Motif("Vaccination", 10, "#2e9e6a", (GP, PAEDIATRICS), 6),
    Motif("Injection", 10, "#7a9a2e", (GP,), 1),
    Motif("Renouvellement d'ordonnance", 10, "#5f7d95", (GP,), 8),
    Motif("Certificat médical", 15, "#c2a01f", (GP, PAEDIATRICS), 3),
    Motif("Suivi au long cours", 20, "#2f6f73", (GP,), 6),
    Motif("Suivi du nourrisson", 30, "#e07b39", (PAEDIATRICS,), 12),
    Motif("Séance de kinésithérapie", 30, "#3f9d4a", (PHYSIO,), 85),
    Motif("Bilan kinésithérapique", 45, "#1e6b35", (PHYSIO,), 8, remote_bookable=False),
    Motif("Kinésithérapie respiratoire", 30, "#4cb5ae", (PHYSIO,), 7),
    Motif("Suivi de grossesse", 30, "#c2185b", (MIDWIFE,), 45),
    Motif("Préparation à la naissance", 60, "#f06292", (MIDWIFE,), 15),
    Motif("Rééducation périnéale", 30, "#ad6a8c", (MIDWIFE,), 30),
    Motif("Suivi gynécologique", 30, "#8d3b72", (MIDWIFE,), 10),
    Motif("Consultation de dermatologie", 20, "#b5651d", (DERMATOLOGY,), 60),
    Motif("Contrôle des grains de beauté", 30, "#8a5a44", (DERMATOLOGY,), 15),
    Motif("Petite chirurgie", 45, "#6d4c41", (DERMATOLOGY,), 6, buffer=15,
          remote_bookable=False, afternoon_only=True),
    Motif("Bilan orthophonique", 45, "#7b5ea7", (SPEECH,), 10, remote_bookable=False),
    Motif("Séance d'orthophonie", 30, "#a58bd1", (SPEECH,), 90),
    Motif("Premier entretien", 60, "#455a64", (PSYCHOLOGY,), 10),
    Motif("Entretien psychologique", 45, "#607d8b", (PSYCHOLOGY,), 75),
    Motif("Entretien en visio", 45, "#0097a7", (PSYCHOLOGY,), 15, video=True),
    Motif("Consultation de cardiologie", 30, "#b71c1c", (CARDIOLOGY,), 55),
    Motif("Échocardiographie", 30, "#e57373", (CARDIOLOGY,), 25, remote_bookable=False),
    Motif("Pose de Holter", 15, "#ff8f00", (CARDIOLOGY,), 20, remote_bookable=False),
)
_MOTIF_INDEX = {m.name: i for i, m in enumerate(MOTIFS)}


# -- weekly hours -------------------------------------------------------------------------
_WEEKDAYS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
_RANGE = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")


def week(text: str) -> tuple[tuple[int, int, int], ...]:
    """``"Mon-Thu 08:30-12:00 14:00-19:00; Sat 09:00-12:00"`` -> (weekday, start, end)."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        words = part.split()
        days: list[int] = []
        for word in words:
            if word[:3] not in _WEEKDAYS:
                continue
            if "-" in word:
                a, b = word.split("-")
                days.extend(range(_WEEKDAYS[a], _WEEKDAYS[b] + 1))
            else:
                days.append(_WEEKDAYS[word])
        ranges = [(int(h1) * 60 + int(m1), int(h2) * 60 + int(m2))
                  for h1, m1, h2, m2 in _RANGE.findall(part)]
        out.extend((d, s, e) for d in days for s, e in ranges)
    return tuple(sorted(out))


# By practitioner, in the order of demo.PRACTITIONERS. Two ranges on most days, a half day
# off, Saturday mornings for some. Nobody opens before 07:00 (see _day_origin).
HOURS: tuple[str, ...] = (
    "Mon Tue Thu Fri 08:30-12:00 14:00-19:00; Wed 08:30-12:00; Sat 09:00-12:00",
    "Mon Tue Wed Fri 09:00-12:30 14:00-18:30; Thu 09:00-12:30; Sat 09:00-12:00",
    "Mon-Thu 08:00-12:30 14:00-20:00; Fri 08:00-12:30",
    "Mon Wed Thu Fri 08:00-12:00 13:30-19:30; Tue 08:00-12:00; Sat 08:30-12:30",
    "Mon Tue Thu Fri 08:30-12:30 14:00-19:00; Wed 08:30-12:30",
    "Mon Tue Thu Fri 09:00-12:30 14:00-18:00; Wed 09:00-12:30",
    "Mon-Thu 09:00-12:30 14:00-18:30; Fri 09:00-12:30",
    "Mon-Thu 09:00-12:00 13:30-19:00; Fri 09:00-12:00",
    "Mon 14:00-20:00; Tue-Fri 10:00-13:00 14:00-20:00",
    "Mon-Thu 08:30-12:30 14:00-18:00; Fri 08:30-12:30",
)
# Summer hours (1 July - 31 August of each year), replacing the usual week as a whole.
SUMMER_HOURS: dict[int, str] = {0: "Mon-Fri 08:30-12:30; Tue Thu 14:00-18:00"}
NOON = 13 * 60  # ranges starting before 13:00 are mornings

# Mornings are fuller than afternoons; bookings thin out with the distance ahead.
AFTERNOON_SHARE = 0.85
MAX_FILL = 0.97


@dataclass(frozen=True)
class Practitioner:
    """One practitioner of the generated practice, in demo.PRACTITIONERS order."""

    index: int
    id: str
    name: str  # as patients' referring doctor reads it, "Dr Claire Morel"
    specialty: str


@dataclass(frozen=True)
class PatientRef:
    id: str
    female: bool
    birth_date: date
    referring_doctor: str


@dataclass
class AgendaSummary:
    types: int = 0
    hours: int = 0
    absences: int = 0
    series: int = 0
    appointments: int = 0
    waiting: int = 0
    fill: float = 0.0  # share of a past morning's template slots booked


# -- the plan: who works when, in which templates ------------------------------------------
_Slot = tuple[int, int, int, int]  # start, end, end of buffer (wall minutes), motif index
_Set = tuple[date, date]  # validity of a set of weekly hours (inclusive)
_FOREVER: _Set = (date.min, date.max)


def _motifs_of(specialty: str) -> list[int]:
    return [i for i, m in enumerate(MOTIFS) if specialty in m.specialties]


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


class _Week:
    """A practitioner's opening hours: sets of ranges, the most specific covering a day
    applying as a whole, and the day templates drawn from them."""

    VARIANTS = 8

    def __init__(self, practitioner: Practitioner, summers: Sequence[int], rng: random.Random):
        self.offered = _motifs_of(practitioner.specialty)
        self.sets: list[tuple[_Set, tuple[tuple[int, int, int], ...]]] = [
            ((date(y, 7, 1), date(y, 8, 31)), week(SUMMER_HOURS[practitioner.index]))
            for y in summers if practitioner.index in SUMMER_HOURS]
        self.sets.append((_FOREVER, week(HOURS[practitioner.index % len(HOURS)])))
        morning = [i for i in self.offered if not MOTIFS[i].afternoon_only]
        # What a range accepts: everything offered, but no afternoon-only motif in the
        # morning (an empty set stands for "all").
        self.morning_types: tuple[int, ...] = (
            tuple(morning) if len(morning) < len(self.offered) else ())
        self.templates: dict[tuple[_Set, int], list[list[_Slot]]] = {}
        for validity, ranges in self.sets:
            for weekday in range(7):
                day = [(s, e) for d, s, e in ranges if d == weekday]
                if day:
                    self.templates[validity, weekday] = [
                        self._template(day, rng) for _ in range(self.VARIANTS)]

    def accepted(self, start: int) -> tuple[int, ...]:
        """The motifs a range starting at ``start`` takes."""
        if start < NOON and self.morning_types:
            return self.morning_types
        return tuple(self.offered)

    def _template(self, ranges: list[tuple[int, int]], rng: random.Random) -> list[_Slot]:
        slots: list[_Slot] = []
        for start, end in ranges:
            accepted = self.accepted(start)
            weights = [MOTIFS[i].weight for i in accepted]
            t = start
            while True:
                fits = [(i, w) for i, w in zip(accepted, weights)
                        if t + MOTIFS[i].duration + MOTIFS[i].buffer <= end]
                if not fits:
                    break
                motif = rng.choices([i for i, _ in fits], [w for _, w in fits])[0]
                m = MOTIFS[motif]
                slots.append((t, t + m.duration, t + m.duration + m.buffer, motif))
                t += m.duration + m.buffer
        return slots

    def validity(self, day: date) -> _Set:
        for validity, _ranges in self.sets:
            if validity[0] <= day <= validity[1]:
                return validity
        return _FOREVER

    def ranges(self, day: date) -> list[tuple[int, int]]:
        validity = self.validity(day)
        for v, ranges in self.sets:
            if v == validity:
                return [(s, e) for d, s, e in ranges if d == day.weekday()]
        return []

    def day_templates(self, day: date) -> list[list[_Slot]] | None:
        return self.templates.get((self.validity(day), day.weekday()))


# -- absences ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Absence:
    practitioner: int
    first: date
    last: date  # inclusive: absences are whole days
    kind: str
    note: str = ""
    replacement: int | None = None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class _Calendar:
    """Which practitioner works which day: weekly hours, public holidays, absences."""

    def __init__(self, weeks: list[_Week], practitioners: list[Practitioner],
                 holidays: PublicHolidays) -> None:
        self.weeks = weeks
        self.practitioners = practitioners
        self.holidays = holidays
        self.absent: list[set[date]] = [set() for _ in weeks]

    def add(self, absence: _Absence) -> None:
        day = absence.first
        while day <= absence.last:
            self.absent[absence.practitioner].add(day)
            day += timedelta(days=1)

    def has_hours(self, p: int, day: date) -> bool:
        return (self.weeks[p].day_templates(day) is not None
                and not self.holidays.closes(day, self.practitioners[p].id))

    def works(self, p: int, day: date) -> bool:
        return day not in self.absent[p] and self.has_hours(p, day)

    def free_of(self, p: int, first: date, last: date) -> bool:
        """No absence of ``p`` within a week of ``first``..``last``."""
        day = first - timedelta(days=7)
        while day <= last + timedelta(days=7):
            if day in self.absent[p]:
                return False
            day += timedelta(days=1)
        return True

    def working_day(self, p: int, near: date, step: int) -> date | None:
        """The first day from ``near`` (going by ``step`` days) that ``p`` would work."""
        day = near
        for _ in range(30):
            if self.has_hours(p, day) and day.weekday() < 5:
                return day
            day += timedelta(days=step)
        return None


def _plan_absences(calendar: _Calendar, rng: random.Random, today: date, first: date,
                   last: date) -> list[_Absence]:
    """A few absences around today that every generated practice shows (a week of
    holiday, a training day with a replacement, a sick day, holidays ahead), then the
    yearly pattern of each practitioner over the rest of the range."""
    staff = calendar.practitioners
    n = len(staff)
    gps = [p.index for p in staff if p.specialty == GP]
    out: list[_Absence] = []

    def add(absence: _Absence) -> None:
        if absence.last >= first and absence.first <= last and calendar.free_of(
                absence.practitioner, absence.first, absence.last):
            calendar.add(absence)
            out.append(absence)

    week_off = _monday(today) - timedelta(weeks=5)
    add(_Absence(0, week_off, week_off + timedelta(days=6), AbsenceKind.HOLIDAY.value, "Congés"))
    trainee = 1 % n
    day = calendar.working_day(trainee, today - timedelta(days=16), -1)
    if day is not None:
        add(_Absence(trainee, day, day, AbsenceKind.TRAINING.value, "Formation continue (DPC)",
                     replacement=0 if trainee != 0 else None))
    sick = 2 % n
    day = calendar.working_day(sick, today - timedelta(days=9), -1)
    if day is not None:
        add(_Absence(sick, day, day, AbsenceKind.SICK.value))
    ahead = _monday(today) + timedelta(weeks=4)
    add(_Absence(1 % n, ahead, ahead + timedelta(days=6), AbsenceKind.HOLIDAY.value, "Congés"))

    for p in range(n):
        others = [g for g in gps if g != p]
        for year in range(first.year, last.year + 1):
            summer = _monday(date(year, 7, 7)) + timedelta(weeks=rng.randrange(5))
            weeks = rng.choice((2, 3, 3))
            replacement = rng.choice(others) if staff[p].specialty == GP and others and \
                rng.random() < 0.5 else None
            add(_Absence(p, summer, summer + timedelta(days=7 * weeks - 1),
                         AbsenceKind.HOLIDAY.value, "Congés d'été", replacement))
            winter = (_monday(date(year, 12, 26)) if rng.random() < 0.5
                      else _monday(date(year, 2, 9)) + timedelta(weeks=rng.randrange(3)))
            add(_Absence(p, winter, winter + timedelta(days=6), AbsenceKind.HOLIDAY.value,
                         "Congés"))
            for _ in range(rng.choice((1, 2))):
                day = calendar.working_day(p, date(year, 1, 1) + timedelta(
                    days=rng.randrange(365)), 1)
                if day is not None:
                    add(_Absence(p, day, day, AbsenceKind.TRAINING.value,
                                 rng.choice(("Formation continue (DPC)", "Congrès",
                                             "Formation"))))
            if rng.random() < 0.6:
                day = calendar.working_day(p, date(year, 1, 1) + timedelta(
                    days=rng.randrange(365)), 1)
                if day is not None:
                    length = rng.choice((1, 1, 2, 3))
                    add(_Absence(p, day, day + timedelta(days=length - 1),
                                 AbsenceKind.SICK.value))
    return out


# -- patients: who sees whom ---------------------------------------------------------------------
def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _suits(specialty: str, patient: PatientRef, age: int) -> bool:
    if specialty == PAEDIATRICS:
        return age < 16
    if specialty == MIDWIFE:
        return patient.female and 16 <= age <= 45
    if specialty == SPEECH:
        return 3 <= age <= 17 or age >= 70
    if specialty == PSYCHOLOGY:
        return age >= 12
    if specialty == CARDIOLOGY:
        return age >= 35
    if specialty == DERMATOLOGY:
        return age >= 1
    return True


class _Pool:
    """The patients one practitioner sees, weighted: a GP's own patients (those naming
    them as referring doctor) far more than others, and a few chronic patients who come
    back again and again."""

    def __init__(self, practitioner: Practitioner, patients: Sequence[PatientRef],
                 ages: Sequence[int], rng: random.Random) -> None:
        ids: list[str] = []
        weights: list[float] = []
        for patient, age in zip(patients, ages):
            if not _suits(practitioner.specialty, patient, age):
                continue
            w = rng.choice((0.4, 1.0, 1.0, 1.6, 2.5))
            if practitioner.specialty == GP and patient.referring_doctor != practitioner.name:
                w *= 0.06
            if rng.random() < 0.04:
                w *= 12  # chronic follow-up
            ids.append(patient.id)
            weights.append(w)
        if not ids:  # a tiny practice: anyone will do
            ids = [p.id for p in patients]
            weights = [1.0] * len(ids)
        self.ids = ids
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1] if self.cum else 0.0

    def pick(self, rng: random.Random) -> str | None:
        if not self.ids:
            return None
        return self.ids[bisect(self.cum, rng.random() * self.total, hi=len(self.ids) - 1)]


# -- statuses -------------------------------------------------------------------------------
CANCEL_NOTES: dict[str, tuple[str, ...]] = {
    CancelReason.BY_PATIENT.value: (
        "Empêchement professionnel", "Annulé par SMS", "Annulé par téléphone",
        "Problème de garde d'enfant", "Problème de transport", "Rendez-vous déplacé",
        "A trouvé un rendez-vous plus tôt"),
    CancelReason.BY_PRACTICE.value: (
        "Praticien en retard sur le planning", "Reporté à la demande du cabinet",
        "Visite urgente du praticien"),
    CancelReason.NO_SHOW.value: ("Ne s'est pas présenté", "Non joignable"),
}
APPOINTMENT_NOTES = ("Apporter la carte Vitale", "Accompagné(e) par un proche",
                     "Rendez-vous pris par téléphone", "Prévenir en cas de retard",
                     "Fauteuil roulant : salle du rez-de-chaussée", "Interprète prévu")

# Shares of rows (appointments) by how they end.
PAST_CANCELLED = 0.085
FUTURE_CANCELLED = 0.045
REBOOKED = 0.5  # a cancelled slot taken again by another patient
NO_SHOW = 0.044  # of the past appointments not cancelled
UNRELIABLE_NO_SHOW = 0.3  # for the few patients who often forget

_MINUTES = [timedelta(minutes=m) for m in range(24 * 60 + 1)]
_BOOKED, _CONFIRMED, _ARRIVED, _IN, _SEEN, _NO_SHOW, _CANCELLED = (
    s.value for s in AppointmentStatus)


def _day_origin(zone: PracticeTime, day: date) -> datetime:
    """The instant such that ``origin + minutes`` is ``zone.to_utc(day, minutes)`` for any
    minute of the working day: the offset at noon, right from 03:00 (clocks change at 02:00
    or 03:00 and nobody opens before 07:00). One zone lookup per day instead of per row."""
    return zone.to_utc(day, 720) - _MINUTES[720]


class _Booker:
    """The status, patient and times of the appointments of one practitioner's days."""

    def __init__(self, practitioner: Practitioner, pool: _Pool, unreliable: set[str],
                 type_ids: list[str], now: datetime, rng: random.Random) -> None:
        self.pid = practitioner.id
        self.pool = pool
        self.unreliable = unreliable
        self.type_ids = type_ids
        self.now = now
        self.day_before_now = now - timedelta(days=1)
        self.rng = rng

    def _reason(self) -> tuple[str, str]:
        rng = self.rng
        r = rng.random()
        reason = (CancelReason.BY_PATIENT.value if r < 0.78
                  else CancelReason.BY_PRACTICE.value if r < 0.90 else CancelReason.NO_SHOW.value)
        note = rng.choice(CANCEL_NOTES[reason]) if rng.random() < 0.35 else ""
        return reason, note

    def row(self, motif: int, starts: datetime, ends: datetime, patient: str | None,
            cancelled: bool, series_id: str | None = None) -> dict:
        rng = self.rng
        status, reason, cancel_note, arrived = _BOOKED, "", "", None
        if cancelled:
            status = _CANCELLED
            reason, cancel_note = self._reason()
        elif ends <= self.now:
            no_show = UNRELIABLE_NO_SHOW if patient in self.unreliable else NO_SHOW
            if rng.random() < no_show:
                status = _NO_SHOW
            else:
                status = _SEEN
                if ends > self.day_before_now:  # today's waiting room, not the history
                    arrived = starts - _MINUTES[rng.randrange(25)]
        elif starts <= self.now:
            status = _IN
            arrived = starts - _MINUTES[rng.randrange(25)]
        elif starts - self.now <= _MINUTES[30] and rng.random() < 0.7:
            status = _ARRIVED
            arrived = self.now - _MINUTES[rng.randrange(1, 15)]
        else:
            soon = (starts - self.now).days < 2
            status = _CONFIRMED if rng.random() < (0.7 if soon else 0.25) else _BOOKED
        return {"practitioner_id": self.pid, "patient_id": patient,
                "type_id": self.type_ids[motif],
                "starts_at": starts, "ends_at": ends, "status": status,
                "cancel_reason": reason, "cancel_note": cancel_note,
                "note": rng.choice(APPOINTMENT_NOTES) if rng.random() < 0.01 else "",
                "series_id": series_id, "arrived_at": arrived,
                "remote": MOTIFS[motif].video}

    def day(self, day: date, origin: datetime, template: list[_Slot], keep_morning: float,
            keep_afternoon: float, cancel: float, busy: list[tuple[int, int]]) -> Iterator[dict]:
        rng, pool = self.rng, self.pool
        seen: set[str | None] = set()
        for start, end, busy_end, motif in template:
            if rng.random() >= (keep_morning if start < NOON else keep_afternoon):
                continue  # free time
            if busy and any(s < busy_end and start < e for s, e in busy):
                continue  # a series holds it
            starts, ends = origin + _MINUTES[start], origin + _MINUTES[end]
            patient = pool.pick(rng)
            if patient in seen:
                patient = pool.pick(rng)  # once a day is enough, mostly
            seen.add(patient)
            if rng.random() < cancel:
                yield self.row(motif, starts, ends, patient, True)
                if rng.random() >= REBOOKED:
                    continue
                patient = pool.pick(rng)
            yield self.row(motif, starts, ends, patient, False)


# -- recurring series --------------------------------------------------------------------------
# (specialty, motif, rules, series per month of agenda for one practitioner)
SERIES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    (GP, "Injection", ("FREQ=WEEKLY;BYDAY=MO;COUNT=8", "FREQ=WEEKLY;BYDAY=TH;COUNT=6"), 0.25),
    (PHYSIO, "Séance de kinésithérapie", ("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10",
                                           "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=12",
                                           "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8"), 0.45),
    (MIDWIFE, "Préparation à la naissance", ("FREQ=WEEKLY;BYDAY=TH;COUNT=7",), 0.2),
    (MIDWIFE, "Rééducation périnéale", ("FREQ=WEEKLY;BYDAY=TU;COUNT=10",), 0.2),
    (SPEECH, "Séance d'orthophonie", ("FREQ=WEEKLY;BYDAY=WE;COUNT=20",
                                       "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=16"), 0.4),
    (PSYCHOLOGY, "Entretien psychologique", ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=6",
                                              "FREQ=WEEKLY;BYDAY=FR;COUNT=10"), 0.3),
)
SERIES_NOTES = ("Ordonnance de 10 séances", "Même heure chaque semaine", "", "", "")


def occurrences(rule: str, first_day: date) -> list[date]:
    """The days of a series (its rule over wall time, from ``first_day``)."""
    return [d.date() for d in rrulestr(rule, dtstart=datetime.combine(first_day, time()))]


@dataclass
class _Series:
    id: str
    practitioner: int
    patient: str | None
    motif: int
    rule: str
    first_day: date
    start: int
    note: str
    days: list[date] = field(default_factory=list)


def _plan_series(calendar: _Calendar, pools: list[_Pool], rng: random.Random,
                 first: date, last: date, months: int, new_id: Callable[[], str]
                 ) -> list[_Series]:
    """Series whose every occurrence falls in open time accepting their motif, none on a
    holiday or an absence, none overlapping another series."""
    out: list[_Series] = []
    held: dict[tuple[int, date], list[tuple[int, int]]] = {}
    for p in calendar.practitioners:
        week_ = calendar.weeks[p.index]
        for specialty, motif_name, rules, per_month in SERIES:
            if specialty != p.specialty:
                continue
            motif = _MOTIF_INDEX[motif_name]
            m = MOTIFS[motif]
            wanted = max(1, round(per_month * months))
            made = 0
            for _ in range(wanted * 20):
                if made >= wanted:
                    break
                rule = rng.choice(rules)
                start_day = first + timedelta(days=rng.randrange(max(1, (last - first).days)))
                days = occurrences(rule, start_day)
                if days[0] != start_day:  # the first occurrence is the series' first day
                    days = occurrences(rule, days[0])
                if days[-1] > last:
                    continue
                ranges = week_.ranges(days[0])
                if not ranges:
                    continue
                s, e = rng.choice(ranges)
                if e - s < m.duration + m.buffer:
                    continue
                start = s + 15 * rng.randrange((e - s - m.duration - m.buffer) // 15 + 1)
                end = start + m.duration + m.buffer
                if not all(calendar.works(p.index, d)
                           and any(a <= start and end <= b and motif in week_.accepted(a)
                                   for a, b in week_.ranges(d))
                           and not any(a < end and start < b
                                       for a, b in held.get((p.index, d), ()))
                           for d in days):
                    continue
                for d in days:
                    held.setdefault((p.index, d), []).append((start, end))
                made += 1
                out.append(_Series(new_id(), p.index, pools[p.index].pick(rng), motif, rule,
                                   days[0], start, rng.choice(SERIES_NOTES), days))
    return out


# -- the waiting list ----------------------------------------------------------------------------
WAITING_NOTES = ("Préfère le matin", "Disponible le mercredi après-midi",
                 "Peut venir au dernier moment", "Uniquement après 17 h",
                 "Rappeler sur le portable", "", "", "")


def _waiting_rows(practitioners: list[Practitioner], pools: list[_Pool], type_ids: list[str],
                  today: date, count: int, rng: random.Random) -> list[dict]:
    rows = []
    gps = [p for p in practitioners if p.specialty == GP]
    for i in range(count):
        p = practitioners[i % len(practitioners)]
        patient = pools[p.index].pick(rng)
        if patient is None:
            continue
        wanted = [p.id]
        if p.specialty == GP and len(gps) > 1 and rng.random() < 0.5:
            wanted = [g.id for g in gps]  # any of the GPs
        elif rng.random() < 0.15:
            wanted = []  # whoever is free
        motif = rng.choice(_motifs_of(p.specialty))
        start = today + timedelta(days=rng.randrange(0, 10))
        rows.append({"patient_id": patient, "type_id": type_ids[motif],
                     "practitioner_ids": id_set_text(wanted), "window_from": start,
                     "window_until": start + timedelta(days=rng.choice((7, 14, 21, 30))),
                     "urgency": rng.choices((0, 1, 2), (6, 3, 1))[0],
                     "note": rng.choice(WAITING_NOTES), "status": WaitingStatus.WAITING.value,
                     "appointment_id": None})
    return rows


# -- the entry point --------------------------------------------------------------------------
_DAILY_BOOKINGS_DAYS = 400
# How long before its day an appointment was booked: (share, fewest days, most days).
_BOOKING_LEADS = ((0.3, 1, 2), (0.45, 3, 9), (0.25, 10, 30))


class _Bookings:
    """When each appointment was booked, so its history reads as a practice's would: a
    few days before its day, during office hours, never after ``now``. The appointments
    of one day share a few booking instants (one per lead), each written in a unit of
    work of its own stamped at that instant."""

    def __init__(self, zone: PracticeTime, now: datetime, rng: random.Random) -> None:
        self.zone, self.now, self.rng = zone, now, rng
        self.today = zone.today(now)
        self.shares = list(accumulate(share for share, _a, _b in _BOOKING_LEADS))
        self._day: date | None = None
        self._instants: list[datetime] = []

    def instant(self, day: date) -> datetime:
        # Over a year back (a large practice's long history) a month shares its instants:
        # a unit of work per day and lead would make the generation crawl.
        if (self.today - day).days > _DAILY_BOOKINGS_DAYS:
            day = day.replace(day=1)
        if day != self._day:
            self._day = day
            self._instants = []
            for _share, fewest, most in _BOOKING_LEADS:
                booked_day = day - timedelta(days=self.rng.randint(fewest, most))
                minute = 8 * 60 + 30 + self.rng.randrange(9 * 60 + 30)
                # Never after now (an hour back, so no history is stamped at the very
                # minute the agenda opens); a day further ahead was booked lately.
                latest = self.now - timedelta(hours=1)
                if booked_day >= self.today:
                    booked_day = self.today - timedelta(
                        days=self.rng.randint(0, 20))
                self._instants.append(min(self.zone.to_utc(booked_day, minute), latest))
        return self._instants[bisect(self.shares, self.rng.random() * self.shares[-1])]


def _no_backdate(_at: datetime) -> AbstractContextManager:
    return nullcontext()


def generate_agenda(store, *, actor_id: str, seed: int, practitioners: list[Practitioner],
                    patients: Sequence[PatientRef], zone: PracticeTime,
                    holidays: PublicHolidays, now: datetime, months_back: int,
                    months_ahead: int, appointments: int,
                    progress: Callable[[int], None], check: Callable[[], None],
                    backdate: Callable[[datetime], AbstractContextManager] = _no_backdate
                    ) -> AgendaSummary:
    """Write the agenda of a generated practice: about ``appointments`` appointments from
    ``months_back`` months before ``now`` to ``months_ahead`` after (the agenda fills up
    to nearly full to get there, and no further).

    ``progress(n)`` is told of the appointments written, scaled so the steps add up to
    ``appointments`` exactly; ``check()`` raises to cancel between chunks. Within
    ``backdate(instant)`` the store's clock reads ``instant``: the appointments are
    written at the time they were booked, the waiting list days before ``now``.
    """
    summary = AgendaSummary()
    today = zone.today(now)
    first, last = _add_months(today, -months_back), _add_months(today, months_ahead)
    stream = f"permanence-demo/{seed}/agenda"
    weeks = [_Week(p, range(first.year, max(last.year, today.year) + 1),
                   random.Random(f"{stream}/templates/{p.index}")) for p in practitioners]
    calendar = _Calendar(weeks, practitioners, holidays)
    absences = _plan_absences(calendar, random.Random(f"{stream}/absences"), today, first, last)
    who = random.Random(f"{stream}/patients")
    ages = [_age(p.birth_date, today) for p in patients]
    pools = [_Pool(p, patients, ages, who) for p in practitioners]
    unreliable = {patients[who.randrange(len(patients))].id
                  for _ in range(max(3, len(patients) // 300))} if patients else set()

    # Motifs, hours, absences, series and the waiting list: a few hundred rows at most.
    type_ids = [uuid7() for _ in MOTIFS]
    series = _plan_series(calendar, pools, random.Random(f"{stream}/series"), first, last,
                          months_back + months_ahead, uuid7)
    with store.unit_of_work(actor_id=actor_id) as uow:
        summary.types = len(uow.bulk_insert(AppointmentType, [
            {"id": type_ids[i], "name": m.name, "duration_min": m.duration,
             "buffer_after_min": m.buffer, "colour": m.colour,
             "remote_bookable": m.remote_bookable, "active": True,
             "practitioner_ids": id_set_text(offering)}
            for i, m in enumerate(MOTIFS)
            # A motif nobody here offers is left out: an empty set would mean "everyone".
            if (offering := [p.id for p in practitioners if p.specialty in m.specialties])]))
        hours = []
        for p, w in zip(practitioners, weeks):
            for (valid_from, valid_until), ranges in w.sets:
                for weekday, start, end in ranges:
                    accepted = w.morning_types if start < NOON else ()
                    hours.append({
                        "practitioner_id": p.id, "weekday": weekday, "start_min": start,
                        "end_min": end,
                        "valid_from": None if valid_from == date.min else valid_from,
                        "valid_until": None if valid_until == date.max else valid_until,
                        "type_ids": id_set_text(type_ids[i] for i in accepted)})
        summary.hours = len(uow.bulk_insert(OpeningHours, hours))
        summary.absences = len(uow.bulk_insert(Absence, [
            {"practitioner_id": practitioners[a.practitioner].id,
             "starts_at": zone.day_start(a.first),
             "ends_at": zone.day_start(a.last + timedelta(days=1)), "kind": a.kind,
             "note": a.note,
             "replacement_id": None if a.replacement is None else practitioners[a.replacement].id}
            for a in absences]))
        summary.series = len(uow.bulk_insert(AppointmentSeries, [
            {"id": s.id, "practitioner_id": practitioners[s.practitioner].id,
             "patient_id": s.patient, "type_id": type_ids[s.motif], "rule": s.rule,
             "first_day": s.first_day, "start_min": s.start,
             "duration_min": MOTIFS[s.motif].duration, "note": s.note} for s in series]))
    # Each patient put on the waiting list a few days ago, one after the other.
    waiting = _waiting_rows(practitioners, pools, type_ids, today,
                            max(10, 3 * len(practitioners)), random.Random(f"{stream}/waiting"))
    for i, row in enumerate(waiting):
        with backdate(now - timedelta(days=len(waiting) - i, hours=2)):
            with store.unit_of_work(actor_id=actor_id) as uow:
                summary.waiting += len(uow.bulk_insert(WaitingListEntry, [row]))

    series_on: dict[tuple[int, date], list[_Series]] = {}
    for s in series:
        for d in s.days:
            series_on.setdefault((s.practitioner, d), []).append(s)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def horizon(day: date) -> float:
        """How booked a day is, relative to the past: the agenda fills up as it nears."""
        ahead = (day - today).days
        return 1.0 if ahead <= 0 else max(0.25, 0.95 - 0.011 * ahead)

    # How full to make the days to get about the number of appointments asked for.
    slots = 0.0
    series_rows = sum(len(s.days) for s in series)
    mean: dict[tuple[int, _Set, int], tuple[float, float]] = {}
    for day in days:
        cancel = PAST_CANCELLED if day <= today else FUTURE_CANCELLED
        for p in practitioners:
            if not calendar.works(p.index, day):
                continue
            key = (p.index, weeks[p.index].validity(day), day.weekday())
            if key not in mean:
                templates = weeks[p.index].day_templates(day) or []
                am = sum(s[0] < NOON for t in templates for s in t) / len(templates)
                pm = sum(s[0] >= NOON for t in templates for s in t) / len(templates)
                mean[key] = (am, pm)
            am, pm = mean[key]
            slots += horizon(day) * (am + AFTERNOON_SHARE * pm) * (1 + cancel * REBOOKED)
    fill = min(MAX_FILL, max(0.0, appointments - series_rows) / slots) if slots else 0.0
    expected = fill * slots + series_rows

    bookers = [_Booker(p, pools[p.index], unreliable, type_ids, now,
                       random.Random(f"{stream}/days/{p.index}")) for p in practitioners]

    def rows() -> Iterator[tuple[date, dict]]:
        for day in days:
            origin = _day_origin(zone, day)
            hz = horizon(day)
            cancel = PAST_CANCELLED if day <= today else FUTURE_CANCELLED
            for p in practitioners:
                if not calendar.works(p.index, day):
                    continue
                booker = bookers[p.index]
                held = series_on.get((p.index, day), ())
                busy = []
                for s in held:
                    m = MOTIFS[s.motif]
                    busy.append((s.start, s.start + m.duration + m.buffer))
                    yield day, booker.row(s.motif, origin + _MINUTES[s.start],
                                          origin + _MINUTES[s.start + m.duration], s.patient,
                                          day <= today and booker.rng.random() < 0.02, s.id)
                template = booker.rng.choice(weeks[p.index].day_templates(day))
                for row in booker.day(day, origin, template, fill * hz,
                                      fill * hz * AFTERNOON_SHARE, cancel, busy):
                    yield day, row

    size = min(max(appointments // 50, CHUNK_ROWS[0]), CHUNK_ROWS[1])
    reported = 0
    written = 0
    bookings = _Bookings(zone, now, random.Random(f"{stream}/booked"))

    def chunks() -> Iterator[list[tuple[date, dict]]]:
        """About ``size`` rows at a time, whole days only."""
        chunk: list[tuple[date, dict]] = []
        for day, row in rows():
            if chunk and day != chunk[-1][0] and len(chunk) >= size:
                yield chunk
                chunk = []
            chunk.append((day, row))
        if chunk:
            yield chunk

    for chunk in chunks():
        check()
        booked: dict[datetime, list[dict]] = {}
        for day, row in chunk:
            booked.setdefault(bookings.instant(day), []).append(row)
        for instant in sorted(booked):
            with backdate(instant):
                with store.unit_of_work(actor_id=actor_id) as uow:
                    uow.bulk_insert(Appointment, booked[instant])
        written += len(chunk)
        step = min(appointments, round(written * appointments / expected)) - reported \
            if expected else 0
        if step > 0:
            reported += step
            progress(step)
    if reported < appointments:
        progress(appointments - reported)
    summary.appointments = written
    summary.fill = fill
    return summary
