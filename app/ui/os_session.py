"""The workstation's own lock and sleep, as one signal: the session locks with them.

On Linux, through D-Bus (QtDBus): logind's ``PrepareForSleep(true)`` and the ``Lock``
of a login session (system bus), and the desktop's screen saver turning on
(``ActiveChanged(true)`` of org.freedesktop.ScreenSaver or org.gnome.ScreenSaver,
session bus). Where there is no bus, nothing is connected, and on Windows and macOS
these are not wired yet: there the idle minutes, counted on the wall clock, still lock
at the first tick after a sleep longer than them.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import SLOT, QObject, Signal, Slot

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
