"""The patient card and the agenda, both ways, in the main window: the card opened from
an appointment, an appointment opened, moved or cancelled from the card; the card opens
read-only (Ctrl+E edits), the selected row and the card always the same patient, and
the header's age, next appointment and unexcused absences."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.clock import FrozenClock
from app.models import AppointmentStatus, Patient
from app.services.agenda.views import BookingInput
from app.services.patients import PatientInput
from app.ui.agenda.cancel_dialog import CancelDialog
from app.ui.change_bus import ChangeBus
from app.ui.main_window import MainWindow
from app.ui.patients.form import age_text
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.ui.card_keys import edit_card

AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # Monday 09:30 in Paris
TUESDAY = MONDAY + timedelta(days=1)
CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def agenda(workspace):
    workspace.clock = FrozenClock(AT)  # before any agenda service is made
    return build_agenda(workspace)


@pytest.fixture
def window(qtbot, agenda, settings):
    ws = agenda.ws
    state = QSettings(str(ws.paths.root / "window.ini"), QSettings.Format.IniFormat)
    win = MainWindow(ws, settings, ChangeBus(ws.store, ws.initiator), state)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.patients.form.revert()
    finder = win.agenda.booking_tools.finder
    if finder is not None:
        finder.done(0)
    win.close()
    win.deleteLater()


def book(agenda, day, hour, minute=0, *, patient=0):
    return agenda.service.book(BookingInput(
        agenda.morel, agenda.at(day, hour, minute), patient_id=agenda.patients[patient],
        type_id=agenda.consult)).appointment


def answer_unsaved(button: str) -> dict:
    """Click "Enregistrer", "Abandonner" or "Annuler" in the next unsaved-changes question."""
    seen: dict = {}

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen["text"] = box.text()
        (chosen,) = [b for b in box.buttons() if b.text() == button]
        chosen.click()

    QTimer.singleShot(0, answer)
    return seen


def select_row(qtbot, view, patient_id) -> None:
    """A click on the patient's row in the list."""
    row = view.model.row_of(patient_id)
    assert row >= 0
    rect = view.table.visualRect(view.model.index(row, 0))
    qtbot.mouseClick(view.table.viewport(), LEFT, pos=rect.center())


# -- from the agenda to the card ------------------------------------------------------

def test_open_the_patient_card_from_an_appointment(qtbot, window, agenda):
    a = book(agenda, TUESDAY, 10)
    window.agenda.go_to(TUESDAY)
    menu = window.agenda.context_menu(a.id, agenda.morel, TUESDAY, 600)
    (open_card,) = [x for x in menu.actions() if x.text() == "Ouvrir la fiche patient"]
    open_card.trigger()
    view = window.patients
    assert window.pages.currentWidget() is view
    assert view.form.current_id == agenda.patients[0]
    assert view.form.heading.text() == "LEFÈVRE Jeanne"
    assert view.selected_id() == agenda.patients[0]  # its row, selected
    assert not view.form.editing  # read-only: typing during the call changes nothing


def test_a_search_hiding_the_row_is_emptied_when_the_card_opens(qtbot, window, agenda):
    a = book(agenda, TUESDAY, 10)
    qtbot.keyClicks(window.search, "martin")  # another patient's list
    window.agenda.load()
    window.agenda.patient_requested.emit(a.patient_id)
    assert window.search.text() == ""
    assert window.patients.selected_id() == a.patient_id


# -- from the card to the agenda ------------------------------------------------------

def test_the_cards_appointments_open_in_the_agenda_on_a_double_click(qtbot, window, agenda):
    a = book(agenda, TUESDAY, 10)
    window.open_patient_card(agenda.patients[0])
    view = window.patients
    panel = view.agenda_panel
    view.card_tabs.setCurrentWidget(panel)
    item = panel.upcoming.item(0)
    assert "10:00" in item.text()
    rect = panel.upcoming.visualItemRect(item)
    qtbot.mouseClick(panel.upcoming.viewport(), LEFT, pos=rect.center())  # as a hand does:
    qtbot.mouseDClick(panel.upcoming.viewport(), LEFT, pos=rect.center())  # press, then again
    page = window.agenda
    assert window.pages.currentWidget() is page
    assert page.current_day() == TUESDAY
    assert page.grid.selected_item() == a.id


def test_the_card_moves_an_appointment_with_the_slot_finder(qtbot, window, agenda):
    a = book(agenda, TUESDAY, 10)
    window.open_patient_card(agenda.patients[0])
    view = window.patients
    panel = view.agenda_panel
    view.card_tabs.setCurrentWidget(panel)
    assert not panel.move_button.isEnabled()  # nothing chosen yet
    panel.upcoming.setCurrentRow(0)
    assert panel.move_button.isEnabled() and panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.move_button, LEFT)
    finder = window.agenda.booking_tools.finder
    qtbot.waitUntil(lambda: finder is not None and finder.isVisible())
    assert window.pages.currentWidget() is window.agenda
    assert finder.moving.id == a.id and finder.patient.patient_id() == agenda.patients[0]
    slot = finder.highlighted()
    finder.table.setFocus()
    qtbot.keyClick(finder.table, Qt.Key.Key_Return)
    assert agenda.service.get(a.id).starts_at == slot.starts_at
    assert window.agenda.message_action() == "Annuler le déplacement"


