"""A thin table model over directory search results (plain dataclasses, no session)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app.i18n import _
from app.services.directory import ContactSummary, category_label

ID_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2


class ContactTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[ContactSummary] = []
        self._headers = [_("Name"), _("Category"), _("Specialty"), _("Phone"), _("Town")]

    def set_rows(self, rows: list[ContactSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, contact_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == contact_id), -1)

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
                return category_label(row.category)
            if col == 2:
                return row.specialty
            if col == 3:
                return row.phone
            if col == 4:
                return row.city
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0 and row.organisation:
            return row.organisation
        if role == ID_ROLE:
            return row.id
        if role == NAME_ROLE:
            return row.display_name
        return None
