"""Folding for search and sorting: case, accents, ligatures, hyphens, apostrophes."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_SEPARATORS = re.compile(r"[\s\-‐–—'’`´.,;:/_()\[\]\"]+")


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


def sort_key(*parts: str) -> str:
    return " ".join(" ".join(name_tokens(p)) for p in parts if p).strip()
