"""The number a phone system gives for a call: E.164, or "" for a withheld one.

Phone systems and desk phones say a withheld number in many ways ("anonymous",
"Masqué", "private", an empty field): each is recorded as an unknown caller, never
refused. Anything else must be a phone number (``app.services.phones.parse_phone``:
06…, +33 6…, 0033 6…, overseas numbers as dialled); a SIP address keeps its user part.
"""

from __future__ import annotations

import re
import unicodedata

from app.services.calls.errors import InvalidCallNumber
from app.services.phones import InvalidPhone, parse_phone

WITHHELD = ""  # how a withheld number is stored

_WITHHELD_WORDS = frozenset({
    "", "anonymous", "anonyme", "masque", "numero masque", "private", "prive",
    "numero prive", "restricted", "withheld", "unknown", "inconnu", "unavailable",
    "indisponible", "unavailable number", "blocked", "hidden", "cache", "p", "-",
})
_SIP = re.compile(r"^(?:sips?|tel):([^@;]*)", re.IGNORECASE)


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("_", " ").split())


def is_withheld(raw: str | None) -> bool:
    return raw is None or _folded(raw) in _WITHHELD_WORDS


def call_number(raw: str | None) -> str:
    """E.164, or ``WITHHELD``; raises ``InvalidCallNumber`` for anything else."""
    if is_withheld(raw):
        return WITHHELD
    assert raw is not None
    text = raw.strip()
    if m := _SIP.match(text):
        text = m.group(1)
        if is_withheld(text):
            return WITHHELD
    if len(text) > 40:
        raise InvalidCallNumber(raw)
    try:
        return parse_phone(text).e164
    except InvalidPhone:
        raise InvalidCallNumber(raw) from None
