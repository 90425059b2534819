"""A profile folder: the encrypted database, its key envelope, backups and logs.

Creating, unlocking and opening a profile. Opening never modifies a file it refuses:
the key is checked against the envelope, then the database is examined read-only, and
only a database that passes is opened for writing (after a backup, if it needs an
upgrade; a failed upgrade is rolled back).

A new profile is built in a hidden sibling folder and moved into place only once its
recovery key has been shown (``ProfileBuild``): a profile folder holds a whole
profile or none, whenever the process is killed. Every file is owner-only.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.clock import Clock
from app.i18n import _
from app.models.ids import uuid7
from app.storage import checkpoints, leftovers, locations, trail_retention
from app.storage.backup import backup_before_upgrade
from app.storage.engine import make_engine, open_preflight
from app.storage.errors import (
    CorruptDatabaseError,
    EnvelopeError,
    MigrationError,
    NewerSchemaError,
    NotAFileError,
    NoPassphraseError,
    ProfileExistsError,
    ProfileNotFoundError,
    StorageError,
    WrongSecretError,
    write_failure,
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
from app.storage.lock import LOCK_FILE, ProfileLock
from app.storage.node_keys import insert_identity
from app.storage.migrate import current_revision, head_revision, known_revisions, upgrade_to_head
from app.storage.private import exposed, make_private_dirs, restrict, touch_private, write_private
from app.storage.rekey import finish_rekey
from app.storage.store import META_NODE_ID, Store

APP_NAME = locations.APP_NAME
log = logging.getLogger("permanence.storage")


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

    def is_profile(self) -> bool:
        """Both the database and its key envelope are there: a folder to log into."""
        return self.db.is_file() and self.envelope.is_file()

    def exposed(self) -> list[Path]:
        """The profile's folder and files that the group or others may read (POSIX)."""
        wal, shm = Path(f"{self.db}-wal"), Path(f"{self.db}-shm")
        return [p for p in (self.root, self.db, wal, shm, self.envelope, self.backups)
                if p.exists() and exposed(p)]


def exposure_warning(paths: ProfilePaths) -> str | None:
    """What to say when others may read the profile (its folder, database or key file)."""
    shown = paths.exposed()
    if not shown:
        return None
    return _("Warning: other users of this computer may read {paths}. Make the profile "
             "readable by you only: chmod -R go-rwx {root}").format(
                 paths=", ".join(str(p) for p in shown), root=paths.root)


def default_profile_dir() -> Path:
    """The user's data folder, or the portable folder (app.storage.locations)."""
    return locations.current().profile


def demo_profile_dir() -> Path:
    return locations.current().demo


@dataclass
class CreatedProfile:
    key: bytes
    recovery_key: str
    protected_by_keychain: bool
    envelope_id: str = ""


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
    try:
        make_private_dirs(paths.root)
        restrict(paths.root)
    except OSError as exc:
        raise (write_failure(exc, paths.root) or exc) from exc

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
        # SQLite keeps the mode of an existing file, and gives it to -wal and -shm.
        touch_private(paths.db)
        engine = make_engine(paths.db, key)
        try:
            upgrade_to_head(engine)
            node_id = uuid7()
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO local_meta (key, value) VALUES (?, ?)", (META_NODE_ID, node_id)
                )
                # Made with the schema; a schema older than its migration (0014), as the
                # upgrade tests build, gets them from that migration instead.
                if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                        "AND name = 'node_identity'").first():
                    insert_identity(conn, node_id, clock.now())
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        envelope.save()
    except BaseException as exc:
        for p in (paths.db, Path(f"{paths.db}-wal"), Path(f"{paths.db}-shm"), paths.envelope):
            p.unlink(missing_ok=True)
        if keychain is not None:
            keychain.delete(envelope.envelope_id)
        if isinstance(exc, OSError) and (failure := write_failure(exc, paths.root)):
            raise failure from exc
        raise
    return CreatedProfile(key, recovery, keychain is not None, envelope.envelope_id)


# -- building a new profile aside -------------------------------------------------------
_BUILD_SUFFIX = ".init"
_PLACING = "placing"  # in a build folder: its key was shown, it is being moved into place


def _build_prefix(target: Path) -> str:
    return f".{target.name}."


