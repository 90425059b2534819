"""Storage failures, each with a message for the user in their language.

Part of the one error family (``app.errors``): the CLI prints ``user_message`` and
exits with ``exit_code`` (README's "Exit codes"); the GUI shows it. None of these is
raised after a file has been modified, except ``CannotWriteError``, raised when the
disk refused a write: SQLite then rolls back, and what was committed before is intact.
"""

from __future__ import annotations

import errno
import os
import sys

from app import installed_version
from app.updates import how_to_update
from app.errors import ExitCode, PermanenceError
from app.i18n import _



class StorageError(PermanenceError):
    code = "storage"
    exit_code = ExitCode.BAD_INPUT

    @property
    def user_message(self) -> str:
        return _("The practice database could not be opened.")


class WrongSecretError(StorageError):
    code = "wrong_secret"
    exit_code = ExitCode.SECRET

    @property
    def user_message(self) -> str:
        return _("Wrong passphrase or recovery key. Nothing was changed; try again.")


class NoPassphraseError(StorageError):
    code = "no_passphrase"
    exit_code = ExitCode.SECRET

    @property
    def user_message(self) -> str:
        return _(
            "This profile is protected by a passphrase. Give it in the "
            "PERMANENCE_PASSPHRASE environment variable or with --passphrase-file FILE."
        )


class ProfileNotFoundError(StorageError):
    code = "no_profile"
    @property
    def user_message(self) -> str:
        return _("No practice database in this profile folder: {path}").format(path=self.detail)


class ProfileExistsError(StorageError):
    code = "profile_exists"
    @property
    def user_message(self) -> str:
        return _("A practice database already exists in this profile folder: {path}").format(
            path=self.detail
        )


class EnvelopeError(StorageError):
    code = "envelope_damaged"
    exit_code = ExitCode.DAMAGED

    @property
    def user_message(self) -> str:
        return _(
            "The key file of this profile (keys.json) is missing or damaged. Nothing was "
            "changed. Restore it from a backup, or open the profile with its recovery key "
            "once the key file is back."
        )


class PlainDatabaseError(StorageError):
    code = "not_encrypted"
    exit_code = ExitCode.DAMAGED

    @property
    def user_message(self) -> str:
        return _(
            "This file is an unencrypted SQLite database, not a Permanence practice "
            "database. Nothing was changed."
        )


class CorruptDatabaseError(StorageError):
    code = "database_damaged"
    exit_code = ExitCode.DAMAGED

    @property
    def user_message(self) -> str:
        return _(
            "The practice database is damaged, truncated, or does not belong to this key. "
            "Nothing was changed. Restore the latest backup from the profile's backups folder."
        )


class NewerSchemaError(StorageError):
    code = "newer_schema"
    exit_code = ExitCode.DAMAGED

    @property
    def user_message(self) -> str:
        # The version running, so that the one to install is plain to whoever helps.
        return _(
            "This practice database was written by a newer version of Permanence than "
            "this one ({version}). Nothing was changed. Install the newer version to open "
            "it; the profile folder stays as it is."
        ).format(version=installed_version()) + " " + how_to_update()


class ProfileLockedError(StorageError):
    code = "profile_in_use"
    exit_code = ExitCode.PROFILE_IN_USE

    @property
    def user_message(self) -> str:
        return _(
            "Permanence is already running on this profile. Switch to the open window, "
            "or close it first."
        )


# Why the system keychain is refused: a code (kept in errors and logs), worded in the
# user's language only when shown (``keychain_reason``).
NO_KEYCHAIN = "no_backend"
KEYCHAIN_DISABLED = "disabled"
KEYCHAIN_PLAINTEXT = "plaintext"
KEYCHAIN_DEPRECATED = "deprecated"
KEYCHAIN_UNTRUSTED = "untrusted"
KEYCHAIN_UNAVAILABLE = "unavailable"
KEYCHAIN_PORTABLE = "portable"
KEYCHAIN_REFUSED_WRITE = "refused_write"
KEYCHAIN_READ_BACK = "read_back"


def keychain_reason(code: str) -> str:
    """The reason ``code`` says, in the user's language (an unknown code as it is)."""
    texts = {
        NO_KEYCHAIN: _("no keychain on this system"),
        KEYCHAIN_DISABLED: _("the keychain is disabled"),
        KEYCHAIN_PLAINTEXT: _("the keychain would keep the secret in a plain file"),
        KEYCHAIN_DEPRECATED: _("the keychain's software is outdated"),
        KEYCHAIN_UNTRUSTED: _("the keychain found is not one to trust"),
        KEYCHAIN_UNAVAILABLE: _("the keychain does not answer"),
        KEYCHAIN_PORTABLE: _("portable mode: the passphrase protects the practice"),
        KEYCHAIN_REFUSED_WRITE: _("the keychain refused to keep the secret"),
        KEYCHAIN_READ_BACK: _("the keychain did not give back what was written"),
    }
    return texts.get(code, code)


class KeychainError(StorageError):
    """``detail``: one of the reason codes above."""

    code = "keychain_unusable"

    @property
    def user_message(self) -> str:
        return _(
            "The system keychain is not usable here ({reason}). Protect the practice "
            "with a passphrase instead."
        ).format(reason=keychain_reason(self.detail))


