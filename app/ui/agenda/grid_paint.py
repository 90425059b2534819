"""Painting the agenda grid, shared by the screen widget and the printed page.

Everything is drawn in logical pixels with pixel-sized fonts, so the same code draws on
the screen (Qt scales for high-DPI) and on a 1200-dpi PDF page (``paint_grid`` scales
the painter to 96 logical dpi). Items are drawn in passes (boxes, then each kind of
text) so the painter changes font and pen a few times per paint, not per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QLine, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontInfo, QFontMetrics, QImage, QPainter, QPen

from app.i18n import current_language, format_date
from app.ui.agenda.grid_data import GridData, hhmm, status_legend
from app.ui.agenda.grid_layout import Cursor, GridGeometry, GridIndex
from app.ui.agenda.grid_scene import ItemScene

_DAY_FORMATS = ("EEEE d MMMM", "EEE d MMM", "EEE d", "d")


@dataclass(frozen=True, slots=True)
class Ghost:
    """A drag in progress: where the item (or the new booking) would go."""
    slot: int
    start_min: int
    end_min: int
    colour: str
    label: str
    source_id: str = ""


@dataclass(slots=True)
class PaintState:
    """What the widget adds to the data: selection, cursor, drag preview, now line."""
    selected: str = ""
    cursor: Cursor | None = None
    cursor_length: int = 15
    ghost: Ghost | None = None
    now: tuple[date, int] | None = None
    focused: bool = False


class GridStyle:
    """Colours, fonts and their metrics for one target, with an elision cache (eliding
    is the costly part of drawing text; the same texts come back at every paint)."""

    def __init__(self, base_pixel_size: int, family: str = "", *, for_print: bool = False) -> None:
        self.for_print = for_print
        px = max(9, base_pixel_size)

        def font(size: int, weight=QFont.Weight.Normal, *, strike: bool = False,
                 italic: bool = False) -> QFont:
            f = QFont(family) if family else QFont()
            f.setPixelSize(size)
            f.setWeight(weight)
            f.setStrikeOut(strike)
            f.setItalic(italic)
            return f

        self.title_font = font(px, QFont.Weight.DemiBold)
        self.struck_font = font(px, strike=True)
        self.text_font = font(px)
        # Status marks larger than the text: read at a glance from across the desk.
        self.glyph_font = font(px + 3, QFont.Weight.Bold)
        self.header_font = font(px, QFont.Weight.DemiBold)
        self.sub_font = font(px - 2)
        self.ruler_font = font(px - 1, QFont.Weight.DemiBold)
        self.half_font = font(px - 3)
        self.band_font = font(px - 2, italic=True)
        self.fm = {id(f): QFontMetrics(f) for f in (
            self.title_font, self.struck_font, self.text_font, self.glyph_font,
            self.header_font, self.sub_font, self.ruler_font, self.half_font, self.band_font)}
        self.line = QFontMetrics(self.title_font).height()
        self.text_line = QFontMetrics(self.text_font).height()
        self.ruler_width = QFontMetrics(self.ruler_font).horizontalAdvance("00:00") + 14
        self._elided: dict[tuple[int, str, int], str] = {}
        self._advance: dict[tuple[int, str], int] = {}
        self._colours: dict[tuple[str, float], QColor] = {}
        self.day_labels: dict[tuple, str] = {}  # Babel formatting is slow for every paint

        grey = for_print
        self.ink = QColor("#000000" if grey else "#1f2937")
        self.muted = QColor("#555555" if grey else "#6b7280")
        self.accent = QColor("#000000" if grey else "#1d4ed8")
        self.now_colour = QColor("#000000" if grey else "#dc2626")
        self.open_bg = QColor("#ffffff")
        self.closed_bg = QColor("#f2f2f2" if grey else "#eceff3")
        self.hatch = _hatch(self.closed_bg, QColor("#b0b0b0" if grey else "#c3c9d2"),
                            vector=for_print)
        # Text inside a box: the name in ink, the motif (and a cancelled name) in a
        # dark grey that keeps 4.5:1 (WCAG AA) on every fill ``box_fill`` gives.
        self.box_muted = QColor("#333333" if grey else "#374151")
        self.no_show_lines = QColor("#a8a8a8" if grey else "#c0c6cf")
        self.no_show_hatch = QBrush(self.no_show_lines, Qt.BrushStyle.DiagCrossPattern)
        self.header_bg = QColor("#ffffff" if grey else "#f8fafc")
        self.border = QColor("#9a9a9a" if grey else "#d5dae1")
        self.hour_pen = QPen(QColor("#9a9a9a" if grey else "#d5dae1"), 1)
        self.half_pen = QPen(QColor("#cfcfcf" if grey else "#e6e9ee"), 1)
        self.quarter_pen = QPen(QColor("#e6e6e6" if grey else "#f2f4f7"), 1)
        self.slot_pen = QPen(QColor("#c8c8c8" if grey else "#e2e8f0"), 1)
        self.day_pen = QPen(QColor("#555555" if grey else "#94a3b8"), 2)
        self.box_border = QColor("#707070" if grey else "#a3abb8")
        self.strong_pen = QPen(self.ink, 2)
        self.stronger_pen = QPen(self.ink, 3)
        self.cancel_pen = QPen(self.muted, 1, Qt.PenStyle.DashLine)
        self.select_pen = QPen(self.accent, 2)
        self.focus_pen = QPen(self.accent, 1, Qt.PenStyle.DotLine)
        self.cursor_fill = QColor(29, 78, 216, 40)

    @classmethod
    def for_widget(cls, font: QFont) -> GridStyle:
        return cls(QFontInfo(font).pixelSize(), font.family())

    def metrics(self, font: QFont) -> QFontMetrics:
        return self.fm[id(font)]

    def elide(self, font: QFont, text: str, width: int) -> str:
        key = (id(font), text, width)
        found = self._elided.get(key)
        if found is None:
            if len(self._elided) > 50_000:  # a long day of scrolling and resizing
                self._elided.clear()
            found = self.fm[id(font)].elidedText(text, Qt.TextElideMode.ElideRight, max(0, width))
            self._elided[key] = found
        return found

    def advance(self, font: QFont, text: str) -> int:
        key = (id(font), text)
        found = self._advance.get(key)
        if found is None:
            found = self._advance[key] = self.fm[id(font)].horizontalAdvance(text)
        return found

    def tint(self, colour: str, amount: float) -> QColor:
        """``colour`` mixed with white (amount 1 = the colour itself)."""
        key = (colour, amount)
        found = self._colours.get(key)
        if found is None:
            base = QColor(colour)
            if not base.isValid():
                base = QColor("#5b8def")
            if self.for_print and amount < 1:
                amount *= 0.6  # a light tint survives a black-and-white printer as pale grey
            found = QColor(int(255 - (255 - base.red()) * amount),
                           int(255 - (255 - base.green()) * amount),
                           int(255 - (255 - base.blue()) * amount))
            self._colours[key] = found
        return found

    def box_fill(self, colour: str, amount: float) -> QColor:
        """The fill of a box: ``tint(colour, amount)``, lightened as far as needed for
        the box's text (``box_muted``, the lightest of it) to keep a contrast of 4.5:1
        whatever colour the practice chose for the motif."""
        key = ("fill", colour, amount)
        found = self._colours.get(key)
        if found is None:
            found = QColor(self.tint(colour, amount))
            while contrast_ratio(self.box_muted, found) < MIN_CONTRAST and found != WHITE:
                found = QColor(min(255, found.red() + 8), min(255, found.green() + 8),
                               min(255, found.blue() + 8))
            self._colours[key] = found
        return found

    def header_height(self, index: GridIndex) -> int:
        rows = 0
        if len(index.days) > 1:
            rows += self.line + 8
        if index.columns_per_day > 1 or len(index.days) <= 1:
            rows += self.line + 6
            if len(index.days) <= 1 and any(c.subtitle for c in index.columns):
                rows += self.metrics(self.sub_font).height()
        return rows + 4  # the practitioners' colour strip


MIN_CONTRAST = 4.5  # WCAG AA for text of normal size
WHITE = QColor("#ffffff")


def relative_luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green())
            + 0.0722 * channel(colour.blue()))


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio (1 to 21) of two opaque colours."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _hatch(background: QColor, lines: QColor, *, vector: bool) -> QBrush:
    """Diagonal hatching over ``background``. On screen an opaque tile: filled many
    times faster than a transparent pattern brush; on paper the vector pattern."""
    if vector:
        return QBrush(lines, Qt.BrushStyle.BDiagPattern)
    size = 64  # a small tile repeats too often to be fast; 64 px lines up with 8 px lines
    tile = QImage(size, size, QImage.Format.Format_RGB32)
    tile.fill(background)
    for y in range(size):
        for x in range(size - 1 - y, -1, -8):
            tile.setPixelColor(x, y, lines)
        for x in range(size - 1 - y + 8, size, 8):
            tile.setPixelColor(x, y, lines)
    return QBrush(tile)


def day_label(style: GridStyle, day: date, width: int) -> str:
    """The longest form of the day's name that fits: "lundi 3 novembre" … "3"."""
    key = (day, width, current_language())
    found = style.day_labels.get(key)
    if found is None:
        font = style.header_font
        found = next((text for text in (format_date(day, fmt) for fmt in _DAY_FORMATS)
                      if style.advance(font, text) <= width), None)
        if found is None:
            found = style.elide(font, format_date(day, "d"), width)
        if len(style.day_labels) > 1000:
            style.day_labels.clear()
        style.day_labels[key] = found
    return found


