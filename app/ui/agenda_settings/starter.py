"""The agenda's starting point, after the setup assistant (or later from Réglages):
the appointment types of each practitioner's specialty, to tick and adjust, then a
usual week per practitioner. Finish creates it all in one write
(``AgendaSetupService.apply_starter``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.i18n import _, ngettext
from app.services.agenda.setup import AgendaSetupService, HoursRange, StarterPlan, TypeInput
from app.services.agenda.templates import (
    SPECIALTY_KEYS,
    DayTemplate,
    folded_name,
    guess_specialty,
    specialties,
    usual_week,
)
from app.services.errors import NotFound, ValidationError
from app.services.practice import PractitionerInfo
from app.ui.agenda_settings.common import hhmm, weekday_name
from app.ui.agenda_settings.types_editor import palette, swatch
from app.ui.plain import button_text, tooltip
from app.ui.widgets import FieldError, label

NAME, DURATION, COLOUR, OFFERED = range(4)


@dataclass
class _Row:
    specialty: str
    key: str
    practitioner_ids: frozenset[str]  # empty: every practitioner


class TypesStep(QWizardPage):
    """A specialty per practitioner; the union of their templates' motifs, each to tick,
    rename, time and colour."""

    def __init__(self, practitioners: list[PractitionerInfo], existing_names: set[str]) -> None:
        super().__init__()
        self.setTitle(_("Appointment types"))
        self.setSubTitle(_("Choose each practitioner's specialty, then tick the appointment "
                           "types to create. Names, durations and colours can be changed here "
                           "or later in Settings › Agenda."))
        self._practitioners = practitioners
        self._existing = {folded_name(n) for n in existing_names}
        self._templates = {t.key: t for t in specialties()}
        self._edits: dict[tuple[str, str], tuple[bool, str, int, str]] = {}
        self.rows: list[_Row] = []

        self.specialty: dict[str, QComboBox] = {}
        chooser = QFormLayout()
        for p in practitioners:
            combo = QComboBox()
            combo.setAccessibleName(_("Specialty of {name}").format(name=p.display_name))
            combo.addItem(_("No template"), "")
            for key in SPECIALTY_KEYS:
                combo.addItem(self._templates[key].label, key)
            # Unrecognised, the usual case is offered: "No template" is one choice away.
            guessed = guess_specialty(p.specialty) or SPECIALTY_KEYS[0]
            combo.setCurrentIndex(max(0, combo.findData(guessed)))
            combo.currentIndexChanged.connect(self.rebuild)
            chooser.addRow(label(p.display_name), combo)
            self.specialty[p.id] = combo
        self.no_practitioner = label(_("No practitioner yet: the types below are offered by "
                                       "everyone you add later (Settings › Practice)."),
                                     "InfoBanner", wrap=True)
        self.no_practitioner.setVisible(not practitioners)
        if not practitioners:
            self.general = QComboBox()
            for key in SPECIALTY_KEYS:
                self.general.addItem(self._templates[key].label, key)
            self.general.currentIndexChanged.connect(self.rebuild)
            chooser.addRow(_("Specialty"), self.general)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("Name"), _("Duration"), _("Colour"),
                                              _("Offered by")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for col in (DURATION, COLOUR, OFFERED):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName(_("Appointment types to create"))
        self.existing_hint = label(_("Unticked: a type of that name is already in the agenda."),
                                   "Hint", wrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.no_practitioner)
        layout.addLayout(chooser)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.existing_hint)
        self.rebuild()

    def chosen_specialty(self, practitioner_id: str) -> str:
        return self.specialty[practitioner_id].currentData() or ""

    def set_specialty(self, practitioner_id: str, key: str) -> None:
        combo = self.specialty[practitioner_id]
        combo.setCurrentIndex(max(0, combo.findData(key)))

    # -- the rows --------------------------------------------------------------------
    def _groups(self) -> list[tuple[str, frozenset[str]]]:
        """(specialty, who offers its types): every practitioner of that specialty, or
        nobody named (everyone) when the whole practice shares it."""
        if not self._practitioners:
            return [(self.general.currentData(), frozenset())]
        by_key: dict[str, set[str]] = {}
        for p in self._practitioners:
            key = self.chosen_specialty(p.id)
            if key:
                by_key.setdefault(key, set()).add(p.id)
        everyone = {p.id for p in self._practitioners}
        return [(key, frozenset() if by_key[key] == everyone else frozenset(by_key[key]))
                for key in SPECIALTY_KEYS if key in by_key]

    def _keep_edits(self) -> None:
        for i, row in enumerate(self.rows):
            self._edits[(row.specialty, row.key)] = self._values(i)

    def rebuild(self) -> None:
        self._keep_edits()
        self.table.setRowCount(0)
        self.rows = []
        names = {p.id: p.display_name for p in self._practitioners}
        any_existing = False
        for key, pids in self._groups():
            offered = (_("All practitioners") if not pids
                       else ", ".join(sorted(names[p] for p in pids)))
            for motif in self._templates[key].motifs:
                exists = folded_name(motif.name) in self._existing
                any_existing = any_existing or exists
                ticked, name, minutes, colour = self._edits.get(
                    (key, motif.key), (not exists, motif.name, motif.duration_min, motif.colour))
                self._add_row(_Row(key, motif.key, pids), ticked, name, minutes, colour, offered)
        self.existing_hint.setVisible(any_existing)

    def _add_row(self, row: _Row, ticked: bool, name: str, minutes: int, colour: str,
                 offered: str) -> None:
        i = self.table.rowCount()
        self.table.insertRow(i)
        item = QTableWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
        item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.table.setItem(i, NAME, item)
        spin = QSpinBox()
        spin.setRange(5, 720)
        spin.setSingleStep(5)
        spin.setSuffix(" " + _("min"))
        spin.setValue(minutes)
        spin.setAccessibleName(_("Duration"))
        self.table.setCellWidget(i, DURATION, spin)
        combo = QComboBox()
        combo.setAccessibleName(_("Colour"))
        for value, colour_name in palette():
            combo.addItem(swatch(value), colour_name, value)
        if combo.findData(colour) < 0:
            combo.addItem(swatch(colour), colour, colour)
        combo.setCurrentIndex(combo.findData(colour))
        self.table.setCellWidget(i, COLOUR, combo)
        who = QTableWidgetItem(offered)
        who.setFlags(Qt.ItemFlag.ItemIsEnabled)
        who.setToolTip(tooltip(offered))
        self.table.setItem(i, OFFERED, who)
        self.rows.append(row)

    def _values(self, i: int) -> tuple[bool, str, int, str]:
        item = self.table.item(i, NAME)
        return (item.checkState() == Qt.CheckState.Checked, item.text(),
                self.table.cellWidget(i, DURATION).value(),
                self.table.cellWidget(i, COLOUR).currentData())

    def types(self) -> list[TypeInput]:
        """The ticked rows, as they will be created."""
        out = []
        for i, row in enumerate(self.rows):
            ticked, name, minutes, colour = self._values(i)
            if not ticked:
                continue
            motif = next(m for m in self._templates[row.specialty].motifs if m.key == row.key)
            data = motif.as_input(row.practitioner_ids)
            data.name, data.duration_min, data.colour = name, minutes, colour
            out.append(data)
        return out


class WeekEditor(QWidget):
    """One practitioner's usual week: a day to tick, a morning and an afternoon range
    (either may be left empty)."""

    def __init__(self, practitioner: PractitionerInfo, has_hours: bool, parent=None) -> None:
        super().__init__(parent)
        self.practitioner_id = practitioner.id
        self.touched = False
        self.apply = QCheckBox(button_text(_("Set these hours for {name}").format(
            name=practitioner.display_name)))
        self.apply.setChecked(not has_hours)
        self.note = label(_("{name} already has weekly hours: tick to replace the usual week "
                            "(dated sets are kept).").format(name=practitioner.display_name),
                          "Hint", wrap=True)
        self.note.setVisible(has_hours)
        # Columns: the day; from – to of the morning; a gap; from – to of the afternoon.
        grid = QGridLayout()
        grid.setColumnMinimumWidth(4, 16)
        grid.addWidget(label(_("Morning"), "Muted"), 0, 1, 1, 3)
        grid.addWidget(label(_("Afternoon"), "Muted"), 0, 5, 1, 3)
        self.days: list[tuple[QCheckBox, list[QLineEdit]]] = []
        for weekday in range(7):
            box = QCheckBox(weekday_name(weekday))
            edits = [QLineEdit() for _i in range(4)]
            grid.addWidget(box, weekday + 1, 0)
            for n, edit in enumerate(edits):
                edit.setPlaceholderText("--:--")
                edit.setMaximumWidth(70)
                edit.setAccessibleName("{day} {part}".format(
                    day=weekday_name(weekday), part=(_("From"), _("To"))[n % 2]))
                edit.textEdited.connect(self._touch)
                grid.addWidget(edit, weekday + 1, 1 + 2 * n)
            grid.addWidget(label("–"), weekday + 1, 2)
            grid.addWidget(label("–"), weekday + 1, 6)
            box.toggled.connect(self._touch)
            box.toggled.connect(lambda on, edits=edits: [e.setEnabled(on) for e in edits])
            self.days.append((box, edits))
        grid.setColumnStretch(8, 1)
        self.error = FieldError()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.apply)
        layout.addWidget(self.note)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addStretch()
        self.fill(usual_week())
        self.touched = False

    def _touch(self, *_args) -> None:
        self.touched = True
        self.apply.setChecked(True)

    def fill(self, week: tuple[DayTemplate, ...]) -> None:
        for day in week:
            box, edits = self.days[day.weekday]
            box.blockSignals(True)
            box.setChecked(day.open)
            box.blockSignals(False)
            for edit in edits:
                edit.setEnabled(day.open)
            for part, (start, end) in zip((day.morning, day.afternoon),
                                          ((edits[0], edits[1]), (edits[2], edits[3]))):
                start.setText(hhmm(part[0]) if part else "")
                end.setText(hhmm(part[1]) if part else "")

    def values(self) -> list[tuple[bool, list[str]]]:
        return [(box.isChecked(), [e.text() for e in edits]) for box, edits in self.days]

    def set_values(self, values: list[tuple[bool, list[str]]]) -> None:
        for (box, edits), (on, texts) in zip(self.days, values):
            box.setChecked(on)
            for edit, text in zip(edits, texts):
                edit.setText(text)

    def ranges(self) -> list[HoursRange]:
        out = []
        for weekday, (box, edits) in enumerate(self.days):
            if not box.isChecked():
                continue
            for start, end in ((edits[0], edits[1]), (edits[2], edits[3])):
                if start.text().strip() or end.text().strip():
                    out.append(HoursRange(weekday, start.text().strip(), end.text().strip()))
        return out


class HoursStep(QWizardPage):
    def __init__(self, practitioners: list[PractitionerInfo], without_hours: set[str]) -> None:
        super().__init__()
        self.setTitle(_("Weekly hours"))
        self.setSubTitle(_("The usual week of each practitioner: outside these hours the "
                           "agenda is closed and nothing can be booked. Holidays and other "
                           "periods are set later in Settings › Agenda."))
        self.practitioner = QComboBox()
        self.practitioner.setAccessibleName(_("Practitioner"))
        self.editors: dict[str, WeekEditor] = {}
        self.stack = QStackedWidget()
        for p in practitioners:
            self.practitioner.addItem(p.display_name, p.id)
            editor = WeekEditor(p, has_hours=p.id not in without_hours)
            self.editors[p.id] = editor
            self.stack.addWidget(editor)
        self.practitioner.currentIndexChanged.connect(self.stack.setCurrentIndex)
        self.copy_button = QPushButton(_("Same hours for every practitioner"))
        self.copy_button.clicked.connect(self.copy_to_all)
        top = QHBoxLayout()
        top.addWidget(self.practitioner)
        top.addStretch()
        top.addWidget(self.copy_button)
        for w in (self.practitioner, self.copy_button):
            w.setVisible(len(practitioners) > 1)
        self.error = FieldError()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        if not practitioners:
            layout.addWidget(label(_("No practitioner yet: their hours are set in Settings › "
                                     "Agenda once they are added."), "InfoBanner", wrap=True))
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error)

    def show_practitioner(self, practitioner_id: str) -> WeekEditor:
        self.practitioner.setCurrentIndex(self.practitioner.findData(practitioner_id))
        return self.editors[practitioner_id]

    def copy_to_all(self) -> None:
        source = self.editors.get(self.practitioner.currentData())
        if source is None:
            return
        for editor in self.editors.values():
            if editor is not source:
                editor.set_values(source.values())
                editor.touched = True
                editor.apply.setChecked(True)

    def hours(self) -> dict[str, list[HoursRange]]:
        return {pid: e.ranges() for pid, e in self.editors.items() if e.apply.isChecked()}

    def initializePage(self) -> None:
        # Each week starts from the specialty chosen on the first step, until edited.
        guide: AgendaGuide = self.wizard()  # type: ignore[assignment]
        templates = {t.key: t for t in specialties()}
        for pid, editor in self.editors.items():
            if not editor.touched:
                key = guide.types_step.chosen_specialty(pid)
                editor.fill(templates[key].week if key else usual_week())
                editor.touched = False

    def validatePage(self) -> bool:
        guide: AgendaGuide = self.wizard()  # type: ignore[assignment]
        return guide.create()


class AgendaGuide(QWizard):
    """``created(count of types, count of practitioners whose week was set)``."""

    created = Signal(int, int)

    def __init__(self, service: AgendaSetupService, practitioners: list[PractitionerInfo], *,
                 existing_names: set[str], without_hours: set[str], parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self.setWindowTitle(_("Set up the agenda"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setMinimumSize(820, 600)
        self.setButtonText(QWizard.WizardButton.NextButton, _("Next"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("Back"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("Later"))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Create"))
        self.types_step = TypesStep(practitioners, existing_names)
        self.hours_step = HoursStep(practitioners, without_hours)
        self.addPage(self.types_step)
        self.addPage(self.hours_step)

    def plan(self) -> StarterPlan:
        return StarterPlan(types=self.types_step.types(), hours=self.hours_step.hours())

    def create(self) -> bool:
        plan = self.plan()
        step = self.hours_step
        step.error.show_message("")
        for editor in step.editors.values():
            editor.error.show_message("")
        if not plan.types and not plan.hours:
            return True  # nothing ticked: nothing to write
        try:
            self._service.apply_starter(plan)
        except ValidationError as exc:
            self._show_errors(exc.errors)
            return False
        except NotFound:
            step.error.show_message(_("A practitioner was removed meanwhile: close this "
                                      "window and open it again."))
            return False
        self.created.emit(len(plan.types), len(plan.hours))
        return True

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            if key.startswith("hours:") and key[6:] in self.hours_step.editors:
                editor = self.hours_step.show_practitioner(key[6:])
                editor.error.show_message(message)
                return
        # A type's value: back to the first step would lose nothing, but the message
        # belongs here, next to the button that was pressed.
        self.hours_step.error.show_message(_("An appointment type is not valid: {reason}")
                                           .format(reason=next(iter(errors.values()))))


def created_message(types: int, weeks: int) -> str:
    parts = []
    if types:
        parts.append(ngettext("{n} appointment type created", "{n} appointment types created",
                              types).format(n=types))
    if weeks:
        parts.append(ngettext("weekly hours set for {n} practitioner",
                              "weekly hours set for {n} practitioners", weeks).format(n=weeks))
    return " · ".join(parts)


def open_agenda_guide(workspace, parent=None) -> AgendaGuide:
    """The guide, read from the practice as it is now, opened (not modal to the app)."""
    practitioners = workspace.practitioners()
    readiness = workspace.agenda_readiness([p.id for p in practitioners])
    guide = AgendaGuide(workspace.agenda_setup, practitioners,
                        existing_names={t.name for t in workspace.agenda.types(
                            include_inactive=True)},
                        without_hours=set(readiness.without_hours), parent=parent)
    guide.open()
    return guide
