"""The one place the UI turns a failure into words and shows it.

A failure of the error family (``app.errors.PermanenceError``) carries its message in
the user's language. Anything else is a bug: it is logged by type and stack only (never
its text, which may hold what a user typed) and the user reads a plain sentence.
Screens show the text where it belongs (a banner, a field's error, a status line) with
``failure_text``, or in a message box with ``show_failure``.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import PermanenceError
from app.i18n import _
from app.logging_setup import scrubbed_traceback
from app.ui.plain import message_box

log = logging.getLogger("permanence.ui")


def failure_text(exc: BaseException, fallback: str | None = None) -> str:
    if isinstance(exc, PermanenceError):
        return exc.user_message
    log.error("unexpected failure: %s", scrubbed_traceback(exc))
    return fallback or _("Something went wrong; nothing was changed. The technical log in "
                         "the profile folder says where.")


def show_failure(parent: QWidget | None, exc: BaseException, *, title: str = "Permanence",
                 fallback: str | None = None) -> QMessageBox:
    """A warning box (window-modal, not blocking) saying what failed; returned for tests."""
    box = message_box(QMessageBox.Icon.Warning, title, failure_text(exc, fallback), parent)
    box.open()
    return box