def column_label(style: GridStyle, title: str, width: int) -> str:
    """The practitioner's name, else the last word of it ("Morel" for "Dr Claire
    Morel"), elided, else its initial: never a lone ellipsis."""
    font = style.header_font
    if style.advance(font, title) <= width:
        return title
    words = title.split()
    short = words[-1] if words else title
    text = style.elide(font, short, width)
    if text in ("", "…", "..."):
        return short[:1] if style.advance(font, short[:1]) <= width + 2 else ""
    return text


def paint_body(p: QPainter, index: GridIndex, geom: GridGeometry, style: GridStyle,
               state: PaintState, clip: QRect, scene: ItemScene | None = None) -> ItemScene:
    """Backgrounds, lines, appointments, cursor, drag preview and now line, within clip.
    Returns the scene of the appointments, for the next paint to reuse while it fits."""
    if scene is None or not scene.fits(index, geom, style):
        scene = ItemScene(index, geom, style)
    body = QRect(geom.left, geom.top, geom.body_width, geom.body_height).intersected(clip)
    if body.isEmpty() or index.slot_count == 0:
        return scene
    p.save()
    p.setClipRect(body)
    slots = geom.visible_slots(body.left(), body.right() + 1)
    m0, m1 = geom.visible_minutes(body.top(), body.bottom() + 1)
    y_end = geom.y_at(geom.end_min)
    _paint_backgrounds(p, index, geom, style, slots, body)
    _paint_lines(p, index, geom, style, slots, body, m0, m1, y_end)
    dx, dy = geom.left - geom.scroll_x, geom.top - geom.scroll_y
    p.translate(dx, dy)
    faded = state.ghost.source_id if state.ghost is not None else ""
    scene.paint(p, slots, body.top() - dy, body.bottom() + 1 - dy, selected=state.selected,
                faded=faded, focused=state.focused)
    p.translate(-dx, -dy)
    if state.cursor is not None and state.cursor.slot in slots:
        _paint_cursor(p, geom, style, state)
    if state.now is not None:
        _paint_now(p, index, geom, style, state.now, slots)
    if state.ghost is not None:
        _paint_ghost(p, geom, style, state.ghost)
    p.restore()
    return scene


