"""Phone numbers: parsed and stored in E.164 (with ``phonenumbers``), shown French-style."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

from app.i18n import _
from app.services.errors import ServiceError

DEFAULT_REGION = "FR"

# The usual ways a French number is written: "06 12 34 56 78", "06.12.34.56.78",
# "0612345678", "+33 6 12 34 56 78", "0033612345678" (ASCII digits, one separator at
# most between groups). For these, what ``phonenumbers.parse`` would find is known
# without running it: country code 33 and the nine digits after the trunk "0" or the
# country code. Validity is still decided by ``phonenumbers``.
_FRENCH = re.compile(
    r"(?:0|(?:\+|00)33[ .\-]?)([1-9])[ .\-]?([0-9]{2})[ .\-]?([0-9]{2})[ .\-]?([0-9]{2})"
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
    """Accepts "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678"."""
    text = raw.strip()
    if region == "FR":
        m = _FRENCH.fullmatch(text)
        if m is not None:
            national = "".join(m.groups())
            number = PhoneNumber(country_code=33, national_number=int(national))
            if not phonenumbers.is_valid_number(number):
                raise InvalidPhone(raw)
            return ParsedPhone(raw=text, e164="+33" + national)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return ParsedPhone(raw=raw.strip(), e164=phonenumbers.format_number(number, PhoneNumberFormat.E164))


def display_phone(e164: str, region: str = DEFAULT_REGION) -> str:
    """"06 12 34 56 78" for French numbers, international format for the others."""
    if region == "FR" and len(e164) == 12 and e164.startswith("+33") and e164[3:].isdigit():
        # Metropolitan numbers are always shown in pairs; a result list formats
        # a hundred of them per keystroke, so skip the general formatter.
        national = "0" + e164[3:]
        return " ".join(national[i:i + 2] for i in range(0, 10, 2))
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def national_digits(e164: str) -> str:
    """"+33612345678" -> "0612345678"; other countries keep their full digits."""
    if e164.startswith("+33"):
        return "0" + e164[3:]
    return e164.lstrip("+")
