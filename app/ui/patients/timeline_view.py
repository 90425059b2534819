"""The card's history pane: creation, changes and merges, newest first."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date
from app.services.duplicates import DuplicateService, MergeRefused
from app.services.timeline import TimelineEvent, TimelineService
from app.ui.widgets import label

REF_ROLE = Qt.ItemDataRole.UserRole + 1


class TimelineView(QWidget):
    """``merges`` (optional) offers to undo a merge listed in the history."""

    cards_changed = Signal(list)  # ids a merge undo wrote

    def __init__(self, service: TimelineService, zone: str, parent=None, *,
                 merges: DuplicateService | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._merges = merges
        self._undoable: set[str] = set()
        self._zone = ZoneInfo(zone)
        self.list = QListWidget()
        self.list.setObjectName("Timeline")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.hint = label(_("The card's history appears here once it is saved: creation, "
                            "changes and merges, with who made them. Appointments and calls "
                            "will be listed here too."), "Hint", wrap=True)
        self.error = label("", "Banner", wrap=True)
        self.error.hide()
        self.undo_button = QPushButton(_("Undo this merge…"))
        self.undo_button.setToolTip(_("Put both cards back as they were before the merge"))
        self.undo_button.clicked.connect(self.undo_selected_merge)
        self.undo_button.hide()
        self.list.currentItemChanged.connect(self._sync_undo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.undo_button)
        layout.addLayout(buttons)
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
        self._undoable = {m.id for m in self._merges.merges_for(patient_id)
                          if m.can_undo} if self._merges and patient_id else set()
        self.error.hide()
        self.list.clear()
        for event in events:
            item = QListWidgetItem(self._text(event))
            item.setData(REF_ROLE, event.ref_id)
            self.list.addItem(item)
        self.hint.setVisible(not events)
        self.list.setVisible(bool(events))
        self.undo_button.setVisible(bool(self._undoable))
        self._sync_undo()

    def _selected_merge(self) -> str | None:
        item = self.list.currentItem()
        ref = item.data(REF_ROLE) if item is not None else None
        return ref if ref in self._undoable else None

    def _sync_undo(self, *args) -> None:
        self.undo_button.setEnabled(self._selected_merge() is not None)

    def undo_selected_merge(self, *, confirm: bool = True) -> bool:
        merge_id = self._selected_merge()
        if merge_id is None or self._merges is None:
            return False
        if confirm and QMessageBox.question(
                self, _("Undo the merge"),
                _("Put both cards back as they were before the merge? The phone numbers and "
                  "everything else that moved go back to the card they came from.")) != QMessageBox.StandardButton.Yes:
            return False
        try:
            result = self._merges.undo_merge(merge_id)
        except MergeRefused as exc:
            self.error.setText(exc.user_message)
            self.error.show()
            return False
        self.cards_changed.emit([result.kept.id, result.restored.id])
        return True

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
