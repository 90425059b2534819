"""What goes into the patient search index, and how a typed query becomes an FTS5 query.

Index terms for one patient:
- folded name words (birth name, used name, first names), searched by prefix;
- ``_p<digits>`` for each phone in national form (prefix search on what is typed) and
  ``_l<last four digits>``;
- ``_d<yyyymmdd>`` and ``_y<yyyy>`` for the birth date.

The underscore is a token character for the index but a separator in names, so a
name prefix such as "p" never matches a phone term.

Query words: a date ("12/03/1958", "12-03-1958", "1958-03-12") matches ``d``; four
digits match a birth year or the end of a phone (the start of one too when they begin
with 0); five or more digits (or "+33...") match a phone prefix; a query made only of
groups of digits ("06 55", "06 55 02", "+33 6 55") is one number, as dictated; anything
else is a name prefix. Every word must match. A name word may also be given whole words
of the index that stand for it (a name typed by ear, see PatientService.search).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from app.services.phones import national_digits
from app.models.text import name_terms, name_tokens

_DATE_FR = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_PHONEISH = re.compile(r"^\+?[\d .\-()]{5,}$")
_DICTATED = re.compile(r"^\+?\d+(?:[ .\-]+\d+)+$")


def index_terms(*, names: Iterable[str], phones_e164: Iterable[str], birth_date: date | None) -> str:
    terms: list[str] = []
    for name in names:
        terms.extend(name_terms(name))
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
    """Whitespace words, but a phone typed with spaces ("06 12 34 56 78") stays whole, and
    so does a number dictated in pairs from the second pair on ("06 55")."""
    stripped = query.strip()
    digits = len(re.sub(r"\D", "", stripped))
    if _PHONEISH.match(stripped) and digits >= 5:
        return [stripped]
    if _DICTATED.match(stripped) and digits >= 4:
        return [stripped]
    return stripped.split()


def _is_number(word: str) -> bool:
    digits = re.sub(r"\D", "", word)
    return bool(digits) and len(digits) == len(re.sub(r"[\s.\-()+]", "", word))


def _as_phone(word: str) -> tuple[str, str] | None:
    """(the start of a number as indexed, the four digits it may also end with or "") for
    a number word searched as a phone; None if it is not one, or says too little."""
    digits = re.sub(r"\D", "", word)
    if word.startswith("+") or len(digits) >= 5:
        national = _phone_digits(word)
        # "+33 6" alone says too little: the start of a number from four digits on.
        return (national, "") if len(national) >= 4 else None
    if len(digits) == 4 and digits.startswith("0"):
        # No birth year starts with 0: the start of a French number, or its end.
        return digits, digits
    return None


def _number_group(word: str) -> str | None:
    phone = _as_phone(word)
    if phone is not None:
        start, last_four = phone
        return f'("_l{last_four}" OR "_p{start}"*)' if last_four else f'"_p{start}"*'
    digits = re.sub(r"\D", "", word)
    if len(digits) == 4 and not word.startswith("+"):
        return f'("_y{digits}" OR "_l{digits}")'
    return None  # fewer than four digits alone say too little to search on


@dataclass(frozen=True)
class PhoneSearch:
    """A query that is one number searched as a phone: the start of the number in E.164
    ("+33655"), and the four digits it may also end with ("" if none)."""

    e164_start: str
    last_four: str = ""


def phone_search(query: str) -> PhoneSearch | None:
    """What to look for when the whole query is the start of a phone number."""
    words = _split_query(query)
    if len(words) != 1 or _as_date(words[0]) is not None or not _is_number(words[0]):
        return None
    phone = _as_phone(words[0])
    if phone is None:
        return None
    national, last_four = phone
    # The inverse of national_digits: the index holds French numbers in national form.
    e164 = "+33" + national[1:] if national.startswith("0") else "+" + national
    return PhoneSearch(e164, last_four)


def name_words(query: str) -> list[str]:
    """The folded name words of what was typed (neither dates nor numbers), once each."""
    words: list[str] = []
    for word in _split_query(query):
        if _as_date(word) is None and not _is_number(word):
            words.extend(name_tokens(word))
    return list(dict.fromkeys(words))


def fts_query(query: str, alternatives: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The FTS5 MATCH expression for what was typed; None if nothing searchable.

    ``alternatives``: for a name word (as ``name_words`` gives it), whole words of the
    index that also count for it (they sound alike, or are one letter off).
    """
    groups: list[str] = []
    for word in _split_query(query):
        when = _as_date(word)
        if when is not None:
            groups.append(f'"_d{when:%Y%m%d}"')
            continue
        if _is_number(word):
            group = _number_group(word)
            if group is not None:
                groups.append(group)
            continue
        for token in name_tokens(word):
            others = [w for w in (alternatives or {}).get(token, ()) if w != token]
            if others:
                groups.append("(" + " OR ".join([f'"{token}"*'] + [f'"{w}"' for w in others])
                              + ")")
            else:
                groups.append(f'"{token}"*')
    return " AND ".join(groups) if groups else None
