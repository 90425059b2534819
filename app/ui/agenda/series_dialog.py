"""Recurring series: plan one, see every date and its collisions BEFORE anything is
written, then create it without the dates in conflict (or, for the practice owner,
all of them over the refusals); and, for an appointment of a series, cancel it alone,
cancel the rest of the series, or move the rest to another time.

``SeriesDialog``: patient, practitioner, type, first day, time, weekdays (Monday to
Saturday), every N weeks, a number of appointments or an end date. "Check" plans the
series with ``SeriesService.plan_series`` and lists each date: free, or why not.
Changing a field drops the plan: it must be checked again before creating.

``series_actions_for(...)`` / ``series_actions(page, appointment_id)``: the actions an
agenda context menu or toolbar menu offers for an appointment of a series.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, ngettext
from app.models import AppointmentStatus, CancelReason
from app.services.agenda.series import (
    MAX_OCCURRENCES,
    Occurrence,
    SeriesInput,
    SeriesPlan,
    SeriesRefused,
    SeriesResult,
)
from app.services.agenda.service import OverrideNotAllowed, cancel_reason_labels
from app.services.dates import InvalidDate
from app.services.errors import NotFound, ValidationError
from app.ui.agenda.slot_finder import (
    PatientField,
    first_error,
    hhmm,
    parse_day,
    type_combo,
    type_text,
    weekday_short,
)
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import FieldError, label, result_table

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA")
DEFAULT_COUNT = 10
COLLISION_INK = QColor("#b91c1c")
WARNING_INK = QColor("#92400e")
_UPCOMING = (AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value)


def series_rule(weekdays: list[int], every_weeks: int, *, count: int | None = None,
                until: date | None = None) -> str:
    """The RFC 5545 rule of the dialog's choices: FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10."""
    parts = ["FREQ=WEEKLY"]
    if every_weeks > 1:
        parts.append(f"INTERVAL={every_weeks}")
    parts.append("BYDAY=" + ",".join(RRULE_DAYS[d] for d in sorted(set(weekdays))))
    parts.append(f"COUNT={count}" if until is None else f"UNTIL={until:%Y%m%d}")
    return ";".join(parts)


def occurrence_state(o: Occurrence) -> str:
    if o.blocking:
        return "\n".join(c.message for c in o.blocking)
    warnings = [c.message for c in o.conflicts if not c.blocking]
    return "\n".join([_("Free"), *warnings]) if warnings else _("Free")


class OccurrenceModel(RowTableModel):
    """The planned dates: number, day, time, free or the reasons it collides."""

    def __init__(self, zone, parent=None) -> None:
        super().__init__(["#", _("Day"), _("Time"), _("Check")], parent)
        self._rows: list[Occurrence]
        self._zone = zone

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return str(index.row() + 1)
            local = self._zone.local(row.starts_at)
            if col == 1:
                return format_date(local.date(), "EEE dd/MM/yyyy")
            if col == 2:
                return f"{local:%H:%M}"
            state = occurrence_state(row)
            return tooltip(state) if role == Qt.ItemDataRole.ToolTipRole else state.replace(
                "\n", " · ")
        if role == Qt.ItemDataRole.ForegroundRole and col == 3:
            if row.blocking:
                return COLLISION_INK
            if row.conflicts:
                return WARNING_INK
        return None


