"""What every record card (patient, contact) shares: which record it shows, and whether
it holds edits not saved yet."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


class RecordForm(QWidget):
    """Subclasses create ``save_button`` and ``revert_button``, set ``_current`` to the
    record shown (None for a new one) and ``_loading`` while they fill the fields."""

    dirty_changed = Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._current = None
        self._dirty = False
        self._loading = False

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    @property
    def current_id(self) -> str | None:
        return self._current.id if self._current else None

    def _mark_dirty(self, *args) -> None:
        if self._loading or self._dirty:
            return
        self._dirty = True
        self._sync_buttons()
        self.dirty_changed.emit(True)

    def _set_clean(self) -> None:
        self._dirty = False
        self._sync_buttons()
        self.dirty_changed.emit(False)

    def _sync_buttons(self) -> None:
        self.save_button.setEnabled(self._dirty or self._current is None)
        self.revert_button.setEnabled(self._dirty)
