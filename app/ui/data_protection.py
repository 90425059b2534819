"""Réglages › Protection des données (the owner's): how long data is kept, which
activity keeps a patient from erasure on request, what the rules would remove now
(dry run) and applying them; and the daily run of the rules (``RetentionRunner``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QPushButton, QSpinBox, QVBoxLayout, QWidget

from app.i18n import _
from app.services.retention import BOUNDS, RetentionRules, summary_lines
from app.services.rgpd import MAX_ACTIVITY_YEARS
from app.services.workspace import Workspace
from app.ui.failures import failure_text, show_failure
from app.ui.tasks import run_in_background
from app.ui.widgets import label

FIRST_RUN_MS = 3 * 60 * 1000  # not during the start: the practice is opening its day
CHECK_EVERY_MS = 60 * 60 * 1000


class RetentionRunner(QObject):
    """Applies the retention rules once a day while the application is open, off the
    UI thread. ``applied(summary)`` after a run that removed something."""

    applied = Signal(object)

    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self._service = workspace.retention
        self._task = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.run_if_due)

    def start(self) -> None:
        self.timer.start(FIRST_RUN_MS)
        self.timer.timeout.connect(lambda: self.timer.setInterval(CHECK_EVERY_MS))

    def run_if_due(self) -> None:
        if self._task is not None:
            return
        self._task = run_in_background(self._service.apply_if_due, self._done, self._failed)

    def _done(self, summary) -> None:
        self._task = None
        if summary is not None and not summary.nothing:
            self.applied.emit(summary)

    def _failed(self, exc) -> None:
        self._task = None
        failure_text(exc)  # logged; the next hour tries again


def _spin(low: int, high: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setMaximumWidth(140)
    return box


class DataProtectionSettings(QWidget):
    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self._retention = workspace.retention
        self._rights = workspace.rights
        self._task = None

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
        form.addRow(label(_("Applied every day while Permanence is open. Erased data is "
                            "also erased on the installations that share this practice; "
                            "backups keep it until they are rotated away."), "Hint",
                          wrap=True))
        form.addRow(_("Patients without activity, erased after"), self.patient_years)
        form.addRow(_("Calls and callbacks, erased after"), self.call_months)
        form.addRow(_("Messages, erased after"), self.message_months)
        form.addRow(_("Old values in the change journal, kept"), self.journal_days)
        form.addRow(label(_("Erasure at a patient's request"), "SectionTitle"))
        form.addRow(label(_("A patient with appointments, calls or messages more recent "
                            "than this is kept (the card says why); \"any activity\" keeps "
                            "every patient who has some."), "Hint", wrap=True))
        form.addRow(_("Activity that keeps a patient"), self.activity_years)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.dry_run_button, self.apply_button):
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch()
        self.load()

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
