"""From the ring to the practitioner's report, as a phone system drives it: the real
command line announces a call to the running application over its local channel, the
call panel opens on the caller, the slot finder books, the call closes with its outcome,
the phone system ends it, and the day report counts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.ui.calls.panel import BOOK
from app.ui.phone_server import PhoneServer, connect_call_panel
from tests.agenda_fixtures import MONDAY, build_agenda

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


def command(qtbot, *args: str) -> tuple[int, str, str]:
    """The real command line, run while the test's event loop serves the channel."""
    env = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=90_000)
    finally:
        if proc.poll() is None:
            proc.kill()
    out, err = proc.communicate()
    return proc.returncode, out, err


def test_a_call_from_the_phone_system_to_the_day_report(qtbot, runtime, main_window, workspace,
                                                        agenda):
    ws = workspace
    server = PhoneServer(lambda: ws, ws.paths.root)
    assert server.start()
    assert connect_call_panel(server, main_window)
    root = str(ws.paths.root)
    try:
        # No secret given: the running application records it, as the person signed in.
        code, out, err = command(qtbot, "call", "ringing", "--profile", root,
                                 "--from", "+33 6 98 76 54 32", "--id", "pbx-42")
        assert code == 0, err
        assert out == "pbx-42\n"
        panel = main_window.call_panel
        qtbot.waitUntil(panel.isVisible)
        assert "MARTIN Paul" in panel.card.text()
        code, _out, err = command(qtbot, "call", "answered", "--profile", root, "--id", "pbx-42")
        assert code == 0, err

        qtbot.mouseClick(panel.buttons[BOOK], Qt.MouseButton.LeftButton)
        finder = main_window.agenda.booking_tools.finder
        qtbot.waitUntil(lambda: finder is not None and finder.isVisible())
        finder.search()
        qtbot.waitUntil(lambda: finder.highlighted() is not None)
        finder.book_highlighted()
        assert panel.outcome.currentData() == "booked"
        panel.close_button.click()
        assert panel.isHidden()

        code, _out, err = command(qtbot, "call", "ended", "--profile", root, "--id", "pbx-42")
        assert code == 0, err
    finally:
        server.stop()

    report = ws.day_reports.build(MONDAY)
    assert (report.calls, report.answered, report.missed, report.booked) == (1, 1, 0, 1)
    reasons = {reason: (outcomes, total) for reason, outcomes, total in report.by_reason}
    assert reasons["appointment"] == ({"booked": 1}, 1)
