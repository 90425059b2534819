"""The agenda page's message line, above the grid: warnings after a write, a cut
pending, a move that can be undone ("Annuler le déplacement"). It does not stop the
work; it hides itself after a while, or with its ✕."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QToolButton

from app.i18n import _
from app.ui.plain import button_text
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
        # One action the message offers (undo a move); hidden when it offers none.
        self.action_button = QPushButton()
        self.action_button.setObjectName("BannerAction")
        self.action_button.setAutoDefault(False)
        self.action_button.clicked.connect(self._act)
        self.action_button.hide()
        self._action: Callable[[], object] | None = None
        close = QToolButton()
        close.setText("\u2715")
        close.setToolTip(_("Hide this message"))
        close.setAutoRaise(True)
        close.clicked.connect(self.hide_message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._expired)

    def show_message(self, text: str, *, timeout: bool = True,
                     action: tuple[str, Callable[[], object]] | None = None) -> None:
        """``action``: (the button's text, what it does); the message goes once it is used."""
        self.text_label.setText(text)
        self._action = action[1] if action is not None else None
        self.action_button.setText(button_text(action[0]) if action is not None else "")
        self.action_button.setVisible(action is not None)
        self.show()
        if timeout:
            self._timer.start(BANNER_MS)
        else:
            self._timer.stop()

    def message(self) -> str:
        return self.text_label.text() if self.isVisible() else ""

    def action_text(self) -> str:
        """The text of the action offered ("" when none is)."""
        return self.action_button.text() if self.isVisible() and self._action else ""

    def hide_message(self) -> None:
        self._timer.stop()
        self.hide()
        self.text_label.clear()
        self._action = None
        self.action_button.hide()

    def _act(self) -> None:
        action = self._action
        self.hide_message()
        if action is not None:
            action()

    def _expired(self) -> None:
        if not self._keep_open():
            self.hide_message()
