"""One-letter keys follow the language: distinct within each list, the first letter of a
word of that language, and the buttons name them."""

from __future__ import annotations

import pytest

from app import i18n
from app.ui import letter_keys


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_list_has_distinct_letters_in_each_language(language):
    i18n.set_language(language)
    for group in letter_keys.GROUPS:
        keys = letter_keys.letters(group)
        assert all(len(k) == 1 and "A" <= k <= "Z" for k in keys.values()), (group, keys)
        assert len(set(keys.values())) == len(keys), (group, keys)


def test_the_letters_are_those_of_the_words_in_each_language():
    i18n.set_language("fr")
    assert letter_keys.letters("confirm") == {"confirmed": "C", "unreachable": "I",
                                              "message_left": "M", "cancelled": "A"}
    assert letter_keys.letters("my_day") == {"arrived": "A", "in_consultation": "C",
                                             "seen": "V", "no_show": "N", "back": "R"}
    assert letter_keys.letters("inbox") == {"read": "L", "treated": "T", "reopen": "O"}
    assert letter_keys.letters("offer")["no_answer"] == "P"
    i18n.set_language("en")
    assert letter_keys.letters("confirm") == {"confirmed": "C", "unreachable": "U",
                                              "message_left": "M", "cancelled": "X"}
    assert letter_keys.letters("my_day")["seen"] == "S"
    assert letter_keys.letters("inbox")["read"] == "R"
    assert letter_keys.letters("offer")["no_answer"] == "N"


def test_a_key_pressed_finds_its_action_in_the_language_shown():
    from PySide6.QtCore import Qt

    i18n.set_language("fr")
    assert letter_keys.action_for("inbox", Qt.Key.Key_L) == "read"
    assert letter_keys.action_for("inbox", Qt.Key.Key_R) is None
    i18n.set_language("en")
    assert letter_keys.action_for("inbox", Qt.Key.Key_R) == "read"
    assert letter_keys.action_for("inbox", Qt.Key.Key_L) is None
