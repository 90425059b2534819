"""Réglages → Général: the signed-in person changes their own passphrase (any role).

The current one, the new one twice; the workspace holds it to the passphrase rule,
checks the current one as a sign-in (throttled) and seals only that person's wrap
again. Nothing else of the practice changes. Both key derivations (the current
passphrase checked, the new one sealed) run off the UI thread.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout

from app.i18n import _
from app.services.errors import ValidationError
from app.services.workspace import Workspace
from app.storage.keys import MIN_KDF, KdfParams
from app.ui.failures import failure_text
from app.ui.tasks import run_in_background
from app.ui.widgets import FieldError, label


class OwnPassphraseDialog(QDialog):
    def __init__(self, workspace: Workspace, *, kdf_floor: KdfParams = MIN_KDF,
                 parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._kdf_floor = kdf_floor
        self._task = None
        self.setWindowTitle(_("Change my passphrase"))
        self.setMinimumWidth(440)
        self.current = QLineEdit()
        self.new = QLineEdit()
        self.confirm_new = QLineEdit()
        for field in (self.current, self.new, self.confirm_new):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = FieldError()
        self.status = label(_("Checking and sealing…"), "Hint", wrap=True)
        self.status.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.change_button = buttons.addButton(_("Change my passphrase"),
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.change_button.setObjectName("Primary")
        self._buttons = buttons
        buttons.accepted.connect(self.change)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("Current passphrase"), self.current)
        form.addRow(_("New passphrase"), self.new)
        form.addRow(_("Confirm"), self.confirm_new)
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Your passphrase is yours alone: changing it changes no one "
                                 "else's, and the old one no longer opens the practice."),
                               "Hint", wrap=True))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    @property
    def busy(self) -> bool:
        return self._task is not None

    def change(self) -> bool:
        """Start the change (False, and said, when it cannot start); the dialog closes
        when it is done, or says why nothing changed."""
        if self._task is not None:
            return False
        if self.new.text() != self.confirm_new.text():
            self.error.show_message(_("The two passphrases differ."))
            return False
        self.error.show_message("")
        self._set_busy(True)
        ws, old, new, floor = self._ws, self.current.text(), self.new.text(), self._kdf_floor
        self._task = run_in_background(
            lambda: ws.change_own_passphrase(old, new, kdf_floor=floor), self._done,
            self._failed)
        return True

    def _set_busy(self, busy: bool) -> None:
        self.status.setVisible(busy)
        for w in (self.current, self.new, self.confirm_new, self.change_button):
            w.setEnabled(not busy)
        self._buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(not busy)

    def _done(self, _result) -> None:
        self._task = None
        self._set_busy(False)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._task = None
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            self.error.show_message("\n".join(exc.errors.values()))
            return
        self.error.show_message(failure_text(exc))
        self.current.selectAll()
        self.current.setFocus()

    def reject(self) -> None:  # Escape: not while the key is being derived
        if self._task is None:
            super().reject()
