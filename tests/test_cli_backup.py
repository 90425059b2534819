"""``permanence backup``, ``backup verify`` and ``restore`` run as a user would: real
subprocesses on a real demo profile, with their documented exit codes."""

from __future__ import annotations

import pytest

from tests.test_cli import permanence, snapshot

PASS = "une phrase de passe"


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-backup") / "cabinet"
    result = permanence("demo", "--profile", str(root), passphrase=PASS)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def backup(profile, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-backup-out")
    result = permanence("backup", "--profile", str(profile), str(out), passphrase=PASS)
    assert result.returncode == 0, result.stderr
    [path] = result.stdout.splitlines()  # the path, alone
    assert path.startswith(str(out)) and path.endswith(".permanence-backup")
    return path


def test_verify_without_then_with_the_passphrase(backup):
    plain = permanence("backup", "verify", backup)
    assert plain.returncode == 0, plain.stderr
    keyed = permanence("backup", "verify", backup, passphrase=PASS)
    assert keyed.returncode == 0, keyed.stderr
    assert keyed.stdout.count("\n") == plain.stdout.count("\n") + 1
    wrong = permanence("backup", "verify", backup, passphrase="pas la bonne phrase")
    assert wrong.returncode == 3


def test_a_flipped_byte_fails_verify_with_the_reason(backup, tmp_path):
    data = bytearray(open(backup, "rb").read())
    data[len(data) // 3] ^= 0x04
    flipped = tmp_path / "flipped.permanence-backup"
    flipped.write_bytes(bytes(data))
    result = permanence("backup", "verify", str(flipped))
    assert result.returncode == 6
    assert str(flipped) in result.stderr and "Traceback" not in result.stderr


def test_restore_then_check_passes(backup, tmp_path):
    target = tmp_path / "nouveau"
    result = permanence("restore", "--profile", str(target), backup, passphrase=PASS)
    assert result.returncode == 0, result.stderr
    check = permanence("check", "--profile", str(target), passphrase=PASS)
    assert check.returncode == 0, check.stdout + check.stderr


def test_restore_refuses_an_existing_profile_and_a_wrong_secret(profile, backup, tmp_path):
    before = snapshot(profile)
    result = permanence("restore", "--profile", str(profile), backup, passphrase=PASS)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert snapshot(profile) == before
    wrong = permanence("restore", "--profile", str(tmp_path / "autre"), backup,
                       passphrase="pas la bonne phrase")
    assert wrong.returncode == 3
    assert list(tmp_path.iterdir()) == []


def test_backup_into_the_profile_folder_is_refused(profile):
    (profile / "copies").mkdir(exist_ok=True)
    result = permanence("backup", "--profile", str(profile), str(profile / "copies"),
                        passphrase=PASS)
    assert result.returncode == 2 and result.stdout == ""
    assert list((profile / "copies").iterdir()) == []


def test_verify_usage(tmp_path):
    result = permanence("backup", "verify")
    assert result.returncode == 2
    missing = permanence("backup", "verify", str(tmp_path / "absent.permanence-backup"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
