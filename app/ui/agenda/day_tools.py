"""The agenda page's day tools, plugged in by ``install(page)``:

- the waiting room side panel ("Salle d'attente");
- "Practitioner's day" (Ctrl+J): one practitioner's day as a list, with what is pending;
- "Print…" (Ctrl+P) and "PDF…": a practitioner's day or week on paper or as a PDF;
- "Export (iCalendar)…": a practitioner's agenda as an .ics file, written off the UI
  thread with a progress dialog and Cancel.

The page is used only through its public API (``workspace``, ``bus``,
``add_toolbar_action``, ``add_side_panel``, ``current_day``, ``selected_practitioners``,
``go_to``, ``select_appointment``, ``refresh``, ``appointment_cancelled``).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_number, ngettext
from app.services import access
from app.ui.policy_gate import PolicyGates
from app.services.agenda.day_queries import DayQueries
from app.ui.agenda.my_day import MyDayDialog
from app.ui.agenda.printing import AskPrinter, PrintActions, ask_printer, pydate, qdate
from app.ui.agenda.waiting_room import WaitingRoomPanel
from app.ui.exporting import BackgroundExport, ChoosePath, ask_save_path
from app.ui.widgets import label

if TYPE_CHECKING:
    from app.services.agenda.ics import IcsExportResult  # icalendar loads on first export


ICS_DEFAULT_DAYS = 28  # four weeks from the day shown


# -- iCalendar export ---------------------------------------------------------------------
class IcsOptionsDialog(QDialog):
    """Whose agenda, which days, names or initials."""

    def __init__(self, practitioners: list[tuple[str, str]], parent=None, *,
                 practitioner_id: str | None, first: date, last: date) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Export the agenda (iCalendar)"))
        self.practitioner = QComboBox()
        for pid, name in practitioners:
            self.practitioner.addItem(name, pid)
        if practitioner_id is not None:
            self.practitioner.setCurrentIndex(max(0, self.practitioner.findData(practitioner_id)))
        self.first = QDateEdit(qdate(first))
        self.last = QDateEdit(qdate(last))
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.names = QCheckBox(_("Patients' names"))
        self.names.setChecked(False)
        self.names.setToolTip(_("Off: only the initials (J. M.), safer on a phone's lock screen "
                                "or a shared calendar"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Export…"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.error = label("", "FieldError", wrap=True)
        self.error.hide()
        form = QFormLayout()
        form.addRow(_("Practitioner"), self.practitioner)
        form.addRow(_("From"), self.first)
        form.addRow(_("To"), self.last)
        form.addRow("", self.names)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def values(self) -> tuple[str, date, date, bool]:
        return (self.practitioner.currentData(), pydate(self.first.date()),
                pydate(self.last.date()), self.names.isChecked())

    def _accept(self) -> None:
        pid, first, last, _names = self.values()
        if pid is None:
            self.error.setText(_("Choose a practitioner."))
        elif last < first:
            self.error.setText(_("The last day is before the first."))
        else:
            self.accept()
            return
        self.error.show()


class IcsExportAction(BackgroundExport):
    """"Export (iCalendar)…": options, file, then the export off the UI thread."""

    def __init__(self, workspace, parent: QWidget, *, defaults,
                 choose_path: ChoosePath = ask_save_path) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._defaults = defaults
        self._choose_path = choose_path
        self.dialog: IcsOptionsDialog | None = None
        self.action = QAction(_("Export (iCalendar)…"), parent)
        self.action.setToolTip(_("A practitioner's appointments as an .ics file for their own "
                                 "calendar (initials only unless names are asked for)"))
        self.action.triggered.connect(self.open_options)

    def open_options(self) -> IcsOptionsDialog | None:
        if self.running:
            return None
        pid, day = self._defaults()
        practitioners = [(p.id, p.display_name) for p in self._ws.practitioners()]
        dialog = IcsOptionsDialog(practitioners, self._parent, practitioner_id=pid, first=day,
                                  last=day + timedelta(days=ICS_DEFAULT_DAYS - 1))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.start(*dialog.values()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def start(self, practitioner_id: str, first: date, last: date, names: bool) -> bool:
        if self.running:
            return False
        exporter = self._ws.agenda_export
        caption = _("Export the agenda (iCalendar)")
        path = self._choose_path(self._parent, caption, exporter.suggested_name(first, last),
                                 _("iCalendar files (*.ics)"))
        if path is None:
            return False
        chosen = Path(path)
        path = chosen
        if path.suffix.lower() != ".ics":
            path = path.with_name(path.name + ".ics")
        # The dialog asked before replacing the name it was given, not another one.
        overwrite = path == chosen
        self._run(caption, lambda progress, cancelled: exporter.export(
            path, practitioner_id=practitioner_id, first=first, last=last, patient_names=names,
            overwrite=overwrite, progress=progress, cancel=cancelled))
        return True

    def _done_text(self, result: IcsExportResult) -> str:
        return ngettext("{n} event exported to {path}.", "{n} events exported to {path}.",
                        result.events).format(n=format_number(result.events), path=result.path)

    def _set_enabled(self, enabled: bool) -> None:
        self.action.setEnabled(enabled)


# -- the page's tools ------------------------------------------------------------------------
class DayTools(QObject):
    """Everything ``install`` adds, kept together (found again with ``tools_of(page)``)."""

    def __init__(self, page, *, choose_path: ChoosePath = ask_save_path,
                 ask_printer: AskPrinter = ask_printer) -> None:
        super().__init__(page)
        self.setObjectName("AgendaDayTools")
        self.page = page
        ws = page.workspace
        self.queries = DayQueries.of(ws)
        self.my_day_dialog: MyDayDialog | None = None

        self.waiting_room = WaitingRoomPanel(ws, page.bus, queries=self.queries)
        self.waiting_room.appointment_activated.connect(
            lambda aid: self.show_appointment(aid, self.queries.today()))

        self.my_day_action = QAction(_("Practitioner's day"), page)
        self.my_day_action.setShortcut(QKeySequence("Ctrl+J"))
        self.my_day_action.setToolTip(_("A practitioner's day as a list, with what is pending "
                                        "(Ctrl+J)"))
        self.my_day_action.triggered.connect(self.open_my_day)

        self.printing = PrintActions(ws, page, defaults=self._defaults, queries=self.queries,
                                     choose_path=choose_path, ask_printer=ask_printer)
        self.ics = IcsExportAction(ws, page, defaults=self._defaults, choose_path=choose_path)

    def _defaults(self) -> tuple[str | None, date]:
        selected = list(self.page.selected_practitioners())
        return (selected[0] if selected else None), self.page.current_day()

    def open_my_day(self) -> MyDayDialog:
        """Today, for the first practitioner shown; an open practitioner's day is brought
        back."""
        if self.my_day_dialog is not None:
            dialog = self.my_day_dialog
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        pid, _day = self._defaults()
        dialog = MyDayDialog(self.page.workspace, self.page.bus, self.page, practitioner_id=pid,
                             day=self.queries.today(), queries=self.queries,
                             print_day=self.print_day_sheet
                             if self.page.workspace.may(access.PRINT) else None)
        dialog.appointment_activated.connect(self.show_appointment)
        dialog.finished.connect(self._my_day_closed)
        self.my_day_dialog = dialog
        dialog.show()
        return dialog

    def _my_day_closed(self, *args) -> None:
        if self.my_day_dialog is not None:
            self.my_day_dialog.deleteLater()
        self.my_day_dialog = None

    def print_day_sheet(self, practitioner_id: str, day: date):
        """The practitioner's own day sheet: the list with the phone numbers."""
        return self.printing.open_options(pdf=False, practitioner_id=practitioner_id, day=day,
                                          phones=True, parent=self.my_day_dialog)

    def show_appointment(self, appointment_id: str, day: date | None) -> None:
        if day is not None:
            self.page.go_to(day, "day")
        self.page.select_appointment(appointment_id)


