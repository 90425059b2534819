"""The free-slot finder: "Chercher un créneau", keyboard first.

Type the patient (Enter or Tab takes the highlighted match), choose the type (its
duration), the practitioners who offer it, the period and the wishes (Matin,
Après-midi, weekdays, or typed: "mardi après 17h", "pas avant le 12"). The free slots
follow every change; the first one is highlighted, the arrows move, **Enter books the
highlighted slot** for the patient and closes the dialog (``booked`` is emitted with the
new appointment). A slot taken meanwhile by another workstation is refused by the
agenda's guard: the reason is shown and the list refreshed.

Also home to the pieces the series dialog and the waiting list share: the patient
field, the type combo, the practitioner checkboxes, dates as typed and as read.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, locale, ngettext
from app.services.agenda.booking_queries import (
    practitioners_offering,
)
from app.services.agenda.service import BookingRefused
from app.services.agenda.slots import (
    AFTERNOON,
    DAY_MIN,
    MORNING,
    NOON,
    Constraints,
    Slot,
    SlotQuery,
    parse_constraints,
)
from app.services.agenda.views import AppointmentView, BookingInput, BookingResult, TypeInfo
from app.services.dates import InvalidDate, parse_french_date
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.practice import PractitionerInfo
from app.ui.agenda.setup_hint import hint_for
from app.ui.patients.lines import picker_line
from app.ui.patients.new_patient_dialog import NewPatientDialog
from app.ui.plain import button_text, tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import FieldError, label, mark_invalid, result_table, select_first_row

PAGE_SIZE = 20           # slots shown at first, and added by "More slots"
PATIENT_MATCHES = 8      # type-ahead matches listed under the patient field
DEFAULT_MONTHS = 3       # the period searched by default, from today
TYPING_DELAY_MS = 250    # typed wishes and dates: search once the typing pauses
_FAR_AHEAD = date(2099, 12, 31)  # two-digit years typed here are future years
_RETURN = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


# -- formatting ------------------------------------------------------------------------
def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def weekday_name(weekday: int) -> str:
    """Monday = 0 -> "lundi"."""
    return locale().days["format"]["wide"][weekday]


def weekday_short(weekday: int) -> str:
    """Monday = 0 -> "Lun." (a checkbox)."""
    return capitalised(locale().days["format"]["abbreviated"][weekday])


def slot_day(day: date, today: date | None = None) -> str:
    """"Mardi 17 mars", with the year when it is not this year's."""
    fmt = "EEEE d MMMM" if today is not None and day.year == today.year else "EEEE d MMMM y"
    return capitalised(format_date(day, fmt))


def long_day(day: date) -> str:
    return format_date(day, "EEEE d MMMM y")


def parse_day(text: str) -> date:
    """dd/mm/yyyy (or dd/mm/yy, ddmmyyyy); InvalidDate otherwise."""
    return parse_french_date(text.strip(), today=_FAR_AHEAD)


def type_text(t: TypeInfo) -> str:
    return _("{name} ({minutes} min)").format(name=t.name, minutes=t.duration_min)


def first_error(exc: ValidationError) -> str:
    return "\n".join(exc.errors.values())


def _span(lo: int, hi: int) -> str:
    """A start-time bound in words ("" for the whole day)."""
    if lo <= 0 and hi >= DAY_MIN:
        return ""
    if lo <= 0 and hi == NOON:
        return _("in the morning")
    if lo == NOON and hi >= DAY_MIN:
        return _("in the afternoon")
    if hi >= DAY_MIN:
        return _("from {time}").format(time=hhmm(lo))
    if lo <= 0:
        return _("before {time}").format(time=hhmm(hi))
    return _("between {start} and {end}").format(start=hhmm(lo), end=hhmm(hi))


