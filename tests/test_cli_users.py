"""``permanence users`` and ``--user``: each person opens the practice headless with
their own passphrase (no keychain, no shared secret); a command the role may not run
exits with its own code and writes nothing; the recovery key opens it for the owner."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from app.errors import ExitCode
from tests.test_cli import permanence

OWNER = "une phrase de passe"
SECRETARY = "Bureau du matin, côté jardin"
REMOTE = "Télétravail depuis Quimper"


def _as(name: str | None, secret: str, *args: str) -> tuple[int, str, str]:
    user = ("--user", name) if name else ()
    result = permanence(*args, *user, passphrase=secret)
    return result.returncode, result.stdout, result.stderr


def _add(root: Path, name: str, role: str, secret: str, *extra: str):
    return permanence("users", "add", "--profile", str(root), "--name", name, "--role", role,
                      *extra, passphrase=OWNER, env={"PERMANENCE_NEW_PASSPHRASE": secret})


@pytest.fixture(scope="module")
def practice(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("users") / "cabinet"
    made = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                      passphrase=OWNER)
    assert made.returncode == 0, made.stderr
    recovery = re.search(r"([A-Z2-7]{4}(?:-[A-Z2-7]{4}){7})", made.stdout).group(1)
    for name, role, secret in (("secretaire", "secretary", SECRETARY),
                               ("distante", "remote-secretary", REMOTE)):
        added = _add(root, name, role, secret)
        assert added.returncode == 0, added.stderr
        assert name in added.stdout
    return {"root": root, "recovery": recovery}


def test_users_are_listed_for_the_owner(practice):
    code, out, err = _as(None, OWNER, "users", "list", "--profile", str(practice["root"]))
    assert code == 0, err
    assert [line.split("\t") for line in out.splitlines()] == [
        ["distante", "remote-secretary", "-", "active"],
        ["owner", "owner", "-", "active"],
        ["secretaire", "secretary", "-", "active"]]
    code, _, err = _as("owner", OWNER, "users", "list", "--profile", str(practice["root"]))
    assert code == 0, err


def test_each_person_signs_in_with_their_own_secret(practice, tmp_path):
    root = str(practice["root"])
    out = tmp_path / "patients.csv"
    code, _, err = _as("secretaire", SECRETARY, "export", "patients", "--profile", root,
                       str(out))
    assert code == 0, err
    assert out.exists()
    code, _, err = _as("secretaire", OWNER, "check", "--profile", root)
    assert code == ExitCode.SECRET, err
    code, _, err = _as("intrus", OWNER, "check", "--profile", root)
    assert code == ExitCode.SECRET, err
    assert "Traceback" not in err


@pytest.mark.parametrize("name, secret, command", [
    ("secretaire", SECRETARY, ("users", "list")),
    ("distante", REMOTE, ("export", "patients", "OUT")),
    ("distante", REMOTE, ("export", "directory", "--format", "vcard", "OUT")),
])
def test_a_command_the_role_may_not_run_is_access_denied_and_writes_nothing(
        practice, tmp_path, name, secret, command):
    out = tmp_path / "out.file"
    args = [str(out) if a == "OUT" else a for a in command]
    code, stdout, err = _as(name, secret, *args, "--profile", str(practice["root"]))
    assert code == ExitCode.ACCESS_DENIED == 7, err
    assert "accès refusé" in err.lower()
    assert "Traceback" not in err
    assert not out.exists()


def test_adding_an_account_checks_its_passphrase_and_role(practice):
    root = practice["root"]
    weak = _add(root, "faible", "secretary", "azerty")
    assert weak.returncode == ExitCode.BAD_INPUT
    assert "facile" in weak.stderr
    missing = permanence("users", "add", "--profile", str(root), "--name", "x", "--role",
                         "secretary", passphrase=OWNER)
    assert missing.returncode == ExitCode.BAD_INPUT
    assert "PERMANENCE_NEW_PASSPHRASE" in missing.stderr
    unlinked = _add(root, "dr-x", "practitioner", "Consultations du jeudi soir")
    assert unlinked.returncode == ExitCode.BAD_INPUT
    assert "permanence practitioners" in unlinked.stderr
    by_secretary = permanence(
        "users", "add", "--profile", str(root), "--name", "autre", "--role", "owner",
        "--user", "secretaire", passphrase=SECRETARY,
        env={"PERMANENCE_NEW_PASSPHRASE": "Une autre phrase bien longue"})
    assert by_secretary.returncode == ExitCode.ACCESS_DENIED


def test_the_recovery_key_opens_for_the_owner(practice, tmp_path):
    key = tmp_path / "recovery.txt"
    key.write_text(practice["recovery"] + "\n")
    result = permanence("users", "list", "--profile", str(practice["root"]),
                        "--recovery-key-file", str(key))
    assert result.returncode == 0, result.stderr
    other = permanence("check", "--profile", str(practice["root"]), "--user", "secretaire",
                       "--recovery-key-file", str(key))
    assert other.returncode == ExitCode.SECRET


def test_a_disabled_account_no_longer_opens_and_a_wrong_secret_is_counted(tmp_path):
    root = tmp_path / "cabinet"
    assert permanence("init", "--profile", str(root), "--practice", "Cabinet",
                      passphrase=OWNER).returncode == 0
    assert _add(root, "secretaire", "secretary", SECRETARY).returncode == 0
    code, out, err = _as(None, OWNER, "users", "disable", "secretaire", "--profile", str(root))
    assert code == 0, err
    code, _, err = _as("secretaire", SECRETARY, "check", "--profile", str(root))
    assert code == ExitCode.SECRET, err
    attempts = root / "signin-attempts.json"
    assert attempts.exists()
    assert stat.S_IMODE(attempts.stat().st_mode) == 0o600
    code, out, err = _as(None, OWNER, "users", "list", "--profile", str(root))
    assert "secretaire\tsecretary\t-\tdisabled" in out.splitlines()


PHONE_SYSTEM = "Standard téléphonique, couloir nord"


def test_a_phone_systems_account_records_calls_and_looks_up_numbers_only(practice, tmp_path):
    """The telephony role: call events and number lookup, ids without names, and
    nothing else (the indicators and the call log's export are refused, writing
    nothing)."""
    root = str(practice["root"])
    added = _add(practice["root"], "standard", "telephony", PHONE_SYSTEM)
    assert added.returncode == 0, added.stderr
    code, out, err = _as("standard", PHONE_SYSTEM, "call", "ringing", "--profile", root,
                         "--from", "06 12 34 56 78", "--id", "pbx-1")
    assert code == 0, err
    for event in ("answered", "ended"):
        code, _, err = _as("standard", PHONE_SYSTEM, "call", event, "--profile", root,
                           "--id", "pbx-1")
        assert code == 0, err
    code, out, err = _as("standard", PHONE_SYSTEM, "lookup", "0612345678", "--profile", root,
                         "--format", "json")
    assert code == 0, err
    assert out.strip() == "[]"  # nobody has it here; the format is JSON only
    kpi = tmp_path / "kpi.json"
    for command in (("kpi", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json",
                     str(kpi)),
                    ("export", "calls", "--from", "2026-01-01", "--to", "2026-12-31",
                     str(kpi))):
        code, _, err = _as("standard", PHONE_SYSTEM, *command, "--profile", root)
        assert code == ExitCode.ACCESS_DENIED, err
        assert not kpi.exists()
    code, _, err = _as("standard", PHONE_SYSTEM, "export", "patients", "--profile", root,
                       str(kpi))
    assert code == ExitCode.ACCESS_DENIED, err


def _wraps(root: Path) -> dict:
    import json

    wraps = json.loads((root / "keys.json").read_text())["wraps"]
    return {w.get("name", w["kind"]): w for w in wraps}


def test_a_person_changes_their_own_passphrase_and_only_their_wrap(tmp_path):
    from tests.test_cli import snapshot

    root = tmp_path / "cabinet"
    assert permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                      passphrase=OWNER).returncode == 0
    assert _add(root, "secretaire", "secretary", SECRETARY).returncode == 0
    before = _wraps(root)
    new = "Salle d'attente, lumière du soir"

    def change(secret, new_secret, name="secretaire"):
        user = ("--user", name) if name else ()
        return permanence("users", "passphrase", "--profile", str(root), *user,
                          passphrase=secret, env={"PERMANENCE_NEW_PASSPHRASE": new_secret})

    untouched = snapshot(root)
    wrong = change("pas la bonne", new)
    assert wrong.returncode == ExitCode.SECRET
    weak = change(SECRETARY, "azerty")
    assert weak.returncode == ExitCode.BAD_INPUT and "facile" in weak.stderr
    assert snapshot(root) == untouched  # nothing changed but the attempt counter

    done = change(SECRETARY, new)
    assert done.returncode == 0, done.stderr
    assert "secretaire" in done.stdout
    after = _wraps(root)
    assert after["secretaire"] != before["secretaire"]
    assert {k: v for k, v in after.items() if k != "secretaire"} == {
        k: v for k, v in before.items() if k != "secretaire"}
    listing = ("users", "list", "--profile", str(root))
    assert _as("secretaire", SECRETARY, "practitioners", "--profile", str(root))[0] == ExitCode.SECRET
    assert _as("secretaire", new, "practitioners", "--profile", str(root))[0] == 0
    assert _as(None, OWNER, *listing)[0] == 0  # the owner's own is as it was
    # The owner too, on the owner's wrap alone.
    assert change(OWNER, new, name=None).returncode == 0
    assert _as(None, new, *listing)[0] == 0
    assert _wraps(root)["secretaire"] == after["secretaire"]
    assert _wraps(root)["recovery"] == before["recovery"]


def test_an_emergency_lets_a_command_through_and_the_trail_says_so(practice, tmp_path):
    root = str(practice["root"])
    out = tmp_path / "patients.csv"
    refused = _as("distante", REMOTE, "export", "patients", "--profile", root, str(out))
    assert refused[0] == ExitCode.ACCESS_DENIED and not out.exists()
    too_short = _as("distante", REMOTE, "export", "patients", "--profile", root, str(out),
                    "--emergency", "vite")
    assert too_short[0] == ExitCode.BAD_INPUT and not out.exists()
    done = _as("distante", REMOTE, "export", "patients", "--profile", root, str(out),
               "--emergency", "Patient en détresse, le médecin demande la liste")
    assert done[0] == 0, done[2]
    assert out.exists()
    trail = tmp_path / "trail.csv"
    code, _, err = _as(None, OWNER, "audit", "export", "--profile", root, "--from",
                       "2000-01-01", "--to", "2100-01-01", str(trail))
    assert code == 0, err
    text = trail.read_text(encoding="utf-8-sig")
    assert "break_glass" in text and "détresse" not in text  # the reason stays out
