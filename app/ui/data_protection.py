"""Réglages › Protection des données (the owner's): how long data is kept, which
activity keeps a patient from erasure on request, what the rules would remove now
(dry run) and applying them; the practice's keys (its passphrase, its recovery key,
the system keychain instead of the passphrase and back, a rekey: ``key_custody``); and
the daily run of the rules (``RetentionRunner``).

The dialogs that ask for passphrases or a confirmation are dependencies, so tests
give their answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services import access
from app.services.retention import BOUNDS, RetentionRules, summary_lines
from app.services.rgpd import MAX_ACTIVITY_YEARS
from app.services.workspace import Workspace
from app.storage.keychain import Keychain
from app.storage.keys import MIN_KDF, KeyEnvelope
from app.ui.exporting import ask_save_path
from app.ui.key_custody import (
    RekeyRequest,
    ask_new_passphrase,
    ask_rekey,
    confirm_to_keychain,
)
from app.ui.failures import failure_text, show_failure
from app.ui.plain import message_box
from app.ui.tasks import run_in_background
from app.ui.widgets import label

FIRST_RUN_MS = 3 * 60 * 1000  # not during the start: the practice is opening its day
CHECK_EVERY_MS = 60 * 60 * 1000


class RetentionRunner(QObject):
    """Applies the retention rules once a day while the application is open, off the
    UI thread. ``applied(summary)`` after a run that removed something. A run works in
    small batches; ``interrupt`` (the application locks) and ``stop`` (it closes) end it
    after the batch under way, what it did staying done."""

    applied = Signal(object)

    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self._service = workspace.retention
        self._task = None
        self._halt = threading.Event()  # the running task's
        self._stopped = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.run_if_due)

    def start(self) -> None:
        self.timer.start(FIRST_RUN_MS)
        self.timer.timeout.connect(lambda: self.timer.setInterval(CHECK_EVERY_MS))

    @property
    def running(self) -> bool:
        return self._task is not None

    def run_if_due(self) -> None:
        if self._task is not None or self._stopped:
            return
        halt = self._halt = threading.Event()
        self._task = run_in_background(lambda: self._service.apply_if_due(stop=halt.is_set),
                                       self._done, self._failed)

    def interrupt(self) -> None:
        """The run under way ends after its batch; the next check finishes the work."""
        self._halt.set()

    def stop(self) -> None:
        """When the application closes: no more runs, the one under way ends after its
        batch and is waited for."""
        self._stopped = True
        self.timer.stop()
        self._halt.set()
        if self._task is not None:
            QThreadPool.globalInstance().waitForDone(30_000)

    def _done(self, summary) -> None:
        self._task = None
        if summary is not None and not summary.nothing:
            self.applied.emit(summary)

    def _failed(self, exc) -> None:
        self._task = None
        failure_text(exc)  # logged; the next hour tries again


class PassphraseDialog(QDialog):
    """The current passphrase, the new one, and the new one again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Change the practice's passphrase"))
        self.current, self.new, self.again = QLineEdit(), QLineEdit(), QLineEdit()
        for field in (self.current, self.new, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = label("", "FieldError", wrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("Current passphrase"), self.current)
        form.addRow(_("New passphrase"), self.new)
        form.addRow(_("New passphrase again"), self.again)
        form.addRow(self.error)
        form.addRow(buttons)

    def _accept(self) -> None:
        if self.new.text() != self.again.text():
            self.error.setText(_("The two new passphrases differ."))
            return
        self.accept()


def ask_passphrases(parent: QWidget) -> tuple[str, str] | None:
    dialog = PassphraseDialog(parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.current.text(), dialog.new.text()


def confirm_new_recovery_key(parent: QWidget) -> bool:
    box = message_box(QMessageBox.Icon.Question, _("New recovery key"), _(
        "A new recovery key replaces the current one, which will no longer open the "
        "practice. It is shown once: have something to write it down."), parent)
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Ok


def _spin(low: int, high: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setMaximumWidth(140)
    return box


class DataProtectionSettings(QWidget):
    """``last_box``: the message shown last (the new recovery key, a failure).
    ``rekey_requested(RekeyRequest)``: the owner confirmed a rekey, which the
    application's session runs (it closes the practice first)."""

    rekey_requested = Signal(object)

    def __init__(self, workspace: Workspace, parent=None, *,
                 passphrases: Callable[[QWidget], tuple[str, str] | None] = ask_passphrases,
                 confirm: Callable[[QWidget], bool] = confirm_new_recovery_key,
                 choose_path=ask_save_path,
                 confirm_keychain: Callable[[QWidget], bool] = confirm_to_keychain,
                 new_passphrase: Callable[[QWidget], str | None] = ask_new_passphrase,
                 confirm_rekey: Callable[[QWidget, bool], RekeyRequest | None] = ask_rekey,
                 keychain: Keychain | None = None) -> None:
        super().__init__(parent)
        self._confirm_keychain = confirm_keychain
        self._new_passphrase = new_passphrase
        self._confirm_rekey = confirm_rekey
        # This workstation's keychain (None: the system's, looked up when needed).
        self.keychain = keychain
        # The least Argon2 cost a passphrase's wrap may have (tests lower it).
        self.kdf_floor = MIN_KDF
        self._retention = workspace.retention
        self._rights = workspace.rights
        self._workspace = workspace
        self._passphrases = passphrases
        self._confirm = confirm
        self._choose_path = choose_path
        self._task = None
        self.last_box: QMessageBox | None = None

        self.patient_years = _spin(*BOUNDS["patient_years"], _(" years"))
        self.patient_years.setSpecialValueText(_("never"))
        self.call_months = _spin(*BOUNDS["call_months"], _(" months"))
        self.message_months = _spin(*BOUNDS["message_months"], _(" months"))
        self.journal_days = _spin(*BOUNDS["journal_days"], _(" days"))
        self.activity_years = _spin(0, MAX_ACTIVITY_YEARS, _(" years"))
        self.activity_years.setSpecialValueText(_("any activity"))
        self.save_button = QPushButton(_("Save the rules"))
        self.save_button.clicked.connect(self.save)
        self.dry_run_button = QPushButton(_("What would be removed?"))
        self.dry_run_button.clicked.connect(lambda: self.run(dry_run=True))
        self.apply_button = QPushButton(_("Apply the rules now"))
        self.apply_button.clicked.connect(lambda: self.run(dry_run=False))
        self.result = label("", "Hint", wrap=True)

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.addRow(label(_("How long data is kept"), "SectionTitle"))
        # At a remote workstation the practice erases, and its erasures arrive by sync:
        # the rules that erase are shown, not set; the journal's own one still applies.
        self.remote = workspace.is_remote_workstation
        if self.remote:
            hint = _("At this remote workstation, patients, calls, callbacks and messages "
                     "are erased by the practice's own rules: their erasures arrive with "
                     "sync. Only the change journal's rule applies here.")
            for box in (self.patient_years, self.call_months, self.message_months):
                box.setEnabled(False)
                box.setToolTip(hint)
        else:
            hint = _("Applied every day while Permanence is open. Erased data is also "
                     "erased on the installations that share this practice; backups keep "
                     "it until they are rotated away.")
        form.addRow(label(hint, "Hint", wrap=True))
        form.addRow(_("Patients without activity, erased after"), self.patient_years)
        form.addRow(_("Calls and callbacks, erased after"), self.call_months)
        form.addRow(_("Messages, erased after"), self.message_months)
        form.addRow(_("Old values in the change journal, kept"), self.journal_days)
        form.addRow(label(_("Erasure at a patient's request"), "SectionTitle"))
        form.addRow(label(_("A patient with appointments, calls or messages more recent "
                            "than this is kept (the card says why); \"any activity\" keeps "
                            "every patient who has some."), "Hint", wrap=True))
        form.addRow(_("Activity that keeps a patient"), self.activity_years)
        self.record_button = QPushButton(_("Export the record of processing…"))
        self.record_button.setToolTip(_("The registre des traitements, a starting point for "
                                        "the practice's RGPD file"))
        self.record_button.clicked.connect(self.export_record)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.dry_run_button, self.apply_button,
                       self.record_button):
            buttons.addWidget(button)
        buttons.addStretch()

        self.passphrase_button = QPushButton(_("Change the practice's passphrase…"))
        self.passphrase_button.clicked.connect(self.change_passphrase)
        self.recovery_button = QPushButton(_("New recovery key…"))
        self.recovery_button.clicked.connect(self.new_recovery_key)
        self.keychain_button = QPushButton()
        self.keychain_button.clicked.connect(self.switch_keychain)
        self.rekey_button = QPushButton(_("Re-encrypt under a new key…"))
        self.rekey_button.clicked.connect(self.request_rekey)
        self.opens_with = label("", "Hint", wrap=True)
        keys = QFormLayout()
        keys.addRow(label(_("The practice's keys"), "SectionTitle"))
        keys.addRow(label(_("A new passphrase or recovery key replaces the old one at once, "
                            "without re-encrypting anything. Re-encrypting the database "
                            "under a new key closes the practice while it runs."),
                          "Hint", wrap=True))
        keys.addRow(self.opens_with)
        # Two rows: the secrets that open the practice, then how it opens and its key.
        for row in ((self.passphrase_button, self.recovery_button),
                    (self.keychain_button, self.rekey_button)):
            key_buttons = QHBoxLayout()
            for button in row:
                key_buttons.addWidget(button)
                # The practice's keys are the owner's (``access.KEYS``); the services
                # refuse anyone else anyway.
                button.setVisible(workspace.may(access.KEYS))
            key_buttons.addStretch()
            keys.addRow(key_buttons)
        self._show_custody()

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addLayout(keys)
        layout.addStretch()
        self.load()

    def export_record(self):
        path = self._choose_path(self, _("Export the record of processing"),
                                 _("record-of-processing.md"), _("Markdown (*.md)"))
        if path is None:
            return None
        try:
            self._retention.export_record(path, overwrite=True)  # the dialog asked
        except Exception as exc:  # noqa: BLE001
            self.last_box = show_failure(self, exc)
            return None
        self.result.setText(_("The record of processing is in {path}; complete it where "
                              "it says so.").format(path=path))
        return path

    def change_passphrase(self) -> bool:
        answer = self._passphrases(self)
        if answer is None:
            return False
        current, new = answer
        try:
            self._workspace.practice_keys.change_practice_passphrase(current, new)
        except Exception as exc:  # noqa: BLE001 - worded by failure_text
            self.last_box = show_failure(self, exc)
            return False
        self._say(QMessageBox.Icon.Information, _(
            "The practice's passphrase is changed; the old one no longer opens it."))
        return True

    def new_recovery_key(self) -> str | None:
        if not self._confirm(self):
            return None
        try:
            recovery = self._workspace.practice_keys.regenerate_recovery_key()
        except Exception as exc:  # noqa: BLE001
            self.last_box = show_failure(self, exc)
            return None
        self._say(QMessageBox.Icon.Information, _(
            "The new recovery key, shown once (write it down and keep it away from the "
            "computer):\n\n{key}").format(key=recovery))
        self.last_box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return recovery

    # -- keychain or passphrase, rekey ------------------------------------------------------
    def _envelope(self) -> KeyEnvelope:
        return KeyEnvelope.load(self._workspace.paths.envelope)

    def _show_custody(self) -> None:
        envelope = self._envelope()
        if envelope.has_keychain:
            self.opens_with.setText(_("The practice opens with this workstation's system "
                                      "keychain (and the recovery key)."))
            self.keychain_button.setText(_("Open with a passphrase instead…"))
        else:
            self.opens_with.setText(_("The practice opens with its passphrase (and the "
                                      "recovery key)."))
            self.keychain_button.setText(_("Open with the system keychain instead…"))

    def switch_keychain(self) -> bool:
        """To the keychain when the practice opens with its passphrase, back otherwise."""
        keys = self._workspace.practice_keys
        keychain = self.keychain or Keychain()
        to_keychain = not self._envelope().has_keychain
        try:
            if to_keychain:
                if not self._confirm_keychain(self):
                    return False
                keys.move_to_keychain(keychain)
            else:
                new = self._new_passphrase(self)
                if new is None:
                    return False
                keys.move_to_passphrase(new, keychain)
        except Exception as exc:  # noqa: BLE001 - worded by failure_text
            self.last_box = show_failure(self, exc)
            return False
        finally:
            self._show_custody()
        self._say(QMessageBox.Icon.Information, _(
            "The practice now opens with this workstation's system keychain; its passphrase "
            "no longer opens it. Keep the recovery key: it opens the practice anywhere.")
            if to_keychain else _("The practice no longer opens with the system keychain; "
                                  "it opens with the new passphrase."))
        return True

    def request_rekey(self) -> RekeyRequest | None:
        """Ask, check the passphrase given (before anything closes), then hand over."""
        envelope = self._envelope()
        request = self._confirm_rekey(self, envelope.has_passphrase)
        if request is None:
            return None
        if request.passphrase is not None:
            try:
                envelope.unwrap_with_passphrase(request.passphrase, kdf_floor=self.kdf_floor)
            except Exception as exc:  # noqa: BLE001 - worded by failure_text
                self.last_box = show_failure(self, exc)
                return None
        self.rekey_requested.emit(request)
        return request

    def _say(self, icon: QMessageBox.Icon, text: str) -> None:
        self.last_box = message_box(icon, _("The practice's keys"), text, self)
        self.last_box.open()

    def load(self) -> None:
        rules = self._retention.rules()
        self.patient_years.setValue(rules.patient_years)
        self.call_months.setValue(rules.call_months)
        self.message_months.setValue(rules.message_months)
        self.journal_days.setValue(rules.journal_days)
        self.activity_years.setValue(self._rights.activity_years())

    def save(self) -> bool:
        try:
            self._retention.set_rules(RetentionRules(
                patient_years=self.patient_years.value(), call_months=self.call_months.value(),
                message_months=self.message_months.value(),
                journal_days=self.journal_days.value()))
            self._rights.set_activity_years(self.activity_years.value())
        except Exception as exc:  # noqa: BLE001 - worded by failure_text
            show_failure(self, exc)
            return False
        self.result.setText(_("The rules are saved."))
        return True

    def run(self, *, dry_run: bool) -> None:
        """Off the UI thread: a large practice's journal takes a while to walk."""
        if self._task is not None:
            return
        for button in (self.dry_run_button, self.apply_button):
            button.setEnabled(False)
        self.result.setText(_("Working…"))
        self._task = run_in_background(lambda: self._retention.apply(dry_run=dry_run),
                                       self._done, self._failed)

    def _done(self, summary) -> None:
        self._task = None
        for button in (self.dry_run_button, self.apply_button):
            button.setEnabled(True)
        lines = summary_lines(summary)
        if summary.dry_run and summary.patients:
            lines.append(_("Patients: {names}").format(
                names=", ".join(name for _id, name in summary.patients[:20])
                + (" …" if len(summary.patients) > 20 else "")))
        self.result.setText("\n".join(lines))

    def _failed(self, exc) -> None:
        self._task = None
        for button in (self.dry_run_button, self.apply_button):
            button.setEnabled(True)
        self.result.setText(failure_text(exc))
