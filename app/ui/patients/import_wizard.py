"""Import patients from a CSV file: file -> columns -> check -> import -> result.

The check (a dry run) and the import run off the UI thread; the import can be stopped,
and then nothing of it is kept.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.i18n import _, format_number, ngettext
from app.services.errors import Cancelled
from app.services.importing import (
    FIELDS,
    ImportRefused,
    ImportReport,
    MixedEncoding,
    PatientImporter,
    Preview,
    UnreadableFile,
    UnusableMapping,
    field_label,
    mapping_problems,
)
from app.services.importing.reading import DELIMITERS, ENCODINGS, delimiter_label, encoding_label
from app.ui.plain import PlainLabel, tooltip
from app.ui.tasks import run_in_background
from app.ui.widgets import label
from app.ui.failures import failure_text

PREVIEW_ROWS = 8
SHOWN_PROBLEMS = 500  # lines in each list; the counts above them are complete


class _Progress(QObject):
    """Progress reported from the worker thread, delivered on the UI thread."""

    moved = Signal(int, int)


def _user_message(exc: Exception) -> str:
    return failure_text(exc, _("The import failed: {error}").format(error=type(exc).__name__))


class _Background:
    """One background run at a time, with its progress bar and a stop flag."""

    def __init__(self, bar: QProgressBar) -> None:
        self.bar = bar
        self.stop = threading.Event()
        self.running = False
        self.generation = 0  # results of an older run (left with Back) are ignored
        self._task = None
        self._progress = _Progress()
        self._progress.moved.connect(self._moved)

    def start(self, fn, on_done, on_failed) -> None:
        self.stop = threading.Event()
        stop, progress = self.stop, self._progress

        def work():
            return fn(progress=lambda done, total: progress.moved.emit(done, total),
                      cancelled=stop.is_set)

        self.generation += 1
        generation = self.generation

        def finished(handler):
            def call(result):
                if generation != self.generation:
                    return
                self.running = False
                handler(result)
            return call

        self.running = True
        self.bar.setRange(0, 0)
        self.bar.show()
        self._task = run_in_background(work, finished(on_done), finished(on_failed))

    def _moved(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(done * 1000 / total))


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Choose the file"))
        self.setSubTitle(_("A CSV file exported by your previous software or a spreadsheet "
                           "(UTF-8 or Windows-1252; semicolons, commas or tabs)."))
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(_("Path of the CSV file"))
        self.path_edit.textChanged.connect(self.completeChanged)
        self.browse_button = QPushButton(_("Choose…"))
        self.browse_button.clicked.connect(self._browse)
        self.error = label("", "FieldError", wrap=True)
        self.error.hide()
        # Offered when the file is UTF-8 but for a few lines: neither reading is lossless.
        self.encoding_choice = QComboBox()
        self.encoding_choice.addItem(_("UTF-8: the bytes of those lines become \ufffd, "
                                       "the rest of the file reads right"), "utf-8")
        self.encoding_choice.addItem(_("Windows-1252: the whole file, its accents garbled "
                                       "if it is really UTF-8"), "cp1252")
        self.encoding_title = PlainLabel(_("Read the file as"))
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        choice = QHBoxLayout()
        choice.addWidget(self.encoding_title)
        choice.addWidget(self.encoding_choice, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addLayout(choice)
        layout.addStretch()
        self._show_choice(False)
        self.path_edit.textChanged.connect(lambda _text: self._show_choice(False))

    def _show_choice(self, shown: bool) -> None:
        self.encoding_title.setVisible(shown)
        self.encoding_choice.setVisible(shown)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose the CSV file"), self.path_edit.text(),
            _("CSV files (*.csv *.txt);;All files (*)"))
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip())

    def validatePage(self) -> bool:
        path = Path(self.path_edit.text().strip()).expanduser()
        chosen = None if self.encoding_choice.isHidden() else self.encoding_choice.currentData()
        try:
            self._wizard.load(path, encoding=chosen)
        except MixedEncoding as exc:
            self.error.setText(exc.user_message + "\n" + _("Choose how to read it, then "
                                                           "Next."))
            self.error.show()
            self._show_choice(True)
            return False
        except UnreadableFile as exc:
            self.error.setText(exc.user_message)
            self.error.show()
            self._show_choice(False)
            return False
        self.error.hide()
        return True


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Columns"))
        self.setSubTitle(_("Check which field of the patient card each column holds."))
        self.encoding = QComboBox()
        for name in ENCODINGS:
            self.encoding.addItem(encoding_label(name), name)
        self.delimiter = QComboBox()
        for value in DELIMITERS:
            self.delimiter.addItem(delimiter_label(value), value)
        self.encoding.currentIndexChanged.connect(self._format_chosen)
        self.delimiter.currentIndexChanged.connect(self._format_chosen)
        self.detected = label("", "Hint", wrap=True)
        self.broken = label("", "FieldError", wrap=True)
        self.broken.hide()
        self.combos: list[QComboBox] = []
        self.columns_form = QFormLayout()
        columns = QWidget()
        columns.setLayout(self.columns_form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(columns)
        scroll.setMinimumHeight(160)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().hide()
        self.problems = label("", "FieldError", wrap=True)
        self.problems.hide()

        fmt_row = QHBoxLayout()
        fmt_row.addWidget(label(_("Encoding")))
        fmt_row.addWidget(self.encoding)
        fmt_row.addWidget(label(_("Delimiter")))
        fmt_row.addWidget(self.delimiter)
        fmt_row.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.detected)
        layout.addWidget(self.broken)
        layout.addLayout(fmt_row)
        layout.addWidget(scroll, 1)
        layout.addWidget(label(_("First rows of the file"), "SectionTitle"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.problems)

    def initializePage(self) -> None:
        self._show(self._wizard.preview, detected=True)

    def _show(self, preview: Preview, *, detected: bool = False) -> None:
        fmt = preview.format
        if detected:
            self.detected.setText(_("Detected: encoding {encoding}, delimiter {delimiter}.")
                                  .format(encoding=fmt.encoding_label,
                                          delimiter=fmt.delimiter_label))
        for combo, value in ((self.encoding, fmt.encoding), (self.delimiter, fmt.delimiter)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)
        if fmt.broken:
            self.broken.setText(ngettext(
                "Line {lines} is not in UTF-8: its stray bytes are shown as \ufffd.",
                "Lines {lines} are not in UTF-8: their stray bytes are shown as \ufffd.",
                fmt.broken.count).format(lines=fmt.broken.label))
        self.broken.setVisible(bool(fmt.broken))
        while self.columns_form.rowCount():
            self.columns_form.removeRow(0)
        self.combos = []
        for header, key in zip(preview.headers, preview.mapping):
            combo = QComboBox()
            combo.addItem(_("(ignored)"), None)
            for field in FIELDS:
                combo.addItem(field_label(field), field)
            combo.setCurrentIndex(max(0, combo.findData(key)))
            combo.currentIndexChanged.connect(self._mapping_changed)
            self.combos.append(combo)
            self.columns_form.addRow(label(f"« {header} »"), combo)
        self.preview.clear()
        self.preview.setColumnCount(len(preview.headers))
        self.preview.setHorizontalHeaderLabels(preview.headers)
        self.preview.setRowCount(min(len(preview.rows), PREVIEW_ROWS))
        for r, cells in enumerate(preview.rows[:PREVIEW_ROWS]):
            for c, cell in enumerate(cells[:len(preview.headers)]):
                self.preview.setItem(r, c, QTableWidgetItem(cell[:200]))
        self.preview.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self._mapping_changed()

    def _format_chosen(self) -> None:
        try:
            self._wizard.load(self._wizard.path, encoding=self.encoding.currentData(),
                              delimiter=self.delimiter.currentData())
        except (UnreadableFile, UnicodeDecodeError) as exc:
            self.problems.setText(failure_text(
                exc, _("The file cannot be read with this encoding.")))
            self.problems.show()
            return
        self._show(self._wizard.preview)

    def mapping(self) -> list:
        return [combo.currentData() for combo in self.combos]

    def _mapping_changed(self) -> None:
        problems = mapping_problems(self.mapping())
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.combos) and not mapping_problems(self.mapping())

    def validatePage(self) -> bool:
        self._wizard.mapping = self.mapping()
        return True


class CheckPage(QWizardPage):
    """The dry run: what would be imported, what is wrong, possible duplicates."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.report: ImportReport | None = None
        self.setTitle(_("Check"))
        self.setSubTitle(_("Every row is checked with the rules of the patient card; nothing "
                           "is written yet."))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Import"))
        self.bar = QProgressBar()
        self.background = _Background(self.bar)
        self.summary = label("", wrap=True)
        self.errors = QTreeWidget()
        self.errors.setHeaderLabels([_("Line"), _("Column"), _("Problem")])
        self.errors.setRootIsDecorated(False)
        self.duplicates = QTreeWidget()
        self.duplicates.setHeaderLabels([_("Line"), _("Possible duplicate")])
        self.duplicates.setRootIsDecorated(False)
        self.skip_invalid = QCheckBox(_("Skip the invalid rows and import the valid ones"))
        self.skip_invalid.toggled.connect(self.completeChanged)
        self.skip_duplicates = QCheckBox(_("Leave out rows with the name, first name and birth "
                                           "date of a recorded patient or of an earlier row"))
        self.errors_title = label(_("Errors"), "SectionTitle")
        self.duplicates_title = label(_("Possible duplicates"), "SectionTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.errors_title)
        layout.addWidget(self.errors, 2)
        layout.addWidget(self.duplicates_title)
        layout.addWidget(self.duplicates, 1)
        layout.addWidget(self.skip_invalid)
        layout.addWidget(self.skip_duplicates)

    def initializePage(self) -> None:
        self.report = None
        for widget in (self.errors, self.duplicates):
            widget.clear()
        for widget in (self.errors_title, self.errors, self.duplicates_title, self.duplicates,
                       self.skip_invalid, self.skip_duplicates):
            widget.hide()
        self.summary.setText(_("Checking the file…"))
        wizard = self._wizard
        path, fmt, mapping = wizard.path, wizard.preview.format, list(wizard.mapping)
        self.background.start(
            lambda **kw: wizard.importer.dry_run(path, fmt=fmt, mapping=mapping, **kw),
            self._checked, self._failed)
        self.completeChanged.emit()

    def cleanupPage(self) -> None:  # Back: stop a check still running, forget its result
        self.background.stop.set()
        self.background.generation += 1
        self.background.running = False
        super().cleanupPage()

    def _checked(self, report: ImportReport) -> None:
        self.bar.hide()
        self.report = report
        n = format_number
        text = ngettext("{rows} row read: ", "{rows} rows read: ", report.rows).format(
            rows=n(report.rows))
        text += ngettext("{n} valid, ", "{n} valid, ", report.valid).format(n=n(report.valid))
        text += ngettext("{n} invalid.", "{n} invalid.", report.invalid).format(
            n=n(report.invalid))
        if report.duplicate_count:
            text += " " + ngettext("{n} possible duplicate.", "{n} possible duplicates.",
                                   report.duplicate_count).format(n=n(report.duplicate_count))
        if report.invalid:
            text += "\n" + _("Without “skip the invalid rows”, nothing will be imported: "
                             "correct the file, or skip them.")
        if report.valid == 0:
            text += "\n" + _("No row can be imported.")
        self.summary.setText(text)
        for error in report.errors[:SHOWN_PROBLEMS]:
            column = error.column or (field_label(error.field) if error.field else "")
            item = QTreeWidgetItem([str(error.line), column, error.message])
            item.setToolTip(2, tooltip(error.message))
            self.errors.addTopLevelItem(item)
        for dup in report.duplicates[:SHOWN_PROBLEMS]:
            self.duplicates.addTopLevelItem(QTreeWidgetItem([str(dup.line), dup.message]))
        for tree in (self.errors, self.duplicates):
            tree.resizeColumnToContents(0)
            tree.resizeColumnToContents(1)
        for widgets, shown in (((self.errors_title, self.errors, self.skip_invalid),
                                bool(report.invalid)),
                               ((self.duplicates_title, self.duplicates, self.skip_duplicates),
                                bool(report.duplicate_count))):
            for widget in widgets:
                widget.setVisible(shown)
        self.completeChanged.emit()

    def _failed(self, exc: Exception) -> None:
        self.bar.hide()
        self.summary.setText(_user_message(exc))

    def isComplete(self) -> bool:
        report = self.report
        return (report is not None and report.valid > 0
                and (report.invalid == 0 or self.skip_invalid.isChecked()))

    def validatePage(self) -> bool:
        self._wizard.skip_invalid = self.skip_invalid.isChecked()
        self._wizard.skip_duplicates = self.skip_duplicates.isChecked()
        return True


class RunPage(QWizardPage):
    """The import itself, then its result."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.report: ImportReport | None = None
        self.finished = False
        self.setTitle(_("Import"))
        self.bar = QProgressBar()
        self.background = _Background(self.bar)
        self.status = label("", wrap=True)
        self.stop_button = QPushButton(_("Stop"))
        self.stop_button.setToolTip(_("Stop the import; nothing of it is kept"))
        self.stop_button.clicked.connect(self.stop)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addStretch()

    def initializePage(self) -> None:
        wizard = self._wizard
        self.finished = False
        self.status.setText(_("Importing… The patients appear all at once at the end."))
        self.stop_button.show()
        self.stop_button.setEnabled(True)
        path, fmt, mapping = wizard.path, wizard.preview.format, list(wizard.mapping)
        skip_invalid, skip_duplicates = wizard.skip_invalid, wizard.skip_duplicates
        self.background.start(
            lambda **kw: wizard.importer.run(path, fmt=fmt, mapping=mapping,
                                             skip_invalid=skip_invalid,
                                             skip_duplicates=skip_duplicates, **kw),
            self._done, self._failed)

    def stop(self) -> None:
        self.background.stop.set()
        self.stop_button.setEnabled(False)
        self.status.setText(_("Stopping…"))

    def _end(self, text: str) -> None:
        self.bar.hide()
        self.stop_button.hide()
        self.status.setText(text)
        self.finished = True
        self.completeChanged.emit()
        self._wizard.run_ended()

    def _done(self, report: ImportReport) -> None:
        self.report = report
        self.setTitle(_("Import finished"))
        text = ngettext("{n} patient imported.", "{n} patients imported.",
                        report.imported).format(n=format_number(report.imported))
        if report.invalid:
            text += " " + ngettext("{n} invalid row skipped.", "{n} invalid rows skipped.",
                                   report.invalid).format(n=format_number(report.invalid))
        if report.skipped_duplicates:
            text += " " + ngettext("{n} duplicate left out.", "{n} duplicates left out.",
                                   report.skipped_duplicates).format(
                n=format_number(report.skipped_duplicates))
        self._end(text)

    def _failed(self, exc: Exception) -> None:
        self.setTitle(_("Nothing was imported"))
        if isinstance(exc, (Cancelled, ImportRefused, UnreadableFile, UnusableMapping)):
            self._end(exc.user_message)
        else:
            self._end(_user_message(exc))

    def isComplete(self) -> bool:
        return self.finished


class ImportWizard(QWizard):
    def __init__(self, importer: PatientImporter, parent=None) -> None:
        super().__init__(parent)
        self.importer = importer
        self.path: Path | None = None
        self.preview: Preview | None = None
        self.mapping: list = []
        self.skip_invalid = False
        self.skip_duplicates = False
        self._close_when_done = False
        self.setWindowTitle(_("Import patients (CSV)"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.resize(820, 620)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        self.run_page = RunPage(self)
        for page in (self.file_page, self.mapping_page, self.check_page, self.run_page):
            self.addPage(page)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)

    def load(self, path: Path, *, encoding: str | None = None,
             delimiter: str | None = None) -> None:
        """Read the file's first rows; the format is detected unless chosen."""
        self.preview = self.importer.preview(path, encoding=encoding, delimiter=delimiter,
                                             rows=PREVIEW_ROWS)
        self.path = path

    @property
    def busy(self) -> bool:
        return self.check_page.background.running or self.run_page.background.running

    def run_ended(self) -> None:
        if self._close_when_done:
            super().reject()

    def reject(self) -> None:
        """Closing while work runs stops it first (an import then keeps nothing)."""
        if self.run_page.background.running:
            self._close_when_done = True
            self.run_page.stop()
            return
        self.check_page.background.stop.set()
        super().reject()

