"""What Qt's X11 plugin needs from the system, read from the real plugin of the PySide6
wheel before Qt loads, and the message that names the packages to install."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from app import i18n
from app.ui.display import display_problem
from app.ui.shared_libraries import (
    NotElf, load_system_library, missing_libraries, read_dependencies,
)
from app.ui.x11_support import PACKAGES, PLUGIN_FILE, bundled_plugins_dir, find_plugin, \
    x11_problem

ROOT = Path(__file__).resolve().parents[2]
X11 = {"DISPLAY": ":5"}  # the process never connects: the check is done before Qt


def real_plugin() -> Path:
    folder = bundled_plugins_dir()
    plugin = folder / "platforms" / PLUGIN_FILE if folder else None
    if not sys.platform.startswith("linux") or plugin is None or not plugin.is_file():
        pytest.skip("no X11 plugin in this PySide6 (it has one on Linux only)")
    return plugin


def lacking(*names: str):
    """The system's loader, except that ``names`` cannot be found (as on a computer
    without their packages): glibc's answer is the soname that is missing."""
    def load(soname: str) -> str | None:
        return soname if soname in names else load_system_library(soname)
    return load


def elf(wide: bool, little: bool, needed: list[str], runpath: str) -> bytes:
    """A minimal ELF shared object: one PT_LOAD over the whole file, one PT_DYNAMIC."""
    end = "<" if little else ">"
    strings = b"\0"
    offsets = {}
    for name in [*needed, runpath]:
        offsets[name] = len(strings)
        strings += name.encode() + b"\0"
    ehsize, phsize = (64, 56) if wide else (52, 32)
    dyn_entry = end + ("qQ" if wide else "iI")
    tags = [(1, offsets[n]) for n in needed] + [(29, offsets[runpath])]
    dyn_at = ehsize + 2 * phsize
    str_at = dyn_at + struct.calcsize(dyn_entry) * (len(tags) + 2)
    vaddr = 0x10000
    tags += [(5, vaddr + str_at), (0, 0)]
    dynamic = b"".join(struct.pack(dyn_entry, t, v) for t, v in tags)
    total = str_at + len(strings)
    ident = b"\x7fELF" + bytes([2 if wide else 1, 1 if little else 2, 1]) + bytes(9)
    if wide:
        header = ident + struct.pack(end + "HHIQQQIHHHHHH", 3, 62, 1, 0, ehsize, 0, 0,
                                     ehsize, phsize, 2, 0, 0, 0)
        load = struct.pack(end + "IIQQQQQQ", 1, 5, 0, vaddr, vaddr, total, total, 0x1000)
        dyn = struct.pack(end + "IIQQQQQQ", 2, 6, dyn_at, vaddr + dyn_at, vaddr + dyn_at,
                          len(dynamic), len(dynamic), 8)
    else:
        header = ident + struct.pack(end + "HHIIIIIHHHHHH", 3, 3, 1, 0, ehsize, 0, 0,
                                     ehsize, phsize, 2, 0, 0, 0)
        load = struct.pack(end + "IIIIIIII", 1, 0, vaddr, vaddr, total, total, 5, 0x1000)
        dyn = struct.pack(end + "IIIIIIII", 2, dyn_at, vaddr + dyn_at, vaddr + dyn_at,
                          len(dynamic), len(dynamic), 6, 4)
    return header + load + dyn + dynamic + strings


@pytest.mark.parametrize("wide", [True, False], ids=["64-bit", "32-bit"])
@pytest.mark.parametrize("little", [True, False], ids=["little-endian", "big-endian"])
def test_needed_libraries_and_search_path_are_read_from_the_dynamic_section(tmp_path, wide,
                                                                            little):
    library = tmp_path / "libplugin.so"
    library.write_bytes(elf(wide, little, ["libxcb-cursor.so.0", "libQt6Gui.so.6"],
                            "$ORIGIN/../../lib:/opt/qt"))
    deps = read_dependencies(library)
    assert deps.needed == ("libxcb-cursor.so.0", "libQt6Gui.so.6")
    assert deps.search == (f"{tmp_path}/../../lib", "/opt/qt")


