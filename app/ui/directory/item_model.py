"""A thin table model over directory search results (plain dataclasses, no session)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from app.i18n import _
from app.services.directory import ContactSummary, category_label
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel

ID_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2


class ContactTableModel(RowTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([_("Name"), _("Category"), _("Specialty"), _("Phone"), _("Town")],
                         parent)
        self._rows: list[ContactSummary]

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
            return tooltip(row.organisation)
        if role == ID_ROLE:
            return row.id
        if role == NAME_ROLE:
            return row.display_name
        return None
