"""``permanence call``, ``lookup``, ``kpi`` and ``export calls`` run as a phone system or a
user would: real subprocesses on a real encrypted profile."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.clock import FrozenClock
from app.services.calls import INDICATOR_KEYS, CallInput
from app.services.directory import ContactInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.practice import PracticeInput, PractitionerInput, list_practitioners
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from tests.test_cli import permanence, snapshot

PASS = "une phrase de passe"
DAY = date(2026, 3, 16)


class Profile:
    root: str
    morel: str
    jeanne: str
    lucas: str
    lab: str


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Profile:
    root = tmp_path_factory.mktemp("cli-calls") / "cabinet"
    created = create_practice(
        ProfilePaths(root),
        PracticeInput(name="Cabinet du Parc", practitioners=[
            PractitionerInput("Claire", "Morel", "Médecine générale")]),
        passphrase=PASS, keychain=None,
        clock=FrozenClock(datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)),
        kdf=KdfParams())  # the command line accepts only the production cost
    ws = created.workspace
    try:
        p = Profile()
        p.root = str(root)
        p.morel = list_practitioners(ws.store)[0].id
        p.jeanne = ws.patients.create(PatientInput(
            birth_name="Martin", first_names="Jeanne", birth_date=date(1980, 5, 2),
            phones=[PhoneEntry("06 12 34 56 78")])).id
        p.lucas = ws.patients.create(PatientInput(
            birth_name="=Martin", first_names="Lucas", birth_date=date(2012, 9, 14),
            phones=[PhoneEntry("06 12 34 56 78")])).id
        p.lab = ws.directory.create(ContactInput(name="Laboratoire Bio Loire", category="lab",
                                                 phone="02 47 12 34 56")).id
        start = datetime(2026, 3, 16, 8, 0, tzinfo=timezone.utc)  # 09:00 in Paris
        ws.calls.record(CallInput(number="0247123456", started_at=start,
                                  answered_at=start + timedelta(seconds=8),
                                  ended_at=start + timedelta(seconds=68),
                                  reason="results", outcome="informed",
                                  practitioner_id=p.morel))
        ws.calls.record(CallInput(number="0699999999", started_at=start + timedelta(hours=1),
                                  ended_at=start + timedelta(hours=1, seconds=30)))
        # Outgoing to Lucas, whose name would be a formula in a spreadsheet.
        ws.calls.record(CallInput(number="0612345678", started_at=start + timedelta(hours=2),
                                  ended_at=start + timedelta(hours=2, seconds=20),
                                  direction="out", caller_kind="patient", caller_id=p.lucas))
    finally:
        ws.close()
    return p


def run(p: Profile, *args, passphrase: str | None = PASS):
    return permanence(*args, "--profile", p.root, passphrase=passphrase)


def test_a_call_from_ringing_to_end_then_a_missed_one(profile):
    rang = run(profile, "call", "ringing", "--from", "+33 6 12 34 56 78", "--to",
               "02 47 00 00 00", "--id", "pbx-42")
    assert rang.returncode == 0, rang.stderr
    assert rang.stdout.strip() == "pbx-42"
    assert "MARTIN Jeanne" in rang.stderr and "=MARTIN Lucas" in rang.stderr
    answered = run(profile, "call", "answered", "--id", "pbx-42")
    assert answered.returncode == 0 and "décroché" in answered.stdout
    ended = run(profile, "call", "ended", "--id", "pbx-42")
    assert ended.returncode == 0 and "terminé" in ended.stdout
    # Without an id: the call's own is printed, and names the next events.
    rang = run(profile, "call", "ringing", "--from", "0033 2 47 12 34 56")
    assert rang.returncode == 0 and "Laboratoire Bio Loire" in rang.stderr
    missed = run(profile, "call", "ended", "--id", rang.stdout.strip())
    assert missed.returncode == 0, missed.stderr
    assert "Appel manqué" in missed.stdout and "rappeler" in missed.stdout


def test_a_withheld_number_is_recorded(profile):
    for withheld in ("anonymous", "masqué", ""):
        rang = run(profile, "call", "ringing", "--from", withheld)
        assert rang.returncode == 0, rang.stderr
        assert "masqué" in rang.stderr
        ended = run(profile, "call", "ended", "--id", rang.stdout.strip())
        assert ended.returncode == 0 and "personne à rappeler" in ended.stdout


@pytest.mark.parametrize("args, words", [
    (("call", "ringing", "--from", "06 12 AB 56"), "n'est pas un numéro"),
    (("call", "answered", "--id", "nope"), "Aucun appel"),
    (("call", "ended", "--id", "nope"), "Aucun appel"),
    (("kpi", "--from", "2026-03-20", "--to", "2026-03-16", "--format", "json"), "postérieur"),
    (("kpi", "--from", "2026-02-30", "--to", "2026-03-16", "--format", "json"), "date"),
    (("kpi", "--from", "2026-03-16", "--to", "2026-03-16", "--format", "json",
      "--practitioner", "nobody"), "praticien"),
    (("lookup", "not a number"), "n'est pas un numéro"),
])
def test_bad_input_is_refused_with_exit_2_and_writes_nothing(profile, args, words):
    before = snapshot(Path(profile.root))
    result = run(profile, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    after = snapshot(Path(profile.root))
    assert {k: v for k, v in after.items() if not k.startswith("logs")} == {
        k: v for k, v in before.items() if not k.startswith("logs")}


def test_an_event_out_of_order_is_refused(profile):
    rang = run(profile, "call", "ringing", "--from", "0612345678", "--id", "twice")
    assert rang.returncode == 0
    again = run(profile, "call", "ringing", "--from", "0612345678", "--id", "twice")
    assert again.returncode == 2 and "dans le désordre" in again.stderr
    assert run(profile, "call", "ended", "--id", "twice").returncode == 0
    late = run(profile, "call", "answered", "--id", "twice")
    assert late.returncode == 2 and "déjà terminé" in late.stderr


def test_lookup_in_json_and_text(profile):
    result = run(profile, "lookup", "+33612345678", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"kind": "patient", "id": profile.lucas, "name": "=MARTIN Lucas"},
        {"kind": "patient", "id": profile.jeanne, "name": "MARTIN Jeanne"},
    ] or json.loads(result.stdout) == [
        {"kind": "patient", "id": profile.jeanne, "name": "MARTIN Jeanne"},
        {"kind": "patient", "id": profile.lucas, "name": "=MARTIN Lucas"},
    ]
    lab = run(profile, "lookup", "02 47 12 34 56", "--format", "json")
    assert json.loads(lab.stdout) == [{"kind": "contact", "id": profile.lab,
                                       "name": "Laboratoire Bio Loire"}]
    assert json.loads(run(profile, "lookup", "07 81 23 45 67", "--format", "json").stdout) == []
    text = run(profile, "lookup", "0612345678")
    assert f"patient\t{profile.jeanne}\tMARTIN Jeanne\t02/05/1980" in text.stdout.splitlines()


def test_kpi_in_json_and_csv(profile, tmp_path):
    result = run(profile, "kpi", "--from", "2026-03-16", "--to", "16/03/2026",
                 "--practitioner", profile.morel, "--format", "json")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert list(values) == list(INDICATOR_KEYS)
    assert values["calls_total"] == 1 and values["answered"] == 1
    assert values["aht_seconds"] == 60.0 and values["callbacks_done_within_target_rate"] is None
    out = tmp_path / "kpi.csv"
    written = run(profile, "kpi", "--from", "2026-03-16", "--to", "2026-03-16", "--format",
                  "csv", str(out))
    assert written.returncode == 0, written.stderr
    header, row = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert header == list(INDICATOR_KEYS)
    got = dict(zip(header, row))
    assert got["missed"] == "1" and got["answered_rate"] == "0.5"
    again = run(profile, "kpi", "--from", "2026-03-16", "--to", "2026-03-16", "--format",
                "csv", str(out))
    assert again.returncode == 2 and "--force" in again.stderr


def test_export_calls_one_row_per_call_in_practice_time(profile, tmp_path):
    out = tmp_path / "appels.csv"
    result = run(profile, "export", "calls", "--from", "2026-03-16", "--to", "2026-03-16",
                 str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    header, first, second = rows[0], rows[1], rows[2]
    assert header[:5] == ["Début", "Décroché", "Fin", "Sens", "Numéro"]
    assert first[:3] == ["2026-03-16T09:00:00+01:00", "2026-03-16T09:00:08+01:00",
                         "2026-03-16T09:01:08+01:00"]
    assert first[3:7] == ["Entrant", "'+33247123456", "Annuaire", profile_lab(profile)]
    assert first[8:11] == ["Dr Claire Morel", "Résultats", "Renseignement donné"]
    assert second[1] == "" and second[13] == "En retard"  # missed, not called back since
    assert out.stat().st_mode & 0o777 == 0o600
    refused = run(profile, "export", "calls", "--from", "2026-03-16", "--to", "2026-03-16",
                  "--format", "vcard", str(tmp_path / "x.vcf"))
    assert refused.returncode == 2
    inside = run(profile, "export", "calls", "--from", "2026-03-16", "--to", "2026-03-16",
                 str(Path(profile.root) / "calls.csv"))
    assert inside.returncode == 2 and not (Path(profile.root) / "calls.csv").exists()


def profile_lab(p: Profile) -> str:
    return p.lab


def test_the_formula_of_a_patient_name_is_not_run(profile, tmp_path):
    out = tmp_path / "formula.csv"
    result = run(profile, "export", "calls", "--from", "2026-03-16", "--to", "2026-03-16",
                 str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    lucas = rows[3]
    assert lucas[3] == "Sortant" and lucas[5:8] == ["Patient", profile.lucas, "'=MARTIN Lucas"]
