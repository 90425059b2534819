"""Every screen's source names a patient the one way: "VINCENT née ACHOUR Suzanne"."""

from __future__ import annotations

from datetime import timedelta

from app.services.agenda.booking_queries import patient_label
from app.services.agenda.day_queries import DayQueries
from app.services.agenda.views import BookingInput
from app.services.agenda.waiting_list import WaitingInput
from app.services.patients import PatientInput
from tests.agenda_fixtures import MONDAY

NAME = "VINCENT née ACHOUR Suzanne"


def test_lists_pickers_and_the_agenda_name_a_married_patient_alike(agenda):
    ws = agenda.ws
    pid = ws.patients.create(PatientInput(birth_name="Achour", used_name="Vincent",
                                          first_names="Suzanne", sex="F")).id
    tuesday = MONDAY + timedelta(days=1)
    booked = ws.agenda.book(BookingInput(agenda.morel, agenda.at(tuesday, 9), patient_id=pid,
                                         type_id=agenda.consult)).appointment
    assert booked.patient_name == NAME
    assert [r.display_name for r in ws.patients.search("achour")] == [NAME]
    assert ws.patients.summary(pid).display_name == NAME
    assert ws.patients.get(pid).display_name == NAME
    assert patient_label(ws.store, pid).display_name == NAME
    days = DayQueries.of(ws)
    assert [e.patient_name for e in days.day([agenda.morel], tuesday)] == [NAME]
    assert days.patient_agenda(pid).upcoming[0].patient_name == NAME
    entry = ws.waiting_list.add(WaitingInput(pid, agenda.consult, tuesday,
                                             tuesday + timedelta(days=7)))
    assert entry.patient_name == NAME


def test_a_man_is_ne_and_an_unknown_sex_is_ne_e(agenda):
    ws = agenda.ws
    ws.patients.create(PatientInput(birth_name="Achour", used_name="Vincent",
                                    first_names="Karim", sex="M"))
    ws.patients.create(PatientInput(birth_name="Achour", used_name="Vincent",
                                    first_names="Camille"))
    assert [r.display_name for r in ws.patients.search("vincent")] == [
        "VINCENT né(e) ACHOUR Camille", "VINCENT né ACHOUR Karim"]
