"""Cancelling an appointment: who cancelled (the patient, the practice, or the patient
did not come) and an optional note. Keyboard: arrows choose the reason, Enter cancels
the appointment, Escape keeps it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.agenda.service import cancel_reason_labels
from app.ui.widgets import label


class CancelDialog(QDialog):
    def __init__(self, summary: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CancelDialog")
        self.setWindowTitle(_("Cancel the appointment"))
        intro = label(summary)
        intro.setWordWrap(True)
        intro.setObjectName("SectionTitle")
        self.reasons: dict[str, QRadioButton] = {}
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(label(_("Who cancelled?")))
        for value, text in cancel_reason_labels().items():
            radio = QRadioButton(text)
            self.reasons[value] = radio
            self.group.addButton(radio)
            layout.addWidget(radio)
        first = next(iter(self.reasons.values()))
        first.setChecked(True)
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(_("Note (optional, administrative only)"))
        layout.addWidget(self.note)
        buttons = QDialogButtonBox()
        self.confirm = buttons.addButton(_("Cancel the appointment"),
                                         QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setObjectName("Primary")
        self.keep = buttons.addButton(_("Keep it"), QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        first.setFocus()

    def reason(self) -> str:
        for value, radio in self.reasons.items():
            if radio.isChecked():
                return value
        return ""

    def choose(self, reason: str) -> None:
        self.reasons[reason].setChecked(True)


def ask_cancel(parent: QWidget | None, summary: str) -> tuple[str, str] | None:
    """(reason, note), or None when the appointment is kept."""
    dialog = CancelDialog(summary, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.reason(), dialog.note.text()
