"""What the agenda grid shows, as plain frozen values (no Qt, no database).

The page turns service results into these; the grid paints them and answers with
signals carrying the same plain types. Times are wall-clock minutes after local
midnight in the practice's time zone (540 = 09:00), never instants: the page does the
time-zone work once, the grid never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.i18n import _, format_date

# Appointment statuses, spelled as the domain's AppointmentStatus values (a test keeps
# them equal) so the page passes ``appointment.status`` straight through.
STATUS_BOOKED = "booked"
STATUS_CONFIRMED = "confirmed"
STATUS_ARRIVED = "arrived"
STATUS_IN_CONSULTATION = "in_consultation"
STATUS_SEEN = "seen"
STATUS_NO_SHOW = "no_show"
STATUS_CANCELLED = "cancelled"
STATUSES = (STATUS_BOOKED, STATUS_CONFIRMED, STATUS_ARRIVED, STATUS_IN_CONSULTATION,
            STATUS_SEEN, STATUS_NO_SHOW, STATUS_CANCELLED)

# Markers an item may carry (GridItem.flags); unknown flags are ignored.
FLAG_OVERRIDE = "override"          # booked over a refusal of the double-booking guard
FLAG_SAME_PATIENT = "same_patient"  # the same patient has another appointment that day
FLAG_SERIES = "series"              # part of a recurring series
FLAG_ALERT = "alert"                # the patient's card carries an alert
FLAG_NEW_PATIENT = "new_patient"    # the patient's first appointment here
FLAGS = (FLAG_ALERT, FLAG_NEW_PATIENT, FLAG_OVERRIDE, FLAG_SAME_PATIENT, FLAG_SERIES)

# Kinds of band. Time outside every "open" band is closed (greyed); the other kinds
# are painted hatched with their label over whatever is below.
BAND_OPEN = "open"
BAND_CLOSED = "closed"
BAND_ABSENCE = "absence"
BAND_HOLIDAY = "holiday"
BAND_KINDS = (BAND_OPEN, BAND_CLOSED, BAND_ABSENCE, BAND_HOLIDAY)

# Status glyphs: the circle fills as the patient goes through the practice, so the
# status reads on a black-and-white print too.
STATUS_GLYPHS = {
    STATUS_BOOKED: "",
    STATUS_CONFIRMED: "\u2713",        # ✓
    STATUS_ARRIVED: "\u25d4",          # ◔
    STATUS_IN_CONSULTATION: "\u25d1",  # ◑
    STATUS_SEEN: "\u25cf",             # ●
    STATUS_NO_SHOW: "\u2717",          # ✗
    STATUS_CANCELLED: "\u2298",        # ⊘
}
FLAG_GLYPHS = {
    FLAG_ALERT: "\u26a0",         # ⚠ (as in every patient picker)
    FLAG_NEW_PATIENT: "\u2605",   # ★
    FLAG_OVERRIDE: "\u203c",      # ‼
    FLAG_SAME_PATIENT: "\u00d72",  # ×2
    FLAG_SERIES: "\u21bb",        # ↻
}


def status_label(status: str) -> str:
    labels = {
        STATUS_BOOKED: _("Booked"),
        STATUS_CONFIRMED: _("Confirmed"),
        STATUS_ARRIVED: _("In the waiting room"),
        STATUS_IN_CONSULTATION: _("In consultation"),
        STATUS_SEEN: _("Seen"),
        STATUS_NO_SHOW: _("No-show"),
        STATUS_CANCELLED: _("Cancelled"),
    }
    return labels.get(status, status)


def flag_label(flag: str) -> str:
    labels = {
        FLAG_ALERT: _("Alert on the card"),
        FLAG_NEW_PATIENT: _("New patient"),
        FLAG_OVERRIDE: _("Booked over a double-booking warning"),
        FLAG_SAME_PATIENT: _("Same patient twice that day"),
        FLAG_SERIES: _("Part of a series"),
    }
    return labels.get(flag, flag)


def status_legend() -> str:
    """One line explaining the glyphs, under the grid and at the foot of a printed page
    (a glyph never parted from its meaning when the line wraps)."""
    parts = [f"{STATUS_GLYPHS[s]}\u00a0{status_label(s)}" for s in STATUSES if STATUS_GLYPHS[s]]
    parts += [f"{FLAG_GLYPHS[f]}\u00a0{flag_label(f)}" for f in FLAGS]
    return "   ".join(parts)


def hhmm(minute: int) -> str:
    """09:05 for 545; 24:00 for the end of the day."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class GridColumn:
    """A practitioner's agenda. ``colour`` is a "#rrggbb" shown under the name."""
    key: str
    title: str
    subtitle: str = ""
    colour: str = "#5b8def"


@dataclass(frozen=True, slots=True)
class GridItem:
    """One appointment. ``colour`` is the motif's; ``movable`` False refuses drags
    (a cancelled, past or read-only appointment)."""
    id: str
    column_key: str
    day: date
    start_min: int
    end_min: int
    title: str
    subtitle: str = ""
    colour: str = "#5b8def"
    status: str = STATUS_BOOKED
    flags: frozenset[str] = field(default_factory=frozenset)
    movable: bool = True


@dataclass(frozen=True, slots=True)
class GridBand:
    """A time range of one column on one day: open hours, or closed / absent / holiday
    time with a label ("Férié — Toussaint"). An empty ``column_key`` means every column
    of that day (a public holiday)."""
    column_key: str
    day: date
    start_min: int
    end_min: int
    label: str = ""
    kind: str = BAND_OPEN


@dataclass(frozen=True, slots=True)
class GridData:
    """Everything one view shows; what ``AgendaGrid.set_data`` and ``paint_grid`` take."""
    days: tuple[date, ...] = ()
    columns: tuple[GridColumn, ...] = ()
    items: tuple[GridItem, ...] = ()
    bands: tuple[GridBand, ...] = ()


def item_summary(item: GridItem, column: GridColumn | None = None) -> str:
    """The tooltip of an appointment: everything its box may have had to elide."""
    lines = [item.title]
    if item.subtitle:
        lines.append(item.subtitle)
    when = _("{day}, {start}–{end}").format(day=format_date(item.day, "EEEE d MMMM"),
                                            start=hhmm(item.start_min), end=hhmm(item.end_min))
    lines.append(f"{when} · {column.title}" if column is not None else when)
    lines.append(status_label(item.status))
    lines.extend(flag_label(f) for f in sorted(item.flags))
    return "\n".join(lines)


def band_summary(band: GridBand) -> str:
    return _("{label} ({start}–{end})").format(label=band.label, start=hhmm(band.start_min),
                                               end=hhmm(band.end_min))
