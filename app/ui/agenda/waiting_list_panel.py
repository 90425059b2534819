"""The waiting list ("Liste d'attente"): patients who want an earlier slot.

``WaitingListPanel`` (a side panel of the agenda): the entries, most urgent first, then
whoever has waited longest; add one, withdraw one, or book from one (the slot finder
opens with the entry's patient, type, practitioners and window, and the entry is marked
booked with the appointment, in the same write).

``FreedSlotWindow``: freed time (after a cancellation, or chosen in the freed-slots
list) and the patients of the list it suits ("Créneau libéré — patients à appeler"),
with their phone, urgency, how long they have waited and the last answer; each call's
answer is recorded, and only "accepted" books the patient there. It does not block the
agenda and can be dismissed.
"""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, ngettext
from app.models import OfferOutcome, kinds
from app.services.agenda.freed_slots import Candidate, FreedTime, outcome_labels
from app.services.agenda.service import BookingRefused
from app.services.agenda.waiting_list import MAX_URGENCY, WaitingEntry, WaitingInput
from app.services.dates import InvalidDate
from app.services.errors import NotFound, ValidationError
from app.ui.agenda.slot_finder import (
    PatientField,
    PractitionerChecks,
    SlotFinderDialog,
    first_error,
    hhmm,
    parse_day,
    type_combo,
)
from app.ui.letter_keys import action_for, letters
from app.ui.plain import tooltip
from app.storage.changes import ChangeSet
from app.ui.table_model import RowTableModel
from app.ui.widgets import FieldError, label, result_table, select_first_row

DEFAULT_WINDOW_MONTHS = 1
URGENT_INK = QColor("#b91c1c")
SOON_INK = QColor("#92400e")
# What the list is read from, so a change of any of these reloads it (a card, only when
# its patient is listed).
WATCHED = frozenset({kinds.WAITING_LIST_ENTRY, kinds.PATIENT_PHONE, kinds.PRACTITIONER,
                     kinds.APPOINTMENT_TYPE})
_RETURN = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def urgency_labels() -> dict[int, str]:
    return {0: _("Normal"), 1: _("Soon"), 2: _("Urgent")}


def waited_text(created_at: datetime, now: datetime) -> str:
    days = max(0, (now - created_at).days)
    if days == 0:
        return _("today")
    return ngettext("{n} day", "{n} days", days).format(n=days)


def window_text(first: date, last: date) -> str:
    return _("{first} to {last}").format(first=format_date(first), last=format_date(last))


def practitioners_text(ids: frozenset[str], names: dict[str, str]) -> str:
    if not ids:
        return _("Anyone")
    return ", ".join(sorted(names.get(i, "?") for i in ids))


def _urgency_ink(urgency: int) -> QColor | None:
    return URGENT_INK if urgency >= 2 else SOON_INK if urgency == 1 else None


