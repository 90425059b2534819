"""Choosing the patient of an appointment by typing: name, phone or birth date.

The results list sits under the field (no popup window, so the keyboard never leaves the
field): typing searches, Down and Up move through the results, Enter picks one, Escape
hides them; when nothing matches, Enter opens a new card prefilled with what was typed
("Créer ce patient"). Once a patient is chosen the field shows the name, and below it the birth
date and phone, the card's alert in amber and how many appointments the patient missed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_number, ngettext
from app.services.agenda.service import AgendaService
from app.services.errors import NotFound
from app.services.patients import PatientService, PatientSummary
from app.ui.patients.lines import details_line, picker_line
from app.ui.plain import tooltip
from app.ui.widgets import label

RESULTS = 8
_ID_ROLE = Qt.ItemDataRole.UserRole


class PatientPicker(QWidget):
    """``chosen(patient_id)`` ("" when the choice is cleared by typing again).

    ``new_patient(typed, parent)`` (optional) makes the window of a new card prefilled
    with what was typed (a NewPatientDialog): offered when nothing matches, and the
    patient it saves is chosen."""

    chosen = Signal(str)

    def __init__(self, patients: PatientService, agenda: AgendaService, parent=None, *,
                 new_patient: Callable[[str, QWidget], QDialog] | None = None) -> None:
        super().__init__(parent)
        self._patients = patients
        self._agenda = agenda
        self._new_patient = new_patient
        self.new_patient_dialog: QDialog | None = None
        self._patient_id = ""
        self._name = ""
        self._rows: list[PatientSummary] = []

        self.edit = QLineEdit()
        self.edit.setObjectName("PatientSearch")
        self.edit.setPlaceholderText(_("Type a name, a phone number or a birth date"))
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName(_("Patient"))
        self.edit.textEdited.connect(self._typed)
        self.edit.installEventFilter(self)
        self.results = QListWidget()
        self.results.setObjectName("PatientResults")
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay in the field
        self.results.setMaximumHeight(RESULTS * 22 + 6)
        self.results.itemClicked.connect(self._clicked)
        self.results.hide()
        self.create_button = QPushButton(_("Create this patient (Enter)"))
        self.create_button.setAutoDefault(False)
        self.create_button.clicked.connect(self.create_patient)
        self.create_button.hide()
        self.info = label("")
        self.info.setObjectName("Muted")
        self.info.hide()
        self.alert = label("")
        self.alert.setObjectName("AlertBanner")
        self.alert.setWordWrap(True)
        self.alert.hide()
        self.no_shows = label("")
        self.no_shows.setObjectName("WarnText")
        self.no_shows.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        for w in (self.edit, self.results, self.create_button, self.info, self.alert,
                  self.no_shows):
            layout.addWidget(w)

    # -- API ------------------------------------------------------------------------
    def patient_id(self) -> str:
        return self._patient_id

    def patient_name(self) -> str:
        return self._name

    def set_patient(self, patient_id: str, name: str, *, alert: str = "", info: str = "") -> None:
        """Show a patient as chosen (an appointment opened, a booking for someone)."""
        self._patient_id, self._name = patient_id, name
        self.edit.setText(name)
        self.results.hide()
        self._show_details(info, alert)

    def clear(self) -> None:
        self._patient_id = self._name = ""
        self.edit.clear()
        self.results.hide()
        self.create_button.hide()
        self._show_details("", "")

    # -- behaviour ------------------------------------------------------------------
    def _typed(self, text: str) -> None:
        if self._patient_id:
            self._patient_id = self._name = ""
            self._show_details("", "")
            self.chosen.emit("")
        self._rows = self._patients.search(text, limit=RESULTS) if text.strip() else []
        self.results.clear()
        for row in self._rows:
            item = QListWidgetItem(picker_line(row))
            item.setData(_ID_ROLE, row.id)
            if row.alert:
                item.setToolTip(tooltip(row.alert))
            self.results.addItem(item)
        if self._rows:
            self.results.setCurrentRow(0)
        elif text.strip():
            self.results.addItem(QListWidgetItem(_("No patient matches; check the spelling, "
                                                   "or search by phone or birth date.")))
        self.results.setVisible(bool(text.strip()))
        self.create_button.setVisible(self._new_patient is not None and bool(text.strip())
                                      and not self._rows)

    def create_patient(self) -> QDialog | None:
        """"Créer ce patient": a new card prefilled with what was typed; the patient it
        saves is chosen."""
        if self._new_patient is None:
            return None
        dialog = self._new_patient(self.edit.text(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self._created)
        self.new_patient_dialog = dialog
        dialog.open()
        return dialog

    def _created(self, patient_id: str) -> None:
        try:
            summary = self._patients.summary(patient_id)
        except NotFound:
            return
        self._rows = [summary]
        self._pick(0)
        self.edit.setFocus()

    def _pick(self, row: int) -> None:
        if not 0 <= row < len(self._rows):
            return
        p = self._rows[row]
        self.create_button.hide()
        self._patient_id, self._name = p.id, p.display_name
        self.edit.setText(p.display_name)
        self.results.hide()
        self._show_details(details_line(p), p.alert)
        self.chosen.emit(p.id)

    def _clicked(self, item: QListWidgetItem) -> None:
        self._pick(self.results.row(item))
        self.edit.setFocus()

    def _show_details(self, info: str, alert: str) -> None:
        self.info.setText(info)
        self.info.setVisible(bool(info))
        self.alert.setText(alert)
        self.alert.setVisible(bool(alert))
        count = self._agenda.no_show_count(self._patient_id) if self._patient_id else 0
        self.no_shows.setText(ngettext("Missed {n} appointment without notice",
                                       "Missed {n} appointments without notice", count)
                              .format(n=format_number(count)))
        self.no_shows.setVisible(count > 0)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and event.type() == QEvent.Type.KeyPress and self.results.isVisible():
            key = event.key()
            count = len(self._rows)
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and count:
                step = 1 if key == Qt.Key.Key_Down else -1
                self.results.setCurrentRow((self.results.currentRow() + step) % count)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if count:
                    self._pick(max(0, self.results.currentRow()))
                elif self.create_button.isVisible():
                    self.create_patient()
                return True
            if key == Qt.Key.Key_Escape:
                self.results.hide()
                self.create_button.hide()
                return True
        return super().eventFilter(obj, event)
