"""The card's "Appointments" pane: the patient's next appointments and the last past
ones, how many times they did not come, and "Book…". Each appointment can be opened in
the agenda (its day, selected; also by a double-click or Enter), moved with the slot
finder or cancelled: ``open_requested``, ``move_requested`` and ``cancel_requested``
(the appointment's id), which the main window hands to the agenda page.

Read only while the pane is on screen (like the history pane): opening a card costs
nothing here. ``book_requested(patient_id)`` asks for the agenda's booking with this
patient; the main window connects it to the agenda page's ``open_booking``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, ngettext
from app.models import AppointmentStatus, kinds
from app.services.agenda.day_queries import DayEntry, DayQueries, PatientAgenda
from app.services.agenda.service import status_labels
from app.storage.changes import ChangeSet
from app.ui.widgets import label

ID_ROLE = Qt.ItemDataRole.UserRole + 1
UPCOMING = 5
PAST = 5
WARN_COLOUR = "#b45309"
_MUTED = QColor("#6b7280")
_QUIET = {AppointmentStatus.CANCELLED.value}


def agenda_summary(data: PatientAgenda, zone) -> str:
    """The card header's line: "Next appointment: Monday 16 March 2026 at 10:00 with
    Dr Claire Morel · 2 unexcused absences"."""
    if data.upcoming:
        e = data.upcoming[0]
        local = zone.local(e.starts_at)
        text = _("Next appointment: {day} at {time}").format(
            day=format_date(local.date(), "EEEE d MMMM y"), time=f"{local:%H:%M}")
        if e.practitioner_name:
            text = _("{appointment} with {practitioner}").format(
                appointment=text, practitioner=e.practitioner_name)
    else:
        text = _("No appointment to come.")
    n = data.no_shows
    absences = ngettext("{n} unexcused absence", "{n} unexcused absences", n).format(n=n)
    return f"{text} · {absences}"


