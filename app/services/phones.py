"""Phone numbers: parsed and stored in E.164 (with ``phonenumbers``), shown French-style."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

DEFAULT_REGION = "FR"


@dataclass(frozen=True)
class ParsedPhone:
    raw: str
    e164: str


class InvalidPhone(ValueError):
    pass


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> ParsedPhone:
    """Accepts "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678"."""
    text = raw.strip()
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
