"""First run: create the practice, choose its protection, show the recovery key once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from app.i18n import _, pgettext
from app.services.errors import ValidationError
from app.services.passphrase_policy import check_new_passphrase
from app.services.practice import PracticeInput, PractitionerInput, timezone_names
from app.storage.errors import StorageError
from app.ui.passphrase_strength import StrengthGauge
from app.ui.plain import escape
from app.ui.widgets import FieldError, label

PALETTE = ["#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626"]

# (practice, passphrase or None, use keychain) -> recovery key; raises on failure
Creator = Callable[[PracticeInput, str | None, bool], str]


class PracticePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Your practice"))
        self.setSubTitle(_("These details appear on screens and printouts. You can add the "
                           "agenda and the rest later."))
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("e.g. Cabinet médical des Tilleuls"))
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(timezone_names())
        self.timezone.setCurrentText("Europe/Paris")
        self.timezone.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.timezone.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.address = QLineEdit()
        self.address.setPlaceholderText(_("Street, postal code, town"))
        self.owner = QLineEdit()
        self.owner.setPlaceholderText(_("Your name, as shown in the audit trail"))
        self.error = FieldError()
        form = QFormLayout(self)
        form.addRow(_("Practice name"), self.name)
        form.addRow(_("Time zone"), self.timezone)
        form.addRow("", label(_("Every appointment is shown and booked in this time zone, "
                                "wherever the workstation is."), "Hint", wrap=True))
        form.addRow(_("Address"), self.address)
        form.addRow(_("Your name"), self.owner)
        form.addRow("", self.error)
        self.name.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.name.text().strip())

    def validatePage(self) -> bool:
        if self.timezone.currentText() not in timezone_names():
            self.error.show_message(_("Choose a time zone from the list."))
            return False
        self.error.show_message("")
        return True


class PractitionersPage(QWizardPage):
    COLUMNS = 5

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Practitioners"))
        self.setSubTitle(_("Who works at the practice. Double-click a colour to change it."))
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setHorizontalHeaderLabels(
            [pgettext("practitioner", "Title"), _("First name"), _("Last name"), _("Specialty"), _("Colour")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.cellDoubleClicked.connect(self._pick_colour)
        self.table.itemChanged.connect(lambda *_: self.completeChanged.emit())
        add = QPushButton(_("Add a practitioner"))
        add.clicked.connect(self.add_row)
        remove = QPushButton(_("Remove"))
        remove.clicked.connect(self._remove_row)
        self.error = FieldError()
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self.add_row()

    def add_row(self, values: tuple[str, str, str, str] = ("Dr", "", "", "")) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, value in enumerate(values):
            self.table.setItem(row, col, QTableWidgetItem(value))
        colour = PALETTE[row % len(PALETTE)]
        item = QTableWidgetItem(colour)
        item.setBackground(QColor(colour))
        item.setForeground(QColor("#ffffff"))
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(row, 4, item)
        self.completeChanged.emit()

    def _remove_row(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.completeChanged.emit()

    def _pick_colour(self, row: int, col: int) -> None:
        if col != 4:
            return
        item = self.table.item(row, 4)
        colour = QColorDialog.getColor(QColor(item.text()), self, _("Practitioner colour"))
        if colour.isValid():
            item.setText(colour.name())
            item.setBackground(colour)

    def practitioners(self) -> list[PractitionerInput]:
        result = []
        for row in range(self.table.rowCount()):
            cell = [(self.table.item(row, c).text().strip() if self.table.item(row, c) else "")
                    for c in range(self.COLUMNS)]
            if not any(cell[1:4]):
                continue
            result.append(PractitionerInput(title=cell[0], first_name=cell[1], last_name=cell[2],
                                            specialty=cell[3], colour=cell[4]))
        return result

    def isComplete(self) -> bool:
        people = self.practitioners()
        return bool(people) and all(p.last_name for p in people)


class ProtectionPage(QWizardPage):
    def __init__(self, keychain_problem: str | None,
                 context: Callable[[], list[str]] = list) -> None:
        """``context()``: the practice's and the people's names, which a passphrase
        should not be made of."""
        super().__init__()
        self._context = context
        self._estimate = None
        self.setTitle(_("Protection"))
        self.setSubTitle(_("The practice database is encrypted. Choose how its key is kept."))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Create the practice"))
        self.keychain = QRadioButton(_("System keychain: opens without typing anything on "
                                       "this computer (recommended)"))
        self.passphrase_choice = QRadioButton(_("Passphrase: typed at each start (for a "
                                                "workstation without a usable keychain)"))
        self.keychain_note = label("", "Hint", wrap=True)
        if keychain_problem:
            self.keychain.setEnabled(False)
            self.keychain_note.setText(_("The system keychain is not available here ({reason}).")
                                       .format(reason=keychain_problem))
            self.passphrase_choice.setChecked(True)
        else:
            self.keychain.setChecked(True)
            self.keychain_note.setText(_("If this computer's keychain is ever lost, the recovery "
                                         "key shown next opens the practice."))
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("Several unrelated words"))
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setPlaceholderText(_("Type it again"))
        self.pass_hint = label(_("A few unrelated words make a passphrase that is long and "
                                 "easy to remember. It never expires: change it only if it "
                                 "may have been seen."), "Hint", wrap=True)
        # Estimated while typing; the button stays off until the estimate says "strong".
        self.gauge = StrengthGauge()
        self.strength_bar, self.strength = self.gauge.bar, self.gauge.text
        self.error = FieldError()
        layout = QVBoxLayout(self)
        layout.addWidget(self.keychain)
        layout.addWidget(self.keychain_note)
        layout.addSpacing(6)
        layout.addWidget(self.passphrase_choice)
        form = QFormLayout()
        form.addRow(_("Passphrase"), self.passphrase)
        form.addRow(_("Confirm"), self.confirm)
        self.gauge.add_rows(form)
        layout.addLayout(form)
        layout.addWidget(self.pass_hint)
        layout.addWidget(self.error)
        layout.addStretch()
        for w in (self.keychain, self.passphrase_choice):
            w.toggled.connect(self._sync)
        for w in (self.passphrase, self.confirm):
            w.textChanged.connect(self._sync)
        self._sync()

    def uses_passphrase(self) -> bool:
        return self.passphrase_choice.isChecked()

    def initializePage(self) -> None:
        self._sync()  # the names may have changed since: estimate again

    def _sync(self) -> None:
        on = self.uses_passphrase()
        for w in (self.passphrase, self.confirm, self.pass_hint, self.strength_bar,
                  self.strength):
            w.setEnabled(on)
        self._show_strength()
        self.error.show_message("")
        self.completeChanged.emit()

    def _show_strength(self) -> None:
        self._estimate = self.gauge.show(self.passphrase.text(), context=self._context())

    def isComplete(self) -> bool:
        if not self.uses_passphrase():
            return True
        return (self._estimate is not None and self._estimate.acceptable
                and bool(self.confirm.text()))

    def validatePage(self) -> bool:
        if self.uses_passphrase() and self.passphrase.text() != self.confirm.text():
            self.error.show_message(_("The two passphrases differ."))
            return False
        wizard: SetupWizard = self.wizard()  # type: ignore[assignment]
        return wizard.create_practice(self.error)


class RecoveryPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Recovery key"))
        self.setSubTitle(_("If the passphrase is forgotten or the keychain is lost, this key "
                           "is the only way to open the practice database. It is shown once."))
        self.key_label = label("", "RecoveryKey")
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.print_button = QPushButton(_("Print…"))
        self.print_button.clicked.connect(self._print)
        self.confirm = QCheckBox(_("I have written down or printed this key and keep it in a "
                                   "safe place, away from this computer."))
        self.confirm.toggled.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.key_label)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.print_button)
        layout.addLayout(row)
        layout.addWidget(label(_("Permanence support cannot recover it for you: nobody but "
                                 "you holds this key."), "Hint", wrap=True))
        layout.addStretch()
        layout.addWidget(self.confirm)

    def show_key(self, key: str) -> None:
        self.key_label.setText(key)

    def isComplete(self) -> bool:
        return self.confirm.isChecked()

    def _print(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        if QPrintDialog(printer, self).exec() != QPrintDialog.DialogCode.Accepted:
            return
        doc = QTextDocument()
        doc.setDefaultFont(QFont("DejaVu Sans", 12))
        wizard: SetupWizard = self.wizard()  # type: ignore[assignment]
        doc.setHtml(recovery_sheet_html(wizard.practice_page.name.text().strip(),
                                        self.key_label.text()))
        doc.print_(printer)


def recovery_sheet_html(practice: str, key: str) -> str:
    """The printed recovery sheet; the practice's name is typed by the user, so escaped."""
    title, practice_word = _("Recovery key"), _("Practice")
    keep = _("Keep this sheet in a safe place, away from the computer.")
    return (f"<h2>Permanence — {escape(title)}</h2>"
            f"<p>{escape(practice_word)}: {escape(practice)}</p>"
            f"<p style='font-family: monospace; font-size: 20pt'>{escape(key)}</p>"
            f"<p>{escape(keep)}</p>")


