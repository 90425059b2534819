"""Run slow work off the UI thread and get the result back on it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001 - handed to the UI thread to report
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


def run_in_background(fn: Callable[[], object], on_done: Callable[[object], None],
                      on_failed: Callable[[Exception], None]) -> _Task:
    task = _Task(fn)
    task.signals.done.connect(on_done)
    task.signals.failed.connect(on_failed)
    QThreadPool.globalInstance().start(task)
    return task
