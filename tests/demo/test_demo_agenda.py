"""The demo practice's agenda: realistic, inside the rules of a real agenda, reproducible.

Everything is checked from what the database holds, with rules written out here rather
than taken from the generator: weekly hours (the most specific set covering a day
applying), public holidays, absences, buffers, series rules.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from dateutil.rrule import rrulestr
from sqlalchemy import select

from app.clock import FrozenClock
from app.models import Patient, Practitioner
from app.models.agenda import (
    HOLDING_STATUSES,
    Absence,
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    OpeningHours,
    WaitingListEntry,
    id_set,
)
from app.services.agenda.public_holidays import PublicHolidays
from app.services.agenda.zone import PracticeTime
from app.demo import SIZES, DemoSize, generate_demo
from app.services.errors import Cancelled
from app.storage.audit import verify_chain
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from tests.demo.conftest import DEMO_AT

FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
ZONE = PracticeTime("Europe/Paris")
# A small practice whose history covers a summer (summer hours) and several holidays:
# a Monday, 10:00 in Paris.
SMALL_AT = datetime(2025, 9, 15, 8, 0, tzinfo=timezone.utc)
SMALL = DemoSize(practitioners=3, patients=400, appointments=3_000, months_back=4,
                 months_ahead=2)


def generate(root: Path, at: datetime, **kwargs):
    return generate_demo(ProfilePaths(root), clock=FrozenClock(at), kdf=FAST_KDF, **kwargs)


class Agenda:
    """What one generated practice's agenda holds, loaded once."""

    def __init__(self, ws, now: datetime) -> None:
        self.now = now
        self.today = ZONE.today(now)
        with ws.store.reader() as s:
            self.practitioners = {p.id: p for p in s.execute(select(Practitioner)).scalars()}
            self.types = {t.id: t for t in s.execute(select(AppointmentType)).scalars()}
            self.hours = s.execute(select(OpeningHours)).scalars().all()
            self.absences = s.execute(select(Absence)).scalars().all()
            self.series = s.execute(select(AppointmentSeries)).scalars().all()
            self.waiting = s.execute(select(WaitingListEntry)).scalars().all()
            self.appointments = s.execute(
                select(Appointment).order_by(Appointment.version)).scalars().all()
            self.patient_rows = s.execute(select(Patient)).scalars().all()
            self.patient_order = {pid: i for i, pid in enumerate(s.execute(
                select(Patient.id).order_by(Patient.version)).scalars())}
            self.chain = verify_chain(s)
        self.type_by_name = {t.name: t for t in self.types.values()}
        self.region = ws.practice.holiday_region

    def ranges(self, practitioner_id: str, day: date) -> list[OpeningHours]:
        """The day's ranges from the narrowest set of weekly hours covering it."""
        sets: dict[tuple, list[OpeningHours]] = defaultdict(list)
        for h in self.hours:
            if h.practitioner_id == practitioner_id:
                sets[h.valid_from or date.min, h.valid_until or date.max].append(h)
        covering = [(until - since, rows) for (since, until), rows in sets.items()
                    if since <= day <= until]
        if not covering:
            return []
        rows = min(covering, key=lambda c: c[0])[1]
        return [h for h in rows if h.weekday == day.weekday()]

    def fingerprint(self) -> list[tuple]:
        """Everything about the appointments that does not depend on generated ids."""
        names = {pid: p.display_name for pid, p in self.practitioners.items()}
        rules = {s.id: s.rule for s in self.series}
        return [(names[a.practitioner_id], a.starts_at, a.ends_at, a.status, a.cancel_reason,
                 a.cancel_note, self.types[a.type_id].name, self.patient_order.get(a.patient_id),
                 rules.get(a.series_id), a.remote) for a in self.appointments]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Agenda:
    progress: list[tuple[int, int]] = []
    ws = generate(tmp_path_factory.mktemp("agenda-small") / "cabinet", SMALL_AT, size=SMALL,
                  seed=11, progress=lambda done, total: progress.append((done, total)))
    try:
        agenda = Agenda(ws, SMALL_AT)
    finally:
        ws.close()
    agenda.progress = progress  # what the generation reported, as it went
    return agenda


