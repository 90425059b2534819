"""``permanence keychain enable|disable`` as a user runs them: real subprocesses on a
real profile, with a real keychain (an encrypted-file keyring, keyrings.cryptfile, a
test-only dependency) or with none at all (keyring's own "fail" backend)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.storage.errors import EnvelopeError
from app.storage.keys import KeyEnvelope
from app.storage.profile import ProfilePaths, unlock_key
from tests.test_cli import ROOT, permanence

pytest.importorskip("keyrings.cryptfile.cryptfile")

PASS = "une phrase de passe"
NEW = "Une toute nouvelle phrase de passe"

# The command line, with keyring's backend set to an encrypted file beside the test
# (keyring reads no password from the environment for it, so it is set here).
WITH_KEYRING = """
import sys
import keyring
from keyrings.cryptfile.cryptfile import CryptFileKeyring
backend = CryptFileKeyring()
backend.file_path = sys.argv.pop(1)
backend.time_cost, backend.memory_cost, backend.parallelism = 1, 8 * 1024, 1
backend.keyring_key = "keyring file password"
keyring.set_keyring(backend)
from app.cli import main
sys.exit(main())
"""


def with_keyring(keyring_file, *args: str, passphrase: str | None = None,
                 env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PERMANENCE_")}
    full_env.update(env or {})
    if passphrase is not None:
        full_env["PERMANENCE_PASSPHRASE"] = passphrase
    return subprocess.run([sys.executable, "-c", WITH_KEYRING, str(keyring_file), *args],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def profile(tmp_path):
    root = tmp_path / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                        passphrase=PASS)
    assert result.returncode == 0, result.stderr
    return root


def _actions(profile, keyring_file) -> list[str]:
    audit = with_keyring(keyring_file, "audit", "export", "--profile", str(profile),
                         "--from", "2000-01-01", "--to", "2100-01-01",
                         str(profile.parent / "trail.csv"), passphrase=NEW)
    assert audit.returncode == 0, audit.stderr
    rows = (profile.parent / "trail.csv").read_text(encoding="utf-8-sig").splitlines()
    return [row.split(";")[7] for row in rows[1:] if ";key_change;" in row]


def test_the_owner_moves_to_the_keychain_and_back(profile, tmp_path):
    keyring_file = tmp_path / "keyring" / "cryptfile.cfg"
    keyring_file.parent.mkdir()
    paths = ProfilePaths(profile)

    wrong = with_keyring(keyring_file, "keychain", "enable", "--profile", str(profile),
                         passphrase="pas la bonne")
    assert wrong.returncode == 3, wrong.stderr
    assert KeyEnvelope.load(paths.envelope).kinds() == {"passphrase", "recovery"}

    enabled = with_keyring(keyring_file, "keychain", "enable", "--profile", str(profile),
                           passphrase=PASS)
    assert enabled.returncode == 0, enabled.stderr
    assert "trousseau" in enabled.stdout
    assert KeyEnvelope.load(paths.envelope).kinds() == {"keychain", "recovery"}
    with pytest.raises(EnvelopeError):  # the passphrase no longer opens it
        unlock_key(paths, passphrase=PASS)
    # Opened by the keychain alone, with no secret given.
    check = with_keyring(keyring_file, "check", "--profile", str(profile))
    assert check.returncode == 0, check.stdout + check.stderr
    again = with_keyring(keyring_file, "keychain", "enable", "--profile", str(profile))
    assert again.returncode == 0 and "rien n'a été modifié" in again.stdout

    # Leaving it needs a new passphrase: the owner is never left with the recovery key alone.
    refused = with_keyring(keyring_file, "keychain", "disable", "--profile", str(profile))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "PERMANENCE_NEW_PASSPHRASE" in refused.stderr
    assert KeyEnvelope.load(paths.envelope).kinds() == {"keychain", "recovery"}
    weak = with_keyring(keyring_file, "keychain", "disable", "--profile", str(profile),
                        env={"PERMANENCE_NEW_PASSPHRASE": "court"})
    assert weak.returncode == 2
    assert KeyEnvelope.load(paths.envelope).kinds() == {"keychain", "recovery"}

    disabled = with_keyring(keyring_file, "keychain", "disable", "--profile", str(profile),
                            env={"PERMANENCE_NEW_PASSPHRASE": NEW})
    assert disabled.returncode == 0, disabled.stderr
    assert KeyEnvelope.load(paths.envelope).kinds() == {"passphrase", "recovery"}
    assert unlock_key(paths, passphrase=NEW)
    # The keychain's secret went with it: no secret given, nothing opens the practice.
    assert with_keyring(keyring_file, "check", "--profile", str(profile)).returncode == 3
    done = with_keyring(keyring_file, "keychain", "disable", "--profile", str(profile),
                        passphrase=NEW)
    assert done.returncode == 0 and "rien n'a été modifié" in done.stdout
    assert _actions(profile, keyring_file) == ["to_keychain", "to_passphrase"]


def test_enabling_without_a_keychain_says_so_and_changes_nothing(profile):
    paths = ProfilePaths(profile)
    before = paths.envelope.read_bytes()
    result = permanence("keychain", "enable", "--profile", str(profile), passphrase=PASS,
                        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "aucun trousseau" in result.stderr and "Traceback" not in result.stderr
    assert paths.envelope.read_bytes() == before


def test_only_the_owner_changes_how_the_practice_opens(profile):
    added = permanence("users", "add", "--profile", str(profile), "--name", "claire",
                       "--role", "secretary", passphrase=PASS,
                       env={"PERMANENCE_NEW_PASSPHRASE": NEW})
    assert added.returncode == 0, added.stderr
    paths = ProfilePaths(profile)
    before = paths.envelope.read_bytes()
    result = permanence("keychain", "enable", "--profile", str(profile), "--user", "claire",
                        passphrase=NEW,
                        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.returncode == 7, result.stdout + result.stderr
    assert paths.envelope.read_bytes() == before
