"""Réglages → Comptes (the owner only): who may sign in, with which role.

Lists the accounts, adds one with its own passphrase (held to the passphrase rule),
changes the role of the one selected, disables it (never deletes it), gives it a new
passphrase (``ResetPassphraseDialog``; the owner's keys right, hidden otherwise). The
accounts whose passphrase opens nothing (after a rekey) are named. Every change goes
through a service, which checks the owner's right and audits it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.models.user import ROLE_PRACTITIONER, ROLES
from app.services import access
from app.services.access import role_label
from app.services.errors import ValidationError
from app.services.passphrase_policy import check_new_passphrase
from app.services.workspace import Workspace
from app.ui.failures import failure_text
from app.ui.plain import message_box
from app.ui.reset_passphrase import ResetPassphraseDialog
from app.ui.widgets import FieldError, label

# (question) -> True to go on; a dialog by default, tests answer for it.
Confirm = Callable[[str], bool]


def _ask(parent: QWidget) -> Confirm:
    def ask(question: str) -> bool:
        box = message_box(QMessageBox.Icon.Question, "Permanence", question, parent)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes
    return ask


class AccountsTab(QWidget):
    def __init__(self, workspace: Workspace, *, confirm: Confirm | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._confirm = confirm or _ask(self)
        self._practitioners = workspace.practitioners()

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("Account"), _("Name"), _("Role"), _("Status")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)

        self.name = QLineEdit()
        self.name.setMaxLength(40)
        self.name.setPlaceholderText(_("e.g. secretaire, dr-morel"))
        self.display_name = QLineEdit()
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(role_label(role), role)
        self.practitioner = QComboBox()
        for p in self._practitioners:
            self.practitioner.addItem(p.display_name, p.id)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_passphrase = QLineEdit()
        self.confirm_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = FieldError()
        self.add_button = QPushButton(_("Add the account"))
        self.add_button.setObjectName("Primary")
        self.add_button.clicked.connect(self.add)
        self.role_button = QPushButton(_("Give the selected account this role"))
        self.role_button.clicked.connect(self.change_role)
        self.disable_button = QPushButton(_("Disable the selected account"))
        self.disable_button.clicked.connect(self.disable)
        self.reset_button = QPushButton(_("Reset the passphrase…"))
        self.reset_button.clicked.connect(self.reset_passphrase)
        self.reset_button.setVisible(workspace.may(access.KEYS))
        # Accounts a rekey left without a passphrase that opens the practice.
        self.without_passphrase = label("", "FieldError", wrap=True)
        self.without_passphrase.hide()
        self.role.currentIndexChanged.connect(self._role_chosen)

        form = QFormLayout()
        form.addRow(_("Account name"), self.name)
        form.addRow(_("Name shown"), self.display_name)
        form.addRow(_("Role"), self.role)
        self.practitioner_label = label(_("Practitioner"))
        form.addRow(self.practitioner_label, self.practitioner)
        form.addRow(_("Passphrase"), self.passphrase)
        form.addRow(_("Confirm"), self.confirm_passphrase)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.role_button)
        buttons.addWidget(self.disable_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch()

        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Each person signs in with their own account and passphrase. "
                                 "An account is never deleted: disabled, its passphrase no "
                                 "longer opens the practice; a new role applies from its "
                                 "next sign-in."), "Hint", wrap=True))
        layout.addWidget(self.without_passphrase)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self._role_chosen()
        self.reload()

    def reload(self) -> None:
        self._accounts = self._ws.accounts.list()
        lacking = (set(self._ws.practice_keys.accounts_without_passphrase())
                   if self._ws.may(access.KEYS) else set())
        self.without_passphrase.setText(_(
            "These accounts cannot sign in until you give them a new passphrase (a "
            "re-encryption of the practice leaves every account but the owner's without "
            "one): {names}. Select each and choose “Reset the passphrase…”."
        ).format(names=", ".join(sorted(lacking))) if lacking else "")
        self.without_passphrase.setVisible(bool(lacking))
        self.table.setRowCount(len(self._accounts))
        for row, a in enumerate(self._accounts):
            status = _("active") if a.active else _("disabled")
            if a.active and a.name in lacking:
                status = _("active, without a passphrase")
            for col, text in enumerate((a.name, a.display_name, role_label(a.role), status)):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def _role_chosen(self) -> None:
        linked = self.role.currentData() == ROLE_PRACTITIONER
        self.practitioner_label.setVisible(linked)
        self.practitioner.setVisible(linked)

    def _chosen_practitioner(self) -> str | None:
        if self.role.currentData() != ROLE_PRACTITIONER:
            return None
        return self.practitioner.currentData()

    def select_account(self, name: str) -> bool:
        """Select the row of the account ``name``; False when it is not listed."""
        for row, account in enumerate(self._accounts):
            if account.name == name:
                self.table.selectRow(row)
                return True
        return False

    def _selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self._accounts[rows[0].row()] if rows else None

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError):
            self.error.show_message("\n".join(exc.errors.values()))
        else:
            self.error.show_message(failure_text(exc))

    def add(self) -> bool:
        passphrase = self.passphrase.text()
        if passphrase != self.confirm_passphrase.text():
            self.error.show_message(_("The two passphrases differ."))
            return False
        try:
            check_new_passphrase(passphrase, context=[self.name.text(),
                                                      self.display_name.text()])
            self._ws.accounts.add(self.name.text().strip().lower(), self.role.currentData(),
                                  passphrase, display_name=self.display_name.text(),
                                  practitioner_id=self._chosen_practitioner())
        except Exception as exc:  # noqa: BLE001 - said in the form, nothing was written
            self._fail(exc)
            return False
        for field in (self.name, self.display_name, self.passphrase, self.confirm_passphrase):
            field.clear()
        self.error.show_message("")
        self.reload()
        return True

    def change_role(self) -> bool:
        account = self._selected()
        if account is None:
            self.error.show_message(_("Select an account first."))
            return False
        try:
            self._ws.accounts.change_role(account.name, self.role.currentData(),
                                          practitioner_id=self._chosen_practitioner())
        except Exception as exc:  # noqa: BLE001 - said in the form, nothing was written
            self._fail(exc)
            return False
        self.error.show_message("")
        self.reload()
        return True

    def disable(self) -> bool:
        account = self._selected()
        if account is None:
            self.error.show_message(_("Select an account first."))
            return False
        if not self._confirm(_("Disable the account {name}? Its passphrase will no longer "
                               "open the practice.").format(name=account.name)):
            return False
        try:
            self._ws.accounts.disable(account.name)
        except Exception as exc:  # noqa: BLE001 - said in the form, nothing was written
            self._fail(exc)
            return False
        self.error.show_message("")
        self.reload()
        return True

    def reset_passphrase(self) -> ResetPassphraseDialog | None:
        """The dialog giving the selected account a new passphrase (opened, not run: it
        works on while the key is derived)."""
        account = self._selected()
        if account is None:
            self.error.show_message(_("Select an account first."))
            return None
        if not account.active:
            self.error.show_message(_("The account {name} is disabled: no passphrase can "
                                      "open the practice for it.").format(name=account.name))
            return None
        self.error.show_message("")
        dialog = ResetPassphraseDialog(self._ws, account.name,
                                       display_name=account.display_name, parent=self)
        dialog.reset_done.connect(lambda _name: self.reload())
        dialog.open()
        return dialog
