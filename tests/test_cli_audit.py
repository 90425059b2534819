"""``permanence audit verify`` and ``audit export`` run as a user would: a real
subprocess on a real profile, tampered with as an attacker holding its key would."""

from __future__ import annotations

import csv
import io
import os
import stat

import pytest

from app.storage.engine import connect_raw
from app.storage.profile import ProfilePaths, unlock_key
from tests.test_cli import permanence

PASS = "une phrase de passe"


@pytest.fixture
def profile(tmp_path):
    root = tmp_path / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                        passphrase=PASS)
    assert result.returncode == 0, result.stderr
    return root


def audit(root, *args):
    return permanence("audit", *args, "--profile", str(root), passphrase=PASS)


def test_verify_passes_on_an_intact_trail(profile):
    result = audit(profile, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact" in result.stdout


def test_verify_and_check_fail_naming_the_missing_entry_of_a_deleted_tail(profile):
    paths = ProfilePaths(profile)
    conn = connect_raw(paths.db, unlock_key(paths, passphrase=PASS))
    try:
        last = conn.execute("SELECT max(seq) FROM audit_trail").fetchone()[0]
        conn.execute("DELETE FROM audit_trail WHERE seq = ?", (last,))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    result = audit(profile, "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{last} " in result.stdout and "endommagé" in result.stdout
    assert "Traceback" not in result.stderr
    check = permanence("check", "--profile", str(profile), passphrase=PASS)
    assert check.returncode == 1 and f"{last} " in check.stdout


def test_export_writes_an_owner_only_csv_and_replaces_only_with_force(profile, tmp_path):
    out = tmp_path / "journal.csv"
    result = audit(profile, "export", "--from", "2000-01-01", "--to", "2100-12-31", str(out))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Date", "Heure", "Personne"] and len(rows) > 2
    assert {r[4] for r in rows[1:]} >= {"create"}
    # Each entry names the workstation that wrote it: this computer, by name and node id.
    from app.models.principal import this_workstation_name
    from app.storage.store import META_NODE_ID

    conn = connect_raw(ProfilePaths(profile).db, unlock_key(ProfilePaths(profile),
                                                             passphrase=PASS))
    try:
        node = conn.execute("SELECT value FROM local_meta WHERE key = ?",
                            (META_NODE_ID,)).fetchone()[0]
    finally:
        conn.close()
    assert rows[0][9:] == ["Poste", "Identifiant poste"]
    assert {tuple(r[9:]) for r in rows[1:]} == {(this_workstation_name(), node)}

    before = out.read_bytes()
    again = audit(profile, "export", "--from", "2000-01-01", "--to", "2100-12-31", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    assert out.read_bytes() == before
    forced = audit(profile, "export", "--from", "2000-01-01", "--to", "2100-12-31", "--force",
                   str(out))
    assert forced.returncode == 0, forced.stderr
    # The first export is in the trail now, and the trail still verifies.
    assert "trail_export" in out.read_text(encoding="utf-8-sig")
    assert audit(profile, "verify").returncode == 0


def test_export_refuses_the_profile_folder_and_a_bad_period(profile):
    inside = audit(profile, "export", "--from", "2026-01-01", "--to", "2026-12-31",
                   str(profile / "journal.csv"))
    assert inside.returncode == 2 and "profil" in inside.stderr
    backwards = audit(profile, "export", "--from", "2026-12-31", "--to", "2026-01-01",
                      str(profile.parent / "journal.csv"))
    assert backwards.returncode == 2 and "--from" in backwards.stderr
    assert not (profile / "journal.csv").exists()
    assert not list(profile.glob(".permanence-export-*"))