class WaitingEntryModel(RowTableModel):
    """Patient, urgency, waiting since, type, with whom, window: what decides whom to
    call first comes first (the side panel is narrow; the rest scrolls)."""

    def __init__(self, parent=None) -> None:
        super().__init__([_("Patient"), _("Urgency"), _("On the list"), _("Type"), _("With"),
                          _("Window")], parent)
        self._rows: list[WaitingEntry]
        self._names: dict[str, str] = {}
        self._now: datetime | None = None
        self._zone = None

    def set_context(self, names: dict[str, str], now: datetime, zone) -> None:
        self._names, self._now, self._zone = names, now, zone

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        e = self.row_at(index.row()) if index.isValid() else None
        if e is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (e.patient_name, urgency_labels().get(e.urgency, str(e.urgency)),
                    waited_text(e.created_at, self._now or e.created_at),
                    e.type_name or _("Any type"),
                    practitioners_text(e.practitioner_ids, self._names),
                    window_text(e.window_from, e.window_until))[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            bits = [e.patient_name]
            if e.phone:
                bits.append(e.phone)
            if e.note:
                bits.append(e.note)
            since = self._zone.day_of(e.created_at) if self._zone else e.created_at.date()
            bits.append(_("On the list since {day}").format(day=format_date(since)))
            return tooltip("\n".join(bits))
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return _urgency_ink(e.urgency)
        return None

    def details(self, e: WaitingEntry) -> str:
        """The highlighted entry under the list, its name in full (elided in the narrow
        column)."""
        bits = [e.patient_name, e.type_name or _("Any type"),
                _("with {who}").format(who=practitioners_text(e.practitioner_ids, self._names)),
                window_text(e.window_from, e.window_until)]
        if e.phone:
            bits.append(e.phone)
        if e.note:
            bits.append(e.note)
        return " · ".join(bits)


class WaitingEntryDialog(QDialog):
    """Put a patient on the waiting list; ``added(WaitingEntry)`` once written."""

    added = Signal(object)

    def __init__(self, workspace, parent=None, *, patient_id: str | None = None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.entry: WaitingEntry | None = None
        self.setWindowTitle(_("Add to the waiting list"))
        self.resize(560, 420)
        today = workspace.zone.today(workspace.clock.now())
        self.patient = PatientField(workspace)
        self.type = type_combo(workspace.agenda.types(), with_any=True)
        self.practitioners = PractitionerChecks()
        self.practitioners.set_practitioners(workspace.practitioners(), set())
        self.window_from = QLineEdit(format_date(today))
        self.window_until = QLineEdit(format_date(today + relativedelta(
            months=DEFAULT_WINDOW_MONTHS)))
        for edit, name in ((self.window_from, _("From")), (self.window_until, _("Until"))):
            edit.setAccessibleName(name)
            edit.setPlaceholderText(_("dd/mm/yyyy"))
            edit.setMaximumWidth(120)
        self.urgency = QComboBox()
        self.urgency.setAccessibleName(_("Urgency"))
        for value, text in urgency_labels().items():
            self.urgency.addItem(text, value)
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(_("For the secretary (not copied on the appointment)"))
        self.error = FieldError()

        form = QFormLayout()
        form.addRow(_("Patient"), self.patient)
        form.addRow(_("Type"), self.type)
        form.addRow(_("With (none ticked: anyone)"), self.practitioners)
        window = QHBoxLayout()
        window.addWidget(self.window_from)
        window.addWidget(label(_("to")))
        window.addWidget(self.window_until)
        window.addStretch()
        form.addRow(_("Between"), window)
        form.addRow(_("Urgency"), self.urgency)
        form.addRow(_("Note"), self.note)
        self.ok_button = QPushButton(_("Add to the list"))
        self.ok_button.setObjectName("Primary")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.save)
        cancel = QPushButton(_("Cancel"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.ok_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch()
        layout.addLayout(buttons)
        self.patient.set_patient(patient_id)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        (self.type if self.patient.patient_id() else self.patient.edit).setFocus()

    def save(self) -> WaitingEntry | None:
        self.error.show_message("")
        if not self.patient.patient_id():
            self.patient.show_error(_("Choose the patient."))
            self.patient.edit.setFocus()
            return None
        try:
            first, last = parse_day(self.window_from.text()), parse_day(self.window_until.text())
        except InvalidDate:
            self.error.show_message(_("Write dates as 16/03/2026."))
            return None
        data = WaitingInput(self.patient.patient_id(), self.type.currentData(), first, last,
                            frozenset(self.practitioners.checked()),
                            min(MAX_URGENCY, self.urgency.currentData() or 0), self.note.text())
        try:
            entry = self._ws.waiting_list.add(data)
        except ValidationError as exc:
            self.error.show_message(first_error(exc))
            return None
        self.entry = entry
        self.added.emit(entry)
        self.accept()
        return entry


class CandidateModel(RowTableModel):
    """Whom to call: patient, phone, urgency, waiting since, the last answer, note."""

    def __init__(self, parent=None) -> None:
        super().__init__([_("Patient"), _("Phone"), _("Urgency"), _("On the list"),
                          _("Last call"), _("Note")], parent)
        self._rows: list[Candidate]
        self._now: datetime | None = None
        self._zone = None

    def set_context(self, now: datetime, zone) -> None:
        self._now, self._zone = now, zone

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        c = self.row_at(index.row()) if index.isValid() else None
        if c is None:
            return None
        e, col = c.entry, index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            last = ""
            if c.last_outcome:
                last = outcome_labels().get(c.last_outcome, c.last_outcome)
                if c.last_at is not None and self._zone is not None:
                    last = _("{outcome} at {time}").format(
                        outcome=last, time=self._zone.local(c.last_at).strftime("%H:%M"))
            text = (e.patient_name, e.phone or "—", urgency_labels().get(e.urgency, ""),
                    waited_text(e.created_at, self._now or e.created_at), last, e.note)[col]
            return tooltip(text) if role == Qt.ItemDataRole.ToolTipRole else text
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            return _urgency_ink(e.urgency)
        return None

    def row_of(self, row_id: str) -> int:
        return next((i for i, c in enumerate(self._rows) if c.entry.id == row_id), -1)


class FreedSlotWindow(QDialog):
    """Freed time and the waiting patients it suits, to call one after the other; not
    modal. Each call's answer is recorded: accepted (Enter or A) books the patient there,
    refused (R) takes them off this slot's list, no answer (P) puts them last.

    ``booked(AppointmentView)`` once a patient accepted (then it closes).
    """

    booked = Signal(object)

    def __init__(self, workspace, slot: FreedTime, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.slot = slot
        self.result = None
        self.setModal(False)
        self.setWindowTitle(_("Slot freed — patients to call"))
        self.resize(760, 380)
        zone = workspace.zone
        day = zone.day_of(slot.starts_at)
        start, end = zone.wall_minute(slot.starts_at), zone.wall_minute(slot.ends_at)
        self.heading = label(_("Slot freed on {day} from {start} to {end} with {who}: patients "
                               "to call").format(day=format_date(day, "EEEE d MMMM y"),
                                                 start=hhmm(start), end=hhmm(end),
                                                 who=slot.practitioner_name),
                             "SectionTitle", wrap=True)
        self.model = CandidateModel(self)
        self.table = result_table(self.model)
        self.table.setAccessibleName(_("Patients to call"))
        header = self.table.horizontalHeader()
        for col in (1, 2, 3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.accepted_by_patient())
        self.table.installEventFilter(self)
        self.empty = label(_("Nobody left to call for this slot."), "Hint", wrap=True)
        self.banner = label("", "AlertBanner", wrap=True)
        self.banner.hide()
        self.accept_button = QPushButton(_("Accepted: book (Enter)"))
        self.accept_button.setObjectName("Primary")
        keys = letters("offer")
        self.accept_button.setToolTip(_("The patient takes the slot: book them there (Enter "
                                         "or {key})").format(key=keys["accepted"]))
        self.accept_button.clicked.connect(self.accepted_by_patient)
        self.refuse_button = QPushButton(_("Refused ({key})").format(key=keys["refused"]))
        self.refuse_button.setToolTip(_("The patient does not want this slot: not called "
                                         "again for it"))
        self.refuse_button.clicked.connect(lambda: self.answer(OfferOutcome.REFUSED.value))
        self.no_answer_button = QPushButton(_("No answer ({key})").format(
            key=keys["no_answer"]))
        self.no_answer_button.setToolTip(_("Nobody answered: the next patient, this one "
                                           "again at the end"))
        self.no_answer_button.clicked.connect(lambda: self.answer(OfferOutcome.NO_ANSWER.value))
        self.dismiss_button = QPushButton(_("Close"))
        self.dismiss_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for b in (self.accept_button, self.refuse_button, self.no_answer_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch()
        self.dismiss_button.setAutoDefault(False)
        buttons.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        self.reload()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.table.setFocus()

    def reload(self, row: int = 0) -> None:
        """The candidates read again; ``row`` highlighted (the next one after a call)."""
        candidates = self._ws.freed_slots.candidates(self.slot)
        self.model.set_context(self._ws.clock.now(), self._ws.zone)
        self.model.set_rows(candidates)
        if candidates:
            self.table.selectRow(min(row, len(candidates) - 1))
        for b in (self.accept_button, self.refuse_button, self.no_answer_button):
            b.setEnabled(bool(candidates))
        self.empty.setVisible(not candidates)

    def highlighted(self) -> WaitingEntry | None:
        index = self.table.currentIndex()
        c = self.model.row_at(index.row()) if index.isValid() else None
        return c.entry if c is not None else None

    def accepted_by_patient(self):
        return self.answer(OfferOutcome.ACCEPTED.value)

    def answer(self, outcome: str):
        """Record the highlighted patient's answer; accepted books them."""
        entry = self.highlighted()
        if entry is None:
            return None
        row = self.table.currentIndex().row()
        try:
            result = self._ws.freed_slots.record_offer(self.slot, entry.id, outcome)
        except (BookingRefused, ValidationError, NotFound) as exc:
            if isinstance(exc, BookingRefused):
                text = exc.user_message
            elif isinstance(exc, ValidationError):
                text = first_error(exc)
            else:
                text = _("This patient is no longer on the waiting list.")
            self._show_banner(_("This slot cannot be given to {who}:").format(
                who=entry.patient_name) + "\n" + text)
            self.reload(row)
            return None
        self._show_banner("")
        if result is None:
            self.reload(row)  # refused or no answer: the next patient is on this row now
            return None
        self.result = result
        self.booked.emit(result.appointment)
        self.accept()
        return result

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            action = action_for("offer", event.key())
            if event.key() in _RETURN or action == "accepted":
                self.accepted_by_patient()
                return True
            if action == "refused":
                self.answer(OfferOutcome.REFUSED.value)
                return True
            if action == "no_answer":
                self.answer(OfferOutcome.NO_ANSWER.value)
                return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event) -> None:
        if event.key() in _RETURN:
            return
        super().keyPressEvent(event)


class WaitingListPanel(QWidget):
    """The list, its buttons, and the freed-slot windows it opens.

    ``booked(AppointmentView)``: an appointment was booked from the list (through the
    slot finder or a freed slot), for the agenda to show it.
    """

    booked = Signal(object)

    def __init__(self, workspace, bus, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.freed_windows: list[FreedSlotWindow] = []
        self.finder: SlotFinderDialog | None = None
        self.entry_dialog: WaitingEntryDialog | None = None
        self.setObjectName("WaitingListPanel")

        self.model = WaitingEntryModel(self)
        self.table = result_table(self.model)
        header = self.table.horizontalHeader()
        # Sized once per refresh, not at every repaint (ResizeToContents re-reads every cell).
        for col in range(1, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        # Names are elided (the full one is in the tooltip) so that urgency and waiting
        # time stay in view in the narrow panel; the other columns scroll.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 150)
        header.setStretchLastSection(True)
        self.table.setAccessibleName(_("Waiting list"))
        self.table.doubleClicked.connect(lambda _i: self.book_selected())
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._sync_buttons())
        self.caption = label("", "Muted", wrap=True)
        self.details = label("", "Hint", wrap=True)
        self.status = label("", "Muted", wrap=True)
        self.add_button = QPushButton(_("Add…"))
        self.add_button.setToolTip(_("Put a patient on the waiting list"))
        self.add_button.clicked.connect(lambda: self.add_entry())
        self.book_button = QPushButton(_("Book…"))
        self.book_button.setToolTip(_("Find a slot for the highlighted patient (Enter)"))
        self.book_button.clicked.connect(self.book_selected)
        self.withdraw_button = QPushButton(_("Withdraw"))
        self.withdraw_button.setToolTip(_("The patient no longer waits (Delete)"))
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.book_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        bus.changed.connect(self._on_bus)
        self.refresh()

    # -- the list ------------------------------------------------------------------------
    def refresh(self) -> None:
        current = self.selected()
        entries = self._ws.waiting_list.waiting()
        self.model.set_context(self._ws.agenda.practitioner_names(), self._ws.clock.now(),
                               self._ws.zone)
        self.model.set_rows(entries)
        for col in range(1, 6):
            self.table.resizeColumnToContents(col)
        row = self.model.row_of(current.id) if current is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        else:
            select_first_row(self.table)
        self.caption.setText(ngettext("{n} patient on the waiting list",
                                      "{n} patients on the waiting list",
                                      len(entries)).format(n=len(entries)) if entries
                             else _("Nobody is waiting for an earlier slot."))
        self._sync_buttons()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()  # entries added elsewhere meanwhile

    def _on_bus(self, changes: ChangeSet) -> None:
        patients = changes.ids(kinds.PATIENT)
        if changes.touches(*WATCHED) or (
                patients and any(e.patient_id in patients for e in self.model.rows())):
            self.refresh()

    def _sync_buttons(self) -> None:
        entry = self.selected()
        self.book_button.setEnabled(entry is not None)
        self.withdraw_button.setEnabled(entry is not None)
        self.details.setText(self.model.details(entry) if entry is not None else "")

    def selected(self) -> WaitingEntry | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def add_entry(self, patient_id: str | None = None) -> WaitingEntryDialog:
        dialog = WaitingEntryDialog(self._ws, self, patient_id=patient_id)
        dialog.added.connect(lambda entry: self._select(entry.id))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.entry_dialog = dialog
        dialog.open()
        return dialog

    def _select(self, entry_id: str) -> None:
        # The store has told the list already: it holds the new entry.
        row = self.model.row_of(entry_id)
        if row >= 0:
            self.table.selectRow(row)

    def withdraw_selected(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        try:
            self._ws.waiting_list.withdraw(entry.id)
        except (ValidationError, NotFound):
            self.refresh()  # already booked or withdrawn elsewhere: show it
            return
        self.status.setText(_("{who} is no longer on the waiting list.").format(
            who=entry.patient_name))

    def book_selected(self) -> SlotFinderDialog | None:
        """The slot finder for the highlighted entry; the entry is marked booked with it."""
        entry = self.selected()
        if entry is None:
            return None
        today = self._ws.zone.today(self._ws.clock.now())
        first = max(entry.window_from, today)
        dialog = SlotFinderDialog(self._ws, self, patient_id=entry.patient_id,
                                  type_id=entry.type_id,
                                  practitioner_ids=tuple(entry.practitioner_ids),
                                  first=first, last=max(entry.window_until, first),
                                  waiting_entry_id=entry.id)
        dialog.booked.connect(self.booked)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.finder = dialog
        dialog.open()
        return dialog

    # -- a slot freed up -----------------------------------------------------------------
    def slot_freed(self, appointment_id: str) -> FreedSlotWindow | None:
        """After a cancellation: the window of patients to call, if the time suits any."""
        freed = self._ws.appointment_brief(appointment_id)
        if freed is None or freed.ends_at <= self._ws.clock.now():
            return None
        slot = self._ws.freed_slots.slot_at(freed.practitioner_id, freed.starts_at)
        if slot is None or not self._ws.freed_slots.candidates(slot):
            return None
        return self.offer(slot)

    def offer(self, slot: FreedTime) -> FreedSlotWindow:
        """The window to call the patients ``slot`` suits (not modal)."""
        window = FreedSlotWindow(self._ws, slot, self)
        window.booked.connect(self.booked)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda _o=None, w=window: self._forget(w))
        self.freed_windows.append(window)
        window.show()
        return window

    def _forget(self, window: FreedSlotWindow) -> None:
        if window in self.freed_windows:
            self.freed_windows.remove(window)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress:
            if event.key() in _RETURN:
                self.book_selected()
                return True
            if event.key() == Qt.Key.Key_Delete:
                self.withdraw_selected()
                return True
        return super().eventFilter(obj, event)
