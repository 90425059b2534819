"""``permanence practitioners`` and ``permanence export agenda`` run as a user would: a real
subprocess on a real encrypted profile holding a small agenda."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

from app.clock import FrozenClock
from app.models import Appointment, AppointmentStatus, AppointmentType, Practitioner
from app.services.agenda.zone import PracticeTime
from app.services.patients import PatientInput
from app.services.practice import PracticeInput, PractitionerInput, list_practitioners
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from tests.test_cli import permanence, snapshot

PASS = "une phrase de passe"
PT = PracticeTime("Europe/Paris")


class Profile:
    root: str
    morel: str
    girard: str
    retired: str
    events_in_week: int   # Dr Morel, 23–29 March 2026, cancelled left out
    cancelled_in_week: int


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Profile:
    root = tmp_path_factory.mktemp("cli-agenda") / "cabinet"
    created = create_practice(
        ProfilePaths(root),
        PracticeInput(name="Cabinet du Parc", practitioners=[
            PractitionerInput("Claire", "Morel", "Médecine générale"),
            PractitionerInput("Paul", "Girard", "Pédiatrie")]),
        passphrase=PASS, keychain=None,
        clock=FrozenClock(datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)),
        kdf=KdfParams())  # the command line accepts only the production cost
    ws = created.workspace
    try:
        p = Profile()
        p.root = str(root)
        ids = {i.display_name: i.id for i in list_practitioners(ws.store)}
        p.morel, p.girard = ids["Dr Claire Morel"], ids["Dr Paul Girard"]
        patient = ws.patients.create(PatientInput(birth_name="Dupont", first_names="Jean")).id
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            retired = Practitioner(first_name="Anne", last_name="Roux", active=False)
            consult = AppointmentType(name="Consultation")
            uow.session.add_all([retired, consult])
            uow.session.flush()
            p.retired = retired.id
            rows = []
            for offset in range(-2, 10):  # 21 March to 1 April, over the spring change
                day = date(2026, 3, 21) + timedelta(days=offset + 2)
                for hour in (9, 18):
                    starts = PT.at(day, hour)
                    rows.append(dict(practitioner_id=p.morel, patient_id=patient,
                                     type_id=consult.id, starts_at=starts,
                                     ends_at=starts + timedelta(minutes=20),
                                     status=AppointmentStatus.BOOKED.value))
            rows[5]["status"] = AppointmentStatus.CANCELLED.value  # 23 March, 18:00
            starts = PT.at(date(2026, 3, 25), 10)
            rows.append(dict(practitioner_id=p.girard, patient_id=patient, type_id=consult.id,
                             starts_at=starts, ends_at=starts + timedelta(minutes=20),
                             status=AppointmentStatus.BOOKED.value))
            uow.bulk_insert(Appointment, rows)
        p.events_in_week, p.cancelled_in_week = 7 * 2 - 1, 1
    finally:
        ws.close()
    return p


def agenda(p: Profile, out, *args, passphrase: str | None = PASS):
    return permanence("export", "agenda", "--profile", p.root, *args, str(out),
                      passphrase=passphrase)


def week(p: Profile, out, *extra, practitioner=None, passphrase: str | None = PASS):
    return agenda(p, out, "--practitioner", practitioner or p.morel, "--from", "2026-03-23",
                  "--to", "29/03/2026", *extra, passphrase=passphrase)


def printed_count(stdout: str, out) -> int:
    line, = stdout.strip().splitlines()
    assert str(out) in line
    return int(re.sub(r"\D", "", line.split(str(out))[0]))


# -- practitioners --------------------------------------------------------------------------
def test_practitioners_lists_the_active_ones_id_first_tab_separated(profile):
    result = permanence("practitioners", "--profile", profile.root, passphrase=PASS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{profile.girard}\tDr Paul Girard\tPédiatrie",
        f"{profile.morel}\tDr Claire Morel\tMédecine générale",
    ]
    assert profile.retired not in result.stdout


def test_practitioners_needs_the_passphrase(profile):
    before = snapshot(Path(profile.root))
    result = permanence("practitioners", "--profile", profile.root, passphrase="mauvaise")
    assert result.returncode == 3 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert snapshot(Path(profile.root)) == before


# -- export agenda --------------------------------------------------------------------------
def test_export_agenda_writes_the_week_and_says_how_many(profile, tmp_path):
    out = tmp_path / "agenda.ics"
    result = week(profile, out)
    assert result.returncode == 0, result.stderr
    assert printed_count(result.stdout, out) == profile.events_in_week
    raw = out.read_bytes()
    cal = icalendar.Calendar.from_ical(raw)
    events = cal.walk("VEVENT")
    assert len(events) == profile.events_in_week
    assert str(cal["X-WR-CALNAME"]) == "Dr Claire Morel"
    assert {str(e["SUMMARY"]) for e in events} == {"Consultation — J. D."}
    assert b"Dupont" not in raw and b"DUPONT" not in raw
    # 09:00 in Paris on both sides of Sunday 29 March.
    nine = sorted(e.decoded("DTSTART") for e in events if e.decoded("DTSTART").hour == 9)
    assert [d.utcoffset() for d in nine] == [timedelta(hours=1)] * 6 + [timedelta(hours=2)]
    if sys.platform != "win32":
        assert out.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agenda.ics"]
    # The export's audit entry keeps the hash chain whole.
    check = permanence("check", "--profile", profile.root, passphrase=PASS)
    assert check.returncode == 0, check.stdout + check.stderr


def test_names_and_cancelled_when_asked(profile, tmp_path):
    out = tmp_path / "agenda.ics"
    result = week(profile, out, "--patient-names", "--include-cancelled")
    assert result.returncode == 0, result.stderr
    total = profile.events_in_week + profile.cancelled_in_week
    assert printed_count(result.stdout, out) == total
    events = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert {str(e["SUMMARY"]) for e in events} == {"Consultation — DUPONT Jean"}
    assert sorted(str(e["STATUS"]) for e in events).count("CANCELLED") == 1


def test_another_practitioner_and_an_empty_range(profile, tmp_path):
    result = week(profile, tmp_path / "girard.ics", practitioner=profile.girard)
    assert result.returncode == 0 and printed_count(result.stdout, tmp_path / "girard.ics") == 1
    empty = agenda(profile, tmp_path / "vide.ics", "--practitioner", profile.morel,
                   "--from", "2026-05-01", "--to", "2026-05-01")
    assert empty.returncode == 0 and printed_count(empty.stdout, tmp_path / "vide.ics") == 0
    cal = icalendar.Calendar.from_ical((tmp_path / "vide.ics").read_bytes())
    assert cal.walk("VEVENT") == [] and cal.walk("VTIMEZONE")


# -- refusals: exit 2, a message, nothing written ---------------------------------------------
def test_an_unknown_practitioner_is_refused(profile, tmp_path):
    result = week(profile, tmp_path / "agenda.ics", practitioner="0190-pas-un-praticien")
    assert result.returncode == 2
    assert "0190-pas-un-praticien" in result.stderr
    assert "permanence practitioners" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("first, last, bad", [
    ("2026-13-01", "2026-03-29", "2026-13-01"),
    ("31/02/2026", "2026-03-29", "31/02/2026"),
    ("2026-03-23", "demain", "demain"),
    ("23/03/26", "2026-03-29", "23/03/26"),
])
def test_a_bad_date_is_refused_before_unlocking(profile, tmp_path, first, last, bad):
    # No passphrase given: the date is refused (2) before any unlock is tried (3).
    result = agenda(profile, tmp_path / "agenda.ics", "--practitioner", profile.morel,
                    "--from", first, "--to", last, passphrase=None)
    assert result.returncode == 2, result.stderr
    option = "--from" if bad == first else "--to"
    assert f"{option} {bad}" in result.stderr
    assert "2026-03-29" in result.stderr and "29/03/2026" in result.stderr  # the examples
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_from_after_to_is_refused(profile, tmp_path):
    result = agenda(profile, tmp_path / "agenda.ics", "--practitioner", profile.morel,
                    "--from", "29/03/2026", "--to", "2026-03-23")
    assert result.returncode == 2
    assert "2026-03-29" in result.stderr and "2026-03-23" in result.stderr
    assert "--from" in result.stderr and "--to" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_missing_and_misplaced_options_are_refused(profile, tmp_path):
    missing = agenda(profile, tmp_path / "agenda.ics", "--practitioner", profile.morel,
                     "--from", "2026-03-23")
    assert missing.returncode == 2 and "--to" in missing.stderr
    with_format = week(profile, tmp_path / "agenda.ics", "--format", "vcard")
    assert with_format.returncode == 2 and "--format" in with_format.stderr
    patients = permanence("export", "patients", "--profile", profile.root, "--from",
                          "2026-03-23", str(tmp_path / "p.csv"), passphrase=PASS)
    assert patients.returncode == 2 and "export agenda" in patients.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unusable_destination_is_refused(profile, tmp_path):
    result = week(profile, tmp_path / "absent" / "agenda.ics")
    assert result.returncode == 2
    assert str(tmp_path / "absent") in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "absent").exists()


def test_a_wrong_passphrase_exports_nothing(profile, tmp_path):
    result = week(profile, tmp_path / "agenda.ics", passphrase="mauvaise")
    assert result.returncode == 3
    assert list(tmp_path.iterdir()) == []
