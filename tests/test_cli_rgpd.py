"""``permanence rgpd export`` and ``rgpd erase`` as a user runs them: a real subprocess
on a real profile."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import timedelta

import pytest

from app.clock import SystemClock
from app.services.agenda.views import BookingInput
from app.services.calls.events import CallInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.practice import list_practitioners
from app.services.workspace import open_workspace
from app.storage.profile import ProfilePaths, unlock_key
from tests.test_cli import permanence

PASS = "une phrase de passe"


@pytest.fixture
def profile(tmp_path):
    root = tmp_path / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                        "--practitioner", "Dr Claire Morel", passphrase=PASS)
    assert result.returncode == 0, result.stderr
    paths = ProfilePaths(root)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASS), clock=SystemClock())
    try:
        quiet = ws.patients.create(PatientInput(birth_name="Zqxsilence", first_names="Odile",
                                                phones=[PhoneEntry("06 11 22 33 44")])).id
        busy = ws.patients.create(PatientInput(birth_name="Roux", first_names="Marc")).id
        morel = list_practitioners(ws.store)[0].id
        ws.agenda.book(BookingInput(morel, ws.clock.now(), None, busy, None,
                                    note="Apporter la radio"), override=True)  # no hours set
    finally:
        ws.close()
    return root, quiet, busy


def rgpd(root, *args):
    return permanence("rgpd", *args, "--profile", str(root), passphrase=PASS)


def test_export_writes_json_and_a_pdf_readable_by_the_owner_only(profile, tmp_path):
    root, _quiet, busy = profile
    out, pdf = tmp_path / "dossier.json", tmp_path / "dossier.pdf"
    result = rgpd(root, "export", "--patient", busy, "--pdf", str(pdf), str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(out), str(pdf)]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["patient"]["birth_name"] == "Roux"
    assert [a["note"] for a in data["appointments"]] == ["Apporter la radio"]
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    for path in (out, pdf):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    again = rgpd(root, "export", "--patient", busy, str(out))
    assert again.returncode == 2 and "--force" in again.stderr


def test_erase_refuses_a_patient_kept_by_the_rule_and_erases_one_that_is_not(profile):
    root, quiet, busy = profile
    refused = rgpd(root, "erase", "--patient", busy, "--reason", "Demande du patient")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "1 rendez-vous" in refused.stderr and "Traceback" not in refused.stderr

    done = rgpd(root, "erase", "--patient", quiet, "--reason", "Demande écrite")
    assert done.returncode == 0, done.stderr
    assert "effacées" in done.stdout

    paths = ProfilePaths(root)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASS), clock=SystemClock())
    try:
        assert ws.patients.search("Zqxsilence") == []
        assert [r.detail for r in ws.audit_trail.entries() if r.action == "erase"] == [
            "Demande écrite"]
    finally:
        ws.close()


def test_retention_dry_run_lists_and_changes_nothing_then_apply_runs(profile):
    root, _quiet, _busy = profile
    dry = permanence("retention", "apply", "--dry-run", "--profile", str(root),
                     passphrase=PASS)
    assert dry.returncode == 0, dry.stderr
    assert "supprimeraient" in dry.stdout and "Rien n'a été modifié" in dry.stdout
    assert "0 appel" in dry.stdout
    done = permanence("retention", "apply", "--profile", str(root), passphrase=PASS)
    assert done.returncode == 0, done.stderr
    assert "ont supprimé" in done.stdout


def test_the_record_of_processing_is_written_where_asked(profile, tmp_path):
    root, _quiet, _busy = profile
    out = tmp_path / "registre.md"
    result = rgpd(root, "record", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert "Cabinet du Parc" in out.read_text(encoding="utf-8")


def test_after_the_rules_erase_old_calls_the_trail_verifies_and_exports(profile, tmp_path):
    root, _quiet, _busy = profile
    paths = ProfilePaths(root)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASS), clock=SystemClock())
    try:
        for days in (700, 710, 720):
            ws.calls.record(CallInput("06 11 22 33 44", ws.clock.now() - timedelta(days=days),
                                      note="Zqxancien"))
    finally:
        ws.close()
    done = permanence("retention", "apply", "--profile", str(root), passphrase=PASS)
    assert done.returncode == 0, done.stderr
    verify = permanence("audit", "verify", "--profile", str(root), passphrase=PASS)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    check = permanence("check", "--profile", str(root), passphrase=PASS)
    assert check.returncode == 0, check.stdout + check.stderr
    out = tmp_path / "journal.csv"
    exported = permanence("audit", "export", "--from", "2000-01-01", "--to", "2100-12-31",
                          str(out), "--profile", str(root), passphrase=PASS)
    assert exported.returncode == 0, exported.stderr
    rows = [r for r in csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")),
                                  delimiter=";") if "retention count=3" in r]
    assert len(rows) == 1 and "call" in rows[0]