def test_the_card_cancels_an_appointment(qtbot, window, agenda):
    a = book(agenda, TUESDAY, 10)
    window.open_patient_card(agenda.patients[0])
    view = window.patients
    panel = view.agenda_panel
    view.card_tabs.setCurrentWidget(panel)
    panel.upcoming.setCurrentRow(0)

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CancelDialog):
            QTimer.singleShot(10, answer)
            return
        dialog.reasons["patient"].setChecked(True)
        dialog.accept()

    QTimer.singleShot(0, answer)
    qtbot.mouseClick(panel.cancel_button, LEFT)
    assert agenda.service.get(a.id).status == AppointmentStatus.CANCELLED.value
    assert window.pages.currentWidget() is view  # the card stays on screen
    assert panel.lines(panel.upcoming) == ["Aucun rendez-vous à venir."]


# -- read-only card, row and card in step ---------------------------------------------

def test_the_card_opens_read_only_and_ctrl_e_edits_it(qtbot, window, agenda, workspace):
    view = window.patients
    window.open_patient_card(agenda.patients[0])
    form = view.form
    assert form.birth_name.isReadOnly() and form.edit_button.isVisible()
    qtbot.keyClicks(form.birth_name, "XYZ")  # typing during a call: nothing changes
    assert form.birth_name.text() == "Lefèvre" and not form.is_dirty
    edit_card(qtbot, form)
    assert not form.birth_name.isReadOnly() and form.save_button.isVisible()
    form.city.setFocus()
    qtbot.keyClicks(form.city, "Tours")
    assert form.is_dirty
    # Escape leaves editing: asked first, "Abandonner" drops the typing.
    seen = answer_unsaved("Abandonner")
    qtbot.keyClick(form.city, Qt.Key.Key_Escape)
    assert "modifications non enregistrées" in seen["text"]
    assert not form.editing and form.city.text() == "" and not form.is_dirty
    # Saving returns to read-only.
    edit_card(qtbot, form)
    form.city.setFocus()
    qtbot.keyClicks(form.city, "Tours")
    qtbot.keyClick(form.city, Qt.Key.Key_S, CTRL)
    assert not form.editing and form.city.isReadOnly()
    assert workspace.patients.get(agenda.patients[0]).city == "Tours"
    # "Annuler" without changes simply leaves editing.
    edit_card(qtbot, form)
    qtbot.mouseClick(form.revert_button, LEFT)
    assert not form.editing


def test_the_selected_row_and_the_card_are_the_same_patient(qtbot, window, agenda, workspace):
    view = window.patients
    window.show_patients()
    first, second = agenda.patients[0], agenda.patients[1]
    select_row(qtbot, view, first)
    assert view.form.current_id == first and view.selected_id() == first
    edit_card(qtbot, view.form)
    view.form.city.setFocus()
    qtbot.keyClicks(view.form.city, "Blois")
    # Another row with unsaved changes: asked; "Annuler" keeps both where they were.
    seen = answer_unsaved("Annuler")
    select_row(qtbot, view, second)
    assert "modifications non enregistrées" in seen["text"]
    assert view.form.current_id == first and view.selected_id() == first
    assert view.form.city.text() == "Blois" and view.form.is_dirty
    # A reload (another user changed a card) keeps them in step, the edits kept.
    with workspace.store.unit_of_work(actor_id="another-user") as uow:
        uow.session.get(Patient, second).city = "Tours"
    assert view.selected_id() == first and view.form.current_id == first
    assert view.form.city.text() == "Blois"
    # "Abandonner": the other card opens, read-only, on its row.
    answer_unsaved("Abandonner")
    select_row(qtbot, view, second)
    assert view.form.current_id == second and view.selected_id() == second
    assert not view.form.editing
    # The arrows move both.
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Up)
    assert view.selected_id() == view.form.current_id != second
    qtbot.keyClick(view.table, Qt.Key.Key_E, CTRL)  # Ctrl+E from the list edits that card
    assert view.form.editing
    view.form.cancel_editing()
    # A search that hides the card's row selects none rather than another patient.
    qtbot.keyClicks(window.search, "n'diaye")
    assert view.selected_id() is None
    assert view.form.current_id not in (None, "")


# -- the card's header ----------------------------------------------------------------

def test_the_header_gives_age_next_appointment_and_unexcused_absences(qtbot, window,
                                                                      agenda, workspace):
    missed = book(agenda, MONDAY - timedelta(days=7), 9)
    agenda.service.cancel(missed.id, "no_show")
    book(agenda, TUESDAY, 10, 30)
    book(agenda, TUESDAY + timedelta(days=7), 9)
    pid = agenda.patients[0]
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.get(Patient, pid).birth_date = date(1975, 7, 1)
    window.open_patient_card(pid)
    form = window.patients.form
    assert "50 ans" in form.subheading.text()
    summary = form.agenda_summary.text()
    assert summary == ("Prochain RDV : mardi 17 mars 2026 à 10:30 avec Dr Claire Morel"
                       " · 1 absence non excusée")
    baby = workspace.patients.create(PatientInput(birth_name="Petit", first_names="Léo",
                                                  birth_date="02/08/2025"))
    window.open_patient_card(baby.id)
    assert "7 mois" in form.subheading.text()
    assert form.agenda_summary.text() == ("Aucun rendez-vous à venir."
                                          " · 0 absence non excusée")


def test_age_in_years_then_months_under_two_then_days():
    today = date(2026, 3, 16)
    assert age_text(date(1975, 7, 1), today) == "50 ans"
    assert age_text(date(2024, 3, 16), today) == "2 ans"
    assert age_text(date(2024, 3, 17), today) == "23 mois"
    assert age_text(date(2026, 2, 20), today) == "24 jours"
    assert age_text(date(2026, 3, 17), today) == ""  # not born yet: no age said