@pytest.fixture(scope="module")
def demo(shared_demo) -> Agenda:
    agenda = Agenda(shared_demo.ws, DEMO_AT)
    agenda.elapsed = shared_demo.elapsed
    return agenda


@pytest.fixture(params=["small", "demo"])
def agenda(request) -> Agenda:
    return request.getfixturevalue(request.param)


# -- the rules of an agenda -------------------------------------------------------------------
def test_holding_appointments_of_a_practitioner_never_overlap_buffers_included(agenda):
    by_practitioner = defaultdict(list)
    for a in agenda.appointments:
        if a.status in HOLDING_STATUSES:
            by_practitioner[a.practitioner_id].append(a)
    assert len(by_practitioner) == len(agenda.practitioners)
    for rows in by_practitioner.values():
        rows.sort(key=lambda a: a.starts_at)
        for before, after in zip(rows, rows[1:]):
            buffer = timedelta(minutes=agenda.types[before.type_id].buffer_after_min)
            assert before.ends_at + buffer <= after.starts_at, (before.starts_at, after.starts_at)


def test_every_appointment_lies_in_opening_hours_that_accept_its_motif(agenda):
    for a in agenda.appointments:
        motif = agenda.types[a.type_id]
        day = ZONE.day_of(a.starts_at)
        start = ZONE.wall_minute(a.starts_at)
        assert a.starts_at == ZONE.to_utc(day, start)
        assert a.ends_at - a.starts_at == timedelta(minutes=motif.duration_min)
        end = start + motif.duration_min + motif.buffer_after_min
        assert any(r.start_min <= start and end <= r.end_min
                   and (not r.type_ids or a.type_id in id_set(r.type_ids))
                   for r in agenda.ranges(a.practitioner_id, day)), (motif.name, day, start)


def test_no_appointment_on_a_public_holiday_or_during_an_absence(agenda):
    holidays = PublicHolidays(agenda.region)
    absences = defaultdict(list)
    for ab in agenda.absences:
        absences[ab.practitioner_id].append(ab)
    days = {ZONE.day_of(a.starts_at) for a in agenda.appointments}
    first, last = min(days), max(days)
    assert holidays.between(first, last), "the range should hold public holidays"
    for a in agenda.appointments:
        assert holidays.name(ZONE.day_of(a.starts_at)) is None, a.starts_at
        assert not any(ab.starts_at < a.ends_at and a.starts_at < ab.ends_at
                       for ab in absences[a.practitioner_id]), a.starts_at
    # Absences do fall on days the practitioner would otherwise work.
    assert any(ab.starts_at >= ZONE.day_start(first) for ab in agenda.absences)


def test_statuses_follow_the_clock_and_cancellations_carry_a_reason(agenda):
    now = agenda.now
    statuses = Counter(a.status for a in agenda.appointments)
    assert set(statuses) == {s.value for s in AppointmentStatus}
    for a in agenda.appointments:
        if a.status == "cancelled":
            assert a.cancel_reason in ("patient", "practice", "no_show")
        else:
            assert a.cancel_reason == "" and a.cancel_note == ""
        if a.status in ("seen", "no_show"):
            assert a.ends_at <= now
        elif a.status == "in_consultation":
            assert a.starts_at <= now < a.ends_at
            assert a.arrived_at <= a.starts_at
        elif a.status == "arrived":
            assert a.arrived_at <= now < a.starts_at
        elif a.status in ("booked", "confirmed"):
            assert a.starts_at > now and a.arrived_at is None
    reasons = Counter(a.cancel_reason for a in agenda.appointments if a.status == "cancelled")
    assert set(reasons) == {"patient", "practice", "no_show"}
    assert reasons["patient"] > reasons["practice"]
    notes = [a.cancel_note for a in agenda.appointments if a.cancel_note]
    assert notes and all(len(n) < 60 for n in notes)
    past = [a for a in agenda.appointments if a.ends_at <= now]
    cancelled = sum(a.status == "cancelled" for a in past) / len(past)
    no_show = sum(a.status == "no_show" for a in past) / len(past)
    assert 0.05 < cancelled < 0.12 and 0.025 < no_show < 0.07, (cancelled, no_show)
    # Today: seen before the clock, still to come after it.
    today = [a for a in agenda.appointments if ZONE.day_of(a.starts_at) == agenda.today]
    assert any(a.status == "seen" for a in today)
    assert any(a.status in ("booked", "confirmed") for a in today)


