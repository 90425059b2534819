"""The Patients screen driven as a secretary would: keyboard first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from app.ui.patients.item_model import PatientTableModel
from tests.ui.card_keys import edit_card


def names(window) -> list[str]:
    model = window.patients.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_the_list_is_read_when_the_screen_is_first_shown(main_window):
    # The window opens on the agenda: nothing of the patient list is read behind it.
    assert names(main_window) == []
    main_window.show_patients()
    assert len(names(main_window)) == 5


def test_typing_in_the_search_box_filters_the_list(qtbot, main_window):
    main_window.show_patients()
    assert len(names(main_window)) == 5
    qtbot.keyClicks(main_window.search, "dup")
    assert names(main_window) == ["DUPONT Jean-Éric"]
    main_window.search.clear()
    qtbot.keyClicks(main_window.search, "HELENE")  # case and accents folded
    assert names(main_window) == ["LEFÈVRE né(e) MARTIN Hélène"]
    main_window.search.clear()
    qtbot.keyClicks(main_window.search, "06 44 55")  # a phone, as typed
    assert names(main_window) == ["N'DIAYE Awa"]
    main_window.search.clear()
    qtbot.keyClicks(main_window.search, "23/11/2015")  # a birth date
    assert names(main_window) == ["MARTINEZ Zoé"]


def test_exact_surname_comes_first(qtbot, main_window):
    main_window.show_patients()
    qtbot.keyClicks(main_window.search, "martin")
    assert names(main_window)[:2] == ["MARTIN Paul", "MARTINEZ Zoé"]
    assert "LEFÈVRE né(e) MARTIN Hélène" in names(main_window)  # found by her birth name


def test_no_result_shows_a_hint(qtbot, main_window):
    main_window.show_patients()
    qtbot.keyClicks(main_window.search, "zzzz")
    assert names(main_window) == []
    assert main_window.patients.empty_hint.isVisible()
    assert "zzzz" in main_window.patients.empty_hint.text()


def test_keyboard_only_ctrl_k_arrows_enter(qtbot, main_window):
    # On the Patients page the list is the search's results (elsewhere they show over
    # the page: tests/ui/test_search_overlay.py).
    main_window.show_patients()
    qtbot.keyClick(main_window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert main_window.search.hasFocus()
    assert main_window.pages.currentWidget() is main_window.patients
    qtbot.keyClicks(main_window.search, "mar")
    qtbot.keyClick(main_window.search, Qt.Key.Key_Down)
    table = main_window.patients.table
    assert table.hasFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    second = main_window.patients.model.index(1, 0).data()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert main_window.patients.form.heading.text() == second


def test_opening_a_card_is_audited(qtbot, main_window, workspace):
    from sqlalchemy import func, select

    from app.models import AuditEntry

    def reads():
        with workspace.store.reader() as s:
            return s.execute(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "read")).scalar_one()

    before = reads()
    main_window.show_patients()
    qtbot.keyClicks(main_window.search, "dup")
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    assert main_window.patients.form.heading.text() == "DUPONT Jean-Éric"
    assert reads() == before + 1


def start_new_patient(qtbot, window):
    """Ctrl+N, then type "Rousseau Anaïs" as a secretary would."""
    window.show_patients()  # the window opens on the agenda
    qtbot.keyClick(window.patients, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = window.patients.form
    qtbot.keyClicks(form.birth_name, "Rousseau")
    qtbot.keyClicks(form.first_names, "Ana")
    form.first_names.insert("ïs")  # QTest types ASCII only; an input method inserts the rest
    return form


def test_form_refuses_an_invalid_phone_with_a_visible_message(qtbot, main_window, workspace):
    form = start_new_patient(qtbot, main_window)
    qtbot.keyClicks(form.phone_rows[0].number, "06 12 34")
    count = workspace.patients.count()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    error = form.phone_rows[0].error
    assert error.isVisible()
    assert error.text() == "« 06 12 34 » n'est pas un numéro de téléphone valide."
    assert form.banner.isVisible()
    assert workspace.patients.count() == count  # nothing written
    assert form.is_dirty  # what was typed is still there
    assert form.birth_name.text() == "Rousseau"


def test_form_saves_a_valid_patient_and_the_list_shows_it(qtbot, main_window, workspace):
    form = start_new_patient(qtbot, main_window)
    qtbot.keyClicks(form.birth_date, "02/02/1988")
    qtbot.keyClicks(form.phone_rows[0].number, "+33 7 61 00 11 22")
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not form.banner.isVisible()
    assert form.heading.text() == "ROUSSEAU Anaïs"
    found = workspace.patients.search("rous")
    assert [p.display_name for p in found] == ["ROUSSEAU Anaïs"]
    details = workspace.patients.get(found[0].id)
    assert details.phones[0].e164 == "+33761001122"
    assert details.birth_date.isoformat() == "1988-02-02"
    assert "ROUSSEAU Anaïs" in names(main_window)


def test_an_overseas_landline_typed_as_dialled_is_accepted_and_shown_so(
        qtbot, main_window, workspace):
    form = start_new_patient(qtbot, main_window)
    number = form.phone_rows[0].number
    qtbot.keyClicks(number, "0590123456")
    number.editingFinished.emit()  # leaving the field
    assert number.text() == "0590 12 34 56"
    assert not form.phone_rows[0].error.isVisible()
    number.clear()
    qtbot.keyClicks(number, "0590 12 34 56")
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not form.banner.isVisible()
    assert not form.phone_rows[0].error.isVisible()
    (found,) = workspace.patients.search("rousseau")
    assert workspace.patients.get(found.id).phones[0].e164 == "+590590123456"
    assert form.phone_rows[0].number.text() == "0590 12 34 56"  # the card as saved
    main_window.search.clear()
    qtbot.keyClicks(main_window.search, "0590 12")
    assert names(main_window) == ["ROUSSEAU Anaïs"]
    assert main_window.patients.model.index(0, 2).data() == "0590 12 34 56"


def test_invalid_birth_date_is_refused(qtbot, main_window):
    main_window.show_patients()
    form = main_window.patients.form
    main_window.patients.new_patient()
    qtbot.keyClicks(form.birth_name, "Petit")
    qtbot.keyClicks(form.first_names, "Louis")
    qtbot.keyClicks(form.birth_date, "31/02/1980")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.errors["birth_date"].isVisible()
    assert "n'existe pas" in form.errors["birth_date"].text()


def test_editing_an_existing_patient_updates_it(qtbot, main_window, workspace):
    main_window.show_patients()
    qtbot.keyClicks(main_window.search, "zoe")
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    form = main_window.patients.form
    edit_card(qtbot, form)
    form.city.clear()
    qtbot.keyClicks(form.city, "Villeurbanne")
    assert form.is_dirty
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert not form.is_dirty
    pid = workspace.patients.search("zoé")[0].id
    assert workspace.patients.get(pid).city == "Villeurbanne"


def test_item_model_passes_the_qt_model_tester(qtbot, workspace):
    model = PatientTableModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_rows(workspace.patients.search(""))
    model.set_rows(workspace.patients.search("dup"))
    model.set_rows([])
    assert model.rowCount() == 0
