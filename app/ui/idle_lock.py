"""Leaving the desk: the session locks after some idle minutes, and on Ctrl+L.

``IdleWatcher`` measures idle time on the wall clock (the injected ``Clock``): it keeps
the instant of the last key press, click or wheel turn anywhere in the application, and
a timer compares it with now every second. Nothing but input moves that instant, so a
workstation that slept for an hour locks as soon as it wakes (KeePassXC's
InactivityTimer counts from the last input the same way).

``SessionLock`` locks: the main window shows a blank page and only "Permanence" in its
title (nothing of the practice in the task bar); every other window of the application
(a booking dialog, a message being written) is covered by a blind, disabled and titled
"Permanence", not closed, so what was typed is still there after unlocking; a window
that opens while locked is covered as it shows; popups and tooltips close. The lock
dialog, modal over everything, asks the same person's secret (throttled as any
sign-in), or lets another person sign in instead, which ends the first session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QToolTip, QVBoxLayout, QWidget

from app.clock import Clock
from app.i18n import _
from app.ui.unlock_dialog import UnlockDialog, Unlocker
from app.ui.widgets import label

LOCKED_TITLE = "Permanence"
TICK_MS = 1000
_INPUT = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                    QEvent.Type.MouseButtonDblClick, QEvent.Type.Wheel,
                    QEvent.Type.TouchBegin})

# What the lock dialog's unlocker returns when the secret was the same person's.
RESUME = "resume"


class IdleWatcher(QObject):
    """``idle``: no input for ``minutes`` (wall clock); ``lock_requested``: Ctrl+L."""

    idle = Signal()
    lock_requested = Signal()

    def __init__(self, clock: Clock, minutes: int, *, tick_ms: int = TICK_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._limit = timedelta(minutes=minutes)
        self._last = clock.now()
        self._running = False
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.check)
        QApplication.instance().installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self._limit = timedelta(minutes=minutes)

    @property
    def minutes(self) -> int:
        return int(self._limit.total_seconds() // 60)

    def start(self) -> None:
        """Count from now (at the start of a session, and after each unlock)."""
        self._last = self._clock.now()
        self._running = True
        self._timer.start()

    def pause(self) -> None:
        self._running = False
        self._timer.stop()

    def stop(self) -> None:
        self.pause()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def check(self) -> None:
        if self._running and self._clock.now() - self._last >= self._limit:
            self.pause()
            self.idle.emit()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in _INPUT:
            if not self._running:
                return False
            if (event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_L
                    and event.modifiers() == Qt.KeyboardModifier.ControlModifier):
                self.pause()
                self.lock_requested.emit()
                return True
            self._last = self._clock.now()
        return False


class Blind(QWidget):
    """An opaque cover over a window while the session is locked; the window keeps
    its content, its title is set aside and it takes no input."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("LockBlind")
        self.setAutoFillBackground(True)
        self._window = window
        self._title = window.windowTitle()
        self._enabled = window.isEnabled()
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Locked"), "Muted"), 0, Qt.AlignmentFlag.AlignCenter)
        window.installEventFilter(self)
        window.setWindowTitle(LOCKED_TITLE)
        window.setEnabled(False)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()

    def eventFilter(self, obj, event) -> bool:
        if obj is self._window and event.type() in (QEvent.Type.Resize,
                                                    QEvent.Type.ChildAdded):
            self.setGeometry(self._window.rect())
            self.raise_()
        return False

    def lift(self) -> None:
        if not shiboken6.isValid(self._window):
            return
        self._window.removeEventFilter(self)
        self._window.setWindowTitle(self._title)
        self._window.setEnabled(self._enabled)
        self.hide()
        self.deleteLater()


