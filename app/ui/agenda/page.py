"""The Agenda screen: a day, a week or a month, one column per practitioner.

It reads a window of the agenda from the service, turns it into the painted widgets'
plain values (``adapter``) and turns their signals into service calls: a click on free
time books (the appointment dialog), a drag moves, Delete cancels, Ctrl+X / Ctrl+V
move through cut and paste. Every write goes through the booking guard; a refusal
shows its reasons, and only the practice owner may book anyway (recorded). The page
reloads when the change bus says something it shows has changed, whoever wrote it.

Keyboard: Ctrl+1 / Ctrl+2 / Ctrl+3 day, week, month; PageUp / PageDown or Alt+Left /
Alt+Right the previous or next period; Ctrl+T or Home today; Ctrl+G the date field.

The other agenda tools plug in through ``add_toolbar_action``, ``add_side_panel``,
``current_day``, ``selected_practitioners``, ``go_to``, ``select_appointment``,
``refresh``, ``open_booking`` and the ``appointment_cancelled`` signal.
"""

from __future__ import annotations

import calendar
import time
from collections import Counter
from datetime import date, timedelta

from PySide6.QtCore import QDate, QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, ngettext
from app.models import kinds
from app.models.agenda import AppointmentStatus
from app.services.agenda.service import status_labels
from app.services.agenda.views import AppointmentView
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.practice import PractitionerInfo, list_practitioners
from app.services.workspace import Workspace
from app.storage.changes import ChangeSet
from app.ui.agenda import adapter
from app.ui.agenda.appointment_dialog import AppointmentDialog
from app.ui.agenda.cancel_dialog import ask_cancel
from app.ui.agenda.grid import AgendaGrid
from app.ui.agenda.grid_data import hhmm
from app.ui.agenda.month import MonthOverview, month_weeks
from app.ui.agenda.refusal import run_guarded, show_failure
from app.ui.agenda_settings.common import CheckMenu
from app.ui.change_bus import ChangeBus
from app.ui.plain import button_text
from app.ui.widgets import label

SIDE_PANEL_WIDTH = 330  # room for a name, the urgency and the waiting time
VIEW_DAY, VIEW_WEEK, VIEW_MONTH = "day", "week", "month"
VIEWS = (VIEW_DAY, VIEW_WEEK, VIEW_MONTH)
# What the page draws from: a change of any of these redraws it (a card, only when
# someone shown has changed).
DRAWN_FROM = frozenset({kinds.APPOINTMENT, *kinds.AGENDA_SETTINGS})
# What its reference lists (practitioners, motifs) are read from.
REFERENCE = (kinds.PRACTITIONER, kinds.APPOINTMENT_TYPE)
# The statuses offered in the context menu (booked is the default, cancelled has its dialog).
MENU_STATUSES = (AppointmentStatus.CONFIRMED.value, AppointmentStatus.ARRIVED.value,
                 AppointmentStatus.IN_CONSULTATION.value, AppointmentStatus.SEEN.value,
                 AppointmentStatus.NO_SHOW.value)
WEEK_MIN_COLUMN = 48   # px per practitioner-day in the week view (narrower scrolls sideways)
DAY_MIN_COLUMN = 140
NOW_REFRESH_MS = 30_000
BANNER_MS = 20_000


def day_caption(day: date) -> str:
    """"lundi 16 mars 2026"."""
    return format_date(day, "EEEE d MMMM y")


def week_caption(monday: date) -> str:
    """"semaine du 16 au 22 mars 2026" (the calendar week, Monday to Sunday)."""
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        first = format_date(monday, "d")
    elif monday.year == sunday.year:
        first = format_date(monday, "d MMMM")
    else:
        first = format_date(monday, "d MMMM y")
    return _("week of {first} to {last}").format(first=first, last=format_date(sunday, "d MMMM y"))


def month_caption(year: int, month: int) -> str:
    """"mars 2026"."""
    return format_date(date(year, month, 1), "LLLL y")


