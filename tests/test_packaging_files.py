"""The files the builds are made of: the icons drawn from resources/permanence.svg, and
the per-user installers' settings (no administrator rights anywhere)."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


@pytest.fixture(scope="module")
def icons(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("icons")
    subprocess.run([sys.executable, str(PACKAGING / "icons.py"), str(out)], check=True,
                   capture_output=True, timeout=120)
    return out


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_windows_icon_holds_every_size_up_to_256(icons):
    data = (icons / "permanence.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        width, height, _c, _r, _p, _b, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i:22 + 16 * i])
        side = width or 256
        assert png_size(data[offset:offset + length]) == (side, height or 256)
        sizes.append(side)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_the_macos_icon_holds_the_retina_sizes(icons):
    data = (icons / "permanence.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    at, found = 8, {}
    while at < len(data):
        kind, length = data[at:at + 4].decode(), struct.unpack(">I", data[at + 4:at + 8])[0]
        found[kind] = png_size(data[at + 8:at + length])[0]
        at += length
    assert found["ic10"] == 1024 and found["icp4"] == 16 and found["ic14"] == 512


def test_the_linux_icons_follow_the_themes_layout_and_are_drawn(icons):
    from PySide6.QtGui import QColor, QImage

    for size in (16, 48, 256, 512):
        path = icons / "hicolor" / f"{size}x{size}" / "apps" / "permanence.png"
        assert png_size(path.read_bytes()) == (size, size)
    image = QImage(str(icons / "hicolor" / "64x64" / "apps" / "permanence.png"))
    # The blue square of the SVG in the middle, transparent corners.
    assert QColor(image.pixel(12, 32)).name() == "#1d4ed8"
    assert image.pixelColor(0, 0).alpha() == 0


def test_the_menu_entry_names_the_icon_installed_by_install_sh():
    desktop = (PACKAGING / "linux" / "permanence.desktop").read_text("utf-8")
    assert "\nIcon=permanence\n" in desktop
    script = (PACKAGING / "linux" / "install.sh").read_text("utf-8")
    assert "sudo" not in script and "$HOME/.local" in script


def test_the_windows_installer_never_asks_for_administrator_rights():
    iss = (PACKAGING / "windows" / "permanence.iss").read_text("utf-8")
    assert "\nPrivilegesRequired=lowest\n" in iss
    assert "\nDefaultDirName={localappdata}\\Programs\\Permanence\n" in iss
    assert "PrivilegesRequiredOverridesAllowed" not in iss.replace(
        "no PrivilegesRequiredOverridesAllowed", "")
    assert "HKLM" not in iss and "{commonprograms}" not in iss and "{pf}" not in iss
    assert "\nSetupIconFile=" in iss

