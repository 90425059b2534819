"""Small widgets shared by several screens."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QToolButton, QWidget


def label(text: str, name: str | None = None, *, wrap: bool = False) -> QLabel:
    w = QLabel(text)
    if name:
        w.setObjectName(name)
    w.setWordWrap(wrap)
    return w


class FieldError(QLabel):
    """A red message under a field; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FieldError")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))


def mark_invalid(edit: QLineEdit, invalid: bool) -> None:
    edit.setProperty("invalid", "true" if invalid else "false")
    edit.style().unpolish(edit)
    edit.style().polish(edit)


def menu_button(text: str, tooltip: str, parent: QWidget) -> tuple[QToolButton, QMenu]:
    """A button opening a menu: the place for a screen's less frequent actions."""
    menu = QMenu(parent)
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tooltip)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setMenu(menu)
    return button, menu
