"""The keychain path, with a real encrypted-file keyring backend (keyrings.cryptfile).

keyrings.cryptfile and keyrings.alt are test-only dependencies.
"""

from __future__ import annotations

import base64
import os

import pytest
from keyring.backends import fail, null
from keyring.errors import PasswordSetError

from app.services.patients import PatientInput
from app.services.workspace import open_workspace
from app.storage.errors import EnvelopeError, KeychainError, NoPassphraseError, WrongSecretError
from app.storage.keychain import SERVICE, Keychain
from app.storage.keys import KeyEnvelope
from app.storage.profile import (
    ProfilePaths,
    create_database,
    restore_keychain_entry,
    try_keychain_unlock,
    unlock_key,
)
from tests.conftest import FAST_KDF

cryptfile = pytest.importorskip("keyrings.cryptfile.cryptfile")
alt_file = pytest.importorskip("keyrings.alt.file")


def _cryptfile_backend(path, cls=None):
    backend = (cls or cryptfile.CryptFileKeyring)()
    backend.file_path = str(path)
    # The file's own Argon2 cost, lowered for test speed (default: 15 passes, 64 MiB).
    backend.time_cost, backend.memory_cost, backend.parallelism = 1, 8 * 1024, 1
    backend.keyring_key = "keyring file password"
    return backend


@pytest.fixture
def keyring_file(tmp_path):
    return tmp_path / "keyring" / "cryptfile.cfg"


@pytest.fixture
def keychain(keyring_file) -> Keychain:
    keyring_file.parent.mkdir()
    return Keychain(_cryptfile_backend(keyring_file))


def test_encrypted_file_backend_is_accepted(keychain):
    assert keychain.unusable_reason() is None


def test_store_and_load_round_trip(keychain, keyring_file):
    secret = os.urandom(32)
    keychain.store("envelope-1", secret)
    assert keychain.load("envelope-1") == secret
    assert keychain.load("envelope-2") is None
    # A fresh backend object on the same file (a later start) reads it back too...
    again = Keychain(_cryptfile_backend(keyring_file))
    assert again.load("envelope-1") == secret
    # ...and the file holds it encrypted only.
    raw = keyring_file.read_bytes()
    assert base64.b64encode(secret) not in raw and secret.hex().encode() not in raw
    assert SERVICE.encode() in raw  # it is the right file: the service name is visible


def test_delete(keychain):
    keychain.store("envelope-1", b"s" * 32)
    keychain.delete("envelope-1")
    assert keychain.load("envelope-1") is None
    keychain.delete("never-stored")  # no error


def test_a_backend_that_returns_something_else_is_refused(keyring_file):
    class Forgetful(cryptfile.CryptFileKeyring):
        def get_password(self, service, username):
            value = super().get_password(service, username)
            return None if value is None else value[:-4] + "AAA="

    keyring_file.parent.mkdir()
    keychain = Keychain(_cryptfile_backend(keyring_file, Forgetful))
    with pytest.raises(KeychainError):
        keychain.store("envelope-1", os.urandom(32))


def test_a_backend_that_fails_to_write_is_refused(keyring_file):
    class ReadOnly(cryptfile.CryptFileKeyring):
        def set_password(self, service, username, password):
            if service == SERVICE:
                raise PasswordSetError("locked")
            super().set_password(service, username, password)

    keyring_file.parent.mkdir()
    with pytest.raises(KeychainError):
        Keychain(_cryptfile_backend(keyring_file, ReadOnly)).store("e", os.urandom(32))


@pytest.mark.parametrize("backend", [
    pytest.param(lambda tmp: fail.Keyring(), id="fail"),
    pytest.param(lambda tmp: null.Keyring(), id="null"),
    pytest.param(lambda tmp: _plaintext(tmp), id="keyrings.alt-plaintext"),
])
def test_unsafe_backends_are_refused(tmp_path, backend):
    keychain = Keychain(backend(tmp_path))
    assert keychain.unusable_reason()
    with pytest.raises(KeychainError):
        keychain.store("envelope-1", os.urandom(32))
    assert keychain.load("envelope-1") is None
    assert not list(tmp_path.rglob("*.cfg"))  # nothing was written in clear


def _plaintext(tmp_path):
    backend = alt_file.PlaintextKeyring()
    backend.file_path = str(tmp_path / "plaintext.cfg")
    return backend


def test_creating_with_an_unsafe_keychain_leaves_nothing(tmp_path, clock, fast_kdf,
                                                        french_message):
    paths = ProfilePaths(tmp_path / "profile")
    with pytest.raises(KeychainError) as info:
        create_database(paths, passphrase=None, keychain=Keychain(_plaintext(tmp_path)),
                        kdf=fast_kdf, clock=clock)
    assert not paths.exists()
    assert not (tmp_path / "plaintext.cfg").exists()
    french_message(lambda: info.value.user_message, "trousseau", "phrase de passe")


def test_keychain_only_profile_unlocks_from_the_keychain(keychain, tmp_path, clock, fast_kdf):
    paths = ProfilePaths(tmp_path / "profile")
    created = create_database(paths, passphrase=None, keychain=keychain, kdf=fast_kdf,
                              clock=clock)
    assert created.protected_by_keychain
    envelope = KeyEnvelope.load(paths.envelope)
    assert envelope.kinds() == {"keychain", "recovery"}  # no passphrase wrap
    assert unlock_key(paths, keychain=keychain) == created.key
    assert try_keychain_unlock(paths, keychain) == created.key
    with pytest.raises(NoPassphraseError):
        unlock_key(paths)  # no secret given at all


