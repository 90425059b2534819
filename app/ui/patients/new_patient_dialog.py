"""A new patient card in a window of its own, for the booking dialogs: "Créer ce
patient" when the patient field found no one. The card is prefilled with what was typed
(see app/services/patient_prefill.py); once saved, or when the homonyms warning's
"Open the existing card" is taken, ``chosen(patient_id)`` names the patient to book."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QVBoxLayout

from app.i18n import _
from app.services.patient_prefill import prefill_from_search
from app.ui.patients.form import PatientForm
from app.ui.widgets import ask_unsaved


class NewPatientDialog(QDialog):
    chosen = Signal(str)

    def __init__(self, workspace, typed: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New patient"))
        self.resize(620, 640)
        self.form = PatientForm(workspace.patients, similar=workspace.duplicates.similar)
        self.form.new_patient(prefill_from_search(
            typed, today=workspace.zone.today(workspace.clock.now())))
        self.form.saved.connect(self._done)
        self.form.open_requested.connect(self._done)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        self.form.first_empty_field().setFocus()

    def _done(self, patient_id: str) -> None:
        self.chosen.emit(patient_id)
        self.accept()

    def reject(self) -> None:
        # Escape must not throw away what was typed on the card.
        if self.form.is_dirty:
            choice = ask_unsaved(self, _("The new patient card has unsaved changes."))
            if choice == "cancel" or (choice == "save" and not self.form.save()):
                return
            if choice == "save":
                return  # saved: ``chosen`` has closed the window
        super().reject()
