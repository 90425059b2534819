"""Dates as typed by a French secretary."""

from __future__ import annotations

import re
from datetime import date

from app.i18n import _
from app.services.errors import ServiceError

_DMY = re.compile(r"^\s*(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2}|\d{4})\s*$")
_COMPACT = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")


class InvalidDate(ServiceError, ValueError):
    code = "invalid_date"

    def __init__(self, text: str, *, exists: bool = True) -> None:
        super().__init__(text)
        self.well_formed = not exists

    @property
    def user_message(self) -> str:
        if self.well_formed:
            return _("This date does not exist (check the day and the month).")
        return _("Enter a date as dd/mm/yyyy, for example 12/03/1958.")


def parse_french_date(text: str, *, today: date) -> date:
    """"12/03/1958", "12.03.1958", "12031958", or "12/03/58" (a past birth year)."""
    m = _DMY.match(text) or _COMPACT.match(text)
    if not m:
        raise InvalidDate(text)
    day, month, year = (int(g) for g in m.groups())
    if len(m.group(3)) == 2:
        # Two-digit years are birth years: never in the future.
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidDate(text, exists=False) from exc
