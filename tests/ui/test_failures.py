"""The one place the UI words a failure: the family's message, or a plain sentence for a
bug, whose text (it may hold what a user typed) never reaches the log."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.i18n import _
from app.services.errors import ConcurrentEdit
from app.services.exporting import ExportError
from app.ui.failures import failure_text, show_failure


def test_a_failure_of_the_family_is_told_in_its_own_words():
    assert failure_text(ConcurrentEdit()) == ConcurrentEdit().user_message
    assert failure_text(ExportError("<b>/tmp/x</b> absent")) == "<b>/tmp/x</b> absent"


def test_a_bug_is_told_plainly_and_logged_without_its_text(caplog):
    with caplog.at_level(logging.ERROR, logger="permanence"):
        try:
            raise KeyError("DUPONT Jean 06 12 34 56 78")
        except KeyError as exc:
            text = failure_text(exc)
    assert "DUPONT" not in text and text == _(
        "Something went wrong; nothing was changed. The technical log in the profile folder "
        "says where.")
    assert "KeyError" in caplog.text and "DUPONT" not in caplog.text
    assert failure_text(ValueError("x"), "La vérification n'a pas pu se faire.") == \
        "La vérification n'a pas pu se faire."


def test_the_box_shows_the_message_as_plain_text(qtbot):
    box = show_failure(None, ExportError("<img src='file:///etc/passwd'> introuvable"))
    qtbot.addWidget(box)
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == "<img src='file:///etc/passwd'> introuvable"
    box.close()
