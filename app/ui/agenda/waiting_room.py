"""The waiting room ("Salle d'attente"): today's patients who arrived, first come first,
with how long they have waited, and the keys that send them in.

A side panel of the agenda page. It reads the waiting room when shown and whenever an
appointment or a patient changes (the change bus); the waiting times move on every
minute without reading anything. Keys on the list: C in consultation, V seen, R back
(not arrived yet / back to the waiting room), Enter shows the appointment in the agenda.
"""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, ngettext
from app.models import AppointmentStatus, kinds
from app.services.agenda.day_queries import DayEntry, DayQueries
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.storage.changes import ChangeSet
from app.ui.change_bus import ChangeBus
from app.ui.letter_keys import action_for, letters
from app.ui.widgets import label

# What the room is read from: an appointment, or the card of someone in it.
READ_FROM = (kinds.APPOINTMENT,)
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ALERT_COLOUR = "#b45309"   # amber, readable on white and on the selection
MUTED_COLOUR = "#6b7280"
TICK_MS = 60_000

ARRIVED = AppointmentStatus.ARRIVED.value
IN_CONSULTATION = AppointmentStatus.IN_CONSULTATION.value
SEEN = AppointmentStatus.SEEN.value
BOOKED = AppointmentStatus.BOOKED.value
NO_SHOW = AppointmentStatus.NO_SHOW.value


def wall_time(zone, instant: datetime | None) -> str:
    return zone.local(instant).strftime("%H:%M") if instant is not None else ""


