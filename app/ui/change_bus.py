"""Tells open views what the store committed, on the Qt thread.

The bus listens to the store: every committed unit of work (whichever screen, service,
background task or peer made it) arrives as one ``ChangeSet`` on ``changed``. Screens
never announce their own writes: they subscribe, look at the kinds they show
(``app.models.kinds``) and, where cheap, at the ids, and tell their own changes from
another's with ``is_own``. A commit made on a worker thread is delivered through the
event loop (a queued signal); one made on the Qt thread is delivered at once, before the
service call returns.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal

from app.storage.changes import ChangeSet, Initiator


class ChangeBus(QObject):
    changed = Signal(object)  # a ChangeSet
    _from_worker = Signal(object)

    def __init__(self, store, initiator: Initiator, parent=None) -> None:
        super().__init__(parent)
        self.initiator = initiator
        # Signal to signal: emitted in a worker thread, ``changed`` fires in ours.
        self._from_worker.connect(self.changed)
        self._unsubscribe = store.subscribe(self._committed)
        self.destroyed.connect(self._unsubscribe)

    def is_own(self, changes: ChangeSet) -> bool:
        """Made here by the user this bus serves (not by another user, not from a peer)."""
        return changes.made_by(self.initiator)

    def close(self) -> None:
        """Stop listening to the store (the workspace outlives this bus)."""
        self._unsubscribe()

    def _committed(self, changes: ChangeSet) -> None:
        if QThread.currentThread() is self.thread():
            self.changed.emit(changes)
        else:
            self._from_worker.emit(changes)