def describe_constraints(c: Constraints) -> str:
    """What the typed wishes were understood as, in words: "mardi à partir de 17:00"."""
    parts = []
    overall = _span(c.after_min or 0, c.before_min if c.before_min is not None else DAY_MIN)
    if overall:
        parts.append(overall)
    or_ = " " + _("or") + " "
    alternatives = []
    for w in c.windows:
        days = or_.join(weekday_name(d) for d in sorted(w.weekdays))
        times = _span(w.after_min, w.before_min)
        alternatives.append(" ".join(p for p in (days, times) if p))
    if alternatives:
        parts.append(or_.join(a for a in alternatives if a))
    if c.not_before is not None:
        parts.append(_("not before {day}").format(day=long_day(c.not_before)))
    return " ; ".join(p for p in parts if p)


# -- shared fields -----------------------------------------------------------------------
class PatientField(QWidget):
    """Type a name, phone or birth date; the matches are listed under the field, the
    arrows move among them, Enter or Tab takes the highlighted one. Editing the text
    again drops the choice. When nothing matches, Enter opens a new card prefilled with
    what was typed ("Créer ce patient"), and the patient saved is taken.
    ``chosen(patient_id)`` ("" when dropped)."""

    chosen = Signal(str)

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._patient_id = ""
        self.new_patient_dialog: NewPatientDialog | None = None
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(_("Patient: name, phone or birth date"))
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName(_("Patient"))
        self.edit.textEdited.connect(self._typed)
        self.edit.installEventFilter(self)
        self.matches = QListWidget()
        self.matches.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.matches.setMaximumHeight(150)
        self.matches.itemClicked.connect(lambda _item: self._take())
        self.matches.hide()
        self.create_button = QPushButton(_("Create this patient (Enter)"))
        self.create_button.setAutoDefault(False)
        self.create_button.clicked.connect(self.create_patient)
        self.create_button.hide()
        self.info = label("", "Muted", wrap=True)
        self.info.hide()
        self.error = FieldError()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.matches)
        layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.info)
        layout.addWidget(self.error)

    def patient_id(self) -> str:
        return self._patient_id

    def set_patient(self, patient_id: str | None) -> None:
        """Preset a patient (no search shown)."""
        if not patient_id:
            self._set("", "")
            return
        try:
            who = self._ws.patient_label(patient_id)
        except NotFound:
            self._set("", "")
            return
        self._set(who.id, who.display_name, who.phone, who.alert)

    def show_error(self, message: str) -> None:
        self.error.show_message(message)
        mark_invalid(self.edit, bool(message))

    def _typed(self, text: str) -> None:
        if self._patient_id:
            self._patient_id = ""
            self.info.hide()
            self.chosen.emit("")
        self.show_error("")
        self.matches.clear()
        self.create_button.hide()
        if not text.strip():
            self.matches.hide()
            return
        for row in self._ws.patients.search(text, limit=PATIENT_MATCHES):
            item = QListWidgetItem(picker_line(row))
            item.setData(Qt.ItemDataRole.UserRole, (row.id, row.display_name, row.phone,
                                                    row.alert))
            if row.alert:
                item.setToolTip(tooltip(row.alert))
            self.matches.addItem(item)
        if self.matches.count():
            self.matches.setCurrentRow(0)
        else:
            self.matches.addItem(_("No patient matches."))
            self.matches.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
            self.create_button.show()
        self.matches.show()

    def create_patient(self) -> NewPatientDialog:
        """"Créer ce patient": a new card prefilled with what was typed; the patient it
        saves is taken."""
        dialog = NewPatientDialog(self._ws, self.edit.text(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self._created)
        self.new_patient_dialog = dialog
        dialog.open()
        return dialog

    def _created(self, patient_id: str) -> None:
        self.set_patient(patient_id)
        self.edit.setFocus()

    def _take(self) -> bool:
        item = self.matches.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not data:
            return False
        self._set(*data)
        return True

    def _set(self, patient_id: str, name: str, phone: str = "", alert: str = "") -> None:
        self._patient_id = patient_id
        self.edit.setText(name)
        self.matches.clear()
        self.matches.hide()
        self.create_button.hide()
        self.show_error("")
        bits = [phone] if phone else []
        if patient_id:
            missed = self._ws.agenda.no_show_count(patient_id)
            if missed:
                bits.append(ngettext("{n} missed appointment", "{n} missed appointments",
                                     missed).format(n=missed))
        if alert:
            bits.append(alert)
        self.info.setText(" · ".join(bits))
        self.info.setVisible(bool(bits))
        self.chosen.emit(patient_id)

    def eventFilter(self, obj, event) -> bool:
        if obj is not self.edit or event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(obj, event)
        key = event.key()
        if not self.matches.isVisible():
            if key in _RETURN and self._patient_id:
                self.edit.focusNextChild()  # the patient is chosen: on to the next field
                return True
        else:
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                row = self.matches.currentRow() + step
                if 0 <= row < self.matches.count():
                    self.matches.setCurrentRow(row)
                return True
            if key in (*_RETURN, Qt.Key.Key_Tab):
                if self._take():
                    self.edit.focusNextChild()
                    return True
                if key in _RETURN and self.create_button.isVisible():
                    self.create_patient()
                return key in _RETURN  # nothing to take: Tab still moves on
            if key == Qt.Key.Key_Escape:
                self.matches.hide()
                self.create_button.hide()
                return True
        return super().eventFilter(obj, event)


def type_combo(types: list[TypeInfo], *, with_any: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(_("Appointment type"))
    if with_any:
        combo.addItem(_("Any type"), None)
    for t in types:
        combo.addItem(type_text(t), t.id)
    return combo


class PractitionerChecks(QWidget):
    """A checkbox per practitioner (those offering the type); ``changed`` when ticked."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}

    def set_practitioners(self, practitioners: list[PractitionerInfo],
                          checked: set[str] | None = None) -> None:
        """``checked``: which ones are ticked (None: all of them)."""
        for box in self.boxes.values():
            self._layout.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        for p in practitioners:
            box = QCheckBox(button_text(p.display_name))
            box.setChecked(checked is None or p.id in checked)
            box.toggled.connect(lambda _on: self.changed.emit())
            self._layout.addWidget(box)
            self.boxes[p.id] = box
        self._layout.addStretch()

    def checked(self) -> list[str]:
        return [pid for pid, box in self.boxes.items() if box.isChecked()]


# -- the results -------------------------------------------------------------------------
class SlotTableModel(RowTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([_("Day"), _("Time"), _("Practitioner")], parent)
        self._rows: list[Slot]
        self._names: dict[str, str] = {}
        self._today: date | None = None

    def set_context(self, names: dict[str, str], today: date) -> None:
        self._names, self._today = names, today

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        col = index.column()
        if col == 0:
            return slot_day(row.day, self._today)
        if col == 1:
            return hhmm(row.start_min)
        name = self._names.get(row.practitioner_id, "")
        return tooltip(name) if role == Qt.ItemDataRole.ToolTipRole else name


class SlotFinderDialog(QDialog):
    """``booked(AppointmentView)`` once the highlighted slot is booked (then it closes).

    ``moving`` (an appointment's id) makes it move that appointment instead: preset with
    its patient, motif and practitioner, Enter moves it there (one move in its
    history, through the guard) and ``moved(before, after, warnings)`` is emitted.

    Presets: ``patient_id``, ``type_id``, ``practitioner_ids`` (ticked among those
    offering the type), ``first`` / ``last`` (the period), ``wishes`` (typed wishes),
    ``waiting_entry_id`` (the waiting-list entry the booking fulfils: it is marked
    booked in the same write).

    ``setup_requested(target, practitioner_id)`` when the hint of what the agenda lacks
    (no type, no weekly hours) is followed; the dialog closes.
    """

    booked = Signal(object)
    moved = Signal(object, object, tuple)
    setup_requested = Signal(str, str)

    def __init__(self, workspace, parent=None, *, patient_id: str | None = None,
                 type_id: str | None = None, practitioner_ids=(), first: date | None = None,
                 last: date | None = None, wishes: str = "",
                 waiting_entry_id: str | None = None, moving: str | None = None,
                 urgent: bool = False) -> None:
        super().__init__(parent)
        self._ws = workspace
        # From the urgent-call protocol: the motifs reserved for urgent calls (if the
        # practice has any); otherwise they are not offered.
        self._urgent = urgent
        self._waiting_entry_id = waiting_entry_id
        self._limit = PAGE_SIZE
        self._constraints_error = ""
        self.result: BookingResult | None = None
        # The appointment being moved (an audited read: it is opened to be moved).
        self.moving: AppointmentView | None = workspace.agenda.get(moving) if moving else None
        if self.moving is not None:
            patient_id = self.moving.patient_id
            type_id = self.moving.type_id
            practitioner_ids = (self.moving.practitioner_id,)
        self.setWindowTitle(_("Move an appointment") if self.moving is not None
                            else _("Find a slot"))
        self.resize(760, 640)

        self._today = workspace.zone.today(workspace.clock.now())
        types = workspace.agenda.types()
        reserved = [t for t in types if t.urgent_only]
        self._types = (reserved or types) if urgent else [t for t in types if not t.urgent_only]
        if urgent and reserved and type_id is None:
            type_id = reserved[0].id
        self._practitioners = workspace.practitioners()
        self._names = {p.id: p.display_name for p in self._practitioners}

        self.patient = PatientField(workspace)
        self.patient.chosen.connect(self._patient_chosen)
        self.type = type_combo(self._types)
        self.duration = label("", "Muted")
        self.practitioners = PractitionerChecks()
        self.practitioners.changed.connect(self.search)
        self.first = QLineEdit(format_date(first or self._today))
        self.last = QLineEdit(format_date(
            last or (first or self._today) + relativedelta(months=DEFAULT_MONTHS)))
        for edit, name in ((self.first, _("From")), (self.last, _("To"))):
            edit.setPlaceholderText(_("dd/mm/yyyy"))
            edit.setAccessibleName(name)
            edit.setMaximumWidth(120)
            edit.textEdited.connect(self._typing)
        self.period_error = FieldError()

        self.morning = QCheckBox(_("Morning"))
        self.afternoon = QCheckBox(_("Afternoon"))
        self.weekdays = [QCheckBox(weekday_short(wd)) for wd in range(6)]
        for box in (self.morning, self.afternoon, *self.weekdays):
            box.toggled.connect(self.search)
        self.wishes = QLineEdit(wishes)
        self.wishes.setPlaceholderText(_("Other wishes, e.g. \"tuesday after 5pm\", "
                                         "\"not before the 12th\""))
        self.wishes.setAccessibleName(_("Wishes"))
        self.wishes.textEdited.connect(self._typing)
        self.understood = label("", "Muted", wrap=True)
        self.wishes_error = FieldError()

        self.model = SlotTableModel(self)
        self.model.set_context(self._names, self._today)
        self.table = result_table(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _index: self.book_highlighted())
        self.table.installEventFilter(self)
        self.table.setAccessibleName(_("Free slots"))
        self.caption = label("", "Muted")
        self.empty_hint = label("", "InfoBanner", wrap=True)
        self.empty_hint.hide()
        self.setup_button = QPushButton()
        self.setup_button.setAutoDefault(False)
        self.setup_button.hide()
        self.setup_button.clicked.connect(self._setup_chosen)
        self._setup = ("", "")
        self.banner = label("", "AlertBanner", wrap=True)
        self.banner.hide()

        self.moving_label = label("", "InfoBanner", wrap=True)
        self.moving_label.setVisible(self.moving is not None)
        self.more_button = QPushButton(_("More slots"))
        self.more_button.clicked.connect(self.load_more)
        self.book_button = QPushButton(_("Move here (Enter)") if self.moving is not None
                                       else _("Book (Enter)"))
        self.book_button.setObjectName("Primary")
        self.book_button.clicked.connect(self.book_highlighted)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.reject)
        for button in (self.more_button, self.book_button, self.close_button):
            button.setAutoDefault(False)

        self._typing_timer = QTimer(self)
        self._typing_timer.setSingleShot(True)
        self._typing_timer.setInterval(TYPING_DELAY_MS)
        self._typing_timer.timeout.connect(self.search)

        self._layout()
        for w in (self.type, self.first, self.last, self.wishes, self.morning, self.afternoon,
                  *self.weekdays):
            w.installEventFilter(self)

        self.patient.set_patient(patient_id)
        if self.moving is not None:
            self._show_moving(self.moving)
        self._set_type(type_id, set(practitioner_ids) or None)
        self.type.currentIndexChanged.connect(lambda _i: self._set_type(self.type.currentData()))
        self.search()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(_("Patient"), self.patient)
        type_row = QHBoxLayout()
        type_row.addWidget(self.type, 1)
        type_row.addWidget(self.duration)
        form.addRow(_("Type"), type_row)
        form.addRow(_("Practitioners"), self.practitioners)
        period = QHBoxLayout()
        period.addWidget(self.first)
        period.addWidget(label(_("to")))
        period.addWidget(self.last)
        period.addStretch()
        period_box = QVBoxLayout()
        period_box.setSpacing(2)
        period_box.addLayout(period)
        period_box.addWidget(self.period_error)
        form.addRow(_("Period"), period_box)
        chips = QHBoxLayout()
        chips.addWidget(self.morning)
        chips.addWidget(self.afternoon)
        chips.addSpacing(16)
        for box in self.weekdays:
            chips.addWidget(box)
        chips.addStretch()
        form.addRow(_("Wishes"), chips)
        wishes = QVBoxLayout()
        wishes.setSpacing(2)
        wishes.addWidget(self.wishes)
        wishes.addWidget(self.understood)
        wishes.addWidget(self.wishes_error)
        form.addRow("", wishes)

        buttons = QHBoxLayout()
        buttons.addWidget(self.more_button)
        buttons.addStretch()
        buttons.addWidget(self.book_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.moving_label)
        layout.addLayout(form)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.empty_hint, 1)
        hint_row.addWidget(self.setup_button)
        layout.addLayout(hint_row)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.patient.patient_id():
            self.patient.edit.setFocus()
        elif self.model.rowCount():
            self.table.setFocus()
        else:
            self.type.setFocus()

    # -- criteria ------------------------------------------------------------------------
    def _type_info(self) -> TypeInfo | None:
        type_id = self.type.currentData()
        return next((t for t in self._types if t.id == type_id), None)

    def _set_type(self, type_id: str | None, checked: set[str] | None = None) -> None:
        if type_id is not None:
            index = self.type.findData(type_id)
            if index >= 0 and index != self.type.currentIndex():
                self.type.blockSignals(True)
                self.type.setCurrentIndex(index)
                self.type.blockSignals(False)
        info = self._type_info()
        if checked is None and self.practitioners.boxes:
            checked = set(self.practitioners.checked())
            # Ticking everyone again when nobody who was ticked offers the new type.
            offering = {p.id for p in practitioners_offering(self._practitioners, info)}
            if not checked & offering:
                checked = None
        self.practitioners.blockSignals(True)
        self.practitioners.set_practitioners(practitioners_offering(self._practitioners, info),
                                             checked)
        self.practitioners.blockSignals(False)
        for box in self.practitioners.boxes.values():
            box.installEventFilter(self)
        if info is not None:
            text = ngettext("{n} minute", "{n} minutes", info.duration_min).format(
                n=info.duration_min)
            if info.buffer_after_min:
                text += " " + _("(+ {n} min after)").format(n=info.buffer_after_min)
            self.duration.setText(text)
        else:
            self.duration.setText("")
        self.search()

    def _show_moving(self, a: AppointmentView) -> None:
        """Who and what stay; only the time and the practitioner change."""
        zone = self._ws.zone
        minute = zone.wall_minute(a.starts_at)
        self.moving_label.setText(_("Moving {who}, now {day} at {time} with {practitioner}: "
                                    "choose the new time.").format(
            who=a.patient_name or a.note or _("Appointment"),
            day=format_date(zone.day_of(a.starts_at), "EEEE d MMMM y"), time=hhmm(minute),
            practitioner=self._names.get(a.practitioner_id, "")))
        self.patient.edit.setReadOnly(True)
        self.patient.edit.setClearButtonEnabled(False)
        # The motif stays; one without a motif chooses the length of the slots searched.
        self.type.setEnabled(a.type_id is None)

    def _patient_chosen(self, patient_id: str) -> None:
        self.banner.hide()

    def _typing(self, *_args) -> None:
        self._typing_timer.start()

    def _period(self) -> tuple[date, date] | None:
        try:
            first, last = parse_day(self.first.text()), parse_day(self.last.text())
        except InvalidDate:
            self.period_error.show_message(_("Write dates as 16/03/2026."))
            return None
        if last < first:
            self.period_error.show_message(_("The end date is before the start date."))
            return None
        self.period_error.show_message("")
        return first, last

    def constraints(self) -> Constraints | None:
        """The wishes, chips and typed ones together; None while the typed ones are not
        understood (the reason is shown under them)."""
        text = self.wishes.text().strip()
        typed = Constraints()
        self.wishes_error.show_message("")
        mark_invalid(self.wishes, False)
        if text:
            try:
                typed = parse_constraints(text, today=self._today)
            except ValidationError as exc:
                self.understood.setText("")
                self.wishes_error.show_message(first_error(exc))
                mark_invalid(self.wishes, True)
                return None
            described = describe_constraints(typed)
            self.understood.setText(_("Understood: {what}").format(what=described)
                                    if described else "")
        else:
            self.understood.setText("")
        part = ""
        if self.morning.isChecked() != self.afternoon.isChecked():
            part = MORNING if self.morning.isChecked() else AFTERNOON
        days = frozenset(wd for wd, box in enumerate(self.weekdays) if box.isChecked())
        return Constraints(part_of_day=part, weekdays=days, after_min=typed.after_min,
                           before_min=typed.before_min, windows=typed.windows,
                           not_before=typed.not_before)

    # -- searching -----------------------------------------------------------------------
    def search(self, *_args, keep_row: bool = False) -> None:
        self._typing_timer.stop()
        row = self.table.currentIndex().row() if keep_row else -1
        slots, hint = self._find()
        self.model.set_rows(slots)
        if slots:
            if 0 <= row < len(slots):
                self.table.selectRow(row)
            else:
                select_first_row(self.table)
        self.more_button.setEnabled(len(slots) >= self._limit)
        self.book_button.setEnabled(bool(slots))
        if not slots:
            hint = self._missing_setup() or hint
        else:
            self._setup = ("", "")
        self.setup_button.setVisible(bool(self._setup[0]))
        self.empty_hint.setText(hint)
        self.empty_hint.setVisible(bool(hint))
        self.caption.setText(ngettext("{n} free slot", "{n} free slots", len(slots)).format(
            n=len(slots)) if slots else "")

    def _find(self) -> tuple[list[Slot], str]:
        info = self._type_info()
        period = self._period()
        constraints = self.constraints()
        if info is None:
            return [], _("Choose an appointment type.")
        pids = self.practitioners.checked()
        if not pids:
            return [], _("Tick at least one practitioner.")
        if period is None or constraints is None:
            return [], _("Correct the criteria above to see the free slots.")
        query = SlotQuery(info.id, period[0], period[1], tuple(pids), constraints)
        try:
            slots = self._ws.slots.find_slots(query, limit=self._limit)
        except ValidationError as exc:
            return [], first_error(exc)
        if not slots:
            return [], _("No free slot matches these criteria. Widen the period or the "
                         "practitioners, or loosen the wishes.")
        return slots, ""

    def _missing_setup(self) -> str:
        """Why nothing can be found when the agenda is not set up (no type at all, or
        the practitioners searched have no weekly hours); "" otherwise."""
        pids = self.practitioners.checked() or [p.id for p in self._practitioners]
        text, button, target, pid = hint_for(self._ws.agenda_readiness(pids),
                                             self._names)
        self._setup = (target, pid)
        self.setup_button.setText(button)
        return text

    def _setup_chosen(self) -> None:
        target, pid = self._setup
        self.reject()
        self.setup_requested.emit(target, pid)

    def load_more(self) -> None:
        self._limit += PAGE_SIZE
        self.search(keep_row=True)

    def highlighted(self) -> Slot | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    # -- booking -------------------------------------------------------------------------
    def book_highlighted(self) -> None:
        slot = self.highlighted()
        if slot is not None and self.moving is not None:
            self._move_to(slot)
            return
        info = self._type_info()
        if slot is None or info is None:
            return
        patient_id = self.patient.patient_id()
        if not patient_id:
            self.patient.show_error(_("Choose the patient first."))
            self.patient.edit.setFocus()
            return
        data = BookingInput(slot.practitioner_id, slot.starts_at, None, patient_id, info.id,
                            urgent=self._urgent)
        try:
            if self._waiting_entry_id:
                result = self._ws.waiting_list.book_for_entry(self._waiting_entry_id, data)
            else:
                result = self._ws.agenda.book(data)
        except BookingRefused as exc:
            self._show_banner(_("This slot can no longer be booked:") + "\n" + exc.user_message)
            self.search(keep_row=True)
            self.table.setFocus()
            return
        except ValidationError as exc:
            self._show_banner(first_error(exc))
            self.search(keep_row=True)
            return
        self.result = result
        self.booked.emit(result.appointment)
        self.accept()

    def _move_to(self, slot: Slot) -> None:
        """Move the appointment to ``slot``, keeping its length."""
        before = self.moving
        assert before is not None
        try:
            result = self._ws.agenda.move(before.id, slot.starts_at,
                                          practitioner_id=slot.practitioner_id,
                                          expected_version=before.version)
        except BookingRefused as exc:
            self._show_banner(_("The appointment cannot be moved there:") + "\n"
                              + exc.user_message)
            self.search(keep_row=True)
            self.table.setFocus()
            return
        except ValidationError as exc:
            self._show_banner(first_error(exc))
            return
        except (ConcurrentEdit, NotFound) as exc:
            self._show_banner(exc.user_message)
            return
        self.result = result
        self.moved.emit(before, result.appointment, tuple(result.warnings))
        self.accept()

    def booked_appointment(self) -> AppointmentView | None:
        return self.result.appointment if self.result is not None else None

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    # -- keys ----------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if (event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down
                and obj in (self.first, self.last, self.wishes)):
            if self._typing_timer.isActive():
                self.search()
            if self.model.rowCount():
                self.table.setFocus()  # from a typed criterion, down into the slots
            return True
        if event.type() == QEvent.Type.KeyPress and event.key() in _RETURN:
            if obj is self.table:
                self.book_highlighted()
                return True
            # Enter in a criterion: on to the slots (searching now if typing was pending).
            if self._typing_timer.isActive():
                self.search()
            if self.model.rowCount():
                self.table.setFocus()
            return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event) -> None:
        if event.key() in _RETURN:
            return  # never close on Enter: Enter books from the list
        super().keyPressEvent(event)

