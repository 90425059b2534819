"""The call panel's two small questions: to whom the call is transferred, and when to
call back. Each says what is wrong under its field and keeps what was typed."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
)

from app.i18n import _
from app.errors import PermanenceError
from app.ui.failures import failure_text
from app.ui.widgets import FieldError


class TransferDialog(QDialog):
    """To whom: a practitioner of the list, or any name typed."""

    def __init__(self, names: list[str], record, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Transfer the call"))
        self._record = record
        self.to = QComboBox()
        self.to.setEditable(True)
        self.to.addItems(names)
        self.to.setAccessibleName(_("Transferred to"))
        self.to.lineEdit().setPlaceholderText(_("A practitioner, a colleague…"))
        self.error = FieldError()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Record the transfer"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("Transferred to"), self.to)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> bool:
        try:
            self._record(self.to.currentText())
        except PermanenceError as exc:
            self.error.show_message(failure_text(exc))
            return False
        self.accept()
        return True


def callback_times(now: datetime, zone) -> list[tuple[str, datetime]]:
    """The usual "when": in an hour, in two, this afternoon at 2 pm (if still to come),
    tomorrow morning at 9."""
    today = zone.day_of(now)
    choices = [(_("In an hour"), now + timedelta(hours=1)),
               (_("In two hours"), now + timedelta(hours=2))]
    afternoon = zone.at(today, 14)
    if afternoon > now:
        choices.append((_("This afternoon at 2 pm"), afternoon))
    choices.append((_("Tomorrow morning at 9"), zone.at(today + timedelta(days=1), 9)))
    return choices


class CallbackDialog(QDialog):
    """When to call back, and why ("with the results")."""

    def __init__(self, now: datetime, zone, record, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Plan a callback"))
        self._record = record
        self.when = QComboBox()
        self.when.setAccessibleName(_("When"))
        for text, at in callback_times(now, zone):
            self.when.addItem(text, at)
        self.reason = QLineEdit()
        self.reason.setMaxLength(300)
        self.reason.setPlaceholderText(_("e.g. with the results"))
        self.reason.setAccessibleName(_("Why"))
        self.error = FieldError()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Plan the callback"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("When"), self.when)
        form.addRow(_("Why"), self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> bool:
        try:
            self._record(self.when.currentData(), self.reason.text())
        except PermanenceError as exc:
            self.error.show_message(failure_text(exc))
            return False
        self.accept()
        return True
