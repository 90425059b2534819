"""The practice's details and its practitioners changed after setup (Réglages)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, ChangeJournal, kinds
from app.services.agenda.setup import HoursRange, TypeInput
from app.services.agenda.views import BookingInput
from app.services.errors import NotFound, ValidationError
from app.services.patients import PatientInput
from app.services.practice import (
    PracticeDetails,
    PractitionerInput,
    get_practice,
    list_practitioners,
)


def _audited(ws, entity_id: str) -> list[str]:
    with ws.store.reader() as s:
        return s.execute(select(AuditEntry.action).where(AuditEntry.entity_id == entity_id)
                         .order_by(AuditEntry.seq)).scalars().all()


def _book_tomorrow(ws, pid: str) -> None:
    setup = ws.agenda_setup
    consult = setup.save_type(TypeInput("Consultation", 15)).id
    setup.set_hours(pid, [HoursRange(d, "08:00", "19:00") for d in range(5)])
    patient = ws.patients.create(PatientInput(birth_name="Dupont", first_names="Jean",
                                              birth_date="12/03/1958")).id
    tomorrow = ws.zone.today(ws.clock.now()) + timedelta(days=1)
    ws.agenda.book(BookingInput(pid, ws.zone.at(tomorrow, 10, 0), None, patient, consult))


def test_the_practice_details_change_through_the_unit_of_work(workspace):
    ws = workspace
    saved = ws.save_practice(PracticeDetails(name=" Maison de santé\ndes  Tilleuls\u202e ",
                                             address="3 rue des Lilas\n69003 Lyon",
                                             timezone="Europe/Paris"))
    assert saved.name == "Maison de santé des Tilleuls"
    assert get_practice(ws.store) == saved and ws.practice.name == saved.name
    assert ws.practice.address == "3 rue des Lilas\n69003 Lyon"
    assert "update" in _audited(ws, saved.id)


def test_a_new_time_zone_is_saved_before_the_first_appointment(workspace):
    ws = workspace
    saved = ws.save_practice(PracticeDetails(name="Cabinet", timezone="America/Martinique"))
    assert get_practice(ws.store).timezone == "America/Martinique" == saved.timezone
    assert ws.practice.timezone == "Europe/Paris"  # the open agenda keeps its zone


def test_changing_the_time_zone_of_a_practice_with_appointments_is_refused(workspace):
    ws = workspace
    _book_tomorrow(ws, list_practitioners(ws.store)[0].id)
    with pytest.raises(ValidationError) as exc:
        ws.save_practice(PracticeDetails(name="Cabinet", timezone="America/Martinique"))
    assert set(exc.value.errors) == {"timezone"}
    assert "fuseau horaire ne peut pas changer" in exc.value.user_message  # in French
    assert "Europe/Paris" in exc.value.user_message and "1" in exc.value.user_message
    assert get_practice(ws.store).timezone == "Europe/Paris"
    assert get_practice(ws.store).name == "Cabinet médical des Tilleuls"
    # The same zone with another name is fine.
    ws.save_practice(PracticeDetails(name="Cabinet", timezone="Europe/Paris"))


def test_the_practice_phone_is_stored_as_dialled_abroad_and_can_be_emptied(workspace):
    ws = workspace
    saved = ws.save_practice(PracticeDetails(name="Cabinet", phone="0590 12 34 56"))
    assert saved.phone == "+590590123456" == get_practice(ws.store).phone
    assert ws.save_practice(PracticeDetails(name="Cabinet", phone=" ")).phone == ""


@pytest.mark.parametrize("details, field", [
    (PracticeDetails(name=" "), "name"), (PracticeDetails(name="C", timezone="Mars/Olympus"),
                                         "timezone"),
    (PracticeDetails(name="C", phone="12"), "phone"),
])
def test_invalid_practice_details_are_refused(workspace, details, field):
    with pytest.raises(ValidationError) as exc:
        workspace.save_practice(details)
    assert field in exc.value.errors


def test_practitioners_are_added_and_edited(workspace):
    editor = workspace.practice_editor
    added = editor.save_practitioner(PractitionerInput("Julien", "Faure", "Pédiatrie",
                                                       colour="#e07b39"))
    assert added.display_name == "Dr Julien Faure" and added.active
    assert [p.display_name for p in list_practitioners(workspace.store)] == [
        "Dr Julien Faure", "Dr Claire Morel"]
    changed = editor.save_practitioner(PractitionerInput("Julien", "FAURE-ROUX", "Pédiatrie",
                                                         colour="#8e5cc4", title=""), added.id)
    assert changed.display_name == "Julien FAURE-ROUX" and changed.colour == "#8e5cc4"
    assert _audited(workspace, added.id) == ["create", "update"]
    with workspace.store.reader() as s:
        ops = s.execute(select(ChangeJournal.op).where(
            ChangeJournal.entity == kinds.PRACTITIONER, ChangeJournal.entity_id == added.id)
        ).scalars().all()
    assert ops == ["insert", "update"]


@pytest.mark.parametrize("data, field", [
    (PractitionerInput("Anne", "  "), "last_name"),
    (PractitionerInput("Anne", "Roy", colour="red"), "colour"),
])
def test_invalid_practitioners_are_refused(workspace, data, field):
    with pytest.raises(ValidationError) as exc:
        workspace.practice_editor.save_practitioner(data)
    assert field in exc.value.errors
    assert len(workspace.practice_editor.practitioners()) == 1


def test_deactivating_leaves_the_pickers_and_keeps_the_history(workspace):
    ws = workspace
    editor = ws.practice_editor
    morel = list_practitioners(ws.store)[0].id
    assert editor.future_appointments(morel) == 0
    _book_tomorrow(ws, morel)
    assert editor.future_appointments(morel) == 1
    editor.set_active(morel, False)
    assert list_practitioners(ws.store) == []
    [record] = editor.practitioners()
    assert not record.active
    assert editor.practitioners(include_inactive=False) == []
    assert ws.agenda.practitioner_names()[morel] == "Dr Claire Morel"  # history keeps them
    editor.set_active(morel, True)
    assert [p.id for p in list_practitioners(ws.store)] == [morel]
    assert _audited(ws, morel)[-2:] == ["update", "update"]
    with pytest.raises(NotFound):
        editor.set_active("no-such-id", False)


@pytest.mark.parametrize("typed, title, first, last", [
    ("Dr Claire Morel", "Dr", "Claire", "Morel"),
    ("  pr.  Jean  Paul   Roux ", "Pr", "Jean Paul", "Roux"),
    ("Claire Morel", "", "Claire", "Morel"),
    ("Morel", "", "", "Morel"),
])
def test_a_practitioner_typed_on_the_command_line(typed, title, first, last):
    from app.services.practice import practitioner_from_name

    p = practitioner_from_name(typed, title="", specialty="Psychologie")
    assert (p.title, p.first_name, p.last_name, p.specialty) == (title, first, last,
                                                                 "Psychologie")


def test_an_empty_practitioner_name_is_refused():
    from app.services.practice import practitioner_from_name

    for typed in ("", "Dr", "  "):
        with pytest.raises(ValidationError):
            practitioner_from_name(typed)
