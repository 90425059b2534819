"""Exports (CSV, vCard 4.0) from a real encrypted practice, read back independently:
the CSV with the standard csv module, the vCards with ``vobject``."""

from __future__ import annotations

import csv
import io
import os
import sys
from datetime import date
from pathlib import Path

import pytest
import vobject
from sqlalchemy import select

from app.models import AuditEntry, Contact, Patient
from app.models.text import sort_key
from app.services.errors import Cancelled
from app.services.exporting import DestinationExists, ExportError, ExportService
from app.services.exporting.csv_format import DIRECTORY_HEADERS, PATIENT_HEADERS, neutralise
from app.services.exporting.vcard import escape, fold
from app.services.patients import PatientInput, PhoneEntry

# -- helpers ------------------------------------------------------------------------


def add_patient(ws, **over):
    data = dict(birth_name="Dupont", first_names="Jean-Éric")
    data.update(over)
    return ws.patients.create(PatientInput(**data))


def set_fields(ws, patient_id, **values):
    """Write values the form would clean up (leading tabs…), as a sync or an older
    version could have stored them: through the unit of work all the same."""
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        patient = uow.session.get(Patient, patient_id)
        for key, value in values.items():
            setattr(patient, key, value)


def tombstone(ws, model, row_id):
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.session.get(model, row_id).deleted_at = ws.clock.now()


def add_contact(ws, **values) -> str:
    values.setdefault("name", "Laboratoire Bio Loire")
    values["sort_key"] = sort_key(values["name"], values.get("first_name", ""))
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        contact = Contact(**values)
        uow.session.add(contact)
        uow.session.flush()
        return contact.id


def read_csv(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def audits(ws, action="export"):
    with ws.store.reader() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.seq)).scalars())


def cards(path: Path):
    return list(vobject.readComponents(path.read_text(encoding="utf-8")))


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def exports(workspace) -> ExportService:
    return workspace.exports


@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


# -- CSV ----------------------------------------------------------------------------