@pytest.mark.parametrize("content", [b"", b"#!/bin/sh\n", b"\x7fELF\x09\x01" + bytes(60),
                                     b"\x7fELF\x02\x01\x01" + bytes(9)])
def test_a_file_that_is_not_a_readable_library_is_refused(tmp_path, content):
    odd = tmp_path / "libqxcb.so"
    odd.write_bytes(content)
    with pytest.raises(NotElf):
        read_dependencies(odd)


def test_the_real_plugin_is_read_as_readelf_reads_it():
    plugin = real_plugin()
    deps = read_dependencies(plugin)
    assert "libxcb-cursor.so.0" in deps.needed and "libQt6XcbQpa.so.6" in deps.needed
    assert any((Path(d) / "libQt6XcbQpa.so.6").is_file() for d in deps.search)
    if shutil.which("readelf") is None:
        return
    dump = subprocess.run(["readelf", "-d", str(plugin)], capture_output=True, text=True,
                          check=True).stdout
    assert list(deps.needed) == re.findall(r"\(NEEDED\).*\[(.+)\]", dump)


def test_the_system_loader_names_the_library_it_cannot_find():
    assert load_system_library("libc.so.6") is None
    assert load_system_library("libpermanence-absent.so.3") == "libpermanence-absent.so.3"


def test_a_copy_of_the_plugin_needing_an_absent_library_is_caught_by_the_real_loader(tmp_path):
    """The real plugin, one of its needed sonames renamed in place (same length) to one
    no system has; its Qt libraries reached as in the wheel (../../lib)."""
    plugin = real_plugin()
    qt = tmp_path / "Qt"
    (qt / "plugins" / "platforms").mkdir(parents=True)
    (qt / "lib").symlink_to(plugin.parents[2] / "lib")
    data = plugin.read_bytes()
    assert data.count(b"libxcb-cursor.so.0\0") == 1
    copy = qt / "plugins" / "platforms" / PLUGIN_FILE
    copy.write_bytes(data.replace(b"libxcb-cursor.so.0\0", b"libxcb-cursxr.so.0\0"))
    assert "libxcb-cursxr.so.0" in missing_libraries(copy)
    # Loading the copy itself fails on that soname, which glibc names: it is the one said.
    assert load_system_library(str(copy)) == "libxcb-cursxr.so.0"
    message = x11_problem({**X11, "QT_PLUGIN_PATH": str(qt / "plugins")})
    assert message is not None
    assert "a besoin d'un fichier introuvable : libxcb-cursxr.so.0" in message
    assert str(copy) in message


