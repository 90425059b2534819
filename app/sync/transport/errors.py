"""What can go wrong between this installation and a sync folder or server.

Part of the one error family (``app.errors``). A folder that refuses a write with a
plain OS error is a ``app.storage.errors.CannotWriteError`` (exit 5), as for any other
file; the rest is here. ``where`` is always the folder or ``sftp://`` address the user
gave (never a password: the URLs carry none), cleaned for one terminal line.
"""

from __future__ import annotations

import errno

from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.models.text import one_line


def os_reason(exc: BaseException) -> str:
    """Why an operation on a file failed, in a few words of the user's language when the
    error says (a server's own words otherwise, on one line)."""
    number = getattr(exc, "errno", None)
    if number in (errno.EACCES, errno.EPERM):
        return _("permission denied")
    if number == errno.ENOENT:
        return _("no such file")
    if number in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return _("the disk is full")
    if number == errno.EROFS:
        return _("the disk or folder is read-only")
    if number == errno.EISDIR:
        return _("this is a folder, not a file")
    words = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return one_line(words)


class TransportError(PermanenceError):
    """The sync folder or server cannot be used as it is; nothing was sent or received
    by the operation that failed."""

    code = "sync_target"
    exit_code = ExitCode.SYNC_TARGET

    def __init__(self, where: str, reason: str = "") -> None:
        super().__init__(f"{where}: {reason}" if reason else where)
        self.where = one_line(where)
        self.reason = one_line(reason)

    @property
    def user_message(self) -> str:
        return _("The sync target {where} cannot be used ({reason}).").format(
            where=self.where, reason=self.reason)


class BadTarget(TransportError):
    """The address or a file given with it is wrong: the user's to correct."""

    code = "bad_sync_target"
    exit_code = ExitCode.BAD_INPUT

    @property
    def user_message(self) -> str:
        return _("Invalid sync target {where}: {reason}").format(
            where=self.where, reason=self.reason)


class BadKeyFile(BadTarget):
    """The key file to log in with, or the server's public key file, is unusable."""

    code = "bad_key_file"

    @property
    def user_message(self) -> str:
        return _("The key file {where} cannot be used: {reason}").format(
            where=self.where, reason=self.reason)


class TargetMissing(TransportError):
    code = "sync_target_missing"

    @property
    def user_message(self) -> str:
        return _(
            "The sync folder {where} does not exist or is not a folder. Check that the "
            "share is connected or the USB key plugged in; nothing was sent or received."
        ).format(where=self.where)


class TargetUnreachable(TransportError):
    code = "sync_unreachable"

    @property
    def user_message(self) -> str:
        return _(
            "The sync server {where} cannot be reached ({reason}). Check the address, the "
            "network and that the server is running; nothing was sent or received."
        ).format(where=self.where, reason=self.reason)


class LoginRefused(TransportError):
    code = "sync_login_refused"

    @property
    def user_message(self) -> str:
        return _(
            "The sync server {where} refused the key {reason}. Check the user name in the "
            "address and that the public key is in the server's authorized_keys; nothing "
            "was sent or received."
        ).format(where=self.where, reason=self.reason)


class HostKeyChanged(TransportError):
    """The server shows another key than the one pinned or given: maybe an attack."""

    code = "sync_host_key_changed"

    def __init__(self, where: str, expected: str, shown: str) -> None:
        super().__init__(where, f"{expected} != {shown}")
        self.expected = expected
        self.shown = shown

    @property
    def user_message(self) -> str:
        return _(
            "The key of the sync server {where} is not the expected one (expected "
            "{expected}, shown {shown}). Someone may be impersonating the server: nothing "
            "was sent. If the server was reinstalled, ask its administrator for its new "
            "public key and give it with --host-key FILE."
        ).format(where=self.where, expected=self.expected, shown=self.shown)


class UnsafeEntry(TransportError):
    """A link, a device or a folder where a batch file or folder should be."""

    code = "sync_unsafe_entry"

    @property
    def user_message(self) -> str:
        return _(
            "In the sync target, {reason} is a symbolic link or not a plain file or "
            "folder. Permanence does not follow links out of the sync folder: remove it. "
            "Nothing was sent or received."
        ).format(reason=self.reason)


class BatchConflict(TransportError):
    """A batch of this number is already there with other content: never replaced."""

    code = "sync_batch_conflict"

    @property
    def user_message(self) -> str:
        return _(
            "A different batch with the same number is already in the sync target: "
            "{reason}. It was not replaced; the two installations must be checked."
        ).format(reason=self.reason)


class BatchTooLarge(TransportError):
    code = "sync_batch_too_large"

    @property
    def user_message(self) -> str:
        return _("The file {reason} of the sync target is too large to be a batch; it was "
                 "not read.").format(reason=self.reason)


class RemoteWriteRefused(TransportError):
    """The server refused to write or rename (full disk, quota, permission)."""

    code = "sync_remote_write"
    exit_code = ExitCode.CANNOT_WRITE

    @property
    def user_message(self) -> str:
        return _(
            "The sync server {where} refused to write ({reason}): its disk may be full "
            "or the folder not writable for this user. What was sent before is intact."
        ).format(where=self.where, reason=self.reason)
