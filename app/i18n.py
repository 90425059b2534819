"""Translations (gettext catalogues managed with Babel) and locale-aware formatting.

Source strings are English. French is the default locale. Import ``_`` explicitly:
``from app.i18n import _``; nothing is installed into builtins.
"""

from __future__ import annotations

import gettext
import re
from datetime import date, datetime
from functools import cache
from importlib.resources import files

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.numbers import format_decimal

SUPPORTED_LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DOMAIN = "permanence"

_current_language = DEFAULT_LANGUAGE
_translations: gettext.NullTranslations = gettext.NullTranslations()


def set_language(language: str) -> None:
    """Switch the process-wide language. Unknown codes fall back to French."""
    global _current_language, _translations
    if language not in SUPPORTED_LANGUAGES:
        language = DEFAULT_LANGUAGE
    _current_language = language
    _translations = _catalogue(language)


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    # The compiled catalogues ship inside the package (app.translations, the top-level
    # translations/ folder of the source tree).
    mo = files("app.translations").joinpath(language, "LC_MESSAGES", f"{DOMAIN}.mo")
    try:
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    except FileNotFoundError:
        return gettext.NullTranslations()


def current_language() -> str:
    return _current_language


def _(message: str) -> str:
    return _translations.gettext(message)


def pgettext(context: str, message: str) -> str:
    """For a word that needs two translations ("Title": Civilité on a patient, Titre
    for a practitioner)."""
    return _translations.pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def locale() -> Locale:
    return Locale.parse(_current_language)


def format_date(value: date, fmt: str = "short") -> str:
    """Dates as a French or English reader expects them (12/03/1958 in French)."""
    if fmt == "short":
        # The practice is French: day first in both languages, four-digit year, so a
        # birth date typed by an English-speaking remote secretary is never ambiguous.
        return _babel_format_date(value, "dd/MM/yyyy", locale=_current_language)
    if _current_language == "fr" and value.day == 1:
        fmt = _FIRST_OF_MONTH.sub("d'er'", fmt)  # "1er décembre", as French writes it
    return _babel_format_date(value, fmt, locale=_current_language)


# A lone "d" (not "dd") before the month's name: the day written as a word is.
_FIRST_OF_MONTH = re.compile(r"(?<![d'])d(?= M{3,})")


def format_heading_date(value: date) -> str:
    """A day as every heading writes it: "Lundi 7 décembre 2026", "Monday 7 December 2026"
    (the first letter raised, the rest as the language writes it)."""
    return capitalise_first(format_date(value, "EEEE d MMMM y"))


def capitalise_first(text: str) -> str:
    """The first letter in capitals, the rest untouched ("December" stays so in English,
    where ``str.capitalize`` would lower it)."""
    return text[:1].upper() + text[1:]


def format_datetime(value: datetime, tz: str, fmt: str = "short") -> str:
    from zoneinfo import ZoneInfo

    return _babel_format_datetime(value, fmt, tzinfo=ZoneInfo(tz), locale=_current_language)


def format_number(value: float | int) -> str:
    return format_decimal(value, locale=_current_language)


set_language(DEFAULT_LANGUAGE)
