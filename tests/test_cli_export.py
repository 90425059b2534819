"""``permanence export`` run as a user would: a real subprocess on a real demo profile."""

from __future__ import annotations

import csv
import io
import re

import pytest
import vobject

from tests.test_cli import permanence, snapshot

PASS = "une phrase de passe"


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-export") / "cabinet"
    result = permanence("demo", "--profile", str(root), passphrase=PASS)
    assert result.returncode == 0, result.stderr
    count = int(re.sub(r"\D", "", re.search(r"\(([\d\s\u202f\u00a0]+)", result.stdout).group(1)))
    return root, count


def export(root, *args, passphrase=PASS):
    return permanence("export", "--profile", str(root), *args, passphrase=passphrase)


def test_patients_to_csv(profile, tmp_path):
    root, count = profile
    out = tmp_path / "patients.csv"
    result = export(root, "patients", "--format", "csv", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "CSV" in lines[0]
    assert re.sub(r"\D", "", lines[0].split(str(out))[0]) == str(count)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == count
    assert all(r["Nom de naissance"] and r["Prénoms"] for r in rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patients.csv"]


def test_patients_to_one_vcard_per_contact_then_check_passes(profile, tmp_path):
    root, count = profile
    out = tmp_path / "cartes"
    result = export(root, "patients", "--format", "vcard", "--one-per-contact", str(out))
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.vcf"))
    assert len(files) == count
    card = vobject.readOne(files[0].read_text(encoding="utf-8"))
    assert card.version.value == "4.0" and card.uid.value == f"urn:uuid:{files[0].stem}"
    # The export's audit entry keeps the hash chain whole.
    check = permanence("check", "--profile", str(root), passphrase=PASS)
    assert check.returncode == 0, check.stdout + check.stderr


def test_directory_to_vcard(profile, tmp_path):
    root, _ = profile
    out = tmp_path / "annuaire.vcf"
    result = export(root, "directory", "--format", "vcard", str(out))
    assert result.returncode == 0, result.stderr
    cards = list(vobject.readComponents(out.read_text(encoding="utf-8")))
    n = int(re.sub(r"\D", "", result.stdout.split(str(out))[0]))
    assert len(cards) == n
    assert all(c.version.value == "4.0" and c.fn.value for c in cards)


def test_directory_to_csv(profile, tmp_path):
    root, _ = profile
    out = tmp_path / "annuaire.csv"
    result = export(root, "directory", str(out))  # CSV is the default format
    assert result.returncode == 0, result.stderr
    header = out.read_bytes().decode("utf-8-sig").split("\r\n")[0]
    assert header.startswith("Catégorie;Titre;Nom;Prénom;Organisation")


def test_an_unusable_destination_exits_2_and_writes_nothing(profile, tmp_path):
    root, _ = profile
    before = snapshot(tmp_path)
    result = export(root, "patients", str(tmp_path / "absent" / "patients.csv"))
    assert result.returncode == 2
    assert str(tmp_path / "absent") in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before and not (tmp_path / "absent").exists()

    (tmp_path / "cartes").mkdir()
    (tmp_path / "cartes" / "autre.txt").write_text("x", encoding="utf-8")
    result = export(root, "patients", "--format", "vcard", "--one-per-contact",
                    str(tmp_path / "cartes"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [p.name for p in (tmp_path / "cartes").iterdir()] == ["autre.txt"]


def test_one_per_contact_needs_vcard(profile, tmp_path):
    root, _ = profile
    result = export(root, "patients", "--one-per-contact", str(tmp_path / "x"))
    assert result.returncode == 2 and "--format vcard" in result.stderr
    assert not (tmp_path / "x").exists()


def test_a_wrong_passphrase_exports_nothing(profile, tmp_path):
    root, _ = profile
    result = export(root, "patients", str(tmp_path / "p.csv"), passphrase="mauvaise")
    assert result.returncode == 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["keys.json", "permanence.db", "permanence.db-wal",
                                  "backups/new.csv", "logs/export.csv", "fresh.csv"])
def test_an_export_into_the_profile_folder_is_refused_and_changes_nothing(tmp_path, name):
    # A profile of its own: the test must prove its database and keys survive.
    root = tmp_path / "cabinet"
    made = permanence("init", "--profile", str(root), "--practice", "Cabinet test",
                      passphrase=PASS)
    assert made.returncode == 0, made.stderr
    (root / "backups").mkdir(exist_ok=True)
    (root / "logs").mkdir(exist_ok=True)
    before = snapshot(root)
    for extra in ([], ["--force"]):
        result = export(root, "patients", *extra, str(root / name))
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr and str(root) in result.stderr
        result = permanence("export", "agenda", "--profile", str(root), *extra,
                            "--practitioner", "x", "--from", "2026-01-01", "--to", "2026-01-02",
                            str(root / name), passphrase=PASS)
        assert result.returncode == 2 and "Traceback" not in result.stderr
    after = snapshot(root)
    assert {k: v for k, v in after.items() if "logs" not in k} == \
        {k: v for k, v in before.items() if "logs" not in k}
    check = permanence("check", "--profile", str(root), passphrase=PASS)
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_existing_file_needs_force(profile, tmp_path):
    root, count = profile
    out = tmp_path / "patients.csv"
    out.write_text("earlier", encoding="utf-8")
    result = export(root, "patients", str(out))
    assert result.returncode == 2 and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "earlier"
    result = export(root, "patients", "--force", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_link_at_the_destination_is_refused_even_with_force(profile, tmp_path):
    root, _ = profile
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / "p.csv").symlink_to(victim)
    for extra in ([], ["--force"]):
        result = export(root, "patients", *extra, str(tmp_path / "p.csv"))
        assert result.returncode == 2 and "Traceback" not in result.stderr
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (tmp_path / "p.csv").is_symlink()
