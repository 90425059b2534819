"""The "To confirm" list ("À confirmer"): every practitioner's appointments of the next
working day, with the patients' phones, to call them one after the other.

One key per outcome on the list: C confirmed, I unreachable, M message left, A
cancelled by phone (pressed twice: a cancellation is not undone by a key); after each,
the next appointment still to call is highlighted. Enter shows the appointment in the
agenda; Alt+Left / Alt+Right the previous / next day. Not modal.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout

from app.i18n import _, format_date, ngettext
from app.models import AppointmentStatus, Confirmation, kinds
from app.services.agenda.confirmations import CALLABLE, ConfirmationService, ToConfirm
from app.services.agenda.labels import confirmation_labels
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.storage.changes import ChangeSet
from app.ui.agenda.slot_finder import first_error
from app.ui.agenda.waiting_room import wall_time
from app.ui.change_bus import ChangeBus
from app.ui.letter_keys import action_for, letters
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import label, result_table

READ_FROM = (kinds.APPOINTMENT, kinds.PATIENT, kinds.PATIENT_PHONE, kinds.PRACTITIONER)
TIME, PATIENT, PHONES, PRACTITIONER, MOTIF, CALL = range(6)
SETTLED_INK = QColor("#4b5563")
CANCELLED_INK = QColor("#b91c1c")

# The outcomes, by their action in app.ui.letter_keys (one letter each, per language).
OUTCOMES = {"confirmed": Confirmation.CONFIRMED.value,
            "unreachable": Confirmation.UNREACHABLE.value,
            "message_left": Confirmation.MESSAGE_LEFT.value,
            "cancelled": Confirmation.CANCELLED.value}


def key_letters() -> dict[str, str]:
    """Outcome -> its letter in the current language."""
    return {OUTCOMES[action]: letter for action, letter in letters("confirm").items()}


def call_text(row: ToConfirm, zone) -> str:
    """The last call's outcome and its time ("Injoignable à 09:12"), or the status."""
    if row.confirmation:
        outcome = confirmation_labels().get(row.confirmation, row.confirmation)
        if row.confirmation_at is not None:
            return _("{outcome} at {time}").format(outcome=outcome,
                                                   time=wall_time(zone, row.confirmation_at))
        return outcome
    return _("Confirmed") if row.confirmed else _("To call")


def counts_text(rows: list[ToConfirm]) -> str:
    to_call = sum(not r.settled for r in rows)
    confirmed = sum(r.confirmed for r in rows)
    cancelled = sum(r.status == AppointmentStatus.CANCELLED.value for r in rows)
    parts = [ngettext("{n} to call", "{n} to call", to_call).format(n=to_call),
             ngettext("{n} confirmed", "{n} confirmed", confirmed).format(n=confirmed)]
    if cancelled:
        parts.append(ngettext("{n} cancelled by phone", "{n} cancelled by phone",
                              cancelled).format(n=cancelled))
    return " · ".join(parts)


class ConfirmModel(RowTableModel):
    def __init__(self, zone, parent=None) -> None:
        super().__init__([_("Time"), _("Patient"), _("Phones"), _("Practitioner"), _("Type"),
                          _("Call")], parent)
        self._zone = zone

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        r: ToConfirm | None = self.row_at(index.row()) if index.isValid() else None
        if r is None:
            return None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = (wall_time(self._zone, r.starts_at),
                    ("⚠ " if r.patient_alert else "") + r.patient_name,
                    " · ".join(r.phones) or "—", r.practitioner_name, r.type_name,
                    call_text(r, self._zone))[col]
            if role == Qt.ItemDataRole.ToolTipRole:
                bits = [text]
                if col == PATIENT and r.patient_alert:
                    bits.append("⚠ " + r.patient_alert)
                if col == CALL and r.confirmation_by:
                    bits.append(_("by {who}").format(who=r.confirmation_by))
                return tooltip("\n".join(bits))
            return text
        if role == Qt.ItemDataRole.ForegroundRole:
            if r.status == AppointmentStatus.CANCELLED.value:
                return CANCELLED_INK
            if r.settled:
                return SETTLED_INK
        return None


