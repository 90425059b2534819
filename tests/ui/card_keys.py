"""Driving a patient card as a secretary does: it opens read-only, Ctrl+E edits it."""

from __future__ import annotations

from PySide6.QtCore import Qt


def edit_card(qtbot, form) -> None:
    """Ctrl+E on a card that opened read-only: its fields take typing."""
    window = form.window()
    window.activateWindow()  # a dialog closed just before may have kept the activation
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    form.setFocus()
    qtbot.keyClick(form, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert form.editing