def _paint_backgrounds(p, index, geom, style, slots, body) -> None:
    """Closed time grey, open hours white, marked bands (absence, holiday) hatched."""
    p.fillRect(body, style.closed_bg)
    opened, marked = [], []
    for s in slots:
        x0 = geom.slot_left(s)
        w = geom.slot_left(s + 1) - x0
        content = index.slots[s]
        for a, b in content.open_ranges:
            ya = geom.y_at(max(a, geom.start_min))
            yb = geom.y_at(min(b, geom.end_min))
            if yb > ya:
                opened.append(QRect(x0, ya, w, yb - ya))
        for band in content.marked:
            ya = geom.y_at(max(band.start_min, geom.start_min))
            yb = geom.y_at(min(band.end_min, geom.end_min))
            if yb > ya:
                marked.append(QRect(x0, ya, w, yb - ya))
    p.setPen(Qt.PenStyle.NoPen)
    if style.for_print:  # the vector hatching is transparent: lay the grey under it
        p.setBrush(style.closed_bg)
        p.drawRects(marked)
    for brush, rects in ((style.open_bg, opened), (style.hatch, marked)):
        if rects:
            p.setBrush(brush)
            p.drawRects(rects)
    # Band labels on top of the hatching, kept in view while the band is scrolled past.
    p.setFont(style.band_font)
    p.setPen(style.ink)
    fm = style.metrics(style.band_font)
    for s in slots:
        x0 = geom.slot_left(s)
        w = geom.slot_left(s + 1) - x0
        for band in index.slots[s].marked:
            if not band.label:
                continue
            ya = max(geom.y_at(max(band.start_min, geom.start_min)), geom.top)
            yb = geom.y_at(min(band.end_min, geom.end_min))
            if yb - ya < fm.height() + 2 or w < 16:
                continue
            text = style.elide(style.band_font, band.label, w - 8)
            tw = style.advance(style.band_font, text)
            p.fillRect(x0 + 2, ya + 2, tw + 4, fm.height(), style.open_bg)
            p.drawText(x0 + 4, ya + 2 + fm.ascent(), text)


