"""Sign in at start: an account name and that person's own passphrase (empty name: the
practice owner), or the owner's recovery key when the passphrase is lost."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app.i18n import _
from app.storage.errors import StorageError, WrongSecretError
from app.ui.widgets import FieldError, label

# (account name or None for the owner, secret, is_recovery_key) -> what the secret opened
# (the open practice, for the application); raises WrongSecretError or StorageError.
Unlocker = Callable[[str | None, str, bool], object]


class UnlockDialog(QDialog):
    def __init__(self, unlocker: Unlocker, *, profile_label: str, has_passphrase: bool = True,
                 parent=None) -> None:
        super().__init__(parent)
        self._unlocker = unlocker
        # A keychain-only practice whose keychain entry is gone opens with the recovery key.
        self._recovery = not has_passphrase
        self.used_recovery_key = False
        self.key: object | None = None  # what the unlocker returned
        self.setWindowTitle(_("Unlock Permanence"))
        self.setMinimumWidth(460)

        self.title = label(_("Unlock the practice database"), "PageTitle")
        self.explain = label("", "Muted", wrap=True)
        self.where = label(_("Profile: {path}").format(path=profile_label), "Hint", wrap=True)
        self.account_label = label(_("Account"), "Muted")
        self.account = QLineEdit()
        self.account.setPlaceholderText(_("owner (leave empty), or your account name"))
        self.account.setMaxLength(40)
        self.account.returnPressed.connect(lambda: self.secret.setFocus())
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = FieldError()
        self.toggle = QPushButton()
        self.toggle.setFlat(True)
        self.toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle.clicked.connect(self._toggle_mode)

        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton(_("Unlock"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setObjectName("Primary")
        # Enter in the field unlocks (bound below), not the dialog's default button,
        # so one key press never runs the key derivation twice.
        self.unlock_button.setAutoDefault(False)
        self.secret.returnPressed.connect(self._try_unlock)
        self.quit_button = buttons.addButton(_("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._try_unlock)
        for button in buttons.buttons():
            button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for w in (self.title, self.explain, self.account_label, self.account, self.secret,
                  self.error, self.toggle, self.where):
            layout.addWidget(w)
        layout.addWidget(buttons)
        if not has_passphrase:
            self.toggle.hide()
            self.title.setText(_("The key was not found in the system keychain"))
        self._apply_mode()

    def _apply_mode(self) -> None:
        if self._recovery:
            self.explain.setText(_("Type the recovery key you wrote down when the practice "
                                   "was created (groups of four letters and digits)."))
            self.secret.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
            self.secret.setEchoMode(QLineEdit.EchoMode.Normal)
            self.toggle.setText(_("Use the passphrase instead"))
        else:
            self.explain.setText(_("Sign in with your account name and your own "
                                   "passphrase; the practice owner may leave the name "
                                   "empty."))
            self.secret.setPlaceholderText(_("Passphrase"))
            self.secret.setEchoMode(QLineEdit.EchoMode.Password)
            self.toggle.setText(_("Passphrase lost? Use the recovery key"))
        # The recovery key opens the practice for its owner only.
        self.account_label.setVisible(not self._recovery)
        self.account.setVisible(not self._recovery)
        self.error.show_message("")
        self.secret.clear()
        self.secret.setFocus()

    def _toggle_mode(self) -> None:
        self._recovery = not self._recovery
        self._apply_mode()

    def _try_unlock(self) -> None:
        secret = self.secret.text()
        if not secret:
            self.error.show_message(_("Type the recovery key.") if self._recovery
                                    else _("Type the passphrase."))
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            name = self.account.text().strip().lower() or None
            self.key = self._unlocker(None if self._recovery else name, secret, self._recovery)
            self.used_recovery_key = self._recovery
        except WrongSecretError as exc:
            self.error.show_message(exc.user_message)
            self.secret.selectAll()
            return
        except StorageError as exc:
            self.error.show_message(exc.user_message)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()
