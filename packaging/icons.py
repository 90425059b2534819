#!/usr/bin/env python3
"""The application's icons, drawn from resources/permanence.svg at build time with Qt's
SVG renderer (QtSvg, part of PySide6-Essentials): nothing generated is kept in the
checkout.

    python3 packaging/icons.py OUT_DIR

writes into OUT_DIR:
  permanence.ico                          Windows (16 to 256 px, PNG-compressed entries)
  permanence.icns                         macOS (16 to 1024 px, the Retina sizes included)
  hicolor/NxN/apps/permanence.png         Linux, the freedesktop icon theme's layout
Run by packaging/permanence.spec; Qt's offscreen platform, so no display is needed.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "permanence.svg"

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# (type, pixels): the ICNS entries that hold PNG data, 1x and Retina.
ICNS_TYPES = (("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256),
              ("ic09", 512), ("ic10", 1024), ("ic11", 32), ("ic12", 64), ("ic13", 256),
              ("ic14", 512))
LINUX_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def renderer():
    """A function drawing the SVG as PNG bytes of a given size."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (kept alive)
    svg = QSvgRenderer(str(SVG))
    if not svg.isValid():
        raise SystemExit(f"Cannot read {SVG}")

    def png(size: int) -> bytes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        svg.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data)

    return png


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (read by Windows Vista and later)."""
    sizes = sorted(images)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = images[size]
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def icns(images: dict[int, bytes]) -> bytes:
    body = b"".join(kind.encode("ascii") + struct.pack(">I", 8 + len(images[size]))
                    + images[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def build(out: Path) -> list[Path]:
    png = renderer()
    sizes = sorted(set(ICO_SIZES) | {s for _k, s in ICNS_TYPES} | set(LINUX_SIZES))
    images = {size: png(size) for size in sizes}
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "permanence.ico", out / "permanence.icns"]
    written[0].write_bytes(ico({s: images[s] for s in ICO_SIZES}))
    written[1].write_bytes(icns(images))
    for size in LINUX_SIZES:
        path = out / "hicolor" / f"{size}x{size}" / "apps" / "permanence.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(images[size])
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    for path in build(Path(sys.argv[1])):
        print(path)