def _add_months(day: date, step: int) -> date:
    month = day.month - 1 + step
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class AgendaPage(QWidget):
    """``appointment_cancelled(appointment_id)`` after a successful cancellation."""

    appointment_cancelled = Signal(str)

    def __init__(self, workspace: Workspace, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("AgendaPage")
        self.workspace = workspace
        self.bus = bus
        self._zone = workspace.zone
        self._agenda = workspace.agenda
        self._view = VIEW_DAY
        self._day = self._last_today = self._today()
        self._practitioners: list[PractitionerInfo] = []
        self._names: dict[str, str] = {}
        self._types = []
        self._type_names: dict[str, str] = {}
        self._selected: list[str] = []
        self._appointments: dict[str, AppointmentView] = {}
        self._shown_days: list[date] = []
        self._cut: tuple[str, int] | None = None  # (appointment id, length in minutes)
        self._stale = False
        self._month_stepping = False
        self._default_length = 15
        self.dialog: AppointmentDialog | None = None
        self.last_load_ms = 0.0

        self._build_toolbar()
        self.grid = AgendaGrid(start_min=adapter.DEFAULT_RANGE[0], end_min=adapter.DEFAULT_RANGE[1])
        self.grid.setObjectName("AgendaGrid")
        self.month = MonthOverview()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.month)
        self.side = QTabWidget()
        self.side.setObjectName("AgendaSidePanels")
        self.side.setDocumentMode(True)
        self.side.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setCollapsible(0, False)
        self.splitter.setCollapsible(1, True)

        self.banner = QFrame()
        self.banner.setObjectName("WarnPanel")
        self.banner_text = label("")
        self.banner_text.setObjectName("WarnText")
        self.banner_text.setWordWrap(True)
        banner_close = QToolButton()
        banner_close.setText("\u2715")
        banner_close.setToolTip(_("Hide this message"))
        banner_close.setAutoRaise(True)
        banner_close.clicked.connect(self.hide_message)
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(10, 4, 4, 4)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(banner_close)
        self.banner.hide()
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self._banner_expired)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.nav_bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)

        self.grid.create_requested.connect(self._create_requested)
        self.grid.move_requested.connect(self._move_requested)
        self.grid.open_requested.connect(self.open_appointment)
        self.grid.cancel_requested.connect(self.cancel_appointment)
        self.grid.cut_requested.connect(self.cut)
        self.grid.paste_requested.connect(self.paste)
        self.grid.context_requested.connect(self._context_requested)
        self.grid.installEventFilter(self)
        self.month.day_activated.connect(lambda day: self.go_to(day, VIEW_DAY))
        self.month.month_step_requested.connect(self._month_step)
        self.month.selection_changed.connect(self._month_day_chosen)
        self.month.installEventFilter(self)
        bus.changed.connect(self._on_bus)

        for keys, slot in (("Ctrl+1", lambda: self.set_view(VIEW_DAY)),
                           ("Ctrl+2", lambda: self.set_view(VIEW_WEEK)),
                           ("Ctrl+3", lambda: self.set_view(VIEW_MONTH)),
                           ("Alt+Left", self.previous), ("Alt+Right", self.next),
                           ("Ctrl+T", self.today), ("Ctrl+G", self.focus_date)):
            QShortcut(QKeySequence(keys), self, activated=slot)

        self._now_timer = QTimer(self)
        self._now_timer.timeout.connect(self._update_now)
        self._now_timer.start(NOW_REFRESH_MS)

        self._load_reference()
        self._selected = [p.id for p in self._practitioners]
        self._fill_practitioner_menu()
        self.load(scroll=True)
        self.grid.setFocus()

    # ------------------------------------------------------------------ toolbar

    def _build_toolbar(self) -> None:
        """Two rows: the period shown and the tools' actions; then the navigation."""
        self.caption = label("")
        self.caption.setObjectName("PageTitle")
        self.caption.setContentsMargins(4, 0, 8, 0)
        self.toolbar = QToolBar()  # the tools' actions (add_toolbar_action), at the right
        self.toolbar.setObjectName("AgendaToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.header = QWidget()
        header = QHBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.caption)
        header.addStretch(1)
        header.addWidget(self.toolbar)
        bar = self.nav_bar = QToolBar()
        bar.setObjectName("AgendaNavigation")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.view_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for view, text, keys in ((VIEW_DAY, _("Day"), "Ctrl+1"), (VIEW_WEEK, _("Week"), "Ctrl+2"),
                                 (VIEW_MONTH, _("Month"), "Ctrl+3")):
            action = QAction(text, self)
            action.setCheckable(True)
            action.setToolTip(f"{text} ({keys})")
            action.triggered.connect(lambda _checked=False, v=view: self.set_view(v))
            group.addAction(action)
            bar.addAction(action)
            self.view_actions[view] = action
        self.view_actions[VIEW_DAY].setChecked(True)
        bar.addSeparator()
        self.previous_action = bar.addAction("\u25c0")
        self.previous_action.setToolTip(_("Previous (Page Up, Alt+Left)"))
        self.previous_action.triggered.connect(self.previous)
        self.today_action = bar.addAction(_("Today"))
        self.today_action.setToolTip(_("Today (Ctrl+T, Home)"))
        self.today_action.triggered.connect(self.today)
        self.next_action = bar.addAction("\u25b6")
        self.next_action.setToolTip(_("Next (Page Down, Alt+Right)"))
        self.next_action.triggered.connect(self.next)
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("AgendaDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setToolTip(_("Go to a date (Ctrl+G, then Enter)"))
        self.date_edit.setAccessibleName(_("Go to a date"))
        self.date_edit.editingFinished.connect(self._date_typed)
        self.date_edit.calendarWidget().clicked.connect(
            lambda _d: QTimer.singleShot(0, self._date_typed))
        bar.addWidget(self.date_edit)
        self.practitioner_button = QToolButton()
        self.practitioner_button.setObjectName("PractitionerChoice")
        self.practitioner_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.practitioner_button.setToolTip(_("Whose agendas are shown"))
        self.practitioner_menu = CheckMenu(self)
        self.practitioner_button.setMenu(self.practitioner_menu)
        bar.addWidget(self.practitioner_button)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.panels_action = QAction(_("Panels"), self)
        self.panels_action.setCheckable(True)
        self.panels_action.setChecked(True)
        self.panels_action.setToolTip(_("Show or hide the side panels"))
        self.panels_action.toggled.connect(self._panels_toggled)
        self.panels_action.setVisible(False)
        bar.addAction(self.panels_action)

    def add_toolbar_action(self, action: QAction) -> None:
        """A tool's action, at the right end of the toolbar."""
        self.toolbar.addAction(action)

    def add_side_panel(self, title: str, widget: QWidget) -> None:
        """A tool's panel in the tabbed side area at the right of the grid (shown once it
        holds a panel; "Panels" in the toolbar hides or shows it)."""
        self.side.addTab(widget, title)
        self.panels_action.setVisible(True)
        self.panels_action.setChecked(True)
        self.side.show()
        if self.splitter.sizes()[1] == 0:
            total = max(400, self.splitter.width())
            self.splitter.setSizes([total - SIDE_PANEL_WIDTH, SIDE_PANEL_WIDTH])

    def _panels_toggled(self, shown: bool) -> None:
        self.side.setVisible(shown and self.side.count() > 0)

    def _fill_practitioner_menu(self) -> None:
        menu = self.practitioner_menu
        menu.clear()
        self.all_action = menu.addAction(_("All practitioners"))
        self.all_action.setCheckable(True)
        self.all_action.triggered.connect(self._all_chosen)
        menu.addSeparator()
        self.practitioner_actions: dict[str, QAction] = {}
        for p in self._practitioners:
            action = menu.addAction(button_text(p.display_name))
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, pid=p.id: self._practitioner_toggled(pid))
            self.practitioner_actions[p.id] = action
        self._sync_practitioner_menu()

    def _sync_practitioner_menu(self) -> None:
        chosen = set(self._selected)
        self.all_action.setChecked(bool(self._practitioners)
                                   and chosen >= {p.id for p in self._practitioners})
        for pid, action in self.practitioner_actions.items():
            action.setChecked(pid in chosen)
        if len(self._selected) == len(self._practitioners):
            text = _("All practitioners")
        elif len(self._selected) == 1:
            text = self._names.get(self._selected[0], "")
        else:
            text = ngettext("{n} practitioner", "{n} practitioners",
                            len(self._selected)).format(n=len(self._selected))
        self.practitioner_button.setText(button_text(text))

    def _all_chosen(self) -> None:
        self.set_practitioners([p.id for p in self._practitioners])

    def _practitioner_toggled(self, pid: str) -> None:
        chosen = [p for p in self._selected if p != pid] if pid in self._selected \
            else self._selected + [pid]
        if not chosen:  # somebody is always shown
            chosen = [pid]
        self.set_practitioners(chosen)

    def set_practitioners(self, practitioner_ids: list[str]) -> None:
        """Show these agendas (in the practice's order)."""
        wanted = set(practitioner_ids)
        self._selected = [p.id for p in self._practitioners if p.id in wanted] or \
            [p.id for p in self._practitioners]
        self._sync_practitioner_menu()
        self.load()

    # ------------------------------------------------------------------ page API

    def current_day(self) -> date:
        """The day the page is on (the day shown; in a week or a month, the one chosen)."""
        return self._day

    def current_view(self) -> str:
        return self._view

    def selected_practitioners(self) -> list[str]:
        return list(self._selected)

    def practitioners(self) -> list[PractitionerInfo]:
        """Everyone who has an agenda, in the order of the columns."""
        return list(self._practitioners)

    def shown_days(self) -> list[date]:
        return list(self._shown_days)

    def go_to(self, day: date, view: str | None = None) -> None:
        if view is not None and view not in VIEWS:
            raise ValueError(view)
        self._day = day
        if view is not None:
            self._view = view
        self.load(scroll=True)

    def show_day(self, day: date, practitioner_ids: list[str] | None = None) -> None:
        self._set_selection_quietly(practitioner_ids)
        self.go_to(day, VIEW_DAY)

    def show_week(self, first_day: date, practitioner_ids: list[str] | None = None) -> None:
        self._set_selection_quietly(practitioner_ids)
        self.go_to(first_day, VIEW_WEEK)

    def show_month(self, year: int, month: int) -> None:
        day = self._day if (self._day.year, self._day.month) == (year, month) else date(year, month, 1)
        self.go_to(day, VIEW_MONTH)

    def refresh(self) -> None:
        """Read everything again (practitioners, motifs, the agenda shown)."""
        self._load_reference()
        self._fill_practitioner_menu()
        self.load()

    def select_appointment(self, appointment_id: str) -> bool:
        """Show an appointment (its day, its practitioner's column) and select it."""
        if self._view != VIEW_MONTH and self.grid.select_item(appointment_id):
            self.grid.setFocus()
            return True
        try:
            a = self._agenda.get(appointment_id)
        except NotFound:
            return False
        if a.practitioner_id not in self._selected:
            self._set_selection_quietly(self._selected + [a.practitioner_id])
        view = VIEW_DAY if self._view == VIEW_MONTH else self._view
        self.go_to(self._zone.day_of(a.starts_at), view)
        found = self.grid.select_item(appointment_id)
        if found:
            self.grid.setFocus()
        return found

    def open_booking(self, patient_id: str | None = None) -> AppointmentDialog:
        """The new-appointment dialog for a patient, at the free time selected in the grid
        (or the day shown)."""
        where = self.grid.cursor() if self._view != VIEW_MONTH else None
        if where is not None:
            key, day, minute = where
            return self._open_dialog(practitioner_id=key, day=day, start_min=minute,
                                     patient_id=patient_id)
        pid = self._selected[0] if self._selected else ""
        start = None
        if self._day != self._today():
            sched = self._agenda.schedule([pid], self._day, self._day) if pid else None
            start = adapter.first_opening(sched, [pid], [self._day]) if sched else None
        return self._open_dialog(practitioner_id=pid, day=self._day, start_min=start,
                                 patient_id=patient_id)

    # ------------------------------------------------------------------ navigation

    def set_view(self, view: str) -> None:
        self.go_to(self._day, view)

    def previous(self) -> None:
        self._step(-1)

    def next(self) -> None:
        self._step(1)

    def _step(self, step: int) -> None:
        if self._view == VIEW_DAY:
            self.go_to(self._day + timedelta(days=step))
        elif self._view == VIEW_WEEK:
            self.go_to(self._day + timedelta(days=7 * step))
        else:
            self.go_to(_add_months(self._day, step))

    def today(self) -> None:
        self.go_to(self._today())

    def focus_date(self) -> None:
        self.date_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        # Typing then fills day, month and year in turn: "02042026" or "02/04/2026".
        self.date_edit.setSelectedSection(QDateEdit.Section.DaySection)

    def _date_typed(self) -> None:
        d = self.date_edit.date()
        day = date(d.year(), d.month(), d.day())
        if day != self._day:
            self.go_to(day)
            self._focus_view()

    def _month_step(self, step: int) -> None:
        year, month = self.month.month()
        self._month_stepping = True  # the overview chooses the day in the new month
        try:
            self.go_to(_add_months(date(year, month, 1), step))
        finally:
            self._month_stepping = False

    def _month_day_chosen(self, day: date) -> None:
        if self._view == VIEW_MONTH:
            self._day = day

    def _focus_view(self) -> None:
        (self.month if self._view == VIEW_MONTH else self.grid).setFocus()

    def _today(self) -> date:
        return self._zone.today(self.workspace.clock.now())

    def _set_selection_quietly(self, practitioner_ids) -> None:
        if practitioner_ids is not None:
            wanted = set(practitioner_ids)
            self._selected = [p.id for p in self._practitioners if p.id in wanted] or \
                [p.id for p in self._practitioners]
            self._sync_practitioner_menu()

    # ------------------------------------------------------------------ loading

    def _load_reference(self) -> None:
        self._practitioners = list_practitioners(self.workspace.store)
        self._names = self._agenda.practitioner_names()
        self._types = self._agenda.types()
        self._type_names = {t.id: t.name for t in self._agenda.types(include_inactive=True)}
        durations = Counter(t.duration_min for t in self._types)
        usual = min(durations, key=lambda d: (-durations[d], d)) if durations else 15
        self._default_length = usual
        self.grid.set_default_length(usual)
        known = {p.id for p in self._practitioners}
        self._selected = [p for p in self._selected if p in known]

    def load(self, *, scroll: bool = False) -> None:
        """Read and show the current view now (synchronously)."""
        started = time.perf_counter()
        self._stale = False
        for view, action in self.view_actions.items():
            action.setChecked(view == self._view)
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(self._day.year, self._day.month, self._day.day))
        self.date_edit.blockSignals(False)
        if self._view == VIEW_MONTH:
            self._load_month()
        else:
            self._load_grid(scroll)
        self.last_load_ms = (time.perf_counter() - started) * 1000

    def _load_grid(self, scroll: bool) -> None:
        pids = self._selected
        week = adapter.week_of(self._day)
        days = week if self._view == VIEW_WEEK else [self._day]
        appointments, schedule = self._agenda.window(pids, days[0], days[-1])
        if self._view == VIEW_WEEK:
            if not adapter.has_sunday(schedule, pids, week[6], appointments, self._zone):
                days = week[:6]
            self.caption.setText(week_caption(week[0]))
        else:
            self.caption.setText(day_caption(self._day))
        self._appointments = {a.id: a for a in appointments}
        today = self._today()
        columns = [adapter.column_for(p) for p in self._practitioners if p.id in set(pids)]
        items = adapter.grid_items(appointments, self._zone, columns=set(pids), days=set(days),
                                   today=today, cut_id=self._cut[0] if self._cut else "")
        bands = adapter.grid_bands(schedule, self._zone, pids, days, names=self._names,
                                   type_names=self._type_names)
        self.grid.set_min_column_width(WEEK_MIN_COLUMN if self._view == VIEW_WEEK
                                       else DAY_MIN_COLUMN if len(pids) > 6 else 0)
        start, end = adapter.visible_range(schedule, pids, week, items)
        self.grid.set_visible_range(start, end)
        self.grid.set_data(days, columns, items, bands)
        self._shown_days = list(days)
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
        year, month = self._day.year, self._day.month
        weeks = month_weeks(year, month)
        first, last = weeks[0], weeks[-1] + timedelta(days=6)
        loads = self._agenda.day_loads(self._selected, first, last)
        wanted = self._day
        self.month.set_month(year, month, adapter.month_days(loads), today=self._today())
        if self._month_stepping:
            self._day = self.month.selected_day()
        else:
            self.month.select_day(wanted)
            self._day = wanted
        self._shown_days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self.caption.setText(month_caption(year, month))
        self.stack.setCurrentWidget(self.month)

    def _update_now(self) -> None:
        now = self.workspace.clock.now()
        today = self._zone.today(now)
        if today != self._last_today:
            # Left open overnight: the page that showed today shows the new today.
            yesterday, self._last_today = self._last_today, today
            if self._day == yesterday and self._view != VIEW_MONTH:
                self.go_to(today)
                return
        if self._view != VIEW_MONTH and today in self._shown_days:
            self.grid.set_now(today, self._zone.wall_minute(now))
        else:
            self.grid.set_now(None)

    def _on_bus(self, changes: ChangeSet) -> None:
        if not changes.touches(*DRAWN_FROM) and not self._shows_any(changes.ids(kinds.PATIENT)):
            return
        if changes.touches(*REFERENCE):
            self._load_reference()
            self._fill_practitioner_menu()
        if self.isVisible():
            self.load()
        else:
            self._stale = True

    def _shows_any(self, patient_ids: frozenset[str]) -> bool:
        """True when one of these patients has an appointment drawn (the month draws no
        names)."""
        return bool(patient_ids) and self._view != VIEW_MONTH and any(
            a.patient_id in patient_ids for a in self._appointments.values())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.load()

    # ------------------------------------------------------------------ writes

    def _written(self, _ids: list[str] = (), warnings: tuple = ()) -> None:
        """After a write of the page's own (the bus has told it already)."""
        if warnings:
            self.show_message("\n".join(c.message for c in warnings))
        if self._stale:  # not on screen: still keep what the page holds current
            self.load()

    def _open_dialog(self, **kwargs) -> AppointmentDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        if "appointment_id" not in kwargs and kwargs.get("practitioner_id"):
            kwargs.setdefault("type_id", self._usual_type(kwargs["practitioner_id"]))
        dialog = AppointmentDialog(self.workspace, self, practitioners=self._practitioners,
                                   types=self._types, **kwargs)
        dialog.written.connect(self._written)
        dialog.cancelled.connect(self.appointment_cancelled)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _usual_type(self, practitioner_id: str) -> str | None:
        """The motif this practitioner is booked for most in what is shown."""
        counts = Counter(a.type_id for a in self._appointments.values()
                         if a.practitioner_id == practitioner_id and a.type_id)
        return counts.most_common(1)[0][0] if counts else None

    def _dialog_closed(self, dialog: AppointmentDialog) -> None:
        if dialog.appointment is not None and self._view != VIEW_MONTH:
            self.grid.select_item(dialog.appointment.id)
        self.grid.setFocus()

    def _create_requested(self, key: str, day: date, start: int, end: int) -> None:
        # A click asks for the usual length: the motif chosen then decides; a drag keeps its own.
        length = end - start
        clicked = length == self._default_length
        self._open_dialog(practitioner_id=key, day=day, start_min=start,
                          length=None if clicked else length)

    def open_appointment(self, appointment_id: str) -> AppointmentDialog | None:
        try:
            return self._open_dialog(appointment_id=appointment_id)
        except NotFound:
            self.load()
            return None

    def _move_requested(self, appointment_id: str, key: str, day: date, start: int, end: int) -> None:
        self.move_appointment(appointment_id, key, day, start, end)

    def move_appointment(self, appointment_id: str, practitioner_id: str, day: date,
                         start_min: int, end_min: int | None = None) -> bool:
        """Move (or resize) through the guard; ``end_min`` None keeps the length."""
        a = self._appointments.get(appointment_id)
        starts_at = self._zone.to_utc(day, start_min)
        ends_at = self._zone.to_utc(day, end_min) if end_min is not None else (
            starts_at + (a.ends_at - a.starts_at) if a is not None else None)
        version = a.version if a is not None else None
        result = run_guarded(self, lambda override: self._agenda.move(
            appointment_id, starts_at, ends_at, practitioner_id=practitioner_id,
            override=override, expected_version=version),
            can_override=self._agenda.can_override, moving=True)
        if result is None:
            self.load()  # the box goes back where it is
            return False
        self._written([appointment_id], tuple(result.warnings))
        self.grid.select_item(appointment_id)
        return True

    def cancel_appointment(self, appointment_id: str) -> bool:
        a = self._appointments.get(appointment_id)
        if a is None or not a.holds_time:
            return False
        summary = _("{who}, {day} at {time}").format(
            who=adapter.appointment_title(a),
            day=format_date(self._zone.day_of(a.starts_at), "EEEE d MMMM"),
            time=hhmm(self._zone.wall_minute(a.starts_at)))
        answer = ask_cancel(self, summary)
        if answer is None:
            return False
        try:
            self._agenda.cancel(appointment_id, answer[0], answer[1], expected_version=a.version)
        except (ValidationError, ConcurrentEdit, NotFound) as exc:
            show_failure(self, exc)
            self.load()
            return False
        if self._cut is not None and self._cut[0] == appointment_id:
            self.drop_cut()
        self._written([appointment_id])
        self.appointment_cancelled.emit(appointment_id)
        return True

    def set_status(self, appointment_id: str, status: str) -> bool:
        a = self._appointments.get(appointment_id)
        try:
            self._agenda.set_status(appointment_id, status,
                                    expected_version=a.version if a is not None else None)
        except (ValidationError, ConcurrentEdit, NotFound) as exc:
            show_failure(self, exc)
            self.load()
            return False
        self._written([appointment_id])
        return True

    # ------------------------------------------------------------------ cut and paste

    def cut(self, appointment_id: str) -> None:
        a = self._appointments.get(appointment_id)
        if a is None or not a.holds_time:
            return
        self._cut = (appointment_id, a.minutes)
        self.grid.set_pending_paste(a.minutes)
        self.show_message(_("Cut: {who}. Choose the new time and press Ctrl+V (or Enter); "
                            "Escape keeps it where it is.").format(who=adapter.appointment_title(a)),
                          timeout=False)
        self.load()

    def cut_pending(self) -> str:
        return self._cut[0] if self._cut else ""

    def drop_cut(self) -> None:
        if self._cut is None:
            return
        self._cut = None
        self.grid.set_pending_paste(None)
        self.hide_message()
        self.load()

    def paste(self, practitioner_id: str, day: date, start_min: int) -> bool:
        if self._cut is None:
            return False
        appointment_id, length = self._cut
        starts_at = self._zone.to_utc(day, start_min)
        self._cut = None  # so the page the store has redrawn shows no cut mark
        result = run_guarded(self, lambda override: self._agenda.move(
            appointment_id, starts_at, starts_at + timedelta(minutes=length),
            practitioner_id=practitioner_id, override=override),
            can_override=self._agenda.can_override, moving=True)
        if result is None:
            self._cut = (appointment_id, length)  # nothing written: still to paste
            return False
        self.grid.set_pending_paste(None)
        self.hide_message()
        self._written([appointment_id], tuple(result.warnings))
        self.grid.select_item(appointment_id)
        return True

    # ------------------------------------------------------------------ context menu

    def context_menu(self, item_id: str, key: str, day: date, minute: int) -> QMenu:
        """The menu of an appointment (``item_id``) or of free time ("")."""
        menu = QMenu(self)
        menu.setObjectName("AgendaContextMenu")
        a = self._appointments.get(item_id) if item_id else None
        if a is not None:
            menu.addAction(_("Open…"), lambda: self.open_appointment(item_id))
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
        else:
            new = menu.addAction(_("New appointment here…"), lambda: self._open_dialog(
                practitioner_id=key, day=day, start_min=minute))
            new.setEnabled(self._cut is None)
            paste = menu.addAction(_("Paste here"), lambda: self.paste(key, day, minute))
            paste.setShortcut(QKeySequence.StandardKey.Paste)
            paste.setEnabled(self._cut is not None)
        return menu

    def _context_requested(self, item_id: str, key: str, day: date, minute: int,
                           global_pos: QPoint) -> None:
        self.context_menu(item_id, key, day, minute).exec(global_pos)

    # ------------------------------------------------------------------ messages

    def show_message(self, text: str, *, timeout: bool = True) -> None:
        """A line above the grid that does not stop the work (warnings, a cut pending)."""
        self.banner_text.setText(text)
        self.banner.show()
        if timeout:
            self._banner_timer.start(BANNER_MS)
        else:
            self._banner_timer.stop()

    def message(self) -> str:
        return self.banner_text.text() if self.banner.isVisible() else ""

    def hide_message(self) -> None:
        self._banner_timer.stop()
        self.banner.hide()
        self.banner_text.clear()

    def _banner_expired(self) -> None:
        if self._cut is None:
            self.hide_message()

    # ------------------------------------------------------------------ keys

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            key = event.key()
            if key == Qt.Key.Key_Home:
                self.today()
                return True
            if obj is self.grid:
                if key == Qt.Key.Key_PageUp:
                    self.previous()
                    return True
                if key == Qt.Key.Key_PageDown:
                    self.next()
                    return True
                if key == Qt.Key.Key_Escape and self._cut is not None:
                    self.drop_cut()
                    return True
        return super().eventFilter(obj, event)
