"""Names with control characters, line breaks or bidirectional overrides: cleaned when
saved, and harmless in the files written from older or synced data (iCalendar, vCard,
CSV), read back with independent parsers."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import icalendar
import pytest
import vobject
from sqlalchemy import select

from app.models import (
    Appointment,
    AppointmentType,
    Contact,
    Patient,
    Practice,
    Practitioner,
    User,
)
from app.models.text import sort_key
from app.services.agenda.setup import TypeInput
from app.services.agenda.zone import PracticeTime
from app.services.errors import ValidationError
from app.services.patients import PatientInput
from app.services.practice import (
    PracticeInput,
    PractitionerInput,
    get_practice,
    list_practitioners,
    validate_practice,
)
from app.services.workspace import create_practice
from app.storage.profile import ProfilePaths

FORGED = "Dr\nFAKE\tLINE\x1b[31m"
# Each tries to end the property and start another, or to turn the text around.
NASTY = ["Morel\r\nX-INJECTED:1", "Morel\nEND:VEVENT\nBEGIN:VEVENT", "Morel\rSUMMARY:x",
         "\u202eleroM", "Mo\u2066rel\u2069", "Morel\u2028X-INJECTED:1", "Mo\x85rel",
         "Mo\x00rel\x7f", "Morel\u200f\u200e", FORGED]
BAD_CHARS = set("\x7f\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                "\u2068\u2069") | {chr(c) for c in range(0x20)} | {
                    chr(c) for c in range(0x80, 0xa0)}
PT = PracticeTime("Europe/Paris")


def clean(text: str) -> bool:
    return not set(text) & BAD_CHARS


def forge(ws, model, row_id, **values) -> None:
    """Write values as an older version, an import or a sync could have stored them:
    through the unit of work, past the services' cleaning."""
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        row = uow.session.get(model, row_id)
        for key, value in values.items():
            setattr(row, key, value)


# -- saved through the services ---------------------------------------------------------
def test_practice_practitioner_and_owner_names_are_cleaned_when_saved(tmp_path, clock,
                                                                       fast_kdf):
    created = create_practice(
        ProfilePaths(tmp_path / "p"),
        PracticeInput(name="Cabinet\r\ndu \u202eParc\x1b[0m", owner_name="Dr\tMorel\n",
                      practitioners=[PractitionerInput("Claire\u2028", FORGED, "Méd.\x85gén.",
                                                       title="Dr\u200f")]),
        passphrase="correct horse", keychain=None, clock=clock, kdf=fast_kdf)
    ws = created.workspace
    try:
        assert get_practice(ws.store).name == "Cabinet du Parc [0m"
        (p,) = list_practitioners(ws.store)
        assert (p.display_name, p.specialty) == ("Dr Claire Dr FAKE LINE [31m", "Méd. gén.")
        with ws.store.reader() as s:
            assert s.get(User, ws.user_id).display_name == "Dr Morel"
    finally:
        ws.close()


def test_a_name_of_control_characters_only_is_no_name():
    with pytest.raises(ValidationError) as info:
        validate_practice(PracticeInput(name="\x1b\u202e\n", practitioners=[
            PractitionerInput("Anne", "\t\u2066")]))
    assert set(info.value.errors) == {"name", "practitioner0"}


def test_motif_names_are_cleaned_when_saved(workspace):
    setup = workspace.agenda_setup
    saved = setup.save_type(TypeInput(name=" Consultation\r\nEND:VEVENT\x1b[31m\u202e "))
    assert saved.name == "Consultation END:VEVENT [31m"
    again = setup.save_type(TypeInput(name="Suivi\u2028\tpédiatrique"), saved.id)
    assert again.name == "Suivi pédiatrique"
    with pytest.raises(ValidationError) as info:
        setup.save_type(TypeInput(name="\n\x1b\u200e"))
    assert "name" in info.value.errors


def test_patient_names_lose_escape_sequences_and_overrides_too(workspace):
    p = workspace.patients.create(PatientInput(birth_name="Du\u202epont\x1b[2J",
                                               first_names="Jean\x9b\u2066"))
    with workspace.store.reader() as s:
        row = s.get(Patient, p.id)
        assert (row.birth_name, row.first_names) == ("Dupont [2J", "Jean")


