"""The audit trail on screen: "Qui a consulté cette fiche ?" on the patient card, and the
owner's page in Réglages (filters, export, verification, retention)."""

from __future__ import annotations

import csv
import io
import os
import stat

from PySide6.QtCore import Qt

from app.services.patients import PatientInput


def _open(qtbot, window, query: str) -> None:
    window.show_patients()  # on another page the results show over it, to choose from
    window.search.clear()
    qtbot.keyClicks(window.search, query)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)


def _column(model, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_who_viewed_this_card_lists_who_when_and_what(qtbot, main_window, workspace):
    patients = main_window.patients
    assert not patients.access_button.isEnabled()  # no card open yet
    _open(qtbot, main_window, "dupont")
    assert patients.access_button.isEnabled()
    qtbot.mouseClick(patients.access_button, Qt.MouseButton.LeftButton)
    dialog = patients.access_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Qui a consulté cette fiche ?"
    actions = _column(dialog.model, 3)
    assert actions[0] == "ouvert" and actions[-1] == "créé"
    assert all(who for who in _column(dialog.model, 1))
    # On which workstation: this computer's name, the node id in the tooltip.
    name = workspace.principal.workstation_name
    assert name and _column(dialog.model, 2)[0] == name
    assert workspace.store.node_id in dialog.model.index(0, 2).data(
        Qt.ItemDataRole.ToolTipRole)
    assert dialog.model.headerData(2, Qt.Orientation.Horizontal) == "Poste"
    assert all("/" in when and ":" in when for when in _column(dialog.model, 0))
    dialog.close()


def test_the_owner_filters_the_trail_and_exports_it(qtbot, main_window, workspace, tmp_path):
    dupont = workspace.patients.search("dupont")[0]
    workspace.patients.get(dupont.id)
    other = workspace.patients.create(PatientInput(birth_name="Zidane", first_names="Yann"))
    workspace.patients.get(other.id)
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.settings))
    page = main_window.settings.show_trail()
    assert page is not None and page.isVisible()

    page.action.setCurrentIndex(page.action.findData("read"))
    qtbot.mouseClick(page.show_button, Qt.MouseButton.LeftButton)
    assert set(_column(page.model, 3)) == {"ouvert"}
    assert set(_column(page.model, 2)) == {workspace.principal.workstation_name}
    assert set(_column(page.model, 4)) >= {"DUPONT Jean-Éric", "ZIDANE Yann"}

    qtbot.keyClicks(page.patient_query, "zidane")
    qtbot.keyClick(page.patient_query, Qt.Key.Key_Return)
    assert page.patient.currentData() == other.id
    page.refresh()
    assert _column(page.model, 4) == ["ZIDANE Yann"]

    out = tmp_path / "journal.csv"
    page._choose_path = lambda *args: out  # the save dialog, answered
    assert page.export() == out
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert [r[6] for r in rows[1:]] == [other.id]  # one read of that card, by id
    assert rows[0][9:] == ["Poste", "Identifiant poste"]
    assert rows[1][9:] == [workspace.principal.workstation_name, workspace.store.node_id]
    assert "Zidane" not in out.read_text(encoding="utf-8-sig")


def test_the_owner_verifies_the_trail_and_sets_its_retention(qtbot, main_window, workspace):
    page = main_window.settings.show_trail()
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "intact" in page.verify_result.text(), timeout=10000)
    assert page.verify_button.isEnabled()
    page.retention.setValue(180)
    qtbot.mouseClick(page.retention_button, Qt.MouseButton.LeftButton)
    assert workspace.audit_trail.retention_days() == 180


def test_only_the_owner_has_the_access_trail_tab(qtbot, workspace, settings):
    from dataclasses import replace

    from app.ui.settings_view import SettingsView

    owner = SettingsView(workspace, settings)
    qtbot.addWidget(owner)
    assert owner.trail_tab is not None and owner.trail is not None
    workspace.principal = replace(workspace.principal, role="secretary")  # another sign-in
    secretary = SettingsView(workspace, settings)
    qtbot.addWidget(secretary)
    assert secretary.trail_tab is None and secretary.show_trail() is None
    tabs = [secretary.tabs.tabText(i) for i in range(secretary.tabs.count())]
    assert "Journal d'accès" not in tabs and "Comptes" not in tabs and "Agenda" in tabs