class LockDialog(UnlockDialog):
    """The lock screen: the same person's secret resumes their session; "Change user"
    lets another person sign in instead. Esc and the close button do nothing."""

    def __init__(self, unlocker: Unlocker, *, profile_label: str, person: str,
                 person_label: str, owner: bool, has_passphrase: bool = True,
                 parent=None) -> None:
        super().__init__(unlocker, profile_label=profile_label,
                         has_passphrase=has_passphrase or not owner, parent=parent)
        self._person = person
        self._person_label = person_label
        self._switching = False
        self.setWindowTitle(LOCKED_TITLE)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.title.setText(_("Permanence is locked"))
        self.quit_button.setText(_("Change user"))
        self.quit_button.clicked.connect(self.change_user)
        self.toggle.setVisible(owner and has_passphrase)  # the recovery key is the owner's
        self._apply_mode()

    def _apply_mode(self) -> None:
        super()._apply_mode()
        if not hasattr(self, "_person"):
            return  # the base class's first call, before ours
        if not self._switching:
            self.account.setText(self._person)
            self.account.setReadOnly(True)
            if not self._recovery:
                self.explain.setText(_("Locked for {person}. Type your passphrase to go on "
                                       "where you left off.").format(person=self._person_label))

    def change_user(self) -> None:
        """Another person signs in: the account field opens; the first session ends
        once they have."""
        self._switching = True
        if self._recovery:
            self._recovery = False
            self._apply_mode()
        self.toggle.hide()
        self.account.setReadOnly(False)
        self.account.clear()
        self.explain.setText(_("Sign in as another person: {person}'s session ends, and "
                               "what they had not saved is lost.").format(
                                   person=self._person_label))
        self.quit_button.setEnabled(False)
        self.account.setFocus()

    def reject(self) -> None:
        pass  # locked: only a secret opens it

    def closeEvent(self, event) -> None:
        event.ignore()


class SessionLock(QObject):
    """Locks ``window`` and the other windows of the application (see the module).

    ``make_dialog(parent)`` builds the lock dialog; when its unlocker returns ``RESUME``
    the session goes on (``resumed``), anything else is another person's sign-in, handed
    to ``switch_requested``."""

    resumed = Signal()
    switch_requested = Signal(object)

    def __init__(self, window, make_dialog: Callable[[QWidget], LockDialog], *,
                 scoped: bool = False) -> None:
        """``scoped``: one practice among several in the window (``PracticeShell``):
        only its page and the windows it opened are locked, its lock dialog sits on
        its locked page, and the other practices go on."""
        super().__init__(window)
        self._window = window
        self._make_dialog = make_dialog
        self._scoped = scoped
        self._blinds: list[Blind] = []
        self.dialog: LockDialog | None = None

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def lock(self) -> None:
        if self.is_locked:
            return
        app = QApplication.instance()
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        QToolTip.hideText()
        self._window.set_locked(True)
        self.dialog = self._make_dialog(self._window)
        if self._scoped:
            self._window.hold_lock_dialog(self.dialog)
        for window in QApplication.topLevelWidgets():
            self._cover(window)
        app.installEventFilter(self)
        self.dialog.accepted.connect(self._dialog_accepted)
        self.dialog.show()
        self.dialog.secret.setFocus()

    def _owned(self, window: QWidget) -> bool:
        """Opened by this practice's window (a dialog parented to it or to its pages)."""
        parent = window.parentWidget()
        while parent is not None:
            if parent is self._window:
                return True
            parent = parent.parentWidget()
        return False

    def _cover(self, window: QWidget) -> None:
        if self._scoped and not self._owned(window):
            return
        if (window is self._window or window is self.dialog or not window.isVisible()
                or isinstance(window, Blind) or window.windowType() in (
                    Qt.WindowType.Popup, Qt.WindowType.ToolTip)
                or any(b.parent() is window for b in self._blinds)):
            return
        self._blinds.append(Blind(window))

    def eventFilter(self, obj, event) -> bool:
        # A window that opens while locked (a dialog a timer or a call brings) is
        # covered as it shows.
        if (event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow()
                and self.dialog is not None):
            self._cover(obj)
        return False

    def _dialog_accepted(self) -> None:
        outcome = self.dialog.key if self.dialog is not None else None
        if outcome == RESUME:
            self.release()
            self.resumed.emit()
        else:
            self.switch_requested.emit(outcome)

    def release(self) -> None:
        """Uncover everything and show the main window's pages again."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for blind in self._blinds:
            blind.lift()
        self._blinds.clear()
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        if shiboken6.isValid(self._window):
            self._window.set_locked(False)