def test_history_and_future_span_the_size_asked_for(demo):
    starts = [ZONE.day_of(a.starts_at) for a in demo.appointments]
    size = SIZES["demo"]
    assert 0.85 * size.appointments < len(demo.appointments) < 1.15 * size.appointments
    assert min(starts) <= demo.today - timedelta(days=6 * 30 - 10)
    assert demo.today + timedelta(days=50) <= max(starts) <= demo.today + timedelta(days=62)
    past = sum(d < demo.today for d in starts)
    assert 0.7 * len(starts) < past < 0.95 * len(starts)
    # The agenda fills up as it nears: next week is fuller than in seven weeks.
    soon = sum(demo.today + timedelta(days=7) <= d < demo.today + timedelta(days=14)
               for d in starts)
    later = sum(demo.today + timedelta(days=49) <= d < demo.today + timedelta(days=56)
                for d in starts)
    assert soon > 1.5 * later > 0


def test_mornings_are_fuller_than_afternoons_and_days_keep_free_time(demo):
    booked = Counter()
    for a in demo.appointments:
        if a.status != "cancelled" and ZONE.day_of(a.starts_at) < demo.today:
            booked["am" if ZONE.wall_minute(a.starts_at) < 13 * 60 else "pm"] += (
                a.ends_at - a.starts_at).total_seconds() / 60
    open_minutes = Counter()
    for h in demo.hours:
        if h.valid_from is None:
            open_minutes["am" if h.start_min < 13 * 60 else "pm"] += h.end_min - h.start_min
    am, pm = (booked[k] / open_minutes[k] for k in ("am", "pm"))
    assert am > pm
    # Fewer booked minutes than open ones: some gaps remain (past days, per weekly minute).
    gp = next(p for p in demo.practitioners.values() if p.last_name == "Morel")
    one_day = Counter(ZONE.day_of(a.starts_at) for a in demo.appointments
                      if a.practitioner_id == gp.id and a.status != "cancelled")
    assert 10 < sum(one_day.values()) / len(one_day) < 34


# -- motifs, hours, absences --------------------------------------------------------------------
def test_motifs_per_specialty_with_buffers_colours_and_remote_booking(demo):
    names = set(demo.type_by_name)
    assert {"Consultation", "Première consultation", "Urgence", "Téléconsultation",
            "Visite à domicile", "Vaccination", "Séance de kinésithérapie"} <= names
    colours = [t.colour for t in demo.types.values()]
    assert len(set(colours)) == len(colours)
    visit = demo.type_by_name["Visite à domicile"]
    assert (visit.duration_min, visit.buffer_after_min, visit.remote_bookable) == (30, 15, False)
    assert demo.type_by_name["Téléconsultation"].remote_bookable
    by_name = {p.last_name: p.id for p in demo.practitioners.values()}
    assert id_set(visit.practitioner_ids) == {by_name["Morel"]}
    assert id_set(demo.type_by_name["Consultation"].practitioner_ids) == {
        by_name["Morel"], by_name["Faure"]}
    assert id_set(demo.type_by_name["Séance de kinésithérapie"].practitioner_ids) == {
        by_name["Garnier"]}
    # Offered by nobody of a three-practitioner practice: not there at all (an empty set
    # of practitioners would mean that everyone offers it).
    assert not names & {"Suivi de grossesse", "Bilan orthophonique"}
    assert all(t.practitioner_ids for t in demo.types.values())
    remote = [a for a in demo.appointments if a.remote]
    assert remote and all(demo.types[a.type_id].name == "Téléconsultation" for a in remote)
    used = Counter(demo.types[a.type_id].name for a in demo.appointments)
    assert used["Consultation"] > used["Urgence"] > used["Visite à domicile"] > 0


