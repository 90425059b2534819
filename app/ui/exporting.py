"""Export actions for a screen's menu: choose a file, export off the UI thread with a
progress dialog and Cancel, then say how many rows were written.

The file dialog is a dependency (``choose_path``) so tests and other callers can give
the destination without one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QProgressDialog, QWidget

from app.i18n import _, format_number, ngettext
from app.services.errors import Cancelled
from app.services.exporting import PATIENTS, ExportError, ExportResult, ExportService
from app.ui.plain import message_box
from app.ui.tasks import run_in_background

log = logging.getLogger("permanence.ui.exporting")

# (parent, caption, suggested file name, name filter) -> the chosen path, or None.
ChoosePath = Callable[[QWidget, str, str, str], "Path | None"]


def ask_save_path(parent: QWidget, caption: str, suggested: str, name_filter: str) -> Path | None:
    folder = (QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
              or str(Path.home()))
    name, _chosen = QFileDialog.getSaveFileName(parent, caption, str(Path(folder) / suggested),
                                                name_filter)
    return Path(name) if name else None


class _Progress(QObject):
    """Emitted from the worker thread, delivered on the UI thread (queued)."""

    moved = Signal(int, int)


# A job run off the UI thread: (progress(done, total), cancelled()) -> its result.
Job = Callable[[Callable[[int, int], None], Callable[[], bool]], object]


class BackgroundExport(QObject):
    """One export at a time, off the UI thread, with a progress dialog and Cancel, then a
    message saying what was written (or why nothing was). Subclasses say which actions
    to disable while it runs and how to word the result."""

    finished = Signal(object)  # the job's result
    failed = Signal(str)  # the message shown to the user (a cancel included)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._task = None
        self.progress_dialog: QProgressDialog | None = None
        self.message_box: QMessageBox | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def _set_enabled(self, enabled: bool) -> None:
        raise NotImplementedError

    def _done_text(self, result) -> str:
        raise NotImplementedError

    def _run(self, caption: str, job: Job) -> None:
        cancel = threading.Event()
        progress = _Progress(self)
        dialog = QProgressDialog(_("Preparing the export…"), _("Cancel"), 0, 0, self._parent)
        dialog.setWindowTitle(caption)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(cancel.set)
        progress.moved.connect(self._moved)
        self.progress_dialog = dialog
        dialog.show()
        self._set_enabled(False)
        self._task = run_in_background(lambda: job(progress.moved.emit, cancel.is_set),
                                       self._done, self._failed)

    # -- on the UI thread -----------------------------------------------------------------
    def _moved(self, done: int, total: int) -> None:
        dialog = self.progress_dialog
        if dialog is None or dialog.wasCanceled():
            return
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))
        dialog.setLabelText(_("{done} of {total} exported…").format(
            done=format_number(done), total=format_number(total)))

    def _done(self, result) -> None:
        self._end()
        self._tell(QMessageBox.Icon.Information, self._done_text(result))
        self.finished.emit(result)

    def _failed(self, exc: Exception) -> None:
        self._end()
        if isinstance(exc, Cancelled):
            text = _("Export stopped; no file was written.")
        elif isinstance(exc, ExportError):
            text = exc.user_message
        else:
            log.error("export failed: %s", type(exc).__name__)  # never the data or the path
            text = _("The export failed; no file was written.")
        self._tell(QMessageBox.Icon.Warning, text)
        self.failed.emit(text)

    def _end(self) -> None:
        self._task = None
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self._set_enabled(True)

    def _tell(self, icon: QMessageBox.Icon, text: str) -> None:
        box = message_box(icon, _("Export"), text, parent=self._parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()


class ExportActions(BackgroundExport):
    """"Export … (CSV)…" and "Export … (vCard)…" added to ``menu``."""

    def __init__(self, menu: QMenu, exporter: ExportService, *, entity: str, parent: QWidget,
                 choose_path: ChoosePath = ask_save_path) -> None:
        super().__init__(parent)
        self._exporter = exporter
        self._entity = entity
        self._choose_path = choose_path
        if entity == PATIENTS:
            csv_text, vcard_text = _("Export patients (CSV)…"), _("Export patients (vCard)…")
        else:
            csv_text, vcard_text = (_("Export the directory (CSV)…"),
                                    _("Export the directory (vCard)…"))
        self.csv_action = menu.addAction(csv_text)
        self.csv_action.triggered.connect(lambda: self.start("csv"))
        self.vcard_action = menu.addAction(vcard_text)
        self.vcard_action.triggered.connect(lambda: self.start("vcard"))
        self._captions = {"csv": csv_text.rstrip("…"), "vcard": vcard_text.rstrip("…")}

    def start(self, fmt: str) -> bool:
        """Ask for the destination and start; False if nothing was started."""
        if self.running:
            return False
        caption = self._captions[fmt]
        suffix = ".csv" if fmt == "csv" else ".vcf"
        name_filter = _("CSV files (*.csv)") if fmt == "csv" else _("vCard files (*.vcf)")
        path = self._choose_path(self._parent, caption,
                                 self._exporter.suggested_name(self._entity, fmt), name_filter)
        if path is None:
            return False
        chosen = Path(path)
        path = chosen if chosen.suffix else chosen.with_suffix(suffix)
        # The dialog asked before replacing the name it was given, not another one.
        overwrite = path == chosen
        exporter = self._exporter
        run = {("csv", True): exporter.export_patients_csv,
               ("vcard", True): exporter.export_patients_vcard,
               ("csv", False): exporter.export_directory_csv,
               ("vcard", False): exporter.export_directory_vcard}[fmt, self._entity == PATIENTS]
        self._run(caption, lambda progress, cancelled: run(path, overwrite=overwrite,
                                                            progress=progress, cancel=cancelled))
        return True

    def _done_text(self, result: ExportResult) -> str:
        if result.entity == PATIENTS:
            text = ngettext("{n} patient exported to {path}.", "{n} patients exported to {path}.",
                            result.rows)
        else:
            text = ngettext("{n} contact exported to {path}.", "{n} contacts exported to {path}.",
                            result.rows)
        return text.format(n=format_number(result.rows), path=result.path)

    def _set_enabled(self, enabled: bool) -> None:
        self.csv_action.setEnabled(enabled)
        self.vcard_action.setEnabled(enabled)
