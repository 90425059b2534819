"""``permanence report day`` run as a user would: a real subprocess on a real encrypted
profile, the PDF read back (its structure: pypdf is not a dependency; the text is
checked through the report's data in tests/services/calls/test_pages_data.py)."""

from __future__ import annotations

import stat
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.clock import FrozenClock
from app.services.calls import CallInput
from app.services.practice import PracticeInput, PractitionerInput, list_practitioners
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from app.ui.calls.report_pdf import pdf_page_count
from tests.test_cli import permanence, snapshot

PASS = "une phrase de passe"


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-report") / "cabinet"
    created = create_practice(
        ProfilePaths(root),
        PracticeInput(name="Cabinet du Parc", practitioners=[
            PractitionerInput("Claire", "Morel", "Médecine générale")]),
        passphrase=PASS, keychain=None,
        clock=FrozenClock(datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)),
        kdf=KdfParams())
    ws = created.workspace
    try:
        morel = list_practitioners(ws.store)[0].id
        start = datetime(2026, 3, 16, 8, 0, tzinfo=timezone.utc)
        for i in range(60):  # enough rows for the report to need more than one page
            at = start + timedelta(minutes=5 * i)
            ws.calls.record(CallInput(number=f"06{i:08d}", started_at=at,
                                      answered_at=at + timedelta(seconds=6),
                                      ended_at=at + timedelta(seconds=90),
                                      reason="urgent" if i % 3 == 0 else "results",
                                      outcome="sent_to_15" if i % 3 == 0 else "informed",
                                      practitioner_id=morel if i % 2 else None))
    finally:
        ws.close()
    return root, morel


def run(root, *args):
    return permanence(*args, "--profile", str(root), passphrase=PASS)


def _unchanged(root: Path, before: dict) -> bool:
    after = snapshot(root)
    return ({k: v for k, v in after.items() if not k.startswith("logs")}
            == {k: v for k, v in before.items() if not k.startswith("logs")})


def test_the_day_report_as_an_owner_only_pdf(profile, tmp_path):
    root, morel = profile
    out = tmp_path / "cr.pdf"
    result = run(root, "report", "day", "--date", "2026-03-16", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = pdf_page_count(data)
    assert pages >= 2  # 20 urgent calls with their steps
    assert f"({pages} pages)" in result.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name != "cr.pdf"]  # no stray temporary

    # Never overwritten unasked; --force replaces it.
    again = run(root, "report", "day", "--date", "16/03/2026", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    assert out.read_bytes() == data
    mine = run(root, "report", "day", "--date", "2026-03-16", "--practitioner", morel,
               "--force", str(out))
    assert mine.returncode == 0, mine.stderr
    assert pdf_page_count(out.read_bytes()) <= pages


@pytest.mark.parametrize("args, words", [
    (("--date", "2026-02-30"), "date"),
    (("--date", "hier"), "date"),
    (("--date", (date.today() + timedelta(days=3)).isoformat()), "pas encore"),
    (("--date", "2026-03-16", "--practitioner", "nobody"), "praticien"),
])
def test_bad_input_is_refused_with_exit_2_and_writes_nothing(profile, tmp_path, args, words):
    root, _morel = profile
    before = snapshot(root)
    out = tmp_path / "cr.pdf"
    result = run(root, "report", "day", *args, str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.iterdir())
    assert _unchanged(root, before)


def test_the_profile_folder_is_refused(profile):
    root, _morel = profile
    before = snapshot(root)
    result = run(root, "report", "day", "--date", "2026-03-16", str(root / "cr.pdf"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert _unchanged(root, before)
