"""Small pieces the agenda settings tabs share: day names, times, dates, a practitioner
choice, a menu of checkboxes that stays open."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QMenu, QVBoxLayout, QWidget

from app.i18n import _, format_date, locale
from app.services.dates import parse_french_date
from app.services.practice import PractitionerInfo
from app.ui.widgets import FieldError

# Two-digit years typed here are near-future years (a summer set, an absence), never
# birth years: parse as if "today" were far ahead, so "01/07/27" is 2027.
_FAR_AHEAD = date(2099, 12, 31)


def weekday_name(weekday: int) -> str:
    """Monday = 0 -> "Lundi" (capitalised: it starts a line)."""
    name = locale().days["format"]["wide"][weekday]
    return name[:1].upper() + name[1:]


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def long_date(day: date) -> str:
    """"Samedi 26 décembre 2026"."""
    return capitalised(format_date(day, "EEEE d MMMM y"))


def parse_day(text: str) -> date:
    """dd/mm/yyyy (or dd/mm/yy, dd.mm.yyyy, ddmmyyyy); InvalidDate otherwise."""
    return parse_french_date(text, today=_FAR_AHEAD)


def practitioner_combo(practitioners: list[PractitionerInfo]) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    for p in practitioners:
        combo.addItem(p.display_name, p.id)
    combo.setToolTip(_("Whose settings these are"))
    return combo


def with_error(widget: QWidget, error: FieldError) -> QWidget:
    """The field, and its red message under it."""
    box = QWidget()
    v = QVBoxLayout(box)
    v.setContentsMargins(0, 0, 0, 0)
    v.setSpacing(2)
    v.addWidget(widget)
    v.addWidget(error)
    return box


def types_summary(type_ids: frozenset[str], names: dict[str, str]) -> str:
    """"All types", or the chosen ones by name."""
    if not type_ids:
        return _("All types")
    chosen = sorted(names.get(t, _("removed type")) for t in type_ids)
    return ", ".join(chosen)


class CheckMenu(QMenu):
    """A menu of checkable entries that stays open while the user ticks several
    (mouse or Space); Return or Escape closes it."""

    def mouseReleaseEvent(self, event) -> None:
        action = self.activeAction()
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        action = self.activeAction()
        if (event.key() == Qt.Key.Key_Space and action is not None and action.isEnabled()
                and action.isCheckable()):
            action.trigger()
            return
        super().keyPressEvent(event)
