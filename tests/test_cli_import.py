"""``permanence import patients``, end to end: a real subprocess on a real profile."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.clock import SystemClock
from app.models import AuditEntry
from app.services.workspace import open_workspace
from app.storage.profile import ProfilePaths, unlock_key
from tests.test_cli import permanence

PASSPHRASE = "une phrase de passe"
HEADER = "Civilité;Nom;Prénom(s);DDN;Tél. portable;CP;Ville\r\n"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-import") / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                        passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def profile(pristine, tmp_path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "cabinet"))


def state(root: Path) -> tuple[int, int]:
    """Patients, and import entries in the audit trail."""
    paths = ProfilePaths(root)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASSPHRASE), clock=SystemClock())
    try:
        with ws.store.reader() as s:
            imports = s.execute(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == "import")).scalar_one()
        return ws.patients.count(), imports
    finally:
        ws.close()


def cp1252_file(path: Path, rows: list[str]) -> Path:
    path.write_bytes((HEADER + "".join(r + "\r\n" for r in rows)).encode("cp1252"))
    return path


GOOD = ["Mme;Lefèvre;Hélène;01/07/1975;06 12 34 56 78;69003;Lyon",
        "M.;Garçon;Noël;1962-09-14;;42000;Saint-Étienne",
        "M;Dubois;Jérôme;21256;04 78 12 34 56;69001;Lyon"]
BAD = "Mme;Petit;Awa;31/02/1990;;69003;Lyon"


def run_import(profile: Path, csv: Path, *options: str):
    return permanence("import", "patients", str(csv), "--profile", str(profile), *options,
                      passphrase=PASSPHRASE)


def test_import_prints_format_mapping_summary_and_imports(profile, tmp_path):
    result = run_import(profile, cp1252_file(tmp_path / "export.csv", GOOD))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Windows-1252" in out
    for header in ("« Nom »", "« Prénom(s) »", "« DDN »", "« Tél. portable »"):
        assert header in out
    assert "Traceback" not in result.stderr
    assert re.search(r"\b3\b", out.splitlines()[-1])  # "3 patients importés."
    assert state(profile) == (3, 1)


def test_dry_run_writes_nothing_and_lists_the_errors(profile, tmp_path):
    csv = cp1252_file(tmp_path / "export.csv", GOOD + [BAD])
    result = run_import(profile, csv, "--dry-run")
    assert result.returncode == 2  # the real import would be refused
    error_lines = [line for line in result.stdout.splitlines() if "« DDN »" in line
                   and "→" not in line]
    assert len(error_lines) == 1 and re.search(r"\b5\b", error_lines[0])
    assert state(profile) == (0, 0)
    result = run_import(profile, csv, "--dry-run", "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert state(profile) == (0, 0)


def test_invalid_rows_refuse_the_import(profile, tmp_path):
    result = run_import(profile, cp1252_file(tmp_path / "export.csv", GOOD + [BAD]))
    assert result.returncode == 2
    assert result.stderr.strip() and "Traceback" not in result.stderr
    assert state(profile) == (0, 0)


def test_skip_invalid_imports_the_valid_rows(profile, tmp_path):
    result = run_import(profile, cp1252_file(tmp_path / "export.csv", GOOD + [BAD]),
                        "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert state(profile) == (3, 1)


def test_the_first_50_errors_are_listed_then_counted(profile, tmp_path):
    bad = [f"Mme;Petit{i};Awa;31/02/1990;;69003;Lyon" for i in range(60)]
    result = run_import(profile, cp1252_file(tmp_path / "export.csv", GOOD + bad), "--dry-run")
    assert result.returncode == 2
    listed = [line for line in result.stdout.splitlines() if "« DDN »" in line
              and "→" not in line]
    assert len(listed) == 50
    assert any(re.search(r"\b10\b", line) for line in result.stdout.splitlines()
               if line.startswith("  …"))


def test_column_mapping_can_be_overridden(profile, tmp_path):
    csv = tmp_path / "export.csv"
    csv.write_text("Patronyme JF;Prénom;Divers\nRoux;Zoé;x\n", encoding="utf-8")
    assert run_import(profile, csv).returncode == 2  # no birth name column recognised
    result = run_import(profile, csv, "--map", "Patronyme JF=birth_name", "--map", "Divers=-")
    assert result.returncode == 0, result.stdout + result.stderr
    assert state(profile) == (1, 1)
    result = run_import(profile, csv, "--map", "Inconnue=birth_name")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_bad_input_is_a_clear_error(profile, tmp_path):
    missing = run_import(profile, tmp_path / "absent.csv")
    assert missing.returncode == 2 and missing.stderr.strip()
    assert "Traceback" not in missing.stderr
    nothing = tmp_path / "columns.csv"
    nothing.write_text("A;B;C\n1;2;3\n", encoding="utf-8")
    unknown = run_import(profile, nothing)
    assert unknown.returncode == 2 and unknown.stderr.strip()
    assert "Traceback" not in unknown.stderr
    assert state(profile) == (0, 0)


def test_wrong_passphrase_is_refused(profile, tmp_path):
    csv = cp1252_file(tmp_path / "export.csv", GOOD)
    result = permanence("import", "patients", str(csv), "--profile", str(profile),
                        passphrase="mauvaise")
    assert result.returncode == 3
    assert state(profile) == (0, 0)


TERMINAL_BAD = set("\x7f\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                   "\u2068\u2069") | {chr(c) for c in range(0x20) if c != 0x0a} | {
                       chr(c) for c in range(0x80, 0xa0)}


def test_headers_values_and_options_from_the_user_reach_the_terminal_as_plain_lines(
        profile, tmp_path):
    csv = tmp_path / "export.csv"
    csv.write_text('Nom;Prénom(s);DDN;"Remarque\x1b[2J\nligne 99 : FAUX\u202e"\r\n'
                   'Martin;Paul;"31/02\x1b]0;titre\x07\nligne 98 : FAUX\u2066";\r\n',
                   encoding="utf-8", newline="")
    result = run_import(profile, csv, "--dry-run")
    assert result.returncode == 2, result.stdout + result.stderr  # the invalid date
    for stream in (result.stdout, result.stderr):
        assert not set(stream) & TERMINAL_BAD, repr(stream)
        assert not [line for line in stream.splitlines() if line.startswith("ligne 9")]
    assert "« Remarque [2J ligne 99 : FAUX »" in result.stdout
    assert "31/02 ]0;titre  ligne 98 : FAUX" in result.stdout  # the message quotes it
    mapped = run_import(profile, csv, "--dry-run", "--map", "Nom\x1b[31m\nligne 97=birth_name")
    assert mapped.returncode == 2
    assert not set(mapped.stderr) & TERMINAL_BAD, repr(mapped.stderr)
    assert not [line for line in mapped.stderr.splitlines() if line.startswith("ligne 97")]


# -- files that are not what they seem ------------------------------------------------------
def mostly_utf8(path: Path) -> Path:
    """UTF-8 with accents on every line but lines 3 and 17, which hold stray bytes."""
    lines = [b"Nom;Prenom;Ville\r\n"] + [f"Lefèvre{i};Hélène;Saint-Étienne\r\n".encode()
                                         for i in range(30)]
    lines[2] = b"Gar\xe7on;No\xebl;Lyon\r\n"
    lines[16] = "Martin;Zoé;Lyon".encode() + b"\x92\r\n"
    path.write_bytes(b"".join(lines))
    return path


def test_a_utf8_file_with_stray_bytes_needs_an_encoding_chosen(profile, tmp_path):
    csv = mostly_utf8(tmp_path / "export.csv")
    refused = run_import(profile, csv, "--dry-run")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "3, 17" in refused.stderr and "--encoding" in refused.stderr
    assert refused.stdout == ""
    as_utf8 = run_import(profile, csv, "--dry-run", "--encoding", "utf-8")
    assert as_utf8.returncode == 0, as_utf8.stdout + as_utf8.stderr
    assert "UTF-8" in as_utf8.stdout
    (named,) = [line for line in as_utf8.stdout.splitlines() if "3, 17" in line]
    assert "\ufffd" in named
    as_cp1252 = run_import(profile, csv, "--dry-run", "--encoding", "cp1252")
    assert as_cp1252.returncode == 0, as_cp1252.stdout + as_cp1252.stderr
    assert "Windows-1252" in as_cp1252.stdout and "3, 17" not in as_cp1252.stdout
    assert state(profile) == (0, 0)
    result = run_import(profile, csv, "--encoding", "utf-8")
    assert result.returncode == 0, result.stdout + result.stderr
    assert state(profile) == (30, 1)


def test_a_windows_1252_file_needs_no_encoding(profile, tmp_path):
    result = run_import(profile, cp1252_file(tmp_path / "export.csv", GOOD * 10), "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Windows-1252" in result.stdout


def refused_quickly(profile: Path, csv: Path, *fragments: str, seconds: int = 60):
    started = time.monotonic()
    result = permanence("import", "patients", str(csv), "--profile", str(profile),
                        "--dry-run", passphrase=PASSPHRASE, timeout=seconds)
    assert result.returncode == 2, result.stdout + result.stderr
    assert time.monotonic() - started < seconds
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    return result


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused(profile, tmp_path):
    link = tmp_path / "export.csv"
    link.symlink_to("/dev/zero")
    refused_quickly(profile, Path("/dev/zero"), "/dev/zero")
    refused_quickly(profile, link, "/dev/zero")  # the path is resolved: named as it is


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_pipe_or_a_folder_is_refused(profile, tmp_path):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    refused_quickly(profile, fifo, str(fifo))
    refused_quickly(profile, tmp_path, str(tmp_path))


def test_a_file_above_200_mb_is_refused(profile, tmp_path):
    csv = tmp_path / "export.csv"
    with open(csv, "wb") as fh:
        fh.write(HEADER.encode("cp1252"))
        fh.truncate(200 * 1024 * 1024 + 1)  # sparse
    refused_quickly(profile, csv, "200")


def test_an_unclosed_quote_in_50_mb_is_refused_at_its_line(profile, tmp_path):
    csv = tmp_path / "export.csv"
    with open(csv, "w", encoding="cp1252", newline="") as fh:
        fh.write(HEADER + GOOD[0] + "\r\n" + 'Mme;"Petit;Awa;05/05/1990;;69003;Lyon\r\n')
        block = "".join(r + "\r\n" for r in GOOD) * 1000
        for _ in range(50 * 1024 * 1024 // len(block)):
            fh.write(block)
    assert csv.stat().st_size > 49 * 1024 * 1024
    result = refused_quickly(profile, csv, seconds=30)
    assert re.search(r"\b3\b", result.stderr)
    assert state(profile) == (0, 0)


def test_a_value_too_long_is_an_error_of_its_row(profile, tmp_path):
    csv = tmp_path / "export.csv"
    csv.write_text("Nom;Prénom;Remarque\r\nRoux;Zoé;court\r\nRoux;Léo;" + "x" * 4001 + "\r\n",
                   encoding="utf-8")
    result = run_import(profile, csv, "--dry-run")
    assert result.returncode == 2, result.stdout + result.stderr  # the row is invalid
    (error,) = [line for line in result.stdout.splitlines() if "« Remarque »" in line
                and "→" not in line]
    assert re.search(r"\b3\b", error) and "4" in error
    assert run_import(profile, csv, "--skip-invalid").returncode == 0
    assert state(profile) == (1, 1)


# A home-made spreadsheet of an overseas practice, as Excel saves it (Windows-1252,
# semicolons): the maiden name only for married women, the numbers as dialled in France,
# one with the leading zero Excel drops, a foreign one.
HOME_MADE = (
    "NOM;NOM JEUNE FILLE;PRENOM;DDN;PORTABLE;FIXE;MAIL;ADRESSE;CP;VILLE\r\n"
    "PAYET;;Jean-Marc;12/03/1958;0692 45 67 89;0262 16 12 34;jm.payet@example.re;"
    "12 rue de Paris;97400;Saint-Denis\r\n"
    "HOARAU;GRONDIN;Marie-Josée;01/07/1975;0693 12 34 56;;;;97410;Saint-Pierre\r\n"
    "JEAN-LOUIS;;Maryse;05/05/1990;690123456;0590 12 34 56;;;97110;Pointe-à-Pitre\r\n"
    ";ZÉPHIR;Rosette;14/09/1962;0696 20 12 34;0596 30 12 34;;;97200;Fort-de-France\r\n"
    "ABDALLAH;;Fatima;23/11/2015;0639 01 23 45;0269 60 12 34;;;97600;Mamoudzou\r\n"
    "LÉVÊQUE;;Paul;02/02/1940;+41 79 123 45 67;0594 10 12 34;;;97300;Cayenne\r\n"
)


def test_a_home_made_overseas_spreadsheet_is_imported_whole(profile, tmp_path):
    csv = tmp_path / "patients.csv"
    csv.write_bytes(HOME_MADE.encode("cp1252"))
    result = run_import(profile, csv)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for header, field in (("NOM", "Nom d'usage"), ("NOM JEUNE FILLE", "Nom de naissance"),
                          ("DDN", "Date de naissance"), ("PORTABLE", "Téléphone portable"),
                          ("FIXE", "Téléphone domicile"), ("MAIL", "E-mail"),
                          ("CP", "Code postal"), ("VILLE", "Ville")):
        assert f"« {header} » → {field}" in out
    assert state(profile) == (6, 1)

    paths = ProfilePaths(profile)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASSPHRASE), clock=SystemClock())
    try:
        cards = {p.display_name: ws.patients.get(p.id) for p in ws.patients.search("")}
    finally:
        ws.close()
    assert set(cards) == {"PAYET Jean-Marc", "HOARAU né(e) GRONDIN Marie-Josée",
                          "JEAN-LOUIS Maryse", "ZÉPHIR Rosette", "ABDALLAH Fatima",
                          "LÉVÊQUE Paul"}
    assert (cards["PAYET Jean-Marc"].birth_name, cards["PAYET Jean-Marc"].used_name) == (
        "PAYET", "")
    numbers = {name: [(p.kind, p.e164, p.display) for p in card.phones]
               for name, card in cards.items()}
    assert numbers["PAYET Jean-Marc"] == [("mobile", "+262692456789", "0692 45 67 89"),
                                          ("home", "+262262161234", "0262 16 12 34")]
    assert numbers["JEAN-LOUIS Maryse"] == [("mobile", "+590690123456", "0690 12 34 56"),
                                            ("home", "+590590123456", "0590 12 34 56")]
    assert numbers["ZÉPHIR Rosette"] == [("mobile", "+596696201234", "0696 20 12 34"),
                                         ("home", "+596596301234", "0596 30 12 34")]
    assert numbers["ABDALLAH Fatima"] == [("mobile", "+262639012345", "0639 01 23 45"),
                                          ("home", "+262269601234", "0269 60 12 34")]
    assert numbers["LÉVÊQUE Paul"] == [("mobile", "+41791234567", "+41 79 123 45 67"),
                                       ("home", "+594594101234", "0594 10 12 34")]

    exported = tmp_path / "export.csv"
    result = permanence("export", "patients", "--profile", str(profile), str(exported),
                        passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stdout + result.stderr
    text = exported.read_text(encoding="utf-8-sig")
    for shown in ("0692 45 67 89", "0262 16 12 34", "0590 12 34 56", "0639 01 23 45",
                  "'+41 79 123 45 67"):
        assert shown in text
    assert "+262" not in text and "+590" not in text
