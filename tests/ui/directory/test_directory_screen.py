"""The Directory screen and the contact picker, driven as a secretary would: keyboard first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.services.directory import ContactInput, ContactSummary, category_label
from app.services.errors import NotFound
from app.ui.directory.item_model import ContactTableModel
from app.ui.directory.picker import ContactPicker

CONTACTS = [
    # category, title, name, first name, organisation, specialty, phone
    ("gp", "Dr", "Martin", "Sophie", "", "Médecine générale", "02 47 12 34 56"),
    ("specialist", "Dr", "Martinez", "Éloïse", "Clinique du Parc", "Cardiologie",
     "02 47 66 77 88"),
    ("specialist", "Dr", "Abadie", "Martin", "", "Gastro-entérologie", "02 47 20 30 40"),
    ("lab", "", "Laboratoire Bio Loire", "", "", "", "02 47 11 22 33"),
    ("pharmacy", "", "Pharmacie du Centre", "", "", "", "02 47 53 00 11"),
    ("pharmacy", "", "Pharmacie de l'Église", "", "", "", "02 47 53 99 01"),
]


@pytest.fixture
def contacts(workspace) -> dict[str, str]:
    ids = {}
    for cat, title, name, first, org, spec, phone in CONTACTS:
        c = workspace.directory.create(ContactInput(
            category=cat, title=title, name=name, first_name=first, organisation=org,
            specialty=spec, phone=phone, city="Tours"))
        ids[c.display_name] = c.id
    return ids


@pytest.fixture
def window(contacts, main_window):
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.directory))
    yield main_window
    main_window.directory.form.revert()  # no "unsaved changes" question at close


def names(view) -> list[str]:
    return [view.model.index(r, 0).data() for r in range(view.model.rowCount())]


DELETE = QMessageBox.ButtonRole.DestructiveRole
CANCEL = QMessageBox.ButtonRole.RejectRole


def click_in_next_message_box(role: QMessageBox.ButtonRole) -> list[str]:
    """Answer the next modal question with its button of ``role``; returns [its text]."""
    seen: list[str] = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        buttons = [b for b in box.buttons() if box.buttonRole(b) == role]
        (buttons[0] if buttons else box.buttons()[-1]).click()  # never leave it open
        assert len(buttons) == 1

    QTimer.singleShot(0, answer)
    return seen


# -- navigation ---------------------------------------------------------------------


def test_the_directory_comes_after_the_patients(main_window):
    assert main_window.nav.count() == 8
    assert main_window.pages.widget(0) is main_window.agenda
    assert main_window.pages.widget(1) is main_window.patients
    assert main_window.pages.widget(2) is main_window.directory
    assert main_window.pages.widget(3) is main_window.messages
    assert main_window.pages.widget(4) is main_window.consignes
    assert main_window.pages.widget(7) is main_window.settings
    assert main_window.nav.item(1).text() == "Patients"
    main_window.nav.setCurrentRow(2)
    assert main_window.pages.currentWidget() is main_window.directory


def test_the_global_search_stays_a_patient_search(qtbot, window):
    # From the directory, the patients found show over it: the page stays.
    qtbot.keyClicks(window.search, "dup")
    assert window.pages.currentWidget() is window.directory
    assert window.search_overlay.isVisible()
    assert window.search_overlay.results.count() == 1


# -- search -------------------------------------------------------------------------


def test_typing_in_the_search_box_filters_the_list(qtbot, window):
    view = window.directory
    assert len(names(view)) == len(CONTACTS)
    qtbot.keyClicks(view.search, "ELOISE")  # case and accents folded
    assert names(view) == ["Dr MARTINEZ Éloïse"]
    view.search.clear()
    qtbot.keyClicks(view.search, "cardio")  # a specialty
    assert names(view) == ["Dr MARTINEZ Éloïse"]
    view.search.clear()
    qtbot.keyClicks(view.search, "eglise")
    assert names(view) == ["Pharmacie de l'Église"]
    view.search.clear()
    qtbot.keyClicks(view.search, "02.47.11.22")  # a phone, as typed
    assert names(view) == ["Laboratoire Bio Loire"]
    view.search.clear()
    qtbot.keyClicks(view.search, "3040")  # its last four digits
    assert names(view) == ["Dr ABADIE Martin"]
    view.search.clear()
    qtbot.keyClicks(view.search, "martin")  # the exact name first
    assert names(view) == ["Dr MARTIN Sophie", "Dr MARTINEZ Éloïse", "Dr ABADIE Martin"]
    assert "3" in view.count_label.text()


def test_the_category_filter(qtbot, window):
    view = window.directory
    view.category.setCurrentIndex(view.category.findData("pharmacy"))
    assert names(view) == ["Pharmacie de l'Église", "Pharmacie du Centre"]
    assert view.model.index(0, 1).data() == category_label("pharmacy")
    qtbot.keyClicks(view.search, "centre")
    assert names(view) == ["Pharmacie du Centre"]
    view.category.setCurrentIndex(view.category.findData("lab"))
    assert names(view) == []
    assert view.empty_hint.isVisible()
    view.category.setCurrentIndex(0)  # all categories
    assert names(view) == ["Pharmacie du Centre"]


def test_no_result_shows_a_hint(qtbot, window):
    view = window.directory
    qtbot.keyClicks(view.search, "zzzz")
    assert names(view) == []
    assert view.empty_hint.isVisible()
    assert "zzzz" in view.empty_hint.text()
    view.search.clear()
    assert not view.empty_hint.isVisible()


def test_an_empty_directory_says_how_to_start(main_window):
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.directory))
    view = main_window.directory
    assert names(view) == []
    assert view.empty_hint.isVisible() and "Ctrl+N" in view.empty_hint.text()


def test_keyboard_only_type_arrows_enter(qtbot, window):
    view = window.directory
    view.search.setFocus()
    qtbot.keyClicks(view.search, "mart")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    assert view.table.hasFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    second = view.model.index(1, 0).data()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.form.heading.text() == second == "Dr MARTINEZ Éloïse"
    assert view.form.specialty.text() == "Cardiologie"
    assert view.form.phone.text() == "02 47 66 77 88"
    # Up from the first row goes back to the search box; Enter there opens the first row.
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Up)
    qtbot.keyClick(view.table, Qt.Key.Key_Up)
    assert view.search.hasFocus()
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert view.form.heading.text() == "Dr MARTIN Sophie"


# -- the card -----------------------------------------------------------------------


def test_open_edit_and_save_with_ctrl_s(qtbot, window, workspace, contacts):
    view = window.directory
    qtbot.keyClicks(view.search, "bio loire")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    form = view.form
    assert form.heading.text() == "Laboratoire Bio Loire"
    assert not form.save_button.isEnabled()
    form.city.clear()
    qtbot.keyClicks(form.city, "Saint-Avertin")
    qtbot.keyClicks(form.mssante, "resultats@bioloire.mssante.fr")
    qtbot.keyClicks(form.fax, "0247112234")
    assert form.is_dirty and form.save_button.isEnabled()
    qtbot.keyClick(form.city, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not form.is_dirty
    stored = workspace.directory.get(contacts["Laboratoire Bio Loire"])
    assert (stored.city, stored.mssante, stored.fax_e164) == (
        "Saint-Avertin", "resultats@bioloire.mssante.fr", "+33247112234")
    # The list follows, on the saved row.
    assert view.model.index(view.table.currentIndex().row(), 4).data() == "Saint-Avertin"


def test_new_contact_with_ctrl_n_errors_then_saved(qtbot, window, workspace):
    view = window.directory
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = view.form
    assert form.current_id is None and form.name.hasFocus()
    form.category.setCurrentIndex(form.category.findData("nurse"))
    qtbot.keyClicks(form.name, "N'Diaye")
    qtbot.keyClicks(form.first_name, "Awa")
    qtbot.keyClicks(form.phone, "06 44 55")
    qtbot.keyClicks(form.email, "awa@")
    qtbot.keyClick(form.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.errors["phone"].isVisible() and "06 44 55" in form.errors["phone"].text()
    assert form.errors["email"].isVisible()
    assert form.banner.isVisible()
    assert workspace.directory.search("diaye") == []  # nothing written
    form.phone.clear()
    qtbot.keyClicks(form.phone, "06 44 55 66 77")
    form.email.clear()
    qtbot.keyClicks(form.email, "awa.ndiaye@orange.fr")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert not form.banner.isVisible()
    (found,) = workspace.directory.search("ndiaye")
    assert (found.display_name, found.category, found.phone) == (
        "N'DIAYE Awa", "nurse", "06 44 55 66 77")
    assert form.current_id == found.id
    assert "N'DIAYE Awa" in names(view)


def test_a_phone_is_checked_on_leaving_the_field(qtbot, window):
    form = window.directory.form
    window.directory.new_contact()
    qtbot.keyClicks(form.phone2, "0612345678")
    form.phone2.editingFinished.emit()
    assert form.phone2.text() == "06 12 34 56 78"
    form.phone2.clear()
    qtbot.keyClicks(form.phone2, "0262161234")  # La Réunion, as dialled in France
    form.phone2.editingFinished.emit()
    assert form.phone2.text() == "0262 16 12 34"
    assert not form.errors["phone2"].isVisible()
    form.phone2.clear()
    qtbot.keyClicks(form.phone2, "12")
    form.phone2.editingFinished.emit()
    assert form.errors["phone2"].isVisible()


def test_ctrl_n_belongs_to_the_screen_shown(qtbot, window, workspace):
    # A patient open on the Patients screen…
    window.nav.setCurrentRow(window.pages.indexOf(window.patients))
    qtbot.keyClicks(window.search, "dup")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    patient_id = window.patients.form.current_id
    assert patient_id
    # …is left alone by Ctrl+N on the Directory screen, which starts a new contact.
    window.nav.setCurrentRow(window.pages.indexOf(window.directory))
    view = window.directory
    view.open_current()
    assert view.form.current_id is not None
    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert view.form.current_id is None
    assert window.patients.form.current_id == patient_id


def test_delete_asks_first_then_tombstones(qtbot, window, workspace, contacts):
    view = window.directory
    qtbot.keyClicks(view.search, "pharmacie du centre")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    contact_id = contacts["Pharmacie du Centre"]
    assert view.form.current_id == contact_id

    click_in_next_message_box(CANCEL)
    assert view.form.delete_contact() is False
    assert workspace.directory.get(contact_id)  # still there

    asked = click_in_next_message_box(DELETE)
    assert view.form.delete_contact() is True
    assert "Pharmacie du Centre" in asked[0]
    with pytest.raises(NotFound):
        workspace.directory.get(contact_id)
    assert names(view) == []  # the list follows
    assert view.form.current_id is None


def test_delete_mentions_the_patients_who_refer_to_the_contact(qtbot, window, workspace, contacts):
    from app.services.patients import PatientInput

    gp = contacts["Dr MARTIN Sophie"]
    workspace.patients.create(PatientInput(birth_name="Roy", first_names="Léa",
                                           referring_contact_id=gp))
    view = window.directory
    view.form.load(workspace.directory.get(gp))
    asked = click_in_next_message_box(DELETE)
    assert view.form.delete_contact()
    assert "1" in asked[0].split("\n\n")[1]
    assert workspace.directory.reference(gp).removed


# -- picker -------------------------------------------------------------------------


def test_picker_chosen_by_keyboard(qtbot, workspace, contacts):
    picker = ContactPicker(workspace.directory)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    # (the offscreen platform does not activate a dialog: ask which widget holds focus)
    assert picker.focusWidget() is picker.search
    qtbot.keyClicks(picker.search, "mart")
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    assert picker.focusWidget() is picker.table
    qtbot.keyClick(picker.table, Qt.Key.Key_Down)
    qtbot.keyClick(picker.table, Qt.Key.Key_Return)
    assert picker.result() == QDialog.DialogCode.Accepted
    assert (picker.chosen_id, picker.chosen_name) == (contacts["Dr MARTINEZ Éloïse"],
                                                      "Dr MARTINEZ Éloïse")


def test_picker_enter_in_the_box_takes_the_first_match_escape_cancels(qtbot, workspace, contacts):
    picker = ContactPicker(workspace.directory, category="specialist")
    qtbot.addWidget(picker)
    picker.show()
    qtbot.keyClicks(picker.search, "gastro")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picker.result() == QDialog.DialogCode.Accepted
    assert picker.chosen_id == contacts["Dr ABADIE Martin"]

    other = ContactPicker(workspace.directory)
    qtbot.addWidget(other)
    other.show()
    qtbot.keyClicks(other.search, "zzzz")
    qtbot.keyClick(other.search, Qt.Key.Key_Return)  # nothing to choose: stays open
    assert other.isVisible() and not other.ok_button.isEnabled()
    qtbot.keyClick(other.search, Qt.Key.Key_Escape)
    assert other.result() == QDialog.DialogCode.Rejected and other.chosen_id is None


def test_picker_pick_returns_id_and_name(qtbot, workspace, contacts):
    def type_and_choose():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ContactPicker):
            QTimer.singleShot(10, type_and_choose)
            return
        qtbot.keyClicks(dialog.search, "pharm eglise")
        qtbot.keyClick(dialog.search, Qt.Key.Key_Enter)

    QTimer.singleShot(0, type_and_choose)
    assert ContactPicker.pick(workspace.directory) == (contacts["Pharmacie de l'Église"],
                                                       "Pharmacie de l'Église")


def test_item_model_passes_the_model_tester(qtbot):
    model = ContactTableModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_rows([ContactSummary("a", "Dr MARTIN Sophie", "gp", "Médecine générale",
                                   "02 47 12 34 56", "Tours", "MSP du Cher")])
    assert model.rowCount() == 1 and model.columnCount() == 5
    assert model.index(0, 2).data() == "Médecine générale"
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "MSP du Cher"
    model.set_rows([])
    assert model.rowCount() == 0
