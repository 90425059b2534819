"""The agenda page's message line, above the grid: warnings after a write, a cut
pending. It does not stop the work; it hides itself after a while, or with its ✕."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton

from app.i18n import _
from app.ui.widgets import label

BANNER_MS = 20_000


class MessageBanner(QFrame):
    """``keep_open()`` true: the line outlives its timeout (a cut still to paste)."""

    def __init__(self, keep_open: Callable[[], bool], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("WarnPanel")
        self._keep_open = keep_open
        self.text_label = label("")
        self.text_label.setObjectName("WarnText")
        self.text_label.setWordWrap(True)
        close = QToolButton()
        close.setText("\u2715")
        close.setToolTip(_("Hide this message"))
        close.setAutoRaise(True)
        close.clicked.connect(self.hide_message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(close)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._expired)

    def show_message(self, text: str, *, timeout: bool = True) -> None:
        self.text_label.setText(text)
        self.show()
        if timeout:
            self._timer.start(BANNER_MS)
        else:
            self._timer.stop()

    def message(self) -> str:
        return self.text_label.text() if self.isVisible() else ""

    def hide_message(self) -> None:
        self._timer.stop()
        self.hide()
        self.text_label.clear()

    def _expired(self) -> None:
        if not self._keep_open():
            self.hide_message()
