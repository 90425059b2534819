"""A thin table model over search results (plain dataclasses, no live session)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QStyle

from app.i18n import _, format_date, pgettext
from app.services.patients import PatientSummary

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class PatientTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[PatientSummary] = []
        self._headers = [_("Name"), pgettext("list column", "Born"), _("Phone"), _("Town")]
        # Patients with an alert carry the warning sign in the list, before opening.
        self._alert_icon = QApplication.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning)

    def set_rows(self, rows: list[PatientSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, patient_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == patient_id), -1)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return row.display_name
            if col == 1:
                return format_date(row.birth_date) if row.birth_date else ""
            if col == 2:
                return row.phone
            if col == 3:
                return row.city
        if index.column() == 0 and row.alert:
            if role == Qt.ItemDataRole.DecorationRole:
                return self._alert_icon
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.alert
        if role == ID_ROLE:
            return row.id
        return None
