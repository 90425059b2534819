"""How strong a new passphrase must be: one rule for the setup assistant and the command line.

It follows the CNIL's recommendation on passwords (deliberation 2022-100): length and
unpredictability rather than composition rules (a long passphrase of unrelated words is
the easiest strong secret to remember), a strength estimate shown while typing, and no
forced expiry (a passphrase is changed when it may have leaked, not on a schedule).

The estimate is zxcvbn's: the number of guesses an attacker who knows how people choose
passwords (dictionaries, names, repetitions, sequences, keyboard rows, dates, common
substitutions) would need. It is far below the naive "charset ** length": the smallest
password the CNIL gives as enough on its own (twelve random characters of four kinds,
about 80 bits in its count) scores about 10**12 here. That is the bar, with at least
twelve characters. zxcvbn's lists are English: common French passwords, AZERTY rows and
the practice's own words are added as a dictionary of their own.

The key envelope's Argon2id (64 MiB, three passes per guess) sits on top of this.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from zxcvbn import zxcvbn

from app.i18n import _, pgettext
from app.services.errors import ValidationError
from app.storage.keys import DEMO_PASSPHRASE

MIN_LENGTH = 12
STRONG_LOG10 = 12.0   # accepted from here (see above)
MEDIUM_LOG10 = 8.0
# zxcvbn's time grows fast with the length; a passphrase's first 100 characters say
# enough (more characters only add guesses).
ESTIMATED_CHARS = 100

# Guessed early by anyone attacking a French practice; zxcvbn's lists miss them.
FRENCH_WORDS = (
    "azerty", "azertyuiop", "qsdfghjklm", "wxcvbn", "azertyuiopqsdfghjklm", "motdepasse",
    "mot de passe", "soleil", "bonjour", "doudou", "chouchou", "loulou", "jetaime",
    "marseille", "coucou", "nicolas", "camille", "julien", "chocolat", "princesse",
    "liberte", "france", "amour", "papillon", "bisous", "vacances", "maison", "famille",
    "bienvenue", "salut", "secret", "medecin", "docteur", "cabinet", "cabinet medical",
    "secretariat", "sante", "patient", "patients", "permanence", "demo",
)


class Level(IntEnum):
    WEAK = 0
    MEDIUM = 1
    STRONG = 2


@dataclass(frozen=True)
class Strength:
    level: Level
    acceptable: bool
    guesses_log10: float
    advice: str   # what would make it stronger; "" once acceptable

    @property
    def label(self) -> str:
        """"weak", "medium" or "strong", in the user's language."""
        return {Level.WEAK: pgettext("passphrase strength", "weak"),
                Level.MEDIUM: pgettext("passphrase strength", "medium"),
                Level.STRONG: pgettext("passphrase strength", "strong")}[self.level]

    @property
    def fraction(self) -> float:
        """0 to 1, for a gauge: 1 at the bar."""
        return max(0.0, min(1.0, self.guesses_log10 / STRONG_LOG10))


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))


def _dictionary(context: Iterable[str]) -> list[str]:
    """The practice's own words (its name, the people's names) first, then the French
    list: zxcvbn ranks earlier entries as likelier guesses."""
    words: list[str] = []
    for text in context:
        text = _strip_accents(text.strip().lower())
        if not text:
            continue
        words.append(text)
        words.append(text.replace(" ", ""))
        words.extend(w for w in text.replace("-", " ").split() if len(w) >= 3)
    return [*dict.fromkeys([*words, *FRENCH_WORDS])]


def _advice(result: dict, length: int) -> str:
    if length < MIN_LENGTH:
        return _("Use at least {n} characters: for example four or five unrelated words, "
                 "separated by spaces or dashes.").format(n=MIN_LENGTH)
    patterns = {m["pattern"] for m in result["sequence"]}
    names = {m.get("dictionary_name") for m in result["sequence"]}
    if "user_inputs" in names:
        return _("Avoid the practice's name, the people's names and the most common "
                 "French passwords.")
    if "repeat" in patterns:
        return _("Avoid repeated characters or words.")
    if "sequence" in patterns:
        return _("Avoid sequences such as “abcd” or “1234”.")
    if "spatial" in patterns:
        return _("Avoid rows of keys such as “qwerty”.")
    if {"date", "regex"} & patterns:
        return _("Avoid dates and years.")
    if "dictionary" in patterns:
        return _("Avoid common words and passwords; add another uncommon word.")
    return _("Add another word or two; uncommon words are better.")


def estimate(passphrase: str, *, context: Iterable[str] = ()) -> Strength:
    """How hard ``passphrase`` is to guess. ``context``: the practice's name and the
    people's names, which an attacker would try first."""
    text = unicodedata.normalize("NFC", passphrase)
    if not text:
        return Strength(Level.WEAK, False, 0.0, _("Type a passphrase."))
    # zxcvbn lowercases dictionary matches but not accents: compare without them too.
    candidates = {text[:ESTIMATED_CHARS], _strip_accents(text)[:ESTIMATED_CHARS]}
    words = _dictionary(context)
    result = min((zxcvbn(c, user_inputs=words, max_length=ESTIMATED_CHARS)
                  for c in candidates), key=lambda r: r["guesses_log10"])
    log10 = float(result["guesses_log10"])
    if text == DEMO_PASSPHRASE:
        return Strength(Level.WEAK, False, log10,
                        _("“demo” is the public passphrase of the demo practices: choose "
                          "another one."))
    acceptable = log10 >= STRONG_LOG10 and len(text) >= MIN_LENGTH
    if acceptable:
        level = Level.STRONG
    elif log10 >= MEDIUM_LOG10 and len(text) >= MIN_LENGTH:
        level = Level.MEDIUM
    else:
        level = Level.WEAK
    return Strength(level, acceptable, log10, "" if acceptable else _advice(result, len(text)))


def check_new_passphrase(passphrase: str, *, context: Iterable[str] = (),
                         demo: bool = False) -> None:
    """Raise ``ValidationError`` (field ``passphrase``) unless ``passphrase`` may protect
    a new practice. A demo practice may also keep the documented demo passphrase."""
    if demo and passphrase == DEMO_PASSPHRASE:
        return
    strength = estimate(passphrase, context=context)
    if not strength.acceptable:
        raise ValidationError({"passphrase": _(
            "This passphrase is too easy to guess (strength: {strength}). {advice}").format(
                strength=strength.label, advice=strength.advice)})
