"""Backing up a profile into one file, verifying a backup, restoring it elsewhere.

A backup (``app.storage.backup_file``) carries a consistent copy of the encrypted
database, taken with ``VACUUM INTO`` inside a read transaction (so the application
may go on writing meanwhile) and checked with ``cipher_integrity_check`` and
``integrity_check`` before it is kept, plus every file of the profile that the
practice needs to open: its key envelope and anything else kept beside it, but not
the logs, the lock, the window geometry, this workstation's preferences or the
profile's own before-upgrade copies.

The file is written in a hidden folder inside the destination, made durable, then
linked under its final name, which never names an existing file: a backup killed at
any point leaves nothing under a backup's name, and the next backup there removes
what it left.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlcipher3

from app.i18n import _
from app.services.errors import MessageError
from app.services.exporting.files import cannot_write, refuse_link, refuse_protected
from app.storage import leftovers
from app.storage.backup import integrity_errors
from app.storage.checkpoints import reanchor
from app.storage.backup_file import (
    DATABASE,
    ENVELOPE,
    SUFFIX,
    BackupDamaged,
    Manifest,
    Member,
    Opened,
    file_digest,
    open_archive,
    valid_member_name,
    write_archive,
)
from app.storage.engine import connect_raw
from app.storage.errors import CorruptDatabaseError, write_failure
from app.storage.keys import MIN_KDF, KdfParams, KeyEnvelope
from app.storage.lock import LOCK_FILE
from app.storage.private import make_private_dirs, open_private, touch_private
from app.storage.profile import ProfileBuild, ProfilePaths, open_profile

TEMP_PREFIX = ".permanence-backup-"
NAME_PREFIX = "permanence-"
NAME_FORMAT = "%Y%m%d-%H%M%S"
RESTORE_ACTION = "restore"
# Not part of a backup: the database itself (its consistent copy goes instead) and its
# SQLite side files, this workstation's files (the lock, preferences, window geometry,
# logs) and the before-upgrade copies.
_SKIPPED_FILES = {"permanence.db", "permanence.db-wal", "permanence.db-shm",
                  "permanence.db-journal", LOCK_FILE, "workstation.json", "window.ini"}
_SKIPPED_FOLDERS = {"logs", "backups"}

Progress = Callable[[str], None]


class BackupRefused(MessageError):
    """The destination or the backup cannot be used; nothing was written."""

    code = "backup_refused"


def _write_refused(exc: OSError, folder: Path) -> Exception:
    return write_failure(exc, folder) or cannot_write(folder, exc)


def profile_files(paths: ProfilePaths) -> list[tuple[str, Path]]:
    """The files of the profile a backup carries besides the database: the envelope
    first, then the others by name (regular files only; hidden and temporary ones are
    a writer's work in progress)."""
    found: list[tuple[str, Path]] = []
    root = paths.root
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (rel == Path(".") and d in _SKIPPED_FOLDERS)
                         and not Path(folder, d).is_symlink())
        for name in files:
            path = Path(folder, name)
            member = (rel / name).as_posix()
            if (rel == Path(".") and name in _SKIPPED_FILES) or name.startswith(".") \
                    or name.endswith(".tmp") or path.is_symlink() or not path.is_file():
                continue
            if valid_member_name(member):
                found.append((member, path))
    found.sort(key=lambda item: (item[0] != ENVELOPE, item[0]))
    if not found or found[0][0] != ENVELOPE:
        raise CorruptDatabaseError("no key envelope in the profile")
    return found


def backup_name(now: datetime) -> str:
    return NAME_PREFIX + now.astimezone(timezone.utc).strftime(NAME_FORMAT) + "Z" + SUFFIX