class ConfirmListDialog(QDialog):
    """``appointment_activated(id, day)``: show that appointment in the agenda."""

    appointment_activated = Signal(str, object)

    def __init__(self, workspace, bus: ChangeBus, parent=None, *, day: date | None = None,
                 service: ConfirmationService | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConfirmList")
        self.setWindowTitle(_("To confirm"))
        self.resize(1100, 620)
        self._service = service or workspace.confirmations
        self._zone = workspace.zone
        self._day = day or self._service.day_to_confirm()
        self._cancel_armed: str | None = None  # the appointment "A" was pressed on once
        self._stale = False

        self.prev_button = QPushButton("◀")
        self.prev_button.setToolTip(_("Previous day (Alt+Left)"))
        self.prev_button.setFixedWidth(36)
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip(_("Next day (Alt+Right)"))
        self.next_button.setFixedWidth(36)
        self.heading = label("", "PageTitle", wrap=True)
        self.counts = label("", "Muted", wrap=True)
        self.prompt = label("", "AlertBanner", wrap=True)
        self.prompt.hide()
        self.model = ConfirmModel(self._zone, self)
        self.table = result_table(self.model)
        self.table.setAccessibleName(_("Appointments to confirm"))
        header = self.table.horizontalHeader()
        for col in (TIME, PHONES, PRACTITIONER, MOTIF, CALL):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PATIENT, QHeaderView.ResizeMode.Stretch)
        self.table.installEventFilter(self)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._current_moved())

        labels = confirmation_labels()
        keys = key_letters()
        self.outcome_buttons: dict[str, QPushButton] = {}
        for outcome in (Confirmation.CONFIRMED.value, Confirmation.UNREACHABLE.value,
                        Confirmation.MESSAGE_LEFT.value, Confirmation.CANCELLED.value):
            button = QPushButton(_("{action} ({key})").format(action=labels[outcome],
                                                              key=keys[outcome]))
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, o=outcome: self.record(o))
            self.outcome_buttons[outcome] = button
        close = QPushButton(_("Close"))
        close.setAutoDefault(False)
        close.clicked.connect(self.close)

        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        nav.addWidget(self.heading, 1)
        buttons = QHBoxLayout()
        for b in self.outcome_buttons.values():
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(nav)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.prompt)
        layout.addLayout(buttons)

        self.prev_button.clicked.connect(lambda: self.step_day(-1))
        self.next_button.clicked.connect(lambda: self.step_day(1))
        self.prev_button.setAutoDefault(False)
        self.next_button.setAutoDefault(False)
        QShortcut(QKeySequence("Alt+Left"), self, activated=lambda: self.step_day(-1))
        QShortcut(QKeySequence("Alt+Right"), self, activated=lambda: self.step_day(1))
        bus.changed.connect(self._on_changed)
        self.refresh()
        self.table.setFocus()

    # -- what is shown -------------------------------------------------------------------
    @property
    def day(self) -> date:
        return self._day

    def set_day(self, day: date) -> None:
        self._day = day
        self.refresh()

    def step_day(self, days: int) -> None:
        self.set_day(self._day + timedelta(days=days))

    def refresh(self) -> None:
        self._stale = False
        current = self.current()
        rows = self._service.to_confirm(self._day)
        self.heading.setText(_("To confirm: {day}").format(
            day=format_date(self._day, "EEEE d MMMM y")))
        self.counts.setText(counts_text(rows) if rows else _("No appointment to confirm."))
        self.model.set_rows(rows)
        row = self.model.row_of(current.id) if current is not None else -1
        if row < 0:
            row = self._next_to_call(-1)
        if row >= 0:
            self.table.selectRow(row)
        self._sync_buttons()

    def _next_to_call(self, after: int) -> int:
        """The first row after ``after`` still to call (wrapping round), else ``after``."""
        rows = self.model.rows()
        n = len(rows)
        for step in range(1, n + 1):
            i = (after + step) % n
            if not rows[i].settled:
                return i
        return after if after >= 0 else (0 if n else -1)

    def current(self) -> ToConfirm | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(*READ_FROM):
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _current_moved(self) -> None:
        self._disarm()
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        r = self.current()
        callable_ = r is not None and r.status in CALLABLE
        for button in self.outcome_buttons.values():
            button.setEnabled(callable_)

    # -- acting --------------------------------------------------------------------------
    def record(self, outcome: str) -> bool:
        """Write ``outcome`` for the highlighted appointment; a cancellation asks for the
        same key (or button) once more first."""
        r = self.current()
        if r is None or r.status not in CALLABLE:
            return False
        if outcome == Confirmation.CANCELLED.value and self._cancel_armed != r.id:
            self._cancel_armed = r.id
            key = key_letters()[outcome]
            self.outcome_buttons[outcome].setText(
                _("Confirm the cancellation ({key})").format(key=key))
            self._show_prompt(_("Cancel the appointment of {who} at {time}? Press {key} again "
                                "to cancel it, any other key to keep it.").format(
                who=r.patient_name, time=wall_time(self._zone, r.starts_at), key=key))
            return False
        self._disarm()
        row = self.model.row_of(r.id)
        try:
            self._service.record(r.id, outcome, expected_version=r.version)
        except (ValidationError, NotFound, ConcurrentEdit) as exc:
            text = first_error(exc) if isinstance(exc, ValidationError) else exc.user_message
            self._show_prompt(text)
            self.refresh()
            return False
        self.refresh()  # the bus did already if the store told it; read what was written
        nxt = self._next_to_call(row)
        if nxt >= 0:
            self.table.selectRow(nxt)
        return True

    def _disarm(self) -> None:
        if self._cancel_armed is not None:
            self._cancel_armed = None
            cancelled = Confirmation.CANCELLED.value
            self.outcome_buttons[cancelled].setText(_("{action} ({key})").format(
                action=confirmation_labels()[cancelled], key=key_letters()[cancelled]))
            self._show_prompt("")

    def _show_prompt(self, text: str) -> None:
        self.prompt.setText(text)
        self.prompt.setVisible(bool(text))

    def _activated(self, index: QModelIndex) -> None:
        r = self.model.row_at(index.row())
        if r is not None:
            self.appointment_activated.emit(r.id, self._day)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            action = action_for("confirm", event.key())
            if action is not None:
                self.record(OUTCOMES[action])
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._activated(self.table.currentIndex())
                return True
            if self._cancel_armed is not None and event.key() not in (
                    Qt.Key.Key_Up, Qt.Key.Key_Down):
                self._disarm()
                if event.key() == Qt.Key.Key_Escape:
                    return True
        return super().eventFilter(obj, event)
