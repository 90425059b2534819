"""Réglages › Data protection, the practice's keys (the owner's): moving between the
system keychain and a passphrase, and re-encrypting the practice under a new key.

A rekey closes the practice first (the application's session does it: its window and
workspace end, ``GuiSession.rekey``), then runs off the UI thread (``RekeyRun``) while
``RekeyProgress`` shows each step. It cannot be cancelled: once the copy is checked the
files are swapped behind a marker, and even a crash then finishes the swap at the next
start (``app.storage.rekey``). The practice then opens again under its new key.

The dialogs that ask are dependencies of the settings tab, so tests give their answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.practice_keys import AUDIT, rekey_practice
from app.storage.rekey import BACKUP, CHECK, COPY, SWAP
from app.ui.plain import message_box
from app.ui.tasks import run_in_background
from app.ui.widgets import label

STEPS = (BACKUP, COPY, CHECK, SWAP, AUDIT)


def step_text(step: str) -> str:
    return {
        BACKUP: _("Backing up the practice…"),
        COPY: _("Copying the database under the new key…"),
        CHECK: _("Checking the copy…"),
        SWAP: _("Swapping the files…"),
        AUDIT: _("Opening the practice under its new key…"),
    }.get(step, step)


# -- the keychain -------------------------------------------------------------------------
def confirm_to_keychain(parent: QWidget) -> bool:
    box = message_box(QMessageBox.Icon.Question, _("Open with the system keychain"), _(
        "This workstation's system keychain will open the practice, without typing "
        "anything; the passphrase will no longer open it. Keep the recovery key: it opens "
        "the practice on any computer."), parent)
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Ok


class NewPassphraseDialog(QDialog):
    """A new passphrase, twice: the one that opens the practice without the keychain."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Open with a passphrase"))
        self.new, self.again = QLineEdit(), QLineEdit()
        for field in (self.new, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = label("", "FieldError", wrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(label(_("The practice will open with this passphrase instead of the "
                            "system keychain."), "Hint", wrap=True))
        form.addRow(_("New passphrase"), self.new)
        form.addRow(_("New passphrase again"), self.again)
        form.addRow(self.error)
        form.addRow(buttons)

    def _accept(self) -> None:
        if not self.new.text():
            self.error.setText(_("Type the new passphrase."))
            return
        if self.new.text() != self.again.text():
            self.error.setText(_("The two new passphrases differ."))
            return
        self.accept()


def ask_new_passphrase(parent: QWidget) -> str | None:
    dialog = NewPassphraseDialog(parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.new.text()


# -- rekey --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RekeyRequest:
    passphrase: str | None  # the owner's, when the practice has one


class RekeyConfirm(QDialog):
    """What a rekey does and that it cannot be stopped; the practice's passphrase when
    it has one (its wrap is rewritten for the new key)."""

    def __init__(self, needs_passphrase: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Re-encrypt under a new key"))
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = label("", "FieldError", wrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton(_("Re-encrypt"),
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(label(_(
            "Permanence closes the practice, backs it up, copies the database under a new "
            "key, checks the copy and swaps the files; then it opens the practice again. "
            "On a large practice this takes several minutes, during which nobody can work "
            "on this workstation."), wrap=True))
        form.addRow(label(_(
            "Once started it cannot be cancelled: the swap is finished even if the "
            "computer stops. You will be shown a new recovery key once; the other "
            "accounts will need a new passphrase from you."), "Hint", wrap=True))
        self.passphrase.setVisible(needs_passphrase)
        if needs_passphrase:
            form.addRow(_("The practice's passphrase"), self.passphrase)
        form.addRow(self.error)
        form.addRow(buttons)
        self._needs = needs_passphrase

    def _accept(self) -> None:
        if self._needs and not self.passphrase.text():
            self.error.setText(_("Type the practice's passphrase."))
            return
        self.accept()

    def request(self) -> RekeyRequest:
        return RekeyRequest(self.passphrase.text() if self._needs else None)


def ask_rekey(parent: QWidget, needs_passphrase: bool) -> RekeyRequest | None:
    dialog = RekeyConfirm(needs_passphrase, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.request()


class RekeyProgress(QDialog):
    """Shown while the rekey runs, the practice closed: the step under way, and that it
    cannot be interrupted. Neither Escape nor the window's close button ends it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Re-encrypting the practice"))
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.setModal(True)
        self._running = True
        self.step = label(step_text(BACKUP))
        self.bar = QProgressBar()
        self.bar.setRange(0, len(STEPS))
        self.bar.setValue(0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step)
        layout.addWidget(self.bar)
        layout.addWidget(label(_("This cannot be cancelled. Leave the computer on: if it "
                                 "stops anyway, Permanence finishes the change at its next "
                                 "start."), "Hint", wrap=True))
        self.resize(460, 160)

    def is_locked(self) -> bool:
        """While the practice is closed, the phone channel answers as if locked."""
        return True

    def show_step(self, step: str) -> None:
        self.step.setText(step_text(step))
        if step in STEPS:
            self.bar.setValue(STEPS.index(step) + 1)

    def finish(self) -> None:
        self._running = False
        self.accept()

    def reject(self) -> None:  # Escape
        if not self._running:
            super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._running:
            event.ignore()
        else:
            super().closeEvent(event)


class RekeyRun(QObject):
    """``rekey_practice`` off the UI thread. ``step(name)`` as each step starts (sent
    from the worker, delivered on the UI thread), then ``done(RekeyResult)`` or
    ``failed(exception)``."""

    step = Signal(str)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._task = None

    def start(self, paths, key: bytes, *, passphrase: str | None, clock, keychain, kdf,
              kdf_floor) -> None:
        def work():
            return rekey_practice(paths, key, passphrase=passphrase, clock=clock,
                                  keychain=keychain, kdf=kdf, kdf_floor=kdf_floor,
                                  progress=self.step.emit)

        self._task = run_in_background(work, self.done.emit, self.failed.emit)


def rekeyed_text(result) -> str:
    text = _("The practice is re-encrypted under a new key; a backup made first is in "
             "{path}.\n\nThe new recovery key, shown once (write it down and keep it away "
             "from the computer):\n\n{key}").format(path=result.backup,
                                                     key=result.recovery_key)
    if result.accounts_dropped:
        text += "\n\n" + _("These accounts need a new passphrase from you (Settings › "
                           "Accounts, “Reset the passphrase…”): {names}.").format(
                               names=", ".join(result.accounts_dropped))
    return text