def test_losing_the_keychain_entry_never_reinitialises(practice_factory, keychain, clock,
                                                      profile_snapshot):
    made = practice_factory("kc", passphrase=None, keychain=keychain)
    ws = made.workspace
    paths, node_id = ws.paths, ws.store.node_id
    patient = ws.patients.create(PatientInput(birth_name="Keller", first_names="Anna"))
    ws.close()
    envelope_id = KeyEnvelope.load(paths.envelope).envelope_id

    keychain.delete(envelope_id)
    before = profile_snapshot(paths.root)
    assert try_keychain_unlock(paths, keychain) is None
    with pytest.raises(NoPassphraseError):
        unlock_key(paths, keychain=keychain)
    assert profile_snapshot(paths.root) == before  # nothing re-created or re-keyed

    # The recovery key opens the same database, data intact.
    key = unlock_key(paths, recovery_key=made.recovery_key)
    ws = open_workspace(paths, key, clock=clock)
    try:
        assert ws.store.node_id == node_id
        assert ws.patients.get(patient.id).birth_name == "Keller"
    finally:
        ws.close()

    # Putting a fresh entry back makes the next start silent again.
    assert restore_keychain_entry(paths, key, keychain)
    assert unlock_key(paths, keychain=keychain) == key
    assert unlock_key(paths, recovery_key=made.recovery_key) == key


def test_a_stale_keychain_entry_is_a_wrong_secret(practice_factory, keychain):
    made = practice_factory("kc", passphrase=None, keychain=keychain)
    paths = made.workspace.paths
    made.workspace.close()
    envelope_id = KeyEnvelope.load(paths.envelope).envelope_id
    keychain.store(envelope_id, os.urandom(32))  # someone else's secret under our name
    assert try_keychain_unlock(paths, keychain) is None
    with pytest.raises(WrongSecretError):
        unlock_key(paths, keychain=keychain)


def test_restore_is_refused_on_an_unsafe_keychain(practice_factory, tmp_path, passphrase):
    made = practice_factory()
    paths = made.workspace.paths
    made.workspace.close()
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    # A passphrase-only profile does not use the keychain at all.
    assert not restore_keychain_entry(paths, key, Keychain(_plaintext(tmp_path)))
    assert KeyEnvelope.load(paths.envelope).kinds() == {"passphrase", "recovery"}


def test_the_owner_moves_from_passphrase_to_keychain_and_back(practice_factory, keychain,
                                                             clock):
    from app.services.practice_keys import rekey_practice
    from tests.conftest import PASSPHRASE

    ws = practice_factory().workspace
    ws.kdf = FAST_KDF
    paths, key = ws.paths, ws.profile.key
    ws.practice_keys.move_to_keychain(keychain)
    assert not KeyEnvelope.load(paths.envelope).has_passphrase
    with pytest.raises(EnvelopeError):  # no passphrase wrap any more
        unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)
    assert unlock_key(paths, keychain=keychain) == key
    ws.close()

    # A rekey rewraps under the keychain's secret too.
    done = rekey_practice(paths, key, passphrase=None, clock=clock, keychain=keychain,
                          kdf=FAST_KDF)
    new_key = unlock_key(paths, keychain=keychain)
    assert new_key != key and unlock_key(paths, recovery_key=done.recovery_key) == new_key

    ws = open_workspace(paths, new_key, clock=clock, keychain=keychain)
    ws.kdf = FAST_KDF
    try:
        ws.practice_keys.move_to_passphrase("Une toute nouvelle phrase de passe", keychain)
        assert ws.audit_trail.verify().ok
    finally:
        ws.close()
    envelope = KeyEnvelope.load(paths.envelope)
    assert envelope.kinds() == {"passphrase", "recovery"}
    assert keychain.load(envelope.envelope_id) is None
    assert unlock_key(paths, passphrase="Une toute nouvelle phrase de passe",
                      kdf_floor=FAST_KDF) == new_key


def test_leaving_the_keychain_keeps_a_passphrase_the_practice_already_has(
        practice_factory, keychain):
    from app.services.practice_keys import NewPassphraseNeeded

    ws = practice_factory().workspace
    ws.kdf = FAST_KDF
    paths, key = ws.paths, ws.profile.key
    try:
        assert ws.practice_keys.move_to_keychain(keychain)
        assert not ws.practice_keys.move_to_keychain(keychain)  # already: nothing changed
        # No passphrase left: leaving the keychain without a new one is refused.
        before = paths.envelope.read_bytes()
        with pytest.raises(NewPassphraseNeeded):
            ws.practice_keys.move_to_passphrase(None, keychain)
        assert paths.envelope.read_bytes() == before
        # With a passphrase beside the keychain, that one is kept.
        ws.practice_keys.change_practice_passphrase(None, "Une toute nouvelle phrase de passe")
        assert KeyEnvelope.load(paths.envelope).kinds() == {"keychain", "passphrase", "recovery"}
        assert ws.practice_keys.move_to_passphrase(None, keychain)
        assert KeyEnvelope.load(paths.envelope).kinds() == {"passphrase", "recovery"}
        assert keychain.load(KeyEnvelope.load(paths.envelope).envelope_id) is None
        assert unlock_key(paths, passphrase="Une toute nouvelle phrase de passe",
                          kdf_floor=FAST_KDF) == key
        assert not ws.practice_keys.move_to_passphrase(None, keychain)  # nothing to leave
        assert ws.audit_trail.verify().ok
    finally:
        ws.close()
