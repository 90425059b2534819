"""Réglages → Général: the signed-in person changes their own passphrase (any role).

The current one, the new one twice; the workspace holds it to the passphrase rule,
checks the current one as a sign-in (throttled) and seals only that person's wrap
again. Nothing else of the practice changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout

from app.i18n import _
from app.services.errors import ValidationError
from app.services.workspace import Workspace
from app.storage.keys import MIN_KDF, KdfParams
from app.ui.failures import failure_text
from app.ui.widgets import FieldError, label


class OwnPassphraseDialog(QDialog):
    def __init__(self, workspace: Workspace, *, kdf_floor: KdfParams = MIN_KDF,
                 parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._kdf_floor = kdf_floor
        self.setWindowTitle(_("Change my passphrase"))
        self.setMinimumWidth(440)
        self.current = QLineEdit()
        self.new = QLineEdit()
        self.confirm_new = QLineEdit()
        for field in (self.current, self.new, self.confirm_new):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = FieldError()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.change_button = buttons.addButton(_("Change my passphrase"),
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.change_button.setObjectName("Primary")
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
        layout.addWidget(buttons)

    def change(self) -> bool:
        if self.new.text() != self.confirm_new.text():
            self.error.show_message(_("The two passphrases differ."))
            return False
        try:
            self._ws.change_own_passphrase(self.current.text(), self.new.text(),
                                           kdf_floor=self._kdf_floor)
        except ValidationError as exc:
            self.error.show_message("\n".join(exc.errors.values()))
            return False
        except Exception as exc:  # noqa: BLE001 - said in the dialog, nothing changed
            self.error.show_message(failure_text(exc))
            self.current.selectAll()
            return False
        self.accept()
        return True
