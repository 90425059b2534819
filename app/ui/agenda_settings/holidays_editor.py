"""Public holidays: the practice's region, and the holidays it opens on anyway."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QFormLayout, QHeaderView, QVBoxLayout, QWidget

from app.i18n import _
from app.services.agenda.public_holidays import PublicHolidays, holiday_regions
from app.services.errors import ValidationError
from app.ui.agenda_settings.common import long_date
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import FieldError, label, result_table

PAST_INK = QColor("#9ca3af")
OPEN_COLUMN = 2


@dataclass(frozen=True)
class HolidayRow:
    day: date
    name: str
    is_open: bool
    others: tuple[str, ...] = ()  # practitioners who open that day on their own

    @property
    def id(self) -> str:
        return self.day.isoformat()


class HolidayTableModel(RowTableModel):
    """Date, name, and "open anyway" as a checkbox; ticking asks ``on_toggle``, which
    says whether it was written."""

    def __init__(self, on_toggle: Callable[[date, bool], bool], today: date, parent=None) -> None:
        super().__init__([_("Date"), _("Public holiday"), _("Open anyway")], parent)
        self._rows: list[HolidayRow]
        self._on_toggle = on_toggle
        self._today = today

    def is_past(self, row: HolidayRow) -> bool:
        return row.day < self._today

    def flags(self, index: QModelIndex):
        base = super().flags(index)
        row = self.row_at(index.row()) if index.isValid() else None
        if row is not None and index.column() == OPEN_COLUMN and not self.is_past(row):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return long_date(row.day)
            if col == 1:
                return row.name
            return _("Open") if row.is_open else _("Closed")
        if role == Qt.ItemDataRole.CheckStateRole and col == OPEN_COLUMN:
            return Qt.CheckState.Checked if row.is_open else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and self.is_past(row):
            return PAST_INK
        if role == Qt.ItemDataRole.ToolTipRole:
            if self.is_past(row):
                return _("Already past")
            if row.others:
                return tooltip(_("Works that day anyway: {names}").format(
                    names=", ".join(row.others)))
        return None

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None or role != Qt.ItemDataRole.CheckStateRole or index.column() != OPEN_COLUMN:
            return False
        if self.is_past(row):
            return False
        wanted = Qt.CheckState(value) == Qt.CheckState.Checked
        if wanted == row.is_open or not self._on_toggle(row.day, wanted):
            return False
        self._rows[index.row()] = replace(row, is_open=wanted)
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), OPEN_COLUMN))
        return True


class HolidaysEditor(QWidget):
    """The region (which calendar) and this year's and next year's holidays."""

    changed = Signal(list)  # ISO days whose opening changed; [] when the region changed

    def __init__(self, workspace, today: date, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._today = today

        self.title = label(_("Public holidays"), "SectionTitle")
        self.hint = label(_("The practice is closed on public holidays. Tick “Open anyway” "
                            "to work on one: every practitioner's usual hours then apply "
                            "that day."), "Hint", wrap=True)
        self.region = QComboBox()
        self.region.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for code, name in holiday_regions():
            self.region.addItem(name, code)
        self.region.setToolTip(_("Alsace and Moselle add Good Friday and St Stephen's Day; "
                                 "the overseas departments their abolition of slavery day."))
        self.region_error = FieldError()
        self.list_title = label("", "SectionTitle")
        self.model = HolidayTableModel(self._toggle, today, self)
        self.table = result_table(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(OPEN_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.keys_hint = label(_("Space ticks or unticks the selected holiday."), "Hint")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(_("Region"), self.region)
        form.addRow("", self.region_error)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.list_title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.keys_hint)

        practice = workspace.practice
        current = practice.holiday_region if practice else workspace.practice.holiday_region
        self.region.setCurrentIndex(max(0, self.region.findData(current)))
        self.region.currentIndexChanged.connect(self._region_chosen)
        self.reload()

    @property
    def region_code(self) -> str:
        return self.region.currentData() or ""

    def reload(self) -> None:
        first, last = date(self._today.year, 1, 1), date(self._today.year + 1, 12, 31)
        openings = self._ws.holiday_openings(first, last)
        names = self._ws.agenda.practitioner_names()
        rows = []
        for day, name in PublicHolidays(self.region_code).between(first, last).items():
            others = tuple(sorted(names.get(pid, "?") for d, pid in openings
                                  if d == day and pid is not None))
            rows.append(HolidayRow(day, name, (day, None) in openings, others))
        self.list_title.setText(_("Holidays in {this} and {next}").format(
            this=first.year, next=last.year))
        self.model.set_rows(rows)
        upcoming = next((i for i, r in enumerate(rows) if r.day >= self._today), 0)
        if rows:
            self.table.selectRow(upcoming)

    def _region_chosen(self) -> None:
        code = self.region_code
        self.region_error.show_message("")
        try:
            self._ws.set_holiday_region(code)
        except ValidationError as exc:
            self.region_error.show_message(exc.errors.get("region", ""))
            return
        self.reload()
        self.changed.emit([])

    def _toggle(self, day: date, is_open: bool) -> bool:
        self._ws.agenda_setup.set_holiday_open(day, is_open, None)
        self.changed.emit([day.isoformat()])
        return True
