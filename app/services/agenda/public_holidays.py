"""French public holidays for the practice's region, from the ``holidays`` package.

Closed by default; the practice (or one practitioner) can open on a given holiday, which
is a ``HolidayOpening`` row. Regions are the package's subdivision codes: Alsace and
Moselle add Good Friday and St Stephen's Day, the overseas departments their own
abolition-of-slavery day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from app.i18n import _, current_language

METROPOLITAN = ""


def holiday_regions() -> list[tuple[str, str]]:
    """(code, label) for the settings' choice, metropolitan France first."""
    return [
        (METROPOLITAN, _("Metropolitan France")),
        ("57", _("Moselle")),
        ("6AE", _("Alsace (Bas-Rhin, Haut-Rhin)")),
        ("971", _("Guadeloupe")),
        ("972", _("Martinique")),
        ("973", _("French Guiana")),
        ("974", _("La Réunion")),
        ("976", _("Mayotte")),
    ]


def valid_region(code: str) -> bool:
    return code in {c for c, _label in holiday_regions()}


@lru_cache(maxsize=64)
def _dates(region: str, year: int) -> frozenset[date]:
    # Without a language: the package's translations cost ~80 ms on first use, and most
    # questions ("is the 12th closed?") need no name.
    import holidays  # ~50 ms to import: only once the agenda asks

    return frozenset(holidays.France(years=year, subdiv=region or None))


# The package's names for each of our languages.
_HOLIDAY_LANGUAGES = {"fr": "fr", "en": "en_US"}


@lru_cache(maxsize=64)
def _calendar(region: str, year: int, language: str) -> dict[date, str]:
    import holidays

    cal = holidays.France(years=year, subdiv=region or None,
                          language=_HOLIDAY_LANGUAGES.get(language, "fr"))
    return dict(cal.items())


class PublicHolidays:
    """Which days are public holidays for one region, and who opens on them anyway."""

    def __init__(self, region: str = METROPOLITAN,
                 openings: Iterable[tuple[date, str | None]] = ()) -> None:
        if not valid_region(region):
            raise ValueError(f"unknown holiday region {region!r}")
        self.region = region
        self._open_all: set[date] = set()
        self._open_for: set[tuple[date, str]] = set()
        for day, practitioner_id in openings:
            if practitioner_id is None:
                self._open_all.add(day)
            else:
                self._open_for.add((day, practitioner_id))

    def is_holiday(self, day: date) -> bool:
        return day in _dates(self.region, day.year)

    def name(self, day: date) -> str | None:
        """The holiday's name in the user's language, or None on an ordinary day."""
        if not self.is_holiday(day):
            return None
        return _calendar(self.region, day.year, current_language()).get(day)

    def closes(self, day: date, practitioner_id: str) -> bool:
        """True when ``day`` is a holiday this practitioner does not work."""
        if not self.is_holiday(day):
            return False
        return day not in self._open_all and (day, practitioner_id) not in self._open_for

    def between(self, first: date, last: date) -> dict[date, str]:
        out: dict[date, str] = {}
        for year in range(first.year, last.year + 1):
            names = _calendar(self.region, year, current_language())
            out.update((d, n) for d, n in names.items() if first <= d <= last)
        return dict(sorted(out.items()))
