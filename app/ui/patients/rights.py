"""The patient's rights from the card (owner-only): export everything held about the
patient (a readable PDF, and the same as JSON beside it), or erase the patient's
personal data for good after saying why.

The file dialog and the reason dialog are dependencies, so tests give their answers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from app.i18n import _
from app.services.rgpd import PatientRightsService
from app.ui.exporting import ask_save_path
from app.ui.failures import show_failure
from app.ui.plain import message_box
from app.ui.rgpd_pdf import render_dossier_pdf


def ask_reason(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(
        parent, _("Erase the patient's data"),
        _("The patient's card, phones and requests are erased for good, here and on the "
          "installations that share this practice. Why (recorded in the audit trail)?"),
        QLineEdit.EchoMode.Normal, _("The patient's request"))
    return text if ok else None


class PatientRights:
    """The card's "Patient's data (RGPD)" actions. ``last_box``: the message shown last."""

    def __init__(self, rights: PatientRightsService, parent: QWidget, *,
                 choose_path=ask_save_path,
                 reason: Callable[[QWidget], str | None] = ask_reason) -> None:
        self._rights = rights
        self._parent = parent
        self._choose_path = choose_path
        self._reason = reason
        self.last_box: QMessageBox | None = None

    def export(self, patient_id: str) -> Path | None:
        """Ask where, write the PDF and the JSON beside it; the PDF's path, or None."""
        pdf = self._choose_path(self._parent, _("Export the patient's data"),
                                _("patient-data.pdf"), _("PDF (*.pdf)"))
        if pdf is None:
            return None
        pdf = pdf if pdf.suffix.lower() == ".pdf" else pdf.with_name(pdf.name + ".pdf")
        json_path = pdf.with_suffix(".json")
        try:
            # The dialog asked before replacing the PDF; the JSON goes with it.
            self._rights.export(patient_id, json_path, pdf_path=pdf,
                                render_pdf=render_dossier_pdf, overwrite=True)
        except Exception as exc:  # noqa: BLE001 - worded by failure_text, never lost
            self.last_box = show_failure(self._parent, exc)
            return None
        self._say(QMessageBox.Icon.Information, _(
            "The patient's data was exported to {pdf} (readable) and {json} (the same, "
            "for a program). Hand them to the patient only.").format(pdf=pdf, json=json_path))
        return pdf

    def erase(self, patient_id: str) -> bool:
        """Say why the rule keeps the patient, or ask why and erase; True if erased."""
        try:
            refusal = self._rights.erasure_refusal(patient_id)
        except Exception as exc:  # noqa: BLE001
            self.last_box = show_failure(self._parent, exc)
            return False
        if refusal is not None:
            self._say(QMessageBox.Icon.Warning, refusal.user_message)
            return False
        reason = self._reason(self._parent)
        if reason is None:
            return False
        try:
            self._rights.erase(patient_id, reason)
        except Exception as exc:  # noqa: BLE001
            self.last_box = show_failure(self._parent, exc)
            return False
        self._say(QMessageBox.Icon.Information, _(
            "The patient's personal data was erased. Backups made before keep it until "
            "they are rotated away."))
        return True

    def _say(self, icon: QMessageBox.Icon, text: str) -> None:
        self.last_box = message_box(icon, _("Patient's data (RGPD)"), text, self._parent)
        self.last_box.open()