class PatientAgendaPanel(QWidget):
    """``queries``: the agenda's day reads (``DayQueries.of(workspace)``); ``bus`` keeps
    the pane up to date when an appointment changes."""

    book_requested = Signal(str)  # the patient id
    open_requested = Signal(str)  # an appointment's id, from here on
    move_requested = Signal(str)
    cancel_requested = Signal(str)

    def __init__(self, queries: DayQueries, bus, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("PatientAgenda")
        self._queries = queries
        self._zone = queries.zone
        self._patient_id: str | None = None
        self._stale = True
        self.data: PatientAgenda | None = None

        self.no_shows = label("", "WarnText", wrap=True)
        self.no_shows.setStyleSheet(f"color: {WARN_COLOUR}; font-weight: 600;")
        self.no_shows.hide()
        self.upcoming_title = label(_("Next appointments"), "SectionTitle")
        self.upcoming = QListWidget()
        self.upcoming.setObjectName("UpcomingAppointments")
        self.upcoming.setAccessibleName(_("Next appointments"))
        self.past_title = label(_("Past appointments"), "SectionTitle")
        self.past = QListWidget()
        self.past.setObjectName("PastAppointments")
        self.past.setAccessibleName(_("Past appointments"))
        self.hint = label(_("The patient's appointments appear here once the card is saved."),
                          "Hint", wrap=True)
        self.book_button = QPushButton(_("Book…"))
        self.book_button.setObjectName("Primary")
        self.book_button.setToolTip(_("Book an appointment for this patient in the agenda"))
        self.book_button.clicked.connect(self.request_booking)
        self.open_button = QPushButton(_("Open in the agenda"))
        self.open_button.setObjectName("OpenInAgenda")
        self.open_button.setToolTip(_("Go to the appointment's day in the agenda (or "
                                      "double-click it)"))
        self.open_button.clicked.connect(lambda: self._request(self.open_requested))
        self.move_button = QPushButton(_("Move…"))
        self.move_button.setToolTip(_("Find another time with the slot finder"))
        self.move_button.clicked.connect(lambda: self._request(self.move_requested))
        self.cancel_button = QPushButton(_("Cancel…"))
        self.cancel_button.setToolTip(_("Cancel the appointment, saying who cancelled"))
        self.cancel_button.clicked.connect(lambda: self._request(self.cancel_requested))
        self._entries: dict[str, DayEntry] = {}
        self._chosen: str | None = None
        for widget in (self.upcoming, self.past):
            widget.itemDoubleClicked.connect(lambda item: self._open_item(item))
            widget.itemActivated.connect(lambda item: self._open_item(item))
            widget.currentItemChanged.connect(
                lambda current, _previous, w=widget: self._current_changed(w, current))

        top = QHBoxLayout()
        top.addWidget(self.no_shows, 1)
        top.addStretch()
        top.addWidget(self.book_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.upcoming_title)
        layout.addWidget(self.upcoming, 3)
        layout.addWidget(self.past_title)
        layout.addWidget(self.past, 2)
        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.move_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch()
        layout.addLayout(actions)
        bus.changed.connect(self._on_changed)
        self.show_patient(None)

    @property
    def patient_id(self) -> str | None:
        return self._patient_id

    def show_patient(self, patient_id: str | None) -> None:
        """Follow the card; the appointments are read only while this pane is shown."""
        self._patient_id = patient_id or None
        self._stale = True
        self.book_button.setEnabled(self._patient_id is not None)
        if self.isVisible() or self._patient_id is None:
            self._load()

    def showEvent(self, event) -> None:
        if self._stale:
            self._load()
        super().showEvent(event)

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(kinds.APPOINTMENT) and self._patient_id is not None:
            self._stale = True
            if self.isVisible():
                self._load()

    def _load(self) -> None:
        self._stale = False
        pid = self._patient_id
        self.data = self._queries.patient_agenda(pid, upcoming=UPCOMING, past=PAST) \
            if pid else PatientAgenda()
        data = self.data
        labels = status_labels()
        self._fill(self.upcoming, data.upcoming, labels, _("No appointment to come."))
        if data.more_upcoming:
            more = QListWidgetItem(_("and more: see the agenda"))
            more.setForeground(_MUTED)
            self.upcoming.addItem(more)
        self._fill(self.past, data.past, labels, _("No past appointment."))
        n = data.no_shows
        self.no_shows.setText(ngettext("{n} unexcused absence", "{n} unexcused absences",
                                       n).format(n=n))
        self.no_shows.setVisible(n > 0)
        saved = pid is not None
        self.hint.setVisible(not saved)
        for w in (self.upcoming_title, self.upcoming, self.past_title, self.past,
                  self.open_button, self.move_button, self.cancel_button):
            w.setVisible(saved)
        self._entries = {e.id: e for e in (*data.upcoming, *data.past)}
        if self._chosen not in self._entries:
            self._chosen = None
        else:
            self.select(self._chosen)  # kept across a reload
        self._sync_buttons()

    # -- one appointment -------------------------------------------------------------
    def selected_id(self) -> str | None:
        """The appointment chosen in either list (the last one picked)."""
        return self._chosen if self._chosen in self._entries else None

    def select(self, appointment_id: str) -> bool:
        for widget in (self.upcoming, self.past):
            for i in range(widget.count()):
                if widget.item(i).data(ID_ROLE) == appointment_id:
                    widget.setCurrentRow(i)
                    self._current_changed(widget, widget.item(i))
                    return True
        return False

    def _current_changed(self, widget: QListWidget, current) -> None:
        if current is not None and current.data(ID_ROLE):
            self._chosen = current.data(ID_ROLE)
            other = self.past if widget is self.upcoming else self.upcoming
            other.blockSignals(True)
            other.setCurrentItem(None)  # one appointment chosen at a time
            other.blockSignals(False)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        entry = self._entries.get(self.selected_id() or "")
        self.open_button.setEnabled(entry is not None)
        live = entry is not None and entry.status not in _QUIET
        upcoming = entry is not None and entry.starts_at >= self._queries.now()
        self.move_button.setEnabled(live and upcoming)
        self.cancel_button.setEnabled(live and upcoming)

    def _open_item(self, item) -> None:
        appointment_id = item.data(ID_ROLE) if item is not None else None
        if appointment_id:
            self.open_requested.emit(appointment_id)

    def _request(self, signal) -> None:
        appointment_id = self.selected_id()
        if appointment_id:
            signal.emit(appointment_id)

    def _fill(self, widget: QListWidget, entries, labels: dict[str, str], empty: str) -> None:
        widget.clear()
        for e in entries:
            item = QListWidgetItem(self._text(e, labels))
            item.setData(ID_ROLE, e.id)
            if e.status in _QUIET:
                item.setForeground(_MUTED)
            elif e.status == AppointmentStatus.NO_SHOW.value:
                item.setForeground(QColor(WARN_COLOUR))
            widget.addItem(item)
        if not entries:
            item = QListWidgetItem(empty)
            item.setForeground(_MUTED)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            widget.addItem(item)

    def _text(self, e: DayEntry, labels: dict[str, str]) -> str:
        local = self._zone.local(e.starts_at)
        when = f"{format_date(local.date(), 'EEE d MMM y')} {local:%H:%M}"
        bits = [when, e.practitioner_name, e.type_name, labels.get(e.status, e.status)]
        return " · ".join(b for b in bits if b)

    def lines(self, widget: QListWidget) -> list[str]:
        return [widget.item(i).text() for i in range(widget.count())]

    def request_booking(self) -> None:
        if self._patient_id is not None:
            self.book_requested.emit(self._patient_id)