class SeriesDialog(QDialog):
    """``created(SeriesResult)`` once the series is written (then it closes)."""

    created = Signal(object)

    def __init__(self, workspace, parent=None, *, patient_id: str | None = None,
                 practitioner_id: str | None = None, type_id: str | None = None,
                 first_day: date | None = None, start_min: int | None = None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.plan: SeriesPlan | None = None
        self.result: SeriesResult | None = None
        self.setWindowTitle(_("Recurring appointments"))
        self.resize(720, 680)
        today = workspace.zone.today(workspace.clock.now())
        first_day = first_day or today
        self._types = workspace.agenda.types()
        self._practitioners = workspace.practitioners()

        self.patient = PatientField(workspace)
        self.practitioner = QComboBox()
        self.practitioner.setAccessibleName(_("Practitioner"))
        for p in self._practitioners:
            self.practitioner.addItem(p.display_name, p.id)
        if practitioner_id is not None:
            self.practitioner.setCurrentIndex(max(0, self.practitioner.findData(practitioner_id)))
        self.type = type_combo([])
        self._fill_types(type_id)
        self.first_day = QLineEdit(format_date(first_day))
        self.first_day.setAccessibleName(_("First day"))
        self.first_day.setMaximumWidth(120)
        self.start = QLineEdit(hhmm(start_min) if start_min is not None else "09:00")
        self.start.setAccessibleName(_("Time"))
        self.start.setMaximumWidth(80)
        self.weekdays = [QCheckBox(weekday_short(wd)) for wd in range(6)]
        if first_day.weekday() < 6:
            self.weekdays[first_day.weekday()].setChecked(True)
        self.every = QSpinBox()
        self.every.setRange(1, 52)
        self.every.setAccessibleName(_("Every how many weeks"))
        self.by_count = QRadioButton(_("Number of appointments"))
        self.count = QSpinBox()
        self.count.setRange(1, MAX_OCCURRENCES)
        self.count.setValue(DEFAULT_COUNT)
        self.by_until = QRadioButton(_("Until"))
        self.until = QLineEdit()
        self.until.setPlaceholderText(_("dd/mm/yyyy"))
        self.until.setMaximumWidth(120)
        self.end_group = QButtonGroup(self)
        self.end_group.addButton(self.by_count)
        self.end_group.addButton(self.by_until)
        self.by_count.setChecked(True)
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(_("Note on each appointment (optional)"))
        self.error = FieldError()

        self.model = OccurrenceModel(workspace.zone, self)
        self.table = result_table(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.summary = label(_("Check the series to see every date before anything is "
                               "booked."), "Muted", wrap=True)

        self.check_button = QPushButton(_("Check"))
        self.check_button.setObjectName("Primary")
        self.check_button.clicked.connect(self.check)
        self.create_button = QPushButton(_("Create (without the appointments in conflict)"))
        self.create_button.clicked.connect(lambda: self.create(force=False))
        self.force_button = QPushButton(_("Create all (force, owner)"))
        self.force_button.clicked.connect(lambda: self.create(force=True))
        self.force_button.setVisible(workspace.agenda.can_override)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        for b in (self.check_button, self.create_button, self.force_button, self.cancel_button):
            b.setAutoDefault(False)
        self.check_button.setDefault(True)  # Enter checks
        self.create_button.setToolTip(_("Ctrl+Enter, once the series is checked"))
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self._create_shortcut)
        QShortcut(QKeySequence("Ctrl+Enter"), self, activated=self._create_shortcut)

        self._layout()
        self.patient.set_patient(patient_id)
        self.practitioner.currentIndexChanged.connect(lambda _i: self._fill_types(
            self.type.currentData()))
        self.patient.chosen.connect(self._changed)
        for combo in (self.practitioner, self.type):
            combo.currentIndexChanged.connect(self._changed)
        for edit in (self.first_day, self.start, self.until, self.note):
            edit.textEdited.connect(self._changed)
        for box in (*self.weekdays, self.by_count, self.by_until):
            box.toggled.connect(self._changed)
        for spin in (self.every, self.count):
            spin.valueChanged.connect(self._changed)
        self._changed()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(_("Patient"), self.patient)
        form.addRow(_("Practitioner"), self.practitioner)
        form.addRow(_("Type"), self.type)
        when = QHBoxLayout()
        when.addWidget(self.first_day)
        when.addWidget(label(_("at")))
        when.addWidget(self.start)
        when.addStretch()
        form.addRow(_("First day"), when)
        days = QHBoxLayout()
        for box in self.weekdays:
            days.addWidget(box)
        days.addStretch()
        form.addRow(_("Days"), days)
        every = QHBoxLayout()
        every.addWidget(self.every)
        every.addWidget(label(_("week(s)")))
        every.addStretch()
        form.addRow(_("Every"), every)
        end = QHBoxLayout()
        end.addWidget(self.by_count)
        end.addWidget(self.count)
        end.addSpacing(16)
        end.addWidget(self.by_until)
        end.addWidget(self.until)
        end.addStretch()
        form.addRow(_("Ends"), end)
        form.addRow(_("Note"), self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addStretch()
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.force_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        (self.practitioner if self.patient.patient_id() else self.patient.edit).setFocus()

    def _fill_types(self, keep: str | None) -> None:
        pid = self.practitioner.currentData()
        self.type.blockSignals(True)
        self.type.clear()
        for t in self._types:
            if pid is None or t.offered_by(pid):
                self.type.addItem(type_text(t), t.id)
        self.type.setCurrentIndex(max(0, self.type.findData(keep)))
        self.type.blockSignals(False)

    # -- planning ------------------------------------------------------------------------
    def _changed(self, *_args) -> None:
        """A choice changed: the plan shown no longer holds."""
        self.plan = None
        self.model.set_rows([])
        self.summary.setText(_("Check the series to see every date before anything is "
                               "booked."))
        self.create_button.setEnabled(False)
        self.force_button.setEnabled(False)
        self.until.setEnabled(self.by_until.isChecked())
        self.count.setEnabled(self.by_count.isChecked())

    def series_input(self) -> SeriesInput | None:
        """What the fields say; None (and the reason shown) when they cannot be read."""
        self.error.show_message("")
        if not self.patient.patient_id():
            self.patient.show_error(_("Choose the patient."))
            return None
        if self.practitioner.currentData() is None:
            self.error.show_message(_("Choose a practitioner."))
            return None
        try:
            first = parse_day(self.first_day.text())
        except InvalidDate:
            self.error.show_message(_("Write the first day as 16/03/2026."))
            return None
        until = None
        if self.by_until.isChecked():
            try:
                until = parse_day(self.until.text())
            except InvalidDate:
                self.error.show_message(_("Write the end date as 16/03/2026."))
                return None
            if until < first:
                self.error.show_message(_("The end date is before the first day."))
                return None
        days = [wd for wd, box in enumerate(self.weekdays) if box.isChecked()]
        if not days:
            if first.weekday() > 5:
                self.error.show_message(_("Tick the days of the week."))
                return None
            days = [first.weekday()]
        rule = series_rule(days, self.every.value(), count=self.count.value(), until=until)
        return SeriesInput(self.practitioner.currentData(), self.patient.patient_id(),
                           self.type.currentData(), first, self.start.text().strip(), rule,
                           note=self.note.text())

    def check(self) -> SeriesPlan | None:
        data = self.series_input()
        if data is None:
            return None
        try:
            plan = self._ws.series.plan_series(data)
        except ValidationError as exc:
            self.error.show_message(first_error(exc))
            return None
        self._show_plan(plan)
        return plan

    def _show_plan(self, plan: SeriesPlan) -> None:
        self.plan = plan
        self.model.set_rows(plan.occurrences)
        n, bad = len(plan.occurrences), len(plan.collisions)
        text = ngettext("{n} appointment planned", "{n} appointments planned", n).format(n=n)
        if bad:
            text += " — " + ngettext(
                "{n} in conflict: it will not be created unless forced.",
                "{n} in conflict: they will not be created unless forced.", bad).format(n=bad)
        else:
            text += " — " + _("all free.")
        self.summary.setText(text)
        self.create_button.setEnabled(n > bad)
        self.create_button.setText(_("Create (without the appointments in conflict)") if bad
                                   else _("Create"))
        self.force_button.setEnabled(bool(bad))
        if bad:
            first_bad = next(i for i, o in enumerate(plan.occurrences) if o.blocking)
            self.table.selectRow(first_bad)
        elif n:
            self.table.selectRow(0)

    def _create_shortcut(self) -> None:
        if self.create_button.isEnabled():
            self.create(force=False)

    def create(self, *, force: bool) -> SeriesResult | None:
        if self.plan is None:
            return None
        try:
            result = self._ws.series.create_series(self.plan, skip_conflicts=not force,
                                                   override=force)
        except SeriesRefused as exc:
            # Someone booked one of the dates since the check: show the new picture.
            self.check()
            self.error.show_message(exc.user_message)
            return None
        except OverrideNotAllowed as exc:
            self.error.show_message(exc.user_message)
            return None
        except ValidationError as exc:
            self.check()
            self.error.show_message(first_error(exc))
            return None
        self.result = result
        self.created.emit(result)
        self.accept()
        return result


# -- an appointment of a series ------------------------------------------------------------
class SeriesCancelDialog(QDialog):
    """Who cancelled, and a note; for one occurrence or the rest of the series."""

    def __init__(self, summary: str, confirm_text: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Cancel in a series"))
        layout = QVBoxLayout(self)
        self.summary = label(summary, "SectionTitle", wrap=True)
        layout.addWidget(self.summary)
        layout.addWidget(label(_("Who cancelled?")))
        labels = cancel_reason_labels()
        self.reasons: dict[str, QRadioButton] = {}
        group = QButtonGroup(self)
        for value in (CancelReason.BY_PATIENT.value, CancelReason.BY_PRACTICE.value):
            radio = QRadioButton(labels[value])
            group.addButton(radio)
            layout.addWidget(radio)
            self.reasons[value] = radio
        self.reasons[CancelReason.BY_PATIENT.value].setChecked(True)
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(_("Note (optional, administrative only)"))
        layout.addWidget(self.note)
        self.error = FieldError()
        layout.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch()
        self.confirm = QPushButton(confirm_text)
        self.confirm.setObjectName("Primary")
        self.confirm.setDefault(True)
        self.keep = QPushButton(_("Do not cancel"))
        self.keep.clicked.connect(self.reject)
        row.addWidget(self.confirm)
        row.addWidget(self.keep)
        layout.addLayout(row)

    def reason(self) -> str:
        return next(v for v, r in self.reasons.items() if r.isChecked())


class SeriesMoveDialog(QDialog):
    """The new time for this occurrence and the later ones; collisions are listed and,
    for the practice owner, "Move anyway"."""

    def __init__(self, summary: str, start_min: int, *, can_override: bool,
                 parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Move the rest of the series"))
        layout = QVBoxLayout(self)
        layout.addWidget(label(summary, "SectionTitle", wrap=True))
        form = QFormLayout()
        self.start = QLineEdit(hhmm(start_min))
        self.start.setAccessibleName(_("New time"))
        self.start.setMaximumWidth(80)
        form.addRow(_("New time"), self.start)
        layout.addLayout(form)
        self.error = FieldError()
        layout.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch()
        self.confirm = QPushButton(_("Move"))
        self.confirm.setObjectName("Primary")
        self.confirm.setDefault(True)
        self.force = QPushButton(_("Move anyway (owner)"))
        self.force.setAutoDefault(False)
        self.force.hide()
        self._can_override = can_override
        self.keep = QPushButton(_("Cancel"))
        self.keep.setAutoDefault(False)
        self.keep.clicked.connect(self.reject)
        row.addWidget(self.confirm)
        row.addWidget(self.force)
        row.addWidget(self.keep)
        layout.addLayout(row)
        self.start.textEdited.connect(lambda _t: self.force.hide())

    def show_refusal(self, message: str) -> None:
        self.error.show_message(message)
        self.force.setVisible(self._can_override)


def _remaining(workspace, series_id: str, starts_at: datetime) -> int:
    return sum(1 for a in workspace.series.occurrences(series_id, include_cancelled=False)
               if a.starts_at >= starts_at and a.status in _UPCOMING)


def series_actions_for(workspace, appointment_id: str, parent: QWidget, *,
                       on_cancelled: Callable[[str], None] | None = None,
                       on_changed: Callable[[], None] | None = None) -> list[QAction]:
    """The series actions for ``appointment_id``: [] if it is not part of a series.

    ``on_cancelled(appointment_id)`` after one occurrence alone was cancelled (its time
    is free: whom to call from the waiting list); ``on_changed()`` after any change.
    """
    brief = workspace.appointment_brief(appointment_id)
    if brief is None or not brief.series_id:
        return []
    series_id = brief.series_id
    zone = workspace.zone
    upcoming = brief.status in _UPCOMING
    local = zone.local(brief.starts_at)
    when = f"{format_date(local.date(), 'EEEE d MMMM y')} {local:%H:%M}"

    def changed() -> None:
        if on_changed is not None:
            on_changed()

    def cancel_one() -> None:
        dialog = SeriesCancelDialog(_("Cancel the appointment of {when} only; the rest of "
                                      "the series stays.").format(when=when),
                                    _("Cancel this appointment"), parent)

        def confirmed() -> None:
            try:
                workspace.series.cancel_occurrence(appointment_id, dialog.reason(),
                                                   dialog.note.text())
            except (ValidationError, NotFound) as exc:
                dialog.error.show_message(first_error(exc) if isinstance(exc, ValidationError)
                                          else _("This appointment no longer exists."))
                return
            dialog.accept()
            changed()
            if on_cancelled is not None:
                on_cancelled(appointment_id)

        dialog.confirm.clicked.connect(confirmed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def cancel_rest() -> None:
        n = _remaining(workspace, series_id, brief.starts_at)
        dialog = SeriesCancelDialog(ngettext(
            "Cancel the appointment of {when}: it is the last one to come in the series.",
            "Cancel the appointment of {when} and the later ones of the series: {n} "
            "appointments.", n).format(when=when, n=n),
            _("Cancel the rest of the series"), parent)

        def confirmed() -> None:
            try:
                workspace.series.cancel_remaining(series_id, appointment_id, dialog.reason(),
                                                  dialog.note.text())
            except (ValidationError, NotFound) as exc:
                dialog.error.show_message(first_error(exc) if isinstance(exc, ValidationError)
                                          else _("This appointment no longer exists."))
                return
            dialog.accept()
            changed()

        dialog.confirm.clicked.connect(confirmed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def move_rest() -> None:
        later = _remaining(workspace, series_id, brief.starts_at) - 1
        if later > 0:
            summary = ngettext(
                "Move the appointment of {when} and the later one of the series to another "
                "time, each on its own day.",
                "Move the appointment of {when} and the {n} later ones of the series to "
                "another time, each on its own day.", later).format(when=when, n=later)
        else:
            summary = _("Move the appointment of {when} to another time.").format(when=when)
        dialog = SeriesMoveDialog(summary, zone.wall_minute(brief.starts_at),
                                  can_override=workspace.agenda.can_override, parent=parent)

        def confirmed(force: bool) -> None:
            try:
                workspace.series.move_remaining(series_id, appointment_id,
                                                dialog.start.text().strip(), override=force)
            except SeriesRefused as exc:
                dialog.show_refusal(exc.user_message)
                return
            except OverrideNotAllowed as exc:
                dialog.error.show_message(exc.user_message)
                return
            except ValidationError as exc:
                dialog.error.show_message(first_error(exc))
                return
            except NotFound:
                dialog.error.show_message(_("This appointment no longer exists."))
                return
            dialog.accept()
            changed()

        dialog.confirm.clicked.connect(lambda: confirmed(False))
        dialog.force.clicked.connect(lambda: confirmed(True))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    actions = []
    for text, slot in ((_("Cancel this appointment only…"), cancel_one),
                       (_("Cancel this one and the rest of the series…"), cancel_rest),
                       (_("Move the rest of the series to another time…"), move_rest)):
        action = QAction(text, parent)
        action.setEnabled(upcoming)
        action.triggered.connect(slot)
        actions.append(action)
    return actions


def series_actions(page, appointment_id: str) -> list[QAction]:
    """For the agenda page's menus: the series actions of ``appointment_id`` ([] if it
    is not part of a series). Cancelling one occurrence alone is told like any other
    cancellation on the page (``appointment_cancelled``)."""
    return series_actions_for(page.workspace, appointment_id, page,
                              on_cancelled=page.appointment_cancelled.emit)
