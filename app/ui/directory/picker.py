"""Choose a contact from the directory (e.g. a patient's referring doctor), keyboard first.

Type to search, ↓ into the results (or stay in the box: Enter takes the highlighted
row), Enter to choose, Escape to cancel.

    chosen = ContactPicker.pick(workspace.directory, parent)   # (id, name) or None
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
)

from app.i18n import _
from app.services.directory import DirectoryService
from app.ui.directory.form import category_combo
from app.ui.directory.item_model import ID_ROLE, NAME_ROLE, ContactTableModel
from app.ui.widgets import label, result_table

PICKER_RESULTS = 50


class ContactPicker(QDialog):
    def __init__(self, service: DirectoryService, parent=None, *, category: str | None = None,
                 query: str = "", title: str | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.chosen_id: str | None = None
        self.chosen_name: str | None = None
        self.setWindowTitle(title or _("Choose a contact from the directory"))
        self.resize(720, 460)

        self.search = QLineEdit(query)
        self.search.setPlaceholderText(_("Name, organisation, specialty, phone"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.search.installEventFilter(self)
        self.category = category_combo(with_all=True)
        self.category.setCurrentIndex(max(0, self.category.findData(category)))
        self.category.currentIndexChanged.connect(self.refresh)

        self.model = ContactTableModel(self)
        self.table = result_table(self.model, row_height=None)
        self.table.setAlternatingRowColors(False)
        self.table.activated.connect(lambda _index: self.accept())
        self.table.installEventFilter(self)
        self.empty_hint = label("", "Muted", wrap=True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Choose"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.category)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.buttons)
        self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.search.setFocus()  # typing starts at once

    @classmethod
    def pick(cls, service: DirectoryService, parent=None, **kwargs) -> tuple[str, str] | None:
        """Show the picker; the chosen ``(contact id, display name)``, or None if cancelled."""
        dialog = cls(service, parent, **kwargs)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_id:
                return dialog.chosen_id, dialog.chosen_name or ""
            return None
        finally:
            dialog.deleteLater()

    def refresh(self, *args) -> None:
        rows = self._service.search(self.search.text(), category=self.category.currentData(),
                                    limit=PICKER_RESULTS)
        self.model.set_rows(rows)
        self.ok_button.setEnabled(bool(rows))
        if rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.empty_hint.setText("")
        else:
            self.empty_hint.setText(_("No contact matches. Contacts are added on the "
                                      "Directory screen."))

    def accept(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return  # nothing to choose: stay open
        row = self.model.index(index.row(), 0)
        self.chosen_id, self.chosen_name = row.data(ID_ROLE), row.data(NAME_ROLE)
        super().accept()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if obj is self.search and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                if self.model.rowCount():
                    self.table.setFocus()
                return True
            if obj is self.search and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.accept()
                return True
            if obj is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.accept()
                return True
            if obj is self.table and key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
                self.search.setFocus()
                return True
        return super().eventFilter(obj, event)
