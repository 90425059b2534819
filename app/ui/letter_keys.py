"""One-letter keys of the lists a secretary drives from the keyboard, in the language of
the screens: each letter starts the word it stands for ("C" for "Confirmé" in French,
for "Confirmed" in English), and the buttons say which letter does what.

Each letter is a translated one-letter string with a context of its own; a translation
that is not one letter A–Z falls back to the English letter. The letters of one list
are distinct in every language (tests/ui/test_letter_keys.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.i18n import pgettext


def _one(translated: str, english: str) -> str:
    text = translated.strip().upper()
    return text if len(text) == 1 and "A" <= text <= "Z" else english


def _groups() -> dict[str, dict[str, str]]:
    # Written out call by call so that the catalogue tools find each letter. The contexts
    # are shared where the action is the same (a patient seen, one step back), so its
    # letter is too.
    in_consultation = _one(pgettext("key: in consultation", "C"), "C")
    seen = _one(pgettext("key: seen", "S"), "S")
    back = _one(pgettext("key: one step back", "B"), "B")
    return {
        "confirm": {
            "confirmed": _one(pgettext("key: confirmed", "C"), "C"),
            "unreachable": _one(pgettext("key: unreachable", "U"), "U"),
            "message_left": _one(pgettext("key: message left", "M"), "M"),
            "cancelled": _one(pgettext("key: cancelled by phone", "X"), "X"),
        },
        "offer": {
            "accepted": _one(pgettext("key: slot accepted", "A"), "A"),
            "refused": _one(pgettext("key: slot refused", "R"), "R"),
            "no_answer": _one(pgettext("key: no answer", "N"), "N"),
        },
        "waiting_room": {"in_consultation": in_consultation, "seen": seen, "back": back},
        "my_day": {
            "arrived": _one(pgettext("key: arrived", "A"), "A"),
            "in_consultation": in_consultation,
            "seen": seen,
            "no_show": _one(pgettext("key: no-show", "N"), "N"),
            "back": back,
        },
        "inbox": {
            "read": _one(pgettext("key: message read", "R"), "R"),
            "treated": _one(pgettext("key: message treated", "T"), "T"),
            "reopen": _one(pgettext("key: message open again", "O"), "O"),
        },
    }


GROUPS = ("confirm", "offer", "waiting_room", "my_day", "inbox")


def letters(group: str) -> dict[str, str]:
    """Action -> its letter in the current language."""
    return _groups()[group]


def key_of(letter: str) -> Qt.Key:
    return Qt.Key(ord(letter))


def action_for(group: str, key: int) -> str | None:
    """The action of ``group`` whose letter is the key pressed, if any."""
    for action, letter in letters(group).items():
        if key == key_of(letter):
            return action
    return None
