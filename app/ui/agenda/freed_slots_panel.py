"""The freed-slots side panel ("Créneaux libérés"): time freed by a cancellation, a move
or a shortened appointment over the next two weeks, until it is filled or past.

Enter (or a double-click) opens the window to call the waiting-list patients the time
suits (``FreedSlotWindow``), where each answer is recorded and only an acceptance
books; "Show" goes to that day in the agenda.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from app.i18n import _, format_date, ngettext
from app.models import kinds
from app.services.agenda.freed_slots import HORIZON_DAYS, FreedTime, cause_labels
from app.storage.changes import ChangeSet
from app.ui.agenda.slot_finder import hhmm
from app.ui.agenda.waiting_list_panel import FreedSlotWindow
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import label, result_table, select_first_row

# What the list is read from: a change of any of these reloads it.
WATCHED = frozenset({kinds.APPOINTMENT, kinds.FREED_SLOT, *kinds.AGENDA_SETTINGS})
_RETURN = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
TICK_MS = 60_000  # time passing takes past slots off the list


class FreedModel(RowTableModel):
    """When, with whom, why it is free."""

    def __init__(self, zone, parent=None) -> None:
        super().__init__([_("When"), _("With"), _("Freed by")], parent)
        self._zone = zone

    def when(self, f: FreedTime) -> str:
        zone = self._zone
        day = format_date(zone.day_of(f.starts_at), "EEE d MMM")
        return _("{day} {start}–{end}").format(day=day, start=hhmm(zone.wall_minute(f.starts_at)),
                                              end=hhmm(zone.wall_minute(f.ends_at)))

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        f: FreedTime | None = self.row_at(index.row()) if index.isValid() else None
        if f is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            causes = ", ".join(cause_labels().get(c, c) for c in f.causes)
            text = (self.when(f), f.practitioner_name, causes)[index.column()]
            return tooltip(text) if role == Qt.ItemDataRole.ToolTipRole else text
        return None

    def row_of(self, key) -> int:
        return next((i for i, f in enumerate(self._rows) if f.key == key), -1)


class FreedSlotsPanel(QWidget):
    """``booked(AppointmentView)``: a patient accepted freed time; ``show_day(date)``:
    the agenda should show that day."""

    booked = Signal(object)
    show_day = Signal(object)

    def __init__(self, workspace, bus, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.setObjectName("FreedSlotsPanel")
        self.windows: list[FreedSlotWindow] = []
        self.model = FreedModel(workspace.zone, self)
        self.table = result_table(self.model)
        self.table.setAccessibleName(_("Freed slots"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.offer_selected())
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._sync_buttons())
        self.caption = label("", "Muted", wrap=True)
        self.offer_button = QPushButton(_("Call…"))
        self.offer_button.setToolTip(_("Offer this slot to the patients of the waiting list "
                                       "(Enter)"))
        self.offer_button.clicked.connect(self.offer_selected)
        self.show_button = QPushButton(_("Show"))
        self.show_button.setToolTip(_("Show this day in the agenda"))
        self.show_button.clicked.connect(self._show_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.offer_button)
        buttons.addWidget(self.show_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(TICK_MS)
        bus.changed.connect(self._on_bus)
        self.refresh()

    def refresh(self) -> None:
        current = self.selected()
        slots = self._ws.freed_slots.open_slots()
        self.model.set_rows(slots)
        self.table.resizeColumnToContents(1)
        row = self.model.row_of(current.key) if current is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        else:
            select_first_row(self.table)
        self.caption.setText(ngettext(
            "{n} slot freed in the next {days} days", "{n} slots freed in the next {days} days",
            len(slots)).format(n=len(slots), days=HORIZON_DAYS) if slots
            else _("No freed slot in the next {days} days.").format(days=HORIZON_DAYS))
        self._sync_buttons()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def _on_bus(self, changes: ChangeSet) -> None:
        if changes.touches(*WATCHED):
            self.refresh()

    def selected(self) -> FreedTime | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _sync_buttons(self) -> None:
        chosen = self.selected() is not None
        self.offer_button.setEnabled(chosen)
        self.show_button.setEnabled(chosen)

    def offer_selected(self) -> FreedSlotWindow | None:
        slot = self.selected()
        if slot is None:
            return None
        window = FreedSlotWindow(self._ws, slot, self)
        window.booked.connect(self.booked)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda _o=None, w=window: self._forget(w))
        self.windows.append(window)
        window.show()
        return window

    def _forget(self, window: FreedSlotWindow) -> None:
        if window in self.windows:
            self.windows.remove(window)

    def _show_selected(self) -> None:
        slot = self.selected()
        if slot is not None:
            self.show_day.emit(self._ws.zone.day_of(slot.starts_at))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress and event.key() in _RETURN:
            self.offer_selected()
            return True
        return super().eventFilter(obj, event)
