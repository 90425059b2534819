"""Absences of one practitioner (holidays, training, sick leave): the list, adding one
with an optional replacement, removing one. Times are the practice's wall clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, ngettext
from app.services.agenda.setup import AbsenceInfo, AbsenceInput, AgendaSetupService, absence_kind_labels
from app.services.agenda.zone import PracticeTime
from app.services.dates import InvalidDate
from app.services.errors import NotFound, ValidationError
from app.services.practice import PractitionerInfo
from app.ui.agenda_settings.common import hhmm, parse_day, practitioner_combo, with_error
from app.ui.agenda_settings.hours_editor import read_time
from app.ui.plain import message_box, tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import FieldError, card_frame, label, mark_invalid, result_table

PAST_INK = QColor("#9ca3af")


def day_text(day: date) -> str:
    """"lun. 16/03/2026": the weekday helps catch a wrong date."""
    return format_date(day, "EEE dd/MM/yyyy")


def span_text(zone: PracticeTime, starts_at: datetime, ends_at: datetime) -> tuple[str, str]:
    """(from, to) as the secretary reads them: whole days without hours, the last day
    inclusive; otherwise the day and the practice's time."""
    start, end = zone.local(starts_at), zone.local(ends_at)
    if zone.wall_minute(starts_at) == 0 and zone.wall_minute(ends_at) == 0:
        return day_text(start.date()), day_text(end.date() - timedelta(days=1))
    return (f"{day_text(start.date())} {start:%H:%M}", f"{day_text(end.date())} {end:%H:%M}")


class AbsenceTableModel(RowTableModel):
    def __init__(self, zone: PracticeTime, parent=None) -> None:
        super().__init__([_("From"), _("To (inclusive)"), _("Kind"), _("Replaced by"),
                          _("Note")], parent)
        self._rows: list[AbsenceInfo]
        self._zone = zone
        self._names: dict[str, str] = {}
        self._past_before: datetime | None = None

    def set_names(self, names: dict[str, str]) -> None:
        self._names = names

    def set_now(self, now: datetime) -> None:
        self._past_before = now

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(self._text(row, col))
        if (role == Qt.ItemDataRole.ForegroundRole and self._past_before is not None
                and row.ends_at <= self._past_before):
            return PAST_INK
        return None

    def _text(self, row, col: int) -> str:
        if col <= 1:
            return span_text(self._zone, row.starts_at, row.ends_at)[col]
        if col == 2:
            return absence_kind_labels().get(row.kind, row.kind)
        if col == 3:
            return self._names.get(row.replacement_id, "?") if row.replacement_id else "—"
        return row.note


