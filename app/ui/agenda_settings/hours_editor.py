"""Weekly hours of one practitioner: the usual week and dated sets (summer hours…).

Each day holds ranges ("08:30 – 12:00") and, per range, the types it accepts (all by
default). Saving replaces the whole set through ``AgendaSetupService.set_hours``; the
service's checks (end before start, overlaps) come back under the range concerned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date
from app.services.agenda.setup import AgendaSetupService, HoursRange, HoursSet, parse_hhmm
from app.services.agenda.views import TypeInfo
from app.services.dates import InvalidDate
from app.services.errors import ValidationError
from app.services.practice import PractitionerInfo
from app.ui.agenda_settings.common import (
    CheckMenu,
    hhmm,
    parse_day,
    practitioner_combo,
    types_summary,
    weekday_name,
    with_error,
)
from app.ui.agenda_settings.types_editor import swatch
from app.ui.plain import button_text, message_box, tooltip
from app.ui.widgets import FieldError, ask_unsaved, label, mark_invalid

_DIGITS = re.compile(r"^\s*(\d{1,4})\s*$")
NEW_SET = "new"
# Room for the menu arrow, so the text beside it is never overdrawn.
MENU_BUTTON_STYLE = "QToolButton { padding: 4px 18px 4px 8px; }"
WEEK = range(7)


def read_time(text: str) -> int | None:
    """What the secretary typed, in minutes: "8:30", "8h30", "14h", "830", "14"; None
    if it is no time."""
    m = _DIGITS.match(text)
    if m:
        digits = m.group(1)
        text = f"{digits}:00" if len(digits) <= 2 else f"{digits[:-2]}:{digits[-2:]}"
    try:
        return parse_hhmm(text)
    except ValueError:
        return None


def set_title(valid_from: date | None, valid_until: date | None) -> str:
    if valid_from is None and valid_until is None:
        return _("Usual week")
    if valid_until is None:
        return _("From {first} on").format(first=format_date(valid_from))
    if valid_from is None:
        return _("Until {last}").format(last=format_date(valid_until))
    return _("From {first} to {last}").format(first=format_date(valid_from),
                                             last=format_date(valid_until))


@dataclass
class _SetChoice:
    valid_from: date | None
    valid_until: date | None
    ranges: tuple = ()
    saved: bool = True

    @property
    def key(self) -> tuple[date | None, date | None]:
        return self.valid_from, self.valid_until

    @property
    def dated(self) -> bool:
        return self.key != (None, None) or not self.saved


class TypesButton(QToolButton):
    """Which types a range accepts: "All types" or a few, ticked in a menu."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setStyleSheet(MENU_BUTTON_STYLE)
        self._menu = CheckMenu(self)
        self.setMenu(self._menu)
        self._names: dict[str, str] = {}
        self._chosen: frozenset[str] = frozenset()
        self.all_action = None
        self.type_actions: dict[str, object] = {}

    def set_types(self, offered: list[TypeInfo], names: dict[str, str],
                  chosen: frozenset[str]) -> None:
        self._names = names
        self._chosen = frozenset(chosen)
        self._menu.clear()
        self.all_action = self._menu.addAction(_("All types"))
        self.all_action.setCheckable(True)
        self.all_action.triggered.connect(self._all_chosen)
        self._menu.addSeparator()
        self.type_actions = {}
        listed = {t.id for t in offered}
        for t in offered:
            self._add_type(t.id, t.name, t.colour)
        for type_id in sorted(self._chosen - listed):  # kept, though no longer offered
            self._add_type(type_id, names.get(type_id, _("removed type")), "#9ca3af")
        self._sync()

    def _add_type(self, type_id: str, name: str, colour: str) -> None:
        action = self._menu.addAction(swatch(colour), button_text(name))
        action.setCheckable(True)
        action.triggered.connect(lambda checked, t=type_id: self._type_toggled(t, checked))
        self.type_actions[type_id] = action

    @property
    def chosen(self) -> frozenset[str]:
        return self._chosen

    def _all_chosen(self) -> None:
        self._chosen = frozenset()
        self._sync()
        self.changed.emit()

    def _type_toggled(self, type_id: str, checked: bool) -> None:
        self._chosen = self._chosen | {type_id} if checked else self._chosen - {type_id}
        self._sync()
        self.changed.emit()

    def _sync(self) -> None:
        self.all_action.setChecked(not self._chosen)
        for type_id, action in self.type_actions.items():
            action.setChecked(type_id in self._chosen)
        full = types_summary(self._chosen, self._names)
        self.setToolTip(tooltip(_("Types accepted in this range: {types}").format(types=full)))
        self.setText(button_text(self.fontMetrics().elidedText(full, Qt.TextElideMode.ElideRight,
                                                              150)))


