"""The appointment dialog: book a new appointment, or open one to change it.

Patient (type-ahead), practitioner, motif (which sets the length), day and start in
the practice's time (the workstation's own time is shown beside it when it differs),
length, an administrative note. Above them, the consignes of the practitioner and of the
practice for that day and motif. As the fields change, the booking guard is asked what
it thinks: blocking reasons in red, warnings in amber; saving still goes through the
guard, whose refusal offers the owner an explicit, recorded "book anyway".

The patient's phone numbers show under their name, with "Open the patient card" (the
Patients screen, that card) when the page offers it. Opened on an existing appointment
it adds its status (applied at once), "Cancel the appointment…", "Move…" (the slot
finder, when the page has it), the override note if it was booked over a refusal, and a History tab
with every change: when, who, what changed from what to what.

Keyboard: Ctrl+S or Enter saves, Escape closes (asking first about unsaved changes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date
from app.models.agenda import MAX_APPOINTMENT_MINUTES, AppointmentStatus
from app.services.agenda.service import BookingRefused, cancel_reason_labels, status_labels
from app.services.agenda.views import AppointmentView, BookingInput, HistoryEntry, TypeInfo
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.practice import PractitionerInfo
from app.services.timeline import erased_detail
from app.services.workspace import Workspace
from app.ui.agenda.cancel_dialog import ask_cancel
from app.ui.agenda.grid_data import hhmm
from app.ui.agenda.patient_links import open_card_text, phone_texts
from app.ui.agenda.patient_picker import PatientPicker
from app.ui.patients.new_patient_dialog import NewPatientDialog
from app.ui.agenda.refusal import BULLET, run_guarded, show_failure
from app.ui.consignes.notes import ConsigneNotes
from app.ui.plain import tooltip
from app.ui.widgets import FieldError, ask_unsaved, label

_START = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?\s*$")
_COMPACT_START = re.compile(r"^\s*(\d{1,2})(\d{2})\s*$")

# The statuses the secretary sets by hand, in the order a patient goes through them.
STATUS_CHOICES = (AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value,
                  AppointmentStatus.ARRIVED.value, AppointmentStatus.IN_CONSULTATION.value,
                  AppointmentStatus.SEEN.value, AppointmentStatus.NO_SHOW.value)


def parse_start(text: str) -> int:
    """"9", "9h", "09:30", "9h30", "930", "1030" -> minutes after midnight; ValueError."""
    m = _START.match(text) or _COMPACT_START.match(text)
    if not m:
        raise ValueError(text)
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ValueError(text)
    return hour * 60 + minute


def conflict_words(kinds: str) -> str:
    words = {"overlap": _("overlapping another appointment"), "absence": _("during an absence"),
             "closed": _("outside opening hours"), "holiday": _("on a public holiday"),
             "type_not_here": _("motif not offered in these hours")}
    return ", ".join(words.get(k, k) for k in kinds.split(",") if k)


def action_label(entry: HistoryEntry) -> str:
    labels = {"create": _("Booked"), "update": _("Changed"), "move": _("Moved"),
              "cancel": _("Cancelled"), "status": _("Status changed"),
              "override": _("Booked over a refusal"), "confirm": _("Confirmation call"),
              "erase": _("Erased")}
    return labels.get(entry.action, entry.action)


def history_details(entry: HistoryEntry) -> str:
    parts = [_("{field}: {before} → {after}").format(field=f, before=b or "—", after=a or "—")
             for f, b, a in entry.changes]
    if entry.action == "override" and entry.detail:
        parts.append(_("over: {reasons}").format(reasons=conflict_words(entry.detail)))
    elif entry.action == "cancel" and entry.detail and not entry.changes:
        parts.append(cancel_reason_labels().get(entry.detail, entry.detail))
    elif entry.action == "erase":
        parts.append(erased_detail(entry.detail))
    return "; ".join(parts)


class AppointmentDialog(QDialog):
    """``written(ids, warnings)`` after each write (a booking, a change, a status, a
    cancellation); ``cancelled(id)`` after a cancellation. ``appointment`` is the
    appointment as last written (None until a new one is booked); ``moved(before, after,
    warnings)`` when a save changed its time or practitioner."""

    written = Signal(list, tuple)
    cancelled = Signal(str)
    moved = Signal(object, object, tuple)  # before, after (AppointmentView), warnings

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, *,
                 appointment_id: str | None = None, practitioner_id: str = "",
                 day: date | None = None, start_min: int | None = None,
                 length: int | None = None, patient_id: str | None = None,
                 type_id: str | None = None,
                 practitioners: list[PractitionerInfo] | None = None,
                 types: list[TypeInfo] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AppointmentDialog")
        self._ws = workspace
        self._agenda = workspace.agenda
        self._zone = workspace.zone
        self._practitioners = practitioners if practitioners is not None else \
            workspace.practitioners()
        self._types = types if types is not None else self._agenda.types()
        self.appointment: AppointmentView | None = None
        if appointment_id is not None:
            self.appointment = self._agenda.get(appointment_id)  # an audited read
        self._filling = True

        self.patient = PatientPicker(
            workspace.patients, self._agenda,
            new_patient=lambda typed, parent: NewPatientDialog(workspace, typed, parent))
        self.practitioner = QComboBox()
        for p in self._practitioners:
            self.practitioner.addItem(p.display_name, p.id)
        self.type = QComboBox()
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.start = QLineEdit()
        self.start.setObjectName("StartTime")
        self.start.setMaximumWidth(80)
        self.start.setPlaceholderText("09:00")
        self.start.setToolTip(_("Practice time, e.g. 9h30 or 09:30"))
        self.local_time = label("", "Hint")
        self.duration = QSpinBox()
        self.duration.setRange(5, MAX_APPOINTMENT_MINUTES)
        self.duration.setSingleStep(5)
        self.duration.setSuffix(" min")
        self.end_label = label("", "Muted")
        self.phones = label("", "Muted", wrap=True)
        self.phones.setObjectName("PatientPhones")
        self.phones.hide()
        self.open_card_button = QPushButton(open_card_text())
        self.open_card_button.setObjectName("OpenPatientCard")
        self.open_card_button.setAutoDefault(False)
        self.open_card_button.clicked.connect(self.open_card)
        self.open_card_button.hide()
        self._open_card: Callable[[str], object] | None = None
        self.move_button = QPushButton(_("Move…"))
        self.move_button.setToolTip(_("Find another time with the slot finder"))
        self.move_button.setAutoDefault(False)
        self.move_button.clicked.connect(self.move_elsewhere)
        self.move_button.hide()
        self._move: Callable[[str], object] | None = None
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(_("Administrative note only (no medical information)"))
        self.errors = FieldError()
        self.blocking = FieldError()
        self.blocking.setObjectName("FieldError")
        self.warnings = label("", "WarnText", wrap=True)
        self.warnings.hide()
        self.override_note = label("", "WarnText", wrap=True)
        self.override_note.hide()

        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("Primary")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(_("Save (Ctrl+S or Enter)"))
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton(_("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)

        when = QHBoxLayout()
        when.setSpacing(8)
        when.addWidget(self.date)
        when.addWidget(label(_("at")))
        when.addWidget(self.start)
        when.addWidget(self.local_time)
        when.addStretch()
        length_row = QHBoxLayout()
        length_row.setSpacing(10)
        length_row.addWidget(self.duration)
        length_row.addWidget(self.end_label)
        length_row.addStretch()
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.addRow(_("Patient"), self.patient)
        reach = QHBoxLayout()
        reach.setSpacing(8)
        reach.addWidget(self.phones, 1)
        reach.addWidget(self.open_card_button)
        form.addRow("", reach)
        form.addRow(_("Practitioner"), self.practitioner)
        form.addRow(_("Type"), self.type)
        form.addRow(_("Day"), when)
        form.addRow(_("Length"), length_row)
        form.addRow(_("Note"), self.note)

        # The consignes of the practitioner (and the practice) for that day and motif.
        self.consignes = ConsigneNotes(workspace.consignes)

        main = QWidget()
        main_layout = QVBoxLayout(main)
        main_layout.addWidget(self.consignes)
        main_layout.addLayout(form)
        self.status_row: dict[str, QPushButton] = {}
        self.status_label = label("", "Muted", wrap=True)
        self.cancel_button = QPushButton(_("Cancel the appointment…"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel_appointment)
        if self.appointment is not None:
            main_layout.addWidget(label(_("Status"), "SectionTitle"))
            statuses = QHBoxLayout()
            statuses.setSpacing(4)
            names = status_labels()
            for value in STATUS_CHOICES:
                button = QPushButton(names[value])
                button.setCheckable(True)
                button.setAutoDefault(False)
                button.clicked.connect(lambda _checked=False, v=value: self.set_status(v))
                self.status_row[value] = button
                statuses.addWidget(button)
            statuses.addStretch()
            status_box = QWidget()
            status_box.setObjectName("StatusButtons")
            status_box.setLayout(statuses)
            statuses.setContentsMargins(0, 0, 0, 0)
            status_box.setStyleSheet(
                "#StatusButtons QPushButton { padding: 5px 9px; }"
                "#StatusButtons QPushButton:checked { background: #1d4ed8; color: #ffffff;"
                " border-color: #1d4ed8; }")
            main_layout.addWidget(status_box)
            main_layout.addWidget(self.status_label)
            main_layout.addWidget(self.override_note)
        main_layout.addWidget(self.errors)
        main_layout.addWidget(self.blocking)
        main_layout.addWidget(self.warnings)
        main_layout.addStretch()

        buttons = QHBoxLayout()
        if self.appointment is not None:
            buttons.addWidget(self.cancel_button)
            buttons.addWidget(self.move_button)
        buttons.addStretch()
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        outer = QVBoxLayout(self)
        if self.appointment is not None:
            self.history = QTreeWidget()
            self.history.setObjectName("AppointmentHistory")
            self.history.setRootIsDecorated(False)
            self.history.setWordWrap(True)
            self.history.setHeaderLabels([_("When"), _("Who"), _("What"), _("Details")])
            self.tabs = QTabWidget()
            self.tabs.addTab(main, _("Appointment"))
            self.tabs.addTab(self.history, _("History"))
            outer.addWidget(self.tabs)
        else:
            self.history = None
            self.tabs = None
            outer.addWidget(main)
        outer.addLayout(buttons)

        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        self.practitioner.currentIndexChanged.connect(self._practitioner_changed)
        self.type.currentIndexChanged.connect(self._type_changed)
        self.patient.chosen.connect(lambda _pid: self._changed())
        self.patient.chosen.connect(lambda _pid: self._show_phones())
        for signal in (self.date.dateChanged, self.start.textChanged, self.duration.valueChanged):
            signal.connect(self._changed)  # the note changes nothing the guard looks at
        for signal in (self.practitioner.currentIndexChanged, self.type.currentIndexChanged,
                       self.date.dateChanged):
            signal.connect(self._show_consignes)

        if self.appointment is not None:
            self._fill_from(self.appointment)
        else:
            self._fill_new(practitioner_id, day, start_min, length, patient_id, type_id)
        self._filling = False
        self._show_phones()
        self._snapshot = self._values()
        self._show_consignes()
        self._refresh_texts()
        self.resize(620, self.sizeHint().height())
        self._focused = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._focused:  # once shown: a hidden widget cannot take the focus
            self._focused = True
            first = self.patient.edit if self.appointment is None else self.start
            first.setFocus()
            if first is self.start:
                self.start.selectAll()

    # -- the patient's card and phones ----------------------------------------------------
    def enable_open_card(self, open_card: Callable[[str], object]) -> None:
        """Offer "Open the patient card": ``open_card(patient_id)`` once the dialog closed."""
        self._open_card = open_card
        self._show_phones()

    def enable_move(self, move: Callable[[str], object]) -> None:
        """Offer "Move…": ``move(appointment_id)`` opens the slot finder to move it."""
        self._move = move
        a = self.appointment
        self.move_button.setVisible(a is not None)
        self.move_button.setEnabled(a is not None and a.holds_time)

    def _show_phones(self) -> None:
        pid = self.patient.patient_id()
        phones = phone_texts(self._ws, pid)
        self.phones.setText(" · ".join(phones) if phones else
                            (_("No phone number on the card.") if pid else ""))
        self.phones.setVisible(bool(pid))
        self.open_card_button.setVisible(bool(pid) and self._open_card is not None)

    def open_card(self) -> None:
        pid = self.patient.patient_id()
        if not pid or self._open_card is None:
            return
        self.reject()  # asks first about unsaved changes
        if not self.isVisible():
            self._open_card(pid)

    def move_elsewhere(self) -> None:
        a = self.appointment
        if a is None or self._move is None:
            return
        self.reject()
        if not self.isVisible():
            self._move(a.id)

    # -- filling ------------------------------------------------------------------------
    def _fill_new(self, practitioner_id: str, day: date | None, start_min: int | None,
                  length: int | None, patient_id: str | None, type_id: str | None) -> None:
        self.setWindowTitle(_("New appointment"))
        now = self._ws.clock.now()
        day = day or self._zone.today(now)
        if start_min is None:
            start_min = min(23 * 60, -(-self._zone.wall_minute(now) // 15) * 15)
        self._select(self.practitioner, practitioner_id)
        self._fill_types()
        preferred = self._preferred_type(day, start_min, type_id)
        if preferred:
            self._select(self.type, preferred)
        self.date.setDate(QDate(day.year, day.month, day.day))
        self.start.setText(hhmm(start_min))
        chosen = self._current_type()
        self.duration.setValue(length or (chosen.duration_min if chosen else 15))
        if patient_id:
            try:
                details = self._ws.patients.get(patient_id)  # an audited read: booking for them
            except NotFound:
                return
            info = " · ".join(x for x in (
                format_date(details.birth_date) if details.birth_date else "",
                details.phones[0].display if details.phones else "") if x)
            self.patient.set_patient(patient_id, details.display_name, alert=details.alert,
                                    info=info)

    def _fill_from(self, a: AppointmentView) -> None:
        day = self._zone.day_of(a.starts_at)
        title = a.patient_name or a.note or _("Appointment")
        self.setWindowTitle(_("Appointment — {name}").format(name=title))
        if self.practitioner.findData(a.practitioner_id) < 0:
            names = self._agenda.practitioner_names()
            self.practitioner.addItem(names.get(a.practitioner_id, "?"), a.practitioner_id)
        self._select(self.practitioner, a.practitioner_id)
        self._fill_types(keep=a.type_id)
        self._select(self.type, a.type_id or "")
        self.date.setDate(QDate(day.year, day.month, day.day))
        self.start.setText(hhmm(self._zone.wall_minute(a.starts_at)))
        self.duration.setValue(max(5, a.minutes))
        self.note.setText(a.note)
        if a.patient_id:
            self.patient.set_patient(a.patient_id, a.patient_name, alert=a.patient_alert)
        self._show_state(a)
        self._load_history()

    def _show_state(self, a: AppointmentView) -> None:
        names = status_labels()
        for value, button in self.status_row.items():
            button.setChecked(value == a.status)
            button.setEnabled(a.status != AppointmentStatus.CANCELLED.value)
        state = names.get(a.status, a.status)
        if a.cancel_reason:
            state = f"{state} — {cancel_reason_labels().get(a.cancel_reason, a.cancel_reason)}"
            if a.cancel_note:
                state += f" ({a.cancel_note})"
        self.status_label.setText(_("Now: {status}").format(status=state))
        if a.override_note:
            self.override_note.setText(_("Booked over a refusal of the guard (recorded):") + "\n"
                                       + "\n".join(BULLET + line
                                                   for line in a.override_note.splitlines()))
        self.override_note.setVisible(bool(a.override_note))
        closed = a.status == AppointmentStatus.CANCELLED.value
        for w in (self.patient, self.practitioner, self.type, self.date, self.start,
                  self.duration, self.note, self.save_button, self.cancel_button):
            w.setEnabled(not closed)
        self.cancel_button.setEnabled(a.holds_time and not closed)

    def _load_history(self) -> None:
        if self.history is None or self.appointment is None:
            return
        self.history.clear()
        for entry in self._agenda.history(self.appointment.id):
            when = self._zone.local(entry.at).strftime("%d/%m/%Y %H:%M")
            item = QTreeWidgetItem([when, entry.actor or "—", action_label(entry),
                                    history_details(entry)])
            item.setToolTip(3, tooltip(history_details(entry)))
            self.history.addTopLevelItem(item)
        for col in range(3):
            self.history.resizeColumnToContents(col)

    def _fill_types(self, keep: str | None = None) -> None:
        pid = self.practitioner.currentData() or ""
        current = keep if keep is not None else (self.type.currentData() or "")
        self.type.blockSignals(True)
        self.type.clear()
        offered = [t for t in self._types if t.offered_by(pid) or t.id == keep]
        # The practitioner's own motifs first, then those every practitioner offers.
        own = [t for t in offered if pid in t.practitioner_ids]
        shared = [t for t in offered if pid not in t.practitioner_ids]
        for group in (own, shared):
            if group and self.type.count():
                self.type.insertSeparator(self.type.count())
            for t in group:
                self.type.addItem(_("{name} ({minutes} min)").format(
                    name=t.name, minutes=t.duration_min), t.id)
        if self.type.count():
            self.type.insertSeparator(self.type.count())
        self.type.addItem(_("No motif"), "")
        self._select(self.type, current)
        self.type.blockSignals(False)

    def _preferred_type(self, day: date, start_min: int, usual: str | None) -> str:
        """``usual`` if the opening range at that time accepts it, else the first motif
        it accepts (the practitioner's own first)."""
        pid = self.practitioner.currentData() or ""
        if not pid:
            return ""
        accepted: frozenset[str] | None = None
        for r in self._agenda.schedule([pid], day, day).open_ranges(pid, day):
            if r.start_min <= start_min < r.end_min:
                accepted = r.type_ids
        candidates = [self.type.itemData(i) for i in range(self.type.count())]
        if usual:
            candidates.insert(0, usual)
        for tid in candidates:
            if tid and self.type.findData(tid) >= 0 and (not accepted or tid in accepted):
                return tid
        return ""

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        i = combo.findData(value)
        if i >= 0:
            combo.setCurrentIndex(i)

    def _current_type(self) -> TypeInfo | None:
        tid = self.type.currentData()
        return next((t for t in self._types if t.id == tid), None)

    # -- reactions ----------------------------------------------------------------------
    def _show_consignes(self, *_args) -> None:
        if not self._filling:
            self.consignes.show_for(self.practitioner.currentData() or None, self._day(),
                                    self.type.currentData() or None)

    def _practitioner_changed(self) -> None:
        if self._filling:
            return
        self._fill_types()
        self._changed()

    def _type_changed(self) -> None:
        if self._filling:
            return
        chosen = self._current_type()
        if chosen is not None:
            self.duration.setValue(chosen.duration_min)
        self._changed()

    def _changed(self, *_args) -> None:
        if not self._filling:
            self._refresh_texts()

    def _refresh_texts(self) -> None:
        """The end time, the workstation's time, and what the guard says."""
        self.errors.show_message("")
        try:
            start = parse_start(self.start.text())
        except ValueError:
            self.end_label.setText("")
            self.local_time.setText("")
            self.errors.show_message(_("Type the start as 09:30 or 9h30."))
            self._show_guard([], "")
            return
        end = start + self.duration.value()
        day = self._day()
        ends_at = self._zone.to_utc(day, start) + timedelta(minutes=self.duration.value())
        end_day = self._zone.day_of(ends_at)
        end_text = hhmm(self._zone.wall_minute(ends_at)) if end < 48 * 60 else ""
        if end_day != day:
            end_text = f"{end_text} ({format_date(end_day)})"
        self.end_label.setText(_("ends at {time}").format(time=end_text))
        self.local_time.setText(self._workstation_time(day, start))
        self._run_check()

    def _workstation_time(self, day: date, start: int) -> str:
        instant = self._zone.to_utc(day, start)
        here = instant.astimezone()
        if here.utcoffset() == self._zone.local(instant).utcoffset():
            return ""
        text = here.strftime("%H:%M")
        if here.date() != day:
            text += " " + format_date(here.date())
        return _("here: {time} ({zone})").format(time=text, zone=here.tzname() or "")

    def _run_check(self) -> None:
        try:
            data = self._booking_input()
        except ValueError:
            return
        if not data.practitioner_id:
            self._show_guard([], "")
            return
        ignore = self.appointment.id if self.appointment is not None else None
        try:
            conflicts = self._agenda.check(data, ignore_id=ignore)
        except ValidationError as exc:
            self._show_guard([], "\n".join(exc.errors.values()))
            return
        self._show_guard(conflicts, "")

    def _show_guard(self, conflicts, error: str) -> None:
        blocking = [c.message for c in conflicts if c.blocking]
        if error:
            blocking.insert(0, error)
        self.blocking.show_message("\n".join(BULLET + m for m in blocking))
        warnings = [c.message for c in conflicts if not c.blocking]
        self.warnings.setText("\n".join(BULLET + m for m in warnings))
        self.warnings.setVisible(bool(warnings))

    def blocking_reasons(self) -> list[str]:
        """What the guard would refuse now (shown in red under the form)."""
        return [line[len(BULLET):] for line in self.blocking.text().splitlines() if line]

    # -- values ---------------------------------------------------------------------------
    def _day(self) -> date:
        d = self.date.date()
        return date(d.year(), d.month(), d.day())

    def _values(self) -> tuple:
        return (self.patient.patient_id(), self.practitioner.currentData(),
                self.type.currentData(), self._day(), self.start.text().strip(),
                self.duration.value(), self.note.text().strip())

    @property
    def is_dirty(self) -> bool:
        return self._values() != self._snapshot

    def _booking_input(self) -> BookingInput:
        start = parse_start(self.start.text())
        starts_at = self._zone.to_utc(self._day(), start)
        return BookingInput(self.practitioner.currentData() or "", starts_at,
                            starts_at + timedelta(minutes=self.duration.value()),
                            self.patient.patient_id() or None, self.type.currentData() or None,
                            self.note.text().strip())

    # -- actions --------------------------------------------------------------------------
    def save(self) -> bool:
        """Book (or change) through the guard; True when written and the dialog closed."""
        if not self.save_button.isEnabled():
            return False
        try:
            data = self._booking_input()
        except ValueError:
            self.errors.show_message(_("Type the start as 09:30 or 9h30."))
            self.start.setFocus()
            return False
        if not data.patient_id and not data.note:
            self.errors.show_message(_("Choose a patient, or write a note saying what this "
                                       "time is for."))
            self.patient.edit.setFocus()
            return False
        can = self._agenda.can_override
        if self.appointment is None:
            result = run_guarded(self, lambda override: self._agenda.book(data, override=override),
                                 can_override=can)
            if result is None:
                self._run_check()
                return False
            self.appointment = result.appointment
            self._finish([result.appointment.id], tuple(result.warnings))
            return True
        return self._save_changes(data)

    def _save_changes(self, data: BookingInput) -> bool:
        a = self.appointment
        assert a is not None
        warnings: tuple = ()
        moved = (data.practitioner_id, data.starts_at, data.ends_at) != (
            a.practitioner_id, a.starts_at, a.ends_at)
        if moved:
            result = run_guarded(self, lambda override: self._agenda.move(
                a.id, data.starts_at, data.ends_at, practitioner_id=data.practitioner_id,
                override=override, expected_version=a.version),
                can_override=self._agenda.can_override, moving=True)
            if result is None:
                self._run_check()
                return False
            before = a
            a = self.appointment = result.appointment
            warnings = tuple(result.warnings)
        if (data.patient_id, data.type_id, data.note) != (a.patient_id, a.type_id, a.note):
            try:
                self.appointment = self._agenda.edit(a.id, patient_id=data.patient_id,
                                                     type_id=data.type_id, note=data.note,
                                                     expected_version=a.version)
            except (ValidationError, ConcurrentEdit, NotFound, BookingRefused) as exc:
                show_failure(self, exc)
                if moved:
                    self.written.emit([a.id], warnings)
                    self.moved.emit(before, a, warnings)
                return False
        self._finish([a.id], warnings)
        if moved:
            self.moved.emit(before, self.appointment, warnings)
        return True

    def _finish(self, ids: list[str], warnings: tuple) -> None:
        self._snapshot = self._values()
        self.written.emit(ids, warnings)
        self.accept()

    def set_status(self, status: str) -> None:
        """Applied at once (a patient arrived, was seen…), and recorded."""
        a = self.appointment
        if a is None:
            return
        if status == a.status:
            self._show_state(a)
            return
        try:
            self.appointment = self._agenda.set_status(a.id, status, expected_version=a.version)
        except (ValidationError, ConcurrentEdit, NotFound) as exc:
            show_failure(self, exc)
            self._show_state(a)
            return
        self._show_state(self.appointment)
        self._load_history()
        self.written.emit([a.id], ())

    def cancel_appointment(self) -> bool:
        a = self.appointment
        if a is None:
            return False
        summary = _("{who}, {day} at {time}").format(
            who=a.patient_name or a.note or _("Appointment"),
            day=format_date(self._zone.day_of(a.starts_at), "EEEE d MMMM"),
            time=hhmm(self._zone.wall_minute(a.starts_at)))
        answer = ask_cancel(self, summary)
        if answer is None:
            return False
        reason, note = answer
        try:
            self.appointment = self._agenda.cancel(a.id, reason, note, expected_version=a.version)
        except (ValidationError, ConcurrentEdit, NotFound) as exc:
            show_failure(self, exc)
            return False
        self._snapshot = self._values()
        self.written.emit([a.id], ())
        self.cancelled.emit(a.id)
        self.accept()
        return True

    def reject(self) -> None:
        if self.is_dirty and self.save_button.isEnabled():
            choice = ask_unsaved(self, _("This appointment has unsaved changes."))
            if choice == "cancel":
                return
            if choice == "save":
                self.save()
                return
        super().reject()

