"""The agenda's follow-up tools, plugged into the agenda page by ``install(page)``:

- "To confirm": the practice-wide list of the next working day's appointments to
  confirm by phone, one key per outcome (``confirm_list``);
- "Unconfirmed only": a toggle of the navigation bar that shows only the appointments
  still to confirm in the day (and week) grid;
- the "Freed slots" side panel: time freed by a cancellation, a move or a shortening,
  to offer to the waiting list (``freed_slots_panel``).

The page is used only through its public API (``workspace``, ``bus``,
``add_toolbar_action``, ``add_view_toggle``, ``add_side_panel``, ``set_appointment_filter``,
``go_to``, ``select_appointment``).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from app.i18n import _
from app.services.agenda.confirmations import is_unconfirmed
from app.services.agenda.views import AppointmentView
from app.ui.agenda.confirm_list import ConfirmListDialog
from app.ui.agenda.freed_slots_panel import FreedSlotsPanel


def unconfirmed(appointment: AppointmentView) -> bool:
    return is_unconfirmed(appointment.status, appointment.patient_id)


class ConfirmTools(QObject):
    """What ``install`` adds, kept together (``page.confirm_tools``)."""

    def __init__(self, page) -> None:
        super().__init__(page)
        self.page = page
        self.workspace = page.workspace
        self.confirm_list: ConfirmListDialog | None = None

        self.confirm_action = QAction(_("To confirm"), page)
        self.confirm_action.setObjectName("ConfirmListAction")
        self.confirm_action.setToolTip(_("The next working day's appointments to confirm by "
                                         "phone, all practitioners"))
        self.confirm_action.triggered.connect(lambda: self.open_confirm_list())

        self.unconfirmed_action = QAction(_("Unconfirmed only"), page)
        self.unconfirmed_action.setObjectName("UnconfirmedFilter")
        self.unconfirmed_action.setCheckable(True)
        self.unconfirmed_action.setToolTip(_("Show only the appointments not yet confirmed"))
        self.unconfirmed_action.toggled.connect(self._filter_toggled)

        self.freed_panel = FreedSlotsPanel(self.workspace, page.bus)
        self.freed_panel.booked.connect(self.show_appointment)
        self.freed_panel.show_day.connect(lambda day: page.go_to(day, "day"))

    def attach(self) -> None:
        page = self.page
        page.add_toolbar_action(self.confirm_action)
        page.add_view_toggle(self.unconfirmed_action)
        page.add_side_panel(_("Freed slots"), self.freed_panel)

    def _filter_toggled(self, on: bool) -> None:
        self.page.set_appointment_filter(unconfirmed if on else None)

    def open_confirm_list(self) -> ConfirmListDialog:
        """The list for the next working day; an open one is brought back."""
        dialog = self.confirm_list
        if dialog is not None:
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        dialog = ConfirmListDialog(self.workspace, self.page.bus, self.page)
        dialog.appointment_activated.connect(self._show)
        dialog.finished.connect(self._closed)
        self.confirm_list = dialog
        dialog.show()
        return dialog

    def _closed(self, *args) -> None:
        if self.confirm_list is not None:
            self.confirm_list.deleteLater()
        self.confirm_list = None

    def _show(self, appointment_id: str, day: date) -> None:
        self.page.go_to(day, "day")
        self.page.select_appointment(appointment_id)

    def show_appointment(self, appointment: AppointmentView) -> None:
        self._show(appointment.id, self.workspace.zone.day_of(appointment.starts_at))


def install(page) -> None:
    """Add "To confirm", the "Unconfirmed only" filter and the freed-slots panel to the
    agenda page (once, after it is built)."""
    if getattr(page, "confirm_tools", None) is not None:
        return
    tools = ConfirmTools(page)
    tools.attach()
    page.confirm_tools = tools
