"""Réglages › Sauvegardes, and the scheduled backups behind it.

``BackupRunner`` makes the backups off the UI thread (one at a time): when one is due
(checked at start and every half hour: daily), on demand, and when the application
closes if one is due. ``BackupSettings`` is the tab: the folder the owner chooses
(another disk, a NAS, a USB key), the last good backup, the rotation rule, "Back up
now" with its progress.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.backup_schedule import (
    KEEP_DAILY,
    KEEP_MONTHLY,
    KEEP_WEEKLY,
    BackupSchedule,
    BackupStatus,
)
from app.services.workspace import Workspace
from app.ui.failures import failure_text, show_failure
from app.ui.tasks import run_in_background
from app.ui.widgets import label

CHECK_EVERY_MS = 30 * 60 * 1000
FIRST_CHECK_MS = 2 * 60 * 1000  # not during the start: the practice is opening its day


def schedule_for(workspace: Workspace) -> BackupSchedule:
    return workspace.backup_schedule


class BackupRunner(QObject):
    """Signals: ``progress(step)``, ``done(path)``, ``failed(exc)``, and
    ``status_changed(status)`` after each of them and after a new folder."""

    progress = Signal(str)
    done = Signal(object)
    failed = Signal(object)
    status_changed = Signal(object)

    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.schedule = schedule_for(workspace)
        self._task = None
        self._closing = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.run_if_due)

    def start_schedule(self) -> None:
        self.timer.start(FIRST_CHECK_MS)
        self.timer.timeout.connect(lambda: self.timer.setInterval(CHECK_EVERY_MS))

    @property
    def running(self) -> bool:
        return self._task is not None

    def status(self) -> BackupStatus:
        return self.schedule.status()

    def set_folder(self, folder: Path) -> None:
        self.schedule.set_folder(folder)
        self.status_changed.emit(self.status())

    def run_if_due(self) -> bool:
        if self.running or not self.schedule.due():
            return False
        self.run_now()
        return True

    def run_now(self) -> None:
        if self.running:
            return
        schedule, progress = self.schedule, self.progress

        def work():
            return schedule.run_on_own_connection(progress=progress.emit)

        self._task = run_in_background(work, self._finished, self._failed)

    def _finished(self, path) -> None:
        self._task = None
        self.schedule.record_good(path)
        self.done.emit(path)
        self.status_changed.emit(self.status())

    def _failed(self, exc) -> None:
        self._task = None
        self.failed.emit(exc)
        self.status_changed.emit(self.status())

    def finish_before_close(self, then: Callable[[], None], parent: QWidget) -> bool:
        """When the application closes: True if a backup runs (one was due, or one is
        running), with a progress window; ``then`` is called once it has ended,
        whatever its outcome. False when there is nothing to wait for."""
        if self._closing or not (self.running or self.schedule.due()):
            return False
        self._closing = True
        dialog = QProgressDialog(_("Backing up before closing…"), "", 0, 0, parent)
        dialog.setCancelButton(None)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        self.progress.connect(dialog.setLabelText)

        def ended(_result) -> None:
            dialog.close()
            then()

        self.done.connect(ended)
        self.failed.connect(ended)
        self.run_now()
        dialog.show()
        return True


def last_backup_text(status: BackupStatus) -> str:
    if status.last_good is None:
        return _("none yet")
    return status.last_good.astimezone().strftime("%d/%m/%Y %H:%M")


class BackupSettings(QWidget):
    """The Backups tab. ``ask_folder(parent, start) -> str`` picks a folder (a dialog;
    tests pass their own)."""

    def __init__(self, runner: BackupRunner, *,
                 ask_folder: Callable[[QWidget, str], str] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._ask_folder = ask_folder or (lambda parent, start: QFileDialog.getExistingDirectory(
            parent, _("Backup folder"), start))
        self.folder = label("", wrap=True)
        self.last_good = label("")
        self.warning = label("", "FieldError", wrap=True)
        self.choose_button = QPushButton(_("Choose the folder…"))
        self.choose_button.clicked.connect(self.choose_folder)
        self.run_button = QPushButton(_("Back up now"))
        self.run_button.clicked.connect(self.back_up_now)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: a backup's steps have no known length
        self.progress.setVisible(False)
        self.step = label("", "Hint")
        self.result = label("", wrap=True)

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.addRow(label(_("Scheduled backups"), "SectionTitle"))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose_button)
        form.addRow(_("Folder"), folder_row)
        form.addRow(_("Last good backup"), self.last_good)
        form.addRow(_("How often"), label(_("Every day, at the first chance after the application "
                                       "starts, and when it closes if the day's backup is "
                                       "not made yet."), wrap=True))
        form.addRow(_("Kept"), label(_(
            "The newest backup of each of the last {daily} days that have one, of each of "
            "the last {weekly} weeks and of each of the last {monthly} months; older ones are "
            "removed from the folder.").format(daily=KEEP_DAILY, weekly=KEEP_WEEKLY,
                                               monthly=KEEP_MONTHLY), wrap=True))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(label(_(
            "Choose a folder on another disk, a NAS or a USB key: a backup on the same disk "
            "is lost with it. Each backup is one encrypted file; it opens with the owner's "
            "passphrase or the recovery key (permanence restore)."), "Hint", wrap=True))
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        self.progress.setMaximumWidth(320)
        row.addWidget(self.progress)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(self.step)
        layout.addWidget(self.warning)
        layout.addWidget(self.result)
        layout.addStretch()

        runner.progress.connect(self.step.setText)
        runner.done.connect(self._done)
        runner.failed.connect(self._failed)
        runner.status_changed.connect(self.show_status)
        self.show_status(runner.status())

    def show_status(self, status: BackupStatus) -> None:
        self.folder.setText(str(status.folder) if status.folder else _("not chosen"))
        self.last_good.setText(last_backup_text(status))
        self.warning.setText(status.warning or "")
        self.warning.setVisible(bool(status.warning))
        busy = self.runner.running
        self.run_button.setEnabled(status.folder is not None and not busy)
        self.progress.setVisible(busy)

    def choose_folder(self) -> None:
        current = self.runner.status().folder
        chosen = self._ask_folder(self, str(current or Path.home()))
        if not chosen:
            return
        try:
            self.runner.set_folder(Path(chosen))
        except Exception as exc:  # noqa: BLE001 - said to the user
            show_failure(self, exc)

    def back_up_now(self) -> None:
        self.result.setText("")
        self.runner.run_now()
        self.show_status(self.runner.status())

    def _done(self, path) -> None:
        self.step.setText("")
        self.result.setText(_("Backup written: {path}").format(path=path))

    def _failed(self, exc) -> None:
        self.step.setText("")
        self.result.setText(failure_text(exc, _("The backup could not be made.")))