def test_weekly_hours_half_days_saturdays_summer_set_and_a_morning_refusing_visits(small):
    gp = next(p for p in small.practitioners.values() if p.last_name == "Morel")
    usual = [h for h in small.hours if h.practitioner_id == gp.id and h.valid_from is None]
    per_day = Counter(h.weekday for h in usual)
    assert sorted(per_day.values()).count(2) >= 4  # two ranges on most days
    assert 1 in per_day.values()  # a half day off
    assert 5 in per_day  # Saturday morning
    summer = [h for h in small.hours if h.practitioner_id == gp.id and h.valid_from]
    assert summer and {(h.valid_from.month, h.valid_from.day, h.valid_until.month,
                        h.valid_until.day) for h in summer} == {(7, 1, 8, 31)}
    visit = small.type_by_name["Visite à domicile"]
    mornings = [h for h in small.hours if h.practitioner_id == gp.id and h.start_min < 12 * 60]
    assert mornings and all(h.type_ids and visit.id not in id_set(h.type_ids) for h in mornings)
    visits = [a for a in small.appointments if a.type_id == visit.id]
    assert visits and all(ZONE.wall_minute(a.starts_at) >= 13 * 60 for a in visits)
    # Summer days follow the summer set: no Saturday, afternoons only on Tuesday/Thursday.
    in_summer = [a for a in small.appointments if a.practitioner_id == gp.id
                 and ZONE.day_of(a.starts_at).month in (7, 8)]
    assert in_summer
    assert all(ZONE.day_of(a.starts_at).weekday() != 5 for a in in_summer)
    assert all(ZONE.day_of(a.starts_at).weekday() in (1, 3) for a in in_summer
               if ZONE.wall_minute(a.starts_at) >= 13 * 60)
    assert any(ZONE.day_of(a.starts_at).weekday() == 5 for a in small.appointments
               if a.practitioner_id == gp.id and ZONE.day_of(a.starts_at).month == 9)


def test_absences_a_holiday_week_training_and_sickness_with_a_replacement(agenda):
    kinds = Counter(a.kind for a in agenda.absences)
    assert {"holiday", "training", "sick"} <= set(kinds)
    assert any(a.replacement_id in agenda.practitioners
               and a.replacement_id != a.practitioner_id for a in agenda.absences)
    weeks = [a for a in agenda.absences if a.kind == "holiday"]
    assert any(a.ends_at - a.starts_at >= timedelta(days=7) for a in weeks)
    assert any(a.starts_at > agenda.now for a in weeks)  # holidays ahead, in the agenda
    assert all(not a.note or len(a.note) < 40 for a in agenda.absences)


# -- series, waiting list, patients --------------------------------------------------------------
def test_series_rows_follow_their_rule(agenda):
    assert len(agenda.series) >= 3
    rows = defaultdict(list)
    for a in agenda.appointments:
        if a.series_id is not None:
            rows[a.series_id].append(a)
    assert set(rows) == {s.id for s in agenda.series}
    assert any("BYDAY=TU,TH" in s.rule or "BYDAY=MO,WE" in s.rule for s in agenda.series)
    for s in agenda.series:
        days = [d.date() for d in rrulestr(s.rule, dtstart=datetime.combine(
            s.first_day, datetime.min.time()))]
        got = sorted(rows[s.id], key=lambda a: a.starts_at)
        assert [ZONE.day_of(a.starts_at) for a in got] == days, s.rule
        assert days[0] == s.first_day
        for a in got:
            assert ZONE.wall_minute(a.starts_at) == s.start_min
            assert a.ends_at - a.starts_at == timedelta(minutes=s.duration_min)
            assert (a.practitioner_id, a.patient_id, a.type_id) == (
                s.practitioner_id, s.patient_id, s.type_id)
    names = {agenda.types[s.type_id].name for s in agenda.series}
    assert {"Séance de kinésithérapie", "Injection"} <= names


