"""The contact card: a professional's or an organisation's details, validated by the service."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, ngettext, pgettext
from app.models import ContactCategory
from app.services.directory import (
    ContactDetails,
    ContactInput,
    DirectoryService,
    categories,
    category_label,
)
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.phones import InvalidPhone, display_phone, parse_phone
from app.ui.dialer import add_dial_action
from app.ui.plain import message_box
from app.ui.record_form import RecordForm
from app.ui.widgets import FieldError, card_frame, label, mark_invalid

PHONES = ("phone", "phone2", "fax")


def category_combo(*, with_all: bool = False) -> QComboBox:
    """The categories, in the user's language; "All categories" (data None) first if asked."""
    combo = QComboBox()
    if with_all:
        combo.addItem(_("All categories"), None)
    for value, text in categories():
        combo.addItem(text, value)
    return combo


class ContactForm(RecordForm):
    """Create, edit or delete one contact. Emits ``saved(id)`` / ``deleted(id)``."""

    saved = Signal(str)
    deleted = Signal(str)

    def __init__(self, service: DirectoryService, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._current: ContactDetails | None = None

        self.heading = label(_("New contact"), "PageTitle", wrap=True)
        self.subheading = label("", "Muted")
        self.banner = label("", "Banner", wrap=True)
        self.banner.hide()

        self.category = category_combo()
        self.title = QLineEdit()
        self.title.setPlaceholderText(_("Dr, Pr…"))
        # As wide as its placeholder in the chosen language, and no wider.
        self.title.setMaximumWidth(
            self.title.fontMetrics().horizontalAdvance(self.title.placeholderText()) + 24)
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("Surname or organisation"))
        self.first_name = QLineEdit()
        self.organisation = QLineEdit()
        self.organisation.setPlaceholderText(_("Hospital, clinic, practice…"))
        self.specialty = QLineEdit()
        self.phone = QLineEdit()
        self.phone2 = QLineEdit()
        self.fax = QLineEdit()
        for edit in (self.phone, self.phone2, self.fax):
            edit.setPlaceholderText("02 47 12 34 56")
        # The directory's card is always editable: its numbers can be dialled as they are.
        self.dial_actions = [add_dial_action(edit, read_only_only=False)
                             for edit in (self.phone, self.phone2)]
        self.email = QLineEdit()
        self.mssante = QLineEdit()
        self.mssante.setPlaceholderText(_("name@medecin.mssante.fr"))
        self.address_line = QLineEdit()
        self.postal_code = QLineEdit()
        self.postal_code.setMaximumWidth(90)
        self.city = QLineEdit()
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(_("Opening hours, secretary, how to send results…"))
        self.note.setFixedHeight(70)

        self.edits = {"category": self.category, "name": self.name, "phone": self.phone,
                      "phone2": self.phone2, "fax": self.fax, "email": self.email,
                      "mssante": self.mssante, "postal_code": self.postal_code}
        self.errors = {k: FieldError() for k in self.edits}

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(_("Category"), self._with_error(self.category, "category"))
        name_row = QHBoxLayout()
        name_row.setContentsMargins(0, 0, 0, 0)
        name_row.addWidget(self.title)
        name_row.addWidget(self.name, 1)
        name_w = QWidget()
        name_w.setLayout(name_row)
        form.addRow(pgettext("contact", "Title, name") + " *", self._with_error(name_w, "name"))
        form.addRow(_("First name"), self.first_name)
        form.addRow(_("Organisation"), self.organisation)
        form.addRow(_("Specialty"), self.specialty)
        form.addRow(_("Phone"), self._with_error(self.phone, "phone"))
        form.addRow(_("Other phone"), self._with_error(self.phone2, "phone2"))
        form.addRow(_("Fax"), self._with_error(self.fax, "fax"))
        form.addRow(_("E-mail"), self._with_error(self.email, "email"))
        form.addRow(_("MSSanté"), self._with_error(self.mssante, "mssante"))
        form.addRow(_("Address"), self.address_line)
        town = QHBoxLayout()
        town.setContentsMargins(0, 0, 0, 0)
        town.addWidget(self.postal_code)
        town.addWidget(self.city)
        town_w = QWidget()
        town_w.setLayout(town)
        form.addRow(_("Postal code, town"), self._with_error(town_w, "postal_code"))
        form.addRow(_("Note"), self.note)

        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("Primary")
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(_("Discard changes"))
        self.revert_button.clicked.connect(self.revert)
        self.delete_button = QPushButton(_("Delete"))
        self.delete_button.setToolTip(_("Remove this contact from the directory"))
        self.delete_button.clicked.connect(self.delete_contact)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch()
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        card_frame(self, [self.heading, self.subheading, self.banner], form, buttons)

        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        for edit in self._line_edits():
            edit.textEdited.connect(self._mark_dirty)
        for key in PHONES:
            self.edits[key].editingFinished.connect(lambda key=key: self.check_phone(key))
        self.note.textChanged.connect(self._mark_dirty)
        self.category.currentIndexChanged.connect(self._mark_dirty)
        self.new_contact()

    def _line_edits(self) -> tuple[QLineEdit, ...]:
        return (self.title, self.name, self.first_name, self.organisation, self.specialty,
                self.phone, self.phone2, self.fax, self.email, self.mssante, self.address_line,
                self.postal_code, self.city)

    def _with_error(self, widget: QWidget, key: str) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(widget)
        v.addWidget(self.errors[key])
        return box

    # -- state --------------------------------------------------------------------
    def _sync_buttons(self) -> None:
        super()._sync_buttons()
        self.delete_button.setVisible(self._current is not None)

    def _clear_errors(self) -> None:
        self.banner.hide()
        for key, err in self.errors.items():
            err.show_message("")
            if isinstance(self.edits[key], QLineEdit):
                mark_invalid(self.edits[key], False)

    def check_phone(self, key: str) -> bool:
        """On leaving a number: shown French-style if valid, flagged at once if not."""
        edit = self.edits[key]
        text = edit.text().strip()
        if not text:
            self.errors[key].show_message("")
            mark_invalid(edit, False)
            return True
        try:
            parsed = parse_phone(text)
        except InvalidPhone:
            self.errors[key].show_message(
                _("“{number}” is not a valid phone number.").format(number=text))
            mark_invalid(edit, True)
            return False
        edit.setText(display_phone(parsed.e164))
        self.errors[key].show_message("")
        mark_invalid(edit, False)
        return True

    # -- load ---------------------------------------------------------------------
    def new_contact(self, *, category: str | None = None) -> None:
        self._loading = True
        self._current = None
        self.heading.setText(_("New contact"))
        self.subheading.setText(_("Fields marked * are required."))
        for edit in self._line_edits():
            edit.clear()
        self.note.clear()
        wanted = category or ContactCategory.OTHER.value
        self.category.setCurrentIndex(max(0, self.category.findData(wanted)))
        self._clear_errors()
        self._loading = False
        self._set_clean()

    def load(self, details: ContactDetails) -> None:
        self._loading = True
        self._current = details
        self.heading.setText(details.display_name)
        bits = [category_label(details.category)]
        if details.specialty:
            bits.append(details.specialty)
        if details.phone_display:
            bits.append(details.phone_display)
        self.subheading.setText(" · ".join(bits))
        self.category.setCurrentIndex(max(0, self.category.findData(details.category)))
        self.title.setText(details.title)
        self.name.setText(details.name)
        self.first_name.setText(details.first_name)
        self.organisation.setText(details.organisation)
        self.specialty.setText(details.specialty)
        self.phone.setText(details.phone_display)
        self.phone2.setText(details.phone2_display)
        self.fax.setText(details.fax_display)
        self.email.setText(details.email)
        self.mssante.setText(details.mssante)
        self.address_line.setText(details.address_line)
        self.postal_code.setText(details.postal_code)
        self.city.setText(details.city)
        self.note.setPlainText(details.note)
        self._clear_errors()
        self._loading = False
        self._set_clean()

    def revert(self) -> None:
        if self._current is None:
            self.new_contact(category=self.category.currentData())
        else:
            self.load(self._current)

    # -- save ---------------------------------------------------------------------
    def collect(self) -> ContactInput:
        return ContactInput(
            category=self.category.currentData(), title=self.title.text(),
            name=self.name.text(), first_name=self.first_name.text(),
            organisation=self.organisation.text(), specialty=self.specialty.text(),
            phone=self.phone.text(), phone2=self.phone2.text(), fax=self.fax.text(),
            email=self.email.text(), mssante=self.mssante.text(),
            address_line=self.address_line.text(), postal_code=self.postal_code.text(),
            city=self.city.text(), note=self.note.toPlainText(),
        )

    def save(self) -> bool:
        self._clear_errors()
        data = self.collect()
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
            self._show_banner(exc.user_message)
            return False
        except NotFound:
            self._show_banner(_("This contact was removed from the directory meanwhile."))
            return False
        self.load(details)
        self.saved.emit(details.id)
        return True

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def _show_errors(self, errors: dict[str, str]) -> None:
        first_widget = None
        for key, message in errors.items():
            if key not in self.errors:
                continue
            self.errors[key].show_message(message)
            edit = self.edits[key]
            if isinstance(edit, QLineEdit):
                mark_invalid(edit, True)
            first_widget = first_widget or edit
        self._show_banner(_("The contact was not saved: correct the fields marked in red."))
        if first_widget is not None:
            first_widget.setFocus()

    # -- delete -------------------------------------------------------------------
    def delete_contact(self) -> bool:
        """Ask, then remove the contact; patients referring to it keep a "removed" link."""
        if self._current is None:
            return False
        current = self._current
        text = _("Remove “{name}” from the directory?").format(name=current.display_name)
        linked = self._service.referring_patients(current.id)
        if linked:
            text += "\n\n" + ngettext(
                "{n} patient has this contact as referring doctor; the card will show it "
                "as removed from the directory.",
                "{n} patients have this contact as referring doctor; their cards will show "
                "it as removed from the directory.", linked).format(n=linked)
        box = message_box(QMessageBox.Icon.Question, _("Delete a contact"), text, parent=self)
        delete = box.addButton(_("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        if box.clickedButton() is not delete:
            return False
        try:
            self._service.delete(current.id, expected_version=current.version)
        except ConcurrentEdit as exc:
            self._show_banner(exc.user_message)
            return False
        except NotFound:
            pass  # already removed elsewhere: the outcome the user asked for
        self.new_contact(category=current.category)
        self.deleted.emit(current.id)
        return True
