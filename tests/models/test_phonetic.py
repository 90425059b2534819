"""The French phonetic key of a name and the one-letter-off neighbourhood of a word."""

from __future__ import annotations

import pytest

from app.models.phonetic import (guessable, one_letter_off, phonetic_key, vocabulary_rows,
                                 within_one_edit)

# Spellings a French speaker says alike, as a secretary may type them by ear.
SAME_SOUND = [
    ("Lefebvre", "LEFÈVRE", "lefevre"),
    ("Dupond", "Dupont", "dupon"),
    ("Mathieu", "Matthieu", "Matieu"),
    ("Philippe", "Filipe", "Philip", "filippe"),
    ("Thomas", "Tomas"),
    ("Catherine", "Katherine"),
    ("Christophe", "Kristof"),
    ("Gauthier", "Gautier", "Gotier"),
    ("Rousseau", "Roussot", "Rousso"),
    ("Moreau", "Morot", "Moro"),
    ("Faure", "Fort"),
    ("Leroy", "Leroi"),
    ("Bernard", "Bernhard"),
    ("Laurent", "Lorant", "Lorent"),
    ("Vincent", "Vinsan"),
    ("Schmitt", "Schmit", "Chmit"),
    ("François", "Francois", "Fransoi"),
    ("Lemaire", "Lemerre", "Lemère"),
    ("Boucher", "Bouché", "Bouchet", "Bouchez"),
    ("Mercier", "Mersier"),
    ("Renault", "Renaud", "Reno"),
    ("Thibault", "Thibaut", "Tibo"),
    ("Michel", "Michelle", "Mishel"),
    ("Isabelle", "Isabel", "Izabel"),
    ("Sylvie", "Silvie"),
    ("Hélène", "Helene"),
    ("Mireille", "Mireil"),
    ("Guillaume", "Guilaume"),
    ("Rose", "Roze"),
    ("Dubois", "Duboi"),
    ("Jeanne", "Jane"),
    ("Inès", "Ines"),
]

# Sounds a listener tells apart.
DIFFERENT = [
    ("Jean", "Jeanne"),
    ("Simon", "Simone"),
    ("Martin", "Martine"),
    ("Rose", "Rosse"),
    ("Girard", "Gérard"),
    ("Stéphane", "Stephan"),
    ("Dupont", "Dupuis"),
    ("Martin", "Morin"),
]


@pytest.mark.parametrize("spellings", SAME_SOUND, ids=lambda s: "=".join(s))
def test_spellings_said_alike_share_a_key(spellings):
    keys = {phonetic_key(s) for s in spellings}
    assert len(keys) == 1 and "" not in keys, {s: phonetic_key(s) for s in spellings}


@pytest.mark.parametrize("a, b", DIFFERENT, ids=lambda s: s)
def test_sounds_told_apart_keep_apart(a, b):
    assert phonetic_key(a) != phonetic_key(b)


@pytest.mark.parametrize("word, key", [
    ("Lefebvre", "LEFEVR"), ("Dupont", "DYP3"), ("Vincent", "V1S2"), ("Achour", "AXUR"),
    ("", ""), ("'-", ""), ("h", ""),
])
def test_keys(word, key):
    assert phonetic_key(word) == key


def test_acour_is_not_achour_by_sound_but_one_letter_off():
    assert phonetic_key("acour") != phonetic_key("achour")
    assert one_letter_off("acour") & one_letter_off("achour")
    assert within_one_edit("acour", "achour")


@pytest.mark.parametrize("a, b, near", [
    ("achour", "acour", True),     # one missing
    ("dupont", "dupond", True),    # one wrong
    ("martin", "matrin", True),    # two swapped
    ("martin", "martins", True),   # one extra
    ("martin", "martin", True),
    ("martin", "marin", True),
    ("martin", "morin", False),
    ("abcd", "bcda", False),       # shares a deletion, yet two edits apart
    ("dupont", "dupuis", False),
    ("ab", "abcd", False),
])
def test_within_one_edit(a, b, near):
    assert within_one_edit(a, b) is near
    assert within_one_edit(b, a) is near
    if near:  # what the search looks up finds every word within one edit
        assert one_letter_off(a) & one_letter_off(b)


def test_one_letter_off_holds_the_word_and_its_deletions():
    assert one_letter_off("abc") == {"abc", "bc", "ac", "ab"}
    assert one_letter_off("aab") == {"aab", "ab", "aa"}


def test_vocabulary_rows_skip_short_words_and_codes():
    assert not guessable("le") and not guessable("lot7") and guessable("roy")
    sounds, variants = vocabulary_rows(["le", "lot7", "roy", "achour", "achour"])
    assert sounds == [("roy", "RWA"), ("achour", "AXUR")]
    # Three letters have a sound, four or more also their one-letter-off neighbours.
    assert {w for _, w in variants} == {"achour"}
    assert sorted(v for v, _ in variants) == sorted(one_letter_off("achour"))
