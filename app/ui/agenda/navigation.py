"""The agenda page's toolbar and navigation: which period is shown and whose agendas.

Two rows: the period's caption with the tools' actions at the right; then the views
(day, week, month), previous / today / next, the date field, the practitioner menu and
the side panels' toggle. Keyboard: Ctrl+1 / Ctrl+2 / Ctrl+3 day, week, month;
Alt+Left / Alt+Right the previous or next period; Ctrl+T today; Ctrl+G the date field
(PageUp / PageDown and Home are the page's keys, see ``AgendaPage.eventFilter``).

Every move changes the shared ``PageState`` then asks the page to ``load``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QSizePolicy, QToolBar, QToolButton, QWidget

from app.i18n import _, ngettext
from app.ui.agenda.grid import AgendaGrid
from app.ui.agenda.month import MonthOverview
from app.ui.agenda.page_state import VIEW_DAY, VIEW_MONTH, VIEW_WEEK, VIEWS, PageState
from app.ui.agenda_settings.common import CheckMenu
from app.ui.plain import button_text
from app.ui.widgets import label


def _add_months(day: date, step: int) -> date:
    month = day.month - 1 + step
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class AgendaNavigation(QObject):
    """``header`` and ``nav_bar`` are the two rows, for the page's layout."""

    def __init__(self, state: PageState, page: QWidget, *, grid: AgendaGrid,
                 month: MonthOverview, panels_action: QAction,
                 load: Callable[..., None], today: Callable[[], date]) -> None:
        super().__init__(page)
        self._state = state
        self._page = page
        self._grid = grid
        self._month = month
        self._load = load
        self._today = today
        self._build(panels_action)
        month.day_activated.connect(lambda day: self.go_to(day, VIEW_DAY))
        month.month_step_requested.connect(self._month_step)
        month.selection_changed.connect(self._month_day_chosen)
        for keys, slot in (("Ctrl+1", lambda: self.set_view(VIEW_DAY)),
                           ("Ctrl+2", lambda: self.set_view(VIEW_WEEK)),
                           ("Ctrl+3", lambda: self.set_view(VIEW_MONTH)),
                           ("Alt+Left", self.previous), ("Alt+Right", self.next),
                           ("Ctrl+T", self.today), ("Ctrl+G", self.focus_date)):
            QShortcut(QKeySequence(keys), page, activated=slot)

    def _build(self, panels_action: QAction) -> None:
        page = self._page
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
        group = QActionGroup(page)
        for view, text, keys in ((VIEW_DAY, _("Day"), "Ctrl+1"), (VIEW_WEEK, _("Week"), "Ctrl+2"),
                                 (VIEW_MONTH, _("Month"), "Ctrl+3")):
            action = QAction(text, page)
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
        self.practitioner_menu = CheckMenu(page)
        self.practitioner_button.setMenu(self.practitioner_menu)
        bar.addWidget(self.practitioner_button)
        self.cancelled_action = bar.addAction(_("Cancelled appointments"))
        self.cancelled_action.setObjectName("ShowCancelled")
        self.cancelled_action.setCheckable(True)
        self.cancelled_action.setChecked(self._state.cancelled_shown)
        self.cancelled_action.setToolTip(_("Show the cancelled appointments, struck through "
                                           "(hidden, the time they freed looks free)"))
        self.cancelled_action.toggled.connect(self.show_cancelled)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._spacer = bar.addWidget(spacer)
        bar.addAction(panels_action)

    def add_toolbar_action(self, action: QAction) -> None:
        """A tool's action, at the right end of the toolbar."""
        self.toolbar.addAction(action)

    def add_view_toggle(self, action: QAction) -> None:
        """A tool's toggle of what the grid shows, in the navigation bar after the
        practitioners (a filter belongs with the choice of whose agendas)."""
        self.nav_bar.insertAction(self._spacer, action)

    def show_position(self) -> None:
        """The view's button and the date field say what the page is about to show."""
        state = self._state
        for view, action in self.view_actions.items():
            action.setChecked(view == state.view)
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(state.day.year, state.day.month, state.day.day))
        self.date_edit.blockSignals(False)

    # -- whose agendas ---------------------------------------------------------------------
    def fill_practitioner_menu(self) -> None:
        menu = self.practitioner_menu
        menu.clear()
        self.all_action = menu.addAction(_("All practitioners"))
        self.all_action.setCheckable(True)
        self.all_action.triggered.connect(self._all_chosen)
        menu.addSeparator()
        self.practitioner_actions: dict[str, QAction] = {}
        for p in self._state.practitioners:
            action = menu.addAction(button_text(p.display_name))
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, pid=p.id: self._practitioner_toggled(pid))
            self.practitioner_actions[p.id] = action
        self._sync_practitioner_menu()

    def _sync_practitioner_menu(self) -> None:
        state = self._state
        chosen = set(state.selected)
        self.all_action.setChecked(bool(state.practitioners)
                                   and chosen >= {p.id for p in state.practitioners})
        for pid, action in self.practitioner_actions.items():
            action.setChecked(pid in chosen)
        if len(state.selected) == len(state.practitioners):
            text = _("All practitioners")
        elif len(state.selected) == 1:
            text = state.names.get(state.selected[0], "")
        else:
            text = ngettext("{n} practitioner", "{n} practitioners",
                            len(state.selected)).format(n=len(state.selected))
        self.practitioner_button.setText(button_text(text))

    def _all_chosen(self) -> None:
        self.set_practitioners([p.id for p in self._state.practitioners])

    def _practitioner_toggled(self, pid: str) -> None:
        selected = self._state.selected
        chosen = [p for p in selected if p != pid] if pid in selected else selected + [pid]
        if not chosen:  # somebody is always shown
            chosen = [pid]
        self.set_practitioners(chosen)

    def set_practitioners(self, practitioner_ids: list[str]) -> None:
        """Show these agendas (in the practice's order)."""
        state = self._state
        state.day_selection = None  # chosen now: kept as chosen
        wanted = set(practitioner_ids)
        state.selected = [p.id for p in state.practitioners if p.id in wanted] or \
            [p.id for p in state.practitioners]
        self._sync_practitioner_menu()
        self._load()

    def set_selection_quietly(self, practitioner_ids) -> None:
        """These agendas, without loading (``None``: as they are)."""
        if practitioner_ids is not None:
            state = self._state
            wanted = set(practitioner_ids)
            state.selected = [p.id for p in state.practitioners if p.id in wanted] or \
                [p.id for p in state.practitioners]
            self._sync_practitioner_menu()

    # -- which period ----------------------------------------------------------------------
    def go_to(self, day: date, view: str | None = None) -> None:
        if view is not None and view not in VIEWS:
            raise ValueError(view)
        self._state.day = day
        if view is not None:
            self._state.view = view
        self._load(scroll=True)

    def show_day(self, day: date, practitioner_ids: list[str] | None = None) -> None:
        self.set_selection_quietly(practitioner_ids)
        self.go_to(day, VIEW_DAY)

    def show_week(self, first_day: date, practitioner_ids: list[str] | None = None) -> None:
        self.set_selection_quietly(practitioner_ids)
        self.go_to(first_day, VIEW_WEEK)

    def show_month(self, year: int, month: int) -> None:
        shown = self._state.day
        day = shown if (shown.year, shown.month) == (year, month) else date(year, month, 1)
        self.go_to(day, VIEW_MONTH)

    def set_view(self, view: str) -> None:
        """Day, week or month. A week of several agendas side by side is too narrow to
        read: it shows one (the one the selection is in, else the first), and the day
        view gets back the agendas it showed."""
        state = self._state
        if view == VIEW_WEEK and state.view != VIEW_WEEK and len(state.selected) > 1:
            state.day_selection = list(state.selected)
            self.set_selection_quietly([self._current_practitioner()])
        elif view != VIEW_WEEK and state.view == VIEW_WEEK and state.day_selection:
            self.set_selection_quietly(state.day_selection)
            state.day_selection = None
        self.go_to(state.day, view)

    def _current_practitioner(self) -> str:
        cursor = self._grid.cursor()
        if cursor is not None and cursor[0] in self._state.selected:
            return cursor[0]
        chosen = self._state.appointments.get(self._grid.selected_item() or "")
        if chosen is not None and chosen.practitioner_id in self._state.selected:
            return chosen.practitioner_id
        return self._state.selected[0]

    def show_cancelled(self, shown: bool) -> None:
        """Cancelled appointments drawn struck through, or left out of the grid."""
        if shown != self._state.cancelled_shown:
            self._state.cancelled_shown = shown
            self.cancelled_action.setChecked(shown)
            self._load()

    def previous(self) -> None:
        self._step(-1)

    def next(self) -> None:
        self._step(1)

    def _step(self, step: int) -> None:
        state = self._state
        if state.view == VIEW_DAY:
            self.go_to(state.day + timedelta(days=step))
        elif state.view == VIEW_WEEK:
            self.go_to(state.day + timedelta(days=7 * step))
        else:
            self.go_to(_add_months(state.day, step))

    def today(self) -> None:
        self.go_to(self._today())

    def focus_date(self) -> None:
        self.date_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        # Typing then fills day, month and year in turn: "02042026" or "02/04/2026".
        self.date_edit.setSelectedSection(QDateEdit.Section.DaySection)

    def _date_typed(self) -> None:
        d = self.date_edit.date()
        day = date(d.year(), d.month(), d.day())
        if day != self._state.day:
            self.go_to(day)
            self._focus_view()

    def _month_step(self, step: int) -> None:
        year, month = self._month.month()
        self._state.month_stepping = True  # the overview chooses the day in the new month
        try:
            self.go_to(_add_months(date(year, month, 1), step))
        finally:
            self._state.month_stepping = False

    def _month_day_chosen(self, day: date) -> None:
        if self._state.view == VIEW_MONTH:
            self._state.day = day

    def _focus_view(self) -> None:
        (self._month if self._state.view == VIEW_MONTH else self._grid).setFocus()
