"""The application on a real X server (Xvfb) through Qt's real X11 plugin: it opens its
window; and when a library the plugin needs cannot be loaded, it names what to install
and exits 1 before Qt would abort."""

from __future__ import annotations

import ctypes
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ui.x11_support import PLUGIN_FILE, bundled_plugins_dir
from tests.test_cli import permanence

QT_ABORT = "Could not load the Qt platform plugin"
BARE_QT = "from PySide6.QtWidgets import QApplication; QApplication([])"
# What would choose another platform or another plugin than the one under test.
CLEARED = ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_PLUGIN_PATH",
           "QT_QPA_PLATFORM_PLUGIN_PATH", "PERMANENCE_PASSPHRASE")


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb on a display number it picks itself (-displayfd): ':N'."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Qt's X11 plugin is used on Linux")
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb)")
    plugins = bundled_plugins_dir()
    if plugins is None or not (plugins / "platforms" / PLUGIN_FILE).is_file():
        pytest.skip("this PySide6 has no X11 plugin of its own")
    read, write = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24",
                               "-nolisten", "tcp"], pass_fds=(write,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 30)
        number = os.read(read, 32).decode().strip() if ready else ""
        if not number.isdigit():
            pytest.fail("Xvfb did not start")
        yield f":{number}"
    finally:
        os.close(read)
        server.terminate()
        server.wait(timeout=10)


def x11_env(display: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(DISPLAY=display, **extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)


def app_command(profile: Path) -> list[str]:
    return [sys.executable, "-m", "app", "--profile", str(profile)]


def test_the_window_opens_through_the_x11_plugin(display, tmp_path):
    profile = tmp_path / "cabinet"
    made = permanence("init", "--profile", str(profile), "--practice", "Cabinet du Parc",
                      passphrase="une phrase de passe")
    assert made.returncode == 0, made.stderr
    # The launch benchmark's signal: the window closes itself once painted.
    env = x11_env(display, PERMANENCE_BENCH_READY="1", QT_DEBUG_PLUGINS="1",
                  PERMANENCE_PASSPHRASE="une phrase de passe")
    result = run(app_command(profile), env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("READY")
    assert f'/platforms/{PLUGIN_FILE}" loaded library' in result.stderr


def test_a_plugin_copied_without_its_qt_library_is_explained(display, tmp_path):
    """QT_PLUGIN_PATH names a folder holding only a copy of the plugin: the Qt library it
    needs beside it (../../lib) is not there, which Qt reports only by aborting."""
    copy = tmp_path / "plugins" / "platforms"
    copy.mkdir(parents=True)
    shutil.copy(bundled_plugins_dir() / "platforms" / PLUGIN_FILE, copy)
    env = x11_env(display, QT_PLUGIN_PATH=str(tmp_path / "plugins"))
    bare = run([sys.executable, "-c", BARE_QT], env)
    assert bare.returncode != 0 and QT_ABORT in bare.stderr  # what users would get

    result = run(app_command(tmp_path / "cabinet"), env)
    assert result.returncode == 1, result.stderr
    assert f"Le module X11 de Qt ({copy / PLUGIN_FILE})" in result.stderr
    assert "libQt6XcbQpa.so.6" in result.stderr and "réinstallez Permanence" in result.stderr
    assert QT_ABORT not in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "cabinet" / "permanence.db").exists()


def library_file(soname: str) -> str | None:
    """The file the system's loader opens for ``soname`` (loaded here to ask it)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return None
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            path = line.split()[-1]
            if os.path.basename(path).startswith(soname):
                return path
    return None


def test_a_missing_system_library_is_named_with_its_package(display, tmp_path):
    """libxcb-cursor.so.0 (package libxcb-cursor0) made unusable in a private mount
    namespace: /dev/null mounted over it, for that process only."""
    real = library_file("libxcb-cursor.so.0")
    if real is None:
        pytest.skip("libxcb-cursor0 is not installed: nothing to hide")
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-m", "true"],
                                         capture_output=True).returncode != 0:
        pytest.skip("no private mount namespace here (unshare -m needs root)")
    hide = [unshare, "-m", "sh", "-c", 'mount --bind /dev/null "$1" && shift && exec "$@"',
            "sh", real]
    env = x11_env(display)
    bare = run([*hide, sys.executable, "-c", BARE_QT], env)
    assert bare.returncode != 0 and QT_ABORT in bare.stderr  # what users would get

    result = run([*hide, *app_command(tmp_path / "cabinet")], env)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("La fenêtre de Permanence ne peut pas s'ouvrir")
    assert "Bibliothèque absente : libxcb-cursor.so.0." in result.stderr
    assert "sudo apt install libxcb-cursor0\n" in result.stderr
    assert "sudo dnf install xcb-util-cursor\n" in result.stderr
    assert QT_ABORT not in result.stderr and "Traceback" not in result.stderr
    assert os.path.getsize(real) > 0  # the mount stayed in that namespace
