"""Keys that change, on real files: the practice's passphrase and recovery key are
rewrapped (the old ones stop working), and a rekey re-encrypts the database under a
new key, atomically: stopped before or after its point of no return, the profile opens
in the old state or the new one, with its audit trail whole."""

from __future__ import annotations

import json

import pytest
import sqlcipher3
from sqlalchemy import select

from app.models import AuditEntry, Patient
from app.services.access import AccessDenied
from app.services.patients import PatientInput
from app.services.practice_keys import rekey_practice
from app.services.workspace import open_workspace
from app.storage.engine import connect_raw
from app.storage.errors import WrongSecretError
from app.storage.keys import KeyEnvelope
from app.storage.profile import finish_interrupted, unlock_key
from app.storage.rekey import MARKER
from app.storage.signin import sign_in
from tests.conftest import FAST_KDF, PASSPHRASE, assert_french

NEW = "Une toute nouvelle phrase de passe"


def _names(paths, key, clock) -> list[str]:
    ws = open_workspace(paths, key, clock=clock)
    try:
        with ws.store.reader() as s:
            return sorted(s.execute(select(Patient.birth_name)).scalars())
    finally:
        ws.close()


@pytest.fixture
def practice(new_practice):
    ws = new_practice.workspace
    ws.kdf = FAST_KDF
    ws.patients.create(PatientInput(birth_name="Roux", first_names="Marc"))
    ws.patients.create(PatientInput(birth_name="Lefèvre", first_names="Jeanne"))
    return new_practice


def test_the_practice_passphrase_changes_and_the_old_one_stops_working(practice, clock):
    ws = practice.workspace
    with pytest.raises(WrongSecretError):
        ws.practice_keys.change_practice_passphrase("pas la bonne", NEW)
    with pytest.raises(Exception) as weak:
        ws.practice_keys.change_practice_passphrase(PASSPHRASE, "abc")
    assert weak.value.code == "invalid"
    ws.practice_keys.change_practice_passphrase(PASSPHRASE, NEW)
    paths = ws.paths
    with ws.store.reader() as s:
        assert s.execute(select(AuditEntry.detail).where(AuditEntry.action == "key_change")
                         ).scalars().all() == ["passphrase"]
    ws.close()
    with pytest.raises(WrongSecretError):
        unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)
    key = unlock_key(paths, passphrase=NEW, kdf_floor=FAST_KDF)
    assert _names(paths, key, clock) == ["Lefèvre", "Roux"]


def test_a_new_recovery_key_replaces_the_old_one(practice):
    ws = practice.workspace
    old = practice.recovery_key
    new = ws.practice_keys.regenerate_recovery_key()
    assert new != old
    paths = ws.paths
    ws.close()
    with pytest.raises(WrongSecretError):
        unlock_key(paths, recovery_key=old)
    assert unlock_key(paths, recovery_key=new) == unlock_key(paths, passphrase=PASSPHRASE,
                                                             kdf_floor=FAST_KDF)


def test_only_the_owner_changes_the_practice_keys(practice, clock):
    ws = practice.workspace
    ws.accounts.add("secretaire", "secretary", "Bureau du matin secret")
    paths = ws.paths
    ws.close()
    signed = sign_in(paths, clock=clock, name="secretaire", passphrase="Bureau du matin secret",
                     kdf_floor=FAST_KDF)
    other = open_workspace(paths, signed.key, clock=clock, signed_in=signed)
    try:
        other.kdf = FAST_KDF
        with pytest.raises(AccessDenied):
            other.practice_keys.regenerate_recovery_key()
        with pytest.raises(AccessDenied):
            other.practice_keys.change_practice_passphrase("Bureau du matin secret", NEW)
    finally:
        other.close()
    with pytest.raises(AccessDenied):
        rekey_practice(paths, signed.key, passphrase="Bureau du matin secret", clock=clock,
                       keychain=None, kdf=FAST_KDF)
    assert unlock_key(paths, recovery_key=practice.recovery_key)  # untouched


