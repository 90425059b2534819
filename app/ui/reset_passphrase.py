"""Réglages › Comptes › "Reset the passphrase…": the owner gives an account a new
passphrase, after a rekey left it without one or when its holder forgot it.

The new passphrase twice, its strength shown while typing (the rule the service
enforces); the same service as ``permanence passphrase reset`` seals it (audited there),
off the UI thread: the key derivation (Argon2id) takes a noticeable moment. Then the
dialog says to hand the passphrase over in person, and where its holder changes it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.errors import ValidationError
from app.services.workspace import Workspace
from app.ui.failures import failure_text
from app.ui.passphrase_strength import StrengthGauge
from app.ui.tasks import run_in_background
from app.ui.widgets import FieldError, label


class ResetPassphraseDialog(QDialog):
    """``reset_done``: the account's new passphrase is sealed (its name)."""

    reset_done = Signal(str)

    def __init__(self, workspace: Workspace, account: str, *, display_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.account = account
        self._context = [account, display_name]
        self._task = None
        self._strength = None
        who = display_name if display_name and display_name != account else account
        self.setWindowTitle(_("Reset the passphrase"))
        self.setMinimumWidth(560)
        self.title = label(_("A new passphrase for {name}").format(name=who), "SectionTitle",
                           wrap=True)
        self.explain = label(_(
            "Its old passphrase, if it still had one, stops opening the practice. Choose "
            "a passphrase to give to {name} in person."
        ).format(name=who), "Hint", wrap=True)
        self.new = QLineEdit()
        self.new.setPlaceholderText(_("Several unrelated words"))
        self.confirm_new = QLineEdit()
        self.confirm_new.setPlaceholderText(_("Type it again"))
        for field in (self.new, self.confirm_new):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.textChanged.connect(self._typed)
        self.gauge = StrengthGauge()
        self.error = FieldError()
        self.status = label("", "Hint", wrap=True)
        self.status.hide()
        self.done_text = label("", None, wrap=True)
        self.done_text.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.reset_button = self.buttons.addButton(_("Reset the passphrase"),
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        self.reset_button.setObjectName("Primary")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.hide()
        self.buttons.accepted.connect(self.reset)
        self.buttons.rejected.connect(self.reject)
        self.close_button.clicked.connect(self.accept)

        self.form = QFormLayout()
        self.form.addRow(_("New passphrase"), self.new)
        self.form.addRow(_("Confirm"), self.confirm_new)
        self.gauge.add_rows(self.form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.done_text)
        layout.addWidget(self.buttons)
        self._typed()

    def _typed(self) -> None:
        self._strength = self.gauge.show(self.new.text(), context=self._context)
        self.error.show_message("")
        self.reset_button.setEnabled(self._task is None and self._strength is not None
                                     and self._strength.acceptable
                                     and bool(self.confirm_new.text()))

    @property
    def busy(self) -> bool:
        return self._task is not None

    def reset(self) -> bool:
        """Start sealing the new passphrase (False, and said, when it cannot be)."""
        if self._task is not None:
            return False
        new = self.new.text()
        if new != self.confirm_new.text():
            self.error.show_message(_("The two passphrases differ."))
            return False
        self.error.show_message("")
        self.status.setText(_("Sealing the new passphrase…"))
        self.status.show()
        self._set_busy(True)
        keys = self._ws.practice_keys
        account = self.account
        self._task = run_in_background(lambda: keys.reset_account_passphrase(account, new),
                                       self._done, self._failed)
        return True

    def _set_busy(self, busy: bool) -> None:
        for w in (self.new, self.confirm_new, self.reset_button):
            w.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(not busy)

    def _done(self, _result) -> None:
        self._task = None
        self.status.hide()
        self.new.clear()
        self.confirm_new.clear()
        for i in reversed(range(self.form.rowCount())):
            self.form.removeRow(i)
        self.explain.hide()
        self.error.show_message("")
        self.done_text.setText(hand_over_text(self.account))
        self.done_text.show()
        self.reset_button.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()
        self.close_button.show()
        self.close_button.setFocus()
        self.reset_done.emit(self.account)

    def _failed(self, exc: Exception) -> None:
        self._task = None
        self.status.hide()
        self._set_busy(False)
        self._typed()
        if isinstance(exc, ValidationError):
            self.error.show_message("\n".join(exc.errors.values()))
        else:
            self.error.show_message(failure_text(exc))

    def reject(self) -> None:  # Escape: not while the passphrase is being sealed
        if self._task is None:
            super().reject()


def hand_over_text(account: str) -> str:
    return _("{name} now opens the practice with this new passphrase; the old one no "
             "longer does.\n\nGive it to them in person (not by e-mail or text message). "
             "Once signed in, they can choose their own in Settings › General › Change my "
             "passphrase…").format(name=account)