# -- iCalendar ----------------------------------------------------------------------------
@pytest.mark.parametrize("nasty", NASTY)
def test_ics_export_of_forged_names_parses_to_exactly_the_expected_properties(
        workspace, tmp_path, nasty):
    ws = workspace
    (p,) = list_practitioners(ws.store)
    with ws.store.reader() as s:
        practice_id = s.execute(select(Practice.id)).scalar_one()
    forge(ws, Practitioner, p.id, first_name=f"Claire {nasty}", last_name=nasty)
    forge(ws, Practice, practice_id, name=f"Cabinet {nasty}")
    patient = ws.patients.create(PatientInput(birth_name="Dupont", first_names="Jean")).id
    forge(ws, Patient, patient, birth_name=nasty, first_names=nasty)
    day = date(2026, 3, 24)
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        motif = AppointmentType(name=f"Consultation {nasty}")
        uow.session.add(motif)
        uow.session.flush()
        starts = PT.at(day, 9)
        uow.session.add(Appointment(practitioner_id=p.id, patient_id=patient, type_id=motif.id,
                                    starts_at=starts, ends_at=starts + timedelta(minutes=15),
                                    status="booked"))
    path = tmp_path / "agenda.ics"
    result = ws.agenda_export.export(path, practitioner_id=p.id, first=day, last=day,
                                     patient_names=True)
    assert result.events == 1
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # no bare line break
    cal = icalendar.Calendar.from_ical(raw)
    assert set(cal) == {"PRODID", "VERSION", "CALSCALE", "METHOD", "X-WR-CALNAME",
                        "X-WR-TIMEZONE"}
    assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VEVENT"]
    (event,) = cal.walk("VEVENT")
    assert set(event) == {"UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "DTSTART", "DTEND",
                          "SUMMARY", "STATUS", "TRANSP"}
    name, summary = str(cal["X-WR-CALNAME"]), str(event["SUMMARY"])
    assert clean(name) and clean(summary)
    assert name.startswith("Dr Claire") and summary.startswith("Consultation")
    by_vobject = vobject.readOne(raw.decode("utf-8"))
    assert by_vobject.vevent.summary.value == summary
    assert by_vobject.contents["x-wr-calname"][0].value == name


# -- vCard ----------------------------------------------------------------------------------
@pytest.mark.parametrize("nasty", NASTY)
def test_vcards_of_forged_names_parse_to_exactly_the_expected_properties(
        workspace, tmp_path, nasty):
    ws = workspace
    patient = ws.patients.create(PatientInput(birth_name="Dupont", first_names="Jean")).id
    forge(ws, Patient, patient, birth_name=nasty, first_names=f"Jean {nasty}",
          city=nasty, admin_note=f"ligne 1\n{nasty}\u2029fin", alert=nasty)
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.session.add(Contact(category="lab", name=nasty, first_name="", organisation=nasty,
                                note=nasty, sort_key=sort_key(nasty)))
    ws.exports.export_patients_vcard(tmp_path / "p.vcf")
    ws.exports.export_directory_vcard(tmp_path / "d.vcf")
    for path, expected in ((tmp_path / "p.vcf", {"version", "uid", "kind", "fn", "n", "adr",
                                                  "note"}),
                           (tmp_path / "d.vcf", {"version", "uid", "kind", "fn", "org",
                                                  "categories", "note"})):
        raw = path.read_bytes()
        assert b"\n" not in raw.replace(b"\r\n", b"")
        (card,) = vobject.readComponents(raw.decode("utf-8"))
        assert set(card.contents) == expected
        for key in expected - {"note", "n", "adr", "org"}:
            assert clean(card.contents[key][0].value), key
        note = card.note.value
        assert clean(note.replace("\n", "").replace("\t", ""))  # kept in a note
    (card,) = vobject.readComponents((tmp_path / "p.vcf").read_text(encoding="utf-8"))
    assert card.note.value.split("\n")[1:2] == ["ligne 1"]  # "Alerte : …", then the note
    assert clean(card.adr.value.city) and clean(card.n.value.family)


# -- CSV ------------------------------------------------------------------------------------
def test_csv_cells_hold_no_control_character_and_formulas_stay_text(workspace, tmp_path):
    ws = workspace
    patient = ws.patients.create(PatientInput(birth_name="Dupont", first_names="Jean")).id
    forge(ws, Patient, patient, birth_name="\u202e=HYPERLINK(\"http://x\")",
          first_names=FORGED, city="Lyon\u2028X", admin_note="ligne 1\r\nligne 2\x1b[31m")
    ws.exports.export_patients_csv(tmp_path / "p.csv")
    text = (tmp_path / "p.csv").read_bytes().decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert row["Nom de naissance"] == "'=HYPERLINK(\"http://x\")"
    assert row["Prénoms"] == "Dr\nFAKE\tLINE [31m"
    assert row["Ville"] == "Lyon\nX"
    assert row["Note administrative"] == "ligne 1\nligne 2 [31m"
    for value in row.values():
        assert clean(value.replace("\n", "").replace("\t", ""))
