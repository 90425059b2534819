"""The month overview: one cell per day with its load, to pick a day to open.

``MonthOverview`` is painted (weeks × Monday..Sunday) from plain ``MonthDay`` values and
answers with signals; it never reads the database. A click or Enter on a day emits
``day_activated(date)``; arrows move the selection, and moving past the weeks shown (or
PageUp/PageDown) asks the page for the previous or next month.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.i18n import _, format_date, format_number, locale, ngettext
from app.ui.plain import tooltip


@dataclass(frozen=True, slots=True)
class MonthDay:
    """One day's load: appointments booked and minutes booked out of minutes open
    (all practitioners shown); ``holiday_name`` for a public holiday."""
    day: date
    booked_count: int = 0
    booked_minutes: int = 0
    open_minutes: int = 0
    holiday_name: str = ""

    @property
    def load(self) -> float:
        """Booked over open minutes (above 1 when overbooked)."""
        if self.open_minutes <= 0:
            return 1.0 if self.booked_minutes > 0 else 0.0
        return self.booked_minutes / self.open_minutes


def month_weeks(year: int, month: int) -> list[date]:
    """The Mondays of the weeks that show a day of the month (4 to 6 of them)."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def duration_text(minutes: int) -> str:
    """"5 h 30", "8 h", "45 min"."""
    hours, rest = divmod(max(0, minutes), 60)
    if not hours:
        return _("{minutes} min").format(minutes=rest)
    if not rest:
        return _("{hours} h").format(hours=hours)
    return _("{hours} h {minutes}").format(hours=hours, minutes=f"{rest:02d}")


def day_summary(info: MonthDay) -> str:
    """The tooltip of a day: its date, holiday and load in words."""
    lines = [format_date(info.day, "EEEE d MMMM y")]
    if info.holiday_name:
        lines.append(_("Public holiday: {name}").format(name=info.holiday_name))
    lines.append(ngettext("{n} appointment", "{n} appointments", info.booked_count)
                 .format(n=format_number(info.booked_count)))
    if info.open_minutes > 0:
        lines.append(_("{booked} booked of {open} open ({percent} %)").format(
            booked=duration_text(info.booked_minutes), open=duration_text(info.open_minutes),
            percent=format_number(round(100 * info.load))))
    elif not info.holiday_name:
        lines.append(_("Closed"))
    return "\n".join(lines)


