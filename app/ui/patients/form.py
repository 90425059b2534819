"""The patient card: identity and contact details, validated by the service.

A card opens read-only: typing during a call never lands in an identity. "Edit"
(Ctrl+E; F2 is kept for the call panel) makes its fields editable; Escape or "Cancel"
leaves editing (asking first about unsaved changes), and saving returns to read-only.
A new card is typed into at once. The header line under the name says the patient's
age (in months under 2), and, when the screen gives them, the next appointment and the
unexcused absences (``set_agenda_summary``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from datetime import date

from app.i18n import _, format_date, ngettext, pgettext
from app.models import Civility, ContactChannel, PhoneKind, Sex
from app.services import access
from app.services.errors import ConcurrentEdit, ValidationError
from app.services.patients import PatientDetails, PatientInput, PatientService, PhoneEntry
from app.services.phones import InvalidPhone, display_phone, parse_phone
from app.ui.dialer import add_dial_action
from app.ui.record_form import RecordForm
from app.ui.widgets import FieldError, ask_unsaved, card_frame, label, mark_invalid

MAX_PHONES = 4
EDIT_KEYS = "Ctrl+E"
BABY_MONTHS = 24  # under this age, the age is said in months


def age_text(born: date, today: date) -> str:
    """"47 ans", "8 mois" under two years, "12 jours" under a month ("" if not born)."""
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    if months < 0:
        return ""
    if months >= BABY_MONTHS:
        years = months // 12
        return ngettext("{n} year old", "{n} years old", years).format(n=years)
    if months >= 1:
        return ngettext("{n} month old", "{n} months old", months).format(n=months)
    days = (today - born).days
    return ngettext("{n} day old", "{n} days old", days).format(n=days)


def _kinds() -> list[tuple[str, str]]:
    return [(PhoneKind.MOBILE.value, _("Mobile")), (PhoneKind.HOME.value, _("Home")),
            (PhoneKind.WORK.value, _("Work")), (PhoneKind.OTHER.value, _("Other"))]


class PhoneRow(QWidget):
    removed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        for value, text in _kinds():
            self.kind.addItem(text, value)
        self.number = QLineEdit()
        self.number.setPlaceholderText("06 12 34 56 78")
        self.dial = add_dial_action(self.number)  # shown on the card, not while editing
        self.remove = QPushButton("✕")
        self.remove.setToolTip(_("Remove this number"))
        self.remove.setFixedWidth(34)
        self.remove.clicked.connect(lambda: self.removed.emit(self))
        self.error = FieldError()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.kind, 0, 0)
        grid.addWidget(self.number, 0, 1)
        grid.addWidget(self.remove, 0, 2)
        grid.addWidget(self.error, 1, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        self.number.editingFinished.connect(self.check)

    def set_editable(self, on: bool) -> None:
        self.number.setReadOnly(not on)
        self.kind.setEnabled(on)
        self.remove.setVisible(on)

    def check(self) -> bool:
        text = self.number.text().strip()
        if not text:
            self.error.show_message("")
            mark_invalid(self.number, False)
            return True
        try:
            parsed = parse_phone(text)
        except InvalidPhone:
            self.error.show_message(_("“{number}” is not a valid phone number.").format(number=text))
            mark_invalid(self.number, True)
            return False
        self.number.setText(display_phone(parsed.e164))
        self.error.show_message("")
        mark_invalid(self.number, False)
        return True

    def entry(self) -> PhoneEntry:
        return PhoneEntry(number=self.number.text(), kind=self.kind.currentData())


def _channels() -> list[tuple[str, str]]:
    return [(ContactChannel.ANY.value, "—"), (ContactChannel.PHONE.value, _("Phone call")),
            (ContactChannel.SMS.value, _("Text message")), (ContactChannel.EMAIL.value, _("E-mail")),
            (ContactChannel.MAIL.value, _("Letter"))]


def _hhmm(value) -> str:
    return value.strftime("%H:%M") if value else ""


class PatientForm(RecordForm):
    """Create or edit one patient. Emits ``saved(id)`` after a successful write.

    ``pick_contact`` (optional) opens the directory and returns ``(id, name)`` or None:
    the referring doctor is then linked to a directory entry instead of typed.
    """

    saved = Signal(str)
    loaded = Signal(str)  # the patient now shown; "" for a new card
    open_requested = Signal(str)  # "open that existing card instead"

    editing_changed = Signal(bool)

    def __init__(self, service: PatientService, parent=None, *, pick_contact=None,
                 similar=None, today=date.today) -> None:
        super().__init__(parent)
        self._service = service
        self._today = today  # the practice's clock: the age shown
        self._editing = True
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # read-only, it holds the keys
        self._pick_contact = pick_contact
        # ``similar(PatientInput) -> [SimilarPatient]``: homonyms and shared phones,
        # shown before a new card is created.
        self._similar = similar
        self._similar_accepted = False
        self._similar_first: str | None = None
        self._current: PatientDetails | None = None
        self._contact_id: str | None = None

        self.heading = label(_("New patient"), "PageTitle", wrap=True)
        self.subheading = label("", "Muted")
        self.subheading.setObjectName("CardSubheading")
        # The next appointment and the unexcused absences, when the screen gives them.
        self.agenda_summary = label("", "Muted", wrap=True)
        self.agenda_summary.setObjectName("CardAgendaSummary")
        self.agenda_summary.hide()
        # The patient's alert, shown whenever the card opens ("interpreter needed").
        self.alert_banner = label("", "AlertBanner", wrap=True)
        self.alert_banner.hide()
        self.banner = label("", "Banner", wrap=True)
        self.banner.hide()
        self.similar_label = label("", "WarnText", wrap=True)
        self.create_anyway_button = QPushButton(_("Create anyway"))
        self.create_anyway_button.clicked.connect(self._create_anyway)
        self.open_existing_button = QPushButton(_("Open the existing card"))
        self.open_existing_button.clicked.connect(
            lambda: self._similar_first and self.open_requested.emit(self._similar_first))
        self.similar_panel = QFrame()
        self.similar_panel.setObjectName("WarnPanel")
        panel = QVBoxLayout(self.similar_panel)
        panel.addWidget(self.similar_label)
        panel_buttons = QHBoxLayout()
        panel_buttons.addStretch()
        panel_buttons.addWidget(self.open_existing_button)
        panel_buttons.addWidget(self.create_anyway_button)
        panel.addLayout(panel_buttons)
        self.similar_panel.hide()

        self.civility = QComboBox()
        for value, text in ((Civility.NONE.value, "—"), (Civility.MADAME.value, _("Mrs")),
                            (Civility.MONSIEUR.value, _("Mr"))):
            self.civility.addItem(text, value)
        self.birth_name = QLineEdit()
        self.used_name = QLineEdit()
        self.first_names = QLineEdit()
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText(_("dd/mm/yyyy"))
        self.birth_date.setMaximumWidth(140)
        self.sex = QComboBox()
        for value, text in ((Sex.UNKNOWN.value, "—"), (Sex.FEMALE.value, _("Female")),
                            (Sex.MALE.value, _("Male"))):
            self.sex.addItem(text, value)
        self.sex.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.email = QLineEdit()
        self.email_other = QLineEdit()
        self.alert = QLineEdit()
        self.alert.setMaxLength(300)
        # The placeholder fits the field; what the alert does is in the tooltip.
        self.alert.setPlaceholderText(_("e.g. “hard of hearing”"))
        self.alert.setToolTip(_("Shown each time the card is opened"))
        self.preferred_channel = QComboBox()
        self.preferred_channel.setSizePolicy(QSizePolicy.Policy.Maximum,
                                             QSizePolicy.Policy.Fixed)
        for value, text in _channels():
            self.preferred_channel.addItem(text, value)
        self.call_not_before = QLineEdit()
        self.call_not_after = QLineEdit()
        for edit in (self.call_not_before, self.call_not_after):
            edit.setPlaceholderText("hh:mm")
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("hh:mm") + 40)
        self.address_line = QLineEdit()
        self.postal_code = QLineEdit()
        self.postal_code.setMaximumWidth(90)
        self.city = QLineEdit()
        self.referring_doctor = QLineEdit()
        self.referring_doctor.setPlaceholderText(_("Doctor's name"))
        self.referring_doctor.setToolTip(_("Type a name, or choose from the directory"))
        self.pick_doctor_button = QPushButton(_("Directory…"))
        self.pick_doctor_button.setToolTip(_("Choose the referring doctor from the directory"))
        self.pick_doctor_button.clicked.connect(self.choose_referring_contact)
        self.pick_doctor_button.setVisible(pick_contact is not None)
        self.unlink_doctor_button = QPushButton("✕")
        self.unlink_doctor_button.setToolTip(_("Remove the link to the directory"))
        self.unlink_doctor_button.setFixedWidth(34)
        self.unlink_doctor_button.clicked.connect(lambda: self._set_contact(None, "", dirty=True))
        self.reminder_consent = QCheckBox(_("Agrees to appointment reminders"))
        self.admin_note = QPlainTextEdit()
        self.admin_note.setPlaceholderText(_("Administrative information only (no medical notes)"))
        self.admin_note.setFixedHeight(70)

        self.errors = {k: FieldError() for k in (
            "birth_name", "first_names", "birth_date", "email", "email_other", "postal_code",
            "call_not_after", "referring_contact_id", "alert")}
        self.phone_rows: list[PhoneRow] = []
        self.phones_box = QVBoxLayout()
        self.phones_box.setSpacing(4)
        self.add_phone_button = QPushButton(_("Add a phone number"))
        self.add_phone_button.clicked.connect(lambda: self.add_phone_row(focus=True))

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(pgettext("patient", "Title"), self.civility)
        form.addRow(_("Birth name") + " *", self._with_error(self.birth_name, "birth_name"))
        form.addRow(_("Used name"), self.used_name)
        form.addRow(_("First names") + " *", self._with_error(self.first_names, "first_names"))
        dob = QHBoxLayout()
        dob.addWidget(self.birth_date)
        dob.addSpacing(16)
        dob.addWidget(label(_("Sex")))
        dob.addWidget(self.sex)
        dob.addStretch()
        dob_w = QWidget()
        dob_w.setLayout(dob)
        dob.setContentsMargins(0, 0, 0, 0)
        form.addRow(_("Birth date"), self._with_error(dob_w, "birth_date"))
        phones = QVBoxLayout()
        phones.addLayout(self.phones_box)
        phones.addWidget(self.add_phone_button, alignment=Qt.AlignmentFlag.AlignLeft)
        phones_w = QWidget()
        phones.setContentsMargins(0, 0, 0, 0)
        phones_w.setLayout(phones)
        form.addRow(_("Phones"), phones_w)
        form.addRow(_("E-mail"), self._with_error(self.email, "email"))
        form.addRow(_("Other e-mail"), self._with_error(self.email_other, "email_other"))
        form.addRow(_("Preferred contact"), self.preferred_channel)
        window = QHBoxLayout()
        window.setContentsMargins(0, 0, 0, 0)
        # "between … and …": short words, so that both times fit beside the label.
        window.addWidget(label(pgettext("call window", "between")))
        window.addWidget(self.call_not_before)
        window.addSpacing(8)
        window.addWidget(label(pgettext("call window", "and")))
        window.addWidget(self.call_not_after)
        window.addStretch()
        window_w = QWidget()
        window_w.setLayout(window)
        form.addRow(_("Calls"), self._with_error(window_w, "call_not_after"))
        form.addRow(_("Address"), self.address_line)
        town = QHBoxLayout()
        town.setContentsMargins(0, 0, 0, 0)
        town.addWidget(self.postal_code)
        town.addWidget(self.city)
        town_w = QWidget()
        town_w.setLayout(town)
        form.addRow(_("Postal code, town"), self._with_error(town_w, "postal_code"))
        doctor = QHBoxLayout()
        doctor.setContentsMargins(0, 0, 0, 0)
        doctor.addWidget(self.referring_doctor, 1)
        doctor.addWidget(self.unlink_doctor_button)
        doctor.addWidget(self.pick_doctor_button)
        doctor_w = QWidget()
        doctor_w.setLayout(doctor)
        form.addRow(_("Referring doctor"), self._with_error(doctor_w, "referring_contact_id"))
        form.addRow("", self.reminder_consent)
        form.addRow(_("Alert"), self._with_error(self.alert, "alert"))
        form.addRow(_("Administrative note"), self.admin_note)
        # The read-scope rule: a role that never gets the note does not see its field.
        if not access.sees_admin_note(service.principal):
            form.setRowVisible(self.admin_note, False)

        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("Primary")
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(_("Cancel"))
        self.revert_button.setToolTip(_("Leave editing without saving (Escape)"))
        self.revert_button.clicked.connect(self.cancel_editing)
        self.edit_button = QPushButton(_("Edit"))
        self.edit_button.setObjectName("Primary")
        self.edit_button.setToolTip(_("Edit the card (Ctrl+E)"))
        self.edit_button.clicked.connect(self.start_editing)
        self.read_only_hint = label(_("Read only: press Ctrl+E or “Edit” to change the card."),
                                    "Hint", wrap=True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.read_only_hint, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.edit_button)

        card_frame(self, [self.heading, self.subheading, self.agenda_summary,
                          self.alert_banner, self.banner, self.similar_panel], form, buttons)

        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        for keys, slot in ((EDIT_KEYS, self.start_editing), ("Escape", self.cancel_editing)):
            shortcut = QShortcut(QKeySequence(keys), self, activated=slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for edit in self._line_edits():
            edit.textEdited.connect(self._mark_dirty)
        self.admin_note.textChanged.connect(self._mark_dirty)
        for combo in (self.civility, self.sex, self.preferred_channel):
            combo.currentIndexChanged.connect(self._mark_dirty)
        self.reminder_consent.toggled.connect(self._mark_dirty)
        self.new_patient()

    # -- read-only or editing ---------------------------------------------------------
    @property
    def editing(self) -> bool:
        return self._editing

    def _set_editing(self, on: bool) -> None:
        self._editing = on
        for edit in self._line_edits():
            edit.setReadOnly(not on or (edit is self.referring_doctor
                                        and self._contact_id is not None))
        self.admin_note.setReadOnly(not on)
        for widget in (self.civility, self.sex, self.preferred_channel,
                       self.reminder_consent):
            widget.setEnabled(on)
        for row in self.phone_rows:
            row.set_editable(on)
        self.add_phone_button.setVisible(on)
        self.pick_doctor_button.setVisible(on and self._pick_contact is not None)
        self.unlink_doctor_button.setVisible(on and self._contact_id is not None)
        self._sync_buttons()
        self.editing_changed.emit(on)

    def start_editing(self) -> bool:
        """"Edit" (Ctrl+E): the card's fields take typing; False without a card shown."""
        if self._editing:
            return True
        if self._current is None:
            return False
        self._set_editing(True)
        self.birth_name.setFocus()
        self.birth_name.selectAll()
        return True

    def cancel_editing(self) -> bool:
        """Escape or "Cancel": back to the card as saved (asking first about unsaved
        changes); False when the user chose to keep editing."""
        if not self._editing:
            return True
        if self._dirty:
            choice = ask_unsaved(self, _("The current patient card has unsaved changes."))
            if choice == "cancel":
                return False
            if choice == "save":
                return self.save()
        self.revert()
        return True

    def _sync_buttons(self) -> None:
        editing = self._editing
        existing = self._current is not None
        self.save_button.setVisible(editing)
        self.save_button.setEnabled(editing and (self._dirty or not existing))
        self.revert_button.setVisible(editing and (existing or self._dirty))
        self.revert_button.setEnabled(editing)
        self.edit_button.setVisible(not editing and existing)
        self.read_only_hint.setVisible(not editing and existing)

    def set_agenda_summary(self, text: str) -> None:
        """The next appointment and the unexcused absences ("" hides the line)."""
        self.agenda_summary.setText(text)
        self.agenda_summary.setVisible(bool(text))

    def _with_error(self, widget: QWidget, key: str) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(widget)
        v.addWidget(self.errors[key])
        return box

    def _line_edits(self) -> tuple[QLineEdit, ...]:
        return (self.birth_name, self.used_name, self.first_names, self.birth_date, self.email,
                self.email_other, self.call_not_before, self.call_not_after, self.address_line,
                self.postal_code, self.city, self.referring_doctor, self.alert)

    # -- referring doctor -----------------------------------------------------------
    def _set_contact(self, contact_id: str | None, name: str, *, dirty: bool = False) -> None:
        """A linked contact shows its directory name, read-only; unlinking frees the field."""
        self._contact_id = contact_id
        self.referring_doctor.setReadOnly(contact_id is not None or not self._editing)
        self.unlink_doctor_button.setVisible(contact_id is not None and self._editing)
        if contact_id is not None:
            self.referring_doctor.setText(name)
        if dirty:
            self._mark_dirty()

    def choose_referring_contact(self) -> None:
        if self._pick_contact is None:
            return
        chosen = self._pick_contact(self)
        if chosen:
            contact_id, name = chosen
            self._set_contact(contact_id, name, dirty=True)

    # -- phones -------------------------------------------------------------------
    def add_phone_row(self, *, focus: bool = False) -> PhoneRow:
        row = PhoneRow()
        row.removed.connect(self._remove_phone_row)
        row.number.textEdited.connect(self._mark_dirty)
        row.kind.currentIndexChanged.connect(self._mark_dirty)
        row.set_editable(self._editing)
        self.phone_rows.append(row)
        self.phones_box.addWidget(row)
        row.show()  # a widget added to an already visible form is otherwise shown late
        self.add_phone_button.setEnabled(len(self.phone_rows) < MAX_PHONES)
        if focus:
            row.number.setFocus()
        return row

    def _show_phones(self, phones: list[tuple[str, str]]) -> None:
        """Fill the phone rows, reusing the existing widgets: building rows on every
        card opened was most of the time it took to show a card."""
        phones = phones or [(PhoneKind.MOBILE.value, "")]
        for i, (kind, number) in enumerate(phones):
            row = self.phone_rows[i] if i < len(self.phone_rows) else self.add_phone_row()
            row.kind.setCurrentIndex(max(0, row.kind.findData(kind)))
            row.number.setText(number)
            row.error.show_message("")
            mark_invalid(row.number, False)
        for row in self.phone_rows[len(phones):]:
            self.phone_rows.remove(row)
            row.setParent(None)
            row.deleteLater()
        self.add_phone_button.setEnabled(len(self.phone_rows) < MAX_PHONES)

    def _remove_phone_row(self, row: PhoneRow) -> None:
        self.phone_rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.add_phone_button.setEnabled(True)
        self._mark_dirty()

    def _clear_errors(self) -> None:
        self.banner.hide()
        self.similar_panel.hide()
        for err in self.errors.values():
            err.show_message("")
        for edit in self._line_edits():
            mark_invalid(edit, False)

    # -- load ---------------------------------------------------------------------
    def new_patient(self, prefill: PatientInput | None = None) -> None:
        """An empty card; ``prefill``: what a search typed ("Créer ce patient"), in its
        fields (names, birth date, phones)."""
        self._loading = True
        self._current = None
        self.heading.setText(_("New patient"))
        self.subheading.setText(_("Fields marked * are required."))
        for edit in self._line_edits():
            edit.clear()
        self.admin_note.clear()
        self.civility.setCurrentIndex(0)
        self.sex.setCurrentIndex(0)
        self.preferred_channel.setCurrentIndex(0)
        self._set_contact(None, "")
        self.alert_banner.hide()
        self.reminder_consent.setChecked(False)
        self._show_phones([])
        self.set_agenda_summary("")
        if prefill is not None:
            self.birth_name.setText(prefill.birth_name)
            self.used_name.setText(prefill.used_name)
            self.first_names.setText(prefill.first_names)
            self.birth_date.setText(str(prefill.birth_date or ""))
            self._show_phones([(p.kind, p.number) for p in prefill.phones])
        self._clear_errors()
        self._loading = False
        self._set_clean()
        self._set_editing(True)  # a new card is typed into at once
        self.loaded.emit("")

    def first_empty_field(self) -> QLineEdit:
        """Where typing goes on a new card: the first required name still empty, else
        the birth date, else the first phone."""
        for edit in (self.birth_name, self.first_names, self.birth_date):
            if not edit.text().strip():
                return edit
        if self.phone_rows and not self.phone_rows[0].number.text().strip():
            return self.phone_rows[0].number
        return self.birth_name

    def load(self, details: PatientDetails) -> None:
        self._loading = True
        self._current = details
        self.heading.setText(details.display_name)
        bits = []
        if details.birth_date:
            when = format_date(details.birth_date)
            born = {"F": pgettext("female", "born on {date}"),
                    "M": pgettext("male", "born on {date}")}.get(details.sex)
            bits.append((born or _("born on {date}")).format(date=when))
            age = age_text(details.birth_date, self._today())
            if age:
                bits.append(age)
        if details.phones:
            bits.append(details.phones[0].display)
        self.subheading.setText(" · ".join(bits))
        self.civility.setCurrentIndex(max(0, self.civility.findData(details.civility)))
        self.birth_name.setText(details.birth_name)
        self.used_name.setText(details.used_name)
        self.first_names.setText(details.first_names)
        self.birth_date.setText(format_date(details.birth_date) if details.birth_date else "")
        self.sex.setCurrentIndex(max(0, self.sex.findData(details.sex)))
        self.email.setText(details.email)
        self.email_other.setText(details.email_other)
        self.preferred_channel.setCurrentIndex(
            max(0, self.preferred_channel.findData(details.preferred_channel)))
        self.call_not_before.setText(_hhmm(details.call_not_before))
        self.call_not_after.setText(_hhmm(details.call_not_after))
        self.alert.setText(details.alert)
        self.alert_banner.setText("⚠ " + details.alert)
        self.alert_banner.setVisible(bool(details.alert))
        self.address_line.setText(details.address_line)
        self.postal_code.setText(details.postal_code)
        self.city.setText(details.city)
        self.referring_doctor.setText(details.referring_doctor)
        if details.referring_contact_id:
            self._set_contact(details.referring_contact_id,
                              details.referring_contact_name or _("(removed from the directory)"))
        else:
            self._set_contact(None, "")
        self.admin_note.setPlainText(details.admin_note)
        self.reminder_consent.setChecked(details.reminder_consent)
        self._show_phones([(p.kind, p.display) for p in details.phones])
        for edit in self._line_edits():
            edit.setCursorPosition(0)  # long values show their start, not their end
        self._clear_errors()
        self._loading = False
        self._set_clean()
        self._set_editing(False)  # a card opens read-only
        self.loaded.emit(details.id)

    def revert(self) -> None:
        if self._current is None:
            self.new_patient()
        else:
            self.load(self._current)

    # -- save ---------------------------------------------------------------------
    def collect(self) -> PatientInput:
        return PatientInput(
            civility=self.civility.currentData(), birth_name=self.birth_name.text(),
            used_name=self.used_name.text(), first_names=self.first_names.text(),
            birth_date=self.birth_date.text(), sex=self.sex.currentData(),
            phones=[r.entry() for r in self.phone_rows], email=self.email.text(),
            address_line=self.address_line.text(), postal_code=self.postal_code.text(),
            city=self.city.text(), admin_note=self.admin_note.toPlainText(),
            # A linked contact is named by the directory; the text is kept for a typed name.
            referring_doctor=(self._current.referring_doctor if self._current else "")
            if self._contact_id else self.referring_doctor.text(),
            referring_contact_id=self._contact_id,
            reminder_consent=self.reminder_consent.isChecked(),
            email_other=self.email_other.text(),
            preferred_channel=self.preferred_channel.currentData(),
            call_not_before=self.call_not_before.text(), call_not_after=self.call_not_after.text(),
            alert=self.alert.text(),
        )

    def _show_similar(self, similar) -> None:
        lines = []
        for p in similar[:5]:
            why = " ; ".join({"same_identity": _("same name and birth date"),
                              "same_phone": _("same phone number")}.get(r, r) for r in p.reasons)
            bits = [p.display_name]
            if p.birth_date:
                bits.append(format_date(p.birth_date))
            if p.phone:
                bits.append(p.phone)
            lines.append(f"• {' · '.join(bits)} ({why})")
        more = len(similar) - len(lines)
        if more > 0:
            lines.append(ngettext("and {n} other", "and {n} others", more).format(n=more))
        self.similar_label.setText(ngettext(
            "This patient may already have a card:", "This patient may already have a card "
            "among these:", len(similar)) + "\n" + "\n".join(lines))
        self._similar_first = similar[0].id
        self.similar_panel.show()
        self.open_existing_button.setFocus()

    def _create_anyway(self) -> None:
        self._similar_accepted = True
        try:
            self.save()
        finally:
            self._similar_accepted = False

    def save(self) -> bool:
        self._clear_errors()
        data = self.collect()
        if self._current is None and self._similar is not None and not self._similar_accepted:
            try:
                similar = self._similar(data)
            except ValidationError as exc:
                self._show_errors(exc.errors)
                return False
            if similar:
                self._show_similar(similar)
                return False
        try:
            if self._current is None:
                details = self._service.create(data)
            else:
                details = self._service.update(self._current.id, data,
                                               expected_version=self._current.version)
        except ValidationError as exc:
            self._show_errors(exc.errors)
            return False
        except ConcurrentEdit as exc:
            self.banner.setText(exc.user_message)
            self.banner.show()
            return False
        self.load(details)
        self.saved.emit(details.id)
        return True

    def _show_errors(self, errors: dict[str, str]) -> None:
        edits = {"birth_name": self.birth_name, "first_names": self.first_names,
                 "birth_date": self.birth_date, "email": self.email,
                 "email_other": self.email_other, "postal_code": self.postal_code,
                 "call_not_after": self.call_not_after, "alert": self.alert,
                 "referring_contact_id": self.referring_doctor}
        if "call_not_before" in errors:  # one message under the call window row
            errors = {**errors, "call_not_after": errors["call_not_before"]}
            mark_invalid(self.call_not_before, True)
        first_widget = None
        for key, message in errors.items():
            if key.startswith("phone"):
                row = self.phone_rows[int(key[5:])] if int(key[5:]) < len(self.phone_rows) else None
                if row is not None:
                    row.error.show_message(message)
                    mark_invalid(row.number, True)
                    first_widget = first_widget or row.number
                continue
            if key in self.errors:
                self.errors[key].show_message(message)
                mark_invalid(edits[key], True)
                first_widget = first_widget or edits[key]
        self.banner.setText(_("The patient was not saved: correct the fields marked in red."))
        self.banner.show()
        if first_widget is not None:
            first_widget.setFocus()