class NotAFileError(StorageError):
    """A folder (or a device, a socket…) where a file of the profile should be."""

    code = "not_a_file"
    exit_code = ExitCode.DAMAGED

    @property
    def user_message(self) -> str:
        return _(
            "{path} should be a file of the practice database but is not (a folder?). "
            "Nothing was changed. Move it aside and restore the database from the profile's "
            "backups folder."
        ).format(path=self.detail)


class MigrationError(StorageError):
    """The schema upgrade failed; its transaction was rolled back."""

    code = "upgrade_failed"
    exit_code = ExitCode.DAMAGED

    def __init__(self, detail: str = "", *, backups: str = "") -> None:
        super().__init__(detail)
        self.backups = backups

    @property
    def user_message(self) -> str:
        return _(
            "The practice database could not be upgraded to this version of Permanence. "
            "It was left as it was, and a copy taken before the attempt is in {backups}. "
            "Go back to the previous version of Permanence, or contact support with the "
            "log file."
        ).format(backups=self.backups)


class LockLostError(StorageError):
    """The lock file was deleted and another instance now holds the profile."""

    code = "lock_lost"
    exit_code = ExitCode.PROFILE_IN_USE

    @property
    def user_message(self) -> str:
        return _(
            "The lock file of this practice (permanence.lock) was deleted, and another "
            "Permanence has opened the practice since. To keep the data consistent, this one "
            "no longer saves anything: close it. The change just made was not saved."
        )


# Why a write failed, from an errno or an SQLite result code.
FULL, READ_ONLY, SIZE_LIMIT, PERMISSION, IO = "full", "read-only", "size-limit", "permission", "io"
_ERRNO_REASONS = {
    errno.ENOSPC: FULL,
    getattr(errno, "EDQUOT", errno.ENOSPC): FULL,
    errno.EFBIG: SIZE_LIMIT,
    errno.EROFS: READ_ONLY,
    errno.EACCES: PERMISSION,
    errno.EPERM: PERMISSION,
    errno.EIO: IO,
}
# SQLite primary result codes (the low byte of an extended code).
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 3, 8, 10, 13, 14


class CannotWriteError(StorageError):
    """The disk refused a write: full, read-only, a file-size limit, no permission."""

    code = "cannot_write"
    exit_code = ExitCode.CANNOT_WRITE

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(f"{reason}: {path}")
        self.reason = reason
        self.path = path

    def _words(self) -> tuple[str, str]:
        return {
            FULL: (_("the disk is full"), _("free some space, then try again.")),
            READ_ONLY: (_("the disk or folder is read-only"),
                        _("make it writable, then try again.")),
            SIZE_LIMIT: (_("the file-size limit of this session is reached"),
                         _("raise the limit (ulimit -f), then try again.")),
            PERMISSION: (_("permission denied"),
                         _("give this user the right to write there, then try again.")),
        }.get(self.reason, (_("input/output error"), _("check the disk, then try again.")))

    @property
    def reason_text(self) -> str:
        """Why, in a few words of the user's language ("the disk is full")."""
        return self._words()[0]

    @property
    def user_message(self) -> str:
        reason, remedy = self._words()
        return _(
            "Permanence cannot write to {path} ({reason}). What was saved before is "
            "intact; {remedy}"
        ).format(path=self.path, reason=reason, remedy=remedy)


def _near_size_limit(path: os.PathLike | str) -> bool:
    """Whether the database (or its WAL) has grown to the file-size limit (``ulimit
    -f``): SQLite reports a write refused with EFBIG as a plain I/O error."""
    try:
        import resource
    except ImportError:
        return False
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft == resource.RLIM_INFINITY or not path:
        return False
    sizes = []
    for name in (os.fspath(path), os.fspath(path) + "-wal"):
        try:
            sizes.append(os.stat(name).st_size)
        except OSError:
            pass
    return bool(sizes) and max(sizes) + 65536 >= soft


def write_failure(exc: BaseException, path: os.PathLike | str = "") -> CannotWriteError | None:
    """The ``CannotWriteError`` an OS or SQLite error stands for, or None when it is not
    the disk refusing a read or a write (a bug, damage, a busy database...).

    ``path`` names the file or folder when the error itself does not (SQLite's never do).
    """
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's exception
    if orig is not None and not isinstance(exc, OSError):
        exc = orig
    if isinstance(exc, OSError):
        reason = _ERRNO_REASONS.get(exc.errno)
        if reason is None:
            return None
        where = exc.filename if exc.filename is not None else path
        return CannotWriteError(reason, str(where))
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary == _SQLITE_FULL:
        reason = FULL
    elif primary == _SQLITE_READONLY:
        reason = READ_ONLY
    elif primary in (_SQLITE_PERM, _SQLITE_CANTOPEN):
        reason = _unwritable_reason(path)
    elif primary == _SQLITE_IOERR:
        reason = SIZE_LIMIT if _near_size_limit(path) else IO
    else:
        return None
    return CannotWriteError(reason, str(path))


def _unwritable_reason(path: os.PathLike | str) -> str:
    """SQLite does not say why it could not open a file: ask the folder."""
    folder = os.path.dirname(os.fspath(path)) if path else ""
    if folder and sys.platform != "win32":
        try:
            if os.statvfs(folder).f_flag & os.ST_RDONLY:
                return READ_ONLY
        except OSError:
            pass
    return PERMISSION
