"""The agenda's settings: appointment types, weekly hours, absences, public holidays.

One tab for each. Every write goes through the agenda setup service; the store tells
an open agenda what changed (the change bus), so it redraws.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.i18n import _
from app.services.workspace import Workspace
from app.ui.agenda_settings.absences_editor import AbsencesEditor
from app.ui.agenda_settings.holidays_editor import HolidaysEditor
from app.ui.agenda_settings.hours_editor import HoursEditor
from app.ui.agenda_settings.types_editor import TypesEditor


class AgendaSettingsPage(QWidget):
    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        today = workspace.zone.today(workspace.clock.now())

        self.types = TypesEditor(workspace.agenda_setup, workspace.agenda)
        self.hours = HoursEditor(workspace.agenda_setup, workspace.agenda, today)
        self.absences = AbsencesEditor(workspace.agenda_setup, workspace.agenda, workspace.zone,
                                       workspace.clock)
        self.holidays = HolidaysEditor(workspace, today)

        # Tabs across the top: the editors need the width more than the height.
        self.sections = QTabWidget()
        self.sections.setDocumentMode(True)
        for title, page in ((_("Appointment types"), self.types),
                            (_("Weekly hours"), self.hours),
                            (_("Absences"), self.absences),
                            (_("Public holidays"), self.holidays)):
            self.sections.addTab(_padded(page), title)
        self._shown = 0
        self.sections.currentChanged.connect(self._section_chosen)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sections)

        self.types.changed.connect(self._types_changed)
        self.reload()

    def reload(self) -> None:
        """Read the practitioners and the types again (they feed every part)."""
        practitioners = self._ws.practitioners()
        self.types.set_practitioners(practitioners)
        self.types.reload()
        self.hours.set_reference(practitioners, self._ws.agenda.types(include_inactive=True))
        self.absences.set_practitioners(practitioners)

    def _types_changed(self, _ids: list) -> None:
        # Ranges offer the types by name: the hours editor needs the new list.
        self.hours.set_reference(self._ws.practitioners(),
                                 self._ws.agenda.types(include_inactive=True))

    def editor(self, index: int) -> QWidget:
        return (self.types, self.hours, self.absences, self.holidays)[index]

    def show_section(self, index: int) -> None:
        self.sections.setCurrentIndex(index)

    def confirm_leave(self) -> bool:
        """Unsaved type or hours edits may veto leaving."""
        return self.types.confirm_leave() and self.hours.confirm_leave()

    def _section_chosen(self, index: int) -> None:
        left = self.editor(self._shown)
        if index != self._shown and hasattr(left, "confirm_leave") and not left.confirm_leave():
            self.sections.blockSignals(True)
            self.sections.setCurrentIndex(self._shown)
            self.sections.blockSignals(False)
            return
        self._shown = index


def _padded(page: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(8, 10, 8, 8)
    layout.addWidget(page)
    return box
