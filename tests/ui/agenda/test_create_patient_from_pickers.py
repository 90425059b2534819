""""Créer ce patient" from the booking dialogs' patient fields: when nothing matches,
Enter opens a new card prefilled with what was typed, and the patient saved is chosen."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from app.clock import FrozenClock
from app.services.patients import PatientInput, PhoneEntry
from app.ui.agenda.appointment_dialog import AppointmentDialog
from app.ui.agenda.slot_finder import SlotFinderDialog
from tests.agenda_fixtures import MONDAY, build_agenda

AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # Monday 09:30 in Paris
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def agenda(workspace):
    workspace.clock = FrozenClock(AT)
    return build_agenda(workspace)


@pytest.fixture
def appointment_dialog(qtbot, agenda):
    dialog = AppointmentDialog(agenda.ws, practitioner_id=agenda.morel, day=TUESDAY,
                               start_min=11 * 60)
    dialog.show()
    qtbot.waitExposed(dialog)
    yield dialog
    dialog.done(0)  # (closing would ask about the unsaved booking)
    dialog.deleteLater()


def test_the_appointment_dialog_creates_the_patient_typed(qtbot, agenda, appointment_dialog):
    picker = appointment_dialog.patient
    qtbot.keyClicks(picker.edit, "Suzanne VINCENT")
    assert picker.create_button.isVisible()
    assert picker.create_button.text() == "Créer ce patient (Entrée)"
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    card = picker.new_patient_dialog
    assert card is not None and card.isVisible()
    form = card.form
    assert (form.used_name.text(), form.birth_name.text(), form.first_names.text()) == (
        "VINCENT", "VINCENT", "Suzanne")
    qtbot.waitUntil(form.birth_date.hasFocus, timeout=2000)
    qtbot.keyClicks(form.birth_date, "12/03/1958")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert not card.isVisible()
    (made,) = [p for p in agenda.ws.patients.search("vincent")]
    assert picker.patient_id() == made.id
    assert picker.edit.text() == "VINCENT Suzanne"
    assert not picker.create_button.isVisible()


def test_a_picker_offers_nothing_to_create_while_someone_matches(qtbot, agenda,
                                                                 appointment_dialog):
    picker = appointment_dialog.patient
    qtbot.keyClicks(picker.edit, "lefe")
    assert picker.results.count() >= 1 and not picker.create_button.isVisible()
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert picker.patient_id() and picker.new_patient_dialog is None


def test_the_slot_finder_creates_the_patient_from_a_number(qtbot, agenda):
    finder = SlotFinderDialog(agenda.ws)
    qtbot.addWidget(finder)
    finder.show()
    qtbot.waitExposed(finder)
    field = finder.patient
    qtbot.keyClicks(field.edit, "06 55 02 13 47")
    assert field.create_button.isVisible()
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    card = field.new_patient_dialog
    form = card.form
    assert [(r.kind.currentData(), r.number.text()) for r in form.phone_rows] == [
        ("mobile", "06 55 02 13 47")]
    qtbot.waitUntil(form.birth_name.hasFocus, timeout=2000)  # what is missing first
    qtbot.keyClicks(form.birth_name, "Achour")
    qtbot.keyClicks(form.first_names, "Karim")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    (made,) = agenda.ws.patients.search("06 55 02")
    assert field.patient_id() == made.id
    assert field.edit.text() == "ACHOUR Karim"
    finder.close()


def test_the_slot_finder_marks_an_alert_with_the_warning_sign(qtbot, agenda):
    agenda.ws.patients.create(PatientInput(
        birth_name="Achour", used_name="Vincent", first_names="Suzanne", sex="F",
        birth_date="12/03/1958", phones=[PhoneEntry("06 55 02 13 47")],
        alert="Malentendante"))
    finder = SlotFinderDialog(agenda.ws)
    qtbot.addWidget(finder)
    finder.show()
    field = finder.patient
    qtbot.keyClicks(field.edit, "achour")
    item = field.matches.item(0)
    assert item.text() == "⚠ VINCENT née ACHOUR Suzanne · 12/03/1958 · 06 55 02 13 47"
    assert item.toolTip() == "Malentendante"
    assert not field.create_button.isVisible()
    finder.close()
