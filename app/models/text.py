"""Text as the program handles it: folding for search and sorting (case, accents,
ligatures, hyphens, apostrophes), and cleaning for terminals and file formats."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_SEPARATORS = re.compile(r"[\s\-‐–—'’`´.,;:/_()\[\]\"]+")
# What can rewrite a terminal line or forge a line or a field of a file format: C0 and C1
# controls (DEL too), the line and paragraph separators; and the bidirectional marks,
# embeddings, overrides and isolates, which make what follows them read backwards.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS_BUT_TAB_LF = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# Names repeat a lot (an import folds each one several times): remember recent ones.
@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, no diacritics, ligatures spelt out: "Lætitia Chloé" -> "laetitia chloe"."""
    text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def name_tokens(text: str) -> list[str]:
    """Folded words of a name: "Le Saint-Éloi d'Arc" -> ["le", "saint", "eloi", "d", "arc"]."""
    return [t for t in _SEPARATORS.split(fold(text)) if t]


def name_terms(name: str) -> list[str]:
    """The words of a name as the search finds them: each folded word, and a compound
    word also joined ("N'Diaye" -> n, diaye, ndiaye; "Jean-Éric" -> jean, eric, jeaneric)."""
    terms = name_tokens(name)
    for word in name.split():
        parts = name_tokens(word)
        if len(parts) > 1:
            terms.append("".join(parts))
    return terms


def sort_key(*parts: str) -> str:
    return " ".join(" ".join(name_tokens(p)) for p in parts if p).strip()


def one_line(text: str) -> str:
    """``text`` safe on one line of a terminal or as one value of a line-based format:
    every control character and line break a space, bidirectional controls removed."""
    if text.isprintable():  # the usual case, at C speed: none of those is printable
        return text
    return _CONTROLS.sub(" ", _BIDI.sub("", text))


def clean_name(text: str) -> str:
    """A name as it is saved: ``one_line``, runs of spaces made one, none at either end."""
    return " ".join(one_line(text).split())


def plain_text(text: str) -> str:
    """Text of several lines (a note) for a file format: every line break "\\n" whatever
    its convention, tabs kept, any other control character a space, bidirectional
    controls removed."""
    if text.isprintable():
        return text
    text = _LINE_BREAKS.sub("\n", _BIDI.sub("", text))
    return _CONTROLS_BUT_TAB_LF.sub(" ", text)