class SetupWizard(QWizard):
    def __init__(self, creator: Creator, *, keychain_problem: str | None, parent=None) -> None:
        super().__init__(parent)
        self._creator = creator
        self.created = False
        self.setWindowTitle(_("New practice — Permanence"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setMinimumSize(760, 540)
        self.setButtonText(QWizard.WizardButton.NextButton, _("Next"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("Back"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("Cancel"))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Open Permanence"))
        self.practice_page = PracticePage()
        self.practitioners_page = PractitionersPage()
        self.protection_page = ProtectionPage(keychain_problem, self._passphrase_context)
        self.recovery_page = RecoveryPage()
        for page in (self.practice_page, self.practitioners_page, self.protection_page,
                     self.recovery_page):
            self.addPage(page)

    def practice_input(self) -> PracticeInput:
        p = self.practice_page
        return PracticeInput(name=p.name.text().strip(), timezone=p.timezone.currentText(),
                             address=p.address.text().strip(),
                             practitioners=self.practitioners_page.practitioners(),
                             owner_name=p.owner.text().strip())

    def _passphrase_context(self) -> list[str]:
        p = self.practice_page
        people = [f"{x.first_name} {x.last_name}" for x in self.practitioners_page.practitioners()]
        return [p.name.text(), p.owner.text(), *people]

    def create_practice(self, error: FieldError) -> bool:
        page = self.protection_page
        passphrase = page.passphrase.text() if page.uses_passphrase() else None
        if passphrase is not None:
            try:  # the same rule as the command line's, whatever isComplete let through
                check_new_passphrase(passphrase, context=self._passphrase_context())
            except ValidationError as exc:
                error.show_message(" ".join(exc.errors.values()))
                return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            recovery = self._creator(self.practice_input(), passphrase, not page.uses_passphrase())
        except ValidationError as exc:
            error.show_message(" ".join(exc.errors.values()))
            return False
        except StorageError as exc:
            error.show_message(exc.user_message)
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.created = True
        self.recovery_page.show_key(recovery)
        return True