def tools_of(page) -> DayTools | None:
    return page.findChild(DayTools, "AgendaDayTools")


def install(page, *, choose_path: ChoosePath = ask_save_path,
            ask_printer: AskPrinter = ask_printer) -> None:
    """Add the waiting room panel, "Practitioner's day", "Print…", "PDF…" and "Export (iCalendar)…"
    to the agenda page. Called once, after the page is built."""
    if tools_of(page) is not None:
        return
    tools = DayTools(page, choose_path=choose_path, ask_printer=ask_printer)
    page.add_side_panel(_("Waiting room"), tools.waiting_room)
    ws = page.workspace
    # What the role may not do is not offered (the services refuse it anyway); what a
    # remote workstation's policy forbids is shown greyed, saying why.
    page.add_toolbar_action(tools.my_day_action)
    tools.gates = PolicyGates(ws.principal)
    for action, what in ((tools.printing.print_action, access.PRINT),
                         (tools.printing.pdf_action, access.PRINT),
                         (tools.ics.action, access.EXPORT)):
        if ws.may(what) or access.forbidden_by_policy(ws.principal, what):
            page.add_toolbar_action(action)
            tools.gates.add(action, what, tooltip=action.toolTip())
    # The page says when it cancels: the waiting room may lose a patient.
    page.appointment_cancelled.connect(lambda _aid: tools.waiting_room.refresh()
                                       if tools.waiting_room.isVisible() else None)
