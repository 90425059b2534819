"""The one family of errors a user may see, and the exit codes of the command line.

Every failure that is the user's to understand (a refusal, bad input, a file that
cannot be read or written, a profile that cannot be opened) is a ``PermanenceError``:
it carries a message in the user's language (``user_message``), a stable
machine-readable ``code`` and the command line's ``exit_code``. The UI shows it in one
place (``app.ui.failures``), the command line prints it in one place (``app.cli.main``).
Anything else is a bug: logged by type, shown as a generic failure, never a traceback
to the user. Unless a subclass says otherwise, nothing was written when one is raised.
"""

from __future__ import annotations

from enum import IntEnum

from app.i18n import _


class ExitCode(IntEnum):
    """The command line's exit codes, documented in README (Command line)."""

    OK = 0
    CHECK_FAILED = 1  # a check found a problem (check, audit verify), or no display for the GUI
    BAD_INPUT = 2  # a refusal: options, files, data the user gave
    SECRET = 3  # wrong or missing passphrase / recovery key
    PROFILE_IN_USE = 4  # another Permanence holds the profile (or took it over)
    CANNOT_WRITE = 5  # the disk refused a write: full, read-only, size limit, permission
    DAMAGED = 6  # the profile cannot be used as it is: damage, newer version, failed upgrade
    ACCESS_DENIED = 7  # the signed-in account's role may not do this; nothing was written
    SYNC_TARGET = 8  # the sync folder or server is missing, unreachable or refused us
    BATCH_REFUSED = 9  # a sync batch was refused (signature, sender, sequence...); not applied
    PAIRING_REFUSED = 10  # an invite or pairing request refused: forged, expired, unknown
    NOT_RUNNING = 11  # a call routed by its line needs the running window; nothing recorded
    PEER_MUST_REPAIR = 12  # a sync peer stayed offline too long: skipped, pair it again
    INTERRUPTED = 130  # Ctrl+C


class PermanenceError(Exception):
    """A failure with a message for the user; subclasses set ``code`` and ``exit_code``."""

    code: str = "error"
    exit_code: int = ExitCode.BAD_INPUT

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or type(self).__name__)
        self.detail = detail

    @property
    def user_message(self) -> str:
        return _("The operation could not be completed; nothing was changed.")


class MessageError(PermanenceError):
    """A failure whose message was written where it happened (already translated)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self._message = message
        if code is not None:
            self.code = code

    @property
    def user_message(self) -> str:
        return self._message
