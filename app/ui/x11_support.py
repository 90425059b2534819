"""Whether Qt's X11 (xcb) platform plugin can load here, asked before Qt loads: when a
system library it needs is missing, Qt aborts with a message of its own that names no
package; this says which packages to install instead.

Cost at start: about 1.5 ms to read the ELF headers and 2 ms of imports; the rest (about
10 ms) is the system's loader mapping the libraries, which Qt needs mapped a moment later
anyway."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from app.i18n import _, ngettext
from app.models.text import one_line
from app.ui.shared_libraries import NotElf, load_system_library, missing_libraries

PLUGIN_FILE = "libqxcb.so"

# soname -> (Debian/Ubuntu package, Fedora package), for the libraries that the X11
# plugin of the PySide6 wheel and the Qt libraries it pulls in need from the system
# (readelf -d on Qt/plugins/platforms/libqxcb.so and Qt/lib/libQt6*.so.6).
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}


def uses_x11(environ: Mapping[str, str]) -> bool:
    """Whether Qt will start on its X11 plugin (its own choice when QT_QPA_PLATFORM is
    unset: Wayland first in a Wayland session, X11 when DISPLAY is set)."""
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    if not environ.get("DISPLAY"):
        return False
    return not (environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland")


def bundled_plugins_dir() -> Path | None:
    """The plugin folder of the PySide6 wheel (found without importing it), or None for
    a PySide6 that uses a Qt of the system (its package manager brings the libraries)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins"


def find_plugin(environ: Mapping[str, str], bundled: Path | None) -> Path | None:
    """The libqxcb.so Qt will load: QT_QPA_PLATFORM_PLUGIN_PATH first, then each folder
    of QT_PLUGIN_PATH, then the wheel's own (Qt takes the first one it finds)."""
    folders: list[Path] = []
    if environ.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        folders.append(Path(environ["QT_QPA_PLATFORM_PLUGIN_PATH"]))
    folders += [Path(p) / "platforms"
                for p in environ.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    if bundled is not None:
        folders.append(bundled / "platforms")
    return next((f / PLUGIN_FILE for f in folders if (f / PLUGIN_FILE).is_file()), None)


def x11_problem(environ: Mapping[str, str], *,
                bundled: Callable[[], Path | None] = bundled_plugins_dir,
                load: Callable[[str], str | None] = load_system_library) -> str | None:
    """What to install for Qt's X11 plugin to load, or None (nothing missing, another
    platform, or no plugin this can read: Qt then speaks for itself). ``bundled`` finds
    the wheel's plugin folder; ``load`` asks the system's loader for a soname."""
    if not uses_x11(environ):
        return None
    plugin = find_plugin(environ, bundled())
    if plugin is None:
        return None
    try:
        missing = missing_libraries(plugin, load)
    except (OSError, NotElf):
        return None
    if not missing:
        return None
    return missing_message(missing, plugin)


def missing_message(missing: list[str], plugin: Path) -> str:
    # The sonames come from files: shown as plain one-line text.
    known = [name for name in missing if name in PACKAGES]
    unknown = [one_line(name) for name in missing if name not in PACKAGES]
    parts = [_("The Permanence window cannot open: Qt's X11 support is incomplete on this "
               "computer.")]
    if known:
        debian = list(dict.fromkeys(PACKAGES[name][0] for name in known))
        fedora = list(dict.fromkeys(PACKAGES[name][1] for name in known))
        parts.append(ngettext(
            "Missing library: {libraries}. Install its package, then start Permanence again:\n"
            "    Debian, Ubuntu: sudo apt install {debian}\n"
            "    Fedora: sudo dnf install {fedora}",
            "Missing libraries: {libraries}. Install their packages, then start Permanence "
            "again:\n"
            "    Debian, Ubuntu: sudo apt install {debian}\n"
            "    Fedora: sudo dnf install {fedora}", len(known)).format(
            libraries=", ".join(known), debian=" ".join(debian), fedora=" ".join(fedora)))
    if unknown:
        parts.append(ngettext(
            "Qt's X11 plugin ({plugin}) needs a file that cannot be found: {libraries}. If it "
            "belongs to the copy of Qt installed with Permanence, install Permanence again; "
            "otherwise install the package of this system that provides it.",
            "Qt's X11 plugin ({plugin}) needs files that cannot be found: {libraries}. If "
            "they belong to the copy of Qt installed with Permanence, install Permanence "
            "again; otherwise install the packages of this system that provide them.",
            len(unknown)).format(plugin=one_line(str(plugin)), libraries=", ".join(unknown)))
    return "\n".join(parts)
