"""Break-glass and the adjustable matrix on screen: a remote secretary opens an emergency
access with a reason and sees what her role hides, until she ends it; the owner is
told, reviews it, and ticks the matrix within its bounds. Real widgets, real profile."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.clock import SystemClock
from app.services import access
from app.services.workspace import open_workspace
from app.storage.signin import sign_in
from app.ui.app import GuiSession
from tests.ui.conftest import FAST_KDF, PASSPHRASE

SECRET = "Bureau du matin, cote jardin"
REASON = "Patient en detresse au telephone"


def _reopen(paths, name=None, secret=PASSPHRASE):
    clock = SystemClock()
    signed = sign_in(paths, clock=clock, name=name, passphrase=secret, kdf_floor=FAST_KDF)
    return open_workspace(paths, signed.key, clock=clock, signed_in=signed)


@pytest.fixture
def paths(workspace):
    workspace.kdf = FAST_KDF
    workspace.accounts.add("distante", "remote-secretary", SECRET)
    workspace.close()
    return workspace.paths


def _session(qtbot, ws, settings):
    session = GuiSession(QApplication.instance(), ws, settings, kdf_floor=FAST_KDF)
    qtbot.waitExposed(session.show())
    return session


def _close(session):
    session.watcher.stop()
    session.window.patients.form.revert()
    session.window.end_session()
    session.window.deleteLater()
    session.workspace.close()


def test_an_emergency_access_shows_what_the_role_hides_until_it_ends(qtbot, paths, settings):
    session = _session(qtbot, _reopen(paths, "distante", SECRET), settings)
    try:
        window = session.window
        assert window.emergency_button.isVisibleTo(window)
        assert not window.patient_exports.csv_action.isVisible()
        assert window.patients.access_button.isHidden()  # who viewed a card: the owner's
        assert window.backup_warning.isHidden()  # backups are not hers to fix
        dialog = window.open_emergency()
        qtbot.keyClicks(dialog.reason, "vite")
        assert not dialog.confirm()  # not a reason: said, nothing opened
        assert dialog.error.text() and session.window is window
        dialog.reason.clear()
        qtbot.keyClicks(dialog.reason, REASON)
        assert dialog.confirm()
        qtbot.waitUntil(lambda: session.window is not window)
        window = session.window
        assert window.patient_exports.csv_action.isVisible()
        assert window.emergency_state.isVisibleTo(window)
        # At its end the screens are built again without it.
        assert window._emergency_timer.isActive()  # noqa: SLF001
        assert 29 * 60_000 < window._emergency_timer.remainingTime() <= 30 * 60_000 + 500  # noqa: SLF001
        assert not window.emergency_button.isVisibleTo(window)
        qtbot.mouseClick(window.emergency_state, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: session.window is not window)
        assert not session.window.patient_exports.csv_action.isVisible()
        assert not session.workspace.may(access.EXPORT)
    finally:
        _close(session)

    session = _session(qtbot, _reopen(paths), settings)
    try:
        window = session.window
        assert window.emergency_review.isVisibleTo(window)
        assert "1" in window.emergency_review.text()
        assert not window.emergency_button.isVisibleTo(window)  # the owner has it all
        assert not window.patients.access_button.isHidden()
        assert not window.backup_warning.isHidden()  # no backup folder chosen yet
        tab = window.show_rights_settings()
        assert tab.emergencies.table.item(0, 2).text() == REASON
        tab.emergencies.mark_all()
        assert not window.emergency_review.isVisibleTo(window)
    finally:
        _close(session)


def test_the_owner_ticks_the_matrix_within_its_bounds(qtbot, paths, settings):
    ws = _reopen(paths)
    session = _session(qtbot, ws, settings)
    try:
        tab = session.window.show_rights_settings()
        owner_cell = tab.cell("owner", access.ACCOUNTS)
        assert not owner_cell.flags() & Qt.ItemFlag.ItemIsEnabled
        assert not tab.cell("secretary", access.KEYS).flags() & Qt.ItemFlag.ItemIsEnabled
        cell = tab.cell("remote-secretary", access.EXPORT)
        assert cell.checkState() == Qt.CheckState.Unchecked
        cell.setCheckState(Qt.CheckState.Checked)
        assert access.EXPORT in ws.security.rights()["remote-secretary"]
        tab.reset()
        assert ws.security.changes() == {}
        assert tab.cell("remote-secretary", access.EXPORT).checkState() == Qt.CheckState.Unchecked
    finally:
        _close(session)