def _paint_lines(p, index, geom, style, slots, body, m0, m1, y_end) -> None:
    x0 = max(geom.slot_left(slots.start), body.left())
    x1 = min(geom.slot_left(slots.stop), body.right() + 1)
    hours, halves, quarters = [], [], []
    fine = geom.px_per_min * 15 >= 12
    for m in range(int(m0) // 15 * 15, int(m1) + 15, 15):
        if m < geom.start_min or m > geom.end_min:
            continue
        y = geom.y_at(m)
        line = QLine(x0, y, x1, y)
        if m % 60 == 0:
            hours.append(line)
        elif m % 30 == 0:
            halves.append(line)
        elif fine:
            quarters.append(line)
    for pen, lines in ((style.quarter_pen, quarters), (style.half_pen, halves),
                       (style.hour_pen, hours)):
        if lines:
            p.setPen(pen)
            p.drawLines(lines)
    y0 = geom.y_at(geom.start_min)
    slot_lines, day_lines = [], []
    for s in range(slots.start, slots.stop + 1):
        x = geom.slot_left(s)
        line = QLine(x, y0, x, y_end)
        (day_lines if s % index.columns_per_day == 0 else slot_lines).append(line)
    p.setPen(style.slot_pen)
    p.drawLines(slot_lines)
    p.setPen(style.day_pen)
    p.drawLines(day_lines)


def _paint_cursor(p, geom, style, state) -> None:
    c = state.cursor
    x, y, w, h = geom.range_box(c.slot, c.minute, c.minute + state.cursor_length)
    p.fillRect(x, y, w, h, style.cursor_fill)
    p.setPen(style.select_pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(x, y, w - 1, h - 1)
    if state.focused:
        p.setPen(style.focus_pen)
        p.drawRect(x - 2, y - 2, w + 3, h + 3)
    if h >= style.text_line and w > 30:
        p.setFont(style.text_font)
        p.setPen(style.accent)
        p.drawText(x + 4, y + style.metrics(style.text_font).ascent(), hhmm(c.minute))


def _paint_ghost(p, geom, style, ghost: Ghost) -> None:
    x, y, w, h = geom.range_box(ghost.slot, ghost.start_min, ghost.end_min)
    fill = QColor(style.tint(ghost.colour, 0.5))
    fill.setAlpha(200)
    p.fillRect(x, y, w, h, fill)
    p.setPen(QPen(style.accent, 2, Qt.PenStyle.DashLine))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(x + 1, y + 1, w - 2, h - 2)
    text = f"{hhmm(ghost.start_min)}–{hhmm(ghost.end_min)} {ghost.label}".strip()
    p.setFont(style.title_font)
    p.setPen(style.ink)
    fm = style.metrics(style.title_font)
    p.drawText(x + 5, y + 2 + fm.ascent(), style.elide(style.title_font, text, w - 8))


def _paint_now(p, index, geom, style, now, slots) -> None:
    day, minute = now
    if not geom.start_min <= minute <= geom.end_min:
        return
    d = index.days.index(day) if day in index.days else -1
    if d < 0:
        return
    first, last = d * index.columns_per_day, (d + 1) * index.columns_per_day
    y = geom.y_at(minute)
    p.setPen(QPen(style.now_colour, 2))
    p.drawLine(geom.slot_left(first), y, geom.slot_left(last), y)
    p.setBrush(style.now_colour)
    p.drawEllipse(geom.slot_left(first) - 3, y - 3, 6, 6)


def paint_ruler(p: QPainter, geom: GridGeometry, style: GridStyle, state: PaintState) -> None:
    """Hours (and half hours when there is room) down the left, over the body's scroll."""
    p.save()
    p.setClipRect(0, geom.top, geom.left, geom.body_height)
    p.fillRect(0, geom.top, geom.left, geom.body_height, style.header_bg)
    m0, m1 = geom.visible_minutes()
    fm = style.metrics(style.ruler_font)
    half_fm = style.metrics(style.half_font)
    show_half = geom.px_per_min * 30 >= fm.height() + half_fm.height()
    right = geom.left - 6
    for m in range(int(m0) // 30 * 30, int(m1) + 30, 30):
        if m < geom.start_min or m >= geom.end_min:
            continue
        y = geom.y_at(m)
        if m % 60 == 0:
            p.setFont(style.ruler_font)
            p.setPen(style.ink)
            text = hhmm(m)
            p.drawText(right - style.advance(style.ruler_font, text), y + fm.ascent() + 1, text)
        elif show_half:
            p.setFont(style.half_font)
            p.setPen(style.muted)
            text = hhmm(m)
            p.drawText(right - style.advance(style.half_font, text), y + half_fm.ascent() + 1, text)
    if state.now is not None:
        minute = state.now[1]
        if geom.start_min <= minute <= geom.end_min:
            y = geom.y_at(minute)
            p.setPen(QPen(style.now_colour, 2))
            p.drawLine(geom.left - 8, y, geom.left, y)
    p.setPen(style.hour_pen)
    p.drawLine(geom.left - 1, geom.top, geom.left - 1, geom.height)
    p.restore()


def paint_header(p: QPainter, index: GridIndex, geom: GridGeometry, style: GridStyle,
                 state: PaintState) -> None:
    """Day names over their practitioners' sub-columns, then the practitioners."""
    p.save()
    p.fillRect(0, 0, geom.width, geom.top, style.header_bg)
    p.setClipRect(geom.left, 0, geom.body_width, geom.top)
    slots = geom.visible_slots()
    cpd = max(1, index.columns_per_day)
    today = state.now[0] if state.now else None
    y = 0
    if len(index.days) > 1 and slots:
        row_h = style.line + 8
        p.setFont(style.header_font)
        fm = style.metrics(style.header_font)
        for d in range(slots.start // cpd, (slots.stop - 1) // cpd + 1):
            x0, x1 = geom.slot_left(d * cpd), geom.slot_left((d + 1) * cpd)
            day = index.days[d]
            text = day_label(style, day, x1 - x0 - 8)
            p.setPen(style.accent if day == today else style.ink)
            tw = style.advance(style.header_font, text)
            p.drawText(x0 + max(4, (x1 - x0 - tw) // 2), y + 4 + fm.ascent(), text)
            if day == today:
                p.fillRect(x0 + 2, y + row_h - 3, x1 - x0 - 4, 2, style.accent)
            p.setPen(style.day_pen)
            p.drawLine(x0, 0, x0, geom.top)
        y += row_h
    if cpd > 1 or len(index.days) <= 1:
        single_day = len(index.days) <= 1
        fm = style.metrics(style.header_font)
        sub_fm = style.metrics(style.sub_font)
        for s in slots:
            x0, x1 = geom.slot_left(s), geom.slot_left(s + 1)
            column = index.column(s)
            p.setFont(style.header_font)
            p.setPen(style.ink)
            text = column_label(style, column.title, x1 - x0 - 8)
            tw = style.advance(style.header_font, text)
            p.drawText(x0 + max(4, (x1 - x0 - tw) // 2), y + 3 + fm.ascent(), text)
            if single_day and column.subtitle:
                p.setFont(style.sub_font)
                p.setPen(style.muted)
                text = style.elide(style.sub_font, column.subtitle, x1 - x0 - 8)
                tw = style.advance(style.sub_font, text)
                p.drawText(x0 + max(4, (x1 - x0 - tw) // 2),
                           y + 3 + fm.height() + sub_fm.ascent(), text)
            p.fillRect(x0 + 1, geom.top - 4, x1 - x0 - 2, 3, QColor(column.colour))
            p.setPen(style.day_pen if s % cpd == 0 else style.slot_pen)
            p.drawLine(x0, y, x0, geom.top)
    p.setClipping(False)
    p.setPen(style.hour_pen)
    p.drawLine(0, geom.top - 1, geom.width, geom.top - 1)
    p.restore()


def paint_grid(painter: QPainter, rect: QRect | QRectF, data: GridData, *,
               start_min: int = 7 * 60, end_min: int = 20 * 60, title: str = "",
               now: tuple[date, int] | None = None, legend: bool = True,
               base_pixel_size: int = 12) -> None:
    """Paint a whole day or week onto ``rect`` of any device (a QPrinter or QPdfWriter
    page, a QImage), fitted to it, in a style that survives a black-and-white printer:
    white background, black text, hatched closed time, status glyphs (explained by a
    legend at the foot when ``legend``)."""
    device = painter.device()
    scale = max(0.01, device.logicalDpiY() / 96) if device is not None else 1.0
    index = GridIndex(data)
    style = GridStyle(base_pixel_size, for_print=True)
    width = int(rect.width() / scale)
    height = int(rect.height() / scale)
    title_h = style.line + 10 if title else 0
    legend_text = status_legend() if legend else ""
    wrap = Qt.TextFlag.TextWordWrap
    legend_h = style.metrics(style.sub_font).boundingRect(
        QRect(0, 0, width, 1000), wrap, legend_text).height() + 6 if legend else 0
    top = style.header_height(index)
    body_h = max(1, height - title_h - legend_h - top - 1)
    geom = GridGeometry.fit(slot_count=index.slot_count, left=style.ruler_width, top=top,
                            width=width, height=top + body_h + 1, start_min=start_min,
                            end_min=end_min, px_per_min=body_h / max(1, end_min - start_min))
    painter.save()
    # 96 logical dpi whatever the device: pens and pixel-sized fonts keep their size.
    painter.translate(rect.x(), rect.y())
    painter.scale(scale, scale)
    painter.fillRect(0, 0, width, height, style.open_bg)
    if title:
        painter.setFont(style.header_font)
        painter.setPen(style.ink)
        painter.drawText(0, style.metrics(style.header_font).ascent() + 2,
                         style.elide(style.header_font, title, width))
    painter.translate(0, title_h)
    state = PaintState(now=now)
    paint_body(painter, index, geom, style, state, QRect(0, 0, width, geom.height))
    paint_header(painter, index, geom, style, state)
    paint_ruler(painter, geom, style, state)
    painter.setPen(style.hour_pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(0, 0, width - 1, geom.height - 1)
    if legend:
        painter.setFont(style.sub_font)
        painter.setPen(style.ink)
        painter.drawText(QRect(0, geom.height + 4, width, legend_h), wrap, legend_text)
    painter.restore()
