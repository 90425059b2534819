"""Text from users and files is shown as written, never read as markup.

Qt guesses: a label, a tooltip or a message box whose text looks like HTML
(``Qt::mightBeRichText``) is rendered as rich text. An imported alert such as
``<span style="font-size:1px">Allergie…</span>`` would then shrink out of sight, a name
could restyle a heading and ``<img src=…>`` would load a local file. Screens build their
labels, tooltips and message boxes here so that the guess never happens.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


class PlainLabel(QLabel):
    """A QLabel that shows its text literally (Qt's default guesses rich text)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)


def escape(text: str) -> str:
    """``text`` for a place that reads HTML: markup characters escaped."""
    return html.escape(text, quote=False)


def tooltip(text: str) -> str:
    """A tooltip that reads as ``text``. Qt has no plain-text switch for tooltips: text
    that could pass for markup is escaped inside a paragraph that keeps its spaces and
    line breaks; any other text is left as it is (it is shown literally already)."""
    if "<" not in text and "&" not in text:
        return text
    # Short lines stay whole, as in a plain tooltip; only a long one may wrap.
    wrap = "pre-wrap" if any(len(line) > 80 for line in text.splitlines()) else "pre"
    return f"<p style='white-space:{wrap}'>{escape(text)}</p>"


def button_text(text: str) -> str:
    """``text`` for a button, a check box or a menu entry, where Qt takes "&" as the mark
    of a keyboard shortcut ("Bilan & suivi" would show as "Bilan  suivi"): doubled, so it
    shows as written."""
    return text.replace("&", "&&")


def message_box(icon: QMessageBox.Icon, title: str, text: str,
                parent: QWidget | None = None) -> QMessageBox:
    """A message box (not yet shown) whose text, informative text included, is literal."""
    box = QMessageBox(icon, title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box
