"""A profile folder: the encrypted database, its key envelope, backups and logs.

Creating, unlocking and opening a profile. Opening never modifies a file it refuses:
the key is checked against the envelope, then the database is examined read-only, and
only a database that passes is opened for writing (after a backup, if it needs an
upgrade).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.clock import Clock
from app.models.ids import uuid7
from app.storage.backup import backup_database
from app.storage.engine import make_engine, open_preflight
from app.storage.errors import (
    CorruptDatabaseError,
    EnvelopeError,
    NewerSchemaError,
    NoPassphraseError,
    ProfileExistsError,
    ProfileNotFoundError,
    WrongSecretError,
)
from app.storage.keychain import Keychain
from app.storage.keys import (
    DEMO_PASSPHRASE,
    MIN_KDF,
    KdfParams,
    KeyEnvelope,
    new_database_key,
    new_keychain_secret,
    new_recovery_key,
)
from app.storage.lock import ProfileLock
from app.storage.migrate import current_revision, head_revision, known_revisions, upgrade_to_head
from app.storage.store import META_NODE_ID, Store

APP_NAME = "Permanence"


@dataclass(frozen=True)
class ProfilePaths:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / "permanence.db"

    @property
    def envelope(self) -> Path:
        return self.root / "keys.json"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def workstation_settings(self) -> Path:
        return self.root / "workstation.json"

    def exists(self) -> bool:
        return self.db.exists() or self.envelope.exists()


def default_profile_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def demo_profile_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "demo"


@dataclass
class CreatedProfile:
    key: bytes
    recovery_key: str
    protected_by_keychain: bool


def create_database(paths: ProfilePaths, *, passphrase: str | None, keychain: Keychain | None,
                    kdf: KdfParams, clock: Clock, demo: bool = False) -> CreatedProfile:
    """A new empty, migrated, encrypted database and its key envelope.

    At least one of ``passphrase`` and ``keychain`` must be given; the recovery key is
    always added and returned so the caller can show it once. ``demo`` marks the envelope
    as a demo practice's: only such a profile may use the documented demo passphrase.
    The passphrase's strength is the caller's to check (app.services.passphrase_policy).
    """
    if passphrase is None and keychain is None:
        raise ValueError("a profile needs a passphrase or a keychain")
    if passphrase == DEMO_PASSPHRASE and not demo:
        raise ValueError("the demo passphrase is for demo practices only")
    if paths.exists():
        raise ProfileExistsError(str(paths.root))
    paths.root.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(paths.root, 0o700)

    key = new_database_key()
    envelope = KeyEnvelope.new(paths.envelope, demo=demo)
    if keychain is not None:
        secret = new_keychain_secret()
        keychain.store(envelope.envelope_id, secret)  # raises KeychainError, read back
        envelope.wrap_with_keychain_secret(key, secret)
    if passphrase is not None:
        envelope.wrap_with_passphrase(key, passphrase, kdf)
    recovery = new_recovery_key()
    envelope.wrap_with_recovery_key(key, recovery)

    try:
        engine = make_engine(paths.db, key)  # its first connection creates the file
        try:
            upgrade_to_head(engine)
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO local_meta (key, value) VALUES (?, ?)", (META_NODE_ID, uuid7())
                )
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        envelope.save()
    except BaseException:
        for p in (paths.db, Path(f"{paths.db}-wal"), Path(f"{paths.db}-shm"), paths.envelope):
            p.unlink(missing_ok=True)
        if keychain is not None:
            keychain.delete(envelope.envelope_id)
        raise
    return CreatedProfile(key, recovery, keychain is not None)


def load_envelope(paths: ProfilePaths) -> KeyEnvelope:
    if not paths.db.exists():
        raise ProfileNotFoundError(str(paths.root))
    return KeyEnvelope.load(paths.envelope)


def unlock_key(paths: ProfilePaths, *, passphrase: str | None = None,
               recovery_key: str | None = None, keychain: Keychain | None = None,
               kdf_floor: KdfParams = MIN_KDF) -> bytes:
    """The database key, from the first secret given that the envelope accepts.

    ``kdf_floor``: the least Argon2 cost accepted from the file; production keeps the
    default, tests that created the profile with a cheaper cost pass theirs.
    """
    envelope = load_envelope(paths)
    if recovery_key is not None:
        return envelope.unwrap_with_recovery_key(recovery_key)
    if passphrase is not None:
        return envelope.unwrap_with_passphrase(passphrase, kdf_floor=kdf_floor)
    if keychain is not None and envelope.has_keychain:
        secret = keychain.load(envelope.envelope_id)
        if secret is not None:
            return envelope.unwrap_with_keychain_secret(secret)
    raise NoPassphraseError()


def try_keychain_unlock(paths: ProfilePaths, keychain: Keychain) -> bytes | None:
    """The key from the keychain, silently; None when the keychain cannot give it."""
    try:
        envelope = load_envelope(paths)
    except (ProfileNotFoundError, EnvelopeError):
        return None
    if not envelope.has_keychain:
        return None
    secret = keychain.load(envelope.envelope_id)
    if secret is None:
        return None
    try:
        return envelope.unwrap_with_keychain_secret(secret)
    except Exception:  # noqa: BLE001 - a stale keychain entry: fall back to the prompt
        return None


def try_demo_unlock(paths: ProfilePaths) -> bytes | None:
    """The key of a profile marked as a demo, from the documented demo passphrase; None
    for any other profile (whatever its passphrase) or when that passphrase was changed."""
    try:
        envelope = load_envelope(paths)
    except (ProfileNotFoundError, EnvelopeError):
        return None
    if not envelope.is_demo or not envelope.has_passphrase:
        return None
    try:
        return envelope.unwrap_with_passphrase(DEMO_PASSPHRASE)
    except (WrongSecretError, EnvelopeError):
        return None


def restore_keychain_entry(paths: ProfilePaths, key: bytes, keychain: Keychain) -> bool:
    """After a recovery-key unlock on a keychain profile whose entry was lost: put a
    fresh secret in the keychain so the next start is silent again. False when the
    profile does not use the keychain or the keychain cannot be used."""
    envelope = load_envelope(paths)
    if not envelope.has_keychain or keychain.unusable_reason():
        return False
    secret = new_keychain_secret()
    keychain.store(envelope.envelope_id, secret)
    envelope.wrap_with_keychain_secret(key, secret)
    envelope.save()
    return True


class OpenProfile:
    """A profile held open: the instance lock and the store. ``close()`` releases both."""

    def __init__(self, paths: ProfilePaths, store: Store, lock: ProfileLock) -> None:
        self.paths = paths
        self.store = store
        self._lock = lock
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.store.close()
        finally:
            self._lock.release()

    def __enter__(self) -> OpenProfile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_profile(paths: ProfilePaths, key: bytes, *, clock: Clock) -> OpenProfile:
    lock = ProfileLock(paths.root)
    lock.acquire()
    try:
        store = _open_store(paths, key, clock=clock)
    except BaseException:
        lock.release()
        raise
    return OpenProfile(paths, store, lock)


def _open_store(paths: ProfilePaths, key: bytes, *, clock: Clock) -> Store:
    preflight = open_preflight(paths.db, key)
    try:
        try:
            revision = current_revision(preflight)
        except Exception as exc:  # noqa: BLE001 - any read failure here means damage
            raise CorruptDatabaseError(str(exc)) from exc
        if revision is None:
            raise CorruptDatabaseError("no schema version")
        if revision not in known_revisions():
            raise NewerSchemaError(revision)
        needs_upgrade = revision != head_revision()
        if needs_upgrade:
            backup_database(preflight, paths.backups, paths.envelope, reason="before-upgrade",
                            now=clock.now())
    finally:
        preflight.close()
    engine = make_engine(paths.db, key)
    try:
        if needs_upgrade:
            upgrade_to_head(engine)
        return Store(engine, path=paths.db, clock=clock)
    except BaseException:
        engine.dispose()
        raise
