"""Folding for search and sorting."""

from __future__ import annotations

import pytest

from app.models.text import clean_name, fold, name_tokens, one_line, plain_text, sort_key


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


# -- cleaning for terminals and file formats ------------------------------------------
# Each of these could forge a line or a field, restyle a terminal or reverse what follows.
UNSAFE = ["\n", "\r", "\r\n", "\t", "\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b",
          "\x1b[31m", "\x1c", "\x1f", "\x7f", "\x85", "\x9b", "\x9f", "\u2028", "\u2029",
          "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
          "\u2067", "\u2068", "\u2069"]
_FORBIDDEN = set("\x7f\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                 "\u2068\u2069") | {chr(c) for c in range(0x20)} | {chr(c) for c in
                                                                    range(0x80, 0xa0)}


@pytest.mark.parametrize("bad", UNSAFE)
def test_one_line_and_clean_name_leave_no_control_character(bad):
    text = f"Dr{bad}Morel{bad}"
    assert not set(one_line(text)) & _FORBIDDEN
    assert not set(clean_name(text)) & _FORBIDDEN
    assert clean_name(text).startswith("Dr") and "Morel" in clean_name(text)
    assert not set(plain_text(text)) & (_FORBIDDEN - {"\n", "\t"})
    assert "\r" not in plain_text(text)


def test_cleaning_keeps_what_is_printable():
    text = "Lætitia Chloé — d’Arc « 1 » ß 漢字"
    assert one_line(text) == clean_name(text) == plain_text(text) == text


def test_clean_name_is_one_line_with_single_spaces():
    assert clean_name("  Dr\nFAKE\tLINE\x1b[31m\u202e  ") == "Dr FAKE LINE [31m"
    assert one_line("a\tb\nc") == "a b c"


def test_plain_text_keeps_lines_and_tabs_in_one_convention():
    assert plain_text("a\r\nb\rc\u2028d\u2029e\x85f\tg\x1bh\u202ei") == "a\nb\nc\nd\ne\nf\tg hi"
