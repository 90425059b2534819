"""The Qt binding itself: a defect there crashes the application after hours of use."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLineEdit


def test_void_qt_calls_keep_references_to_none(qtbot):
    """PySide6 6.12.0 on Python 3.11 releases a reference to None on each call of a
    method returning void; after some tens of thousands of calls (a working day of
    opening cards) the interpreter aborts with "deallocating None"."""
    edit = QLineEdit()
    qtbot.addWidget(edit)
    style = edit.style()
    before = sys.getrefcount(None)
    for _ in range(2000):
        edit.setText("x")
        edit.update()
        style.polish(edit)
    # A few references may come and go with caches; thousands lost is the defect.
    assert before - sys.getrefcount(None) < 500