def backup_time(path: Path) -> datetime | None:
    """When a backup was made, from its name; None for a name that is not ours."""
    name = path.name
    if not (name.startswith(NAME_PREFIX) and name.endswith(SUFFIX)):
        return None
    stamp = name[len(NAME_PREFIX):-len(SUFFIX)].split("Z", 1)[0]
    try:
        return datetime.strptime(stamp, NAME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def check_destination(out_dir: Path, paths: ProfilePaths) -> None:
    """A folder that exists, is not a link, and is not inside the profile folder."""
    try:
        refuse_link(out_dir)
        refuse_protected(out_dir, paths.root)
    except MessageError as exc:
        raise BackupRefused(exc.user_message) from None
    if not out_dir.is_dir():
        raise BackupRefused(_("The backup folder {folder} does not exist or is not a folder "
                              "(is the disk connected?).").format(folder=out_dir))


def _snapshot(conn, target: Path) -> tuple[str, str]:
    """Copy the database into ``target`` under the same key and check the copy; its
    schema revision and practice id."""
    touch_private(target)  # VACUUM INTO fills an empty file and keeps its mode
    conn.execute("VACUUM INTO ?", (str(target),))
    # Attached without a key, the copy is read with the connection's own key.
    conn.execute("ATTACH DATABASE ? AS backup_copy", (str(target),))
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA backup_copy.cipher_integrity_check")]
        rows = [str(r[0]) for r in conn.execute("PRAGMA backup_copy.integrity_check")]
        if rows != ["ok"]:
            problems.extend(rows)
        if problems:
            raise CorruptDatabaseError("; ".join(problems[:3]))
        revision = conn.execute("SELECT version_num FROM backup_copy.alembic_version"
                                ).fetchone()
        practice = conn.execute("SELECT id FROM backup_copy.practice ORDER BY id LIMIT 1"
                                ).fetchone()
    finally:
        conn.execute("DETACH DATABASE backup_copy")
    return (revision[0] if revision else ""), (practice[0] if practice else "")


def _sync(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _place(part: Path, out_dir: Path, now: datetime) -> Path:
    """Link the finished file under a new name; never over an existing file."""
    base = backup_name(now)
    for n in range(1, 1000):
        target = out_dir / (base if n == 1 else base.replace(SUFFIX, f"-{n}{SUFFIX}"))
        if os.path.lexists(target):
            continue
        try:
            os.link(part, target)
        except FileExistsError:
            continue
        except OSError:  # a disk without hard links (FAT, some shares)
            if os.path.lexists(target):
                continue
            os.rename(part, target)
        _sync(out_dir)
        return target
    raise BackupRefused(_("Too many backups at the same second in {folder}.").format(
        folder=out_dir))


def make_backup(conn, paths: ProfilePaths, out_dir: Path, *, now: datetime,
                app_version: str = "", progress: Progress | None = None) -> Path:
    """Write one backup of the profile into ``out_dir``; its path.

    ``conn``: a keyed DB-API connection to the profile's database (the application's
    own, or one opened for the purpose: a read transaction does not need the profile
    lock)."""
    say = progress or (lambda step: None)
    out_dir = Path(os.path.abspath(out_dir))
    check_destination(out_dir, paths)
    leftovers.remove_stale(out_dir, TEMP_PREFIX)
    try:
        work = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + leftovers.writer_tag(), dir=out_dir))
    except OSError as exc:
        raise _write_refused(exc, out_dir) from exc
    try:
        say(_("Copying the database…"))
        snapshot = work / DATABASE
        try:
            revision, practice_id = _snapshot(conn, snapshot)
        except sqlcipher3.Error as exc:
            failure = write_failure(exc, out_dir)
            raise (failure or CorruptDatabaseError(str(exc))) from exc
        say(_("Adding the key file and the profile's files…"))
        files = [(DATABASE, snapshot)]
        copies = make_private_dirs(work / "files")
        for name, path in profile_files(paths):
            # A copy first: what is archived is what was hashed, even if the profile
            # rewrites the file meanwhile.
            copy = copies / name
            make_private_dirs(copy.parent)
            with open(path, "rb") as src, os.fdopen(open_private(copy), "wb") as dst:
                shutil.copyfileobj(src, dst)
            files.append((name, copy))
        members = tuple(Member(name, *file_digest(path)) for name, path in files)
        manifest = Manifest(now.astimezone(timezone.utc).isoformat(timespec="seconds"),
                            revision, practice_id, members, app_version)
        say(_("Writing the backup file…"))
        part = work / "backup.part"
        with os.fdopen(open_private(part), "wb") as fh:
            write_archive(fh, manifest, files)
            fh.flush()
            os.fsync(fh.fileno())
        return _place(part, out_dir, now)
    except OSError as exc:
        raise _write_refused(exc, out_dir) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def backup_profile(paths: ProfilePaths, key: bytes, out_dir: Path, *, now: datetime,
                   app_version: str = "", progress: Progress | None = None) -> Path:
    """A backup from outside the application (the command line): a connection of its
    own, which reads while the application, if it runs, goes on writing."""
    from app.storage.engine import check_file_shape

    check_file_shape(paths.db)
    try:
        conn = connect_raw(paths.db, key, mode="rw")
    except sqlcipher3.DatabaseError as exc:
        raise CorruptDatabaseError(str(exc)) from exc
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA temp_store = MEMORY")  # no plaintext temp files
        return make_backup(conn, paths, out_dir, now=now, app_version=app_version,
                           progress=progress)
    finally:
        conn.close()