def test_patient_csv_is_excel_french_with_the_importer_headers(workspace, exports, out):
    add_patient(workspace, birth_name="Lefèvre", used_name="Martin", first_names="Hélène",
                birth_date="01/07/1975", sex="F", civility="mme",
                phones=[PhoneEntry("06 12 34 56 78"), PhoneEntry("04 78 12 34 56", "home"),
                        PhoneEntry("07 61 22 33 44")],
                email="helene.martin@example.fr", address_line="12 rue de l'Église",
                postal_code="37000", city="Tours", admin_note="Préfère le matin",
                alert="Malentendante")
    result = exports.export_patients_csv(out / "patients.csv")

    raw = (out / "patients.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 2 and b"\n" not in raw.replace(b"\r\n", b"")
    header = raw[3:raw.index(b"\r\n")].decode("utf-8")
    assert header.split(";") == list(PATIENT_HEADERS)
    assert result.rows == 1 and result.format == "csv" and result.path == out / "patients.csv"
    (row,) = read_csv(out / "patients.csv")
    assert row["Nom de naissance"] == "Lefèvre"
    assert row["Nom d'usage"] == "Martin"
    assert row["Prénoms"] == "Hélène"
    assert row["Date de naissance"] == "01/07/1975"
    assert (row["Sexe"], row["Civilité"]) == ("F", "Mme")
    assert row["Tél. portable"] == "06 12 34 56 78"
    assert row["Tél. domicile"] == "04 78 12 34 56"
    assert row["Autre tél."] == "07 61 22 33 44"  # a second mobile
    assert row["Adresse"] == "12 rue de l'Église"
    assert (row["Code postal"], row["Ville"]) == ("37000", "Tours")
    assert row["Note administrative"] == "Préfère le matin"
    assert row["Alerte"] == "Malentendante"


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_a_cell_that_a_spreadsheet_would_run_is_made_text(workspace, exports, out, lead):
    payload = f"{lead}HYPERLINK(\"http://example.invalid\";\"x\")"
    patient = add_patient(workspace, city="Tours")
    set_fields(workspace, patient.id, birth_name=payload, admin_note=payload, city=payload)
    exports.export_patients_csv(out / "p.csv")
    (row,) = read_csv(out / "p.csv")
    for column in ("Nom de naissance", "Note administrative", "Ville"):
        # A carriage return is written as the line break it stands for, made text too.
        assert row[column] == "'" + payload.replace("\r", "\n")
    assert row["Prénoms"] == "Jean-Éric"  # an inner hyphen is harmless: left alone


def test_french_numbers_need_no_quote_and_foreign_ones_are_protected(workspace, exports, out):
    add_patient(workspace, phones=[PhoneEntry("+33 6 12 34 56 78"),
                                   PhoneEntry("+44 20 7946 0958", "home")])
    exports.export_patients_csv(out / "p.csv")
    (row,) = read_csv(out / "p.csv")
    assert row["Tél. portable"] == "06 12 34 56 78"
    assert row["Tél. domicile"] == "'+44 20 7946 0958"


def test_overseas_numbers_are_exported_as_dialled_in_france(workspace, exports, out):
    add_patient(workspace, phones=[PhoneEntry("0692 45 67 89"),
                                   PhoneEntry("0590 12 34 56", "home"),
                                   PhoneEntry("+41 22 345 67 89", "work")])
    exports.export_patients_csv(out / "p.csv")
    (row,) = read_csv(out / "p.csv")
    assert (row["Tél. portable"], row["Tél. domicile"], row["Tél. travail"]) == (
        "0692 45 67 89", "0590 12 34 56", "'+41 22 345 67 89")
    # A vCard is read by machines, in any country: the tel: URI stays E.164.
    exports.export_patients_vcard(out / "p.vcf")
    (card,) = cards(out / "p.vcf")
    assert [t.value for t in card.tel_list] == [
        "tel:+262692456789", "tel:+590590123456", "tel:+41223456789"]


def test_neutralise_leaves_ordinary_text_alone():
    assert neutralise("Jean-Éric") == "Jean-Éric"
    assert neutralise("") == ""
    assert neutralise("06 12 34 56 78") == "06 12 34 56 78"
    assert neutralise("-5") == "'-5"


def test_notes_with_line_breaks_and_semicolons_stay_one_cell(workspace, exports, out):
    add_patient(workspace, admin_note="Ligne 1 ; suite\nLigne 2 \"entre guillemets\"")
    exports.export_patients_csv(out / "p.csv")
    (row,) = read_csv(out / "p.csv")
    assert row["Note administrative"] == "Ligne 1 ; suite\nLigne 2 \"entre guillemets\""


def test_tombstoned_patients_and_phones_are_not_exported(workspace, exports, out):
    kept = add_patient(workspace, birth_name="Martin", first_names="Paul",
                       phones=[PhoneEntry("06 98 76 54 32"), PhoneEntry("04 78 12 34 56")])
    gone = add_patient(workspace, birth_name="Supprimé", first_names="Zoé")
    tombstone(workspace, Patient, gone.id)
    # The second phone removed from the card: its row is tombstoned, not deleted.
    workspace.patients.update(kept.id, PatientInput(
        birth_name="Martin", first_names="Paul", phones=[PhoneEntry("06 98 76 54 32")]),
        expected_version=kept.version)

    result = exports.export_patients_csv(out / "p.csv")
    rows = read_csv(out / "p.csv")
    assert result.rows == 1
    assert [r["Nom de naissance"] for r in rows] == ["Martin"]
    assert rows[0]["Tél. domicile"] == "" and rows[0]["Autre tél."] == ""
    exports.export_patients_vcard(out / "p.vcf")
    (card,) = cards(out / "p.vcf")
    assert [t.value for t in card.tel_list] == ["tel:+33698765432"]


def test_rows_come_in_alphabetical_order_in_batches(workspace, out):
    for name in ("Zola", "André", "Martin", "Étienne", "Brun"):
        add_patient(workspace, birth_name=name, first_names="Luc")
    calls = []
    small = ExportService(workspace.store, principal=workspace.principal, clock=workspace.clock,
                          batch_size=2)
    small.export_patients_csv(out / "p.csv", progress=lambda done, total: calls.append(
        (done, total)))
    assert [r["Nom de naissance"] for r in read_csv(out / "p.csv")] == [
        "André", "Brun", "Étienne", "Martin", "Zola"]
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_the_referring_doctor_is_the_linked_directory_contact(workspace, exports, out):
    doctor = add_contact(workspace, category="gp", title="Dr", name="Morel",
                         first_name="Claire")
    add_patient(workspace, referring_doctor="ancien texte libre", referring_contact_id=doctor)
    add_patient(workspace, birth_name="Zidane", referring_doctor="Dr Libre")
    exports.export_patients_csv(out / "p.csv")
    assert [r["Médecin traitant"] for r in read_csv(out / "p.csv")] == [
        "Dr MOREL Claire", "Dr Libre"]


def test_directory_csv(workspace, exports, out):
    add_contact(workspace, category="lab", name="Laboratoire Bio Loire",
                phone_raw="02 47 00 00 01", phone_e164="+33247000001",
                fax_raw="02 47 00 00 02", fax_e164="+33247000002",
                email="contact@bioloire.example", mssante="labo@bioloire.mssante.fr",
                address_line="3 quai Paul Bert", postal_code="37100", city="Tours",
                note="=1+1 ; ouvert le samedi")
    add_contact(workspace, category="specialist", title="Dr", name="Béranger",
                first_name="Anne-Sophie", specialty="Cardiologie", organisation="CHU Trousseau")
    gone = add_contact(workspace, name="Ancienne pharmacie", category="pharmacy")
    tombstone(workspace, Contact, gone)

    result = exports.export_directory_csv(out / "annuaire.csv")
    raw = (out / "annuaire.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:raw.index(b"\r\n")].decode("utf-8").split(";") == list(DIRECTORY_HEADERS)
    rows = read_csv(out / "annuaire.csv")
    assert result.rows == 2 and result.entity == "contact"
    person, lab = rows  # alphabetical: Béranger, Laboratoire
    assert lab["Catégorie"] == "Laboratoire"
    assert (lab["Téléphone"], lab["Fax"]) == ("02 47 00 00 01", "02 47 00 00 02")
    assert lab["MSSanté"] == "labo@bioloire.mssante.fr"
    assert lab["Note"] == "'=1+1 ; ouvert le samedi"
    assert (person["Titre"], person["Nom"], person["Prénom"]) == ("Dr", "Béranger", "Anne-Sophie")
    assert (person["Spécialité"], person["Organisation"]) == ("Cardiologie", "CHU Trousseau")
    assert audits(workspace)[-1].entity == "contact"


# -- audit and atomic writing ---------------------------------------------------------


def test_each_export_is_audited_with_counts_only(workspace, exports, out):
    for first in ("Awa", "Paul", "Zoé"):
        add_patient(workspace, birth_name="N'Diaye", first_names=first)
    exports.export_patients_csv(out / "p.csv")
    exports.export_patients_vcard(out / "p.vcf")
    exports.export_patients_vcard(out / "cards", one_per_contact=True)
    trail = audits(workspace)
    assert [(a.entity, a.entity_id, a.detail) for a in trail] == [
        ("patient", "", "format=csv rows=3"),
        ("patient", "", "format=vcard rows=3"),
        ("patient", "", "format=vcard rows=3 files=3"),
    ]
    assert all(a.user_id == workspace.user_id for a in trail)


def cancel_after(n_calls):
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > n_calls
    return cancel


@pytest.mark.parametrize("how", ["csv", "vcard", "folder"])
@pytest.mark.parametrize("stop_at", [0, 1, 3])
def test_a_cancelled_export_leaves_nothing_and_is_not_audited(workspace, out, how, stop_at):
    for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo"):
        add_patient(workspace, birth_name=name)
    exports = ExportService(workspace.store, principal=workspace.principal, clock=workspace.clock,
                            batch_size=2)
    previous = out / "p.csv"
    previous.write_bytes(b"an earlier export\r\n")
    target = {"csv": out / "p.csv", "vcard": out / "p.vcf", "folder": out / "cards"}[how]
    before = entries(out)
    run = {"csv": lambda p, **kw: exports.export_patients_csv(p, overwrite=True, **kw),
           "vcard": exports.export_patients_vcard,
           "folder": lambda p, **kw: exports.export_patients_vcard(p, one_per_contact=True, **kw)}
    # stop_at 3: every batch written, stopped at the very last check before the rename.
    with pytest.raises(Cancelled):
        run[how](target, cancel=cancel_after(stop_at))
    assert entries(out) == before
    assert previous.read_bytes() == b"an earlier export\r\n"
    assert audits(workspace) == []


def test_an_unusable_destination_is_refused_before_anything_is_written(workspace, exports,
                                                                       out):
    add_patient(workspace)
    # The messages name the place to fix (their wording is in the catalogues).
    with pytest.raises(ExportError) as missing:
        exports.export_patients_csv(out / "absent" / "p.csv")
    assert str(out / "absent") in missing.value.user_message
    with pytest.raises(ExportError) as a_folder:
        exports.export_patients_csv(out)  # a folder, not a file
    assert str(out) in a_folder.value.user_message
    (out / "cards").mkdir()
    (out / "cards" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ExportError) as not_empty:
        exports.export_patients_vcard(out / "cards", one_per_contact=True)
    assert str(out / "cards") in not_empty.value.user_message
    with pytest.raises(ExportError):
        exports.export_patients_vcard(out / "cards" / "notes.txt", one_per_contact=True)
    assert entries(out) == ["cards"] and entries(out / "cards") == ["notes.txt"]
    assert audits(workspace) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_an_export_is_readable_by_its_owner_only(workspace, exports, out):
    add_patient(workspace)
    exports.export_patients_csv(out / "p.csv")
    exports.export_patients_vcard(out / "cards", one_per_contact=True)
    assert (out / "p.csv").stat().st_mode & 0o077 == 0
    assert (out / "cards").stat().st_mode & 0o077 == 0


def test_an_existing_file_is_replaced_whole_only_when_asked(workspace, exports, out):
    (out / "p.csv").write_text("x" * 100_000, encoding="utf-8")
    add_patient(workspace)
    with pytest.raises(DestinationExists) as refused:
        exports.export_patients_csv(out / "p.csv")
    assert str(out / "p.csv") in refused.value.user_message
    assert (out / "p.csv").read_text(encoding="utf-8") == "x" * 100_000
    assert entries(out) == ["p.csv"] and audits(workspace) == []
    exports.export_patients_csv(out / "p.csv", overwrite=True)
    assert len(read_csv(out / "p.csv")) == 1
    assert entries(out) == ["p.csv"]


def test_a_file_appearing_while_the_export_runs_is_kept(workspace, exports, out):
    add_patient(workspace)
    target = out / "p.csv"

    def someone_writes_it(done, total):
        target.write_text("theirs", encoding="utf-8")

    with pytest.raises(DestinationExists):
        exports.export_patients_csv(target, progress=someone_writes_it)
    assert target.read_text(encoding="utf-8") == "theirs"
    assert entries(out) == ["p.csv"] and audits(workspace) == []


PROFILE_FILES = ["keys.json", "permanence.db", "permanence.db-wal", "permanence.db-shm",
                 "backups/copy.db", "logs/permanence.log", "new-name.csv"]


@pytest.mark.parametrize("name", PROFILE_FILES)
def test_nothing_is_ever_written_into_the_profile_folder(workspace, exports, name):
    root = workspace.paths.root
    (root / "backups").mkdir(exist_ok=True)
    (root / "logs").mkdir(exist_ok=True)
    target = root / name
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    for overwrite in (False, True):
        with pytest.raises(ExportError) as refused:
            exports.export_patients_csv(target, overwrite=overwrite)
        assert str(root) in refused.value.user_message
        with pytest.raises(ExportError):
            exports.export_directory_vcard(target, overwrite=overwrite)
    with pytest.raises(ExportError):
        exports.export_patients_vcard(root / "cards", one_per_contact=True)
    with pytest.raises(ExportError):
        exports.export_patients_vcard(root, one_per_contact=True)
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    assert {p: b for p, b in after.items() if "-wal" not in p.name and "-shm" not in p.name} == \
        {p: b for p, b in before.items() if "-wal" not in p.name and "-shm" not in p.name}
    assert audits(workspace) == []


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_the_profile_folder_is_recognised_through_a_link_or_another_spelling(workspace,
                                                                            exports, out):
    root = workspace.paths.root
    (out / "door").symlink_to(root, target_is_directory=True)
    for target in (out / "door" / "keys.json", root / "." / "keys.json",
                   root / "backups" / ".." / "keys.json"):
        with pytest.raises(ExportError):
            exports.export_patients_csv(target, overwrite=True)
    assert workspace.paths.envelope.read_bytes()[:1] == b"{"


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_link_planted_at_the_destination_is_refused_not_followed(workspace, exports, out):
    add_patient(workspace)
    victim = out / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (out / "p.csv").symlink_to(victim)
    (out / "dangling.csv").symlink_to(out / "nowhere")
    (out / "cards").symlink_to(out / "elsewhere", target_is_directory=True)
    for target in ("p.csv", "dangling.csv"):
        for overwrite in (False, True):
            with pytest.raises(ExportError) as refused:
                exports.export_patients_csv(out / target, overwrite=overwrite)
            assert "link" in refused.value.user_message or "lien" in refused.value.user_message
    with pytest.raises(ExportError):
        exports.export_patients_vcard(out / "cards", one_per_contact=True)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (out / "nowhere").exists() and not (out / "elsewhere").exists()
    assert sorted(entries(out)) == ["cards", "dangling.csv", "p.csv", "victim.txt"]
    assert audits(workspace) == []


# -- vCard ----------------------------------------------------------------------------


def test_patient_vcards_parse_back_with_an_independent_reader(workspace, exports, out):
    patient = add_patient(
        workspace, birth_name="Dupont", used_name="Martin", first_names="Jean-Éric, dit Jeff",
        birth_date="12/03/1958", sex="M", civility="m",
        phones=[PhoneEntry("06 12 34 56 78"), PhoneEntry("02 47 12 34 56", "home"),
                PhoneEntry("+44 20 7946 0958", "work")],
        email="jean-eric.dupont@example.fr", email_other="jeff@example.org",
        address_line="4 bis, rue du Commerce; bât. B", postal_code="37000", city="Tours",
        admin_note="Tutelle : UDAF\\Tours; appeler avant", alert="Malentendant")
    add_patient(workspace, birth_name="Zidane", first_names="Léa")  # a second, bare card
    result = exports.export_patients_vcard(out / "patients.vcf")
    assert result.rows == 2 and result.files == 1

    raw = (out / "patients.vcf").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    first, second = cards(out / "patients.vcf")
    assert first.version.value == "4.0"
    assert first.uid.value == f"urn:uuid:{patient.id}"
    assert first.fn.value == "MARTIN né DUPONT Jean-Éric, dit Jeff"
    assert first.n.value.family == "Martin"
    assert first.n.value.given == "Jean-Éric, dit Jeff"
    assert first.n.value.prefix == "M."
    assert first.bday.value == "19580312"
    assert first.gender.value == "M"
    assert first.kind.value == "individual"
    tels = [(t.value, t.params["TYPE"]) for t in first.tel_list]
    assert tels == [("tel:+33612345678", ["cell"]), ("tel:+33247123456", ["home"]),
                    ("tel:+442079460958", ["work"])]
    assert all(t.params["VALUE"] == ["uri"] for t in first.tel_list)
    assert [e.value for e in first.email_list] == ["jean-eric.dupont@example.fr",
                                                   "jeff@example.org"]
    adr = first.adr.value
    assert (adr.street, adr.code, adr.city) == ("4 bis, rue du Commerce; bât. B", "37000", "Tours")
    assert first.note.value == "Alerte : Malentendant\nTutelle : UDAF\\Tours; appeler avant"
    assert second.fn.value == "ZIDANE Léa"
    assert not hasattr(second, "bday") and not hasattr(second, "tel")


def test_long_lines_are_folded_at_75_octets_between_characters(workspace, exports, out):
    note = "Très âgée, prévenir sa fille Éloïse — « ne pas appeler après 18 h » " * 6
    add_patient(workspace, admin_note=note.strip())
    exports.export_patients_vcard(out / "p.vcf")
    raw = (out / "p.vcf").read_bytes()
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert sum(line.startswith(b" ") for line in lines) >= 6  # it was long: it was folded
    for line in lines:
        line.decode("utf-8")  # no line ends inside a multi-byte character
    (card,) = cards(out / "p.vcf")
    assert card.note.value == note.strip()


@pytest.mark.parametrize("text", [
    "a" * 200, "é" * 200, "€" * 100, "x" + "é" * 100, "𝄞" * 40, "ab" * 37 + "é", "a" * 75,
])
def test_fold_never_exceeds_75_octets_and_unfolds_to_the_line(text):
    line = f"NOTE:{text}"
    folded = fold(line)
    assert folded.endswith("\r\n")
    physical = folded[:-2].split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert physical[0] + "".join(p[1:] for p in physical[1:]) == line
    if len(line.encode("utf-8")) <= 75:
        assert physical == [line]


def test_text_values_escape_backslash_comma_semicolon_and_line_breaks():
    assert escape("a\\b,c;d\ne\r\nf\rg") == "a\\\\b\\,c\\;d\\ne\\nf\\ng"
    assert escape("tab\tkept, bell\x07 gone") == "tab\tkept\\, bell  gone"


def test_directory_vcards_mark_organisations(workspace, exports, out):
    lab = add_contact(workspace, category="lab", name="Laboratoire Bio; Loire",
                      organisation="Groupe Biologie, Centre",
                      phone_raw="02 47 00 00 01", phone_e164="+33247000001",
                      fax_raw="02 47 00 00 02", fax_e164="+33247000002",
                      email="contact@bioloire.example", mssante="labo@bioloire.mssante.fr",
                      address_line="3 quai Paul Bert", postal_code="37100", city="Tours")
    doctor = add_contact(workspace, category="specialist", title="Dr", name="Béranger",
                         first_name="Anne-Sophie", specialty="Cardiologie",
                         organisation="CHU Trousseau", phone_raw="0247474747",
                         phone_e164="+33247474747")
    result = exports.export_directory_vcard(out / "annuaire.vcf")
    assert result.rows == 2
    by_uid = {c.uid.value: c for c in cards(out / "annuaire.vcf")}
    org = by_uid[f"urn:uuid:{lab}"]
    assert org.kind.value == "org"
    assert org.fn.value == "Laboratoire Bio; Loire"
    assert org.org.value == ["Groupe Biologie, Centre", "Laboratoire Bio; Loire"]
    assert [(t.value, t.params["TYPE"]) for t in org.tel_list] == [
        ("tel:+33247000001", ["work", "voice"]), ("tel:+33247000002", ["fax"])]
    assert [e.value for e in org.email_list] == ["contact@bioloire.example",
                                                 "labo@bioloire.mssante.fr"]
    assert org.categories.value == ["Laboratoire"]
    person = by_uid[f"urn:uuid:{doctor}"]
    assert person.kind.value == "individual"
    assert person.fn.value == "Dr BÉRANGER Anne-Sophie"
    assert (person.n.value.family, person.n.value.given, person.n.value.prefix) == (
        "Béranger", "Anne-Sophie", "Dr")
    assert person.org.value == ["CHU Trousseau"]
    assert person.title.value == "Cardiologie"


def test_one_card_per_contact_in_a_new_folder(workspace, exports, out):
    ids = [add_patient(workspace, birth_name=name, first_names="Luc",
                       phones=[PhoneEntry("06 12 34 56 78")]).id
           for name in ("Dupont", "Dupont", "Martin")]  # homonyms do not collide
    result = exports.export_patients_vcard(out / "cartes", one_per_contact=True)
    assert (result.rows, result.files) == (3, 3)
    assert entries(out) == ["cartes"]  # no temporary folder left beside it
    assert entries(out / "cartes") == sorted(f"{i}.vcf" for i in ids)
    for patient_id in ids:
        (card,) = cards(out / "cartes" / f"{patient_id}.vcf")
        assert card.uid.value == f"urn:uuid:{patient_id}"
        assert card.tel.value == "tel:+33612345678"


def test_an_existing_empty_folder_is_used(workspace, exports, out):
    (out / "cartes").mkdir()
    add_patient(workspace)
    exports.export_directory_vcard(out / "vide", one_per_contact=True)
    assert entries(out / "vide") == []
    exports.export_patients_vcard(out / "cartes", one_per_contact=True)
    assert len(entries(out / "cartes")) == 1


def test_birthday_and_accents_survive_a_round_trip_through_vobject(workspace, exports, out):
    add_patient(workspace, birth_name="Lætitia-Chloé d'Arc", first_names="Æsa Œdipe",
                birth_date=date(2001, 2, 28))
    exports.export_patients_vcard(out / "p.vcf")
    (card,) = cards(out / "p.vcf")
    assert card.n.value.family == "Lætitia-Chloé d'Arc"
    assert card.n.value.given == "Æsa Œdipe"
    assert card.bday.value == "20010228"


# -- round trip through the CSV import ---------------------------------------------------

FIELDS = ("birth_name", "used_name", "first_names", "birth_date", "sex", "civility", "email",
          "email_other", "address_line", "postal_code", "city", "referring_doctor",
          "admin_note", "alert", "preferred_channel", "call_not_before", "call_not_after",
          "reminder_consent")


def test_an_exported_csv_imports_back_as_it_was(workspace, practice_factory, out):
    importing = pytest.importorskip("app.services.importing")
    add_patient(workspace, birth_name="Lefèvre", used_name="Martin", first_names="Hélène",
                birth_date="01/07/1975", sex="F", civility="mme",
                phones=[PhoneEntry("06 12 34 56 78"), PhoneEntry("04 78 12 34 56", "home"),
                        PhoneEntry("01 44 55 66 77", "work")],
                email="helene.martin@example.fr", email_other="h.lefevre@example.org",
                address_line="12 rue de l'Église", postal_code="01000", city="Bourg-en-Bresse",
                referring_doctor="Dr Morel", alert="Malentendante", preferred_channel="sms",
                call_not_before="9:00", call_not_after="18h30", reminder_consent=True)
    # A second mobile ("Autre tél."), a foreign number and a note that had to be
    # neutralised (both written with a leading apostrophe) come back as they were.
    add_patient(workspace, birth_name="N'Diaye", first_names="Awa", birth_date="05/05/1990",
                sex="F", phones=[PhoneEntry("07 61 22 33 44"), PhoneEntry("06 44 55 66 77"),
                                 PhoneEntry("+44 20 7946 0958", "home")],
                admin_note="- à rappeler ; = urgent\nsuite sur une autre ligne")
    workspace.exports.export_patients_csv(out / "p.csv")

    other = practice_factory("destination").workspace
    importer = importing.PatientImporter(other.store, principal=other.principal, clock=other.clock)
    report = importer.run(out / "p.csv")
    before = [workspace.patients.get(s.id) for s in workspace.patients.search("")]
    after = [other.patients.get(s.id) for s in other.patients.search("")]
    assert report.imported == len(before) == 2
    for a, b in zip(before, after, strict=True):
        assert {f: getattr(b, f) for f in FIELDS} == {f: getattr(a, f) for f in FIELDS}
        # One column per kind: the first number (the one lists show) stays first.
        assert b.phones[0] == a.phones[0]
        assert sorted((p.kind, p.e164) for p in b.phones) == sorted(
            (p.kind, p.e164) for p in a.phones)


def test_nothing_is_left_in_the_destination_folder_but_the_export(workspace, exports, out):
    add_patient(workspace)
    exports.export_patients_csv(out / "p.csv")
    exports.export_patients_vcard(out / "p.vcf")
    assert entries(out) == ["p.csv", "p.vcf"]
    assert not any(name.startswith(".") for name in os.listdir(out))
