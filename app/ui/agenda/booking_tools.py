"""The agenda's booking tools, plugged into the agenda page by ``install(page)``:

- "Find a slot" (Ctrl+F while the agenda has the focus): the free-slot finder; it is
  also the page's ``open_booking(patient_id)``. Once a slot is booked the page goes to
  the appointment and selects it. It also moves an appointment (the page's
  ``find_new_slot``, offered by its menu and its dialog); the move can be undone.
- "Series…": a new recurring series (preset from the selected appointment when there
  is one); its menu also holds the actions on the selected appointment's series
  (cancel it alone, cancel the rest, move the rest).
- The "Waiting list" side panel; after each cancellation on the page, the patients of
  the list the freed time suits are shown, to call and book.

The page has no hook for its context menu, so the series actions are reached through
the "Series…" menu; ``series_actions(page, appointment_id)`` gives them to any menu.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.i18n import _
from app.services.agenda.views import AppointmentView
from app.services.errors import NotFound
from app.ui.agenda.series_dialog import SeriesDialog, series_actions
from app.ui.agenda.slot_finder import SlotFinderDialog
from app.ui.agenda.waiting_list_panel import WaitingListPanel

FIND_KEYS = QKeySequence("Ctrl+F")

__all__ = ["BookingTools", "install", "series_actions"]


def _is_find_key(event) -> bool:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return event.key() == Qt.Key.Key_F and mods == Qt.KeyboardModifier.ControlModifier


class BookingTools(QObject):
    """What ``install`` adds to the page, kept together (``page.booking_tools``)."""

    def __init__(self, page) -> None:
        super().__init__(page)
        self.page = page
        self.workspace = page.workspace
        self.bus = page.bus
        self.finder: SlotFinderDialog | None = None
        self.series_dialog: SeriesDialog | None = None

        self.find_action = QAction(_("Find a slot"), page)
        self.find_action.setObjectName("FindSlotAction")
        self.find_action.setShortcut(FIND_KEYS)
        self.find_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.find_action.setToolTip(_("Find a free slot and book it (Ctrl+F)"))
        self.find_action.triggered.connect(lambda: self.open_finder())

        self.series_action = QAction(_("Series…"), page)
        self.series_action.setObjectName("SeriesAction")
        self.series_action.setToolTip(_("Recurring appointments: a new series, or the series "
                                        "of the selected appointment"))
        self.series_action.triggered.connect(lambda: self.open_series())
        self.series_menu = QMenu(page)
        self.series_menu.aboutToShow.connect(self.fill_series_menu)
        self.series_action.setMenu(self.series_menu)

        self.panel = WaitingListPanel(self.workspace, self.bus)
        self.panel.booked.connect(self.show_appointment)

    def attach(self) -> None:
        page = self.page
        page.add_toolbar_action(self.find_action)
        page.add_toolbar_action(self.series_action)
        page.add_side_panel(_("Waiting list"), self.panel)
        page.appointment_cancelled.connect(self.slot_freed)
        page.open_booking = self.open_finder
        page.set_move_finder(self.open_mover)
        # The main window's own Ctrl+F (its search box) would make the key ambiguous:
        # inside the agenda page, the page's meaning wins.
        page.installEventFilter(self)

    # -- the slot finder -------------------------------------------------------------------
    def open_finder(self, patient_id: str | None = None, **presets) -> SlotFinderDialog:
        if self.finder is not None and self.finder.isVisible() and self.finder.moving:
            self.finder.reject()  # a move under way is not turned into a booking
        if self.finder is not None and self.finder.isVisible():
            if patient_id:
                self.finder.patient.set_patient(patient_id)
            self.finder.raise_()
            self.finder.activateWindow()
            return self.finder
        dialog = SlotFinderDialog(self.workspace, self.page, patient_id=patient_id, **presets)
        dialog.booked.connect(lambda appt, d=dialog: self._booked(d, appt))
        dialog.setup_requested.connect(self.page.setup_requested)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.finder = dialog
        dialog.destroyed.connect(lambda _o=None: self._forget_finder(dialog))
        dialog.open()
        return dialog

    def open_mover(self, appointment_id: str) -> SlotFinderDialog | None:
        """The slot finder, to move this appointment (the one open is closed first)."""
        if self.finder is not None and self.finder.isVisible():
            self.finder.reject()
            if self.finder is not None and self.finder.isVisible():
                return self.finder
        try:
            dialog = SlotFinderDialog(self.workspace, self.page, moving=appointment_id)
        except NotFound:
            self.page.refresh()
            return None
        dialog.moved.connect(self._moved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.finder = dialog
        dialog.destroyed.connect(lambda _o=None: self._forget_finder(dialog))
        dialog.open()
        return dialog

    def _moved(self, before: AppointmentView, after: AppointmentView, warnings: tuple) -> None:
        self.show_appointment(after)
        self.page.moved(before, after, warnings)

    def _forget_finder(self, dialog) -> None:
        if self.finder is dialog:
            self.finder = None

    def _booked(self, dialog: SlotFinderDialog, appointment: AppointmentView) -> None:
        self.show_appointment(appointment)
        warnings = dialog.result.warnings if dialog.result is not None else ()
        show_message = getattr(self.page, "show_message", None)
        if warnings and show_message is not None:
            show_message("\n".join(c.message for c in warnings))

    def show_appointment(self, appointment: AppointmentView) -> None:
        """Go to the appointment's day and select it."""
        self.page.go_to(self.workspace.zone.day_of(appointment.starts_at))
        self.page.select_appointment(appointment.id)

    # -- series ----------------------------------------------------------------------------
    def open_series(self) -> SeriesDialog:
        """A new series; preset from the selected appointment (the same patient, type,
        practitioner and time, from a week later) when one is selected."""
        if self.series_dialog is not None and self.series_dialog.isVisible():
            self.series_dialog.raise_()
            return self.series_dialog
        zone = self.workspace.zone
        today = zone.today(self.workspace.clock.now())
        presets: dict = {"first_day": max(self.page.current_day(), today)}
        chosen = self.page.selected_practitioners()
        if chosen:
            presets["practitioner_id"] = chosen[0]
        brief = self._selected()
        if brief is not None:
            presets.update(patient_id=brief.patient_id, practitioner_id=brief.practitioner_id,
                           type_id=brief.type_id, start_min=zone.wall_minute(brief.starts_at),
                           first_day=max(zone.day_of(brief.starts_at) + timedelta(days=7),
                                         today))
        dialog = SeriesDialog(self.workspace, self.page, **presets)
        dialog.created.connect(self._series_created)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.series_dialog = dialog
        dialog.open()
        return dialog

    def _series_created(self, result) -> None:
        if result.appointments:
            self.show_appointment(result.appointments[0])

    def _selected(self):
        item = self.page.grid.selected_item()
        return self.workspace.appointment_brief(item) if item else None

    def fill_series_menu(self) -> None:
        menu = self.series_menu
        menu.clear()
        new = menu.addAction(_("New series…"))
        new.triggered.connect(lambda: self.open_series())
        item = self.page.grid.selected_item()
        actions = series_actions(self.page, item) if item else []
        if actions:
            menu.addSeparator()
            for action in actions:
                action.setParent(menu)  # gone with the menu's next filling
                menu.addAction(action)

    # -- the waiting list ------------------------------------------------------------------
    def slot_freed(self, appointment_id: str):
        return self.panel.slot_freed(appointment_id)

    # -- keys ------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and _is_find_key(event):
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()  # delivered as a key press to the agenda instead
            else:
                self.find_action.trigger()
            return True
        return super().eventFilter(obj, event)


def install(page) -> None:
    """Add the slot finder, the series tools and the waiting list to the agenda page
    (once, after it is built); they are kept as ``page.booking_tools``."""
    tools = BookingTools(page)
    tools.attach()
    page.booking_tools = tools
