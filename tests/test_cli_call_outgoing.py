"""``permanence call outgoing`` as a phone system runs it, the profile opened by the
command itself: the report joins the call dialled from Permanence to the same number a
moment before, and its next events land on that one call; another number, or a report
after the window, is a call of its own."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import pytest

from app.clock import FrozenClock
from app.services.calls import DIAL_JOIN_WINDOW
from app.services.practice import PracticeInput, PractitionerInput
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from tests.test_cli import permanence

PASS = "une phrase de passe"


@pytest.fixture(scope="module")
def dialled(tmp_path_factory) -> tuple[str, datetime]:
    """A practice where the secretary dialled 06 11 11 11 11 just over the window ago and
    06 12 34 56 78 now (the profile closed since, as when the application has stopped)."""
    root = tmp_path_factory.mktemp("cli-outgoing") / "cabinet"
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = FrozenClock(now - DIAL_JOIN_WINDOW - timedelta(seconds=5))
    created = create_practice(
        ProfilePaths(root),
        PracticeInput(name="Cabinet du Parc", practitioners=[
            PractitionerInput("Claire", "Morel", "Médecine générale")]),
        passphrase=PASS, keychain=None, clock=clock, kdf=KdfParams())
    ws = created.workspace
    try:
        ws.calls.dialled("06 11 11 11 11")
        clock.set(now)
        ws.calls.dialled("06 12 34 56 78")
    finally:
        ws.close()
    return str(root), now


def run(root: str, *args):
    return permanence(*args, "--profile", root, passphrase=PASS)


def test_the_phone_system_reports_the_dialled_call_and_others(dialled, tmp_path):
    root, dialled_at = dialled
    joined = run(root, "call", "outgoing", "--to", "+33 6 12 34 56 78", "--id", "pbx-1")
    assert joined.returncode == 0, joined.stderr
    assert joined.stdout == "pbx-1\n"
    assert "Appel sortant" in joined.stderr and "composé depuis Permanence" in joined.stderr
    for event in ("answered", "ended"):
        done = run(root, "call", event, "--id", "pbx-1")
        assert done.returncode == 0, done.stderr
    other = run(root, "call", "outgoing", "--to", "06 99 99 99 99", "--id", "pbx-2")
    assert other.returncode == 0, other.stderr
    assert "composé depuis Permanence" not in other.stderr
    late = run(root, "call", "outgoing", "--to", "0611111111", "--id", "pbx-3")
    assert late.returncode == 0, late.stderr
    assert "composé depuis Permanence" not in late.stderr
    out = tmp_path / "appels.csv"
    day = dialled_at.date()
    exported = run(root, "export", "calls", "--from", (day - timedelta(days=1)).isoformat(),
                   "--to", (day + timedelta(days=1)).isoformat(), str(out))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    calls = sorted((row[4], row) for row in rows[1:])
    assert [number for number, _row in calls] == [
        "'+33611111111", "'+33611111111", "'+33612345678", "'+33699999999"]
    one = calls[2][1]
    # One record with the phone system's times: dialling started when it said so.
    started, answered, ended = (datetime.fromisoformat(v) for v in one[:3])
    assert dialled_at <= started <= answered <= ended
    assert one[3] == "Sortant"
