"""The workstation's own lock and sleep, as one signal: the session locks with them.

On Linux, through D-Bus (QtDBus): logind's ``PrepareForSleep(true)`` and the ``Lock``
of a login session (system bus), and the desktop's screen saver turning on
(``ActiveChanged(true)`` of org.freedesktop.ScreenSaver or org.gnome.ScreenSaver,
session bus). On Windows, from the window messages: ``WM_WTSSESSION_CHANGE`` with
``WTS_SESSION_LOCK`` (the main window registers for them) and ``WM_POWERBROADCAST`` with
``PBT_APMSUSPEND``. Where none of these can be had (no bus; macOS, not wired yet) the
idle minutes, counted on the wall clock, still lock at the first tick after a sleep
longer than them.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import SLOT, QAbstractNativeEventFilter, QObject, Signal, Slot
from PySide6.QtWidgets import QApplication

WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK = 0x02B1, 0x7
WM_POWERBROADCAST, PBT_APMSUSPEND = 0x0218, 0x4
NOTIFY_FOR_THIS_SESSION = 0


class MSG(ctypes.Structure):
    """Windows' MSG, as far as the fields read here."""

    _fields_ = [("hwnd", ctypes.c_void_p), ("message", ctypes.c_uint),
                ("wParam", ctypes.c_size_t), ("lParam", ctypes.c_ssize_t)]


def windows_message_locks(address: int) -> bool:
    """Whether the Windows message at ``address`` says the session locks or the
    workstation goes to sleep."""
    msg = MSG.from_address(address)
    return ((msg.message == WM_WTSSESSION_CHANGE and msg.wParam == WTS_SESSION_LOCK)
            or (msg.message == WM_POWERBROADCAST and msg.wParam == PBT_APMSUSPEND))


class WindowsMessages(QAbstractNativeEventFilter):
    """Hands the messages that lock to ``on_lock``; lets every message through."""

    def __init__(self, on_lock) -> None:
        super().__init__()
        self._on_lock = on_lock

    def nativeEventFilter(self, event_type, message):
        if bytes(event_type) == b"windows_generic_MSG" and windows_message_locks(int(message)):
            self._on_lock()
        return False, 0

_LOGIN1 = "org.freedesktop.login1"
_SCREEN_SAVERS = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.freedesktop.ScreenSaver", "/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
)


class OsSessionWatcher(QObject):
    """``locking``: the workstation is going to sleep, or its session or screen locks.
    ``sources`` names what is connected (empty: nothing could be)."""

    locking = Signal()

    def __init__(self, parent: QObject | None = None, *, system_bus=None,
                 session_bus=None) -> None:
        super().__init__(parent)
        self.sources: list[str] = []
        self._windows: WindowsMessages | None = None
        if sys.platform == "win32":
            self._windows = WindowsMessages(self.locking.emit)
            QApplication.instance().installNativeEventFilter(self._windows)
            self.sources.append("windows messages")
            return
        if not sys.platform.startswith("linux"):
            return
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # a Qt built without D-Bus
            return
        system = system_bus if system_bus is not None else QDBusConnection.systemBus()
        session = session_bus if session_bus is not None else QDBusConnection.sessionBus()
        if system.isConnected():
            if system.connect(_LOGIN1, "/org/freedesktop/login1",
                              "org.freedesktop.login1.Manager", "PrepareForSleep", self,
                              SLOT("sleeping(bool)")):
                self.sources.append("sleep")
            if system.connect(_LOGIN1, "", "org.freedesktop.login1.Session", "Lock", self,
                              SLOT("session_locked()")):
                self.sources.append("session lock")
        if session.isConnected():
            for service, path, interface in _SCREEN_SAVERS:
                if session.connect(service, path, interface, "ActiveChanged", self,
                                   SLOT("screen_saver(bool)")):
                    self.sources.append(f"{service}{path}")

    def watch_window(self, window) -> None:
        """On Windows, ask for the session's lock messages in ``window`` (the main
        window, once shown); elsewhere nothing to do."""
        if sys.platform != "win32":
            return
        try:
            ctypes.windll.wtsapi32.WTSRegisterSessionNotification(  # type: ignore[attr-defined]
                ctypes.c_void_p(int(window.winId())), NOTIFY_FOR_THIS_SESSION)
        except (AttributeError, OSError):
            pass  # sleep still reaches every window; the idle minutes remain

    def stop(self) -> None:
        app = QApplication.instance()
        if self._windows is not None and app is not None:
            app.removeNativeEventFilter(self._windows)
            self._windows = None

    @Slot(bool)
    def sleeping(self, starting: bool) -> None:
        if starting:
            self.locking.emit()

    @Slot()
    def session_locked(self) -> None:
        self.locking.emit()

    @Slot(bool)
    def screen_saver(self, active: bool) -> None:
        if active:
            self.locking.emit()
