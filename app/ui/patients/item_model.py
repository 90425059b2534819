"""A thin table model over search results (plain dataclasses, no live session)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QStyle

from app.i18n import _, format_date, pgettext
from app.services.patients import PatientSummary
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class PatientTableModel(RowTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([_("Name"), pgettext("list column", "Born"), _("Phone"), _("Town")],
                         parent)
        self._rows: list[PatientSummary]
        # Patients with an alert carry the warning sign in the list, before opening.
        self._alert_icon = QApplication.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning)

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
                return tooltip(row.alert)
        if role == ID_ROLE:
            return row.id
        return None