class ProfileBuild:
    """A new profile under construction in a hidden sibling of its folder.

    ``paths`` is where to build it (``create_database`` and anything else); ``place()``
    moves it into the profile folder, ``discard()`` drops it. A build whose process
    was killed is removed on the next run (``finish_interrupted``), or finished if it
    was already being placed.
    """

    def __init__(self, target: ProfilePaths) -> None:
        self.target = target
        finish_interrupted(target)
        if target.exists():
            raise ProfileExistsError(str(target.root))
        try:
            make_private_dirs(target.root.parent)
            self.paths = ProfilePaths(Path(tempfile.mkdtemp(
                prefix=_build_prefix(target.root) + leftovers.writer_tag(),
                suffix=_BUILD_SUFFIX, dir=target.root.parent)))
        except OSError as exc:
            raise (write_failure(exc, target.root.parent) or exc) from exc

    def place(self) -> None:
        """Move the profile into its folder: one rename when the folder is new or
        empty; else its files one by one, the database last, after a marker that lets
        the next run finish a placement the process did not."""
        root, build = self.target.root, self.paths.root
        (build / LOCK_FILE).unlink(missing_ok=True)  # the builder's, released
        try:
            if self.target.exists():
                raise ProfileExistsError(str(root))
            if root.is_dir() and not any(root.iterdir()):
                root.rmdir()
            if not root.exists():
                os.rename(build, root)
                _sync_folder(root.parent)
                return
            _sync_folder(build)
            write_private(build / _PLACING, b"")
            _sync_folder(build)
            _move_in(build, root)
        except OSError as exc:
            raise (write_failure(exc, root) or exc) from exc

    def discard(self) -> None:
        shutil.rmtree(self.paths.root, ignore_errors=True)


def _move_in(build: Path, root: Path) -> None:
    names = [n for n in os.listdir(build) if n not in (_PLACING, LOCK_FILE)]
    names.sort(key=lambda n: n == "permanence.db")  # the database last: it makes a profile
    for name in names:
        if (root / name).exists():
            raise ProfileExistsError(str(root))
    for name in names:
        os.rename(build / name, root / name)
    _sync_folder(root)
    restrict(root)
    shutil.rmtree(build)


def _sync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable (POSIX)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def finish_interrupted(target: ProfilePaths) -> None:
    """Builds of this profile folder left by a killed process: removed, or moved into
    place when the process was placing them (their recovery key had been shown); and a
    rekey a killed process left, finished or undone (``app.storage.rekey``)."""
    root = target.root
    for build in list(leftovers.stale_entries(root.parent, _build_prefix(root),
                                              _BUILD_SUFFIX)):
        if not (build / _PLACING).exists():
            leftovers.remove(build)
            continue
        try:
            _move_in(build, root)
        except (OSError, ProfileExistsError):
            log.warning("an interrupted profile creation could not be finished")
    finish_rekey(target)


def load_envelope(paths: ProfilePaths) -> KeyEnvelope:
    if not paths.db.exists():
        raise ProfileNotFoundError(str(paths.root))
    if not paths.db.is_file():  # said first: no secret can help with a folder there
        raise NotAFileError(str(paths.db))
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

    def __init__(self, paths: ProfilePaths, store: Store, lock: ProfileLock,
                 key: bytes = b"") -> None:
        self.paths = paths
        self.store = store
        self.key = key  # to wrap it for a new account (the engine holds it anyway)
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


def open_profile(paths: ProfilePaths, key: bytes, *, clock: Clock,
                 keychain: Keychain | None = None) -> OpenProfile:
    """``keychain``: where the audit trail's last checkpoint is mirrored, if usable."""
    lock = ProfileLock(paths.root)
    lock.acquire()
    try:
        store = _open_store(paths, key, clock=clock, write_guard=lock.ensure_held)
        try:
            envelope_id = load_envelope(paths).envelope_id
            store.anchor = checkpoints.attach(store, paths.root, db_key=key,
                                              envelope_id=envelope_id, keychain=keychain)
            trail_retention.apply_configured(store)
        except BaseException as exc:
            store.anchor = None
            store.close()
            if isinstance(exc, OSError) and (failure := write_failure(exc, paths.root)):
                raise failure from exc
            raise
    except BaseException:
        lock.release()
        raise
    return OpenProfile(paths, store, lock, bytes(key))


def _open_store(paths: ProfilePaths, key: bytes, *, clock: Clock, write_guard=None) -> Store:
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
            backup_before_upgrade(preflight, paths.backups, paths.envelope, key=key,
                                  revision=revision, now=clock.now())
    finally:
        preflight.close()
    engine = make_engine(paths.db, key)
    try:
        if needs_upgrade:
            _upgrade(engine, paths, revision)
        return Store(engine, path=paths.db, clock=clock, write_guard=write_guard)
    except BaseException:
        engine.dispose()
        raise


def _upgrade(engine, paths: ProfilePaths, revision: str) -> None:
    """The schema upgrade, in one transaction: a failure leaves the database as it was."""
    try:
        upgrade_to_head(engine)
    except StorageError:
        raise  # the disk refused (full, read-only...): said as such
    except Exception as exc:
        log.error("schema upgrade from revision %s failed: %s", revision, type(exc).__name__)
        raise MigrationError(revision, backups=str(paths.backups)) from exc
