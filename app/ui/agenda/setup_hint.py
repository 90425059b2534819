"""What an agenda still lacks to take bookings, said above the grid with a button to the
place that sets it: the guide when the practice has no appointment type at all, the
agenda settings' weekly hours or types when one practitioner shown lacks them.

``requested(target)``: ``GUIDE``, ``HOURS``, ``TYPES`` or ``PRACTITIONERS``;
``practitioner_id()`` names whose hours (or types) to open.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton

from app.i18n import _, ngettext
from app.services.agenda.readiness import Readiness
from app.ui.widgets import label

GUIDE, HOURS, TYPES, PRACTITIONERS = "guide", "hours", "types", "practitioners"


def hint_for(readiness: Readiness, names: dict[str, str]) -> tuple[str, str, str, str]:
    """(message, button text, target, practitioner id), or four "" when ready."""
    def who(ids) -> str:
        return ", ".join(names.get(p, "?") for p in ids)

    if not readiness.any_type:
        if readiness.without_hours:
            text = _("The agenda is not set up yet: no appointment types and no weekly hours, "
                     "so nothing can be booked.")
        else:
            text = _("No appointment type yet: the slot finder has nothing to offer and "
                     "nothing can be booked.")
        return text, _("Set up the agenda…"), GUIDE, ""
    if readiness.without_hours:
        ids = readiness.without_hours
        text = ngettext("{names} has no weekly hours yet: the agenda stays grey and every "
                        "booking is refused as outside opening hours.",
                        "{names} have no weekly hours yet: their agendas stay grey and every "
                        "booking is refused as outside opening hours.",
                        len(ids)).format(names=who(ids))
        return text, _("Set the weekly hours…"), HOURS, ids[0]
    if readiness.without_types:
        ids = readiness.without_types
        text = ngettext("No appointment type is offered by {names}: nothing can be booked "
                        "with them.",
                        "No appointment type is offered by {names}: nothing can be booked "
                        "with them.", len(ids)).format(names=who(ids))
        return text, _("Appointment types…"), TYPES, ids[0]
    return "", "", "", ""


class SetupHint(QFrame):
    requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("SetupHint")
        self.text_label = label("", "InfoBanner", wrap=True)
        self.button = QPushButton()
        self.button.setObjectName("Primary")
        self.button.clicked.connect(lambda: self.requested.emit(self._target))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.button)
        self._target = ""
        self._practitioner = ""
        self.hide()

    def show_readiness(self, readiness: Readiness, names: dict[str, str]) -> None:
        self._show(*hint_for(readiness, names))

    def show_no_practitioner(self) -> None:
        self._show(_("No active practitioner: the agenda has no column to book in."),
                   _("Practitioners…"), PRACTITIONERS, "")

    def _show(self, text: str, button: str, target: str, practitioner_id: str) -> None:
        self._target, self._practitioner = target, practitioner_id
        self.text_label.setText(text)
        self.button.setText(button)
        self.setVisible(bool(text))

    def target(self) -> str:
        return self._target

    def practitioner_id(self) -> str:
        return self._practitioner

    def message(self) -> str:
        return self.text_label.text() if not self.isHidden() else ""
