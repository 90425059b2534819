"""Phone numbers: parsed and stored in E.164 (with ``phonenumbers``), shown French-style.

The French numbering plan covers metropolitan France and the overseas departments:
"0590 12 34 56" is dialled so from Paris as from Pointe-à-Pitre, but in E.164 it carries
the department's own country code (+590 590 12 34 56). Numbers of the plan are read
from their national form and shown in it; any other number is shown in international form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import CountryCodeSource, NumberParseException, PhoneNumber, PhoneNumberFormat

from app.i18n import _
from app.services.errors import ServiceError

DEFAULT_REGION = "FR"
# Country codes of the French plan: France, then +590 Guadeloupe, Saint-Barthélemy and
# Saint-Martin, +596 Martinique, +594 Guyane, +262 La Réunion and Mayotte.
# Saint-Pierre-et-Miquelon (+508, six-digit numbers) is outside the plan.
FRENCH_PLAN_CODES = ("33", "590", "596", "594", "262")
_OVERSEAS_PREFIXES = frozenset(FRENCH_PLAN_CODES[1:])
_OVERSEAS_CODES = tuple(int(code) for code in FRENCH_PLAN_CODES[1:])
# The overseas landlines and mobiles (0262, 0268, 0590, 0596, 0639, 0692, 0709 0...).
# ``phonenumbers`` also counts some of them (0596, 0269...) as valid metropolitan
# numbers, which they are not: for these leads the overseas codes are tried first.
# Non-geographic numbers (08, 09) are national and stay metropolitan. The leads are
# checked against the ``phonenumbers`` metadata by the tests of every range.
_OVERSEAS_LEADS = re.compile(r"26[2389]|59[0468]|639|69[0-467]|709", re.ASCII)
_OVERSEAS_FIRST = (*_OVERSEAS_CODES, 33)
_FRANCE_FIRST = (33, *_OVERSEAS_CODES)

# The usual ways a French number is written: "06 12 34 56 78", "06.12.34.56.78",
# "0612345678", "+33 6 12 34 56 78", "0033612345678" (ASCII digits, one separator at
# most between groups). For these, what ``phonenumbers.parse`` would find is known
# without running it: the nine digits after the trunk "0" or the country code 33.
# Validity is still decided by ``phonenumbers``.
_FRENCH = re.compile(
    r"(0|(?:\+|00)33[ .\-]?)([1-9])[ .\-]?([0-9]{2})[ .\-]?([0-9]{2})[ .\-]?([0-9]{2})"
    r"[ .\-]?([0-9]{2})", re.ASCII)


@dataclass(frozen=True)
class ParsedPhone:
    raw: str
    e164: str


class InvalidPhone(ServiceError, ValueError):
    code = "invalid_phone"

    @property
    def user_message(self) -> str:
        return _("This is not a valid phone number.")


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> ParsedPhone:
    """Accepts "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678",
    and the overseas departments' numbers as dialled in France ("0590 12 34 56")."""
    text = raw.strip()
    if region == "FR":
        m = _FRENCH.fullmatch(text)
        if m is not None:
            national = "".join(m.groups()[1:])
            e164 = _in_plan(national) if m.group(1) == "0" else _in_plan(national, (33,))
            if e164 is None:
                raise InvalidPhone(raw)
            return ParsedPhone(raw=text, e164=e164)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region, keep_raw_input=True)
    except NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if number.italian_leading_zero:
        # Zeros kept before the national number ("0 00100000000"): no number of the
        # French plan has them, and ``phonenumbers`` does not count them valid.
        e164 = (phonenumbers.format_number(number, PhoneNumberFormat.E164)
                if phonenumbers.is_valid_number(number) else None)
    elif (region == "FR" and number.country_code == 33
            and number.country_code_source == CountryCodeSource.FROM_DEFAULT_COUNTRY):
        e164 = _in_plan(str(number.national_number))  # typed nationally: "(0590) 123 456"
    elif phonenumbers.is_valid_number(number):
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    else:
        e164 = None
    if e164 is None:
        raise InvalidPhone(raw)
    return ParsedPhone(raw=raw.strip(), e164=e164)


def _in_plan(national: str, codes: tuple[int, ...] | None = None) -> str | None:
    """The E.164 form of the national number ``national`` (without its trunk "0") of the
    French plan, or None: "590123456" -> "+590590123456", "612345678" -> "+33612345678"."""
    if codes is None:
        codes = _OVERSEAS_FIRST if _OVERSEAS_LEADS.match(national) else _FRANCE_FIRST
    value = int(national)
    for code in codes:
        if phonenumbers.is_valid_number(PhoneNumber(country_code=code, national_number=value)):
            return f"+{code}{national}"
    return None


def display_phone(e164: str, region: str = DEFAULT_REGION) -> str:
    """The one way a number is shown and exported: the national form a secretary in
    France dials for numbers of the French plan ("06 12 34 56 78", "0692 45 67 89"),
    international form for the others ("+41 22 345 67 89")."""
    if region == "FR" and e164[:1] == "+" and e164[1:].isdigit():
        # A result list formats a hundred of them per keystroke: skip the general formatter.
        if len(e164) == 12 and e164.startswith("+33"):  # in pairs: 06 12 34 56 78
            return f"0{e164[3]} {e164[4:6]} {e164[6:8]} {e164[8:10]} {e164[10:]}"
        if len(e164) == 13 and e164[1:4] in _OVERSEAS_PREFIXES:
            national = "0" + e164[4:]  # four digits, then pairs: 0692 45 67 89
            return " ".join((national[:4], national[4:6], national[6:8], national[8:]))
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def national_digits(e164: str) -> str:
    """The digits dialled in France: "+33612345678" -> "0612345678", "+262692456789" ->
    "0692456789"; other countries keep their full digits. Works on a prefix too."""
    for code in FRENCH_PLAN_CODES:
        if e164.startswith("+" + code):
            return "0" + e164[1 + len(code):]
    return e164.lstrip("+")


def is_mobile(e164: str) -> bool:
    """Whether the number is a mobile's (the card files it as "Mobile", else "Home")."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