class MonthOverview(QWidget):
    """Signals: ``day_activated(day: date)`` (click, Enter or Space),
    ``selection_changed(day: date)``, ``month_step_requested(step: int)`` (-1 or +1:
    show the previous or next month; the selection moved there is kept by ``set_month``)."""

    day_activated = Signal(object)
    selection_changed = Signal(object)
    month_step_requested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("MonthOverview")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(_("Month overview"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        today = date.today()
        self._year, self._month = today.year, today.month
        self._weeks = month_weeks(self._year, self._month)
        self._days: dict[date, MonthDay] = {}
        self._today: date | None = None
        self._selected = date(self._year, self._month, 1)
        self._pending: date | None = None
        self._pressed: date | None = None
        self._make_fonts()

    # ------------------------------------------------------------------ API

    def set_month(self, year: int, month: int, days=(), *, today: date | None = None) -> None:
        """Show a month with each day's load (``MonthDay``; days left out show no load).
        ``today`` (the practice's date) is highlighted."""
        self._year, self._month = year, month
        self._weeks = month_weeks(year, month)
        self._days = {d.day: d for d in days}
        self._today = today
        wanted = self._pending or self._selected
        self._pending = None
        if not (wanted.year == year and wanted.month == month):
            wanted = today if today and (today.year, today.month) == (year, month) else date(year, month, 1)
        self._set_selected(wanted)
        self.update()

    def month(self) -> tuple[int, int]:
        return self._year, self._month

    def selected_day(self) -> date:
        return self._selected

    def select_day(self, day: date) -> bool:
        """Select a day among those shown; False if it is not in the weeks shown."""
        if self.day_rect(day) is None:
            return False
        self._set_selected(day)
        return True

    def day_rect(self, day: date) -> QRect | None:
        """The cell of a day, in widget coordinates."""
        offset = (day - self._weeks[0]).days
        if not 0 <= offset < 7 * len(self._weeks):
            return None
        row, col = divmod(offset, 7)
        return self._cell(row, col)

    def day_at(self, x: int, y: int) -> date | None:
        top = self._header_height()
        if y < top or x < 0 or x >= self.width():
            return None
        col = min(6, int(x * 7 // max(1, self.width())))
        row = int((y - top) // self._row_height())
        if not 0 <= row < len(self._weeks):
            return None
        return self._weeks[row] + timedelta(days=col)

    # ------------------------------------------------------------------ geometry

    def sizeHint(self) -> QSize:
        return QSize(7 * 120, self._header_height() + 6 * 84)

    def minimumSizeHint(self) -> QSize:
        return QSize(7 * 44, self._header_height() + 6 * 40)

    def _header_height(self) -> int:
        return self._fm_header.height() + 10

    def _row_height(self) -> float:
        return max(1.0, (self.height() - self._header_height()) / max(1, len(self._weeks)))

    def _cell(self, row: int, col: int) -> QRect:
        top = self._header_height()
        x0 = col * self.width() // 7
        x1 = (col + 1) * self.width() // 7
        rh = self._row_height()
        y0 = top + int(row * rh)
        y1 = top + int((row + 1) * rh)
        return QRect(x0, y0, x1 - x0, y1 - y0)

    # ------------------------------------------------------------------ painting

    def _make_fonts(self) -> None:
        base = self.font()
        self._font_number = QFont(base)
        self._font_number.setWeight(QFont.Weight.Bold)
        self._font_header = QFont(base)
        self._font_header.setWeight(QFont.Weight.DemiBold)
        self._font_small = QFont(base)
        self._font_small.setPointSizeF(max(6.0, base.pointSizeF() - 1))
        self._font_holiday = QFont(self._font_small)
        self._font_holiday.setItalic(True)
        self._fm_number = QFontMetrics(self._font_number)
        self._fm_header = QFontMetrics(self._font_header)
        self._fm_small = QFontMetrics(self._font_small)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._make_fonts()
        super().changeEvent(event)

    def _weekday_names(self, width: int) -> list[str]:
        days = locale().days["format"]
        for kind in ("wide", "abbreviated", "narrow"):
            names = [days[kind][i] for i in range(7)]  # Babel counts from Monday
            if max(self._fm_header.horizontalAdvance(n) for n in names) <= width - 8:
                return names
        return [days["narrow"][i] for i in range(7)]

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#f8fafc"))
        top = self._header_height()
        p.setFont(self._font_header)
        p.setPen(QColor("#475569"))
        names = self._weekday_names(self.width() // 7)
        for col, name in enumerate(names):
            cell = self._cell(0, col)
            p.drawText(QRect(cell.x(), 0, cell.width(), top), Qt.AlignmentFlag.AlignCenter, name)
        clip = event.rect()
        for row, monday in enumerate(self._weeks):
            for col in range(7):
                cell = self._cell(row, col)
                if cell.intersects(clip):
                    self._paint_day(p, cell, monday + timedelta(days=col))
        p.setPen(QPen(QColor("#e5e7eb"), 1))
        p.drawLine(0, top - 1, self.width(), top - 1)
        p.end()

    def _paint_day(self, p: QPainter, cell: QRect, day: date) -> None:
        info = self._days.get(day)
        in_month = day.month == self._month
        holiday = info.holiday_name if info else ""
        closed = info is None or info.open_minutes <= 0
        bg = QColor("#ffffff")
        if not in_month:
            bg = QColor("#f3f4f6")
        elif holiday or closed:
            bg = QColor("#eceff3")
        inner = cell.adjusted(1, 1, -1, -1)
        p.fillRect(inner, bg)
        if holiday and in_month:
            p.fillRect(inner, QBrush(QColor("#c3c9d2"), Qt.BrushStyle.BDiagPattern))
        selected = day == self._selected
        if selected:
            p.fillRect(inner, QColor(29, 78, 216, 30))
        ink = QColor("#1f2937") if in_month else QColor("#9ca3af")
        pad = 6
        number = str(day.day)
        p.setFont(self._font_number)
        nw = self._fm_number.horizontalAdvance(number)
        nh = self._fm_number.height()
        if day == self._today:
            # Today: the number in a filled accent disc (reads as a black disc on paper).
            d = max(nw, nh) + 4
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#1d4ed8"))
            p.drawEllipse(inner.x() + pad - 3, inner.y() + pad - 2, d, d)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setPen(QColor("#ffffff"))
            p.drawText(QRect(inner.x() + pad - 3, inner.y() + pad - 2, d, d),
                       Qt.AlignmentFlag.AlignCenter, number)
        else:
            p.setPen(ink)
            p.drawText(inner.x() + pad, inner.y() + pad + self._fm_number.ascent(), number)
        room = inner.width() - 2 * pad
        y = inner.y() + pad + nh + 4
        if holiday:
            p.setFont(self._font_holiday)
            p.setPen(ink)
            p.drawText(inner.x() + pad, y + self._fm_small.ascent(),
                       self._fm_small.elidedText(holiday, Qt.TextElideMode.ElideRight, room))
            y += self._fm_small.height()
        if info is not None and (info.booked_count or not closed):
            count = ngettext("{n} appt", "{n} appts", info.booked_count).format(
                n=format_number(info.booked_count))
            p.setFont(self._font_small)
            p.setPen(ink)
            if self._fm_small.horizontalAdvance(count) > room - nw - 6:
                count = format_number(info.booked_count)  # "23" when "23 RDV" does not fit
            text = self._fm_small.elidedText(count, Qt.TextElideMode.ElideRight,
                                             room - nw - 6)
            tw = self._fm_small.horizontalAdvance(text)
            p.drawText(inner.right() - pad - tw + 1, inner.y() + pad + self._fm_small.ascent(), text)
            bar_h = max(4, min(8, inner.height() // 10))
            bar = QRect(inner.x() + pad, inner.bottom() - pad - bar_h + 1, room, bar_h)
            if bar.top() > y and room > 8:
                load = info.load
                p.fillRect(bar, QColor("#e5e7eb"))
                filled = QRect(bar.x(), bar.y(), int(bar.width() * min(1.0, load)), bar_h)
                colour = "#b45309" if load >= 0.9 else "#1d4ed8"
                p.fillRect(filled, QColor(colour))
                p.setPen(QPen(QColor("#6b7280"), 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(bar.adjusted(0, 0, -1, -1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        if selected:
            p.setPen(QPen(QColor("#1d4ed8"), 2))
            p.drawRect(inner.adjusted(1, 1, -1, -1))
            if self.hasFocus():
                p.setPen(QPen(QColor("#1d4ed8"), 1, Qt.PenStyle.DotLine))
                p.drawRect(inner.adjusted(3, 3, -4, -4))
        p.setPen(QPen(QColor("#e5e7eb"), 1))
        p.drawRect(cell.adjusted(0, 0, -1, -1))

    # ------------------------------------------------------------------ interaction

    def _set_selected(self, day: date) -> None:
        if day != self._selected:
            old = self.day_rect(self._selected)
            self._selected = day
            self.update(old or self.rect())
            new = self.day_rect(day)
            self.update(new or self.rect())
            self.selection_changed.emit(day)
        info = self._days.get(day, MonthDay(day))
        self.setAccessibleDescription(day_summary(info))

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position().toPoint()
        self._pressed = self.day_at(pos.x(), pos.y())
        if self._pressed is not None:
            self._set_selected(self._pressed)

    def mouseReleaseEvent(self, event) -> None:
        pos = event.position().toPoint()
        day = self.day_at(pos.x(), pos.y())
        if event.button() == Qt.MouseButton.LeftButton and day is not None and day == self._pressed:
            self.day_activated.emit(day)
        self._pressed = None

    def keyPressEvent(self, event) -> None:
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -7, Qt.Key.Key_Down: 7}
        key = event.key()
        if key in steps:
            self._move_to(self._selected + timedelta(days=steps[key]))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.day_activated.emit(self._selected)
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            step = -1 if key == Qt.Key.Key_PageUp else 1
            self._pending = _same_day_other_month(self._selected, step)
            self.month_step_requested.emit(step)
        elif key == Qt.Key.Key_Home:
            self._move_to(date(self._year, self._month, 1))
        elif key == Qt.Key.Key_End:
            self._move_to(date(self._year, self._month, calendar.monthrange(self._year, self._month)[1]))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _move_to(self, day: date) -> None:
        if (day.year, day.month) != (self._year, self._month):
            # Into another month: the page shows it, and set_month selects this day.
            self._pending = day
            self.month_step_requested.emit(1 if day > self._selected else -1)
            if self.day_rect(day) is not None:
                self._set_selected(day)
            return
        self._set_selected(day)

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.update()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()
            day = self.day_at(pos.x(), pos.y())
            if day is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(),
                                  tooltip(day_summary(self._days.get(day, MonthDay(day)))), self)
            return True
        return super().event(event)


def _same_day_other_month(day: date, step: int) -> date:
    month = day.month + step
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
