"""Every write of every service is announced as exactly one change set saying what it
wrote: the kinds, and for each the ids inserted, updated and tombstoned."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Patient, PatientPhone, kinds
from app.services.agenda.series import SeriesInput
from app.services.agenda.service import BookingRefused
from app.services.agenda.setup import AbsenceInput, HoursRange, TypeInput
from app.services.agenda.views import BookingInput
from app.services.agenda.waiting_list import WaitingInput
from app.services.directory import ContactInput
from app.services.duplicates import MERGED
from app.services.errors import ConcurrentEdit
from app.services.importing import PatientImporter
from app.services.patients import PatientInput, PhoneEntry
from app.storage.changes import ChangeSet, Initiator
from tests.agenda_fixtures import MONDAY, Agenda, build_agenda

TUESDAY = MONDAY + timedelta(days=1)
CARD = PatientInput(birth_name="Lefèvre", first_names="Hélène", birth_date="01/07/1975",
                    phones=[PhoneEntry("06 12 34 56 78")], city="Lyon")


@dataclass(frozen=True)
class Rows:
    """What one kind expects: a set of ids, or how many when the ids are not known."""

    inserted: frozenset | int = frozenset()
    updated: frozenset | int = frozenset()
    tombstoned: frozenset | int = frozenset()


def ids(*values) -> frozenset:
    return frozenset(values)


@dataclass
class Ctx:
    agenda: Agenda
    tmp_path: object

    @property
    def ws(self):
        return self.agenda.ws

    def patient(self, data: PatientInput = CARD) -> str:
        return self.ws.patients.create(data).id

    def book(self, hour: int, patient: int = 0, day=MONDAY):
        a = self.agenda
        return a.service.book(BookingInput(a.morel, a.at(day, hour), None, a.patients[patient],
                                           a.consult)).appointment

    def phones(self, patient_id: str) -> list[str]:
        with self.ws.store.reader() as s:
            return list(s.execute(select(PatientPhone.id).where(
                PatientPhone.patient_id == patient_id).order_by(PatientPhone.position)).scalars())


# A case: given the context, prepare what it needs and return (the write, what it should
# announce given the write's result).
Case = Callable[[Ctx], tuple[Callable[[], object], Callable[[object], dict[str, Rows]]]]


def patient_create(c: Ctx):
    data = replace(CARD, phones=[PhoneEntry("06 12 34 56 78"), PhoneEntry("02 47 11 22 33")])
    return (lambda: c.ws.patients.create(data),
            lambda p: {kinds.PATIENT: Rows(inserted=ids(p.id)),
                       kinds.PATIENT_PHONE: Rows(inserted=ids(*c.phones(p.id)))})


def patient_update(c: Ctx):
    pid = c.patient()
    (phone,) = c.phones(pid)
    version = c.ws.patients.get(pid).version
    data = replace(CARD, city="Tours", phones=[PhoneEntry("06 12 34 56 79"),
                                                PhoneEntry("02 47 11 22 33")])
    return (lambda: c.ws.patients.update(pid, data, expected_version=version),
            lambda p: {kinds.PATIENT: Rows(updated=ids(pid)),
                       kinds.PATIENT_PHONE: Rows(inserted=ids(*c.phones(pid)[1:]),
                                                 updated=ids(phone))})


def patient_merge(c: Ctx):
    kept = c.patient(replace(CARD, phones=[]))
    merged = c.patient(replace(CARD, city="Tours", email="h@exemple.fr"))
    appointment = c.agenda.service.book(BookingInput(
        c.agenda.morel, c.agenda.at(MONDAY, 10), None, merged, c.agenda.consult)).appointment
    versions = tuple(c.ws.patients.get(p).version for p in (kept, merged))
    (phone,) = c.phones(merged)
    return (lambda: c.ws.duplicates.merge(kept_id=kept, merged_id=merged,
                                          choices={"email": MERGED}, expected_versions=versions),
            lambda r: {kinds.PATIENT: Rows(updated=ids(kept), tombstoned=ids(merged)),
                       kinds.PATIENT_MERGE: Rows(inserted=ids(r.merge_id)),
                       kinds.PATIENT_PHONE: Rows(updated=ids(phone)),
                       kinds.APPOINTMENT: Rows(updated=ids(appointment.id))})


def patient_merge_undone(c: Ctx):
    act, expect = patient_merge(c)
    result = act()
    phone = next(iter(expect(result)[kinds.PATIENT_PHONE].updated))  # moved, then back
    return (lambda: c.ws.duplicates.undo_merge(result.merge_id),
            lambda r: {kinds.PATIENT: Rows(updated=ids(result.kept.id, result.merged_id)),
                       kinds.PATIENT_MERGE: Rows(updated=ids(result.merge_id)),
                       kinds.PATIENT_PHONE: Rows(updated=ids(phone)),
                       kinds.APPOINTMENT: Rows(updated=1)})


def duplicates_dismissed(c: Ctx):
    a, b = c.patient(), c.patient()
    return (lambda: c.ws.duplicates.dismiss(a, b),
            lambda _r: {kinds.DUPLICATE_DISMISSAL: Rows(inserted=1)})


def contact_create(c: Ctx):
    return (lambda: c.ws.directory.create(ContactInput(name="Martin", category="gp")),
            lambda d: {kinds.CONTACT: Rows(inserted=ids(d.id))})


def contact_update(c: Ctx):
    d = c.ws.directory.create(ContactInput(name="Martin", category="gp"))
    return (lambda: c.ws.directory.update(d.id, ContactInput(name="Martin", first_name="Sophie",
                                                             category="gp"),
                                          expected_version=d.version),
            lambda _r: {kinds.CONTACT: Rows(updated=ids(d.id))})


def contact_delete(c: Ctx):
    d = c.ws.directory.create(ContactInput(name="Martin", category="gp"))
    return (lambda: c.ws.directory.delete(d.id),
            lambda _r: {kinds.CONTACT: Rows(tombstoned=ids(d.id))})


def book(c: Ctx):
    return (lambda: c.book(10),
            lambda a: {kinds.APPOINTMENT: Rows(inserted=ids(a.id))})


def move(c: Ctx):
    a = c.book(10)
    return (lambda: c.agenda.service.move(a.id, c.agenda.at(MONDAY, 11), None,
                                          practitioner_id=c.agenda.faure),
            lambda _r: {kinds.APPOINTMENT: Rows(updated=ids(a.id)),
                        kinds.FREED_SLOT: Rows(inserted=1)})


def cancel(c: Ctx):
    a = c.book(10)
    return (lambda: c.agenda.service.cancel(a.id, "patient"),
            lambda _r: {kinds.APPOINTMENT: Rows(updated=ids(a.id))})


def status(c: Ctx):
    a = c.book(10)
    return (lambda: c.agenda.service.set_status(a.id, "arrived"),
            lambda _r: {kinds.APPOINTMENT: Rows(updated=ids(a.id))})


def _series_plan(c: Ctx):
    a = c.agenda
    return c.ws.series.plan_series(SeriesInput(a.morel, a.patients[0], a.consult, TUESDAY,
                                               "10:00", "FREQ=WEEKLY;BYDAY=TU;COUNT=3"))


def series_create(c: Ctx):
    plan = _series_plan(c)
    return (lambda: c.ws.series.create_series(plan),
            lambda r: {kinds.APPOINTMENT_SERIES: Rows(inserted=ids(r.series_id)),
                       kinds.APPOINTMENT: Rows(inserted=ids(*(a.id for a in r.appointments)))})


def series_cancel_rest(c: Ctx):
    r = c.ws.series.create_series(_series_plan(c))
    first, *rest = r.appointments
    return (lambda: c.ws.series.cancel_remaining(r.series_id, rest[0].id, "patient"),
            lambda _v: {kinds.APPOINTMENT: Rows(updated=ids(*(a.id for a in rest)))})


def series_move_rest(c: Ctx):
    r = c.ws.series.create_series(_series_plan(c))
    return (lambda: c.ws.series.move_remaining(r.series_id, r.appointments[0].id, "11:00"),
            lambda _v: {kinds.APPOINTMENT: Rows(updated=ids(*(a.id for a in r.appointments))),
                        kinds.FREED_SLOT: Rows(inserted=3)})


def confirmation_call(c: Ctx):
    a = c.book(10, day=TUESDAY)
    return (lambda: c.ws.confirmations.record(a.id, "unreachable"),
            lambda _r: {kinds.APPOINTMENT: Rows(updated=ids(a.id))})


def cancelled_by_phone(c: Ctx):
    a = c.book(10, day=TUESDAY)
    return (lambda: c.ws.confirmations.record(a.id, "cancelled"),
            lambda _r: {kinds.APPOINTMENT: Rows(updated=ids(a.id))})


def slot_offer_refused(c: Ctx):
    a = c.book(10, day=TUESDAY)
    c.agenda.service.cancel(a.id, "patient")
    e = _waiting(c)
    [slot] = c.ws.freed_slots.open_slots()
    return (lambda: c.ws.freed_slots.record_offer(slot, e.id, "refused"),
            lambda _r: {kinds.SLOT_OFFER: Rows(inserted=1)})


def slot_offer_accepted(c: Ctx):
    a = c.book(10, day=TUESDAY)
    c.agenda.service.cancel(a.id, "patient")
    e = _waiting(c)
    [slot] = c.ws.freed_slots.open_slots()
    return (lambda: c.ws.freed_slots.record_offer(slot, e.id, "accepted"),
            lambda r: {kinds.SLOT_OFFER: Rows(inserted=1),
                       kinds.APPOINTMENT: Rows(inserted=ids(r.appointment.id)),
                       kinds.WAITING_LIST_ENTRY: Rows(updated=ids(e.id))})


def _waiting(c: Ctx):
    return c.ws.waiting_list.add(WaitingInput(c.agenda.patients[1], c.agenda.consult, MONDAY,
                                              MONDAY + timedelta(days=14)))


def waiting_add(c: Ctx):
    return (lambda: _waiting(c),
            lambda e: {kinds.WAITING_LIST_ENTRY: Rows(inserted=ids(e.id))})


def waiting_withdraw(c: Ctx):
    e = _waiting(c)
    return (lambda: c.ws.waiting_list.withdraw(e.id),
            lambda _r: {kinds.WAITING_LIST_ENTRY: Rows(updated=ids(e.id))})


def waiting_booked(c: Ctx):
    e = _waiting(c)
    a = c.agenda
    data = BookingInput(a.morel, a.at(TUESDAY, 9), None, a.patients[1], a.consult)
    return (lambda: c.ws.waiting_list.book_for_entry(e.id, data),
            lambda r: {kinds.APPOINTMENT: Rows(inserted=ids(r.appointment.id)),
                       kinds.WAITING_LIST_ENTRY: Rows(updated=ids(e.id))})


def motif_added(c: Ctx):
    return (lambda: c.ws.agenda_setup.save_type(TypeInput("Urgence", 20)),
            lambda t: {kinds.APPOINTMENT_TYPE: Rows(inserted=ids(t.id))})


def motif_changed(c: Ctx):
    return (lambda: c.ws.agenda_setup.save_type(TypeInput("Consultation", 20), c.agenda.consult),
            lambda _t: {kinds.APPOINTMENT_TYPE: Rows(updated=ids(c.agenda.consult))})


def hours_set(c: Ctx):
    old = _hour_ids(c)
    ranges = [HoursRange(0, "09:00", "12:00"), HoursRange(1, "09:00", "12:00")]
    return (lambda: c.ws.agenda_setup.set_hours(c.agenda.morel, ranges),
            lambda _r: {kinds.OPENING_HOURS: Rows(inserted=2, tombstoned=old)})


def _hour_ids(c: Ctx) -> frozenset:
    from app.models import OpeningHours

    with c.ws.store.reader() as s:
        return frozenset(s.execute(select(OpeningHours.id).where(
            OpeningHours.practitioner_id == c.agenda.morel,
            OpeningHours.deleted_at.is_(None))).scalars())


def _absence(c: Ctx):
    a = c.agenda
    return AbsenceInput(a.faure, a.at(TUESDAY, 8), a.at(TUESDAY + timedelta(days=2), 20))


def absence_added(c: Ctx):
    return (lambda: c.ws.agenda_setup.add_absence(_absence(c)),
            lambda r: {kinds.ABSENCE: Rows(inserted=ids(r.id))})


def absence_removed(c: Ctx):
    absence = c.ws.agenda_setup.add_absence(_absence(c))
    return (lambda: c.ws.agenda_setup.remove_absence(absence.id),
            lambda _r: {kinds.ABSENCE: Rows(tombstoned=ids(absence.id))})


def holiday_opened(c: Ctx):
    day = MONDAY.replace(month=5, day=1)
    return (lambda: c.ws.agenda_setup.set_holiday_open(day, True, c.agenda.morel),
            lambda _r: {kinds.HOLIDAY_OPENING: Rows(inserted=1)})


def holiday_closed_again(c: Ctx):
    day = MONDAY.replace(month=5, day=1)
    c.ws.agenda_setup.set_holiday_open(day, True, c.agenda.morel)
    return (lambda: c.ws.agenda_setup.set_holiday_open(day, False, c.agenda.morel),
            lambda _r: {kinds.HOLIDAY_OPENING: Rows(tombstoned=1)})


def holiday_region(c: Ctx):
    return (lambda: c.ws.set_holiday_region("57"),
            lambda _r: {kinds.PRACTICE: Rows(updated=ids(c.ws.practice.id))})


def csv_import(c: Ctx):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows([
        ["Nom", "Prénom(s)", "Date de naissance", "Tél. portable"],
        ["Garçon", "Luc", "02/02/1980", "06 11 22 33 44"],
        ["Roux", "Léa", "03/03/1990", ""],
        ["Blanc", "Jules", "04/04/2000", "06 55 66 77 88"]])
    path = c.tmp_path / "import.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    importer = PatientImporter(c.ws.store, principal=c.ws.principal, clock=c.ws.clock)
    return (lambda: importer.run(path),
            lambda _r: {kinds.PATIENT: Rows(inserted=ids(*_named(c, "Garçon", "Roux", "Blanc"))),
                        kinds.PATIENT_PHONE: Rows(inserted=2)})


def _named(c: Ctx, *names: str) -> list[str]:
    with c.ws.store.reader() as s:
        return list(s.execute(select(Patient.id).where(Patient.birth_name.in_(names))).scalars())


CASES: dict[str, Case] = {f.__name__: f for f in (
    patient_create, patient_update, patient_merge, patient_merge_undone, duplicates_dismissed,
    contact_create, contact_update, contact_delete,
    book, move, cancel, status, series_create, series_cancel_rest, series_move_rest,
    confirmation_call, cancelled_by_phone, slot_offer_refused, slot_offer_accepted,
    waiting_add, waiting_withdraw, waiting_booked,
    motif_added, motif_changed, hours_set, absence_added, absence_removed, holiday_opened,
    holiday_closed_again, holiday_region, csv_import,
)}


@pytest.fixture
def ctx(workspace, tmp_path) -> Ctx:
    return Ctx(build_agenda(workspace), tmp_path)


def as_expected(changes: ChangeSet) -> dict[str, Rows]:
    return {kind: Rows(rows.inserted, rows.updated, rows.tombstoned)
            for kind, rows in changes.kinds.items()}


def counted(expected: dict[str, Rows], got: dict[str, Rows]) -> dict[str, Rows]:
    """``got`` with the parts ``expected`` gives as a number turned into a number."""
    out = {}
    for kind, rows in got.items():
        want = expected.get(kind, Rows())
        out[kind] = Rows(*(len(have) if isinstance(w, int) else have
                           for w, have in zip((want.inserted, want.updated, want.tombstoned),
                                              (rows.inserted, rows.updated, rows.tombstoned))))
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_a_write_announces_exactly_what_it_wrote(ctx, case):
    act, expect = CASES[case](ctx)
    heard: list[ChangeSet] = []
    ctx.ws.store.subscribe(heard.append)
    result = act()
    assert len(heard) == 1, [as_expected(c) for c in heard]
    (changes,) = heard
    expected = expect(result)
    assert counted(expected, as_expected(changes)) == expected
    assert changes.initiator == Initiator(ctx.ws.user_id) and changes.from_peer is None


def test_a_refused_write_announces_nothing(ctx):
    a = ctx.agenda
    taken = ctx.book(10)
    contact = ctx.ws.directory.create(ContactInput(name="Martin"))
    heard: list[ChangeSet] = []
    ctx.ws.store.subscribe(heard.append)
    with pytest.raises(BookingRefused):  # the guard refuses inside the unit of work
        a.service.book(BookingInput(a.morel, taken.starts_at, None, a.patients[1], a.consult))
    with pytest.raises(ConcurrentEdit):  # rolled back once the row was read
        ctx.ws.directory.update(contact.id, ContactInput(name="Durand"), expected_version=-1)
    assert heard == []
