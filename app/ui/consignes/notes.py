"""How consignes are shown where a secretary works: one line each, the important ones
marked, with the practitioner (or the practice), the validity and the motifs."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QFrame, QVBoxLayout

from app.i18n import _
from app.services.consignes import ConsigneService, ConsigneView, validity_text
from app.ui.widgets import label

IMPORTANT_MARK = "\u26a0 "  # ⚠
NORMAL_MARK = "\u2022 "  # •


def consigne_line(c: ConsigneView, *, whom: bool = True, validity: bool = True) -> str:
    """"⚠ Dr Morel: Pas de nouveau patient le vendredi (Nouveau patient) — Permanente"."""
    text = " ".join(c.text.split())
    if whom:
        text = _("{who}: {text}").format(who=c.practitioner_name or _("Practice"), text=text)
    if c.motif_names:
        text += " ({motifs})".format(motifs=", ".join(c.motif_names))
    if validity:
        text += " — " + validity_text(c.valid_from, c.valid_until)
    return (IMPORTANT_MARK if c.important else NORMAL_MARK) + text


class ConsigneNotes(QFrame):
    """The consignes that apply to a booking: the practitioner's and the practice's on
    that day, for that motif. Hidden when there is none."""

    def __init__(self, service: ConsigneService, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ConsigneNotes")
        self.setStyleSheet("#ConsigneNotes { background: #fff7e6; border: 1px solid #f0c36d;"
                           " border-radius: 4px; }")
        self._service = service
        self.title = label(_("Instructions"), "SectionTitle")
        self.text = label("", "ConsigneText", wrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        self.consignes: list[ConsigneView] = []
        self.hide()

    def show_for(self, practitioner_id: str | None, day: date, motif_id: str | None) -> None:
        self.consignes = self._service.for_day(practitioner_id, day, motif_id=motif_id)
        self.text.setText("\n".join(consigne_line(c, validity=False) for c in self.consignes))
        self.setVisible(bool(self.consignes))

    def lines(self) -> list[str]:
        return self.text.text().splitlines() if not self.isHidden() else []