class AbsencesEditor(QWidget):
    """Choose a practitioner; the list of their absences; the card to add one."""

    changed = Signal(list)  # absence ids added or removed

    def __init__(self, service: AgendaSetupService, agenda, zone: PracticeTime, clock,
                 parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._agenda = agenda
        self._zone = zone
        self._clock = clock
        self._practitioners: list[PractitionerInfo] = []

        self.title = label(_("Absences"), "SectionTitle")
        self.hint = label(_("Holidays, training, sick leave: the agenda is closed for the "
                            "practitioner during an absence. Times are the practice's."),
                          "Hint", wrap=True)
        self.practitioner = practitioner_combo([])
        self.practitioner.currentIndexChanged.connect(self.refresh)
        self.show_past = QCheckBox(_("Show past absences"))
        self.show_past.toggled.connect(self.refresh)
        self.model = AbsenceTableModel(zone, self)
        self.table = result_table(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(self._sync_remove)
        self.empty_hint = label("", "InfoBanner", wrap=True)
        self.empty_hint.hide()
        self.remove_button = QPushButton(_("Remove the absence…"))
        self.remove_button.setToolTip(_("Remove the selected absence (Delete)"))
        self.remove_button.clicked.connect(self.remove_current)

        # -- the card to add one --
        self.heading = label(_("New absence"), "PageTitle", wrap=True)
        self.banner = label("", "Banner", wrap=True)
        self.banner.hide()
        self.booked = label("", "InfoBanner", wrap=True)
        self.booked.hide()
        self.all_day = QCheckBox(_("Whole days"))
        self.all_day.setChecked(True)
        self.all_day.toggled.connect(self._all_day_toggled)
        self.from_day = QLineEdit()
        self.to_day = QLineEdit()
        self.from_time = QLineEdit()
        self.to_time = QLineEdit()
        for edit in (self.from_day, self.to_day):
            edit.setPlaceholderText(_("dd/mm/yyyy"))
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        for edit, example in ((self.from_time, "08:00"), (self.to_time, "12:00")):
            edit.setPlaceholderText(example)
            edit.setMaxLength(5)
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("00:00") + 24)
            edit.editingFinished.connect(lambda edit=edit: self._tidy_time(edit))
        self.from_day.setAccessibleName(_("First day"))
        self.to_day.setAccessibleName(_("Last day"))
        self.from_time.setAccessibleName(_("Start time"))
        self.to_time.setAccessibleName(_("End time"))
        self.kind = QComboBox()
        for value, text in absence_kind_labels().items():
            self.kind.addItem(text, value)
        self.replacement = QComboBox()
        self.replacement.setToolTip(_("Who sees this practitioner's patients meanwhile"))
        self.note = QLineEdit()
        # Short enough for the field; the example is in the tooltip.
        self.note.setPlaceholderText(_("Shown in the agenda"))
        self.note.setToolTip(_("Shown in the agenda, e.g. the reason or a phone number"))
        self.note.setMaxLength(200)
        self.add_button = QPushButton(_("Add the absence"))
        self.add_button.setObjectName("Primary")
        self.add_button.setToolTip(_("Add the absence (Ctrl+S)"))
        self.add_button.clicked.connect(self.add)
        self.clear_button = QPushButton(_("Clear"))
        self.clear_button.clicked.connect(self.new_absence)

        self.edits = {"from": self.from_day, "end": self.to_day, "kind": self.kind,
                      "replacement": self.replacement}
        self.errors = {k: FieldError() for k in self.edits}
        self.from_line = self._day_and_time(self.from_day, self.from_time)
        self.to_line = self._day_and_time(self.to_day, self.to_time)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("", self.all_day)
        form.addRow(_("From") + " *", with_error(self.from_line, self.errors["from"]))
        form.addRow(_("To (inclusive)") + " *", with_error(self.to_line, self.errors["end"]))
        form.addRow(_("Kind"), with_error(self.kind, self.errors["kind"]))
        form.addRow(_("Replaced by"), with_error(self.replacement, self.errors["replacement"]))
        form.addRow(_("Note"), self.note)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.add_button)
        card = QWidget()
        card.setObjectName("Card")
        card.setMinimumWidth(380)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(16, 12, 16, 12)
        card_body = QWidget()
        card_frame(card_body, [self.heading, self.banner, self.booked], form, buttons)
        card_layout.addWidget(card_body)

        top = QHBoxLayout()
        top.addWidget(label(_("Practitioner")))
        top.addWidget(self.practitioner)
        top.addSpacing(12)
        top.addWidget(self.show_past)
        top.addStretch()
        under = QHBoxLayout()
        under.addStretch()
        under.addWidget(self.remove_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        left_layout.addWidget(self.title)
        left_layout.addWidget(self.hint)
        left_layout.addLayout(top)
        left_layout.addWidget(self.empty_hint)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(under)
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(card)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        chain = [self.all_day, self.from_day, self.from_time, self.to_day, self.to_time,
                 self.kind, self.replacement, self.note, self.clear_button, self.add_button]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_absence)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.add)
        self._all_day_toggled(True)
        self._sync_remove()

    @staticmethod
    def _day_and_time(day: QLineEdit, time: QLineEdit) -> QWidget:
        box = QWidget()
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(day)
        line.addWidget(time)
        line.addStretch()
        return box

    # -- reference data -------------------------------------------------------------
    def set_practitioners(self, practitioners: list[PractitionerInfo]) -> None:
        keep = self.practitioner.currentData()
        self._practitioners = list(practitioners)
        self.practitioner.blockSignals(True)
        self.practitioner.clear()
        for p in practitioners:
            self.practitioner.addItem(p.display_name, p.id)
        self.practitioner.setCurrentIndex(max(0, self.practitioner.findData(keep)))
        self.practitioner.blockSignals(False)
        for w in (self.practitioner, self.show_past, self.add_button, self.clear_button):
            w.setEnabled(bool(practitioners))
        self.refresh()

    @property
    def practitioner_id(self) -> str | None:
        return self.practitioner.currentData()

    def _fill_replacements(self) -> None:
        keep = self.replacement.currentData()
        self.replacement.clear()
        self.replacement.addItem(_("No replacement"), None)
        for p in self._practitioners:
            if p.id != self.practitioner_id:
                self.replacement.addItem(p.display_name, p.id)
        self.replacement.setCurrentIndex(max(0, self.replacement.findData(keep)))

    # -- the list -------------------------------------------------------------------
    def refresh(self, *args) -> None:
        pid = self.practitioner_id
        now = self._clock.now()
        rows = self._service.absences(pid) if pid else []
        if not self.show_past.isChecked():
            rows = [a for a in rows if a.ends_at > now]
        self.model.set_names(self._agenda.practitioner_names())
        self.model.set_now(now)
        self.model.set_rows(rows)
        self._fill_replacements()
        name = self.practitioner.currentText()
        if rows:
            self.empty_hint.hide()
        elif pid is None:
            self.empty_hint.setText(_("No practitioner is set up in this practice yet."))
            self.empty_hint.show()
        else:
            self.empty_hint.setText(
                _("No absence planned for {name}. Add one with the card on the right.").format(
                    name=name) if not self.show_past.isChecked()
                else _("No absence recorded for {name}.").format(name=name))
            self.empty_hint.show()
        self._sync_remove()

    def _sync_remove(self, *args) -> None:
        self.remove_button.setEnabled(self.table.currentIndex().isValid())

    def current_absence(self) -> AbsenceInfo | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def remove_current(self) -> bool:
        absence = self.current_absence()
        if absence is None:
            return False
        first, last = span_text(self._zone, absence.starts_at, absence.ends_at)
        box = message_box(QMessageBox.Icon.Question, _("Remove an absence"),
                          _("Remove the absence of {name} from {first} to {last}? The agenda "
                            "opens again at those times.").format(
                              name=self.practitioner.currentText(), first=first, last=last),
                          parent=self)
        remove = box.addButton(_("Remove"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        if box.clickedButton() is not remove:
            return False
        try:
            self._service.remove_absence(absence.id)
        except NotFound:
            pass  # removed elsewhere meanwhile: what was asked
        self.refresh()
        self.changed.emit([absence.id])
        return True

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Delete:
            self.remove_current()
            return True
        return super().eventFilter(obj, event)

    # -- the card -------------------------------------------------------------------
    def _all_day_toggled(self, checked: bool) -> None:
        self.from_time.setVisible(not checked)
        self.to_time.setVisible(not checked)

    def _tidy_time(self, edit: QLineEdit) -> None:
        minute = read_time(edit.text())
        if minute is not None:
            edit.setText(hhmm(minute))

    def new_absence(self) -> None:
        for edit in (self.from_day, self.to_day, self.from_time, self.to_time, self.note):
            edit.clear()
        self.all_day.setChecked(True)
        self.kind.setCurrentIndex(0)
        self.replacement.setCurrentIndex(0)
        self._clear_errors()
        self.booked.hide()
        self.from_day.setFocus()

    def _clear_errors(self) -> None:
        self.banner.hide()
        for err in self.errors.values():
            err.show_message("")
        for edit in (self.from_day, self.to_day, self.from_time, self.to_time):
            mark_invalid(edit, False)

    def _instant(self, day_edit: QLineEdit, time_edit: QLineEdit, key: str, *,
                 end: bool) -> datetime | None:
        """The instant typed, in UTC, or None after flagging the field."""
        try:
            day = parse_day(day_edit.text())
        except InvalidDate as exc:
            self.errors[key].show_message(exc.user_message)
            mark_invalid(day_edit, True)
            return None
        if self.all_day.isChecked():
            # Whole days: from the first day's midnight to the one after the last day.
            return self._zone.to_utc(day + timedelta(days=1) if end else day, 0)
        minute = read_time(time_edit.text())
        if minute is None:
            self.errors[key].show_message(_("Write times as 08:30."))
            mark_invalid(time_edit, True)
            return None
        return self._zone.to_utc(day, minute)

    def collect(self) -> AbsenceInput | None:
        pid = self.practitioner_id
        starts = self._instant(self.from_day, self.from_time, "from", end=False)
        if not self.to_day.text().strip() and self.from_day.text().strip():
            self.to_day.setText(self.from_day.text())  # a single day
        ends = self._instant(self.to_day, self.to_time, "end", end=True)
        if pid is None or starts is None or ends is None:
            return None
        return AbsenceInput(practitioner_id=pid, starts_at=starts, ends_at=ends,
                            kind=self.kind.currentData(), note=self.note.text(),
                            replacement_id=self.replacement.currentData())

    def add(self) -> bool:
        self._clear_errors()
        self.booked.hide()
        data = self.collect()
        if data is None:
            return self._fail()
        try:
            info = self._service.add_absence(data)
        except ValidationError as exc:
            for key, message in exc.errors.items():
                if key in self.errors:
                    self.errors[key].show_message(message)
                    if isinstance(self.edits[key], QLineEdit):
                        mark_invalid(self.edits[key], True)
            return self._fail()
        self.refresh()
        row = self.model.row_of(info.id)
        if row >= 0:
            self.table.selectRow(row)
        self._warn_booked(info)
        booked_text, booked_visible = self.booked.text(), self.booked.isVisible()
        self.new_absence()
        self.booked.setText(booked_text)
        self.booked.setVisible(booked_visible)
        self.changed.emit([info.id])
        return True

    def _fail(self) -> bool:
        self.banner.setText(_("The absence was not added: correct the fields marked in red."))
        self.banner.show()
        for edit in (self.from_day, self.from_time, self.to_day, self.to_time):
            if edit.property("invalid") == "true":
                edit.setFocus()
                break
        return False

    def _warn_booked(self, info: AbsenceInfo) -> None:
        """Appointments already booked in the absence: the secretary has calls to make."""
        first, last = self._zone.day_of(info.starts_at), self._zone.day_of(info.ends_at)
        booked = [a for a in self._agenda.appointments([info.practitioner_id], first, last,
                                                       include_cancelled=False)
                  if a.starts_at < info.ends_at and a.ends_at > info.starts_at]
        if not booked:
            self.booked.hide()
            return
        self.booked.setText(ngettext(
            "The absence is added. {n} appointment is already booked during it: move or "
            "cancel it in the agenda.",
            "The absence is added. {n} appointments are already booked during it: move or "
            "cancel them in the agenda.", len(booked)).format(n=len(booked)))
        self.booked.show()
