"""Réglages › Cabinet: the practice's details and its practitioners, after the setup
assistant. Practitioners are added, edited and deactivated (never deleted: their names
stay in every history); every write goes through the practice editor's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, ngettext, pgettext
from app.services.errors import NotFound, ValidationError
from app.services.practice import (
    PracticeDetails,
    PractitionerInput,
    PractitionerRecord,
    timezone_names,
)
from app.services.phones import display_phone
from app.services.workspace import Workspace
from app.ui.agenda_settings.common import with_error
from app.ui.agenda_settings.types_editor import OTHER_COLOUR, palette, swatch
from app.ui.failures import failure_text
from app.ui.plain import message_box, tooltip
from app.ui.widgets import FieldError, label

# (title, text, button that goes on) -> True when the user goes on
Ask = Callable[[str, str, str], bool]


def ask_question(parent: QWidget) -> Ask:
    def ask(title: str, text: str, go_on: str) -> bool:
        box = message_box(QMessageBox.Icon.Question, title, text, parent)
        yes = box.addButton(go_on, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is yes
    return ask


class PracticeDetailsForm(QWidget):
    """Name, address, time zone. ``saved(PracticeInfo)``."""

    saved = Signal(object)

    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.address = QLineEdit()
        self.address.setPlaceholderText(_("Street, postal code, town"))
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(_("e.g. 04 78 12 34 56"))
        self.phone.setMaximumWidth(220)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(timezone_names())
        self.timezone.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.timezone.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone_note = label("", "Hint", wrap=True)
        self.errors = {k: FieldError() for k in ("name", "phone", "timezone")}
        self.status = label("", "Muted")
        self.save_button = QPushButton(_("Save the practice"))
        self.save_button.clicked.connect(self.save)
        self.setMaximumWidth(760)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(_("Practice name"), with_error(self.name, self.errors["name"]))
        form.addRow(_("Address"), self.address)
        form.addRow(_("Phone"), with_error(self.phone, self.errors["phone"]))
        zone = with_error(self.timezone, self.errors["timezone"])
        zone.layout().addWidget(self.zone_note)
        form.addRow(_("Time zone"), zone)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.status, 1)
        form.addRow("", row)
        self.reload()

    def reload(self) -> None:
        practice = self._ws.practice_editor.practice()
        self.name.setText(practice.name)
        self.address.setText(practice.address)
        self.phone.setText(display_phone(practice.phone) if practice.phone else "")
        self.timezone.setCurrentText(practice.timezone)
        count = self._ws.practice_editor.appointment_count()
        # Refused by the service too; said here before anyone tries.
        self.timezone.setEnabled(count == 0)
        if count:
            self.zone_note.setText(ngettext(
                "The time zone can no longer change: the practice has {n} appointment, "
                "booked at a time of this zone.",
                "The time zone can no longer change: the practice has {n} appointments, "
                "booked at times of this zone.", count).format(n=count))
        else:
            self.zone_note.setText(_("Every appointment is shown and booked in this time "
                                     "zone. A new one applies from the next start of "
                                     "Permanence."))

    def save(self) -> bool:
        for error in self.errors.values():
            error.show_message("")
        self.status.setText("")
        zone = self.timezone.currentText().strip()
        if zone not in timezone_names():
            self.errors["timezone"].show_message(_("Choose a time zone from the list."))
            return False
        try:
            saved = self._ws.save_practice(PracticeDetails(
                name=self.name.text(), address=self.address.text(), timezone=zone,
                phone=self.phone.text()))
        except ValidationError as exc:
            for key, message in exc.errors.items():
                self.errors.get(key, self.errors["name"]).show_message(message)
            return False
        self.status.setText(_("Saved."))
        self.reload()
        self.saved.emit(saved)
        return True


class PractitionersEditor(QWidget):
    """The list of practitioners, active first, and the card of the one chosen."""

    changed = Signal()

    def __init__(self, workspace: Workspace, ask: Ask | None = None, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.ask = ask or ask_question(self)
        self._records: list[PractitionerRecord] = []
        self._current: PractitionerRecord | None = None

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([_("Name"), _("Specialty"), pgettext(
            "practitioner", "Status")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._chosen)

        self.title = QLineEdit()
        self.title.setMaxLength(20)
        self.title.setPlaceholderText(_("Dr, Pr… or empty"))
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.specialty = QLineEdit()
        self.specialty.setPlaceholderText(_("e.g. Médecine générale"))
        self.colour = QComboBox()
        for value, name in palette():
            self.colour.addItem(swatch(value), name, value)
        self.colour.addItem(_("Other colour…"), OTHER_COLOUR)
        self.colour.activated.connect(self._colour_chosen)
        self._last_colour = palette()[0][0]
        self.errors = {k: FieldError() for k in ("last_name", "colour")}
        self.heading = label("", "SectionTitle")
        self.new_button = QPushButton(_("Add a practitioner"))
        self.new_button.clicked.connect(self.new_practitioner)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("Primary")
        self.save_button.clicked.connect(self.save)
        self.active_button = QPushButton()
        self.active_button.clicked.connect(self.toggle_active)
        self.status = label("", "Muted", wrap=True)

        # The list at the left, the card of the one chosen at the right.
        card = QWidget()
        card.setFixedWidth(420)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.heading)
        form.addRow(pgettext("practitioner", "Title"), self.title)
        form.addRow(_("First name"), self.first_name)
        form.addRow(_("Last name") + " *", with_error(self.last_name, self.errors["last_name"]))
        form.addRow(_("Specialty"), self.specialty)
        form.addRow(_("Colour"), with_error(self.colour, self.errors["colour"]))
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.active_button)
        buttons.addWidget(self.save_button)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(0, 0, 0, 0)
        card_layout.addLayout(form)
        card_layout.addLayout(buttons)
        card_layout.addWidget(self.status)
        card_layout.addStretch()
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        new_row = QHBoxLayout()
        new_row.addWidget(self.new_button)
        new_row.addStretch()
        left.addLayout(new_row)
        left.addWidget(label(_("A deactivated practitioner leaves the agenda and the "
                               "pickers; their name stays in every history."), "Hint",
                             wrap=True))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 1)
        layout.addSpacing(16)
        layout.addWidget(card)
        self.reload()

    # -- list ------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        keep = select or (self._current.id if self._current else None)
        self._records = self._ws.practice_editor.practitioners()
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for r in self._records:
            row = self.table.rowCount()
            self.table.insertRow(row)
            name = QTableWidgetItem(r.display_name)
            name.setIcon(swatch(r.colour))
            name.setToolTip(tooltip(r.display_name))
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(r.specialty))
            state = QTableWidgetItem(pgettext("practitioner", "Active") if r.active
                                     else _("Deactivated"))
            if not r.active:
                for item in (name, state):
                    item.setForeground(QColor("#6b7280"))
            self.table.setItem(row, 2, state)
        self.table.blockSignals(False)
        ids = [r.id for r in self._records]
        if keep in ids:
            self.table.selectRow(ids.index(keep))
            self._show(self._records[ids.index(keep)])
        elif self._records:
            self.table.selectRow(0)
            self._show(self._records[0])
        else:
            self.new_practitioner()

    def _chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._show(self._records[rows[0].row()])

    def select(self, practitioner_id: str) -> None:
        self.reload(practitioner_id)

    # -- card ------------------------------------------------------------------------
    def _show(self, record: PractitionerRecord | None) -> None:
        self._current = record
        for error in self.errors.values():
            error.show_message("")
        self.heading.setText(record.display_name if record else _("New practitioner"))
        self.title.setText(record.title if record else "Dr")
        self.first_name.setText(record.first_name if record else "")
        self.last_name.setText(record.last_name if record else "")
        self.specialty.setText(record.specialty if record else "")
        self._set_colour(record.colour if record else
                         palette()[len(self._records) % len(palette())][0])
        self.active_button.setVisible(record is not None)
        if record is not None:
            self.active_button.setText(_("Deactivate") if record.active else _("Reactivate"))

    def new_practitioner(self) -> None:
        self.table.clearSelection()
        self._show(None)
        self.status.setText("")
        self.last_name.setFocus()

    def _set_colour(self, value: str) -> None:
        index = self.colour.findData(value)
        if index < 0:
            index = self.colour.count() - 1
            self.colour.insertItem(index, swatch(value), value, value)
        self.colour.setCurrentIndex(index)
        self._last_colour = value

    def _colour_chosen(self, index: int) -> None:
        if self.colour.itemData(index) != OTHER_COLOUR:
            self._last_colour = self.colour.itemData(index)
            return
        chosen = QColorDialog.getColor(QColor(self._last_colour), self, _("Practitioner colour"))
        self._set_colour(chosen.name() if chosen.isValid() else self._last_colour)

    def save(self) -> bool:
        for error in self.errors.values():
            error.show_message("")
        data = PractitionerInput(first_name=self.first_name.text(),
                                 last_name=self.last_name.text(),
                                 specialty=self.specialty.text(),
                                 colour=self.colour.currentData() or "", title=self.title.text())
        try:
            saved = self._ws.practice_editor.save_practitioner(
                data, self._current.id if self._current else None)
        except ValidationError as exc:
            for key, message in exc.errors.items():
                self.errors.get(key, self.errors["last_name"]).show_message(message)
            return False
        except NotFound as exc:
            self.status.setText(failure_text(exc, ""))
            self.reload()
            return False
        self.status.setText(_("{name} saved.").format(name=saved.display_name))
        self.reload(saved.id)
        self.changed.emit()
        return True

    def toggle_active(self) -> bool:
        record = self._current
        if record is None:
            return False
        editor = self._ws.practice_editor
        if record.active:
            coming = editor.future_appointments(record.id)
            if coming:
                text = ngettext(
                    "{name} has {n} appointment to come. Deactivated, they leave the agenda "
                    "and the pickers: the appointment stays booked but is no longer shown. "
                    "Move or cancel it first, or deactivate anyway.",
                    "{name} has {n} appointments to come. Deactivated, they leave the agenda "
                    "and the pickers: the appointments stay booked but are no longer shown. "
                    "Move or cancel them first, or deactivate anyway.",
                    coming).format(name=record.display_name, n=coming)
            else:
                text = _("Deactivate {name}? They leave the agenda and the pickers; their "
                         "name stays in every history, and they can be reactivated.").format(
                    name=record.display_name)
            go_on = _("Deactivate anyway") if coming else _("Deactivate")
            if not self.ask(_("Deactivate a practitioner"), text, go_on):
                return False
        try:
            saved = editor.set_active(record.id, not record.active)
        except NotFound as exc:
            self.status.setText(failure_text(exc, ""))
            self.reload()
            return False
        self.status.setText((_("{name} deactivated.") if not saved.active
                             else _("{name} reactivated.")).format(name=saved.display_name))
        self.reload(saved.id)
        self.changed.emit()
        return True


class PracticeSettings(QWidget):
    """The tab: the practice's details above, its practitioners below."""

    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self.details = PracticeDetailsForm(workspace)
        self.practitioners = PractitionersEditor(workspace)
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Practice"), "SectionTitle"))
        layout.addWidget(self.details)
        layout.addSpacing(12)
        layout.addWidget(label(_("Practitioners"), "SectionTitle"))
        layout.addWidget(self.practitioners, 1)
