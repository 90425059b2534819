"""Folding for search and sorting."""

from __future__ import annotations

import pytest

from app.models.text import fold, name_tokens, sort_key


@pytest.mark.parametrize("given, folded", [
    ("Lætitia", "laetitia"),
    ("LÆTITIA", "laetitia"),
    ("Œdipe", "oedipe"),
    ("cœur", "coeur"),
    ("Chloé Hélène", "chloe helene"),
    ("ÉLOÏSE", "eloise"),
    ("François", "francois"),
    ("Straße", "strasse"),
    ("ﬁdèle", "fidele"),  # the "fi" ligature (NFKD)
    ("Nguyễn", "nguyen"),
    ("", ""),
])
def test_fold(given, folded):
    assert fold(given) == folded


@pytest.mark.parametrize("given, tokens", [
    ("Le Saint-Éloi d'Arc", ["le", "saint", "eloi", "d", "arc"]),
    ("Lætitia", ["laetitia"]),
    ("Œdipe", ["oedipe"]),
    ("N’Diaye", ["n", "diaye"]),  # typographic apostrophe
    ("Jean-Éric  Marie", ["jean", "eric", "marie"]),
    ("Dupont–Moretti", ["dupont", "moretti"]),  # en dash
    ("  de   la Tour (dite)  ", ["de", "la", "tour", "dite"]),
    ("St. Jean_Baptiste", ["st", "jean", "baptiste"]),
    ("- ' .", []),
    ("", []),
])
def test_name_tokens(given, tokens):
    assert name_tokens(given) == tokens


def test_sort_key_orders_like_a_french_reader_expects():
    names = [("Élise", "Zoé"), ("Eliott", "Anne"), ("de la Tour", "Marc"), ("Dupont", "Éric"),
             ("Dupont", "Alain")]
    ordered = sorted(names, key=lambda n: sort_key(*n))
    assert ordered == [("de la Tour", "Marc"), ("Dupont", "Alain"), ("Dupont", "Éric"),
                       ("Eliott", "Anne"), ("Élise", "Zoé")]
    assert sort_key("Martin", "Jean-Éric") == "martin jean eric"
    assert sort_key("", "Jean") == "jean"
