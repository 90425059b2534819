"""Tells open views what a service changed, so views never reach into each other."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class ChangeBus(QObject):
    # entity name ("patient", ...), ids that changed
    changed = Signal(str, list)

    def publish(self, entity: str, ids: list[str]) -> None:
        self.changed.emit(entity, ids)
