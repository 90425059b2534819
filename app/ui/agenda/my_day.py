"""The practitioner's day ("Journée du praticien"): one practitioner's day as a list, to
run it from the keyboard and review it in the evening.

The day's appointments in order (time, patient, motif, status, the patient's alert),
the counts at the top ("12 RDV · 3 vus · 1 absent"), the practitioner's messages (hers
and the practice's still to treat, unread ones counted in the tab's title, L read and T
treated on the list), and what is pending ("À traiter"):
the next day's bookings still to confirm (with the phone to call), the day's no-shows
to follow up, who is in the waiting room, who waits for an earlier slot with this
practitioner. The pending list has columns (time, patient, phone, details) so that the
phone stays in view however narrow the panel: the name gives way first.

Keys on the list: A arrived, C in consultation, V seen, N no-show, R one step back;
Enter (or a double-click) shows the appointment in the agenda; Alt+Left / Alt+Right the
previous / next day. Opened from the agenda toolbar (Ctrl+J), not modal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, format_heading_date, ngettext
from app.models import kinds
from app.services.agenda.day_queries import DayEntry, DayQueries, MyDay
from app.services.agenda.labels import confirmation_labels
from app.services.agenda.service import status_labels
from app.ui.agenda.printing import pydate, qdate
from app.ui.agenda.waiting_room import (
    ALERT_COLOUR,
    ARRIVED,
    IN_CONSULTATION,
    NO_SHOW,
    SEEN,
    back_status,
    change_status,
    waited,
    wall_time,
)
from app.storage.changes import ChangeSet
from app.ui.change_bus import ChangeBus
from app.ui.letter_keys import action_for, letters
from app.ui.messages.inbox import INBOX, MessageList
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import label, result_table

# What the day is read from: its appointments and the waiting list (what is pending), or
# the card of someone in it.
READ_FROM = (kinds.APPOINTMENT, kinds.WAITING_LIST_ENTRY)
ID_ROLE = Qt.ItemDataRole.UserRole + 1
DAY_ROLE = Qt.ItemDataRole.UserRole + 2
TIME, PATIENT, MOTIF, STATUS, ALERT = range(5)
# The pending list's columns.
P_TIME, P_PATIENT, P_PHONE, P_DETAIL = range(4)
PENDING_NAME_MAX = 170  # px: a long name is elided (whole in its tooltip) before the phone
PENDING_MIN_WIDTH = 380  # px: time, a name, a phone and the start of the details

# The statuses, by their action in app.ui.letter_keys (one letter each, per language).
STATUSES = {"arrived": ARRIVED, "in_consultation": IN_CONSULTATION, "seen": SEEN,
            "no_show": NO_SHOW}


def counts_text(day: MyDay) -> str:
    c = day.counts
    parts = [ngettext("{n} appointment", "{n} appointments", c.appointments).format(
        n=c.appointments),
        ngettext("{n} seen", "{n} seen", c.seen).format(n=c.seen),
        ngettext("{n} no-show", "{n} no-shows", c.no_shows).format(n=c.no_shows)]
    if c.waiting:
        parts.append(ngettext("{n} in the waiting room", "{n} in the waiting room",
                              c.waiting).format(n=c.waiting))
    if c.cancelled:
        parts.append(ngettext("{n} cancelled", "{n} cancelled", c.cancelled).format(
            n=c.cancelled))
    return " · ".join(parts)


class DayModel(RowTableModel):
    def __init__(self, zone, parent=None) -> None:
        super().__init__([_("Time"), _("Patient"), _("Type"), _("Status"), _("Alert, note")],
                         parent)
        self._zone = zone
        self._labels = status_labels()

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        e: DayEntry | None = self.row_at(index.row())
        if e is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == TIME:
                return wall_time(self._zone, e.starts_at)
            if col == PATIENT:
                return e.patient_name or _("(no patient)")
            if col == MOTIF:
                return e.type_name
            if col == STATUS:
                return self._labels.get(e.status, e.status)
            if col == ALERT:
                return " · ".join(p for p in (("⚠ " + e.patient_alert) if e.patient_alert
                                              else "", e.note) if p)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == ALERT and e.patient_alert:
                return QColor(ALERT_COLOUR)
            if col == STATUS and e.status == NO_SHOW:
                return QColor("#b91c1c")
        if role == Qt.ItemDataRole.ToolTipRole and col in (PATIENT, ALERT):
            bits = [e.patient_alert and "⚠ " + e.patient_alert, e.note, e.phone]
            return tooltip("\n".join(b for b in bits if b)) or None
        if role == ID_ROLE:
            return e.id
        return None


class MyDayDialog(QDialog):
    """``appointment_activated(id, day)``: show that appointment in the agenda.
    ``print_day(practitioner_id, day)`` (optional) prints the day sheet."""

    appointment_activated = Signal(str, object)

    def __init__(self, workspace, bus: ChangeBus, parent=None, *,
                 practitioner_id: str | None = None, day: date | None = None,
                 queries: DayQueries | None = None,
                 print_day: Callable[[str, date], None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Practitioner's day"))
        self.setObjectName("MyDay")
        self.resize(1040, 620)
        self._ws = workspace
        self._queries = queries or DayQueries.of(workspace)
        self._zone = workspace.zone
        self._print_day = print_day
        self._day: MyDay | None = None
        self._stale = True

        self.practitioner = QComboBox()
        for p in workspace.practitioners():
            self.practitioner.addItem(p.display_name, p.id)
        if practitioner_id is not None:
            self.practitioner.setCurrentIndex(max(0, self.practitioner.findData(practitioner_id)))
        self.practitioner.setAccessibleName(_("Practitioner"))
        self.prev_button = QPushButton("◀")
        self.prev_button.setToolTip(_("Previous day (Alt+Left)"))
        self.prev_button.setFixedWidth(36)
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip(_("Next day (Alt+Right)"))
        self.next_button.setFixedWidth(36)
        self.date = QDateEdit(qdate(day or self._queries.today()))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setAccessibleName(_("Day"))
        self.today_button = QPushButton(_("Today"))
        self.print_button = QPushButton(_("Print…"))
        self.print_button.setToolTip(_("Print this day with the list and the phone numbers"))
        self.print_button.setVisible(print_day is not None)
        self.print_button.clicked.connect(self.print_current)

        self.heading = label("", "PageTitle", wrap=True)
        self.counts = label("", "Muted", wrap=True)
        self.error = label("", "Banner", wrap=True)
        self.error.hide()
        self.empty_hint = label(_("No appointment this day."), "Hint", wrap=True)
        self.model = DayModel(self._zone, self)
        self.table = result_table(self.model)
        self.table.setAccessibleName(_("Appointments of the day"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TIME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PATIENT, QHeaderView.ResizeMode.Stretch)
        for col in (MOTIF, STATUS):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ALERT, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._activated_row)
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(self._sync_buttons)

        self.status_buttons: dict[str, QPushButton] = {}
        statuses = status_labels()
        keys = letters("my_day")
        for action, status in STATUSES.items():
            button = QPushButton(_("{action} ({key})").format(action=statuses[status],
                                                              key=keys[action]))
            button.clicked.connect(lambda _c=False, s=status: self.set_current_status(s))
            self.status_buttons[status] = button
        self.back_button = QPushButton(_("Back ({key})").format(key=keys["back"]))
        self.back_button.setToolTip(_("One step back: not arrived, back to the waiting room…"))
        self.back_button.clicked.connect(self.step_back)

        self.pending = QTreeWidget()
        self.pending.setHeaderHidden(True)
        self.pending.setColumnCount(4)
        self.pending.setMinimumWidth(PENDING_MIN_WIDTH)
        self.pending.setRootIsDecorated(False)
        self.pending.setIndentation(8)
        self.pending.setTextElideMode(Qt.TextElideMode.ElideRight)
        pending_header = self.pending.header()
        pending_header.setStretchLastSection(True)
        for col in (P_TIME, P_PHONE):
            pending_header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        pending_header.setSectionResizeMode(P_PATIENT, QHeaderView.ResizeMode.Interactive)
        self.pending.setObjectName("Pending")
        self.pending.setAccessibleName(_("Pending"))
        self.pending.itemActivated.connect(self._activated_pending)
        self.pending_title = label(_("Pending"), "SectionTitle")

        nav = QHBoxLayout()
        nav.addWidget(self.practitioner, 1)
        nav.addSpacing(12)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.date)
        nav.addWidget(self.next_button)
        nav.addWidget(self.today_button)
        nav.addStretch()
        nav.addWidget(self.print_button)
        buttons = QHBoxLayout()
        for b in self.status_buttons.values():
            buttons.addWidget(b)
        buttons.addWidget(self.back_button)
        buttons.addStretch()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.empty_hint)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(buttons)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        pending_tab = QWidget()
        pending_layout = QVBoxLayout(pending_tab)
        pending_layout.setContentsMargins(0, 0, 0, 0)
        pending_layout.addWidget(self.pending_title)
        pending_layout.addWidget(self.pending, 1)
        # The practitioner's inbox: hers and the practice's messages still to treat.
        self.messages = MessageList(workspace.messages, bus, self._zone, kind=INBOX,
                                    recipients=self._message_recipients, compact=True)
        self.messages.count_changed.connect(self._show_message_count)
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(pending_tab, _("Pending"))
        self.side_tabs.addTab(self.messages, _("Messages"))
        right_layout.addWidget(self.side_tabs, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addStretch()
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(nav)
        layout.addWidget(self.heading)
        layout.addWidget(self.counts)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.practitioner.currentIndexChanged.connect(lambda *_a: self.refresh())
        self.date.dateChanged.connect(lambda *_a: self.refresh())
        self.prev_button.clicked.connect(lambda: self.step_day(-1))
        self.next_button.clicked.connect(lambda: self.step_day(1))
        self.today_button.clicked.connect(lambda: self.set_day(self._queries.today()))
        QShortcut(QKeySequence("Alt+Left"), self, activated=lambda: self.step_day(-1))
        QShortcut(QKeySequence("Alt+Right"), self, activated=lambda: self.step_day(1))
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter belongs to the list
        bus.changed.connect(self._on_changed)
        self.refresh()
        self.table.setFocus()

    # -- what is shown -----------------------------------------------------------------
    @property
    def practitioner_id(self) -> str | None:
        return self.practitioner.currentData()

    @property
    def day(self) -> date:
        return pydate(self.date.date())

    @property
    def my_day(self) -> MyDay | None:
        return self._day

    def set_practitioner(self, practitioner_id: str) -> None:
        index = self.practitioner.findData(practitioner_id)
        if index >= 0:
            self.practitioner.setCurrentIndex(index)

    def set_day(self, day: date) -> None:
        self.date.setDate(qdate(day))

    def step_day(self, days: int) -> None:
        self.set_day(self.day + timedelta(days=days))

    def refresh(self) -> None:
        self._stale = False
        pid = self.practitioner_id
        current = self.current_entry()
        if pid is None:
            self._day = None
            self.model.set_rows([])
            self.heading.setText(_("No practitioner yet."))
            self.counts.setText("")
            self.pending.clear()
            self._sync_buttons()
            return
        self._day = self._queries.my_day(pid, self.day)
        self.setWindowTitle(_("Practitioner's day") + " — " + self.practitioner.currentText())
        self.heading.setText(format_heading_date(self.day)
                             + " — " + self.practitioner.currentText())
        self.counts.setText(counts_text(self._day))
        self.model.set_rows(self._day.entries)
        self.empty_hint.setVisible(not self._day.entries)
        row = self.model.row_of(current.id) if current is not None else -1
        if row < 0 and self._day.entries:
            row = self._first_to_do()
        if row >= 0:
            self.table.selectRow(row)
        self._fill_pending()
        self.messages.refresh()
        self._sync_buttons()

    def _message_recipients(self) -> list[str | None]:
        pid = self.practitioner_id
        return [pid, None] if pid else [None]

    def _show_message_count(self, *_args) -> None:
        """The tab says how many messages are unread, urgent ones first in the count."""
        count = self._ws.messages.unread_count(self._message_recipients())
        title = _("Messages")
        if count.urgent:
            urgent = ngettext("{n} urgent", "{n} urgent", count.urgent).format(n=count.urgent)
            title = _("Messages ({n}, {urgent})").format(n=count.total, urgent=urgent)
        elif count.total:
            title = _("Messages ({n})").format(n=count.total)
        self.side_tabs.setTabText(self.side_tabs.indexOf(self.messages), title)
        self.side_tabs.tabBar().setTabTextColor(
            self.side_tabs.indexOf(self.messages),
            QColor("#b91c1c") if count.urgent else self.palette().windowText().color())

    def _first_to_do(self) -> int:
        """Where the day stands: the first appointment not yet seen nor missed."""
        entries = self._day.entries if self._day else ()
        return next((i for i, e in enumerate(entries) if e.status not in (SEEN, NO_SHOW)), 0)

    def _fill_pending(self) -> None:
        self.pending.clear()
        pending = self._day.pending
        now = self._queries.now()
        zone = self._zone

        def group(title: str, rows: list[tuple[tuple[str, str, str, str], str | None,
                                               date | None]]) -> None:
            if not rows:
                return
            top = QTreeWidgetItem([f"{title} ({len(rows)})"])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for cells, ref, day in rows:
                child = QTreeWidgetItem(list(cells))
                child.setData(0, ID_ROLE, ref)
                child.setData(0, DAY_ROLE, day)
                whole = tooltip(" · ".join(c for c in cells if c))
                for col in range(len(cells)):
                    child.setToolTip(col, whole)
                top.addChild(child)
            self.pending.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            top.setExpanded(True)

        def cells(e: DayEntry, phone: str = "", *extra: str) -> tuple[str, str, str, str]:
            return (wall_time(zone, e.starts_at), e.patient_name, phone,
                    " · ".join(p for p in extra if p))

        calls = confirmation_labels()  # an unanswered call or a message left, if any
        if pending.confirm_day is not None:
            group(_("To confirm, {day}").format(day=format_date(pending.confirm_day,
                                                                 "EEEE d MMMM")),
                  [(cells(e, e.phone, e.type_name, calls.get(e.confirmation, "")), e.id,
                    pending.confirm_day) for e in pending.to_confirm])
        group(_("No-shows to follow up"),
              [(cells(e, e.phone), e.id, self.day) for e in pending.no_shows])
        group(_("In the waiting room"),
              [(cells(e, "", waited(now, e.arrived_at or e.starts_at)), e.id, self.day)
               for e in pending.waiting_room])
        urgency = {1: _("soon"), 2: _("urgent")}
        group(_("Waiting list"),
              [(("", w.patient_name, w.phone,
                 " · ".join(p for p in (w.type_name, urgency.get(w.urgency, ""),
                                        _("until {day}").format(day=format_date(w.window_until)))
                            if p)), None, None)
               for w in pending.waiting_list])
        if not self.pending.topLevelItemCount():
            empty = QTreeWidgetItem([_("Nothing pending.")])
            self.pending.addTopLevelItem(empty)
            empty.setFirstColumnSpanned(True)
        self._size_pending()

    def _size_pending(self) -> None:
        """Time and phone to their contents; the name to its own, up to a cap, so that the
        phone is never pushed out of the panel by a long name."""
        widest = 0
        metrics = self.pending.fontMetrics()
        for i in range(self.pending.topLevelItemCount()):
            top = self.pending.topLevelItem(i)
            for j in range(top.childCount()):
                widest = max(widest, metrics.horizontalAdvance(top.child(j).text(P_PATIENT)))
        self.pending.header().resizeSection(P_PATIENT, min(widest + 16, PENDING_NAME_MAX))

    def pending_groups(self) -> dict[str, list[str]]:
        """Group title -> its lines, as shown (for reading back)."""
        out = {}
        for i in range(self.pending.topLevelItemCount()):
            top = self.pending.topLevelItem(i)
            out[top.text(0)] = [" · ".join(t for t in (top.child(j).text(c) for c in range(4))
                                           if t) for j in range(top.childCount())]
        return out

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(kinds.MESSAGE):  # the count follows even with the tab hidden
            self._show_message_count()
        if changes.touches(*READ_FROM, kinds.PATIENT):
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    # -- acting --------------------------------------------------------------------------
    def current_entry(self) -> DayEntry | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def set_current_status(self, status: str) -> bool:
        entry = self.current_entry()
        if entry is None or entry.status == status:
            return False
        message = change_status(self._ws.agenda, entry, status)
        self.error.setText(message)
        self.error.setVisible(bool(message))
        if self._stale or message or not self.isVisible():  # nothing written: read anyway
            self.refresh()
        return not message

    def step_back(self) -> bool:
        entry = self.current_entry()
        back = back_status(entry.status) if entry else None
        return self.set_current_status(back) if back else False

    def _sync_buttons(self, *args) -> None:
        entry = self.current_entry()
        for status, button in self.status_buttons.items():
            button.setEnabled(entry is not None and entry.status != status)
        self.back_button.setEnabled(entry is not None and back_status(entry.status) is not None)

    def print_current(self) -> None:
        if self._print_day is not None and self.practitioner_id is not None:
            self._print_day(self.practitioner_id, self.day)

    def _activated_row(self, index: QModelIndex) -> None:
        entry = self.model.row_at(index.row())
        if entry is not None:
            self.appointment_activated.emit(entry.id, self.day)

    def _activated_pending(self, item: QTreeWidgetItem) -> None:
        ref = item.data(0, ID_ROLE)
        if ref:
            self.appointment_activated.emit(ref, item.data(0, DAY_ROLE))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            action = action_for("my_day", event.key())
            if action in STATUSES:
                self.set_current_status(STATUSES[action])
                return True
            if action == "back":
                self.step_back()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                # Not passed on: the dialog would press its default button.
                self._activated_row(self.table.currentIndex())
                return True
        return super().eventFilter(obj, event)