def waited(now: datetime, since: datetime) -> str:
    """"for 12 min", "for 1 h 05" (French: "depuis 12 min")."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("for {minutes} min").format(minutes=minutes)
    return _("for {hours} h {minutes:02d}").format(hours=minutes // 60, minutes=minutes % 60)


def change_status(agenda, entry: DayEntry, status: str) -> str:
    """Write ``status`` on ``entry`` (the store tells the open views); "" or what went
    wrong, nothing being written then."""
    try:
        agenda.set_status(entry.id, status, expected_version=entry.version)
    except ConcurrentEdit as exc:
        return exc.user_message
    except NotFound:
        return _("This appointment no longer exists.")
    except ValidationError as exc:
        return " ".join(exc.errors.values())
    return ""


def back_status(status: str) -> str | None:
    """One step back: arrived by mistake, or called in too soon."""
    return {ARRIVED: BOOKED, IN_CONSULTATION: ARRIVED, SEEN: IN_CONSULTATION,
            NO_SHOW: BOOKED}.get(status)


class WaitingRoomPanel(QWidget):
    """``appointment_activated(id)``: Enter or a double-click on a patient."""

    appointment_activated = Signal(str)

    def __init__(self, workspace, bus: ChangeBus, parent=None, *,
                 queries: DayQueries | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WaitingRoom")
        self._ws = workspace
        self._queries = queries or DayQueries.of(workspace)
        self._zone = workspace.zone
        self._entries: list[DayEntry] = []
        self._labels: list = []
        self._stale = True
        self._day = None

        self.caption = label("", "Muted", wrap=True)
        self.empty_hint = label(_("Nobody in the waiting room."), "Hint", wrap=True)
        self.error = label("", "Banner", wrap=True)
        self.error.hide()
        self.list = QListWidget()
        self.list.setObjectName("WaitingRoomList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setAccessibleName(_("Waiting room"))
        self.list.currentRowChanged.connect(self._sync_buttons)
        self.list.itemActivated.connect(self._activated)
        self.list.installEventFilter(self)

        keys = letters("waiting_room")
        self.consult_button = QPushButton(_("In consultation"))
        self.consult_button.setToolTip(_("The practitioner called the patient in ({key})")
                                       .format(key=keys["in_consultation"]))
        self.consult_button.clicked.connect(lambda: self.set_current_status(IN_CONSULTATION))
        self.seen_button = QPushButton(_("Seen"))
        self.seen_button.setToolTip(_("The consultation is over ({key})").format(
            key=keys["seen"]))
        self.seen_button.clicked.connect(lambda: self.set_current_status(SEEN))
        self.back_button = QPushButton(_("Not arrived"))
        self.back_button.setToolTip(_("Arrived by mistake: back to booked ({key})").format(
            key=keys["back"]))
        self.back_button.clicked.connect(self.step_back)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for b in (self.consult_button, self.seen_button, self.back_button):
            buttons.addWidget(b)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.error)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        bus.changed.connect(self._on_changed)
        self._show_entries()

    # -- reading -----------------------------------------------------------------------
    @property
    def entries(self) -> list[DayEntry]:
        return list(self._entries)

    def refresh(self) -> None:
        self._stale = False
        self._day = self._queries.today()
        current = self.current_entry()
        self._entries = self._queries.waiting_room(self._day)
        self._show_entries(current.id if current else None)

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _on_changed(self, changes: ChangeSet) -> None:
        patients = changes.ids(kinds.PATIENT)
        if changes.touches(*READ_FROM) or (
                patients and any(e.patient_id in patients for e in self._entries)):
            self._stale = True
            if self.isVisible():
                self.refresh()

    def tick(self) -> None:
        """Every minute: the waiting times move on; a new day empties the room."""
        if self._day is not None and self._queries.today() != self._day:
            self._stale = True
            if self.isVisible():
                self.refresh()
            return
        now = self._queries.now()
        for entry, text in zip(self._entries, self._labels):
            text.setText(self._html(entry, now))

    # -- showing -----------------------------------------------------------------------
    def _show_entries(self, keep: str | None = None) -> None:
        now = self._queries.now()
        self.list.clear()
        self._labels = []
        for entry in self._entries:
            item = QListWidgetItem()
            item.setData(ID_ROLE, entry.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, self._plain(entry, now))
            self.list.addItem(item)
            text = label(self._html(entry, now), wrap=True)
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setContentsMargins(6, 4, 6, 4)
            text.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self.list.setItemWidget(item, text)
            self._labels.append(text)
        self._fit_rows()
        waiting = sum(e.status == ARRIVED for e in self._entries)
        self.empty_hint.setVisible(waiting == 0)
        self.list.setVisible(bool(self._entries))
        self.caption.setText(ngettext("{n} patient in the waiting room",
                                      "{n} patients in the waiting room",
                                      waiting).format(n=waiting) if waiting else "")
        self.caption.setVisible(bool(waiting))
        row = 0
        if keep is not None:
            row = next((i for i, e in enumerate(self._entries) if e.id == keep), 0)
        if self._entries:
            self.list.setCurrentRow(min(row, len(self._entries) - 1))
        self._sync_buttons()

    def _html(self, entry: DayEntry, now: datetime) -> str:
        esc = html.escape
        name = esc(entry.patient_name or entry.type_name or _("Appointment"))
        if entry.status == ARRIVED:
            arrived = entry.arrived_at or entry.starts_at
            head = _("{time} · {waited}").format(time=wall_time(self._zone, arrived),
                                                 waited=waited(now, arrived))
            lines = [f"<b>{esc(head)}</b> — <b>{name}</b>"]
        else:
            consulting = esc(_("In consultation"))
            lines = [f"<span style='color:{MUTED_COLOUR}'>{consulting}</span> — {name}"]
        detail = " · ".join(p for p in (
            _("appointment at {time}").format(time=wall_time(self._zone, entry.starts_at)),
            entry.practitioner_name, entry.type_name) if p)
        lines.append(f"<span style='color:{MUTED_COLOUR}'>{esc(detail)}</span>")
        if entry.patient_alert:
            lines.append(f"<span style='color:{ALERT_COLOUR}; font-weight:600'>⚠ "
                         f"{esc(entry.patient_alert)}</span>")
        return "<br>".join(lines)

    def _plain(self, entry: DayEntry, now: datetime) -> str:
        bits = [entry.patient_name, entry.practitioner_name, entry.type_name]
        if entry.status == ARRIVED:
            bits.insert(0, waited(now, entry.arrived_at or entry.starts_at))
        if entry.patient_alert:
            bits.append(entry.patient_alert)
        return ", ".join(b for b in bits if b)

    def _fit_rows(self) -> None:
        width = max(120, self.list.viewport().width())
        for i, text in enumerate(self._labels):
            item = self.list.item(i)
            if item is not None:
                item.setSizeHint(QSize(width, text.heightForWidth(width)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    # -- acting ------------------------------------------------------------------------
    def current_entry(self) -> DayEntry | None:
        row = self.list.currentRow()
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def select(self, appointment_id: str) -> bool:
        row = next((i for i, e in enumerate(self._entries) if e.id == appointment_id), -1)
        if row >= 0:
            self.list.setCurrentRow(row)
        return row >= 0

    def set_current_status(self, status: str) -> bool:
        entry = self.current_entry()
        if entry is None or entry.status == status:
            return False
        if status == IN_CONSULTATION and entry.status != ARRIVED:
            return False
        message = change_status(self._ws.agenda, entry, status)
        self.error.setText(message)
        self.error.setVisible(bool(message))
        if self._stale or message:  # hidden when the bus told us, or nothing written
            self.refresh()
        return not message

    def step_back(self) -> bool:
        entry = self.current_entry()
        back = back_status(entry.status) if entry else None
        return self.set_current_status(back) if back else False

    def _sync_buttons(self, *args) -> None:
        entry = self.current_entry()
        status = entry.status if entry else ""
        self.consult_button.setEnabled(status == ARRIVED)
        self.seen_button.setEnabled(status in (ARRIVED, IN_CONSULTATION))
        self.back_button.setEnabled(status in (ARRIVED, IN_CONSULTATION))
        back = letters("waiting_room")["back"]
        if status == IN_CONSULTATION:
            self.back_button.setText(_("Back to the waiting room"))
            self.back_button.setToolTip(_("Called in too soon: back to the waiting room ({key})")
                                        .format(key=back))
        else:
            self.back_button.setText(_("Not arrived"))
            self.back_button.setToolTip(_("Arrived by mistake: back to booked ({key})").format(
                key=back))

    def _activated(self, item: QListWidgetItem) -> None:
        self.appointment_activated.emit(item.data(ID_ROLE))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.list and event.type() == QEvent.Type.KeyPress \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            action = action_for("waiting_room", event.key())
            if action == "in_consultation":
                self.set_current_status(IN_CONSULTATION)
                return True
            if action == "seen":
                self.set_current_status(SEEN)
                return True
            if action == "back":
                self.step_back()
                return True
        return super().eventFilter(obj, event)
