"""The application's start over real profiles: the setup assistant creates the practice
only once its recovery key is acknowledged; a profile that cannot be used is said in a
dialog with its exit code; one that others may read is warned about."""

from __future__ import annotations

import subprocess
import sys

import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from app.clock import SystemClock
from app.storage.errors import FULL, CannotWriteError
from app.storage.keychain import Keychain
from app.storage.profile import ProfilePaths, unlock_key
from app.services.settings import WorkstationSettings
from app.ui.app import _setup_new_practice, install_storage_error_dialog, run_gui
from app.ui.main_window import MainWindow
from tests.ui.conftest import FAST_KDF, PASSPHRASE

NEW_PASSPHRASE = "tilleul cerise velo"


def hidden_siblings(paths: ProfilePaths) -> list[str]:
    return sorted(p.name for p in paths.root.parent.iterdir() if p.name.startswith("."))


def to_the_recovery_page(qtbot, wizard) -> None:
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.practice_page.name, "Cabinet du Parc")
    wizard.next()
    for col, value in ((1, "Claire"), (2, "Morel"), (3, "Pédiatrie")):
        wizard.practitioners_page.table.item(0, col).setText(value)
    wizard.next()
    qtbot.keyClicks(wizard.protection_page.passphrase, NEW_PASSPHRASE)
    qtbot.keyClicks(wizard.protection_page.confirm, NEW_PASSPHRASE)
    wizard.next()
    assert wizard.currentPage() is wizard.recovery_page


def setup(paths: ProfilePaths, run):
    return _setup_new_practice(paths, SystemClock(), keychain=Keychain(fail.Keyring()),
                               kdf=FAST_KDF, run=run)


def test_the_practice_is_created_once_its_recovery_key_is_acknowledged(qtbot, tmp_path):
    paths = ProfilePaths(tmp_path / "cabinet")
    seen = {}

    def run(wizard) -> int:
        to_the_recovery_page(qtbot, wizard)
        seen["shown"] = wizard.recovery_page.key_label.text()
        seen["before"] = paths.exists(), len(hidden_siblings(paths))
        wizard.recovery_page.confirm.setChecked(True)
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)
        return wizard.result()

    ws = setup(paths, run)
    try:
        assert seen["before"] == (False, 1)  # built aside, not yet a profile
        assert ws is not None and ws.practice.name == "Cabinet du Parc"
    finally:
        ws.close()
    assert hidden_siblings(paths) == []
    assert unlock_key(paths, recovery_key=seen["shown"])


def test_closing_the_assistant_before_acknowledging_the_key_creates_nothing(qtbot, tmp_path):
    paths = ProfilePaths(tmp_path / "cabinet")

    def run(wizard) -> int:
        to_the_recovery_page(qtbot, wizard)
        wizard.reject()  # the window closed on the recovery page
        return wizard.result()

    assert setup(paths, run) is None
    assert not paths.exists() and hidden_siblings(paths) == []


def answer_message_box(texts: list[str], *, tries: int = 400, then=None) -> None:
    """Read and close the next message box when it comes up (the start shows it modal);
    then call ``then``."""
    def poll(left: int) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            texts.append(box.text())
            box.accept()
            if then is not None:
                QTimer.singleShot(0, then)
        elif left:
            QTimer.singleShot(25, lambda: poll(left - 1))
    QTimer.singleShot(25, lambda: poll(tries))


@pytest.fixture
def closed_profile(workspace, monkeypatch) -> ProfilePaths:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    paths = workspace.paths
    workspace.close()
    return paths


def test_a_folder_where_the_database_should_be_is_said_with_its_exit_code(qtbot,
                                                                          closed_profile):
    paths = closed_profile
    paths.db.unlink()
    paths.db.mkdir()
    texts: list[str] = []
    answer_message_box(texts)
    assert run_gui(paths, passphrase=PASSPHRASE, clock=SystemClock(), kdf_floor=FAST_KDF,
                   settings=WorkstationSettings(paths.workstation_settings)) == 6
    assert texts and "n'est pas un fichier" in texts[0]
    assert paths.db.is_dir()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_a_profile_others_may_read_is_warned_about(qtbot, closed_profile):
    paths = closed_profile
    paths.root.chmod(0o755)
    app = QApplication.instance()
    app.setQuitOnLastWindowClosed(False)
    texts: list[str] = []
    answer_message_box(texts, then=lambda: app.exit(0))  # the main window, once shown
    try:
        assert run_gui(paths, passphrase=PASSPHRASE, clock=SystemClock(), kdf_floor=FAST_KDF,
                   settings=WorkstationSettings(paths.workstation_settings)) == 0
    finally:
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
                widget.deleteLater()
        app.setQuitOnLastWindowClosed(True)
    assert any("chmod -R go-rwx" in t and str(paths.root) in t for t in texts), texts
    window_ini = paths.root / "window.ini"
    state = QSettings(str(window_ini), QSettings.Format.IniFormat)  # as the window saves
    state.setValue("main/geometry", b"x")
    state.sync()
    assert window_ini.stat().st_size and window_ini.stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a read-only bind mount")
def test_a_read_only_profile_is_said_before_anything_is_asked(qtbot, closed_profile):
    paths = closed_profile
    lock = paths.root / "permanence.lock"
    mounted = subprocess.run(["mount", "--bind", str(lock), str(lock)], capture_output=True)
    if mounted.returncode:
        pytest.skip("cannot mount here")
    try:
        assert subprocess.run(["mount", "-o", "remount,bind,ro", str(lock)]).returncode == 0
        texts: list[str] = []
        answer_message_box(texts)
        assert run_gui(paths, passphrase=None, clock=SystemClock(), kdf_floor=FAST_KDF,
                   settings=WorkstationSettings(paths.workstation_settings)) == 5
        assert texts and "lecture seule" in texts[0] and "permanence.lock" in texts[0]
    finally:
        subprocess.run(["umount", "-l", str(lock)])


def test_a_storage_failure_during_the_session_is_shown_in_a_dialog(qtbot, monkeypatch):
    logged = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: logged.append(exc))
    install_storage_error_dialog()
    texts: list[str] = []
    answer_message_box(texts)
    try:
        raise CannotWriteError(FULL, "/cabinet/permanence.db")
    except CannotWriteError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert texts and "disque est plein" in texts[0] and "/cabinet/permanence.db" in texts[0]
    assert logged == []  # shown, not printed as a traceback
    error = ValueError("a bug")
    sys.excepthook(ValueError, error, None)
    assert logged == [(ValueError, error, None)]  # anything else goes on as before
