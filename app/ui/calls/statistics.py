"""The Statistiques page: the call indicators over a chosen period and practitioner.

A period (from, to; or one of: this week, this month, the last 30 days, this year) and
a practitioner (or all); the figures are computed off the UI thread (a year of a large
practice takes a moment) by ``Workspace.call_statistics`` and shown as tiles, a heat
map of the calls per weekday and hour, and the calls per hour. The definitions of the
figures are in README ("Indicateurs"); each tile's tooltip says its own.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, format_number
from app.models import kinds
from app.services.calls.statistics import Statistics
from app.storage.changes import ChangeSet
from app.ui.calls.charts import HeatMap, HourBars, weekday_names
from app.ui.calls.page import ALL, pydate, qdate
from app.ui.change_bus import ChangeBus
from app.ui.failures import failure_text
from app.ui.tasks import run_in_background
from app.ui.widgets import label

WEEK, MONTH, DAYS_30, YEAR, CHOSEN = "week", "month", "30", "year", "chosen"
READ_FROM = (kinds.CALL, kinds.CALLBACK, kinds.CALLBACK_ATTEMPT, kinds.APPOINTMENT)


def period_of(kind: str, today: date) -> tuple[date, date]:
    if kind == WEEK:
        return today - timedelta(days=today.weekday()), today
    if kind == MONTH:
        return today.replace(day=1), today
    if kind == YEAR:
        return today.replace(month=1, day=1), today
    return today - timedelta(days=29), today


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{format_number(round(rate * 100))} %"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    value = round(value)
    return f"{value // 60} min {value % 60:02d} s" if value >= 60 else f"{value} s"


def tiles(stats: Statistics) -> list[tuple[str, str, str, str]]:
    """(key, title, value, definition) of each figure, in the order shown."""
    f = stats.figures
    return [
        ("calls_total", _("Calls"), format_number(f["calls_total"]),
         _("Calls of the period, incoming and outgoing.")),
        ("answered_rate", _("Answered"), _percent(f["answered_rate"]),
         _("Incoming calls answered / incoming calls answered or missed.")),
        ("service_level_20s", _("Answered within 20 s"), _percent(f["service_level_20s"]),
         _("Incoming calls answered within 20 s of the first ring / incoming calls answered "
           "or missed.")),
        ("abandon_rate", _("Abandoned"), _percent(f["abandon_rate"]),
         _("Callers who hung up after ringing 5 s or more / incoming calls answered or "
           "missed. Hang-ups under 5 s are counted apart.")),
        ("short_hang_ups", _("Short hang-ups (< 5 s)"), format_number(stats.short_hang_ups),
         _("Missed calls hung up before 5 s of ringing: counted in the missed calls, not in "
           "the abandon rate.")),
        ("aht_seconds", _("Average handling time"), _seconds(f["aht_seconds"]),
         _("The mean time from the answer to the end of the calls answered, both "
           "directions.")),
        ("unreturned_missed", _("Missed calls not returned"),
         format_number(f["unreturned_missed"]),
         _("Missed calls from a number that has not been reached since.")),
        ("callbacks_done_within_target_rate", _("Called back within the target"),
         _percent(f["callbacks_done_within_target_rate"]),
         _("Of the callbacks due in the period and done or past due, those done by their "
           "due time.")),
        ("bookings_from_calls", _("Appointments from calls"),
         format_number(f["bookings_from_calls"]),
         _("Calls that led to an appointment.")),
        ("no_show_rate", _("No-shows"), _percent(stats.no_show_rate),
         _("Appointments of the period already begun and not cancelled, marked absent / "
           "those appointments.")),
        ("urgent_calls", _("Urgent calls"), format_number(f["urgent_calls"]),
         _("Calls for an emergency or referred to the 15.")),
    ]


class Tile(QFrame):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("StatTile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = label("", "StatValue")
        self.title = label("", "Muted", wrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addWidget(self.value)
        layout.addWidget(self.title)

    def show_figure(self, title: str, value: str, definition: str) -> None:
        self.title.setText(title)
        self.value.setText(value)
        self.setToolTip(definition)


class StatisticsPage(QWidget):
    def __init__(self, workspace, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("StatisticsPage")
        self._ws = workspace
        self._stale = True
        self._generation = 0
        self._task = None
        self.loading = False
        self.stats: Statistics | None = None
        today = workspace.zone.today(workspace.clock.now())
        self.period = QComboBox()
        self.period.setAccessibleName(_("Period"))
        for text, kind in ((_("The last 30 days"), DAYS_30), (_("This week"), WEEK),
                           (_("This month"), MONTH), (_("This year"), YEAR),
                           (_("Chosen dates"), CHOSEN)):
            self.period.addItem(text, kind)
        first, last = period_of(DAYS_30, today)
        self.first = QDateEdit(qdate(first))
        self.last = QDateEdit(qdate(last))
        for edit, name in ((self.first, _("From")), (self.last, _("To"))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setAccessibleName(name)
        self.practitioner = QComboBox()
        self.practitioner.setAccessibleName(_("Practitioner"))
        self.practitioner.addItem(_("All practitioners"), ALL)
        for p in workspace.practitioners():
            self.practitioner.addItem(p.display_name, p.id)
        self.status = label("", "Muted")
        self.error = label("", "Banner", wrap=True)
        self.error.hide()

        self.tiles: dict[str, Tile] = {}
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, (key, *_rest) in enumerate(tiles_keys()):
            tile = Tile()
            self.tiles[key] = tile
            grid.addWidget(tile, i // 6, i % 6)
        self.heat_map = HeatMap()
        self.hour_bars = HourBars()
        self.busiest = label("", "Muted")

        top = QHBoxLayout()
        top.addWidget(label(_("Statistics"), "PageTitle"))
        top.addSpacing(16)
        top.addWidget(self.period)
        top.addWidget(label(_("from"), "Muted"))
        top.addWidget(self.first)
        top.addWidget(label(_("to"), "Muted"))
        top.addWidget(self.last)
        top.addSpacing(12)
        top.addWidget(self.practitioner)
        top.addStretch()
        top.addWidget(self.status)
        charts = QHBoxLayout()
        heat_box = QVBoxLayout()
        heat_box.addWidget(label(_("Calls per weekday and hour"), "SectionTitle"))
        heat_box.addWidget(self.heat_map, 1)
        heat_box.addWidget(self.busiest)
        bars_box = QVBoxLayout()
        bars_box.addWidget(label(_("Calls per hour"), "SectionTitle"))
        bars_box.addWidget(self.hour_bars, 1)
        charts.addLayout(heat_box, 3)
        charts.addLayout(bars_box, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addLayout(grid)
        layout.addSpacing(8)
        layout.addLayout(charts, 1)

        self.period.currentIndexChanged.connect(self._period_chosen)
        self.first.dateChanged.connect(self._dates_changed)
        self.last.dateChanged.connect(self._dates_changed)
        self.practitioner.currentIndexChanged.connect(self.refresh)
        bus.changed.connect(self._on_changed)
        self._setting_period = False

    # -- the period --------------------------------------------------------------------------
    def _period_chosen(self, *args) -> None:
        kind = self.period.currentData()
        if kind == CHOSEN:
            return
        first, last = period_of(kind, self._ws.zone.today(self._ws.clock.now()))
        self._setting_period = True
        self.first.setDate(qdate(first))
        self.last.setDate(qdate(last))
        self._setting_period = False
        self.refresh()

    def _dates_changed(self, *args) -> None:
        if self._setting_period:
            return
        self.period.blockSignals(True)
        self.period.setCurrentIndex(self.period.findData(CHOSEN))
        self.period.blockSignals(False)
        self.refresh()

    def set_period(self, first: date, last: date) -> None:
        self._setting_period = True
        self.first.setDate(qdate(first))
        self.last.setDate(qdate(last))
        self._setting_period = False
        self._dates_changed()

    # -- reading -----------------------------------------------------------------------------
    def refresh(self, *args) -> None:
        """Compute the figures of what is chosen off the UI thread; a newer request wins."""
        self._stale = False
        first, last = pydate(self.first.date()), pydate(self.last.date())
        if last < first:
            self.error.setText(_("The first day ({first}) is after the last day ({last}).")
                               .format(first=format_date(first), last=format_date(last)))
            self.error.show()
            return
        self.error.hide()
        self.loading = True
        self.status.setText(_("Computing…"))
        self._generation += 1
        generation = self._generation
        who = self.practitioner.currentData() or None
        ws = self._ws
        self._task = run_in_background(
            lambda: ws.call_statistics(first, last, practitioner_id=who),
            lambda stats: self._show(stats, generation),
            lambda exc: self._failed(exc, generation))

    def _show(self, stats: Statistics, generation: int) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.stats = stats
        for key, title, value, definition in tiles(stats):
            self.tiles[key].show_figure(title, value, definition)
        self.heat_map.set_data(stats.heat)
        per_hour = [sum(row[h] for row in stats.heat) for h in range(24)]
        self.hour_bars.set_data(per_hour, self.heat_map.first_hour, self.heat_map.last_hour)
        busiest = stats.busiest()
        self.busiest.setText(_("Busiest hour: {day} {hour} h ({n} calls)").format(
            day=weekday_names()[busiest[0]], hour=busiest[1], n=busiest[2]) if busiest else "")
        self.status.setText(_("{first} to {last}").format(first=format_date(stats.first),
                                                         last=format_date(stats.last)))

    def _failed(self, exc: Exception, generation: int) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.status.setText("")
        self.error.setText(failure_text(exc))
        self.error.show()

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(*READ_FROM):
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)


def tiles_keys() -> list[tuple[str]]:
    return [("calls_total",), ("answered_rate",), ("service_level_20s",), ("abandon_rate",),
            ("short_hang_ups",), ("aht_seconds",), ("unreturned_missed",),
            ("callbacks_done_within_target_rate",), ("bookings_from_calls",),
            ("no_show_rate",), ("urgent_calls",)]
