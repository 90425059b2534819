"""What the command line prints and writes from names stored with control characters (an
older version, an import or a sync): one terminal line per item, files that parse."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

from app.clock import FrozenClock
from app.models import Appointment, AppointmentType, Practice, Practitioner
from app.services.agenda.zone import PracticeTime
from app.services.patients import PatientInput
from app.services.practice import PracticeInput, PractitionerInput, list_practitioners
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from tests.test_cli import permanence

PASS = "une phrase de passe"
FORGED = "Dr\nFAKE\tLINE\x1b[31m"
BAD_CHARS = set("\x7f\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                "\u2068\u2069") | {chr(c) for c in range(0x20)} | {
                    chr(c) for c in range(0x80, 0xa0)}
DAY = date(2026, 3, 24)


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("cli-output") / "cabinet"
    created = create_practice(
        ProfilePaths(root),
        PracticeInput(name="Cabinet du Parc", practitioners=[
            PractitionerInput("Claire", "Morel", "Médecine générale")]),
        passphrase=PASS, keychain=None,
        clock=FrozenClock(datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)),
        kdf=KdfParams())  # the command line accepts no cheaper key file
    ws = created.workspace
    try:
        (morel,) = list_practitioners(ws.store)
        patient = ws.patients.create(PatientInput(birth_name="Dupont", first_names="Jean")).id
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            # Past the services' cleaning, as older data or a sync could hold them.
            uow.session.get(Practitioner, morel.id).last_name = "Morel\r\nX-INJECTED:1\u202e"
            uow.session.get(Practitioner, morel.id).specialty = "Méd.\tgén.\nFAKE\t\x1b[2J"
            uow.session.add(Practitioner(first_name="Anne", last_name=FORGED))
            practice = uow.session.query(Practice).one()
            practice.name = "Cabinet\r\nEND:VCALENDAR\u2066"
            motif = AppointmentType(name="Consultation\nEND:VEVENT\nBEGIN:VEVENT\x1b[31m")
            uow.session.add(motif)
            uow.session.flush()
            starts = PracticeTime("Europe/Paris").at(DAY, 9)
            uow.session.add(Appointment(practitioner_id=morel.id, patient_id=patient,
                                        type_id=motif.id, starts_at=starts,
                                        ends_at=starts + timedelta(minutes=15),
                                        status="booked"))
    finally:
        ws.close()
    return root, morel.id


def test_practitioners_prints_one_line_per_practitioner_and_three_fields(profile):
    root, morel = profile
    result = permanence("practitioners", "--profile", str(root), passphrase=PASS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[-1] == "" and len(lines) == 3  # two practitioners, each one line
    for line in lines[:-1]:
        fields = line.split("\t")
        assert len(fields) == 3, line
        assert not set(line) & (BAD_CHARS - {"\t"}), repr(line)
    by_id = {line.split("\t")[0]: line.split("\t")[1:] for line in lines[:-1]}
    assert by_id[morel] == ["Dr Claire Morel X-INJECTED:1", "Méd. gén. FAKE [2J"]
    assert "Dr Anne Dr FAKE LINE [31m" in {name for name, _ in by_id.values()}


@pytest.mark.parametrize("optimize", ["", "1"])
def test_ics_export_of_forged_names_parses_with_or_without_assertions(profile, tmp_path,
                                                                     optimize):
    root, morel = profile
    out = tmp_path / "agenda.ics"
    result = permanence("export", "agenda", "--profile", str(root), "--practitioner", morel,
                        "--from", DAY.isoformat(), "--to", DAY.isoformat(), str(out),
                        passphrase=PASS, env={"PYTHONOPTIMIZE": optimize} if optimize else None)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    raw = out.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    cal = icalendar.Calendar.from_ical(raw)
    assert set(cal) == {"PRODID", "VERSION", "CALSCALE", "METHOD", "X-WR-CALNAME",
                        "X-WR-TIMEZONE"}
    assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VEVENT"]
    (event,) = cal.walk("VEVENT")
    assert set(event) == {"UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "DTSTART", "DTEND",
                          "SUMMARY", "STATUS", "TRANSP"}
    assert str(cal["X-WR-CALNAME"]) == "Dr Claire Morel X-INJECTED:1"
    assert str(event["SUMMARY"]) == "Consultation END:VEVENT BEGIN:VEVENT [31m — J. D."
