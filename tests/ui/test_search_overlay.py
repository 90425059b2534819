"""The global search over the page: Ctrl+K from the agenda, results over it, arrows,
Enter and the chooser's keys, Escape back to where the keys were; "Créer ce patient";
the page keys."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from app.clock import FrozenClock
from app.i18n import _
from app.services.agenda.views import BookingInput
from app.services.patients import PatientInput, PhoneEntry
from tests.agenda_fixtures import MONDAY, build_agenda

AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # Monday 09:30 in Paris
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def agenda(workspace):
    workspace.clock = FrozenClock(AT)  # before any agenda service is made
    return build_agenda(workspace)


def lines(window) -> list[str]:
    results = window.search_overlay.results
    return [results.item(i).text() for i in range(results.count())]


def ctrl_k_from_the_grid(qtbot, window) -> None:
    window.agenda.grid.setFocus()
    assert window.agenda.grid.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_K, CTRL)
    assert window.search.hasFocus()


def test_results_show_over_the_agenda_and_escape_goes_back_to_the_grid(qtbot, agenda,
                                                                       main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "mar")
    overlay = main_window.search_overlay
    assert overlay.isVisible()
    assert main_window.pages.currentWidget() is main_window.agenda  # the page stays
    assert lines(main_window)[:2] == ["MARTIN Paul · 14/09/1962 · 06 98 76 54 32",
                                      "MARTIN Paul · 06 98 76 54 32"]
    assert overlay.geometry().intersects(main_window.pages.geometry())  # over the page
    # The arrows move through the results; the keys stay in the box.
    assert overlay.results.currentRow() == 0
    qtbot.keyClick(main_window.search, Qt.Key.Key_Down)
    assert overlay.results.currentRow() == 1
    qtbot.keyClick(main_window.search, Qt.Key.Key_Up)
    qtbot.keyClick(main_window.search, Qt.Key.Key_Up)  # round to the last one
    assert overlay.results.currentRow() == len(lines(main_window)) - 1
    assert main_window.search.hasFocus()
    qtbot.keyClick(main_window.search, Qt.Key.Key_Escape)
    assert not overlay.isVisible()
    assert main_window.pages.currentWidget() is main_window.agenda
    assert main_window.agenda.grid.hasFocus()


def test_enter_offers_the_chooser_and_its_key_books(qtbot, agenda, main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "02 47 11")
    overlay = main_window.search_overlay
    assert lines(main_window) == ["N'DIAYE Awa · 02 47 11 22 33"]
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    chooser = overlay.chooser
    assert chooser.isVisible()
    assert "N'DIAYE Awa" in chooser.title.text()
    assert chooser.buttons["book"].hasFocus()
    assert [b.text() for b in chooser.buttons.values()] == [
        "Prendre RDV (P)", "Ouvrir la fiche (O)", "Déplacer son prochain RDV (D)"]
    # Escape goes back to the results, the keys to the box.
    qtbot.keyClick(chooser.buttons["book"], Qt.Key.Key_Escape)
    assert not chooser.isVisible() and overlay.isVisible()
    assert main_window.search.hasFocus()
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    qtbot.keyClick(chooser.buttons["book"], Qt.Key.Key_P)
    finder = main_window.agenda.booking_tools.finder
    qtbot.waitUntil(lambda: finder is not None and finder.isVisible())
    assert finder.patient.patient_id() == agenda.patients[2]
    assert not overlay.isVisible()
    finder.close()


def test_the_chooser_opens_the_card(qtbot, agenda, main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "lefevre jeanne")
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    chooser = main_window.search_overlay.chooser
    qtbot.keyClick(chooser.buttons["book"], Qt.Key.Key_Right)  # arrows move too
    assert chooser.buttons["open"].hasFocus()
    qtbot.keyClick(chooser.buttons["open"], Qt.Key.Key_Return)
    assert main_window.pages.currentWidget() is main_window.patients
    assert main_window.patients.form.current_id == agenda.patients[0]
    assert main_window.patients.selected_id() == agenda.patients[0]  # the list shows her
    assert not main_window.search_overlay.isVisible()


def test_the_chooser_moves_the_next_appointment_with_the_slot_finder(qtbot, agenda, main_window):
    tuesday = MONDAY + timedelta(days=1)
    booked = agenda.service.book(BookingInput(
        agenda.faure, agenda.at(tuesday, 10), patient_id=agenda.patients[0],
        type_id=agenda.consult)).appointment
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "lefevre jeanne")
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    qtbot.keyClick(main_window.search_overlay.chooser.buttons["book"], Qt.Key.Key_D)
    page = main_window.agenda
    assert main_window.pages.currentWidget() is page
    assert page.current_day() == tuesday
    assert page.grid.selected_item() == booked.id
    assert not main_window.search_overlay.isVisible()
    finder = page.booking_tools.finder
    qtbot.waitUntil(lambda: finder is not None and finder.isVisible())
    assert finder.moving.id == booked.id  # the slot finder, to move it
    finder.reject()


def test_a_patient_with_nothing_to_move_is_told_so(qtbot, agenda, main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "02 47 11")
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    qtbot.keyClick(main_window.search_overlay.chooser.buttons["book"], Qt.Key.Key_D)
    overlay = main_window.search_overlay
    assert overlay.isVisible() and overlay.message.isVisible()
    assert overlay.message.text() == "N'DIAYE Awa n'a aucun rendez-vous à venir."
    assert main_window.search.hasFocus()
    assert main_window.pages.currentWidget() is main_window.agenda


def test_patients_with_an_alert_carry_the_warning_sign(qtbot, agenda, main_window, workspace):
    workspace.patients.create(PatientInput(
        birth_name="Achour", used_name="Vincent", first_names="Suzanne", sex="F",
        phones=[PhoneEntry("06 55 02 13 47")], alert="Malentendante"))
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "06 55")
    assert lines(main_window) == ["⚠ VINCENT née ACHOUR Suzanne · 06 55 02 13 47"]
    item = main_window.search_overlay.results.item(0)
    assert item.toolTip() == "Malentendante"


def test_nothing_found_offers_to_create_the_patient_prefilled(qtbot, agenda, main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "Suzanne VINCENT")
    overlay = main_window.search_overlay
    assert lines(main_window) == []
    assert overlay.create_button.isVisible()
    assert overlay.create_button.text() == "Créer ce patient (Entrée)"
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    assert main_window.pages.currentWidget() is main_window.patients
    form = main_window.patients.form
    assert form.current_id is None
    assert (form.used_name.text(), form.birth_name.text(), form.first_names.text()) == (
        "VINCENT", "VINCENT", "Suzanne")
    assert form.birth_date.hasFocus()  # the names are there: on to what is missing
    assert not overlay.isVisible()


def test_a_number_found_nowhere_goes_to_the_new_cards_phone(qtbot, agenda, main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "0655021347")
    qtbot.mouseClick(main_window.search_overlay.create_button, Qt.MouseButton.LeftButton)
    form = main_window.patients.form
    assert [(r.kind.currentData(), r.number.text()) for r in form.phone_rows] == [
        ("mobile", "06 55 02 13 47")]
    assert form.birth_name.text() == "" and form.birth_name.hasFocus()


def test_on_the_patients_page_the_list_is_the_results(qtbot, agenda, main_window):
    main_window.show_patients()
    qtbot.keyClick(main_window, Qt.Key.Key_K, CTRL)
    qtbot.keyClicks(main_window.search, "martinez")
    assert not main_window.search_overlay.isVisible()
    assert main_window.patients.model.index(0, 0).data() == "MARTINEZ Zoé"
    assert main_window.patients.model.rowCount() == 1


def test_alt_keys_go_from_page_to_page(qtbot, agenda, main_window):
    for key, page in ((Qt.Key.Key_2, main_window.patients),
                      (Qt.Key.Key_3, main_window.directory),
                      (Qt.Key.Key_1, main_window.agenda)):
        qtbot.keyClick(main_window, key, ALT)
        assert main_window.pages.currentWidget() is page
    tips = [main_window.nav.item(i).toolTip() for i in range(3)]
    assert tips == ["Agenda (Alt+1)", "Patients (Alt+2)", "Annuaire (Alt+3)"]
    # Ctrl+1/2/3 stay the agenda's views.
    main_window.agenda.grid.setFocus()
    qtbot.keyClick(main_window.agenda.grid, Qt.Key.Key_2, CTRL)
    assert main_window.agenda.current_view() == "week"
    assert main_window.pages.currentWidget() is main_window.agenda


def test_a_page_key_closes_the_results(qtbot, agenda, main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "mar")
    qtbot.keyClick(main_window, Qt.Key.Key_3, ALT)
    assert main_window.pages.currentWidget() is main_window.directory
    assert not main_window.search_overlay.isVisible()
    assert _("Directory") == "Annuaire"


def test_ctrl_k_again_shows_the_last_results_with_the_text_selected(qtbot, agenda,
                                                                    main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "02 47 11")
    qtbot.keyClick(main_window.search, Qt.Key.Key_Escape)
    assert not main_window.search_overlay.isVisible()
    qtbot.keyClick(main_window, Qt.Key.Key_K, CTRL)
    assert main_window.search_overlay.isVisible()
    assert main_window.search.selectedText() == "02 47 11"  # typing replaces it
    assert lines(main_window) == ["N'DIAYE Awa · 02 47 11 22 33"]


def test_a_click_elsewhere_on_the_page_puts_the_results_aside(qtbot, agenda, main_window):
    ctrl_k_from_the_grid(qtbot, main_window)
    qtbot.keyClicks(main_window.search, "mar")
    main_window.agenda.grid.setFocus()
    assert not main_window.search_overlay.isVisible()
    # Down in the box brings them back.
    main_window.search.setFocus()
    qtbot.keyClick(main_window.search, Qt.Key.Key_Down)
    assert main_window.search_overlay.isVisible()


def test_on_the_patients_page_enter_creates_the_patient_found_nowhere(qtbot, agenda,
                                                                       main_window):
    main_window.show_patients()
    qtbot.keyClicks(main_window.search, "Suzanne VINCENT")
    assert main_window.patients.model.rowCount() == 0
    assert "Entrée" in main_window.patients.empty_hint.text()
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    form = main_window.patients.form
    assert (form.used_name.text(), form.first_names.text()) == ("VINCENT", "Suzanne")


def test_a_whole_name_pasted_at_once_shows_its_results(qtbot, agenda, main_window):
    """The first search of a hidden overlay (a name pasted, not typed letter by letter)
    sizes the list for its results: they are seen at once."""
    ctrl_k_from_the_grid(qtbot, main_window)
    main_window.search.setText("lefevre jeanne")
    overlay = main_window.search_overlay
    assert overlay.isVisible() and overlay.results.count() >= 1
    assert overlay.results.height() >= overlay.results.sizeHintForRow(0)
