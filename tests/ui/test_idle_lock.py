"""The idle lock: after the owner's minutes without input (wall clock) and on Ctrl+L,
nothing of the practice shows; the same person's passphrase resumes with the work in
progress intact; another person may sign in instead. Real widgets over a real profile,
time from a frozen clock."""

from __future__ import annotations

from dataclasses import replace

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from sqlalchemy import select

from app.clock import FrozenClock
from app.models.journal import AuditEntry
from app.services.access import AccessDenied
from app.services.errors import ValidationError
from app.services.security import SecuritySettings
from app.ui.app import GuiSession
from tests.conftest import is_open
from tests.ui.conftest import FAST_KDF, FROZEN_AT, PASSPHRASE

SECRET = "Bureau du matin, cote jardin"  # keyClicks types ASCII only


@pytest.fixture
def clock():
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def session(qtbot, workspace, settings, clock):
    workspace.clock = clock  # the session's idle time and the lock's throttle read it
    session = GuiSession(QApplication.instance(), workspace, settings, kdf_floor=FAST_KDF)
    window = session.show()
    qtbot.waitExposed(window)
    yield session
    session.watcher.stop()
    if session.lock is not None and session.lock.is_locked:
        session.lock.release()
    session.window.patients.form.revert()
    session.window.end_session()
    session.window.deleteLater()
    if session.workspace is not workspace:
        session.workspace.close()


def _visible_texts(window: QWidget) -> str:
    """Every text a person could read in ``window`` (labels and fields shown)."""
    texts = [window.windowTitle()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.text())
    return "\n".join(texts)


def _type_secret(qtbot, dialog, secret: str) -> None:
    dialog.secret.clear()
    qtbot.keyClicks(dialog.secret, secret)
    qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)


def test_idle_minutes_on_the_wall_clock_lock_and_input_postpones(qtbot, session, clock):
    window = session.window
    dupont = session.workspace.patients.search("Dupont")[0]
    window.open_patient(dupont.id)
    assert "Jean-Éric" in _visible_texts(window)
    clock.advance(minutes=4)
    session.watcher.check()
    assert not session.lock.is_locked
    qtbot.keyClick(window.search, Qt.Key.Key_A)  # input: the count starts again
    qtbot.keyClick(window.search, Qt.Key.Key_Backspace)
    clock.advance(minutes=4)
    session.watcher.check()
    assert not session.lock.is_locked
    # A sleep of an hour: no tick ran meanwhile, the first one after locks.
    clock.advance(hours=1)
    session.watcher.check()
    assert session.lock.is_locked
    assert window.windowTitle() == "Permanence"
    texts = _visible_texts(window)
    assert "Jean-Éric" not in texts and "Tilleuls" not in texts
    assert window.frame.currentWidget() is window.locked_page
    assert not window.statusBar().isVisible()