# -- verifying and restoring ----------------------------------------------------------
@dataclass(frozen=True)
class Secret:
    """What opens the practice: the owner's passphrase or the recovery key."""

    passphrase: str | None = None
    recovery_key: str | None = None
    kdf_floor: KdfParams = MIN_KDF

    def unlock(self, envelope: KeyEnvelope) -> bytes:
        if self.recovery_key is not None:
            return envelope.unwrap_with_recovery_key(self.recovery_key)
        assert self.passphrase is not None
        return envelope.unwrap_with_passphrase(self.passphrase, kdf_floor=self.kdf_floor)


def _extract(opened: Opened, root: Path) -> None:
    for member in opened.manifest.members:
        target = root / member.name
        make_private_dirs(target.parent)
        with os.fdopen(open_private(target), "wb") as fh:
            for chunk in opened.read_member(member.name):
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())


def _check_copy(opened: Opened, db: Path, key: bytes) -> None:
    try:
        conn = connect_raw(db, key, mode="immutable")
    except sqlcipher3.DatabaseError:
        raise BackupDamaged(opened.path, _("its database does not open with its key file")
                            ) from None
    try:
        problems = integrity_errors(conn)
    finally:
        conn.close()
    if problems:
        raise BackupDamaged(opened.path, _("its database fails the integrity check ({problems})"
                                           ).format(problems="; ".join(problems[:3])))


def verify_backup(path: Path, secret: Secret | None = None) -> Manifest:
    """Check a backup: with no secret, its structure, its seal and every checksum; with
    one, also that it opens the database copy and that the copy passes
    ``cipher_integrity_check`` and ``integrity_check``. Raises ``BackupDamaged`` (or
    ``WrongSecretError``) with the reason; returns the manifest."""
    opened = open_archive(path)
    if secret is not None:
        # The copy is encrypted: only its pages, never patient data in clear, are
        # written to the temporary folder.
        with tempfile.TemporaryDirectory(prefix="permanence-verify-") as temp:
            root = Path(temp)
            _extract(opened, root)
            key = secret.unlock(KeyEnvelope.load(root / ENVELOPE))
            _check_copy(opened, root / DATABASE, key)
    return opened.manifest


def restore_backup(path: Path, target: ProfilePaths, secret: Secret, *, clock,
                   keychain=None) -> Manifest:
    """Rebuild a working profile in ``target`` (which must hold no profile) from a
    backup: built in a hidden sibling folder, checked, opened (and upgraded if the
    backup is from an older version), the restore audited, then moved into place."""
    from app.services.practice import owner_id

    opened = open_archive(path)
    build = ProfileBuild(target)  # refuses an existing profile
    try:
        try:
            _extract(opened, build.paths.root)
        except OSError as exc:
            raise _write_refused(exc, target.root.parent) from exc
        key = secret.unlock(KeyEnvelope.load(build.paths.envelope))
        _check_copy(opened, build.paths.db, key)
        profile = open_profile(build.paths, key, clock=clock)
        head = profile.store.anchor.current_head()
        profile.close()
        reanchor(build.paths.root, head, db_key=key,
                 envelope_id=KeyEnvelope.load(build.paths.envelope).envelope_id, clock=clock,
                 keychain=keychain)
        profile = open_profile(build.paths, key, clock=clock)
        try:
            store = profile.store
            with store.unit_of_work(actor_id=owner_id(store)) as uow:
                uow.audit(RESTORE_ACTION, "practice", opened.manifest.practice_id,
                          "backup of {}".format(opened.manifest.created_at))
        finally:
            profile.close()
        build.place()
    except BaseException:
        build.discard()
        raise
    return opened.manifest
