"""What the agenda page does to appointments: open one, book from a click or a drag on
free time, move, cancel, set a status, cut and paste, and the context menu that offers
them (with the patient's phones and "Ouvrir la fiche patient"). After any move (a
drag, a paste, the slot finder) the message line offers "Annuler le déplacement", as
does Ctrl+Z: the service's ``MoveUndo`` puts it back, or says why it cannot. Every write goes through the booking guard (``refusal.run_guarded``); a refusal
shows its reasons, and only the practice owner may book anyway (recorded).

The store announces each write on the change bus, which reloads the page; these
actions only select what they wrote, show the guard's warnings, and keep the
appointment dialog (one at a time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QObject, QPoint, Qt, SignalInstance
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from app.i18n import _, format_date
from app.models.agenda import AppointmentStatus
from app.services.agenda.move_undo import MoveUndo, UndoRefused
from app.services.agenda.service import status_labels
from app.services.agenda.views import AppointmentView
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.workspace import Workspace
from app.ui.agenda import adapter
from app.ui.agenda.appointment_dialog import AppointmentDialog
from app.ui.agenda.banner import MessageBanner
from app.ui.agenda.cancel_dialog import ask_cancel
from app.ui.agenda.grid import AgendaGrid
from app.ui.agenda.grid_data import hhmm
from app.ui.agenda.page_state import VIEW_MONTH, PageState
from app.ui.agenda.patient_links import open_card_text, phone_texts
from app.ui.agenda.refusal import run_guarded, show_failure

# The statuses offered in the context menu (booked is the default, cancelled has its dialog).
MENU_STATUSES = (AppointmentStatus.CONFIRMED.value, AppointmentStatus.ARRIVED.value,
                 AppointmentStatus.IN_CONSULTATION.value, AppointmentStatus.SEEN.value,
                 AppointmentStatus.NO_SHOW.value)


class AppointmentActions(QObject):
    """``page`` is the parent of the dialogs and menus; ``cancelled`` is emitted with the
    appointment's id after a cancellation (the page's ``appointment_cancelled``),
    ``patient_requested`` with a patient's id for "Open the patient card".

    ``move_finder(appointment_id)``, once the booking tools set it, opens the slot finder
    to move that appointment (the menu and the dialog offer it then)."""

    def __init__(self, state: PageState, page: QWidget, *, workspace: Workspace,
                 grid: AgendaGrid, banner: MessageBanner, cancelled: SignalInstance,
                 load: Callable[..., None], today: Callable[[], date],
                 patient_requested: SignalInstance | None = None) -> None:
        super().__init__(page)
        self._state = state
        self._page = page
        self.workspace = workspace
        self._zone = workspace.zone
        self._agenda = workspace.agenda
        self._grid = grid
        self._banner = banner
        self._cancelled = cancelled
        self._load = load
        self._today = today
        self._patient_requested = patient_requested
        self.dialog: AppointmentDialog | None = None
        self.undo = MoveUndo(self._agenda)
        self.move_finder: Callable[[str], object] | None = None
        grid.create_requested.connect(self._create_requested)
        grid.move_requested.connect(self._move_requested)
        grid.open_requested.connect(self.open_appointment)
        grid.cancel_requested.connect(self.cancel_appointment)
        grid.cut_requested.connect(self.cut)
        grid.paste_requested.connect(self.paste)
        grid.context_requested.connect(self._context_requested)

    def _written(self, _ids: list[str] = (), warnings: tuple = ()) -> None:
        """After a write of the page's own (the bus has told it already)."""
        if warnings:
            self._banner.show_message("\n".join(c.message for c in warnings))
        if self._state.stale:  # not on screen: still keep what the page holds current
            self._load()

    # -- the appointment dialog ------------------------------------------------------------
    def _open_dialog(self, **kwargs) -> AppointmentDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        if "appointment_id" not in kwargs and kwargs.get("practitioner_id"):
            kwargs.setdefault("type_id", self._usual_type(kwargs["practitioner_id"]))
        dialog = AppointmentDialog(self.workspace, self._page,
                                   practitioners=self._state.practitioners,
                                   types=self._state.types, **kwargs)
        dialog.written.connect(self._written)
        dialog.moved.connect(self.moved)
        dialog.cancelled.connect(self._cancelled)
        if self._patient_requested is not None:
            dialog.enable_open_card(self._patient_requested.emit)
        if self.move_finder is not None:
            dialog.enable_move(self.move_finder)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _usual_type(self, practitioner_id: str) -> str | None:
        """The motif this practitioner is booked for most in what is shown."""
        counts = Counter(a.type_id for a in self._state.appointments.values()
                         if a.practitioner_id == practitioner_id and a.type_id)
        return counts.most_common(1)[0][0] if counts else None

    def _dialog_closed(self, dialog: AppointmentDialog) -> None:
        if dialog.appointment is not None and self._state.view != VIEW_MONTH:
            self._grid.select_item(dialog.appointment.id)
        self._grid.setFocus()

    def _create_requested(self, key: str, day: date, start: int, end: int) -> None:
        # A click asks for the usual length: the motif chosen then decides; a drag keeps its own.
        length = end - start
        clicked = length == self._state.default_length
        self._open_dialog(practitioner_id=key, day=day, start_min=start,
                          length=None if clicked else length)

    def open_booking(self, patient_id: str | None = None) -> AppointmentDialog:
        """The new-appointment dialog for a patient, at the free time selected in the grid
        (or the day shown)."""
        state = self._state
        where = self._grid.cursor() if state.view != VIEW_MONTH else None
        if where is not None:
            key, day, minute = where
            return self._open_dialog(practitioner_id=key, day=day, start_min=minute,
                                     patient_id=patient_id)
        pid = state.selected[0] if state.selected else ""
        start = None
        if state.day != self._today():
            sched = self._agenda.schedule([pid], state.day, state.day) if pid else None
            start = adapter.first_opening(sched, [pid], [state.day]) if sched else None
        return self._open_dialog(practitioner_id=pid, day=state.day, start_min=start,
                                 patient_id=patient_id)

    def open_appointment(self, appointment_id: str) -> AppointmentDialog | None:
        try:
            return self._open_dialog(appointment_id=appointment_id)
        except NotFound:
            self._load()
            return None

    # -- writes ----------------------------------------------------------------------------
    def _move_requested(self, appointment_id: str, key: str, day: date, start: int, end: int) -> None:
        self.move_appointment(appointment_id, key, day, start, end)

    def move_appointment(self, appointment_id: str, practitioner_id: str, day: date,
                         start_min: int, end_min: int | None = None) -> bool:
        """Move (or resize) through the guard; ``end_min`` None keeps the length."""
        a = self._state.appointments.get(appointment_id)
        starts_at = self._zone.to_utc(day, start_min)
        ends_at = self._zone.to_utc(day, end_min) if end_min is not None else (
            starts_at + (a.ends_at - a.starts_at) if a is not None else None)
        version = a.version if a is not None else None
        resized = end_min is not None and a is not None and starts_at == a.starts_at
        result = run_guarded(self._page, lambda override: self._agenda.move(
            appointment_id, starts_at, ends_at, practitioner_id=practitioner_id,
            override=override, expected_version=version),
            can_override=self._agenda.can_override, moving=True)
        if result is None:
            self._load()  # the box goes back where it is
            return False
        self._written([appointment_id], tuple(result.warnings))
        if a is not None and not resized:
            self.moved(a, result.appointment, tuple(result.warnings))
        self._grid.select_item(appointment_id)
        return True

    def cancel_appointment(self, appointment_id: str, parent: QWidget | None = None) -> bool:
        """Ask why, then cancel; also for an appointment the page does not show (from a
        patient card: ``parent`` is then the card's screen)."""
        a = self._state.appointments.get(appointment_id)
        if a is None:
            try:
                a = self._agenda.get(appointment_id)
            except NotFound:
                return False
        if not a.holds_time:
            return False
        summary = _("{who}, {day} at {time}").format(
            who=adapter.appointment_title(a),
            day=format_date(self._zone.day_of(a.starts_at), "EEEE d MMMM"),
            time=hhmm(self._zone.wall_minute(a.starts_at)))
        answer = ask_cancel(parent or self._page, summary)
        if answer is None:
            return False
        try:
            self._agenda.cancel(appointment_id, answer[0], answer[1], expected_version=a.version)
        except (ValidationError, ConcurrentEdit, NotFound) as exc:
            show_failure(parent or self._page, exc)
            self._load()
            return False
        if self._state.cut is not None and self._state.cut[0] == appointment_id:
            self.drop_cut()
        self._written([appointment_id])
        self._cancelled.emit(appointment_id)
        return True

    def set_status(self, appointment_id: str, status: str) -> bool:
        a = self._state.appointments.get(appointment_id)
        try:
            self._agenda.set_status(appointment_id, status,
                                    expected_version=a.version if a is not None else None)
        except (ValidationError, ConcurrentEdit, NotFound) as exc:
            show_failure(self._page, exc)
            self._load()
            return False
        self._written([appointment_id])
        return True

    # -- cut and paste ---------------------------------------------------------------------
    def cut(self, appointment_id: str) -> None:
        a = self._state.appointments.get(appointment_id)
        if a is None or not a.holds_time:
            return
        self._state.cut = (appointment_id, a.minutes)
        self._grid.set_pending_paste(a.minutes)
        self._banner.show_message(
            _("Cut: {who}. Choose the new time and press Ctrl+V (or Enter); "
              "Escape keeps it where it is.").format(who=adapter.appointment_title(a)),
            timeout=False)
        self._load()

    def cut_pending(self) -> str:
        return self._state.cut[0] if self._state.cut else ""

    def drop_cut(self) -> None:
        if self._state.cut is None:
            return
        self._state.cut = None
        self._grid.set_pending_paste(None)
        self._banner.hide_message()
        self._load()

    def paste(self, practitioner_id: str, day: date, start_min: int) -> bool:
        if self._state.cut is None:
            return False
        appointment_id, length = self._state.cut
        before = self._state.appointments.get(appointment_id)
        starts_at = self._zone.to_utc(day, start_min)
        self._state.cut = None  # so the page the store has redrawn shows no cut mark
        result = run_guarded(self._page, lambda override: self._agenda.move(
            appointment_id, starts_at, starts_at + timedelta(minutes=length),
            practitioner_id=practitioner_id, override=override),
            can_override=self._agenda.can_override, moving=True)
        if result is None:
            self._state.cut = (appointment_id, length)  # nothing written: still to paste
            return False
        self._grid.set_pending_paste(None)
        self._banner.hide_message()
        self._written([appointment_id], tuple(result.warnings))
        if before is not None:
            self.moved(before, result.appointment, tuple(result.warnings))
        self._grid.select_item(appointment_id)
        return True

    # -- undoing a move --------------------------------------------------------------------
    def moved(self, before: AppointmentView, after: AppointmentView,
              warnings: tuple = ()) -> None:
        """After any move: remember where it was, and offer to put it back."""
        if not self.undo.remember(before, after):
            return
        text = _("Moved: {who}, from {when}.").format(
            who=adapter.appointment_title(after), when=self.undo.when(self.undo.last))
        if warnings:
            text += "\n" + "\n".join(c.message for c in warnings)
        self._banner.show_message(text, action=(_("Undo the move"), self.undo_move))

    def undo_move(self) -> bool:
        """Put the last move back (Ctrl+Z); a refusal is said, nothing is written."""
        record = self.undo.last
        if record is None:
            return False
        try:
            result = self.undo.undo()
        except UndoRefused as exc:
            self._banner.hide_message()
            show_failure(self._page, exc)
            self._load()
            return False
        self._written([record.appointment_id], tuple(result.warnings))
        self._banner.show_message(_("Moved back to {when}.").format(
            when=self.undo.when(record)))
        if self._state.view != VIEW_MONTH:
            self._grid.select_item(record.appointment_id)
        return True

    # -- the context menu ------------------------------------------------------------------
    def context_menu(self, item_id: str, key: str, day: date, minute: int) -> QMenu:
        """The menu of an appointment (``item_id``) or of free time ("")."""
        menu = QMenu(self._page)
        menu.setObjectName("AgendaContextMenu")
        a = self._state.appointments.get(item_id) if item_id else None
        if a is not None:
            menu.addAction(_("Open…"), lambda: self.open_appointment(item_id))
            if a.patient_id and self._patient_requested is not None:
                menu.addAction(open_card_text(),
                               lambda: self._patient_requested.emit(a.patient_id))
            for phone in phone_texts(self.workspace, a.patient_id):
                menu.addAction("\u260e " + phone).setEnabled(False)  # ☎, to read out
            menu.addSeparator()
            names = status_labels()
            holding = a.holds_time
            for status in MENU_STATUSES:
                action = menu.addAction(names[status],
                                        lambda s=status: self.set_status(item_id, s))
                action.setCheckable(True)
                action.setChecked(a.status == status)
                action.setEnabled(holding)
            menu.addSeparator()
            cancel = menu.addAction(_("Cancel the appointment…"),
                                    lambda: self.cancel_appointment(item_id))
            cancel.setShortcut(QKeySequence(Qt.Key.Key_Delete))
            cancel.setEnabled(holding)
            cut = menu.addAction(_("Cut"), lambda: self.cut(item_id))
            cut.setShortcut(QKeySequence.StandardKey.Cut)
            cut.setEnabled(holding)
            if self.move_finder is not None:
                find = menu.addAction(_("Move with the slot finder…"),
                                      lambda: self.move_finder(item_id))
                find.setEnabled(holding)
        else:
            new = menu.addAction(_("New appointment here…"), lambda: self._open_dialog(
                practitioner_id=key, day=day, start_min=minute))
            new.setEnabled(self._state.cut is None)
            paste = menu.addAction(_("Paste here"), lambda: self.paste(key, day, minute))
            paste.setShortcut(QKeySequence.StandardKey.Paste)
            paste.setEnabled(self._state.cut is not None)
        return menu

    def _context_requested(self, item_id: str, key: str, day: date, minute: int,
                           global_pos: QPoint) -> None:
        self.context_menu(item_id, key, day, minute).exec(global_pos)
