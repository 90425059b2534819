"""Break-glass on screen: the dialog where a person gives the reason of an emergency
access, and the owner's list of those accesses (Réglages → Comptes) to mark as seen."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, ngettext
from app.services.break_glass import DURATION, BreakGlassService
from app.services.agenda.zone import PracticeTime
from app.ui.failures import failure_text
from app.ui.widgets import FieldError, label


def minutes_text() -> str:
    minutes = int(DURATION.total_seconds() // 60)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


class EmergencyDialog(QDialog):
    """The reason, then the access: ``opened`` once the service has opened it."""

    opened = Signal(object)

    def __init__(self, service: BreakGlassService, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self.setWindowTitle(_("Emergency access"))
        self.setMinimumWidth(480)
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(_("Why, in a few words"))
        self.error = FieldError()
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton(_("Open the emergency access"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setObjectName("Primary")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Emergency access"), "PageTitle"))
        layout.addWidget(label(_(
            "For {duration} your account may do what its role may not (but manage "
            "accounts, keys, sharing or the access trail). The reason, the time and "
            "everything you do meanwhile are recorded and shown to the practice's "
            "owner.").format(duration=minutes_text()), "Muted", wrap=True))
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def confirm(self) -> bool:
        try:
            emergency = self._service.open(self.reason.text())
        except Exception as exc:  # noqa: BLE001 - said in the dialog, nothing opened
            self.error.show_message(failure_text(exc))
            return False
        self.opened.emit(emergency)
        self.accept()
        return True


class EmergencyList(QWidget):
    """The owner's: every emergency access, newest first, with its reason; those not yet
    seen are marked, and "Mark as seen" records that the owner reviewed them."""

    reviewed = Signal()

    def __init__(self, service: BreakGlassService, zone: PracticeTime, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._zone = zone
        self._ids: list[str] = []
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("When"), _("Who"), _("Reason"), _("Seen")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.mark_button = QPushButton(_("Mark all as seen"))
        self.mark_button.clicked.connect(self.mark_all)
        self.error = FieldError()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label(_("Emergency accesses"), "SectionTitle"))
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addWidget(self.mark_button)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        rows = self._service.list()
        self._ids = [r.id for r in rows if r.reviewed_at is None]
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            start, until = self._zone.local(r.started_at), self._zone.local(r.ended_at or r.until)
            cells = (_("{day} {start}–{end}").format(day=start.strftime("%d/%m/%Y"),
                                                     start=start.strftime("%H:%M"),
                                                     end=until.strftime("%H:%M")),
                     r.person, r.reason, _("yes") if r.reviewed_at else _("no"))
            for col, text in enumerate(cells):
                self.table.setItem(i, col, QTableWidgetItem(text))
        self.mark_button.setEnabled(bool(self._ids))

    def mark_all(self) -> None:
        try:
            self._service.mark_reviewed(self._ids)
        except Exception as exc:  # noqa: BLE001
            self.error.show_message(failure_text(exc))
            return
        self.reload()
        self.reviewed.emit()
