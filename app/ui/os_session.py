"""The workstation's own lock and sleep, as one signal: the session locks with them.

On every platform, a sleep seen by the clocks: every two seconds ``SleepDetector``
compares how far the wall clock went with how far a clock that stops while the
workstation sleeps went (``time.monotonic``: CLOCK_MONOTONIC on Linux,
mach_absolute_time on macOS; on Windows ``QueryUnbiasedInterruptTime``, as
``time.monotonic`` may count the sleep there). More than 20 s apart: the workstation
slept, and the session locks as it wakes, before anyone sees the practice again.

On Linux, through D-Bus (QtDBus) as well: logind's ``PrepareForSleep(true)`` and the
``Lock`` of a login session (system bus), and the desktop's screen saver turning on
(``ActiveChanged(true)`` of org.freedesktop.ScreenSaver or org.gnome.ScreenSaver,
session bus). On Windows, from the window messages: ``WM_WTSSESSION_CHANGE`` with
``WTS_SESSION_LOCK`` (the main window registers for them) and ``WM_POWERBROADCAST`` with
``PBT_APMSUSPEND``. On macOS, the screen locking: the same timer reads CoreGraphics'
``CGSessionCopyCurrentDictionary()`` and locks when its ``CGSSessionScreenIsLocked``
turns true. The idle minutes, counted on the wall clock, lock besides all of these.

What the tests verify (on Linux): the D-Bus screen saver signal over a private bus, the
reading of Windows' MSG, the clocks' comparison (controllable clocks), the screen-lock
transitions (a probe of the tests' own), and that the CoreGraphics probe is None, without
raising, where CoreGraphics is missing. Not verified, for want of the machines: the
CoreGraphics probe on a Mac (the functions are Apple's documented C API; the key
``CGSSessionScreenIsLocked`` is not documented, it is the one in common use), Windows'
registration for the session messages and ``QueryUnbiasedInterruptTime``, and a real
suspend stopping the monotonic clock (documented for CLOCK_MONOTONIC and
mach_absolute_time).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import SLOT, QAbstractNativeEventFilter, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK = 0x02B1, 0x7
WM_POWERBROADCAST, PBT_APMSUSPEND = 0x0218, 0x4
NOTIFY_FOR_THIS_SESSION = 0
TICK_MS = 2000
SLEEP_GAP_S = 20.0  # above NTP's small steps and the two readings' own lag
SLEEP_SOURCE = "sleep (clocks)"
SCREEN_LOCK_SOURCE = "screen lock (CoreGraphics)"


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


def awake_clock() -> Callable[[], float]:
    """Seconds on a clock that stops while the workstation sleeps."""
    if sys.platform != "win32":
        return time.monotonic  # CLOCK_MONOTONIC, mach_absolute_time: stopped in a sleep
    try:
        query = ctypes.windll.kernel32.QueryUnbiasedInterruptTime  # type: ignore[attr-defined]
        query.argtypes = [ctypes.POINTER(ctypes.c_ulonglong)]
        query.restype = ctypes.c_int
        ticks = ctypes.c_ulonglong()
        if not query(ctypes.byref(ticks)):
            return time.monotonic
    except (AttributeError, OSError):
        return time.monotonic

    def unbiased() -> float:  # 100 ns units, without the time asleep or hibernated
        query(ctypes.byref(ticks))
        return ticks.value / 1e7

    return unbiased


class SleepDetector:
    """``slept()``: whether the workstation slept since the last call. In a sleep the
    wall clock goes on and the awake clock does not.

    A clock set back (by hand, or NTP stepping it) makes the wall clock's lead negative:
    nothing locks. A clock set forward by more than the gap (by hand, or NTP stepping a
    clock that was far behind) reads as a sleep and locks: a rare false alarm that costs
    a passphrase, and no harm. A change of time zone moves neither clock (``time.time``
    counts in UTC)."""

    def __init__(self, wall: Callable[[], float] = time.time,
                 awake: Callable[[], float] = time.monotonic, *,
                 gap: float = SLEEP_GAP_S) -> None:
        self._wall = wall
        self._awake = awake
        self._gap = gap
        self._last = (wall(), awake())

    def slept(self) -> bool:
        now = (self._wall(), self._awake())
        (wall_then, awake_then), self._last = self._last, now
        return (now[0] - wall_then) - (now[1] - awake_then) > self._gap


class ScreenLockPoll:
    """``locked_now()``: whether the screen went from unlocked to locked since the last
    call. ``probe()`` says True (locked), False (not), or None (unknown: what was known
    stands). ``works``: the first reading was known."""

    def __init__(self, probe: Callable[[], bool | None]) -> None:
        self._probe = probe
        self._locked = probe()
        self.works = self._locked is not None

    def locked_now(self) -> bool:
        state = self._probe()
        if state is None:
            return False
        was, self._locked = self._locked, state
        return state and was is False


K_CF_STRING_ENCODING_UTF8 = 0x08000100
_FRAMEWORKS = "/System/Library/Frameworks/{0}.framework/{0}"
# CGSessionCopyCurrentDictionary is CoreGraphics' (ApplicationServices' on older macOS).
_CORE_GRAPHICS = ("CoreGraphics", "ApplicationServices")


def _library_with(names, symbol: str):
    """The first of the frameworks ``names`` that loads and has ``symbol``, or None.
    Tried by the name ctypes finds and by the framework's path (on recent macOS the
    frameworks are only in the dyld cache, which dlopen still reads)."""
    for name in names:
        for path in (ctypes.util.find_library(name), _FRAMEWORKS.format(name)):
            if not path:
                continue  # CDLL(None) would be this program itself
            try:
                library = ctypes.CDLL(path)
                getattr(library, symbol)
                return library
            except (OSError, AttributeError):
                continue
    return None


@functools.cache
def coregraphics_screen_probe() -> Callable[[], bool | None] | None:
    """Reads ``CGSSessionScreenIsLocked`` in the login session's dictionary (present
    and true while the screen is locked, absent otherwise), or None where CoreGraphics
    or CoreFoundation cannot be had. The probe never raises: None is unknown."""
    c_void_p = ctypes.c_void_p
    try:
        cg = _library_with(_CORE_GRAPHICS, "CGSessionCopyCurrentDictionary")
        cf = _library_with(("CoreFoundation",), "CFDictionaryGetValue")
        if cg is None or cf is None:
            return None
        copy_session = cg.CGSessionCopyCurrentDictionary
        copy_session.argtypes, copy_session.restype = [], c_void_p
        make_string = cf.CFStringCreateWithCString
        make_string.argtypes = [c_void_p, ctypes.c_char_p, ctypes.c_uint32]
        make_string.restype = c_void_p
        value_of = cf.CFDictionaryGetValue
        value_of.argtypes, value_of.restype = [c_void_p, c_void_p], c_void_p
        type_of = cf.CFGetTypeID
        type_of.argtypes, type_of.restype = [c_void_p], ctypes.c_ulong
        boolean_type = cf.CFBooleanGetTypeID
        boolean_type.argtypes, boolean_type.restype = [], ctypes.c_ulong
        boolean_value = cf.CFBooleanGetValue
        boolean_value.argtypes, boolean_value.restype = [c_void_p], ctypes.c_ubyte
        release = cf.CFRelease
        release.argtypes, release.restype = [c_void_p], None
        # Made once and kept for the process: every probe reads the same key.
        key = make_string(None, b"CGSSessionScreenIsLocked", K_CF_STRING_ENCODING_UTF8)
        boolean_id = boolean_type()
    except (OSError, AttributeError, ctypes.ArgumentError):
        return None
    if not key:
        return None

    def probe() -> bool | None:
        try:
            session = copy_session()  # ours to release (a Copy function)
            if not session:
                return None  # no window server session (over ssh, as a daemon)
            try:
                value = value_of(session, key)  # the dictionary's, not ours
                if not value:
                    return False
                if type_of(value) != boolean_id:
                    return None
                return bool(boolean_value(value))
            finally:
                release(session)
        except (OSError, ctypes.ArgumentError):
            return None

    return probe


_LOGIN1 = "org.freedesktop.login1"
_SCREEN_SAVERS = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.freedesktop.ScreenSaver", "/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
)


class OsSessionWatcher(QObject):
    """``locking``: the workstation is going to sleep or woke from one, or its session
    or screen locks. ``sources`` names what is connected (the clocks at least).

    ``wall``, ``awake`` (see ``SleepDetector``) and ``screen_probe`` (see
    ``ScreenLockPoll``; by default CoreGraphics' on macOS, none elsewhere) are read at
    every tick."""

    locking = Signal()

    def __init__(self, parent: QObject | None = None, *, system_bus=None,
                 session_bus=None, wall: Callable[[], float] = time.time,
                 awake: Callable[[], float] | None = None,
                 screen_probe: Callable[[], bool | None] | None = None) -> None:
        super().__init__(parent)
        self.sources: list[str] = [SLEEP_SOURCE]
        self._windows: WindowsMessages | None = None
        self._sleep = SleepDetector(wall, awake or awake_clock())
        if screen_probe is None and sys.platform == "darwin":
            screen_probe = coregraphics_screen_probe()
        self._screen: ScreenLockPoll | None = None
        if screen_probe is not None:
            poll = ScreenLockPoll(screen_probe)
            if poll.works:
                self._screen = poll
                self.sources.append(SCREEN_LOCK_SOURCE)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
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

    def tick(self) -> None:
        """Every two seconds: the clocks, and the screen where it can be read."""
        slept = self._sleep.slept()
        screen_locked = self._screen is not None and self._screen.locked_now()
        if slept or screen_locked:
            self.locking.emit()

    def stop(self) -> None:
        self._timer.stop()
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
