"""Every catalogue is complete, consistent with the source and renders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app import i18n

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def catalogue(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "permanence.po", "rb") as fh:
        return read_po(fh, locale=lang)


def source_messages() -> set:
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / "app", method_map=[("**.py", "python")], keywords=KEYWORDS):
        found.add((context, message if isinstance(message, str) else tuple(message)))
    return found


def entries(lang: str) -> dict:
    return {(m.context, m.id): m for m in catalogue(lang) if m.id}


def test_no_message_is_written_inside_an_f_string():
    # Python 3.11's tokenizer hands Babel an f-string as one string, so a message inside
    # it is never extracted, never translated: it shows in English in French.
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                found += [f"{path.relative_to(ROOT)}:{call.lineno}" for call in ast.walk(node)
                          if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                          and call.func.id in KEYWORDS]
    assert not found, f"take the _() call out of the f-string (use .format()): {found}"


def test_french_catalogue_has_every_source_message():
    missing = source_messages() - set(entries("fr"))
    assert not missing, f"run `python3 dev.py i18n` and translate: {sorted(map(str, missing))}"


def test_french_catalogue_is_fully_translated_and_not_fuzzy():
    for key, m in entries("fr").items():
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(strings), f"untranslated: {key}"
        assert not m.fuzzy, f"fuzzy: {key}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_placeholders_match(lang):
    for key, m in entries(lang).items():
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        every = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for text in strings:
            if text:
                # A singular may leave out the count ("the last one"), as the English does;
                # it never names anything the English does not give.
                assert set(PLACEHOLDER.findall(text)) <= every, key
        if strings[-1]:
            assert set(PLACEHOLDER.findall(strings[-1])) == set(PLACEHOLDER.findall(ids[-1])), key


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_compiled_catalogue_is_up_to_date(lang):
    def norm(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    def key(m):
        context = m.context.decode() if isinstance(m.context, bytes) else m.context
        return (context, norm(m.id))

    def table(messages):
        # Untranslated entries (empty, or the id itself in a .mo) fall back alike.
        return {key(m): norm(m.string) for m in messages
                if m.id and norm(m.string) != norm(m.id)
                and any(norm(m.string) if isinstance(norm(m.string), tuple) else [m.string])}

    po = table(catalogue(lang))
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "permanence.mo", "rb") as fh:
        mo = table(read_mo(fh))
    assert po == mo, "run `python3 dev.py i18n` to recompile the catalogues"


def test_french_renders_every_message_and_plural():
    i18n.set_language("fr")
    try:
        for (context, msgid), m in entries("fr").items():
            if isinstance(msgid, tuple):
                assert i18n.ngettext(*msgid, 1) == m.string[0]
                assert i18n.ngettext(*msgid, 0) == m.string[0]  # "0 patient" in French
                assert i18n.ngettext(*msgid, 2) == m.string[1]
                text = m.string[1]
            elif context:
                text = i18n.pgettext(context, msgid)
                assert text == m.string
            else:
                text = i18n._(msgid)
                assert text == m.string
            values = {name: 1 for name in re.findall(r"\{(\w+)", text)}
            text.format(**values)
    finally:
        i18n.set_language("fr")


def test_english_is_the_source_and_unknown_languages_fall_back_to_french():
    try:
        i18n.set_language("en")
        assert i18n._("Settings") == "Settings"
        i18n.set_language("xx")
        assert i18n.current_language() == "fr"
        assert i18n._("Settings") == "Réglages"
    finally:
        i18n.set_language("fr")


def test_the_first_of_the_month_and_headings_read_as_each_language_writes_them():
    from datetime import date

    from app.i18n import format_date, format_heading_date

    first, seventh = date(2026, 12, 1), date(2026, 12, 7)
    try:
        i18n.set_language("fr")
        assert format_date(first, "EEEE d MMMM y") == "mardi 1er décembre 2026"
        assert format_date(first, "EEE d MMM") == "mar. 1er déc."
        assert format_date(first, "dd MMMM") == "01 décembre"  # two digits: no ordinal
        assert format_date(first) == "01/12/2026"
        assert format_heading_date(seventh) == "Lundi 7 décembre 2026"
        i18n.set_language("en")
        assert format_date(first, "EEEE d MMMM y") == "Tuesday 1 December 2026"
        # Raising the first letter leaves English month names as they are.
        assert format_heading_date(seventh) == "Monday 7 December 2026"
    finally:
        i18n.set_language("fr")
