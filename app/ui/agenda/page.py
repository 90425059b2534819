"""The Agenda screen: a day, a week or a month, one column per practitioner.

The page reads a window of the agenda from the service and turns it into the painted
widgets' plain values (``adapter``); it reloads when the change bus says something it
shows has changed, whoever wrote it. It is composed of parts, each in its own module:

- ``navigation``: the toolbar, the views, previous / today / next, the date field and
  the practitioner menu (and their keys);
- ``appointment_actions``: what a click, a drag, a key or the context menu does to an
  appointment (open, book, move, cancel, set a status, cut and paste), through the
  booking guard;
- ``side_panels``: the tools' panels at the right of the grid and their toggle;
- ``banner``: the message line above the grid;
- ``page_state``: what is shown (day, view, practitioners, appointments, cut), shared.

Keyboard (besides the navigation's): PageUp / PageDown the previous or next period,
Home today, Escape drops a cut pending, Ctrl+Z puts the last move back.

The other agenda tools plug in through ``add_toolbar_action``, ``add_side_panel``,
``current_day``, ``selected_practitioners``, ``go_to``, ``select_appointment``,
``refresh``, ``open_booking``, ``add_view_toggle``, ``set_appointment_filter``,
``set_move_finder`` and the ``appointment_cancelled`` signal;
``patient_requested(patient_id)`` asks the window for that patient's card.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QStackedWidget, QVBoxLayout, QWidget

from app.i18n import _, capitalise_first, format_date, format_heading_date
from app.models import kinds
from app.services.agenda.views import AppointmentView
from app.services.errors import NotFound
from app.services.practice import PractitionerInfo
from app.services.workspace import Workspace
from app.storage.changes import ChangeSet
from app.ui.agenda import adapter
from app.ui.agenda.appointment_actions import AppointmentActions
from app.ui.agenda.appointment_dialog import AppointmentDialog
from app.ui.agenda.banner import MessageBanner
from app.ui.agenda.grid import AgendaGrid
from app.ui.agenda.grid_data import status_legend
from app.ui.agenda.month import MonthOverview, month_weeks
from app.ui.agenda.navigation import AgendaNavigation
from app.ui.agenda.page_state import VIEW_DAY, VIEW_MONTH, VIEW_WEEK, PageState
from app.ui.agenda.patient_links import phone_texts
from app.ui.agenda.setup_hint import SetupHint
from app.ui.agenda.side_panels import SidePanels
from app.ui.change_bus import ChangeBus
from app.ui.widgets import label

# What the page draws from: a change of any of these redraws it (a card, only when
# someone shown has changed).
DRAWN_FROM = frozenset({kinds.APPOINTMENT, *kinds.AGENDA_SETTINGS})
# What its reference lists (practitioners, motifs) are read from.
REFERENCE = (kinds.PRACTITIONER, kinds.APPOINTMENT_TYPE)
WEEK_MIN_COLUMN = 48   # px per practitioner-day in the week view (narrower scrolls sideways)
DAY_MIN_COLUMN = 140
NOW_REFRESH_MS = 30_000


def day_caption(day: date) -> str:
    """"Lundi 16 mars 2026": one style for every heading that names a day."""
    return format_heading_date(day)


def week_caption(monday: date) -> str:
    """"Semaine du 16 au 22 mars 2026" (the calendar week, Monday to Sunday)."""
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        first = format_date(monday, "d")
    elif monday.year == sunday.year:
        first = format_date(monday, "d MMMM")
    else:
        first = format_date(monday, "d MMMM y")
    return capitalise_first(_("week of {first} to {last}").format(
        first=first, last=format_date(sunday, "d MMMM y")))


def month_caption(year: int, month: int) -> str:
    """"Mars 2026"."""
    return capitalise_first(format_date(date(year, month, 1), "LLLL y"))


class AgendaPage(QWidget):
    """``appointment_cancelled(appointment_id)`` after a successful cancellation;
    ``patient_requested(patient_id)`` for "Open the patient card";
    ``setup_requested(target, practitioner_id)`` from the hint of what the agenda lacks
    (``setup_hint.GUIDE``, ``HOURS`` or ``TYPES``)."""

    appointment_cancelled = Signal(str)
    patient_requested = Signal(str)
    setup_requested = Signal(str, str)

    def __init__(self, workspace: Workspace, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("AgendaPage")
        self.workspace = workspace
        self.bus = bus
        self._zone = workspace.zone
        self._agenda = workspace.agenda
        today = self._today()
        self.state = PageState(day=today, last_today=today)
        self.last_load_ms = 0.0

        self.grid = AgendaGrid(start_min=adapter.DEFAULT_RANGE[0], end_min=adapter.DEFAULT_RANGE[1])
        self.grid.setObjectName("AgendaGrid")
        self.month = MonthOverview()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.month)
        self.panels = SidePanels(self.stack, self)
        self.navigation = AgendaNavigation(self.state, self, grid=self.grid, month=self.month,
                                           panels_action=self.panels.action, load=self.load,
                                           today=self._today)
        self.banner = MessageBanner(keep_open=lambda: self.state.cut is not None)
        self.setup_hint = SetupHint()
        self.setup_hint.requested.connect(
            lambda target: self.setup_requested.emit(target, self.setup_hint.practitioner_id()))
        self._hint_for: tuple[str, ...] | None = None  # whose readiness the hint shows
        self.appointment_actions = AppointmentActions(
            self.state, self, workspace=workspace, grid=self.grid, banner=self.banner,
            cancelled=self.appointment_cancelled, load=self.load, today=self._today,
            patient_requested=self.patient_requested)
        self.grid.set_item_details(self._item_details)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(4)
        layout.addWidget(self.navigation.header)
        layout.addWidget(self.navigation.nav_bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.setup_hint)
        layout.addWidget(self.panels.splitter, 1)
        # What the marks in the boxes mean, always in view (as at the foot of a print).
        self.legend = label(status_legend(), "Muted", wrap=True)
        layout.addWidget(self.legend)

        self.grid.installEventFilter(self)
        self.month.installEventFilter(self)
        bus.changed.connect(self._on_bus)

        self._now_timer = QTimer(self)
        self._now_timer.timeout.connect(self._update_now)
        self._now_timer.start(NOW_REFRESH_MS)

        self._load_reference()
        self.state.selected = [p.id for p in self.state.practitioners]
        self.navigation.fill_practitioner_menu()
        self.load(scroll=True)
        self.grid.setFocus()

    # ------------------------------------------------------------------ page API

    def current_day(self) -> date:
        """The day the page is on (the day shown; in a week or a month, the one chosen)."""
        return self.state.day

    def current_view(self) -> str:
        return self.state.view

    def selected_practitioners(self) -> list[str]:
        return list(self.state.selected)

    def practitioners(self) -> list[PractitionerInfo]:
        """Everyone who has an agenda, in the order of the columns."""
        return list(self.state.practitioners)

    def shown_days(self) -> list[date]:
        return list(self.state.shown_days)

    def refresh(self) -> None:
        """Read everything again (practitioners, motifs, the agenda shown)."""
        self._load_reference()
        self.navigation.fill_practitioner_menu()
        self.load()

    def select_appointment(self, appointment_id: str) -> bool:
        """Show an appointment (its day, its practitioner's column) and select it."""
        state = self.state
        if state.view != VIEW_MONTH and self.grid.select_item(appointment_id):
            self.grid.setFocus()
            return True
        try:
            a = self._agenda.get(appointment_id)
        except NotFound:
            return False
        if a.practitioner_id not in state.selected:
            self.navigation.set_selection_quietly(state.selected + [a.practitioner_id])
        view = VIEW_DAY if state.view == VIEW_MONTH else state.view
        self.navigation.go_to(self._zone.day_of(a.starts_at), view)
        found = self.grid.select_item(appointment_id)
        if found:
            self.grid.setFocus()
        return found

    # The parts' own API, reached from the page by the tools, the main window and the tests.
    def go_to(self, day: date, view: str | None = None) -> None:
        self.navigation.go_to(day, view)

    def show_day(self, day: date, practitioner_ids: list[str] | None = None) -> None:
        self.navigation.show_day(day, practitioner_ids)

    def show_week(self, first_day: date, practitioner_ids: list[str] | None = None) -> None:
        self.navigation.show_week(first_day, practitioner_ids)

    def show_month(self, year: int, month: int) -> None:
        self.navigation.show_month(year, month)

    def set_view(self, view: str) -> None:
        self.navigation.set_view(view)

    def set_practitioners(self, practitioner_ids: list[str]) -> None:
        self.navigation.set_practitioners(practitioner_ids)

    def add_toolbar_action(self, action: QAction) -> None:
        self.navigation.add_toolbar_action(action)

    def add_view_toggle(self, action: QAction) -> None:
        self.navigation.add_view_toggle(action)

    def add_side_panel(self, title: str, widget: QWidget) -> None:
        self.panels.add(title, widget)

    def set_appointment_filter(self, only: Callable[[AppointmentView], bool] | None) -> None:
        """Show only the appointments ``only`` keeps in the day and week grids (None: all)."""
        self.state.only = only
        self.load()

    def open_booking(self, patient_id: str | None = None) -> AppointmentDialog:
        return self.appointment_actions.open_booking(patient_id)

    def open_appointment(self, appointment_id: str) -> AppointmentDialog | None:
        return self.appointment_actions.open_appointment(appointment_id)

    def move_appointment(self, appointment_id: str, practitioner_id: str, day: date,
                         start_min: int, end_min: int | None = None) -> bool:
        return self.appointment_actions.move_appointment(appointment_id, practitioner_id, day,
                                             start_min, end_min)

    def cancel_appointment(self, appointment_id: str, parent: QWidget | None = None) -> bool:
        return self.appointment_actions.cancel_appointment(appointment_id, parent)

    def set_move_finder(self, finder) -> None:
        """``finder(appointment_id)`` opens the slot finder to move it (the booking tools)."""
        self.appointment_actions.move_finder = finder

    def find_new_slot(self, appointment_id: str):
        """The slot finder, to move this appointment (None without the booking tools)."""
        finder = self.appointment_actions.move_finder
        return finder(appointment_id) if finder is not None else None

    def moved(self, before, after, warnings: tuple = ()) -> None:
        """A move made elsewhere (the slot finder): offer to put it back."""
        self.appointment_actions.moved(before, after, warnings)

    def undo_move(self) -> bool:
        return self.appointment_actions.undo_move()

    def message_action(self) -> str:
        """The action the message line offers ("" when none)."""
        return self.banner.action_text()

    def set_status(self, appointment_id: str, status: str) -> bool:
        return self.appointment_actions.set_status(appointment_id, status)

    def cut(self, appointment_id: str) -> None:
        self.appointment_actions.cut(appointment_id)

    def cut_pending(self) -> str:
        return self.appointment_actions.cut_pending()

    def drop_cut(self) -> None:
        self.appointment_actions.drop_cut()

    def paste(self, practitioner_id: str, day: date, start_min: int) -> bool:
        return self.appointment_actions.paste(practitioner_id, day, start_min)

    def context_menu(self, item_id: str, key: str, day: date, minute: int) -> QMenu:
        return self.appointment_actions.context_menu(item_id, key, day, minute)

    def show_message(self, text: str, *, timeout: bool = True) -> None:
        """A line above the grid that does not stop the work (warnings, a cut pending)."""
        self.banner.show_message(text, timeout=timeout)

    def message(self) -> str:
        return self.banner.message()

    def hide_message(self) -> None:
        self.banner.hide_message()

    # ------------------------------------------------------------------ loading

    def _today(self) -> date:
        return self._zone.today(self.workspace.clock.now())

    def _load_reference(self) -> None:
        state = self.state
        state.practitioners = self.workspace.practitioners()
        state.names = self._agenda.practitioner_names()
        state.types = self._agenda.types()
        state.type_names = {t.id: t.name for t in self._agenda.types(include_inactive=True)}
        durations = Counter(t.duration_min for t in state.types)
        usual = min(durations, key=lambda d: (-durations[d], d)) if durations else 15
        state.default_length = usual
        self.grid.set_default_length(usual)
        known = {p.id for p in state.practitioners}
        state.selected = [p for p in state.selected if p in known]

    def load(self, *, scroll: bool = False) -> None:
        """Read and show the current view now (synchronously)."""
        started = time.perf_counter()
        self.state.stale = False
        self.navigation.show_position()
        self._update_setup_hint()
        month = self.state.view == VIEW_MONTH
        # The boxes' marks and the cancelled ones are the day and week views' matter.
        self.legend.setVisible(not month)
        self.navigation.cancelled_action.setVisible(not month)
        if month:
            self._load_month()
        else:
            self._load_grid(scroll)
        self.last_load_ms = (time.perf_counter() - started) * 1000

    def _load_grid(self, scroll: bool) -> None:
        state = self.state
        pids = state.selected
        week = adapter.week_of(state.day)
        days = week if state.view == VIEW_WEEK else [state.day]
        appointments, schedule = self._agenda.window(pids, days[0], days[-1])
        if state.only is not None:
            appointments = [a for a in appointments if state.only(a)]
        caption = self.navigation.caption
        if state.view == VIEW_WEEK:
            if not adapter.has_sunday(schedule, pids, week[6], appointments, self._zone):
                days = week[:6]
            caption.setText(week_caption(week[0]))
        else:
            caption.setText(day_caption(state.day))
        state.appointments = {a.id: a for a in appointments}
        today = self._today()
        columns = [adapter.column_for(p) for p in state.practitioners if p.id in set(pids)]
        shown = [a for a in appointments if a.practitioner_id in set(pids)]
        items = adapter.grid_items(appointments, self._zone, columns=set(pids), days=set(days),
                                   today=today, cut_id=state.cut[0] if state.cut else "",
                                   cancelled=state.cancelled_shown,
                                   first_visits=self._agenda.first_visits(shown))
        bands = adapter.grid_bands(schedule, self._zone, pids, days, names=state.names,
                                   type_names=state.type_names)
        self.grid.set_min_column_width(WEEK_MIN_COLUMN if state.view == VIEW_WEEK
                                       else DAY_MIN_COLUMN if len(pids) > 6 else 0)
        start, end = adapter.visible_range(schedule, pids, week, items)
        self.grid.set_visible_range(start, end)
        self.grid.set_data(days, columns, items, bands)
        state.shown_days = list(days)
        self.stack.setCurrentWidget(self.grid)
        self._update_now()
        if scroll:
            now = self.workspace.clock.now()
            if today in days:
                self.grid.scroll_to_minute(max(start, self._zone.wall_minute(now) - 60))
            else:
                first = adapter.first_opening(schedule, pids, days)
                self.grid.scroll_to_minute(max(start, (first if first is not None else 8 * 60) - 15))

    def _load_month(self) -> None:
        state = self.state
        year, month = state.day.year, state.day.month
        weeks = month_weeks(year, month)
        first, last = weeks[0], weeks[-1] + timedelta(days=6)
        loads = self._agenda.day_loads(state.selected, first, last)
        wanted = state.day
        self.month.set_month(year, month, adapter.month_days(loads), today=self._today())
        if state.month_stepping:
            state.day = self.month.selected_day()
        else:
            self.month.select_day(wanted)
            state.day = wanted
        state.shown_days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self.navigation.caption.setText(month_caption(year, month))
        self.stack.setCurrentWidget(self.month)

    def _update_now(self) -> None:
        state = self.state
        now = self.workspace.clock.now()
        today = self._zone.today(now)
        if today != state.last_today:
            # Left open overnight: the page that showed today shows the new today.
            yesterday, state.last_today = state.last_today, today
            if state.day == yesterday and state.view != VIEW_MONTH:
                self.navigation.go_to(today)
                return
        if state.view != VIEW_MONTH and today in state.shown_days:
            self.grid.set_now(today, self._zone.wall_minute(now))
        else:
            self.grid.set_now(None)

    def _update_setup_hint(self) -> None:
        """Read again only when whose agenda is shown, or the settings, have changed."""
        shown = tuple(self.state.selected)
        if shown != self._hint_for:
            self._hint_for = shown
            if not self.state.practitioners:
                self.setup_hint.show_no_practitioner()
                return
            self.setup_hint.show_readiness(self.workspace.agenda_readiness(shown),
                                           self.state.names)

    def _on_bus(self, changes: ChangeSet) -> None:
        if not changes.touches(*DRAWN_FROM) and not self._shows_any(changes.ids(kinds.PATIENT)):
            return
        if changes.touches(*kinds.AGENDA_SETTINGS):
            self._hint_for = None
        if changes.touches(*REFERENCE):
            self._load_reference()
            self.navigation.fill_practitioner_menu()
        if self.isVisible():
            self.load()
        else:
            self.state.stale = True

    def _item_details(self, item_id: str) -> str:
        """The tooltip's extra lines for an appointment: its patient's phones."""
        a = self.state.appointments.get(item_id)
        return "\n".join(phone_texts(self.workspace, a.patient_id if a else None))

    def _shows_any(self, patient_ids: frozenset[str]) -> bool:
        """True when one of these patients has an appointment drawn (the month draws no
        names)."""
        return bool(patient_ids) and self.state.view != VIEW_MONTH and any(
            a.patient_id in patient_ids for a in self.state.appointments.values())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.state.stale:
            self.load()

    # ------------------------------------------------------------------ keys

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Undo) and self.undo_move_pending():
            self.undo_move()
            return
        super().keyPressEvent(event)

    def undo_move_pending(self) -> bool:
        return self.appointment_actions.undo.last is not None

    def eventFilter(self, obj, event) -> bool:
        if (event.type() == QEvent.Type.KeyPress and obj in (self.grid, self.month)
                and event.matches(QKeySequence.StandardKey.Undo)):
            if self.undo_move_pending():
                self.undo_move()
            return True
        if event.type() == QEvent.Type.KeyPress and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            key = event.key()
            if key == Qt.Key.Key_Home:
                self.navigation.today()
                return True
            if obj is self.grid:
                if key == Qt.Key.Key_PageUp:
                    self.navigation.previous()
                    return True
                if key == Qt.Key.Key_PageDown:
                    self.navigation.next()
                    return True
                if key == Qt.Key.Key_Escape and self.state.cut is not None:
                    self.appointment_actions.drop_cut()
                    return True
        return super().eventFilter(obj, event)
