"""Names as they sound: a French phonetic key, and the one-letter-off neighbourhood of a word.

``phonetic_key`` is written for names heard on the phone and typed by ear, in the spirit
of Soundex FR and Phonex: spellings that a French speaker says alike get the same key
("Lefebvre", "Lefèvre"; "Dupond", "Dupont"; "Mathieu", "Matthieu"; "Philippe", "Filipe"),
while sounds a listener tells apart stay apart ("Jean" and "Jeanne", "Simon" and
"Simone", "Martin" and "Martine"). It works on folded words (no case, no accents), as the
search index holds them. The key uses capitals for sounds, and digits for the three nasal
vowels: 1 "in/un", 2 "an/en", 3 "on".

The keys are stored in the database: changing the rules calls for a migration that
computes them again.

``one_letter_off`` gives the words one deletion away (and the word itself): two words
sharing one of them differ by at most one letter missing, extra, wrong or two letters
swapped (symmetric deletion, as in SymSpell).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from app.models.text import fold

_VOWEL = "aeiouyAEIOUY"
_V = f"[{_VOWEL}W]"  # what follows a vowel and keeps it from being nasal ("Benoît")
_NOT_LETTER = re.compile(r"[^a-z]")

# In order: each rule sees the output of the ones before it. Lower case is still a
# letter as written, upper case (and digits) a sound already decided.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), sound) for pattern, sound in (
        # Silent endings: "Dupont", "Bernard", "Thomas", "Leroux", "Bouchez", "Regnault".
        (r"(?<=[a-z])[dstxz]+$", ""),
        (r"(?<=[a-z]{3})er$", "e"),        # "Boucher", "Mercier", "Roger" end as "é"
        # Consonant groups.
        (r"aul$", "O"),                     # "Renault", "Thibault"
        (r"(?<=j)e(?=a)", ""),              # "Jean", "Jeanne"
        (r"(?<=n)c(?=o[iy])", "s"),         # "François" once folded
        (r"bv", "v"),                       # "Lefebvre"
        (r"ph", "F"),
        (r"th", "T"),
        (r"gh", "G"),
        (r"ch(?=[rl])", "K"),               # "Christophe", "Chloé"
        (r"s?ch|sh", "X"),
        (r"cqu|qu|ck|q", "K"),
        (r"gn", "NI"),
        (r"gu(?=[eiy])", "G"),              # "Guérin", "Guy"
        (r"ge(?=[aou])", "J"),              # "Georges", "Geoffroy"
        (r"g(?=[eiy])", "J"),               # "Girard", "Gilles"
        (r"cc(?=[eiy])", "KS"),
        (r"c(?=[eiy])", "S"),
        (r"[ck]", "K"),
        (r"(?<=[a-z])x", "KS"),
        (r"^x", "KS"),
        (r"(?<=[aeiou])ill|(?<=[aeiou])il$", "I"),  # "Mireille", "Mareuil"
        # Vowel groups, nasals before the plain vowels they are made of.
        (r"eau|au", "O"),
        (r"oeu|eu|oe(?=[^aeiouy])", "E"),
        (rf"oin(?!{_V}|n)", "W1"),
        (r"o[iy]", "WA"),
        (r"ou|oo", "U"),
        (rf"(?:ai|ei)[nm](?!{_V}|[nm])", "1"),
        (r"ai|ei|ay|ey", "E"),
        (rf"[iy]en(?!{_V}|n)", "I1"),       # "Julien", "Fabien"
        (rf"(?:[iyu][nm])(?!{_V}|[nm])", "1"),
        (rf"(?:[ae][nm])(?!{_V}|[nm])", "2"),
        (rf"o[nm](?!{_V}|[nm])", "3"),
        (r"y", "I"),
        (rf"(?<={_V})s(?={_V})", "Z"),      # "Isabelle", "Rose"
        (r"h", ""),
        (r"w", "V"),
        (r"u", "Y"),
    ))
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def phonetic_key(word: str) -> str:
    """The key of one name word ("Lefèvre" -> "LEFEVR"); "" if it has no letters."""
    letters = _NOT_LETTER.sub("", fold(word.replace("ç", "s").replace("Ç", "s")))
    if not letters:
        return ""
    for pattern, sound in _RULES:
        letters = pattern.sub(sound, letters)
    key = _REPEATS.sub(r"\1", letters.upper())
    if len(key) > 2 and key.endswith("E"):
        key = key[:-1]  # a final e is silent: "Philippe", "Lemaire", "Andrée", "Marie"
    return key


def one_letter_off(word: str) -> set[str]:
    """``word`` and every string one letter shorter."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """At most one letter inserted, deleted or replaced, or two neighbours swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    if len(a) == len(b):
        return a[1:] == b[1:] or (len(a) > 1 and a[0] == b[1] and a[1] == b[0]
                                  and a[2:] == b[2:])
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[1:] == shorter


# -- the search's vocabulary of name words ---------------------------------------------
# Words shorter than this say too little for a sound or a typo to be guessed.
MIN_SOUND_WORD = 3
MIN_TYPO_WORD = 4
MAX_TYPO_WORD = 30


def guessable(word: str) -> bool:
    """A word long enough, and of letters only, for a sound or a typo to be guessed ("lot7"
    and "lot8" are codes, not names one letter apart)."""
    return len(word) >= MIN_SOUND_WORD and word.isalpha()


def vocabulary_rows(words: Iterable[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(word, key)`` and ``(variant, word)`` rows for the folded name words ``words``."""
    sounds: list[tuple[str, str]] = []
    variants: list[tuple[str, str]] = []
    for word in dict.fromkeys(words):
        if not guessable(word):
            continue
        key = phonetic_key(word)
        if key:
            sounds.append((word, key))
        if MIN_TYPO_WORD <= len(word) <= MAX_TYPO_WORD:
            variants.extend((v, word) for v in one_letter_off(word))
    return sounds, variants
