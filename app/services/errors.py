"""Errors a service reports to its caller, with messages in the user's language."""

from __future__ import annotations

from app.i18n import _


class ValidationError(Exception):
    """Field-level problems; nothing was written. ``errors`` maps field -> message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(Exception):
    pass


class ConcurrentEdit(Exception):
    """The record changed since it was read; the caller should reload before saving."""

    @property
    def user_message(self) -> str:
        return _("This record was changed elsewhere since you opened it. Reload it, then "
                 "make your change again.")


class Cancelled(Exception):
    """The user stopped a long operation before it finished; nothing of it was kept."""

    @property
    def user_message(self) -> str:
        return _("Stopped before the end; nothing was kept.")
