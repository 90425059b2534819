"""Réglages → Droits (the owner's): the access matrix, role by action, to adjust within
its bounds, and the emergency accesses to review.

Each tick is saved at once through the security settings (which check the right,
hold the bounds and audit the change); a cell outside the bounds (the owner's column,
accounts and keys, a phone system beyond calls) cannot be ticked. A change applies
from each person's next sign-in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.models.user import ROLES
from app.services import access
from app.services.workspace import Workspace
from app.ui.break_glass import EmergencyList
from app.ui.failures import failure_text
from app.ui.widgets import FieldError, label


class RightsTab(QWidget):
    reviewed = Signal()  # emergency accesses marked as seen

    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self._security = workspace.security
        self._filling = False
        self.matrix = QTableWidget(len(access.ACTIONS), len(ROLES))
        self.matrix.setHorizontalHeaderLabels([access.role_label(r) for r in ROLES])
        self.matrix.setVerticalHeaderLabels([access.action_label(a) for a in access.ACTIONS])
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.itemChanged.connect(self._ticked)
        self.error = FieldError()
        self.reset_button = QPushButton(_("Back to the suggested rights"))
        self.reset_button.clicked.connect(self.reset)
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("What each role may do. A change applies from each "
                                 "person's next sign-in, and is recorded in the access "
                                 "trail. The owner keeps every right; accounts and keys "
                                 "are the owner's alone; a phone system only handles "
                                 "calls."), "Hint", wrap=True))
        layout.addWidget(self.matrix, 2)
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addWidget(self.reset_button)
        layout.addLayout(row)
        self.emergencies: EmergencyList | None = None
        if workspace.may(access.AUDIT_READ):
            self.emergencies = EmergencyList(workspace.break_glass, workspace.zone)
            self.emergencies.reviewed.connect(self.reviewed)
            layout.addWidget(self.emergencies, 1)
        self.reload()

    def reload(self) -> None:
        rights = self._security.rights()
        self._filling = True
        try:
            for i, action in enumerate(access.ACTIONS):
                for j, role in enumerate(ROLES):
                    item = QTableWidgetItem()
                    flags = Qt.ItemFlag.ItemIsUserCheckable
                    if access.adjustable(role, action):
                        flags |= Qt.ItemFlag.ItemIsEnabled
                    item.setFlags(flags)
                    item.setCheckState(Qt.CheckState.Checked if action in rights[role]
                                       else Qt.CheckState.Unchecked)
                    item.setData(Qt.ItemDataRole.UserRole, (role, action))
                    self.matrix.setItem(i, j, item)
        finally:
            self._filling = False

    def cell(self, role: str, action: str) -> QTableWidgetItem:
        return self.matrix.item(access.ACTIONS.index(action), ROLES.index(role))

    def _ticked(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        role, action = item.data(Qt.ItemDataRole.UserRole)
        try:
            self._security.set_allowed(role, action, item.checkState() == Qt.CheckState.Checked)
        except Exception as exc:  # noqa: BLE001 - said under the table, nothing changed
            self.error.show_message(failure_text(exc))
            self.reload()
            return
        self.error.show_message("")

    def reset(self) -> None:
        try:
            self._security.reset_matrix()
        except Exception as exc:  # noqa: BLE001
            self.error.show_message(failure_text(exc))
            return
        self.error.show_message("")
        self.reload()
