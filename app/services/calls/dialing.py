"""Click-to-dial: how this workstation dials a number, and what it starts.

Three ways, chosen in Réglages → Calls (workstation settings ``dial_method`` and
``dial_template``):

- ``tel``: a ``tel:+33612345678`` link handed to the system, which gives it to the
  softphone registered for ``tel:`` (the default);
- ``url``: an HTTP(S) URL called in the background, for a desk phone or a PBX that dials
  on request (Yealink ``/servlet?key=number=…``, Snom ``/command.htm?number=…``, 3CX);
- ``command``: a program run with arguments (never through a shell).

A template holds ``{number}`` (E.164, ``+33612345678``) or ``{national}``
(``0612345678``); in a URL they are percent-encoded, in a command each is one argument's
text. A ``tel:`` URI given to ``permanence dial`` is read by ``number_from_uri``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from app.errors import MessageError
from app.i18n import _
from app.services.calls.numbers import WITHHELD, call_number
from app.services.phones import national_digits

TEL, URL, COMMAND = "tel", "url", "command"
METHODS = (TEL, URL, COMMAND)
TEMPLATE_MAX = 500
_PLACEHOLDERS = ("{number}", "{national}")


class DialRefused(MessageError):
    code = "dial_refused"


@dataclass(frozen=True)
class DialTarget:
    method: str
    number: str  # E.164
    url: str = ""  # tel: or http(s)
    argv: tuple[str, ...] = ()  # command


def number_from_uri(uri: str) -> str:
    """The E.164 number of ``tel:…`` (visual separators and parameters allowed), or of a
    bare number; ``DialRefused`` for anything else."""
    text = unquote(uri.strip())
    if text.lower().startswith("tel:"):
        text = text[4:].lstrip("/")
    text = text.split(";", 1)[0]
    number = call_number(text) if text.strip() else WITHHELD
    if number == WITHHELD:
        raise DialRefused(_("There is no number to dial in “{uri}”.").format(uri=uri[:80]))
    return number


def check_template(method: str, template: str) -> str:
    """The template as saved, or ``DialRefused`` saying what is wrong."""
    template = template.strip()
    if method not in METHODS:
        raise DialRefused(_("Choose how this workstation dials."))
    if method == TEL:
        return ""
    if not template or len(template) > TEMPLATE_MAX or not template.isprintable():
        raise DialRefused(_("Give the template (at most {n} characters, on one line).")
                          .format(n=TEMPLATE_MAX))
    if not any(p in template for p in _PLACEHOLDERS):
        raise DialRefused(_("The template must hold {number} or {national}, where the number "
                            "goes."))
    if method == URL and urlsplit(template).scheme.lower() not in ("http", "https"):
        raise DialRefused(_("A dialling URL starts with http:// or https://."))
    if method == COMMAND:
        try:
            if not shlex.split(template):
                raise ValueError
        except ValueError:
            raise DialRefused(_("The command cannot be read: check its quotes.")) from None
    return template


def _fill(text: str, number: str, *, encode) -> str:
    return (text.replace("{number}", encode(number))
            .replace("{national}", encode(national_digits(number))))


def dial_target(method: str, template: str, number: str) -> DialTarget:
    """What to start to dial ``number`` (any format; E.164 in the target)."""
    e164 = number_from_uri(number)
    template = check_template(method, template)
    if method == TEL:
        return DialTarget(TEL, e164, url=f"tel:{e164}")
    if method == URL:
        return DialTarget(URL, e164, url=_fill(template, e164,
                                               encode=lambda v: quote(v, safe="")))
    argv = tuple(_fill(arg, e164, encode=str) for arg in shlex.split(template))
    return DialTarget(COMMAND, e164, argv=argv)
