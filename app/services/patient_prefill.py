"""A new card from what was typed in a search that found no one ("Créer ce patient").

The secretary types what the caller says: a name, a phone number, a birth date, or a
mix. Each goes to its field: a number to the phones (normalised when complete, else as
dictated so that the card asks for the rest), a date to the birth date, and the words to
the names. Names follow the French convention of lists and forms: the surname in capitals
("Suzanne VINCENT", "VINCENT Suzanne"); without capitals to tell, the first word is the
surname ("vincent suzanne"), as lists write it.
"""

from __future__ import annotations

import re
from datetime import date

from app.models import PhoneKind
from app.services.dates import InvalidDate, parse_french_date
from app.services.patients import PatientInput, PhoneEntry
from app.services.phones import InvalidPhone, display_phone, is_mobile, parse_phone

_DATE = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}$")
_PHONE_PART = re.compile(r"^\+?[\d.\-()]+$")
_YEAR = re.compile(r"^[12]\d{3}$")


def prefill_from_search(text: str, *, today: date) -> PatientInput:
    """The fields of a new card for ``text``; fields it says nothing of stay empty (a
    birth year alone fills no date)."""
    birth_date = ""
    number_parts: list[str] = []
    words: list[str] = []
    for word in text.split():
        if _DATE.match(word) and not birth_date and _is_date(word, today):
            birth_date = word
        elif _YEAR.match(word) and not number_parts:
            continue
        elif _PHONE_PART.match(word) and any(ch.isdigit() for ch in word):
            number_parts.append(word)
        elif any(ch.isdigit() for ch in word):
            continue  # no name has digits: an impossible date, a typo
        else:
            words.append(word)
    surname, first_names = split_name(words)
    phones = [_phone(" ".join(number_parts))] if number_parts else []
    return PatientInput(birth_name=surname, used_name=surname, first_names=first_names,
                        birth_date=birth_date, phones=phones)


def split_name(words: list[str]) -> tuple[str, str]:
    """(surname in capitals, first names capitalised) from the name words typed."""
    if not words:
        return "", ""
    upper = [w for w in words if _is_upper(w)]
    if upper and len(upper) < len(words):
        surname = upper
        given = [w for w in words if not _is_upper(w)]
    else:
        surname, given = words[:1], words[1:]
    return " ".join(surname).upper(), " ".join(_capitalised(w) for w in given)


def _is_upper(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _capitalised(word: str) -> str:
    """"jean-éric" -> "Jean-Éric"; a word typed with capitals is kept as typed."""
    if any(ch.isupper() for ch in word):
        return word
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def _is_date(word: str, today: date) -> bool:
    try:
        parse_french_date(word, today=today)
    except InvalidDate:
        return False
    return True


def _phone(number: str) -> PhoneEntry:
    """A complete number in the form the card shows; a partial one as dictated, in
    pairs, for the card to ask for the rest."""
    try:
        e164 = parse_phone(number).e164
    except InvalidPhone:
        digits = re.sub(r"\D", "", number)
        dictated = number.strip() if number.startswith("+") else " ".join(
            digits[i:i + 2] for i in range(0, len(digits), 2))
        mobile = digits[:2] in ("06", "07")
        return PhoneEntry(dictated, PhoneKind.MOBILE.value if mobile else PhoneKind.HOME.value)
    kind = PhoneKind.MOBILE.value if is_mobile(e164) else PhoneKind.HOME.value
    return PhoneEntry(display_phone(e164), kind)
