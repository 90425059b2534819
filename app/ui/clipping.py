"""Texts a screen shows cut off: a placeholder longer than its field, a button or a
one-line label narrower than its text. The screenshot set checks every screen with it,
in each language, so a translation that grows is caught before a secretary sees it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QLineEdit,
    QStyle,
    QStyleOptionFrame,
    QWidget,
)

# QLineEdit keeps this much room on each side of its text (QLineEditPrivate).
_LINE_EDIT_MARGIN = 2


def _placeholder_cut(edit: QLineEdit) -> bool:
    text = edit.placeholderText()
    if not text or edit.text():
        return False
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    room = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    width = room.width() - margins.left() - margins.right() - 2 * _LINE_EDIT_MARGIN
    return edit.fontMetrics().horizontalAdvance(text) > width


def _button_cut(button: QAbstractButton) -> bool:
    # The text itself against the button (its padding aside): a one-glyph button made
    # narrower than the style's minimum still shows its glyph.
    text = button.text().replace("&", "")
    return bool(text) and button.fontMetrics().horizontalAdvance(text) > button.width() - 8


def _label_cut(label: QLabel) -> bool:
    if not label.text() or label.wordWrap() or label.pixmap() is not None and \
            not label.pixmap().isNull():
        return False
    # An elided label sets its text shorter itself; what is cut is wider than shown,
    # by its own size or by a parent that clips it (its visible part).
    visible = label.visibleRegion()
    if visible.isEmpty():
        return False  # scrolled out of view, or under another widget: not cut
    shown = min(label.width(), visible.boundingRect().width())
    return shown < label.minimumSizeHint().width()


def clipped_texts(root: QWidget) -> list[str]:
    """What is cut off among the visible widgets under ``root``, as short descriptions
    (the widget's class and text) for a test's message."""
    found: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 0:
            continue
        if isinstance(widget, QLineEdit) and _placeholder_cut(widget):
            found.append(f"placeholder: {widget.placeholderText()!r}")
        elif isinstance(widget, QAbstractButton) and _button_cut(widget):
            found.append(f"{type(widget).__name__}: {widget.text()!r}")
        elif isinstance(widget, QLabel) and _label_cut(widget):
            found.append(f"label: {widget.text()[:60]!r}")
    return found