class RangeRow(QWidget):
    """One range of a day: start – end, its types, a remove button, its message."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, start: str = "", end: str = "", parent=None) -> None:
        super().__init__(parent)
        self.start = QLineEdit(start)
        self.end = QLineEdit(end)
        for edit, example, what in ((self.start, "08:30", _("Start")),
                                    (self.end, "12:00", _("End"))):
            edit.setPlaceholderText(example)
            edit.setAccessibleName(what)
            edit.setMaxLength(5)
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("00:00") + 24)
            edit.textEdited.connect(self.changed)
            edit.editingFinished.connect(lambda edit=edit: self.tidy(edit))
        self.start.setToolTip(_("Start, e.g. 8:30, 8h30 or 830"))
        self.end.setToolTip(_("End, e.g. 12:00, 12h or 12"))
        self.types = TypesButton()
        self.types.changed.connect(self.changed)
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setToolTip(_("Remove this range"))
        self.remove_button.setAccessibleName(_("Remove this range"))
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self.error = FieldError()

        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.start)
        line.addWidget(label("–"))
        line.addWidget(self.end)
        line.addWidget(self.types)
        line.addWidget(self.remove_button)
        line.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(line)
        layout.addWidget(self.error)

    def is_blank(self) -> bool:
        return not self.start.text().strip() and not self.end.text().strip()

    def minutes(self) -> tuple[int | None, int | None]:
        return read_time(self.start.text()), read_time(self.end.text())

    def value(self, weekday: int) -> HoursRange:
        """The range for the service: minutes when readable, else the text as typed, so
        the service names the problem."""
        start, end = self.minutes()
        return HoursRange(weekday, self.start.text() if start is None else start,
                          self.end.text() if end is None else end, self.types.chosen)

    def tidy(self, edit: QLineEdit) -> None:
        """On leaving a time: written 08:30 if readable, flagged at once if not."""
        text = edit.text().strip()
        minute = read_time(text) if text else None
        if minute is not None:
            edit.setText(hhmm(minute))
        bad = bool(text) and minute is None
        mark_invalid(edit, bad)
        other = self.end if edit is self.start else self.start
        other_bad = bool(other.text().strip()) and read_time(other.text()) is None
        self.show_error(_("Write times as 08:30.") if bad or other_bad else "")

    def show_error(self, message: str) -> None:
        self.error.show_message(message)
        if not message:
            mark_invalid(self.start, False)
            mark_invalid(self.end, False)

    def focus_chain(self) -> list[QWidget]:
        return [self.start, self.end, self.types, self.remove_button]


class DayRow(QWidget):
    """A weekday: its name, its ranges, "Add a range" and "Copy to…"."""

    changed = Signal()
    structure_changed = Signal()
    copy_requested = Signal(int, list)  # from weekday, to weekdays

    def __init__(self, weekday: int, name_width: int, parent=None) -> None:
        super().__init__(parent)
        self.weekday = weekday
        self.rows: list[RangeRow] = []
        self._offered: list[TypeInfo] = []
        self._names: dict[str, str] = {}

        self.name = label(weekday_name(weekday), "SectionTitle")
        self.name.setFixedWidth(name_width)
        self.closed = label(_("Closed"), "Hint")
        self.add_button = QPushButton(_("Add a range"))
        self.add_button.setToolTip(_("Add opening hours on {day}").format(
            day=weekday_name(weekday)))
        self.add_button.clicked.connect(self.add_range)
        self.copy_button = QToolButton()
        self.copy_button.setText(_("Copy to…"))
        self.copy_button.setToolTip(_("Give other days the same ranges as {day}").format(
            day=weekday_name(weekday)))
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.copy_button.setStyleSheet(MENU_BUTTON_STYLE)
        menu = QMenu(self.copy_button)
        weekdays = [d for d in range(5) if d != weekday]
        menu.addAction(_("Every other weekday (Monday to Friday)")).triggered.connect(
            lambda: self.copy_requested.emit(self.weekday, weekdays))
        menu.addSeparator()
        for other in WEEK:
            if other != weekday:
                menu.addAction(weekday_name(other)).triggered.connect(
                    lambda checked=False, o=other: self.copy_requested.emit(self.weekday, [o]))
        self.copy_button.setMenu(menu)

        self._ranges = QVBoxLayout()
        self._ranges.setContentsMargins(0, 0, 0, 0)
        self._ranges.setSpacing(4)
        self._ranges.addWidget(self.closed)
        top = Qt.AlignmentFlag.AlignTop
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.name, 0, top)
        layout.addLayout(self._ranges, 1)
        layout.addWidget(self.add_button, 0, top)
        layout.addWidget(self.copy_button, 0, top)

    def set_types(self, offered: list[TypeInfo], names: dict[str, str]) -> None:
        self._offered, self._names = offered, names

    def set_ranges(self, ranges: list[tuple[int, int, frozenset[str]]]) -> None:
        self.replace_with([(hhmm(start), hhmm(end), types) for start, end, types in ranges])

    def _drop(self, row: RangeRow) -> None:
        self._ranges.removeWidget(row)
        row.hide()
        row.deleteLater()

    def _append(self, start: str, end: str, types: frozenset[str]) -> RangeRow:
        row = RangeRow(start, end)
        row.types.set_types(self._offered, self._names, types)
        row.changed.connect(self.changed)
        row.remove_requested.connect(self.remove_range)
        self._ranges.addWidget(row)
        row.show()  # now, not at the next turn of the event loop: it takes the focus next
        self.rows.append(row)
        self.closed.hide()
        return row

    def add_range(self) -> RangeRow:
        row = self._append("", "", frozenset())
        self.structure_changed.emit()
        self.changed.emit()
        row.start.setFocus()
        return row

    def remove_range(self, row: RangeRow) -> None:
        index = self.rows.index(row)
        self.rows.remove(row)
        self._drop(row)
        self.closed.setVisible(not self.rows)
        self.structure_changed.emit()
        self.changed.emit()
        # Keep the keyboard near: the next range, else "Add a range".
        target = self.rows[min(index, len(self.rows) - 1)].start if self.rows else self.add_button
        target.setFocus()

    def values(self) -> list[tuple[str, str, frozenset[str]]]:
        return [(r.start.text(), r.end.text(), r.types.chosen) for r in self.rows]

    def replace_with(self, values: list[tuple[str, str, frozenset[str]]]) -> None:
        for row in self.rows:
            self._drop(row)
        self.rows = []
        for start, end, types in values:
            self._append(start, end, types)
        self.closed.setVisible(not self.rows)

    def preview(self) -> str:
        bits = []
        for row in self.rows:
            if row.is_blank():
                continue
            start, end = row.minutes()
            text = "{}–{}".format("?" if start is None else hhmm(start),
                                  "?" if end is None else hhmm(end))
            if row.types.chosen:
                text += " (" + types_summary(row.types.chosen, self._names) + ")"
            bits.append(text)
        return _("{day}: {ranges}").format(day=weekday_name(self.weekday),
                                           ranges=", ".join(bits) if bits else _("closed"))

    def focus_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for row in self.rows:
            chain += row.focus_chain()
        return chain + [self.add_button, self.copy_button]


class HoursEditor(QWidget):
    """Choose a practitioner and a set; edit its week; save replaces the set."""

    changed = Signal(list)  # practitioner ids whose hours were saved

    def __init__(self, service: AgendaSetupService, agenda, today: date, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._agenda = agenda
        self._today = today
        self._practitioners: list[PractitionerInfo] = []
        self._types: list[TypeInfo] = []
        self._choices: list[_SetChoice] = []
        self._shown: _SetChoice | None = None
        self._pid: str | None = None
        self._dirty = False
        self._loading = False

        self.title = label(_("Weekly hours"), "SectionTitle")
        self.hint = label(_("The usual week applies all year. A dated set (summer hours, "
                            "a new timetable from September…) replaces it whole on the "
                            "days it covers: a day without ranges is closed."), "Hint",
                          wrap=True)
        self.no_practitioner = label(_("No practitioner is set up in this practice yet."),
                                     "InfoBanner", wrap=True)
        self.no_practitioner.hide()
        self.practitioner = practitioner_combo([])
        self.practitioner.currentIndexChanged.connect(self._practitioner_chosen)
        self.set_choice = QComboBox()
        self.set_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.set_choice.setToolTip(_("Which set of weekly hours to edit"))
        self.set_choice.currentIndexChanged.connect(self._set_chosen)
        self.new_set_button = QPushButton(_("New dated set"))
        self.new_set_button.setToolTip(_("Hours for a period (summer, school holidays…), "
                                         "starting from a copy of the set shown"))
        self.new_set_button.clicked.connect(self.new_set)
        self.remove_set_button = QPushButton(_("Remove this set"))
        self.remove_set_button.clicked.connect(self.remove_set)

        self.valid_from = QLineEdit()
        self.valid_until = QLineEdit()
        for edit in (self.valid_from, self.valid_until):
            edit.setPlaceholderText(_("dd/mm/yyyy"))
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("00/00/00000") + 24)
            edit.textEdited.connect(self._mark_dirty)
        self.valid_from.setAccessibleName(_("First day"))
        self.valid_until.setAccessibleName(_("Last day"))
        self.from_error = FieldError()
        self.until_error = FieldError()
        self.dates_row = QWidget()
        dates = QHBoxLayout(self.dates_row)
        dates.setContentsMargins(0, 0, 0, 0)
        dates.addWidget(label(_("From")))
        dates.addWidget(with_error(self.valid_from, self.from_error), 0, Qt.AlignmentFlag.AlignTop)
        dates.addWidget(label(_("to (inclusive)")))
        dates.addWidget(with_error(self.valid_until, self.until_error), 0,
                        Qt.AlignmentFlag.AlignTop)
        dates.addWidget(label(_("Leave one date empty for no limit on that side."), "Hint",
                              wrap=True), 1)

        probe = label("", "SectionTitle")  # day names are set in the section title's font
        probe.ensurePolished()
        name_width = max(probe.fontMetrics().horizontalAdvance(weekday_name(d)) for d in WEEK)
        probe.deleteLater()
        self.days: list[DayRow] = []
        self.week = week = QWidget()
        week.setObjectName("CardBody")
        week_layout = QVBoxLayout(week)
        for d in WEEK:
            day = DayRow(d, name_width + 24)
            day.changed.connect(self._mark_dirty)
            day.structure_changed.connect(self._fix_tab_order)
            day.copy_requested.connect(self.copy_day)
            self.days.append(day)
            if d:
                line = QFrame()
                line.setFrameShape(QFrame.Shape.HLine)
                line.setStyleSheet("color: #e5e7eb;")
                week_layout.addWidget(line)
            week_layout.addWidget(day)
        week_layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(week)

        self.preview = label("", None, wrap=True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        preview_box = QWidget()
        preview_box.setObjectName("Card")
        preview_box.setMinimumWidth(200)
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(label(_("Summary"), "SectionTitle"))
        preview_layout.addWidget(self.preview)
        preview_layout.addStretch()

        self.banner = label("", "Banner", wrap=True)
        self.banner.hide()
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("Primary")
        self.save_button.setToolTip(_("Save these hours (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(_("Discard changes"))
        self.revert_button.clicked.connect(self.revert)

        top = QHBoxLayout()
        top.addWidget(label(_("Practitioner")))
        top.addWidget(self.practitioner)
        top.addSpacing(12)
        top.addWidget(label(_("Hours")))
        top.addWidget(self.set_choice)
        top.addWidget(self.new_set_button)
        top.addWidget(self.remove_set_button)
        top.addStretch()
        middle = QGridLayout()
        middle.addWidget(scroll, 0, 0)
        middle.addWidget(preview_box, 0, 1)
        middle.setColumnStretch(0, 4)
        middle.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.no_practitioner)
        layout.addLayout(top)
        layout.addWidget(self.dates_row)
        layout.addWidget(self.banner)
        layout.addLayout(middle, 1)
        layout.addLayout(buttons)

        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        self._sync_buttons()

    # -- reference data -------------------------------------------------------------
    def set_reference(self, practitioners: list[PractitionerInfo], types: list[TypeInfo]) -> None:
        """The practitioners to choose from and the types ranges may accept."""
        keep = self._pid
        self._practitioners = list(practitioners)
        self._types = list(types)
        self._loading = True
        self.practitioner.clear()
        for p in practitioners:
            self.practitioner.addItem(p.display_name, p.id)
        index = self.practitioner.findData(keep) if keep else -1
        self.practitioner.setCurrentIndex(max(0, index) if practitioners else -1)
        self._loading = False
        self.no_practitioner.setVisible(not practitioners)
        for w in (self.practitioner, self.set_choice, self.new_set_button, self.week):
            w.setEnabled(bool(practitioners))
        if self._dirty and self.practitioner.currentData() == keep:
            self._apply_types()  # keep the edits; only the menus change
            return
        same = self.practitioner.currentData() == keep and self._shown is not None
        self._pid = self.practitioner.currentData()
        self.reload(self._shown.key if same and self._shown.saved else None)

    def _apply_types(self) -> None:
        names = {t.id: t.name for t in self._types}
        offered = [t for t in self._types if t.active and self._pid and t.offered_by(self._pid)]
        for day in self.days:
            day.set_types(offered, names)
            for row in day.rows:
                row.types.set_types(offered, names, row.types.chosen)

    # -- sets -----------------------------------------------------------------------
    def reload(self, select: tuple | None = None) -> None:
        """Read the practitioner's sets again and show ``select`` (or the usual week)."""
        self._loading = True
        pid = self._pid
        sets: list[HoursSet] = self._service.hours(pid) if pid else []
        self._choices = [_SetChoice(s.valid_from, s.valid_until, s.ranges) for s in sets]
        if not any(c.key == (None, None) for c in self._choices):
            self._choices.insert(0, _SetChoice(None, None))
        self.set_choice.clear()
        for c in self._choices:
            title = set_title(*c.key)
            if c.valid_until is not None and c.valid_until < self._today:
                title += " " + _("(over)")
            self.set_choice.addItem(title)
        keys = [c.key for c in self._choices]
        index = keys.index(select) if select in keys else 0
        self.set_choice.setCurrentIndex(index)
        self._loading = False
        self._show(self._choices[index])

    def _show(self, choice: _SetChoice) -> None:
        self._loading = True
        self._shown = choice
        self._apply_types()
        by_day: dict[int, list] = {d: [] for d in WEEK}
        for weekday, start, end, types in choice.ranges:
            by_day[weekday].append((start, end, types))
        for day in self.days:
            day.set_ranges(by_day[day.weekday])
        self.dates_row.setVisible(choice.dated)
        self.valid_from.setText(format_date(choice.valid_from) if choice.valid_from else "")
        self.valid_until.setText(format_date(choice.valid_until) if choice.valid_until else "")
        self.remove_set_button.setVisible(choice.dated)
        self.remove_set_button.setText(_("Remove this set") if choice.saved
                                       else _("Drop this new set"))
        self._clear_errors()
        self._loading = False
        self._dirty = not choice.saved
        self._sync_buttons()
        self._fix_tab_order()
        self._update_preview()

    def _practitioner_chosen(self) -> None:
        if self._loading:
            return
        pid = self.practitioner.currentData()
        if pid == self._pid:
            return
        if not self.confirm_leave():
            self._loading = True
            self.practitioner.setCurrentIndex(self.practitioner.findData(self._pid))
            self._loading = False
            return
        self._pid = pid
        self.reload()

    def _set_chosen(self, index: int) -> None:
        if self._loading or not (0 <= index < len(self._choices)):
            return
        choice = self._choices[index]
        if choice is self._shown:
            return
        if not self.confirm_leave():
            self._loading = True
            self.set_choice.setCurrentIndex(self._choices.index(self._shown))
            self._loading = False
            return
        # Saving or discarding may have read the sets again: find the one chosen by its
        # dates (only the set being left can be an unsaved new one).
        self._dirty = False
        self._drop_unsaved_choice()
        self.reload(choice.key)

    def _drop_unsaved_choice(self) -> None:
        for i, c in enumerate(self._choices):
            if not c.saved:
                self._loading = True
                del self._choices[i]
                self.set_choice.removeItem(i)
                self._loading = False
                return

    def new_set(self) -> None:
        """A new dated set, starting from a copy of the shown week, dates to fill in."""
        if not self._pid or not self.confirm_leave():
            return
        self._drop_unsaved_choice()
        ranges = tuple((d.weekday, s, e, t) for d in self.days for s, e, t in
                       [(read_time(r.start.text()), read_time(r.end.text()), r.types.chosen)
                        for r in d.rows] if s is not None and e is not None)
        choice = _SetChoice(None, None, ranges, saved=False)
        self._choices.append(choice)
        self._loading = True
        self.set_choice.addItem(_("New dated set (not saved)"))
        self.set_choice.setCurrentIndex(len(self._choices) - 1)
        self._loading = False
        self._show(choice)
        self.valid_from.setFocus()

    def remove_set(self) -> bool:
        choice = self._shown
        if choice is None or not choice.dated:
            return False
        if not choice.saved:
            self._dirty = False
            self._drop_unsaved_choice()
            self.reload()
            return True
        box = message_box(QMessageBox.Icon.Question, _("Remove a set of hours"),
                          _("Remove the hours “{set}” of {name}? The usual week applies "
                            "again on those days.").format(
                              set=set_title(*choice.key), name=self.practitioner.currentText()),
                          parent=self)
        remove = box.addButton(_("Remove"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        if box.clickedButton() is not remove:
            return False
        self._service.set_hours(self._pid, [], valid_from=choice.valid_from,
                                valid_until=choice.valid_until)
        self._dirty = False
        self.reload()
        self.changed.emit([self._pid])
        return True

    # -- editing --------------------------------------------------------------------
    def copy_day(self, source: int, targets: list[int]) -> None:
        values = self.days[source].values()
        for t in targets:
            self.days[t].replace_with(values)
        self._fix_tab_order()
        self._mark_dirty()

    def _mark_dirty(self, *args) -> None:
        self._update_preview()
        if self._loading:
            return
        self._dirty = True
        self._sync_buttons()

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    def _sync_buttons(self) -> None:
        self.save_button.setEnabled(self._dirty and self._pid is not None)
        self.revert_button.setEnabled(self._dirty)

    def _update_preview(self) -> None:
        self.preview.setText("\n".join(day.preview() for day in self.days))

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = [self.valid_from, self.valid_until]
        for day in self.days:
            chain += day.focus_chain()
        chain += [self.revert_button, self.save_button]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def confirm_leave(self) -> bool:
        if not self._dirty:
            return True
        choice = ask_unsaved(self, _("The weekly hours have unsaved changes."))
        if choice == "save":
            return self.save()
        if choice == "discard":
            self.revert()
            return True
        return False

    def revert(self) -> None:
        if self._shown is not None and not self._shown.saved:
            self._dirty = False
            self._drop_unsaved_choice()
            self.reload()
            return
        self._dirty = False
        self.reload(self._shown.key if self._shown else None)

    # -- saving ---------------------------------------------------------------------
    def _clear_errors(self) -> None:
        self.banner.hide()
        for err, edit in ((self.from_error, self.valid_from),
                          (self.until_error, self.valid_until)):
            err.show_message("")
            mark_invalid(edit, False)
        for day in self.days:
            for row in day.rows:
                row.show_error("")

    def _dates(self) -> tuple[date | None, date | None] | None:
        """The set's validity as typed, or None after flagging what is wrong."""
        out = []
        for edit, err in ((self.valid_from, self.from_error),
                          (self.valid_until, self.until_error)):
            text = edit.text().strip()
            if not text:
                out.append(None)
                continue
            try:
                out.append(parse_day(text))
            except InvalidDate as exc:
                err.show_message(exc.user_message)
                mark_invalid(edit, True)
                return None
        if out == [None, None]:
            self.from_error.show_message(_("Give the first day, the last day, or both."))
            mark_invalid(self.valid_from, True)
            return None
        return out[0], out[1]

    def _fail(self, focus: QWidget | None) -> bool:
        self.banner.setText(_("The hours were not saved: correct what is marked in red."))
        self.banner.show()
        if focus is not None:
            focus.setFocus()
        return False

    def save(self) -> bool:
        if not self._pid or self._shown is None:
            return False
        self._clear_errors()
        shown = self._shown
        valid_from = valid_until = None
        if shown.dated:
            dates = self._dates()
            if dates is None:
                return self._fail(self.valid_from)
            valid_from, valid_until = dates
            others = {c.key for c in self._choices if c is not shown and c.saved}
            if (valid_from, valid_until) in others:
                self.from_error.show_message(_("Another set already has these dates: choose "
                                               "it in the list to change it."))
                mark_invalid(self.valid_from, True)
                return self._fail(self.valid_from)
        rows: list[RangeRow] = []
        ranges: list[HoursRange] = []
        for day in self.days:
            for row in day.rows:
                if not row.is_blank():
                    rows.append(row)
                    ranges.append(row.value(day.weekday))
        try:
            self._service.set_hours(self._pid, ranges, valid_from=valid_from,
                                    valid_until=valid_until)
        except ValidationError as exc:
            focus = None
            for key, message in exc.errors.items():
                if key.startswith("range") and key[5:].isdigit() and int(key[5:]) < len(rows):
                    row = rows[int(key[5:])]
                    row.show_error(message)
                    mark_invalid(row.start, True)
                    mark_invalid(row.end, True)
                    focus = focus or row.start
                elif key == "valid_until":
                    self.until_error.show_message(message)
                    mark_invalid(self.valid_until, True)
                    focus = focus or self.valid_until
            return self._fail(focus)
        if shown.saved and shown.dated and shown.key != (valid_from, valid_until):
            # The dates changed: the set under its old dates goes.
            self._service.set_hours(self._pid, [], valid_from=shown.valid_from,
                                    valid_until=shown.valid_until)
        self._dirty = False
        self.reload((valid_from, valid_until))
        self.changed.emit([self._pid])
        return True
