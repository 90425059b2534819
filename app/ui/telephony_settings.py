"""Réglages → Calls, the workstation's sections: the practice's lines (the numbers its
calls arrive on), how this workstation dials (everyone who takes calls), and the Action
URL listener for a phone or a PBX client on this computer (the owner: its token lets a
program record calls and look numbers up)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import PermanenceError
from app.i18n import _
from app.services import access
from app.services.calls import action_url, dialing
from app.services.errors import ValidationError
from app.services.phones import display_phone
from app.services.settings import WorkstationSettings
from app.ui.failures import failure_text
from app.ui.widgets import FieldError, label

PORT_RANGE = (1024, 65535)


def listener_port(settings: WorkstationSettings) -> int:
    value = settings.get("phone_listener_port")
    if isinstance(value, int) and not isinstance(value, bool) \
            and PORT_RANGE[0] <= value <= PORT_RANGE[1]:
        return value
    return action_url.DEFAULT_PORT


def _methods() -> list[tuple[str, str]]:
    return [(dialing.TEL, _("tel: link, to the softphone of this computer")),
            (dialing.URL, _("URL of a desk phone or a PBX")),
            (dialing.COMMAND, _("Command (a program and its arguments)"))]


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setHorizontalSpacing(16)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


class TelephonySettings(QWidget):
    """``listener_changed``: the listener's settings were saved (the running one follows)."""

    listener_changed = Signal()

    def __init__(self, workspace, settings: WorkstationSettings, parent=None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._ws = workspace
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The practice's lines: the numbers its calls arrive on (they say which practice
        # a call is for); the practice's setting, received read-only by a remote one.
        self.lines_box = QGroupBox(_("The practice's lines"))
        form = _form(self.lines_box)
        remote = workspace.is_remote_workstation
        editable = workspace.may(access.SETTINGS) and not remote
        form.addRow(label(_("The numbers the practice's calls arrive on, separated by "
                            "commas (04 78 12 34 56, +33 9 70 12 34 56).") if editable else
                          _("The numbers the practice's calls arrive on, set at the "
                            "practice."), "Hint", wrap=True))
        self.lines = QLineEdit(", ".join(display_phone(n) for n in workspace.practice_lines()))
        self.lines.setReadOnly(not editable)
        self.save_lines = QPushButton(_("Save the lines"))
        self.save_lines.setVisible(editable)
        self.save_lines.clicked.connect(self.apply_lines)
        self.lines_error = FieldError()
        lines_row = QHBoxLayout()
        lines_row.addWidget(self.lines, 1)
        lines_row.addWidget(self.save_lines)
        form.addRow(_("Lines"), lines_row)
        form.addRow(self.lines_error)
        layout.addWidget(self.lines_box)
        self.dialling_box = QGroupBox(_("Dialling from this workstation"))
        form = _form(self.dialling_box)
        form.addRow(label(_("A click on a phone number dials it this way, and the outgoing "
                            "call goes in the call log."), "Hint", wrap=True))
        self.method = QComboBox()
        for value, text in _methods():
            self.method.addItem(text, value)
        self.method.setCurrentIndex(max(0, self.method.findData(settings.get("dial_method"))))
        self.template = QLineEdit(settings.get("dial_template") or "")
        self.template.setPlaceholderText("http://192.168.1.20/servlet?key=number={national}")
        self.template.setToolTip(_("{number}: the number as +33612345678; {national}: as "
                                   "0612345678"))
        self.save_dialling = QPushButton(_("Save"))
        self.save_dialling.clicked.connect(self.apply_dialling)
        self.dialling_error = FieldError()
        self.method.currentIndexChanged.connect(self._method_chosen)
        form.addRow(_("Dial with"), self.method)
        form.addRow(_("Template"), self.template)
        form.addRow(self.dialling_error)
        row = QHBoxLayout()
        row.addWidget(self.save_dialling)
        row.addStretch()
        form.addRow(row)
        self._method_chosen()

        layout.addWidget(self.dialling_box)

        self.listen: QCheckBox | None = None  # the listener's section: the owner's only
        self.listener_box: QGroupBox | None = None
        if workspace.may(access.KEYS):
            self.listener_box = QGroupBox(_("Action URL listener"))
            form = _form(self.listener_box)
            form.addRow(label(_("For a softphone or a PBX client on this computer that calls a "
                                "URL when a call rings (Yealink and Snom Action URL, 3CX CRM "
                                "templates): only this computer (127.0.0.1) can reach it, "
                                "and only with the token."), "Hint", wrap=True))
            self.listen = QCheckBox(_("Listen for phone events on 127.0.0.1"))
            self.listen.setChecked(settings.get("phone_listener") is True)
            self.port = QSpinBox()
            self.port.setRange(*PORT_RANGE)
            self.port.setValue(listener_port(settings))
            self.token = QLineEdit(settings.get("phone_listener_token") or "")
            self.token.setReadOnly(True)
            self.new_token = QPushButton(_("New token"))
            self.new_token.setToolTip(_("The old token stops working: update the phone's URLs"))
            self.new_token.clicked.connect(self._renew_token)
            token_row = QHBoxLayout()
            token_row.addWidget(self.token, 1)
            token_row.addWidget(self.new_token)
            self.save_listener = QPushButton(_("Apply"))
            self.save_listener.clicked.connect(self.apply_listener)
            self.listener_status = label("", "Hint", wrap=True)
            self.examples = label("", wrap=True)
            self.examples.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(self.listen)
            form.addRow(_("Port"), self.port)
            form.addRow(_("Token"), token_row)
            row = QHBoxLayout()
            row.addWidget(self.save_listener)
            row.addStretch()
            form.addRow(row)
            form.addRow(self.listener_status)
            form.addRow(self.examples)
            self._show_examples()
            layout.addWidget(self.listener_box)

    def apply_lines(self) -> bool:
        """Save the lines typed; an invalid number refuses them all, saying which."""
        typed = [part for part in self.lines.text().replace(";", ",").split(",")]
        try:
            saved = self._ws.set_practice_lines(typed)
        except ValidationError as exc:
            self.lines_error.show_message("\n".join(exc.errors.values()))
            return False
        except PermanenceError as exc:
            self.lines_error.show_message(failure_text(exc))
            return False
        self.lines.setText(", ".join(display_phone(n) for n in saved))
        self.lines_error.show_message(_("Saved."))
        return True

    def _method_chosen(self) -> None:
        self.template.setEnabled(self.method.currentData() != dialing.TEL)

    def apply_dialling(self) -> bool:
        method = self.method.currentData()
        try:
            template = dialing.check_template(method, self.template.text())
        except PermanenceError as exc:
            self.dialling_error.show_message(exc.user_message)
            return False
        self._settings.set("dial_method", method)
        self._settings.set("dial_template", template)
        self.dialling_error.show_message(_("Saved."))
        return True

    def _renew_token(self) -> None:
        self.token.setText(action_url.new_token())
        self._show_examples()

    def apply_listener(self) -> None:
        if self.listen.isChecked() and not self.token.text():
            self.token.setText(action_url.new_token())
        self._settings.set("phone_listener_token", self.token.text())
        self._settings.set("phone_listener_port", self.port.value())
        self._settings.set("phone_listener", self.listen.isChecked())
        self._show_examples()
        self.listener_changed.emit()

    def show_listener_state(self, listening: bool | None, port: int) -> None:
        """What the running listener does now (None: off)."""
        if self.listen is None:
            return  # not the owner: the section is not shown
        if listening is None:
            self.listener_status.setText(_("The listener is off."))
        elif listening:
            self.listener_status.setText(_("Listening on 127.0.0.1, port {port}.").format(
                port=port))
        else:
            self.listener_status.setText(_("The port {port} is taken on this computer: "
                                           "choose another.").format(port=port))

    def _show_examples(self) -> None:
        token = self.token.text() or "TOKEN"
        lines = [_("Examples (see the README for the other events):")]
        lines += [f"{who}: {url}" for who, url in action_url.examples(self.port.value(), token)]
        self.examples.setText("\n".join(lines))
