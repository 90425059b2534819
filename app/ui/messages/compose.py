"""Writing a message for a practitioner or the practice ("Nouveau message", Ctrl+M).

To whom (a practitioner or the practice), about whom (a patient, typed as in the booking
dialog, or a caller: a name and a number), the number to call back, urgent or not, and
the text. Ctrl+Enter or "Send" sends; what is wrong is said under the form and nothing is
lost. ``call_id`` links the message to the call it was left from (the call panel).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from app.i18n import _
from app.models import MessagePriority
from app.services.errors import ServiceError, ValidationError
from app.services.messages import MessageInput, MessageView
from app.ui.agenda.patient_picker import PatientPicker
from app.ui.failures import failure_text
from app.ui.widgets import FieldError, label


class MessageDialog(QDialog):
    """``sent(message)`` once written; the dialog then closes."""

    sent = Signal(object)

    def __init__(self, workspace, parent=None, *, recipient_id: str | None = None,
                 patient_id: str | None = None, caller_name: str = "", caller_phone: str = "",
                 call_id: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageDialog")
        self.setWindowTitle(_("New message"))
        self._ws = workspace
        self._call_id = call_id
        self.message: MessageView | None = None

        self.recipient = QComboBox()
        self.recipient.setAccessibleName(_("Recipient"))
        for p in workspace.practitioners():
            self.recipient.addItem(p.display_name, p.id)
        self.recipient.addItem(_("The practice (everyone)"), "")
        if recipient_id:
            self.recipient.setCurrentIndex(max(0, self.recipient.findData(recipient_id)))
        self.patient = PatientPicker(workspace.patients, workspace.agenda)
        self.caller_name = QLineEdit(caller_name)
        self.caller_name.setMaxLength(200)
        self.caller_name.setPlaceholderText(_("If not a patient: who called (lab, pharmacy…)"))
        self.caller_phone = QLineEdit(caller_phone)
        self.caller_phone.setPlaceholderText("06 12 34 56 78")
        self.caller_phone.setAccessibleName(_("Caller's number"))
        self.callback_phone = QLineEdit()
        self.callback_phone.setPlaceholderText(_("Empty: the caller's number"))
        self.callback_phone.setAccessibleName(_("Call back on"))
        self.urgent = QCheckBox(_("Urgent"))
        self.body = QPlainTextEdit()
        self.body.setObjectName("MessageBody")
        self.body.setTabChangesFocus(True)
        self.body.setMinimumHeight(110)
        self.body.setPlaceholderText(_("What the practitioner needs to know (administrative; "
                                       "clinical details belong in the medical record)"))
        self.body.setAccessibleName(_("Message"))
        self.errors = FieldError()

        form = QFormLayout()
        form.addRow(_("Recipient"), self.recipient)
        form.addRow(_("Patient"), self.patient)
        form.addRow(_("Caller"), self.caller_name)
        form.addRow(_("Caller's number"), self.caller_phone)
        form.addRow(_("Call back on"), self.callback_phone)
        form.addRow("", self.urgent)
        form.addRow(_("Message"), self.body)

        self.send_button = QPushButton(_("Send"))
        self.send_button.setObjectName("Primary")
        self.send_button.setToolTip(_("Send (Ctrl+Enter)"))
        self.send_button.clicked.connect(self.send)
        self.send_button.setAutoDefault(False)
        cancel = QPushButton(_("Cancel"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(cancel)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors)
        layout.addWidget(label(_("Nothing is deleted: a treated message stays in the archive."),
                               "Hint", wrap=True))
        layout.addLayout(buttons)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, activated=self.send)
        # The text field takes Ctrl+Enter as a line break before any shortcut sees it.
        self.body.installEventFilter(self)
        if patient_id:
            try:
                details = workspace.patients.get(patient_id)
                self.patient.set_patient(patient_id, details.display_name, alert=details.alert)
            except ServiceError:
                pass  # the card is gone: the secretary types whom it is about
        self.resize(560, self.sizeHint().height())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        (self.body if self.patient.patient_id() else self.patient.edit).setFocus()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.body and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.send()
            return True
        return super().eventFilter(obj, event)

    def values(self) -> MessageInput:
        return MessageInput(
            body=self.body.toPlainText(), recipient_id=self.recipient.currentData() or None,
            patient_id=self.patient.patient_id() or None, caller_name=self.caller_name.text(),
            caller_phone=self.caller_phone.text(), callback_phone=self.callback_phone.text(),
            priority=(MessagePriority.URGENT if self.urgent.isChecked()
                      else MessagePriority.NORMAL).value)

    def send(self) -> bool:
        data = self.values()
        try:
            self.message = self._ws.messages.send(data, call_id=self._call_id)
        except ValidationError as exc:
            self.errors.show_message(exc.user_message)
            return False
        except ServiceError as exc:
            self.errors.show_message(failure_text(exc))
            return False
        self.sent.emit(self.message)
        self.accept()
        return True