def test_ctrl_l_locks_and_the_same_passphrase_resumes_with_the_dialog_as_it_was(
        qtbot, session, clock):
    window = session.window
    dialog = window.new_message()
    qtbot.waitExposed(dialog)
    title = dialog.windowTitle()
    field = dialog.findChildren(QLineEdit)[0]
    field.setText("Rappeler Mme Dupont")
    qtbot.keyClick(field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    lock = session.lock
    assert lock.is_locked
    # The dialog is covered, disabled and untitled, not closed.
    assert dialog.isVisible() and not dialog.isEnabled()
    assert dialog.windowTitle() == "Permanence"
    blind = dialog.findChild(QWidget, "LockBlind")
    assert blind is not None and blind.isVisible() and blind.geometry() == dialog.rect()
    # Nothing of the dialog shows through: its rendering is the blind's alone.
    assert "Dupont" not in _visible_texts(blind)
    assert dialog.grab().toImage() == blind.grab().toImage()
    prompt = lock.dialog
    assert prompt.isVisible() and prompt.isModal()
    assert prompt.account.isReadOnly() and prompt.account.text() == session.workspace.principal.name
    prompt.reject()  # Esc: still locked
    assert lock.is_locked and prompt.isVisible()
    _type_secret(qtbot, prompt, "not the passphrase")
    assert lock.is_locked and "incorrect" in prompt.error.text()
    clock.advance(seconds=2)  # the throttle's delay after a failure
    _type_secret(qtbot, prompt, PASSPHRASE)
    assert not lock.is_locked
    assert dialog.isVisible() and dialog.isEnabled() and dialog.windowTitle() == title
    assert field.text() == "Rappeler Mme Dupont"
    assert window.frame.currentWidget() is not window.locked_page
    assert window.windowTitle().endswith("Tilleuls")
    # The count starts again from the unlock.
    clock.advance(minutes=4)
    session.watcher.check()
    assert not lock.is_locked
    dialog.reject()


def test_a_window_opened_while_locked_is_covered_at_once(qtbot, session):
    session.lock_now()
    dialog = session.window.new_message()
    assert dialog.findChild(QWidget, "LockBlind") is not None
    assert dialog.windowTitle() == "Permanence"
    session.lock.release()
    dialog.reject()


def test_another_person_signs_in_at_the_lock_and_the_first_session_ends(
        qtbot, session, workspace):
    workspace.kdf = FAST_KDF
    workspace.accounts.add("secretaire", "secretary", SECRET)
    first_window = session.window
    draft = first_window.new_message()  # the first person's, unsaved
    session.lock_now()
    prompt = session.lock.dialog
    prompt.change_user()
    assert not prompt.account.isReadOnly() and prompt.account.text() == ""
    qtbot.keyClicks(prompt.account, "secretaire")
    _type_secret(qtbot, prompt, SECRET)
    qtbot.waitUntil(lambda: session.window is not first_window)
    assert session.workspace.principal.name == "secretaire"
    assert session.workspace is not workspace
    assert not is_open(workspace)  # the first session ended: its practice closed
    assert not shiboken6.isValid(draft) or not draft.isVisible()  # cancelled
    assert not shiboken6.isValid(first_window) or not first_window.isVisible()
    assert not session.lock.is_locked
    assert session.window.isVisible()
    assert not session.window.settings.idle_minutes.isEnabled()  # hers is not to set


def test_only_the_owner_sets_the_idle_minutes_and_it_is_audited(workspace):
    assert workspace.security.idle_minutes() == 5
    with pytest.raises(ValidationError):
        workspace.security.set_idle_minutes(0)
    workspace.security.set_idle_minutes(12)
    assert workspace.security.idle_minutes() == 12
    with workspace.store.reader() as s:
        last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()
    assert (last.action, last.detail) == ("setting", "idle_minutes=12")
    secretary = replace(workspace.principal, role="secretary")
    with pytest.raises(AccessDenied):
        SecuritySettings(workspace.store, principal=secretary,
                         clock=workspace.clock).set_idle_minutes(30)
    assert workspace.security.idle_minutes() == 12


@pytest.fixture
def private_bus():
    """A D-Bus session bus of the test's own (skipped where dbus-daemon is missing)."""
    import shutil
    import subprocess

    from PySide6.QtDBus import QDBusConnection

    if shutil.which("dbus-daemon") is None:
        pytest.skip("no dbus-daemon on this machine")
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = daemon.stdout.readline().strip()
    try:
        yield lambda name: QDBusConnection.connectToBus(address, name)
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def test_the_workstation_locking_its_screen_locks_the_session(qtbot, workspace, settings,
                                                              private_bus):
    import sys

    from PySide6.QtDBus import QDBusConnection, QDBusMessage

    from app.ui.os_session import OsSessionWatcher

    if not sys.platform.startswith("linux"):
        pytest.skip("D-Bus sources are Linux's")
    watcher = OsSessionWatcher(session_bus=private_bus("permanence"),
                               system_bus=QDBusConnection.connectToBus(
                                   QDBusConnection.BusType.SystemBus, "none"))
    assert "org.freedesktop.ScreenSaver/org/freedesktop/ScreenSaver" in watcher.sources
    session = GuiSession(QApplication.instance(), workspace, settings, kdf_floor=FAST_KDF,
                         os_session=watcher)
    qtbot.waitExposed(session.show())
    try:
        desktop = private_bus("desktop")
        assert desktop.registerService("org.freedesktop.ScreenSaver")
        for active in (False, True):
            signal = QDBusMessage.createSignal("/org/freedesktop/ScreenSaver",
                                              "org.freedesktop.ScreenSaver", "ActiveChanged")
            signal.setArguments([active])
            assert desktop.send(signal)
            if not active:  # the screen saver ending locks nothing
                qtbot.wait(200)
                assert not session.lock.is_locked
        qtbot.waitUntil(lambda: session.lock.is_locked)
    finally:
        session.watcher.stop()
        session.lock.release()
        session.window.end_session()
        session.window.deleteLater()


def test_the_owner_sets_the_idle_minutes_in_settings_and_the_session_follows(
        qtbot, session, clock):
    view = session.window.settings
    assert view.idle_minutes.isEnabled() and view.idle_minutes.value() == 5
    view.idle_minutes.setValue(20)
    view.idle_minutes.editingFinished.emit()
    assert session.workspace.security.idle_minutes() == 20
    assert session.watcher.minutes == 20
    clock.advance(minutes=6)
    session.watcher.check()
    assert not session.lock.is_locked
    clock.advance(minutes=15)
    session.watcher.check()
    assert session.lock.is_locked


def test_a_modal_dialog_running_when_the_session_locks_stays_open_under_the_prompt(
        qtbot, session):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from app.ui.plain import message_box

    box = message_box(QMessageBox.Icon.Question, "Dupont Jean-Éric",
                      "Annuler le rendez-vous de Dupont ?", session.window)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    seen = {}

    def while_it_runs():
        session.lock_now()
        prompt = session.lock.dialog
        seen["covered"] = (box.findChild(QWidget, "LockBlind") is not None
                           and not box.isEnabled() and box.windowTitle() == "Permanence")
        seen["prompt has the keyboard"] = QApplication.activeModalWidget() is prompt
        _type_secret(qtbot, prompt, PASSPHRASE)
        seen["back as it was"] = (not session.lock.is_locked and box.isVisible()
                                  and box.isEnabled() and box.windowTitle() == "Dupont Jean-Éric")
        box.done(QMessageBox.StandardButton.No)

    timer = QTimer(session.window)  # fires inside the box's own event loop
    timer.setSingleShot(True)
    timer.timeout.connect(while_it_runs)
    timer.start(0)
    assert box.exec() == QMessageBox.StandardButton.No
    assert seen == {"covered": True, "prompt has the keyboard": True, "back as it was": True}


def test_the_windows_messages_that_lock(qtbot):
    """The filter's reading of Windows' MSG (the registration itself is Windows' own)."""
    import ctypes

    from PySide6.QtCore import QByteArray

    from app.ui import os_session as osl

    def message(kind, wparam):
        msg = osl.MSG(None, kind, wparam, 0)
        return msg, ctypes.addressof(msg)

    cases = [((osl.WM_WTSSESSION_CHANGE, osl.WTS_SESSION_LOCK), True),
             ((osl.WM_WTSSESSION_CHANGE, 0x8), False),  # unlock
             ((osl.WM_POWERBROADCAST, osl.PBT_APMSUSPEND), True),
             ((osl.WM_POWERBROADCAST, 0x12), False),  # resume
             ((0x0100, osl.WTS_SESSION_LOCK), False)]  # a key press
    locked = []
    messages = osl.WindowsMessages(lambda: locked.append(1))
    for (kind, wparam), locks in cases:
        keep, address = message(kind, wparam)
        assert osl.windows_message_locks(address) is locks
        assert messages.nativeEventFilter(QByteArray(b"windows_generic_MSG"), address) == (
            False, 0)
        del keep
    assert len(locked) == 2
    keep, address = message(osl.WM_POWERBROADCAST, osl.PBT_APMSUSPEND)
    messages.nativeEventFilter(QByteArray(b"xcb_generic_event_t"), address)
    assert len(locked) == 2