def test_a_waiting_list_of_varied_requests(agenda):
    w = agenda.waiting
    assert len(w) >= 10
    assert all(e.status == "waiting" and e.window_from <= e.window_until for e in w)
    assert all(e.window_until >= agenda.today for e in w)
    assert all(e.patient_id in agenda.patient_order and e.type_id in agenda.types for e in w)
    assert len({e.urgency for e in w}) >= 2
    assert len({e.type_id for e in w}) >= 3
    assert all(id_set(e.practitioner_ids) <= set(agenda.practitioners) for e in w)


def test_patients_come_back_and_a_few_often_miss_their_appointment(demo):
    visits = Counter((a.patient_id, a.practitioner_id) for a in demo.appointments
                     if a.status != "cancelled")
    assert None not in {p for p, _ in visits}
    assert sum(n >= 6 for n in visits.values()) >= 10  # chronic follow-up
    no_shows = Counter(a.patient_id for a in demo.appointments if a.status == "no_show")
    assert sum(n >= 2 for n in no_shows.values()) >= 3
    # Children see the paediatrician, not the physiotherapist's adults only.
    ped = next(p.id for p in demo.practitioners.values() if p.last_name == "Faure")
    assert len({a.patient_id for a in demo.appointments if a.practitioner_id == ped}) > 50


def test_the_agenda_is_journaled_and_audited(agenda):
    assert agenda.chain.ok and agenda.chain.entries > len(agenda.appointments)


# -- reproducibility, progress, cancellation -------------------------------------------------------
def test_same_seed_same_agenda_another_seed_another(small, tmp_path):
    ws = generate(tmp_path / "again", SMALL_AT, size=SMALL, seed=11)
    try:
        again = Agenda(ws, SMALL_AT)
    finally:
        ws.close()
    assert again.fingerprint() == small.fingerprint()
    assert [(a.kind, a.starts_at) for a in again.absences] == [
        (a.kind, a.starts_at) for a in small.absences]
    ws = generate(tmp_path / "other", SMALL_AT, size=SMALL, seed=12)
    try:
        other = Agenda(ws, SMALL_AT)
    finally:
        ws.close()
    assert other.fingerprint() != small.fingerprint()


def test_progress_counts_patients_then_appointments_up_to_the_total(small):
    calls = small.progress
    total = SMALL.patients + SMALL.appointments
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    # The appointments move the bar in several steps, not in one jump at the end.
    assert sum(d > SMALL.patients for d in done) >= 3


def test_a_generation_cancelled_during_the_agenda_leaves_nothing_behind(tmp_path):
    calls = []

    def progress(done, total):
        calls.append(done)

    with pytest.raises(Cancelled):
        generate(tmp_path / "cabinet", SMALL_AT, size=SMALL, progress=progress,
                 cancelled=lambda: bool(calls) and calls[-1] > SMALL.patients)
    assert calls[-1] > SMALL.patients
    assert list(tmp_path.iterdir()) == []


def test_the_demo_size_generates_quickly(demo):
    assert demo.elapsed < 30


def test_history_stamps_read_as_a_practice_s(small):
    """Each appointment was booked days before its day (a past one was not "booked
    today"), never after the generation's now; the waiting list was filled over the days
    before; the cards of adults were entered before the agenda began."""
    latest = small.now - timedelta(hours=1)
    for a in small.appointments:
        booked = a.created_at.astimezone(timezone.utc)
        assert booked <= latest
        day = ZONE.day_of(a.starts_at)
        if day <= small.today:
            assert 1 <= (day - ZONE.day_of(booked)).days <= 30
    assert len({a.created_at for a in small.appointments}) > 100
    assert all(w.created_at.astimezone(timezone.utc) < small.now - timedelta(days=1)
               for w in small.waiting)
    first = min(a.starts_at for a in small.appointments)
    assert sum(p.created_at < first for p in small.patient_rows) > 0.8 * len(small.patient_rows)
