"""The agenda's painted widgets: the day/week grid and the month overview.

They take plain values and emit signals with plain types; the agenda page wires them
to the services. ``paint_grid`` draws the same grid on a printer or PDF page.
"""

from app.ui.agenda.grid import AgendaGrid
from app.ui.agenda.grid_data import (
    BAND_ABSENCE,
    BAND_CLOSED,
    BAND_HOLIDAY,
    BAND_OPEN,
    FLAG_ALERT,
    FLAG_NEW_PATIENT,
    FLAG_OVERRIDE,
    FLAG_SAME_PATIENT,
    FLAG_SERIES,
    STATUS_ARRIVED,
    STATUS_BOOKED,
    STATUS_CANCELLED,
    STATUS_CONFIRMED,
    STATUS_IN_CONSULTATION,
    STATUS_NO_SHOW,
    STATUS_SEEN,
    STATUSES,
    GridBand,
    GridColumn,
    GridData,
    GridItem,
    band_summary,
    item_summary,
    status_label,
    status_legend,
)
from app.ui.agenda.grid_paint import paint_grid
from app.ui.agenda.month import MonthDay, MonthOverview

__all__ = [
    "AgendaGrid", "GridBand", "GridColumn", "GridData", "GridItem", "MonthDay",
    "MonthOverview", "paint_grid", "item_summary", "band_summary", "status_label",
    "status_legend", "STATUSES",
    "BAND_ABSENCE", "BAND_CLOSED", "BAND_HOLIDAY", "BAND_OPEN",
    "FLAG_ALERT", "FLAG_NEW_PATIENT", "FLAG_OVERRIDE", "FLAG_SAME_PATIENT", "FLAG_SERIES",
    "STATUS_ARRIVED", "STATUS_BOOKED", "STATUS_CANCELLED", "STATUS_CONFIRMED",
    "STATUS_IN_CONSULTATION", "STATUS_NO_SHOW", "STATUS_SEEN",
]
