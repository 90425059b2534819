"""Errors a service reports to its caller, with messages in the user's language.

All belong to the one family of ``app.errors``; ``ServiceError`` is its name here.
"""

from __future__ import annotations

from app.errors import ExitCode, MessageError, PermanenceError
from app.i18n import _

ServiceError = PermanenceError
__all__ = ["Cancelled", "ConcurrentEdit", "MessageError", "NotFound", "ServiceError",
           "ValidationError"]


class ValidationError(PermanenceError):
    """Field-level problems; nothing was written. ``errors`` maps field -> message."""

    code = "invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors

    @property
    def user_message(self) -> str:
        return "\n".join(self.errors.values())


class NotFound(PermanenceError):
    code = "not_found"

    @property
    def user_message(self) -> str:
        return _("This record no longer exists (deleted or merged elsewhere). Reload the "
                 "list.")


class ConcurrentEdit(PermanenceError):
    """The record changed since it was read; the caller should reload before saving."""

    code = "concurrent_edit"

    @property
    def user_message(self) -> str:
        return _("This record was changed elsewhere since you opened it. Reload it, then "
                 "make your change again.")


class Cancelled(PermanenceError):
    """The user stopped a long operation before it finished; nothing of it was kept."""

    code = "cancelled"
    exit_code = ExitCode.INTERRUPTED

    @property
    def user_message(self) -> str:
        return _("Stopped before the end; nothing was kept.")
