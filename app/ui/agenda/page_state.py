"""What the agenda page shows and what it read for it, shared by the page's parts.

The page (``page.py``) reads it when it loads; the navigation (``navigation.py``)
changes the day, the view and whose agendas; the appointment actions
(``appointment_actions.py``) read the appointments shown and keep the cut pending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from app.services.agenda.views import AppointmentView
from app.services.practice import PractitionerInfo

VIEW_DAY, VIEW_WEEK, VIEW_MONTH = "day", "week", "month"
VIEWS = (VIEW_DAY, VIEW_WEEK, VIEW_MONTH)


@dataclass
class PageState:
    day: date
    last_today: date  # the day "today" was at the last tick (to follow midnight)
    view: str = VIEW_DAY
    practitioners: list[PractitionerInfo] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    types: list = field(default_factory=list)
    type_names: dict[str, str] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    appointments: dict[str, AppointmentView] = field(default_factory=dict)
    shown_days: list[date] = field(default_factory=list)
    cut: tuple[str, int] | None = None  # (appointment id, length in minutes)
    stale: bool = False  # changed while hidden: read again when shown
    month_stepping: bool = False  # the month overview chooses the day in the new month
    default_length: int = 15
    # A filter of the grid set by a tool (e.g. only the unconfirmed): which appointments show.
    only: Callable[[AppointmentView], bool] | None = None
    cancelled_shown: bool = False  # cancelled appointments drawn (struck) or left out
    # The agendas shown in the day view before the week narrowed them to one.
    day_selection: list[str] | None = None