def test_a_rekey_re_encrypts_under_a_new_key_and_the_old_one_opens_nothing(practice, clock):
    ws = practice.workspace
    ws.accounts.add("secretaire", "secretary", "Bureau du matin secret")
    paths, old_key = ws.paths, ws.profile.key
    old_envelope = paths.envelope.read_bytes()
    ws.close()

    done = rekey_practice(paths, old_key, passphrase=PASSPHRASE, clock=clock, keychain=None,
                          kdf=FAST_KDF)

    new_key = unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)
    assert new_key != old_key
    assert unlock_key(paths, recovery_key=done.recovery_key) == new_key
    with pytest.raises(WrongSecretError):
        unlock_key(paths, recovery_key=practice.recovery_key)
    with pytest.raises(sqlcipher3.DatabaseError):
        connect_raw(paths.db, old_key)
    # The envelope of before (kept with the backup) opens the old key only.
    assert KeyEnvelope(paths.envelope, json.loads(old_envelope)
                       ).unwrap_with_passphrase(PASSPHRASE, kdf_floor=FAST_KDF) == old_key
    assert done.accounts_dropped == ("secretaire",)
    assert done.backup.exists() and done.backup.with_suffix(".keys.json").exists()
    conn = connect_raw(done.backup, old_key)  # the backup opens with the old key
    conn.close()
    assert _names(paths, new_key, clock) == ["Lefèvre", "Roux"]
    ws = open_workspace(paths, new_key, clock=clock)
    try:
        assert ws.audit_trail.verify().ok, ws.audit_trail.verify()
        assert [r.action for r in ws.audit_trail.entries()][:1] == ["rekey"]
    finally:
        ws.close()


@pytest.mark.parametrize("stop, opens_with", [("copied", "old"), ("marked", "new")])
def test_a_rekey_stopped_part_way_leaves_the_old_or_the_new_state(practice, clock, stop,
                                                                  opens_with):
    ws = practice.workspace
    paths, old_key = ws.paths, ws.profile.key
    ws.close()
    with pytest.raises(KeyboardInterrupt):
        rekey_practice(paths, old_key, passphrase=PASSPHRASE, clock=clock, keychain=None,
                       kdf=FAST_KDF, crash_at=stop)
    assert (paths.root / MARKER).exists() == (stop == "marked")
    finish_interrupted(paths)  # what the next start does
    assert not (paths.root / MARKER).exists()
    assert not [p.name for p in paths.root.iterdir() if p.name.endswith(".rekey")]
    key = unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)
    assert (key == old_key) == (opens_with == "old")
    assert _names(paths, key, clock) == ["Lefèvre", "Roux"]
    ws = open_workspace(paths, key, clock=clock)
    try:
        assert ws.audit_trail.verify().ok
    finally:
        ws.close()


def test_the_passphrase_is_needed_to_rekey(practice, clock):
    ws = practice.workspace
    paths, key = ws.paths, ws.profile.key
    ws.close()
    with pytest.raises(Exception) as refused:
        rekey_practice(paths, key, passphrase=None, clock=clock, keychain=None, kdf=FAST_KDF)
    assert_french(lambda: refused.value.user_message, "phrase de passe")
    assert unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF) == key


def test_after_a_rekey_the_owner_gives_a_dropped_account_a_new_passphrase(practice, clock):
    ws = practice.workspace
    ws.accounts.add("secretaire", "secretary", "Bureau du matin secret")
    paths, key = ws.paths, ws.profile.key
    ws.close()
    rekey_practice(paths, key, passphrase=PASSPHRASE, clock=clock, keychain=None,
                   kdf=FAST_KDF)
    with pytest.raises(WrongSecretError):
        sign_in(paths, clock=clock, name="secretaire", passphrase="Bureau du matin secret",
                kdf_floor=FAST_KDF)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF),
                        clock=clock)
    ws.kdf = FAST_KDF
    try:
        with pytest.raises(Exception) as unknown:
            ws.practice_keys.reset_account_passphrase("personne", "Une autre phrase de passe")
        assert_french(lambda: unknown.value.user_message, "aucun compte")
        ws.practice_keys.reset_account_passphrase("secretaire", "Le bureau du soir secret")
    finally:
        ws.close()
    signed = sign_in(paths, clock=clock, name="secretaire",
                     passphrase="Le bureau du soir secret", kdf_floor=FAST_KDF)
    assert signed.name == "secretaire"


def test_a_start_elsewhere_leaves_a_running_rekey_alone(practice, clock):
    """``finish_interrupted`` in another process while a rekey holds the profile: its
    files are not touched (here: the profile held, files of a rekey in progress)."""
    from app.storage.lock import ProfileLock

    ws = practice.workspace
    paths = ws.paths
    ws.close()
    pending = paths.root / (paths.db.name + ".rekey")
    pending.write_bytes(b"copy in progress")
    with ProfileLock(paths.root):
        finish_interrupted(paths)
        assert pending.exists()
    finish_interrupted(paths)  # nobody holds it: a leftover, removed
    assert not pending.exists()