def test_missing_system_libraries_are_named_with_their_packages():
    real_plugin()
    message = x11_problem(X11, load=lacking("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert message is not None
    assert message.startswith("La fenêtre de Permanence ne peut pas s'ouvrir")
    assert "Bibliothèques absentes : libxcb-icccm.so.4, libxcb-keysyms.so.1." in message
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in message
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in message
    i18n.set_language("en")
    english = x11_problem(X11, load=lacking("libxcb-cursor.so.0"))
    assert english is not None
    assert "Missing library: libxcb-cursor.so.0. Install its package" in english
    assert "sudo apt install libxcb-cursor0" in english
    assert "sudo dnf install xcb-util-cursor" in english


def test_packages_shared_by_several_libraries_are_named_once():
    real_plugin()
    message = x11_problem(X11, load=lacking("libxcb-shape.so.0", "libxcb-xkb.so.1"))
    assert message is not None
    assert "sudo apt install libxcb-shape0 libxcb-xkb1\n" in message
    assert message.endswith("sudo dnf install libxcb")


def test_nothing_is_said_when_every_library_loads():
    real_plugin()
    asked: list[str] = []

    def load(soname: str) -> str | None:
        asked.append(soname)
        return None

    assert x11_problem(X11, load=load) is None
    assert "libxcb-cursor.so.0" in asked  # the plugin's own needs were asked for...
    assert "libxcb-icccm.so.4" in asked  # ... and those of the Qt library it pulls in


@pytest.mark.parametrize("env", [
    {"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":5"},
    {"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":5"},
    {"DISPLAY": ":5", "WAYLAND_DISPLAY": "wayland-0"},  # Qt starts on Wayland there
    {"DISPLAY": ":5", "XDG_SESSION_TYPE": "wayland"},
    {"WAYLAND_DISPLAY": "wayland-0"},
], ids=["offscreen", "wayland-asked", "wayland-display", "wayland-session", "wayland-only"])
def test_the_x11_plugin_is_checked_only_when_qt_will_start_on_it(env):
    real_plugin()
    assert x11_problem(env, load=lacking("libxcb-cursor.so.0")) is None
    assert display_problem("/p", env, x11=lambda e: x11_problem(
        e, load=lacking("libxcb-cursor.so.0"))) is None


@pytest.mark.parametrize("env", [{"DISPLAY": ":5"}, {"QT_QPA_PLATFORM": "xcb"},
                                 {"QT_QPA_PLATFORM": "xcb:nograb", "DISPLAY": ":5"}])
def test_display_problem_reports_the_missing_package_before_qt_starts(env):
    real_plugin()
    problem = display_problem("/p", env, x11=lambda e: x11_problem(
        e, load=lacking("libxcb-cursor.so.0")))
    assert problem is not None and "libxcb-cursor0" in problem


def test_without_any_display_the_screenshot_hint_comes_first():
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    problem = display_problem("/p", {}, x11=lambda e: pytest.fail("X11 checked"))
    assert problem is not None and "screenshot --profile /p" in problem


def test_the_plugin_qt_loads_is_the_one_checked(tmp_path):
    """Qt takes QT_QPA_PLATFORM_PLUGIN_PATH, then QT_PLUGIN_PATH in order, then its own."""
    folders = {}
    for name in ("direct", "first/platforms", "second/platforms", "wheel/platforms"):
        folders[name] = tmp_path / name
        folders[name].mkdir(parents=True)
        (folders[name] / PLUGIN_FILE).write_bytes(b"")
    search = f"{tmp_path / 'empty'}:{tmp_path / 'first'}:{tmp_path / 'second'}"
    wheel = tmp_path / "wheel"
    assert find_plugin({}, wheel) == folders["wheel/platforms"] / PLUGIN_FILE
    assert find_plugin({"QT_PLUGIN_PATH": search}, wheel) == \
        folders["first/platforms"] / PLUGIN_FILE
    assert find_plugin({"QT_PLUGIN_PATH": search,
                        "QT_QPA_PLATFORM_PLUGIN_PATH": str(folders["direct"])}, wheel) == \
        folders["direct"] / PLUGIN_FILE
    assert find_plugin({}, None) is None


def test_a_plugin_that_cannot_be_read_is_left_to_qt(tmp_path):
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms" / PLUGIN_FILE).write_bytes(b"not a library")
    assert x11_problem(X11, bundled=lambda: tmp_path, load=lacking("libxcb.so.1")) is None
    assert x11_problem(X11, bundled=lambda: None) is None  # a Qt of the system


def test_every_library_the_plugin_needs_from_the_system_has_its_packages_in_readme():
    """So a missing one is named with its package, and README's lists stay complete."""
    real_plugin()
    asked: list[str] = []
    x11_problem(X11, load=lambda soname: asked.append(soname))
    base = re.compile(r"^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|libz|libzstd"
                      r"|ld-linux.*)\.so")
    unnamed = [s for s in asked if s not in PACKAGES and not base.match(s)]
    assert not unnamed, "add these to app/ui/x11_support.py PACKAGES"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for soname in asked:
        if soname in PACKAGES:
            debian, fedora = PACKAGES[soname]
            assert re.search(rf"apt-get install [^`]*{word(debian)}", readme), debian
            assert re.search(rf"dnf install [^`]*{word(fedora)}", readme), fedora


def word(package: str) -> str:
    return rf"(?<![\w.-]){re.escape(package)}(?![\w.-])"
