"""The card's history pane: creation, changes and merges, newest first."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.i18n import _, format_date
from app.services.timeline import TimelineEvent, TimelineService
from app.ui.widgets import label

REF_ROLE = Qt.ItemDataRole.UserRole + 1


class TimelineView(QWidget):
    def __init__(self, service: TimelineService, zone: str, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._zone = ZoneInfo(zone)
        self.list = QListWidget()
        self.list.setObjectName("Timeline")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.hint = label(_("The card's history appears here once it is saved: creation, "
                            "changes and merges, with who made them. Appointments and calls "
                            "will be listed here too."), "Hint", wrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        self._patient_id: str | None = None
        self._stale = True
        self.show_patient(None)

    def show_patient(self, patient_id: str | None) -> None:
        """Follow the card; the history is read only while this pane is on screen."""
        self._patient_id = patient_id
        self._stale = True
        if self.isVisible() or patient_id is None:
            self._load()

    def showEvent(self, event) -> None:
        if self._stale:
            self._load()
        super().showEvent(event)

    def _load(self) -> None:
        self._stale = False
        patient_id = self._patient_id
        events = self._service.for_patient(patient_id) if patient_id else []
        self.list.clear()
        for event in events:
            item = QListWidgetItem(self._text(event))
            item.setData(REF_ROLE, event.ref_id)
            self.list.addItem(item)
        self.hint.setVisible(not events)
        self.list.setVisible(bool(events))

    def _text(self, event: TimelineEvent) -> str:
        # Practice time, whatever this workstation's zone.
        local = event.at.astimezone(self._zone)
        when = f"{format_date(local.date())} {local:%H:%M}"
        if event.detail:
            head = _("{when} — {title}: {detail}").format(when=when, title=event.title,
                                                         detail=event.detail)
        else:
            head = f"{when} — {event.title}"
        return head + (f"\n{event.actor}" if event.actor else "")
