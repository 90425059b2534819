"""The appointments prepared for painting: boxes grouped by colour and pen, texts
already elided and placed, all in content coordinates (origin at the first slot's left
and the visible range's first minute).

Built once per layout (new data, a new width or zoom) and reused for every paint:
scrolling only translates the painter. A paint then costs a few dozen ``drawRects``
calls and one ``drawText`` per visible text, instead of a dozen Qt calls per item.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import replace

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from app.ui.agenda.grid_data import (
    FLAG_GLYPHS,
    STATUS_ARRIVED,
    STATUS_CANCELLED,
    STATUS_GLYPHS,
    STATUS_IN_CONSULTATION,
    STATUS_NO_SHOW,
    STATUS_SEEN,
    STATUSES,
)
from app.ui.agenda.grid_layout import GridGeometry, GridIndex

COLOUR_BAR = 4
# How much of the motif's colour tints a box, by status: a settled day looks calm, the
# patients in the building stand out.
_TINT = {STATUS_ARRIVED: 0.45, STATUS_IN_CONSULTATION: 0.6, STATUS_SEEN: 0.14,
         STATUS_NO_SHOW: 0.14, STATUS_CANCELLED: 0.06}
_DEFAULT_TINT = 0.32


def _look(status: str) -> tuple[str, int, float, float, str, bool]:
    """(border colour, border width, fill tint, bar tint, glyph, struck) of a status: the
    border also tells the status in black and white, bold for a patient in the building,
    bolder in consultation, dashed for a cancellation."""
    cancelled = status == STATUS_CANCELLED
    border, width = {STATUS_ARRIVED: ("strong", 2), STATUS_IN_CONSULTATION: ("strong", 3),
                     STATUS_CANCELLED: ("cancel", 1)}.get(status, ("normal", 1))
    return (border, width, _TINT.get(status, _DEFAULT_TINT), 0.35 if cancelled else 1.0,
            STATUS_GLYPHS.get(status, ""), cancelled)
_GLYPH, _TITLE, _STRUCK, _SUB = range(4)


class _Texts:
    """One slot's texts of one kind, in order of their box's top (for bisecting)."""

    __slots__ = ("tops", "entries")

    def __init__(self) -> None:
        self.tops: list[int] = []
        self.entries: list[tuple[int, int, str]] = []  # (x, baseline, text)

    def add(self, top: int, x: int, baseline: int, text: str) -> None:
        self.tops.append(top)
        self.entries.append((x, baseline, text))

    def between(self, y0: int, y1: int) -> list[tuple[int, int, str]]:
        return self.entries[bisect_left(self.tops, y0):bisect_right(self.tops, y1)]


class ItemScene:
    """The prepared appointments of one index at one layout."""

    def __init__(self, index: GridIndex, geom: GridGeometry, style) -> None:
        self.index, self.style, self.layout = index, style, layout_key(geom)
        content = replace(geom, left=0, top=0, scroll_x=0, scroll_y=0)
        self.boxes: dict[str, tuple[int, int, int, int]] = {}
        # Borders are drawn as a filled box under a smaller fill: filling is many times
        # faster than stroking a pen on the raster engine. Groups are keyed by what
        # decides their colour; the colours are looked up once per group at the end.
        outers: dict[str, list[QRect]] = defaultdict(list)
        fills: dict[tuple[str, float], list[QRect]] = defaultdict(list)
        bars: dict[tuple[str, float], list[QRect]] = defaultdict(list)
        self.no_show: list[QRect] = []
        self.dashed: list[QRect] = []
        self.texts = [[_Texts() for _ in range(4)] for _ in range(index.slot_count)]
        line_h, text_h = style.line, style.text_line
        title_ascent = style.metrics(style.title_font).ascent()
        text_ascent = style.metrics(style.text_font).ascent()
        glyph_fm = style.metrics(style.glyph_font)
        glyph_h, glyph_ascent = glyph_fm.height(), glyph_fm.ascent()
        # Below the width of a time a name would be a letter and an ellipsis: left out
        # (eliding is also the costly part of preparing a week of ten agendas).
        min_room = style.advance(style.title_font, "00:00")
        looks = {status: _look(status) for status in STATUSES}
        default_look = _look("")
        boxes = self.boxes

        for slot, content_slot in enumerate(index.slots):
            texts = self.texts[slot]
            placed = content_slot.placed
            for pl, (x, y, w, h) in zip(placed, content.boxes(placed)):
                item = pl.item
                boxes[item.id] = (x, y, w, h)
                border, width, tint, bar_tint, glyph, struck = looks.get(item.status, default_look)
                outers[border].append(QRect(x, y, w, h))
                bw = min(width, max(0, (min(w, h) - 2) // 2))
                inner = QRect(x + bw, y + bw, w - 2 * bw, h - 2 * bw)
                fills[(item.colour, tint)].append(inner)
                if item.status == STATUS_NO_SHOW:
                    self.no_show.append(inner)
                if struck:
                    self.dashed.append(QRect(x, y, w - 1, h - 1))
                if w > 8:
                    bars[(item.colour, bar_tint)].append(QRect(x, y, min(COLOUR_BAR, w // 4), h))
                room = w - COLOUR_BAR - 6
                if room < min_room or h < line_h - 3:
                    # Too narrow for a name (the tooltip tells): the status glyph alone.
                    if glyph and h >= glyph_h:
                        gw = style.advance(style.glyph_font, glyph)
                        if gw <= w - COLOUR_BAR - 2:
                            texts[_GLYPH].add(y, x + COLOUR_BAR + 1, y + 1 + glyph_ascent, glyph)
                    continue
                if item.flags:
                    glyph += "".join(FLAG_GLYPHS[f] for f in sorted(item.flags) if f in FLAG_GLYPHS)
                if glyph and w >= 30 and h >= glyph_h:
                    gw = style.advance(style.glyph_font, glyph)
                    if gw <= w - 24:
                        texts[_GLYPH].add(y, x + w - gw - 3, y + 1 + glyph_ascent, glyph)
                        room -= gw + 3
                font = style.struck_font if struck else style.title_font
                one_line = h < line_h + text_h
                text = item.title  # the time is on the ruler: the room goes to the name
                if one_line and item.subtitle:
                    text += f" · {item.subtitle}"
                text = _elided(style, font, text, room)
                if text:
                    texts[_STRUCK if struck else _TITLE].add(
                        y, x + COLOUR_BAR + 3, y + min(1, h - line_h) + title_ascent, text)
                if item.subtitle and not one_line:
                    text = _elided(style, style.text_font, item.subtitle, w - COLOUR_BAR - 6)
                    if text:
                        texts[_SUB].add(y, x + COLOUR_BAR + 3, y + 1 + line_h + text_ascent, text)
        border_colours = {"normal": style.box_border, "strong": style.ink, "cancel": style.open_bg}
        self.layers = [[(border_colours[k], v) for k, v in outers.items()],
                       [(style.box_fill(*k), v) for k, v in fills.items()]]
        self.bars = [(style.tint(*k), v) for k, v in bars.items()]

    def fits(self, index: GridIndex, geom: GridGeometry, style) -> bool:
        return self.index is index and self.style is style and self.layout == layout_key(geom)

    def paint(self, p: QPainter, slots: range, y0: int, y1: int, *, selected: str = "",
              faded: str = "", focused: bool = False) -> None:
        """Paint in content coordinates (the caller translated the painter); texts only
        for boxes whose top lies between ``y0`` and ``y1``."""
        style = self.style
        p.setPen(Qt.PenStyle.NoPen)
        for layer in self.layers:
            for colour, rects in layer:
                p.setBrush(colour)
                p.drawRects(rects)
        if self.no_show:
            p.setBrush(style.no_show_hatch)
            p.drawRects(self.no_show)
        for colour, rects in self.bars:
            p.setBrush(colour)
            p.drawRects(rects)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self.dashed:
            p.setPen(style.cancel_pen)
            p.drawRects(self.dashed)
        y0 -= style.line + 2
        for kind, font, pen in ((_GLYPH, style.glyph_font, style.ink),
                                (_TITLE, style.title_font, style.ink),
                                (_STRUCK, style.struck_font, style.box_muted),
                                (_SUB, style.text_font, style.box_muted)):
            p.setFont(font)
            p.setPen(pen)
            for slot in slots:
                for x, baseline, text in self.texts[slot][kind].between(y0, y1):
                    p.drawText(x, baseline, text)
        if faded in self.boxes:
            # The item being dragged stays in place, washed out under its preview.
            p.fillRect(*self.boxes[faded], QColor(255, 255, 255, 150))
        if selected in self.boxes:
            # Around the box, not over it: the text inside keeps its fill and contrast.
            x, y, w, h = self.boxes[selected]
            p.setPen(style.select_pen)
            p.drawRect(x - 1, y - 1, w + 1, h + 1)
            if focused:
                p.setPen(QPen(style.focus_pen))
                p.drawRect(x - 3, y - 3, w + 5, h + 5)


def _elided(style, font, text: str, width: int) -> str:
    """The text elided to ``width``; nothing rather than a lone ellipsis."""
    text = style.elide(font, text, width)
    return "" if text in ("…", "...") else text


def layout_key(geom: GridGeometry) -> tuple:
    """What of the geometry a scene depends on: the layout, not the scroll."""
    return geom.slot_width, geom.px_per_min, geom.start_min, geom.slot_count

