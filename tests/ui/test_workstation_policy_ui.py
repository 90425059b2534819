"""The practice's policy for a remote workstation, on real widgets over two real
profiles paired and synchronised through a folder: the owner edits it in Réglages ›
Partage; at the workstation, copying the patient list is refused under it (greyed with
the reason, Ctrl+C says accès refusé and leaves the clipboard alone) until the owner
allows it and a round brings the change."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.services import access
from app.services.agenda.views import BookingInput
from app.ui.change_bus import ChangeBus
from app.ui.patients.view import PatientsView
from app.ui.policy_gate import policy_tooltip
from app.ui.sharing_tab import SharingTab
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.sync.roundkit import pair, sharing, sync


def _round(practice, remote, folder):
    sync(practice, folder), sync(remote, folder), sync(practice, folder)


def _boxes(view):
    return [w for w in view.findChildren(QMessageBox) if w.isVisible()]


def test_copying_the_patient_list_follows_the_practice_policy(qtbot, practice_factory,
                                                              tmp_path):
    practice = practice_factory("practice").workspace
    remote = practice_factory("remote").workspace
    pair(practice, remote)
    folder = tmp_path / "share"
    folder.mkdir()
    a = build_agenda(practice)
    for n, patient in enumerate(a.patients[:2]):
        practice.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 9 + n),
                                          None, patient, a.consult))
    _round(practice, remote, folder)

    view = PatientsView(remote.patients, ChangeBus(remote.store, remote.initiator))
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0)
    clipboard = QApplication.clipboard()
    clipboard.setText("avant")
    # Forbidden by default: greyed, saying why; Ctrl+C from the list is refused.
    assert view.copy_action.isVisible() and not view.copy_action.isEnabled()
    assert view.copy_action.toolTip() == policy_tooltip()
    assert "politique du cabinet" in policy_tooltip()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    boxes = _boxes(view)
    assert boxes and "Accès refusé" in boxes[0].text() and "politique du cabinet" in \
        boxes[0].text()
    assert clipboard.text() == "avant"
    for box in boxes:
        box.close()

    # The owner allows it in Réglages › Partage; a round brings it.
    tab = SharingTab(practice)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.selected().name == "quimper" and tab.policy_editor.isEnabled()
    assert not any(b.isChecked() for b in tab.policy_editor.boxes.values())
    tab.policy_editor.boxes["clipboard"].setChecked(True)
    qtbot.mouseClick(tab.save_policy_button, Qt.MouseButton.LeftButton)
    assert sharing(practice).get("quimper").policy.clipboard, tab.error.text()
    _round(practice, remote, folder)
    view.gates.refresh()  # what the main window does after each round
    assert view.copy_action.isEnabled() and view.copy_action.toolTip() != policy_tooltip()
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = clipboard.text()
    assert copied != "avant" and len(copied.splitlines()) == view.model.rowCount()
    assert not _boxes(view)
    assert remote.may(access.PATIENTS_COPY) and not remote.may(access.EXPORT)


def test_the_lines_are_set_in_telephony_settings_and_read_only_at_the_workstation(
        qtbot, practice_factory, tmp_path):
    from app.services.calls.lines import lines_of_profile, practice_lines
    from app.services.settings import WorkstationSettings
    from app.ui.telephony_settings import TelephonySettings

    practice = practice_factory("practice").workspace
    remote = practice_factory("remote").workspace
    pair(practice, remote)
    page = TelephonySettings(practice, WorkstationSettings(practice.paths.workstation_settings))
    qtbot.addWidget(page)
    page.show()
    page.lines.setText("04 78 12 34 56, 12")
    assert not page.apply_lines()
    assert "12" in page.lines_error.text() and "numéro" in page.lines_error.text()
    assert practice_lines(practice.store) == []
    page.lines.setText("04 78 12 34 56; +33 9 70 12 34 56")
    qtbot.mouseClick(page.save_lines, Qt.MouseButton.LeftButton)
    assert practice_lines(practice.store) == ["+33478123456", "+33970123456"]
    assert page.lines.text() == "04 78 12 34 56, 09 70 12 34 56"
    assert lines_of_profile(practice.paths) == ["+33478123456", "+33970123456"]

    folder = tmp_path / "share"
    folder.mkdir()
    _round(practice, remote, folder)
    there = TelephonySettings(remote, WorkstationSettings(remote.paths.workstation_settings))
    qtbot.addWidget(there)
    there.show()
    assert there.lines.isReadOnly() and not there.save_lines.isVisible()
    assert there.lines.text() == "04 78 12 34 56, 09 70 12 34 56"
