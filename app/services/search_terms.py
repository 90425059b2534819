"""What goes into the patient search index, and how a typed query becomes an FTS5 query.

Index terms for one patient:
- folded name words (birth name, used name, first names), searched by prefix;
- ``_p<digits>`` for each phone in national form (prefix search on what is typed) and
  ``_l<last four digits>``;
- ``_d<yyyymmdd>`` and ``_y<yyyy>`` for the birth date.

The underscore is a token character for the index but a separator in names, so a
name prefix such as "p" never matches a phone term.

Query words: a date ("12/03/1958", "12-03-1958", "1958-03-12") matches ``d``; four
digits match a birth year or the end of a phone; five or more digits (or "+33...")
match a phone prefix; anything else is a name prefix. Every word must match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from app.services.phones import national_digits
from app.models.text import name_tokens

_DATE_FR = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_PHONEISH = re.compile(r"^\+?[\d .\-()]{5,}$")


def index_terms(*, names: Iterable[str], phones_e164: Iterable[str], birth_date: date | None) -> str:
    terms: list[str] = []
    for name in names:
        terms.extend(name_tokens(name))
        for word in name.split():
            parts = name_tokens(word)
            if len(parts) > 1:  # "N'Diaye" is also found as "ndiaye", "Jean-Éric" as "jeaneric"
                terms.append("".join(parts))
    for e164 in phones_e164:
        digits = national_digits(e164)
        terms.append("_p" + digits)
        terms.append("_l" + digits[-4:])
    if birth_date is not None:
        terms.append("_d" + birth_date.strftime("%Y%m%d"))
        terms.append("_y" + birth_date.strftime("%Y"))
    return " ".join(dict.fromkeys(terms))


def _phone_digits(word: str) -> str:
    """Digits as indexed: numbers of the French plan in national form, others without
    "+" or "00"."""
    digits = re.sub(r"\D", "", word.replace("(0)", ""))
    if word.strip().startswith("+"):
        digits = "00" + digits
    if digits.startswith("00"):
        return national_digits("+" + digits[2:])
    return digits


def _as_date(word: str) -> date | None:
    m = _DATE_FR.match(word)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _DATE_ISO.match(word)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def _split_query(query: str) -> list[str]:
    """Whitespace words, but a phone typed with spaces ("06 12 34 56 78") stays whole."""
    stripped = query.strip()
    if _PHONEISH.match(stripped) and len(re.sub(r"\D", "", stripped)) >= 5:
        return [stripped]
    return stripped.split()


def fts_query(query: str) -> str | None:
    """The FTS5 MATCH expression for what was typed; None if nothing searchable."""
    groups: list[str] = []
    for word in _split_query(query):
        when = _as_date(word)
        if when is not None:
            groups.append(f'"_d{when:%Y%m%d}"')
            continue
        digits = re.sub(r"\D", "", word)
        if digits and len(digits) == len(re.sub(r"[\s.\-()+]", "", word)):
            if len(digits) == 4 and digits.startswith("0"):
                # No birth year starts with 0: the start of a French number.
                groups.append(f'("_l{digits}" OR "_p{digits}"*)')
            elif len(digits) == 4:
                groups.append(f'("_y{digits}" OR "_l{digits}")')
            elif len(digits) >= 5:
                groups.append(f'"_p{_phone_digits(word)}"*')
            # fewer than four digits alone say too little to search on
            continue
        for token in name_tokens(word):
            groups.append(f'"{token}"*')
    return " AND ".join(groups) if groups else None
