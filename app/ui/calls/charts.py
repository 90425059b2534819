"""The Statistiques page's two charts, painted with QPainter.

Qt Charts is not in PySide6-Essentials (it is in the Addons wheel, tens of megabytes
more to ship and to keep patched) and a plotting library would bring its own stack for
two small drawings: a heat map (a grid of coloured cells) and bars are a few dozen
lines of painting, print the same on every platform and read well in the offscreen
screenshots.

Both widgets are given their numbers (``set_data``) and hold no service.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.i18n import _

LOW, HIGH = QColor("#eff6ff"), QColor("#1d4ed8")  # no call … the busiest hour
TEXT, GRID = QColor("#374151"), QColor("#e5e7eb")
BAR = QColor("#2563eb")


def weekday_names() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def _mix(low: QColor, high: QColor, t: float) -> QColor:
    return QColor(round(low.red() + (high.red() - low.red()) * t),
                  round(low.green() + (high.green() - low.green()) * t),
                  round(low.blue() + (high.blue() - low.blue()) * t))


class HeatMap(QWidget):
    """Calls per weekday (rows) and hour (columns), ``first_hour`` to ``last_hour``; the
    busier the hour, the darker its cell; each cell says its count."""

    def __init__(self, parent=None, *, first_hour: int = 7, last_hour: int = 20) -> None:
        super().__init__(parent)
        self.setObjectName("HeatMap")
        self.setAccessibleName(_("Calls per weekday and hour"))
        self.first_hour, self.last_hour = first_hour, last_hour
        self.heat: tuple[tuple[int, ...], ...] = tuple((0,) * 24 for _ in range(7))
        self.setMinimumSize(QSize(480, 190))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, heat) -> None:
        self.heat = heat
        # Hours with calls outside the usual day widen the grid.
        busy = [h for h in range(24) if any(row[h] for row in heat)]
        if busy:
            self.first_hour = min(7, busy[0])
            self.last_hour = max(20, busy[-1] + 1)
        self.update()

    def cell_count(self) -> int:
        return 7 * (self.last_hour - self.first_hour)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        left, top, bottom = 44, 4, 20
        hours = list(range(self.first_hour, self.last_hour))
        w = (self.width() - left - 4) / max(1, len(hours))
        h = (self.height() - top - bottom) / 7
        peak = max((max(row) for row in self.heat), default=0)
        names = weekday_names()
        for d, row in enumerate(self.heat):
            y = top + d * h
            p.setPen(TEXT)
            p.drawText(QRectF(0, y, left - 6, h), int(Qt.AlignmentFlag.AlignRight
                                                      | Qt.AlignmentFlag.AlignVCenter), names[d])
            for i, hour in enumerate(hours):
                n = row[hour]
                rect = QRectF(left + i * w, y, w - 1, h - 1)
                colour = _mix(LOW, HIGH, n / peak) if peak else LOW
                p.fillRect(rect, colour if n else QColor("#f9fafb"))
                if n:
                    p.setPen(QColor("white") if peak and n / peak > 0.55 else TEXT)
                    p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), str(n))
        p.setPen(TEXT)
        for i, hour in enumerate(hours):
            p.drawText(QRectF(left + i * w, self.height() - bottom, w, bottom),
                       int(Qt.AlignmentFlag.AlignCenter), f"{hour} h")
        p.end()


class HourBars(QWidget):
    """Calls per hour of the day over the period (every weekday together)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("HourBars")
        self.setAccessibleName(_("Calls per hour"))
        self.counts: list[int] = [0] * 24
        self.first_hour, self.last_hour = 7, 20
        self.setMinimumSize(QSize(300, 150))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, calls_per_hour: list[int], first_hour: int, last_hour: int) -> None:
        self.counts = list(calls_per_hour)
        self.first_hour, self.last_hour = first_hour, last_hour
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        left, top, bottom = 36, 8, 20
        hours = list(range(self.first_hour, self.last_hour))
        w = (self.width() - left - 4) / max(1, len(hours))
        plot_h = self.height() - top - bottom
        peak = max((self.counts[hour] for hour in hours), default=0)
        p.setPen(QPen(GRID))
        for k in range(5):
            y = top + plot_h * k / 4
            p.drawLine(left, round(y), self.width() - 4, round(y))
        p.setPen(TEXT)
        p.drawText(QRectF(0, top - 6, left - 4, 14), int(Qt.AlignmentFlag.AlignRight), str(peak))
        # Narrow bars: every other hour named, without its "h".
        step = 1 if w >= 34 else 2
        for i, hour in enumerate(hours):
            n = self.counts[hour]
            bar = plot_h * n / peak if peak else 0
            p.fillRect(QRectF(left + i * w + w * 0.15, top + plot_h - bar, w * 0.7, bar), BAR)
            if hour % step == 0:
                p.setPen(TEXT)
                p.drawText(QRectF(left + (i - 0.5) * w, self.height() - bottom, 2 * w, bottom),
                           int(Qt.AlignmentFlag.AlignCenter),
                           f"{hour} h" if step == 1 else str(hour))
        p.end()
