"""Appointment types ("motifs"): the list, and the card to create or change one."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, ngettext, pgettext
from app.services.agenda.setup import AgendaSetupService, TypeInput
from app.services.agenda.views import TypeInfo
from app.services.errors import NotFound, ValidationError
from app.services.practice import PractitionerInfo
from app.ui.agenda_settings.common import with_error
from app.ui.plain import button_text, tooltip
from app.ui.record_form import RecordForm
from app.ui.table_model import RowTableModel
from app.ui.widgets import FieldError, ask_unsaved, card_frame, label, mark_invalid, result_table

ID_ROLE = Qt.ItemDataRole.UserRole + 1
INACTIVE_INK = QColor("#9ca3af")
OTHER_COLOUR = "other"
YES, NO = "✓", "—"  # compact in the list; the tooltips say it in words


def palette() -> list[tuple[str, str]]:
    """Colours a dark or a white text reads well on, in the agenda and on paper."""
    return [("#3b7dd8", _("Blue")), ("#2e9e6b", _("Green")), ("#1a9aa0", _("Teal")),
            ("#c2a01f", _("Ochre")), ("#e07b39", _("Orange")), ("#d64545", _("Red")),
            ("#d6589f", _("Pink")), ("#8e5cc4", _("Purple")), ("#8a6d3b", _("Brown")),
            ("#6b7280", _("Grey"))]


def swatch(colour: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def minutes_text(n: int) -> str:
    return _("{n} min").format(n=n)


class TypeTableModel(RowTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([_("Name"), _("Duration"), pgettext("type list", "Remote"),
                          _("Offered by"), pgettext("type", "Active")], parent)
        self._rows: list[TypeInfo]
        self._names: dict[str, str] = {}

    def set_names(self, names: dict[str, str]) -> None:
        self._names = names

    def offered_by(self, row: TypeInfo, *, short: bool = False) -> str:
        if not row.practitioner_ids:
            return pgettext("practitioners", "All") if short else _("All practitioners")
        if short and len(row.practitioner_ids) > 1:
            # A count fits the column; the names are in the tooltip.
            n = len(row.practitioner_ids)
            return ngettext("{n} practitioner", "{n} practitioners", n).format(n=n)
        return ", ".join(sorted(self._names.get(p, "?") for p in row.practitioner_ids))

    @staticmethod
    def duration(row: TypeInfo) -> str:
        if not row.buffer_after_min:
            return minutes_text(row.duration_min)
        return _("{duration} + {after}").format(duration=minutes_text(row.duration_min),
                                                after=minutes_text(row.buffer_after_min))

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, self.duration(row),
                    YES if row.remote_bookable else NO, self.offered_by(row, short=True),
                    YES if row.active else NO)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 4):
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return QColor(row.colour)  # the colour the agenda paints it with
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return tooltip(row.name)
            if col == 1 and row.buffer_after_min:
                return _("{duration}, then {after} kept free after it").format(
                    duration=minutes_text(row.duration_min),
                    after=minutes_text(row.buffer_after_min))
            if col == 2:
                return (_("A remote secretary may book it") if row.remote_bookable
                        else _("Booked at the practice only"))
            if col == 3:
                return tooltip(self.offered_by(row))
            if col == 4:
                return _("Offered when booking") if row.active else _("No longer offered")
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return INACTIVE_INK
        if role == ID_ROLE:
            return row.id
        return None


class TypeForm(RecordForm):
    """Create or change one appointment type. Emits ``saved(id)``."""

    saved = Signal(str)

    def __init__(self, service: AgendaSetupService, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._current: TypeInfo | None = None
        self._practitioners: list[PractitionerInfo] = []

        self.heading = label(_("New appointment type"), "PageTitle", wrap=True)
        self.banner = label("", "Banner", wrap=True)
        self.banner.hide()

        self.name = QLineEdit()
        self.name.setPlaceholderText(_("Consultation, home visit, vaccination…"))
        self.name.setMaxLength(100)
        self.duration = QSpinBox()
        self.duration.setRange(5, 720)
        self.duration.setSingleStep(5)
        self.duration.setSuffix(" " + _("min"))
        self.duration.setValue(15)
        self.buffer = QSpinBox()
        self.buffer.setRange(0, 120)
        self.buffer.setSingleStep(5)
        self.buffer.setSuffix(" " + _("min"))
        self.buffer.setToolTip(_("Time kept free after each appointment of this type "
                                 "(travel, cleaning, writing up)"))
        self.colour = QComboBox()
        self.colour.setToolTip(_("The colour of these appointments in the agenda"))
        self._fill_colours()
        self.remote = QCheckBox(_("A remote secretary may book it"))
        self.urgent_only = QCheckBox(_("Reserved for urgent calls (booked only from the "
                                       "call panel's urgent protocol)"))
        self.urgent_only.setToolTip(_("Set its time aside in each practitioner's weekly "
                                      "hours by a range restricted to this type"))
        self.active = QCheckBox(_("Offered when booking"))
        self.active_hint = label(_("Types are never deleted: untick to stop offering one; "
                                   "past appointments keep it."), "Hint", wrap=True)
        self.practitioner_box = QWidget()
        self._practitioner_layout = QVBoxLayout(self.practitioner_box)
        self._practitioner_layout.setContentsMargins(0, 0, 0, 0)
        self._practitioner_layout.setSpacing(2)
        self.practitioner_checks: dict[str, QCheckBox] = {}
        self.practitioner_hint = label(_("None ticked: every practitioner offers it."),
                                       "Hint", wrap=True)

        self.edits = {"name": self.name, "duration": self.duration, "buffer": self.buffer,
                      "colour": self.colour}
        self.errors = {k: FieldError() for k in self.edits}

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(_("Name") + " *", with_error(self.name, self.errors["name"]))
        form.addRow(_("Duration"), with_error(self.duration, self.errors["duration"]))
        form.addRow(_("Time after"), with_error(self.buffer, self.errors["buffer"]))
        form.addRow(_("Colour"), with_error(self.colour, self.errors["colour"]))
        form.addRow(_("Remote booking"), self.remote)
        form.addRow(_("Urgent slots"), self.urgent_only)
        offered = QWidget()
        offered_layout = QVBoxLayout(offered)
        offered_layout.setContentsMargins(0, 0, 0, 0)
        offered_layout.addWidget(self.practitioner_box)
        offered_layout.addWidget(self.practitioner_hint)
        form.addRow(_("Offered by"), offered)
        status = QWidget()
        status_layout = QVBoxLayout(status)
        status_layout.setContentsMargins(0, 0, 0, 0)
        status_layout.addWidget(self.active)
        status_layout.addWidget(self.active_hint)
        form.addRow(pgettext("type", "Active"), status)

        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("Primary")
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(_("Discard changes"))
        self.revert_button.clicked.connect(self.revert)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        card_frame(self, [self.heading, self.banner], form, buttons)

        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        self.name.textEdited.connect(self._mark_dirty)
        self.duration.valueChanged.connect(self._mark_dirty)
        self.buffer.valueChanged.connect(self._mark_dirty)
        self.colour.activated.connect(self._colour_chosen)
        self.colour.currentIndexChanged.connect(self._mark_dirty)
        self.remote.toggled.connect(self._mark_dirty)
        self.urgent_only.toggled.connect(self._mark_dirty)
        self.active.toggled.connect(self._mark_dirty)
        self.new_type()

    # -- colours ------------------------------------------------------------------
    def _fill_colours(self) -> None:
        for value, name in palette():
            self.colour.addItem(swatch(value), name, value)
        self.colour.addItem(_("Other colour…"), OTHER_COLOUR)

    def colour_value(self) -> str:
        return self.colour.currentData() or ""

    def set_colour(self, value: str) -> None:
        index = self.colour.findData(value.lower())
        if index < 0:
            index = self.colour.findData(value)
        if index < 0:  # a colour from the dialog: listed under its code, before "Other"
            index = self.colour.count() - 1
            self.colour.insertItem(index, swatch(value), value, value)
        self.colour.setCurrentIndex(index)
        self._last_colour = value

    def _colour_chosen(self, index: int) -> None:
        if self.colour.itemData(index) != OTHER_COLOUR:
            self._last_colour = self.colour.itemData(index)
            return
        chosen = QColorDialog.getColor(QColor(self._last_colour), self,
                                       _("Colour of the appointment type"))
        self.set_colour(chosen.name() if chosen.isValid() else self._last_colour)

    # -- practitioners ------------------------------------------------------------
    def set_practitioners(self, practitioners: list[PractitionerInfo]) -> None:
        self._practitioners = list(practitioners)
        for box in self.practitioner_checks.values():
            box.deleteLater()
        self.practitioner_checks = {}
        for p in practitioners:
            box = QCheckBox(button_text(p.display_name))
            box.toggled.connect(self._mark_dirty)
            self._practitioner_layout.addWidget(box)
            self.practitioner_checks[p.id] = box
        # Tab goes down the card in reading order, the checkboxes made now included.
        chain = [self.name, self.duration, self.buffer, self.colour, self.remote,
                 self.urgent_only,
                 *self.practitioner_checks.values(), self.active, self.revert_button,
                 self.save_button]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)
        self.revert()

    def chosen_practitioners(self) -> frozenset[str]:
        return frozenset(pid for pid, box in self.practitioner_checks.items() if box.isChecked())

    # -- load ---------------------------------------------------------------------
    def _clear_errors(self) -> None:
        self.banner.hide()
        for err in self.errors.values():
            err.show_message("")
        mark_invalid(self.name, False)

    def new_type(self) -> None:
        self._loading = True
        self._current = None
        self.heading.setText(_("New appointment type"))
        self.name.clear()
        self.duration.setValue(15)
        self.buffer.setValue(0)
        self.set_colour(palette()[0][0])
        self.remote.setChecked(True)
        self.urgent_only.setChecked(False)
        self.active.setChecked(True)
        for box in self.practitioner_checks.values():
            box.setChecked(False)
        self._clear_errors()
        self._loading = False
        self._set_clean()

    def load(self, info: TypeInfo) -> None:
        self._loading = True
        self._current = info
        self.heading.setText(info.name)
        self.name.setText(info.name)
        self.duration.setValue(info.duration_min)
        self.buffer.setValue(info.buffer_after_min)
        self.set_colour(info.colour)
        self.remote.setChecked(info.remote_bookable)
        self.urgent_only.setChecked(info.urgent_only)
        self.active.setChecked(info.active)
        for pid, box in self.practitioner_checks.items():
            box.setChecked(pid in info.practitioner_ids)
        self._clear_errors()
        self._loading = False
        self._set_clean()

    def revert(self) -> None:
        if self._current is None:
            self.new_type()
        else:
            self.load(self._current)

    # -- save ---------------------------------------------------------------------
    def collect(self) -> TypeInput:
        chosen = self.chosen_practitioners()
        if chosen and self._current is not None:
            # Keep whoever offered it and is no longer listed (an inactive practitioner).
            chosen |= self._current.practitioner_ids - set(self.practitioner_checks)
        return TypeInput(name=self.name.text(), duration_min=self.duration.value(),
                         buffer_after_min=self.buffer.value(), colour=self.colour_value(),
                         remote_bookable=self.remote.isChecked(),
                         urgent_only=self.urgent_only.isChecked(),
                         practitioner_ids=frozenset(chosen), active=self.active.isChecked())

    def save(self) -> bool:
        self._clear_errors()
        try:
            info = self._service.save_type(self.collect(), self.current_id)
        except ValidationError as exc:
            self._show_errors(exc.errors)
            return False
        except NotFound:
            self.banner.setText(_("This appointment type was removed meanwhile."))
            self.banner.show()
            return False
        self.load(info)
        self.saved.emit(info.id)
        return True

    def _show_errors(self, errors: dict[str, str]) -> None:
        first = None
        for key, message in errors.items():
            if key not in self.errors:
                continue
            self.errors[key].show_message(message)
            if key == "name":
                mark_invalid(self.name, True)
            first = first or self.edits[key]
        self.banner.setText(_("The appointment type was not saved: correct the fields "
                              "marked in red."))
        self.banner.show()
        if first is not None:
            first.setFocus()


class TypesEditor(QWidget):
    """The list of types on the left, the card on the right; Ctrl+N a new type."""

    changed = Signal(list)  # ids of the types saved

    def __init__(self, service: AgendaSetupService, agenda, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._agenda = agenda
        self._choosing = False

        self.title = label(_("Appointment types"), "SectionTitle")
        self.hint = label(_("What can be booked, how long it lasts and how it shows in "
                            "the agenda."), "Hint", wrap=True)
        self.new_button = QPushButton(_("New type"))
        self.new_button.setObjectName("Primary")
        self.new_button.setToolTip(_("New appointment type (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_type)
        self.model = TypeTableModel(self)
        self.table = result_table(self.model)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        # The name takes what is left; the other columns fit their contents (several
        # practitioners are counted, their names in the tooltip).
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.empty_hint = label(_("No appointment type yet. Create the practice's usual "
                                  "ones (consultation, home visit, vaccination…) with "
                                  "“New type” (Ctrl+N)."), "InfoBanner", wrap=True)
        self.empty_hint.hide()
        self.form = TypeForm(service)
        self.form.saved.connect(self._saved)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch()
        top.addWidget(self.new_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.hint)
        left_layout.addWidget(self.empty_hint)
        left_layout.addWidget(self.table, 1)
        right = QWidget()
        right.setObjectName("Card")
        right.setMinimumWidth(470)  # the longest French check box label, unclipped
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(16, 12, 16, 12)
        right_layout.addWidget(self.form)
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        # The form keeps the room it needs; the list takes the rest (names elided, in full
        # in their tooltip).
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([550, 470])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_type)

    def set_practitioners(self, practitioners: list[PractitionerInfo]) -> None:
        self.form.set_practitioners(practitioners)

    def reload(self, select_id: str | None = None) -> None:
        self._choosing = True
        self.model.set_names(self._agenda.practitioner_names())
        self.model.set_rows(self._agenda.types(include_inactive=True))
        self.empty_hint.setVisible(self.model.rowCount() == 0)
        row = self.model.row_of(select_id or self.form.current_id or "")
        if row >= 0:
            self.table.selectRow(row)
        self._choosing = False

    # -- choosing -----------------------------------------------------------------
    def confirm_leave(self) -> bool:
        if not self.form.is_dirty:
            return True
        choice = ask_unsaved(self, _("The appointment type has unsaved changes."))
        if choice == "save":
            return self.form.save()
        if choice == "discard":
            self.form.revert()
            return True
        return False

    def _row_chosen(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._choosing or not current.isValid():
            return
        info = self.model.row_at(current.row())
        if info is None or info.id == self.form.current_id:
            return
        if not self.confirm_leave():
            self._choosing = True
            row = self.model.row_of(self.form.current_id or "")
            if row >= 0:
                self.table.selectRow(row)
            else:
                self.table.clearSelection()
            self._choosing = False
            return
        self.form.load(info)

    def new_type(self) -> None:
        if not self.confirm_leave():
            return
        self._choosing = True
        self.table.clearSelection()
        self.table.setCurrentIndex(QModelIndex())
        self._choosing = False
        self.form.new_type()
        self.form.name.setFocus()

    def _saved(self, type_id: str) -> None:
        self.reload(type_id)
        self.changed.emit([type_id])
