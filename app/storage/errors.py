"""Storage failures, each with a message for the user in their language.

The CLI prints ``user_message`` and exits non-zero; the GUI shows it in a dialog.
None of these is raised after a file has been modified.
"""

from __future__ import annotations

from app.i18n import _


class StorageError(Exception):
    exit_code = 2

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail

    @property
    def user_message(self) -> str:
        return _("The practice database could not be opened.")


class WrongSecretError(StorageError):
    exit_code = 3

    @property
    def user_message(self) -> str:
        return _("Wrong passphrase or recovery key. Nothing was changed; try again.")


class NoPassphraseError(StorageError):
    exit_code = 3

    @property
    def user_message(self) -> str:
        return _(
            "This profile is protected by a passphrase. Give it in the "
            "PERMANENCE_PASSPHRASE environment variable or with --passphrase-file FILE."
        )


class ProfileNotFoundError(StorageError):
    @property
    def user_message(self) -> str:
        return _("No practice database in this profile folder: {path}").format(path=self.detail)


class ProfileExistsError(StorageError):
    @property
    def user_message(self) -> str:
        return _("A practice database already exists in this profile folder: {path}").format(
            path=self.detail
        )


class EnvelopeError(StorageError):
    @property
    def user_message(self) -> str:
        return _(
            "The key file of this profile (keys.json) is missing or damaged. Nothing was "
            "changed. Restore it from a backup, or open the profile with its recovery key "
            "once the key file is back."
        )


class PlainDatabaseError(StorageError):
    @property
    def user_message(self) -> str:
        return _(
            "This file is an unencrypted SQLite database, not a Permanence practice "
            "database. Nothing was changed."
        )


class CorruptDatabaseError(StorageError):
    @property
    def user_message(self) -> str:
        return _(
            "The practice database is damaged, truncated, or does not belong to this key. "
            "Nothing was changed. Restore the latest backup from the profile's backups folder."
        )


class NewerSchemaError(StorageError):
    @property
    def user_message(self) -> str:
        return _(
            "This practice database was written by a newer version of Permanence. "
            "Nothing was changed. Install the newer version to open it."
        )


class ProfileLockedError(StorageError):
    exit_code = 4

    @property
    def user_message(self) -> str:
        return _(
            "Permanence is already running on this profile. Switch to the open window, "
            "or close it first."
        )


class KeychainError(StorageError):
    @property
    def user_message(self) -> str:
        return _(
            "The system keychain is not usable here ({reason}). Protect the practice "
            "with a passphrase instead."
        ).format(reason=self.detail)
