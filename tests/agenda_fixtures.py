"""A small practice with an agenda set up, shared by the service and UI tests.

Two practitioners (Dr Morel, Dr Faure), Monday to Friday 08:30–12:00 and 14:00–19:00
(Wednesday afternoon off for Dr Faure), a 15-minute consultation, a 30-minute home
visit with a 15-minute buffer accepted only in the afternoon, three patients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.models import Practitioner
from app.services.agenda.setup import HoursRange, TypeInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.practice import list_practitioners
from app.services.workspace import Workspace

MONDAY = date(2026, 3, 16)  # the frozen clock's day (08:30 UTC = 09:30 Paris)


@dataclass
class Agenda:
    ws: Workspace
    morel: str
    faure: str
    consult: str
    visit: str
    patients: list[str]

    @property
    def service(self):
        return self.ws.agenda

    def at(self, day: date, hour: int, minute: int = 0):
        return self.ws.zone.at(day, hour, minute)


def build_agenda(ws: Workspace) -> Agenda:
    morel = list_practitioners(ws.store)[0].id
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        p = Practitioner(title="Dr", first_name="Julien", last_name="Faure", specialty="Pédiatrie",
                         colour="#e07b39")
        uow.session.add(p)
        uow.session.flush()
        faure = p.id
    setup = ws.agenda_setup
    consult = setup.save_type(TypeInput("Consultation", 15, colour="#3b7dd8")).id
    visit = setup.save_type(TypeInput("Visite à domicile", 30, 15, "#c2a01f",
                                      remote_bookable=False)).id
    for pid in (morel, faure):
        ranges = []
        for wd in range(5):
            ranges.append(HoursRange(wd, "08:30", "12:00", frozenset({consult})))
            if not (pid == faure and wd == 2):
                ranges.append(HoursRange(wd, "14:00", "19:00"))
        setup.set_hours(pid, ranges)
    patients = [ws.patients.create(PatientInput(
        birth_name=name, first_names=first, phones=[PhoneEntry(phone)])).id
        for name, first, phone in (("Lefèvre", "Jeanne", "06 12 34 56 78"),
                                   ("Martin", "Paul", "06 98 76 54 32"),
                                   ("N'Diaye", "Awa", "02 47 11 22 33"))]
    return Agenda(ws, morel, faure, consult, visit, patients)
