"""CSV import of patients, on real CSV files and a real encrypted profile."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal, Patient, PatientPhone
from app.services.check import run_checks
from app.services.dates import InvalidDate
from app.services.errors import Cancelled
from app.services.importing import (
    CsvFormat,
    ImportRefused,
    PatientImporter,
    UnreadableFile,
    UnusableMapping,
    infer_mapping,
    mapping_problems,
    preview_file,
)
from app.services.importing.values import convert_row, excel_serial_date, parse_import_date
from app.services.patients import PatientInput, PhoneEntry

HEADER = ["Nom", "Prénom(s)", "Date de naissance", "Sexe", "Tél. portable", "Ville", "Remarque"]
TODAY = date(2026, 3, 16)


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8",
              delimiter: str = ";", newline: str = "\r\n") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def counts(ws) -> tuple[int, int, int]:
    with ws.store.reader() as s:
        return tuple(s.execute(select(func.count()).select_from(model)).scalar_one()
                     for model in (Patient, ChangeJournal, AuditEntry))


def patients(ws) -> list[Patient]:
    with ws.store.reader() as s:
        return list(s.execute(select(Patient).order_by(Patient.sort_key)).scalars())


def phones_of(ws, patient_id: str) -> list[tuple[str, str]]:
    with ws.store.reader() as s:
        return list(s.execute(select(PatientPhone.kind, PatientPhone.e164)
                              .where(PatientPhone.patient_id == patient_id)
                              .order_by(PatientPhone.position)).all())


@pytest.fixture
def importer(workspace) -> PatientImporter:
    return PatientImporter(workspace.store, principal=workspace.principal, clock=workspace.clock)


def some_rows(n: int, start: int = 0) -> list[list[str]]:
    return [[f"Lefèvre{i}", "Hélène", f"{1 + i % 28:02d}/03/1958", "F",
             f"06 12 {i // 100 % 100:02d} {i % 100:02d} 78", "Lyon", ""]
            for i in range(start, start + n)]


# -- encodings and delimiters -------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encoding_is_detected_and_accents_survive(workspace, importer, tmp_path, encoding):
    path = write_csv(tmp_path / "p.csv", [HEADER, ["Lefèvre", "Hélène Zoé", "12/03/1958", "F",
                                                   "", "Saint-Étienne", "Noël à Besançon"]],
                     encoding=encoding)
    preview = importer.preview(path)
    assert preview.format.encoding == encoding
    assert preview.headers[1] == "Prénom(s)"  # no BOM left on the first header either
    assert preview.headers[0] == "Nom" and preview.mapping[0] == "birth_name"
    report = importer.run(path, fmt=preview.format)
    assert report.imported == 1
    (p,) = patients(workspace)
    assert (p.birth_name, p.first_names, p.city, p.admin_note) == (
        "Lefèvre", "Hélène Zoé", "Saint-Étienne", "Noël à Besançon")


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiter_is_detected_despite_the_others_in_values(importer, tmp_path, delimiter):
    rows = [HEADER, ["Martin", "Paul", "14/09/1962", "M", "", "Lyon", "a; b, c\td"],
            ["Petit", "Awa", "05/05/1990", "F", "", "Lyon", "rendez-vous, le matin; merci"]]
    path = write_csv(tmp_path / "p.csv", rows, delimiter=delimiter)
    preview = preview_file(path)
    assert preview.format.delimiter == delimiter
    assert preview.rows[0][6] == "a; b, c\td"
    report = importer.dry_run(path)
    assert (report.rows, report.valid, report.invalid) == (2, 2, 0)


def test_semicolon_file_with_unquoted_commas_in_values(importer, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("Nom;Prénom;Adresse\nMartin;Paul;3, rue Haute, bât. B\nPetit;Awa;1 place\n",
                    encoding="utf-8")
    assert preview_file(path).format.delimiter == ";"


def test_unreadable_inputs_are_clear_errors(importer, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFile):
        importer.preview(empty)
    with pytest.raises(UnreadableFile):
        importer.dry_run(tmp_path / "missing.csv")
    only_header = write_csv(tmp_path / "header.csv", [HEADER])
    with pytest.raises(UnreadableFile):
        importer.dry_run(only_header)
    unknown = write_csv(tmp_path / "unknown.csv", [["Colonne A", "Colonne B"], ["x", "y"]])
    with pytest.raises(UnusableMapping) as exc:
        importer.dry_run(unknown)
    assert exc.value.problems


def test_mapping_given_by_the_caller_wins(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["Colonne A", "Colonne B", "Nom"],
                                          ["Durand", "Léa", "ignored"]])
    report = importer.run(path, mapping=["birth_name", "first_names", None])
    assert report.imported == 1
    assert [(p.birth_name, p.first_names) for p in patients(workspace)] == [("Durand", "Léa")]


# -- header inference ---------------------------------------------------------------------
def test_french_headers_are_recognised():
    headers = ["Civilité", "Nom de naissance", "Nom d'usage", "Prénom(s)", "DDN", "Sexe",
               "Tél. portable", "Tél. domicile", "Tél. travail", "Téléphone", "E-mail",
               "Adresse", "CP", "Commune", "Médecin traitant", "Remarque", "N° dossier"]
    assert infer_mapping(headers) == [
        "civility", "birth_name", "used_name", "first_names", "birth_date", "sex",
        "phone_mobile", "phone_home", "phone_work", "phone", "email", "address_line",
        "postal_code", "city", "referring_doctor", "admin_note", None]


def test_more_french_spellings():
    assert infer_mapping(["NOM", "PRENOM", "Date de naissance", "Portable", "Mobile", "Courriel",
                          "Code postal", "Ville", "Note", "Nom marital", "Email"]) == [
        "birth_name", "first_names", "birth_date", "phone_mobile", "phone_mobile", "email",
        "postal_code", "city", "admin_note", "used_name", None]  # a second e-mail column: ignored


def test_plain_name_beside_a_birth_name_is_the_used_name():
    assert infer_mapping(["Nom", "Nom de naissance", "Prénom"]) == [
        "used_name", "birth_name", "first_names"]


@pytest.mark.parametrize("headers, expected", [
    (["NOM", "NOM JEUNE FILLE", "PRENOM", "DDN", "PORTABLE", "FIXE", "MAIL", "CP", "VILLE"],
     ["used_name", "birth_name", "first_names", "birth_date", "phone_mobile", "phone_home",
      "email", "postal_code", "city"]),
    (["Nom", "Nom de jeune fille", "Prénom", "ddn", "portable", "fixe", "mail", "cp", "ville"],
     ["used_name", "birth_name", "first_names", "birth_date", "phone_mobile", "phone_home",
      "email", "postal_code", "city"]),
    (["nom", "NJF", "prénom", "Né(e) le", "Tél. fixe", "Tél. port.", "E-Mail", "Code post."],
     ["used_name", "birth_name", "first_names", "birth_date", "phone_home", "phone_mobile",
      "email", "postal_code"]),
    (["Nom", "N.J.F.", "PRÉNOM", "Date naiss."],
     ["used_name", "birth_name", "first_names", "birth_date"]),
    (["NOM DE JEUNE FILLE", "NOM", "PRÉNOMS", "DATE DE NAISSANCE"],
     ["birth_name", "used_name", "first_names", "birth_date"]),
    (["Nom épouse", "Nom de naissance", "Prénom"], ["used_name", "birth_name", "first_names"]),
])
def test_headings_of_other_software_and_home_made_spreadsheets(headers, expected):
    assert infer_mapping(headers) == expected


def test_a_file_with_only_the_name_in_use_is_usable():
    mapping = infer_mapping(["Nom d'usage", "Prénom"])
    assert mapping == ["used_name", "first_names"]
    assert mapping_problems(mapping) == []
    assert mapping_problems(["first_names"])  # but some name is needed


def test_english_headers_are_recognised():
    headers = ["Title", "Last name", "First name", "Date of birth", "Gender", "Mobile phone",
               "Home phone", "Work phone", "Email", "Address", "Zip code", "City", "Notes"]
    assert infer_mapping(headers) == [
        "civility", "birth_name", "first_names", "birth_date", "sex", "phone_mobile",
        "phone_home", "phone_work", "email", "address_line", "postal_code", "city",
        "admin_note"]


# -- values ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["12/03/1958", "12/3/58", "1958-03-12", "21256", "21256.0",
                                  "12.03.1958", "12031958", "1958-03-12 00:00:00",
                                  "12/03/1958 00:00", "19580312", " 12-03-1958 "])
def test_birth_dates_in_every_format(text):
    assert parse_import_date(text, today=TODAY) == date(1958, 3, 12)


def test_excel_day_numbers_with_the_1900_leap_year_bug():
    assert excel_serial_date(1) == date(1900, 1, 1)
    assert excel_serial_date(59) == date(1900, 2, 28)
    assert excel_serial_date(61) == date(1900, 3, 1)
    assert excel_serial_date(36526) == date(2000, 1, 1)
    assert excel_serial_date(21257) == date(1958, 3, 13)
    with pytest.raises(InvalidDate):
        excel_serial_date(60)  # 29/02/1900, a day that never was
    with pytest.raises(InvalidDate):
        excel_serial_date(0)


@pytest.mark.parametrize("text", ["31/02/1980", "1980-13-01", "hier", "12/03"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(InvalidDate):
        parse_import_date(text, today=TODAY)


def test_dates_are_imported_in_every_format(workspace, importer, tmp_path):
    dates = ["12/03/1958", "1/2/03", "2003-02-01", "37653", "01.02.2003"]
    path = write_csv(tmp_path / "p.csv", [["Nom", "Prénom", "DDN"]]
                     + [[f"Nom{i}", "Jean", d] for i, d in enumerate(dates)])
    report = importer.run(path)
    assert report.imported == 5
    born = {p.birth_name: p.birth_date for p in patients(workspace)}
    assert born == {"Nom0": date(1958, 3, 12), "Nom1": date(2003, 2, 1),
                    "Nom2": date(2003, 2, 1), "Nom3": date(2003, 2, 1),
                    "Nom4": date(2003, 2, 1)}


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78",
                                   "+33 6 12 34 56 78", "0033612345678", "612345678",
                                   "+33 (0)6 12 34 56 78", "33612345678", "'0612345678"])
def test_french_phone_formats(workspace, importer, tmp_path, typed):
    path = write_csv(tmp_path / "p.csv", [["Nom", "Prénom", "Portable"], ["Roux", "Zoé", typed]])
    assert importer.run(path).imported == 1
    (p,) = patients(workspace)
    assert phones_of(workspace, p.id) == [("mobile", "+33612345678")]


def test_generic_phone_column_and_two_numbers_in_a_cell(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [
        ["Nom", "Prénom", "Téléphone", "Tél. travail"],
        ["Roux", "Zoé", "04 78 12 34 56 / 06 12 34 56 78", "01 40 00 00 01"]])
    assert importer.run(path).imported == 1
    (p,) = patients(workspace)
    assert phones_of(workspace, p.id) == [("home", "+33478123456"), ("mobile", "+33612345678"),
                                          ("work", "+33140000001")]


@pytest.mark.parametrize("birth, used, expected", [
    ("", "Durand", ("Durand", "")),  # the name in use is the birth name
    ("Roux", "", ("Roux", "")),  # no other name in use: the card shows the birth name
    ("Roux", "Durand", ("Roux", "Durand")),
    ("ROUX", "Roux", ("ROUX", "")),  # the same name twice: one is enough
    ("", "", ("", "")),  # no name at all: the card's rules refuse the row
])
def test_one_name_stands_for_both(birth, used, expected):
    converted = convert_row([birth, used, "Zoé"], ["birth_name", "used_name", "first_names"],
                            today=TODAY)
    assert (converted.data.birth_name, converted.data.used_name) == expected


def test_an_empty_birth_name_takes_the_name_in_use(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [
        ["NOM", "NOM JEUNE FILLE", "PRENOM", "DDN"],
        ["Durand", "", "Zoé", "12/03/1958"],  # not married: the usual export leaves it empty
        ["Martin", "Lefèvre", "Hélène", "01/07/1975"],
        ["", "Petit", "Awa", "05/05/1990"],
        ["BLANC", "Blanc", "Léo", "14/09/1962"],
    ])
    report = importer.run(path)
    assert (report.imported, report.invalid) == (4, 0)
    assert sorted((p.birth_name, p.used_name, p.first_names) for p in patients(workspace)) == [
        ("Blanc", "", "Léo"), ("Durand", "", "Zoé"), ("Lefèvre", "Martin", "Hélène"),
        ("Petit", "", "Awa")]
    # the homonym check works on the birth name, wherever it came from
    again = importer.dry_run(path)
    assert [d.reason for d in again.duplicates] == ["identity"] * 4


@pytest.mark.parametrize("typed, kind, e164", [
    ("0590 12 34 56", "home", "+590590123456"),  # Guadeloupe
    ("0690 12 34 56", "mobile", "+590690123456"),
    ("0596 30 12 34", "home", "+596596301234"),  # Martinique
    ("0696 20 12 34", "mobile", "+596696201234"),
    ("0594 10 12 34", "home", "+594594101234"),  # Guyane
    ("0694 20 12 34", "mobile", "+594694201234"),
    ("0262 16 12 34", "home", "+262262161234"),  # La Réunion
    ("0692 45 67 89", "mobile", "+262692456789"),
    ("0269 60 12 34", "home", "+262269601234"),  # Mayotte
    ("0639 01 23 45", "mobile", "+262639012345"),
    ("262161234", "home", "+262262161234"),  # the leading zero a spreadsheet dropped
    ("+262 692 45 67 89", "mobile", "+262692456789"),
    ("00590 690 12 34 56", "mobile", "+590690123456"),
])
def test_overseas_numbers_are_imported_in_e164(workspace, importer, tmp_path, typed, kind, e164):
    path = write_csv(tmp_path / "p.csv", [["Nom", "Prénom", "Téléphone"], ["Roux", "Zoé", typed]])
    assert importer.run(path).imported == 1
    (p,) = patients(workspace)
    assert phones_of(workspace, p.id) == [(kind, e164)]


@pytest.mark.parametrize("sex, civility, expected", [
    ("M", "M.", ("M", "m")), ("H", "Monsieur", ("M", "m")), ("Homme", "Mr", ("M", "m")),
    ("F", "Mme", ("F", "mme")), ("femme", "Madame", ("F", "mme")), ("Féminin", "Mlle", ("F", "mme")),
    ("", "Dr", ("", "")), ("", "", ("", "")),
])
def test_sex_and_civility_words(sex, civility, expected):
    converted = convert_row(["X", "Y", sex, civility], ["birth_name", "first_names", "sex",
                                                        "civility"], today=TODAY)
    assert not converted.errors
    assert (converted.data.sex, converted.data.civility) == expected


def test_unknown_sex_or_title_is_a_row_error(importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["Nom", "Prénom", "Sexe", "Civilité"],
                                          ["Roux", "Zoé", "Z", "Mme"],
                                          ["Roux", "Léo", "M", "Sa Majesté"]])
    report = importer.dry_run(path)
    assert [(e.line, e.field, e.column) for e in report.errors] == [
        (2, "sex", "Sexe"), (3, "civility", "Civilité")]


def test_formula_looking_cells_are_plain_text(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["Nom", "Prénom", "Remarque", "Ville"],
                                          ["Roux", "Zoé", '=HYPERLINK("http://x";"y")', "=1+1"],
                                          ["Roux", "Léo", "@SUM(A1:A2)", "+Lyon"]])
    assert importer.run(path).imported == 2
    notes = {(p.first_names, p.admin_note, p.city) for p in patients(workspace)}
    assert notes == {("Zoé", '=HYPERLINK("http://x";"y")', "=1+1"),
                     ("Léo", "@SUM(A1:A2)", "+Lyon")}


def test_a_note_holds_4000_characters_any_other_value_1000(workspace, importer, tmp_path):
    note = ("Suivi administratif. " * 200)[:4000]
    path = write_csv(tmp_path / "p.csv", [
        HEADER, ["Roux", "Zoé", "", "", "", "", note],
        ["Roux", "Léo", "", "", "", "", note + "x"],
        ["Roux", "Léa", "", "F" * 1001, "", "", ""]])
    report = importer.dry_run(path)
    assert [(e.line, e.field, e.column) for e in report.errors] == [
        (3, "admin_note", "Remarque"), (4, "sex", "Sexe")]
    assert "4" in report.errors[0].message and "1" in report.errors[1].message
    assert report.valid == 1  # no crash, no truncation: the long ones are row errors
    report = importer.run(path, skip_invalid=True)
    assert report.imported == 1 and patients(workspace)[0].admin_note == note


def test_a_record_beyond_the_cap_refuses_the_file_at_its_line(importer, tmp_path):
    note = "Suivi administratif. " * 10_000  # 210,000 characters on one line
    path = write_csv(tmp_path / "p.csv", [HEADER, ["Martin", "Paul", "", "", "", "", ""],
                                          ["Roux", "Zoé", "", "", "", "", note]])
    with pytest.raises(UnreadableFile) as info:
        importer.dry_run(path)
    assert "3" in info.value.user_message


def test_a_value_too_long_for_the_card_is_an_error(importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["Nom", "Prénom"], ["R" * 101, "Zoé"]])
    report = importer.dry_run(path)
    assert [(e.line, e.field) for e in report.errors] == [(2, "birth_name")]


def test_rows_are_checked_with_the_rules_of_the_card(workspace, importer, tmp_path, clock):
    path = write_csv(tmp_path / "p.csv", [
        ["Nom", "Prénom", "DDN", "Tél. portable", "E-mail", "CP"],
        ["", "Zoé", "", "", "", ""],
        ["Roux", "Léo", "01/01/2030", "", "", ""],
        ["Roux", "Léa", "", "06 12", "pas-un-courriel", "ABCDE"],
    ])
    report = importer.dry_run(path)
    found = {(e.line, e.field): e.message for e in report.errors}
    service = workspace.patients
    expected = {}
    for line, data in ((2, PatientInput(birth_name="", first_names="Zoé")),
                       (3, PatientInput(birth_name="Roux", first_names="Léo",
                                        birth_date=date(2030, 1, 1))),
                       (4, PatientInput(birth_name="Roux", first_names="Léa",
                                        phones=[PhoneEntry("06 12")], email="pas-un-courriel",
                                        postal_code="ABCDE"))):
        with pytest.raises(Exception) as exc:
            service.validate(data)
        for key, message in exc.value.errors.items():
            expected[(line, "phone_mobile" if key.startswith("phone") else key)] = message
    assert found == expected
    assert report.invalid == 3 and report.valid == 0


# -- structure of the file --------------------------------------------------------------------
def test_broken_quotes_are_row_errors_and_reading_goes_on(workspace, importer, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('Nom;Prénom;Ville\r\n'
                    'Roux;Zoé;Lyon\r\n'
                    '"Mar"tin;Paul;Lyon\r\n'
                    'Petit;Awa;Lyon\r\n'
                    'Durand;"Léa;Lyon\r\n'
                    'Blanc;Noé;Lyon\r\n', encoding="utf-8")
    report = importer.dry_run(path)
    assert report.valid == 2  # Roux and Petit; the unclosed quote takes the last lines
    lines = [(e.line, e.field) for e in report.errors]
    assert lines == [(3, ""), (5, "")]
    assert "5" in report.errors[1].message and "6" in report.errors[1].message
    with pytest.raises(ImportRefused):
        importer.run(path)
    assert importer.run(path, skip_invalid=True).imported == 2


def test_empty_lines_crlf_and_line_numbers(importer, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes("\r\nNom;Prénom;DDN\r\n\r\nRoux;Zoé;12/03/1958\r\n;;\r\n   \r\n"
                     "Petit;Awa;31/02/1990\r\n\r\n".encode("utf-8"))
    report = importer.dry_run(path)
    assert (report.rows, report.valid, report.invalid) == (2, 1, 1)
    assert [(e.line, e.field, e.column) for e in report.errors] == [(7, "birth_date", "DDN")]


def test_extra_values_on_a_line_are_an_error(importer, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("Nom;Prénom\nRoux;Zoé;;\nPetit;Awa;en trop\n", encoding="utf-8")
    report = importer.dry_run(path)
    assert report.valid == 1
    assert [e.line for e in report.errors] == [3]


# -- dry run, refusal, skip_invalid, audit ---------------------------------------------------
def test_dry_run_writes_nothing(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [HEADER] + some_rows(30))
    before = counts(workspace)
    report = importer.dry_run(path)
    assert report.dry_run and (report.rows, report.valid, report.imported) == (30, 30, 0)
    assert counts(workspace) == before


def test_invalid_rows_refuse_the_whole_file(workspace, importer, tmp_path):
    rows = some_rows(5000)
    rows[4200][2] = "32/13/1958"
    path = write_csv(tmp_path / "p.csv", [HEADER] + rows)
    before = counts(workspace)
    with pytest.raises(ImportRefused) as exc:
        importer.run(path)
    report = exc.value.report
    assert (report.invalid, report.valid, report.imported) == (1, 4999, 0)
    assert [(e.line, e.field) for e in report.errors] == [(4202, "birth_date")]
    assert counts(workspace) == before


def test_skip_invalid_imports_the_valid_rows(workspace, importer, tmp_path):
    rows = some_rows(10)
    rows[3][0] = ""
    rows[7][4] = "06 12"
    path = write_csv(tmp_path / "p.csv", [HEADER] + rows)
    report = importer.run(path, skip_invalid=True)
    assert (report.imported, report.invalid) == (8, 2)
    assert [(e.line, e.field) for e in report.errors] == [(5, "birth_name"), (9, "phone_mobile")]
    assert workspace.patients.count() == 8


def test_import_is_audited_with_counts_only(workspace, importer, tmp_path):
    rows = some_rows(3) + [["", "Sans nom", "", "", "", "", ""]]
    path = write_csv(tmp_path / "p.csv", [HEADER] + rows)
    importer.run(path, skip_invalid=True)
    with workspace.store.reader() as s:
        entries = list(s.execute(select(AuditEntry).where(AuditEntry.action == "import"))
                       .scalars())
        created = s.execute(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "create",
                                   AuditEntry.entity == "patient")).scalar_one()
    assert len(entries) == 1
    (entry,) = entries
    assert entry.entity == "patient" and entry.user_id == workspace.user_id
    assert entry.detail == "rows=4 imported=3 invalid=1 duplicates=0 skipped=0"
    assert "Lefèvre" not in entry.detail
    assert created == 3
    assert all(item.ok for item in run_checks(workspace.store))  # the audit chain holds


def test_progress_reaches_the_end(importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [HEADER] + some_rows(1200))
    seen = []
    importer.run(path, progress=lambda done, total: seen.append((done, total)))
    size = path.stat().st_size
    assert seen[-1] == (size, size)
    assert all(b <= size for _a, b in seen) and len(seen) > 2


def test_cancel_keeps_nothing(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [HEADER] + some_rows(6000))
    before = counts(workspace)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) >= 9  # after the first chunk of 2,000 was written

    with pytest.raises(Cancelled):
        importer.run(path, cancelled=cancelled)
    assert counts(workspace) == before
    assert importer.run(path).imported == 6000  # nothing left locked or half-done


# -- duplicates ---------------------------------------------------------------------------
def test_duplicates_in_the_file_and_against_the_database(workspace, importer, tmp_path):
    workspace.patients.create(PatientInput(birth_name="Dupont", first_names="Jean-Éric",
                                           birth_date="12/03/1958",
                                           phones=[PhoneEntry("06 12 34 56 78")]))
    path = write_csv(tmp_path / "p.csv", [
        ["Nom", "Prénom", "DDN", "Portable"],
        ["DUPONT", "Jean", "12/03/1958", ""],  # 2: the recorded patient
        ["Martin", "Paul", "14/09/1962", "06.12.34.56.78"],  # 3: the recorded phone
        ["Petit", "Awa", "05/05/1990", "07 61 22 33 44"],  # 4
        ["petit", "Awa Marie", "1990-05-05", ""],  # 5: same as line 4
        ["Roux", "Léo", "01/01/2001", "0761223344"],  # 6: phone of line 4
        ["Roux", "Léa", "01/01/2001", ""],  # 7: no duplicate
    ])
    before = counts(workspace)
    report = importer.dry_run(path)
    assert counts(workspace) == before
    assert [(d.line, d.reason, d.other_line) for d in report.duplicates] == [
        (2, "identity", None), (3, "phone", None), (5, "identity", 4), (6, "phone", 4)]
    assert all(d.message for d in report.duplicates)

    report = importer.run(path, skip_duplicates=True)
    assert (report.imported, report.skipped_duplicates) == (4, 2)
    assert [(d.line, d.reason, d.other_line) for d in report.duplicates] == [
        (2, "identity", None), (3, "phone", None), (5, "identity", 4), (6, "phone", 4)]
    assert workspace.patients.count() == 5


def test_duplicates_are_imported_unless_asked(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [HEADER] + some_rows(3) + some_rows(3))
    report = importer.run(path)
    assert (report.imported, report.duplicate_count) == (6, 3)
    report = importer.run(path, skip_duplicates=True)  # all six are recorded now
    assert (report.imported, report.skipped_duplicates) == (0, 6)


def test_excel_unicode_text_utf16_with_tabs(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.txt", [HEADER, ["Lefèvre", "Hélène", "12/03/1958", "F", "",
                                                   "Lyon", ""]], encoding="utf-16",
                     delimiter="\t")
    preview = importer.preview(path)
    assert (preview.format.encoding, preview.format.delimiter) == ("utf-16", "\t")
    assert importer.run(path).imported == 1
    assert patients(workspace)[0].first_names == "Hélène"


def test_a_wrong_encoding_forced_by_the_user_refuses_rather_than_truncates(
        workspace, importer, tmp_path):
    ascii_rows = [[f"Martin{i}", "Paul", "", "", "", "Lyon", ""] for i in range(3000)]
    rows = [HEADER] + ascii_rows + [["Garçon", "Noël", "", "", "", "", ""]] + ascii_rows
    path = write_csv(tmp_path / "p.csv", rows, encoding="cp1252")
    assert path.stat().st_size > 64 * 1024  # the bad byte is far past the first read
    with pytest.raises(UnreadableFile):
        importer.run(path, fmt=CsvFormat("utf-8", ";"), skip_invalid=True)
    assert workspace.patients.count() == 0
    assert importer.preview(path).format.encoding == "cp1252"


def test_contact_preferences_other_phones_and_neutralised_cells(workspace, importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [
        ["Nom de naissance", "Prénoms", "Tél. domicile", "Autre tél.", "Note administrative",
         "Moyen de contact préféré", "Joindre à partir de", "Joindre jusqu'à", "Accord rappels"],
        ["Perrin", "Lucie", "04 78 12 34 56", "06 44 55 66 77, '+44 20 7946 0958",
         "'- à rappeler ; = urgent", "SMS", "9h", "18:30", "Oui"],
        ["Perrin", "Paul", "", "", "'=1+1", "Courrier", "", "", "non"],
    ])
    assert importer.run(path).imported == 2
    lucie, paul = sorted(patients(workspace), key=lambda p: p.first_names)
    assert lucie.admin_note == "- à rappeler ; = urgent" and paul.admin_note == "=1+1"
    assert (lucie.preferred_channel, lucie.reminder_consent) == ("sms", True)
    assert (str(lucie.call_not_before), str(lucie.call_not_after)) == ("09:00:00", "18:30:00")
    assert (paul.preferred_channel, paul.reminder_consent) == ("mail", False)
    assert phones_of(workspace, lucie.id) == [("home", "+33478123456"), ("mobile", "+33644556677"),
                                             ("other", "+442079460958")]


def test_bad_contact_preferences_are_row_errors(importer, tmp_path):
    path = write_csv(tmp_path / "p.csv", [
        ["Nom", "Prénom", "Moyen de contact préféré", "Joindre à partir de", "Joindre jusqu'à",
         "Accord rappels"],
        ["Roux", "Zoé", "pigeon voyageur", "", "", ""],
        ["Roux", "Léo", "", "18h", "9h", ""],
        ["Roux", "Léa", "", "", "", "peut-être"]])
    report = importer.dry_run(path)
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "preferred_channel"), (3, "call_not_after"), (4, "reminder_consent")]
