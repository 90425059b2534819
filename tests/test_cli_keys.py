"""``permanence passphrase change``, ``recovery-key regenerate`` and ``rekey`` as a
user runs them: real subprocesses on a real profile."""

from __future__ import annotations

import pytest

from app.storage.profile import ProfilePaths, unlock_key
from tests.test_cli import permanence

PASS = "une phrase de passe"
NEW = "Une toute nouvelle phrase de passe"


@pytest.fixture
def profile(tmp_path):
    root = tmp_path / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                        passphrase=PASS)
    assert result.returncode == 0, result.stderr
    return root


def test_the_passphrase_changes_from_the_environment(profile):
    missing = permanence("passphrase", "change", "--profile", str(profile), passphrase=PASS)
    assert missing.returncode == 2 and "PERMANENCE_NEW_PASSPHRASE" in missing.stderr
    wrong = permanence("passphrase", "change", "--profile", str(profile), passphrase="non",
                       env={"PERMANENCE_NEW_PASSPHRASE": NEW})
    assert wrong.returncode == 3
    done = permanence("passphrase", "change", "--profile", str(profile), passphrase=PASS,
                      env={"PERMANENCE_NEW_PASSPHRASE": NEW})
    assert done.returncode == 0, done.stderr
    assert "changée" in done.stdout
    check = permanence("check", "--profile", str(profile), passphrase=NEW)
    assert check.returncode == 0, check.stdout + check.stderr
    assert permanence("check", "--profile", str(profile), passphrase=PASS).returncode == 3


def test_a_new_recovery_key_is_printed_once_and_rekey_gives_another(profile, tmp_path):
    result = permanence("recovery-key", "regenerate", "--profile", str(profile),
                        passphrase=PASS)
    assert result.returncode == 0, result.stderr
    first = result.stdout.strip()
    assert len(first.splitlines()) == 1 and "une seule fois" in result.stderr
    paths = ProfilePaths(profile)
    old_key = unlock_key(paths, recovery_key=first)

    rekeyed = permanence("rekey", "--profile", str(profile), passphrase=PASS)
    assert rekeyed.returncode == 0, rekeyed.stderr
    second = rekeyed.stdout.strip()
    assert second != first and "rechiffré" in rekeyed.stderr
    new_key = unlock_key(paths, recovery_key=second)
    assert new_key != old_key
    assert unlock_key(paths, passphrase=PASS) == new_key
    audit = permanence("audit", "verify", "--profile", str(profile), passphrase=PASS)
    assert audit.returncode == 0, audit.stdout + audit.stderr
