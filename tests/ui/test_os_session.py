"""The workstation's sleep, seen by the clocks on every platform, and its screen lock
as macOS reports it: both lock the session. The clocks and the screen's state are the
tests' own, stepped by hand (nothing sleeps)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from app.ui.app import GuiSession
from app.ui.os_session import (
    SCREEN_LOCK_SOURCE,
    SLEEP_GAP_S,
    SLEEP_SOURCE,
    OsSessionWatcher,
    coregraphics_screen_probe,
)
from tests.ui.conftest import FAST_KDF


class Clocks:
    """A wall clock and an awake clock (the one a sleep stops), moved by the test."""

    def __init__(self) -> None:
        self.wall_s = 1_800_000_000.0
        self.awake_s = 5_000.0

    def wall(self) -> float:
        return self.wall_s

    def awake(self) -> float:
        return self.awake_s

    def run(self, seconds: float) -> None:
        self.wall_s += seconds
        self.awake_s += seconds

    def sleep(self, seconds: float) -> None:
        self.wall_s += seconds


class Screen:
    """The screen's state as a probe reads it: True, False or None (unknown)."""

    def __init__(self, locked: bool | None = False) -> None:
        self.locked = locked

    def probe(self) -> bool | None:
        return self.locked


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


def watcher_of(clocks: Clocks, **kwargs) -> tuple[OsSessionWatcher, list[int]]:
    watcher = OsSessionWatcher(wall=clocks.wall, awake=clocks.awake, **kwargs)
    seen: list[int] = []
    watcher.locking.connect(lambda: seen.append(1))
    return watcher, seen


def test_a_sleep_of_the_workstation_locks_the_session_as_it_wakes(qtbot, workspace, settings,
                                                                  clocks):
    watcher, _seen = watcher_of(clocks)
    assert SLEEP_SOURCE in watcher.sources
    session = GuiSession(QApplication.instance(), workspace, settings, kdf_floor=FAST_KDF,
                         os_session=watcher)
    qtbot.waitExposed(session.show())
    try:
        for _ in range(5):  # awake: both clocks go on together
            clocks.run(2)
            watcher.tick()
        assert not session.lock.is_locked
        clocks.sleep(40 * 60)  # the lid closed for 40 minutes
        clocks.run(2)
        watcher.tick()
        assert session.lock.is_locked
    finally:
        watcher.stop()
        session.watcher.stop()
        session.lock.release()
        session.window.end_session()
        session.window.deleteLater()


def test_the_clock_set_back_or_nudged_does_not_lock_and_a_sleep_locks_once(qtbot, clocks):
    watcher, seen = watcher_of(clocks)
    try:
        clocks.wall_s -= 3600  # set back an hour (by hand, or a clock found fast)
        watcher.tick()
        clocks.wall_s += SLEEP_GAP_S - 5  # a small step forward (NTP)
        clocks.run(2)
        watcher.tick()
        clocks.run(2)  # a tick late: a busy event loop moves both clocks alike
        clocks.run(30)
        watcher.tick()
        assert seen == []
        clocks.sleep(SLEEP_GAP_S + 5)  # a short sleep
        watcher.tick()
        watcher.tick()  # the next tick counts from the wake
        assert seen == [1]
    finally:
        watcher.stop()


def test_the_screen_locking_on_macos_locks_once_per_lock(qtbot, clocks):
    screen = Screen(locked=False)
    watcher, seen = watcher_of(clocks, screen_probe=screen.probe)
    assert SCREEN_LOCK_SOURCE in watcher.sources
    try:
        for state, locks in [(False, False), (True, True), (True, False), (None, False),
                             (True, False), (False, False), (None, False), (True, True)]:
            before = len(seen)
            screen.locked = state
            watcher.tick()
            assert len(seen) - before == int(locks), (state, locks)
        assert seen == [1, 1]
    finally:
        watcher.stop()


def test_a_screen_that_cannot_be_read_at_start_is_no_source(qtbot, clocks):
    screen = Screen(locked=None)
    watcher, seen = watcher_of(clocks, screen_probe=screen.probe)
    try:
        assert watcher.sources[:1] == [SLEEP_SOURCE]
        assert SCREEN_LOCK_SOURCE not in watcher.sources
        screen.locked = False
        watcher.tick()
        screen.locked = True
        watcher.tick()
        assert seen == []
    finally:
        watcher.stop()


def test_without_coregraphics_the_probe_is_none_and_nothing_raises(qtbot, clocks):
    import sys

    if sys.platform == "darwin":
        pytest.skip("CoreGraphics is there")
    assert coregraphics_screen_probe() is None
    watcher, _seen = watcher_of(clocks)
    try:
        assert SCREEN_LOCK_SOURCE not in watcher.sources
    finally:
        watcher.stop()
