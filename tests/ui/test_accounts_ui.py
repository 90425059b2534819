"""Signing in as a person, Réglages → Comptes for the owner, and screens that hide what
the role may not do; over real profiles, real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.clock import SystemClock
from app.services import access
from app.storage.keychain import Keychain
from app.ui.app import _sign_in_dialog
from app.ui.main_window import MainWindow
from app.ui.settings_view import SettingsView
from tests.ui.conftest import FAST_KDF, PASSPHRASE

SECRET = "Bureau du matin, cote jardin"  # keyClicks types ASCII only


def _with_accounts(workspace, *accounts):
    workspace.kdf = FAST_KDF
    for name, role in accounts:
        workspace.accounts.add(name, role, SECRET)
    paths = workspace.paths
    workspace.close()
    return paths


def _sign_in(qtbot, paths, attempts):
    """The prompt, typed into as a person would: each (name, secret) in turn."""
    seen = {}

    def drive(dialog):
        qtbot.addWidget(dialog)
        dialog.show()
        for name, secret in attempts:
            dialog.account.clear()
            qtbot.keyClicks(dialog.account, name)
            dialog.secret.clear()
            qtbot.keyClicks(dialog.secret, secret)
            qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
            seen.setdefault("errors", []).append(dialog.error.text())
        return dialog.result()

    return _sign_in_dialog(paths, SystemClock(), Keychain(), FAST_KDF, run=drive), seen


def test_a_person_signs_in_with_their_name_and_own_secret(qtbot, workspace):
    paths = _with_accounts(workspace, ("secretaire", "secretary"))
    ws, seen = _sign_in(qtbot, paths, [("intrus", PASSPHRASE), ("secretaire", SECRET)])
    try:
        assert "incorrect" in seen["errors"][0]  # a name that is no account: said, retried
        assert (ws.principal.name, ws.principal.role) == ("secretaire", "secretary")
    finally:
        ws.close()
    ws, _ = _sign_in(qtbot, paths, [("", PASSPHRASE)])  # no name: the owner
    try:
        assert ws.principal.role == "owner"
    finally:
        ws.close()


def test_the_owner_manages_accounts_in_settings(qtbot, workspace, settings):
    workspace.kdf = FAST_KDF
    view = SettingsView(workspace, settings)
    qtbot.addWidget(view)
    tab = view.accounts_tab
    assert view.tabs.indexOf(tab) >= 0
    qtbot.keyClicks(tab.name, "secretaire")
    tab.role.setCurrentIndex(tab.role.findData("secretary"))
    qtbot.keyClicks(tab.passphrase, "azerty")
    qtbot.keyClicks(tab.confirm_passphrase, "azerty")
    assert not tab.add()
    assert "facile" in tab.error.text()  # the passphrase rule, nothing written
    assert tab.table.rowCount() == 1
    for field in (tab.passphrase, tab.confirm_passphrase):
        field.clear()
        qtbot.keyClicks(field, SECRET)
    assert tab.add()
    assert [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())] == [
        "owner", "secretaire"]
    tab.table.selectRow(1)
    tab.role.setCurrentIndex(tab.role.findData("remote-secretary"))
    assert tab.change_role()
    assert tab.table.item(1, 2).text() == "secrétaire à distance"
    tab.table.selectRow(1)
    tab._confirm = lambda question: False  # "No": nothing is disabled
    assert not tab.disable()
    assert tab.table.item(1, 3).text() == "actif"
    tab.table.selectRow(1)
    tab._confirm = lambda question: "secretaire" in question
    assert tab.disable()
    assert tab.table.item(1, 3).text() == "désactivé"


def test_a_secretary_sees_no_accounts_agenda_settings_or_override(qtbot, workspace, settings,
                                                                  tmp_path):
    paths = _with_accounts(workspace, ("distante", "remote-secretary"))
    ws, _ = _sign_in(qtbot, paths, [("distante", SECRET)])
    try:
        view = SettingsView(ws, settings)
        qtbot.addWidget(view)
        titles = [view.tabs.tabText(i) for i in range(view.tabs.count())]
        assert titles == ["Général", "Appels"]  # no Agenda settings, no Comptes
        assert view.accounts_tab is None
        assert view.telephony_tab.listen is None  # how it dials, not the owner's listener
        assert not ws.agenda.can_override
        from PySide6.QtCore import QSettings

        from app.ui.change_bus import ChangeBus

        window = MainWindow(ws, settings, ChangeBus(ws.store, ws.initiator),
                            QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        assert not window.import_action.isVisible()
        assert not window.patient_exports.csv_action.isVisible()
        assert not window.directory_exports.vcard_action.isVisible()
        assert not ws.may(access.PRINT)
        window.show_patients()
        assert not window.patients.form.admin_note.isVisibleTo(window.patients.form)
    finally:
        ws.close()
