"""Storage failures, each with a message for the user in their language.

Part of the one error family (``app.errors``): the CLI prints ``user_message`` and
exits with ``exit_code``; the GUI shows it. None of these is raised after a file has
been modified.
"""

from __future__ import annotations

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
    @property
    def user_message(self) -> str:
        return _(
            "The key file of this profile (keys.json) is missing or damaged. Nothing was "
            "changed. Restore it from a backup, or open the profile with its recovery key "
            "once the key file is back."
        )


class PlainDatabaseError(StorageError):
    code = "not_encrypted"
    @property
    def user_message(self) -> str:
        return _(
            "This file is an unencrypted SQLite database, not a Permanence practice "
            "database. Nothing was changed."
        )


class CorruptDatabaseError(StorageError):
    code = "database_damaged"
    @property
    def user_message(self) -> str:
        return _(
            "The practice database is damaged, truncated, or does not belong to this key. "
            "Nothing was changed. Restore the latest backup from the profile's backups folder."
        )


class NewerSchemaError(StorageError):
    code = "newer_schema"
    @property
    def user_message(self) -> str:
        return _(
            "This practice database was written by a newer version of Permanence. "
            "Nothing was changed. Install the newer version to open it."
        )


class ProfileLockedError(StorageError):
    code = "profile_in_use"
    exit_code = ExitCode.PROFILE_IN_USE

    @property
    def user_message(self) -> str:
        return _(
            "Permanence is already running on this profile. Switch to the open window, "
            "or close it first."
        )


class KeychainError(StorageError):
    code = "keychain_unusable"
    @property
    def user_message(self) -> str:
        return _(
            "The system keychain is not usable here ({reason}). Protect the practice "
            "with a passphrase instead."
        ).format(reason=self.detail)
