"""The conflicts sync met, to resolve (for Réglages → Partage).

One line per open conflict: when, which record, what (a field, or two appointments that
overlap), the value in the record and the other one. A field conflict is resolved by
keeping the value in the record or taking the other one (an edit like any other, sent
to the peers); an overlap is marked as seen once the agenda is sorted out. The service
checks the signed-in person's right; the buttons are hidden from a role that has none.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, pgettext
from app.models.conflict import KEPT, SEEN, TOOK_OTHER
from app.models.text import one_line
from app.services import access
from app.services.sync_conflicts import ConflictView, SyncConflictService
from app.ui.failures import failure_text
from app.ui.widgets import FieldError, label


class SyncConflictsView(QWidget):
    def __init__(self, service: SyncConflictService, *, can_resolve: bool, zone,
                 parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._zone = zone
        self._conflicts: list[ConflictView] = []

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([_("Detected"), _("Record"),
                                              pgettext("sync conflict", "What"),
                                              _("Current value"), _("Other value")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(4):  # the dates, names and values read whole; the last stretches
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.keep_button = QPushButton(_("Keep the current value"))
        self.keep_button.clicked.connect(lambda: self.resolve(KEPT))
        self.take_button = QPushButton(_("Take the other value"))
        self.take_button.clicked.connect(lambda: self.resolve(TOOK_OTHER))
        self.seen_button = QPushButton(_("Mark as seen"))
        self.seen_button.clicked.connect(lambda: self.resolve(SEEN))
        self.empty = label(_("No conflict to resolve."), "Hint")
        self.error = FieldError()

        buttons = QHBoxLayout()
        for button in (self.keep_button, self.take_button, self.seen_button):
            button.setVisible(can_resolve)
            buttons.addWidget(button)
        buttons.addStretch()

        layout = QVBoxLayout(self)
        layout.addWidget(label(_("When the same field was changed here and on another "
                                 "installation before they synchronised, the later change "
                                 "is kept and the other value is listed here. Two "
                                 "appointments that overlap after a synchronisation are "
                                 "listed too: both are kept."), "Hint", wrap=True))
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.reload()

    @classmethod
    def of(cls, workspace, parent=None) -> SyncConflictsView:
        return cls(workspace.sync_conflicts, zone=workspace.zone, parent=parent,
                   can_resolve=workspace.may(access.SYNC_CONFLICTS))

    def reload(self) -> None:
        try:
            self._conflicts = self._service.open_conflicts()
        except Exception as exc:  # noqa: BLE001 - said under the list, nothing was read
            self._conflicts = []
            self.error.show_message(failure_text(exc))
        self.table.setRowCount(len(self._conflicts))
        for row, c in enumerate(self._conflicts):
            detected = self._zone.local(c.detected_at).strftime("%d/%m/%Y %H:%M")
            for col, text in enumerate((detected, c.record, c.what, c.kept, c.other)):
                item = QTableWidgetItem(one_line(text))
                item.setToolTip(one_line(text))
                self.table.setItem(row, col, item)
        self.empty.setVisible(not self._conflicts)
        self.table.setVisible(bool(self._conflicts))
        self._selection_changed()

    def _selected(self) -> ConflictView | None:
        rows = self.table.selectionModel().selectedRows()
        return self._conflicts[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        chosen = self._selected()
        choices = chosen.choices if chosen is not None else ()
        self.keep_button.setEnabled(KEPT in choices)
        self.take_button.setEnabled(TOOK_OTHER in choices)
        self.seen_button.setEnabled(SEEN in choices)

    def resolve(self, choice: str) -> bool:
        chosen = self._selected()
        if chosen is None or choice not in chosen.choices:
            self.error.show_message(_("Select a conflict first."))
            return False
        try:
            self._service.resolve(chosen.id, choice)
        except Exception as exc:  # noqa: BLE001 - said under the list, nothing was written
            self.error.show_message(failure_text(exc))
            self.reload()
            return False
        self.error.show_message("")
        self.reload()
        return True
