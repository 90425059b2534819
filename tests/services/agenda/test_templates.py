"""Starting a new agenda from a specialty's templates: motifs and a usual week, created
in one write, after which the practice can book."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app import i18n
from app.models import AuditEntry, ChangeJournal, kinds
from app.services.agenda.readiness import agenda_readiness
from app.services.agenda.setup import HoursRange, StarterPlan, TypeInput
from app.services.agenda.slots import Constraints, SlotQuery
from app.services.agenda.templates import (
    SPECIALTY_KEYS,
    guess_specialty,
    specialties,
    specialty,
    starter_plan,
)
from app.services.agenda.views import BookingInput
from app.services.errors import NotFound, ValidationError
from app.services.patients import PatientInput
from app.services.practice import list_practitioners

MONDAY = date(2026, 3, 16)


def _morel(ws) -> str:
    return list_practitioners(ws.store)[0].id


def test_every_specialty_has_bookable_motifs_and_a_usual_week():
    found = specialties()
    assert [t.key for t in found] == list(SPECIALTY_KEYS)
    assert {"general", "paediatrics", "physiotherapy", "dentistry", "psychology"} <= set(
        SPECIALTY_KEYS)
    for t in found:
        assert t.label and len(t.motifs) >= 3
        assert len({m.key for m in t.motifs}) == len(t.motifs)
        assert len({m.name for m in t.motifs}) == len(t.motifs)
        for m in t.motifs:
            assert 5 <= m.duration_min <= 720 and 0 <= m.buffer_after_min <= 120
            assert re.fullmatch(r"#[0-9a-f]{6}", m.colour)
        weekdays = {r.weekday for r in t.ranges()}
        assert weekdays == {0, 1, 2, 3, 4}, t.key  # Saturday offered, not ticked
        saturday = t.week[5]
        assert saturday.morning is not None and not saturday.open


def test_templates_speak_the_language_of_the_moment():
    i18n.set_language("fr")
    general = specialty("general")
    assert general.label == "Médecine générale"
    assert "Visite à domicile" in [m.name for m in general.motifs]
    assert specialty("dentistry").motifs[1].name == "Détartrage"
    i18n.set_language("en")
    assert specialty("general").label == "General practice"


def test_an_unknown_specialty_is_refused_with_the_keys():
    with pytest.raises(ValidationError) as exc:
        specialty("astrology")
    assert "general" in exc.value.user_message and "astrology" in exc.value.user_message


@pytest.mark.parametrize("typed, key", [
    ("Médecine générale", "general"), ("médecin généraliste", "general"),
    ("Masseur-kinésithérapeute", "physiotherapy"), ("Pédiatrie", "paediatrics"),
    ("Médecin pédiatre", "paediatrics"), ("Chirurgien-dentiste", "dentistry"),
    ("Psychologue clinicienne", "psychology"), ("Sage-femme", "midwifery"),
    ("ORTHOPHONISTE", "speech_therapy"), ("Ostéopathe D.O.", "osteopathy"),
    ("Pédicure-podologue", "podiatry"), ("", ""), ("Comptable", ""),
])
def test_the_typed_specialty_preselects_a_template(typed, key):
    assert guess_specialty(typed) == key


def test_a_new_practice_can_book_once_the_starter_is_applied(workspace):
    ws = workspace
    pid = _morel(ws)
    before = agenda_readiness(ws.store, [pid])
    assert not before.any_type and before.without_hours == (pid,) and not before.ready

    created = ws.agenda_setup.apply_starter(starter_plan("general", [pid]))

    assert [t.name for t in created][:3] == ["Consultation", "Première consultation",
                                             "Consultation urgente"]
    assert agenda_readiness(ws.store, [pid]).ready
    [usual] = ws.agenda_setup.hours(pid)
    assert usual.valid_from is None and (0, 8 * 60 + 30, 12 * 60 + 30, frozenset()) in usual.ranges
    assert not any(r[0] == 5 for r in usual.ranges)
    consult = created[0]
    slots = ws.slots.find_slots(SlotQuery(consult.id, MONDAY, MONDAY, (pid,), Constraints()),
                                limit=5)
    assert slots and ws.zone.wall_minute(slots[0].starts_at) >= 9 * 60 + 30  # after now
    patient = ws.patients.create(PatientInput(birth_name="Dupont", first_names="Jean",
                                              birth_date="12/03/1958")).id
    booked = ws.agenda.book(BookingInput(pid, ws.zone.at(MONDAY, 15, 0), None, patient,
                                         consult.id))
    assert booked.appointment.minutes == 15


def test_the_starter_is_one_unit_of_work_journalled_and_audited(workspace):
    ws = workspace
    pid = _morel(ws)
    with ws.store.reader() as s:
        journal_before = s.execute(select(func.max(ChangeJournal.seq))).scalar()
    created = ws.agenda_setup.apply_starter(starter_plan("psychology", [pid]))
    with ws.store.reader() as s:
        new = s.execute(select(ChangeJournal).where(ChangeJournal.seq > journal_before)
                        ).scalars().all()
        audited = s.execute(select(AuditEntry.entity_id).where(
            AuditEntry.entity == kinds.APPOINTMENT_TYPE)).scalars().all()
    assert len({e.tx_id for e in new}) == 1
    assert {e.entity for e in new} == {kinds.APPOINTMENT_TYPE, kinds.OPENING_HOURS}
    assert set(audited) == {t.id for t in created}
    assert all(t.practitioner_ids == frozenset({pid}) and t.buffer_after_min == 15
               for t in created)


def test_a_wrong_part_writes_nothing(workspace):
    ws = workspace
    pid = _morel(ws)
    plan = StarterPlan(types=[TypeInput("Consultation", 15), TypeInput("", 20)],
                       hours={pid: [HoursRange(0, "09:00", "12:00")]})
    with pytest.raises(ValidationError) as exc:
        ws.agenda_setup.apply_starter(plan)
    assert set(exc.value.errors) == {"type1.name"}
    bad_hours = StarterPlan(types=[TypeInput("Consultation", 15)],
                            hours={pid: [HoursRange(0, "12:00", "09:00")]})
    with pytest.raises(ValidationError) as exc:
        ws.agenda_setup.apply_starter(bad_hours)
    assert set(exc.value.errors) == {f"hours:{pid}"}
    with pytest.raises(NotFound):
        ws.agenda_setup.apply_starter(StarterPlan(hours={"no-such-id": []}))
    assert ws.agenda.types(include_inactive=True) == []
    assert ws.agenda_setup.hours(pid) == []


def test_the_starter_leaves_out_motifs_already_there_and_keeps_dated_hours(workspace):
    ws = workspace
    pid = _morel(ws)
    ws.agenda_setup.save_type(TypeInput("consultation", 20))
    ws.agenda_setup.set_hours(pid, [HoursRange(0, "10:00", "12:00")],
                              valid_from=date(2026, 7, 1), valid_until=date(2026, 8, 31))
    names = {t.name for t in ws.agenda.types()}
    plan = starter_plan("general", [pid], existing_names=names)
    assert "Consultation" not in [t.name for t in plan.types]
    ws.agenda_setup.apply_starter(plan)
    sets = ws.agenda_setup.hours(pid)
    assert [s.valid_from for s in sets] == [None, date(2026, 7, 1)]
    assert sum(t.name.casefold() == "consultation" for t in ws.agenda.types()) == 1


def test_readiness_names_who_lacks_hours_or_types(workspace):
    ws = workspace
    pid = _morel(ws)
    ws.agenda_setup.save_type(TypeInput("Séance", 30, practitioner_ids=frozenset({"someone"})))
    r = agenda_readiness(ws.store, [pid])
    assert r.any_type and r.without_types == (pid,) and r.without_hours == (pid,)
    ws.agenda_setup.set_hours(pid, [HoursRange(1, "09:00", "12:00")])
    ws.agenda_setup.save_type(TypeInput("Consultation", 15))
    assert agenda_readiness(ws.store, [pid]).ready
