"""The shortcut for French numbers in ``parse_phone`` gives what ``phonenumbers`` gives:
the same accepted and refused numbers, the same E.164 form, the same kept raw text.

A number typed nationally may be of an overseas department (one French plan): as the
reference, ``phonenumbers`` reads it for Guadeloupe, Martinique, Guyane and La Réunion
too, first for landlines and mobiles (leading 1 to 7: ``phonenumbers`` counts some
overseas ranges, 0596, 0269, as metropolitan too), last for 08 and 09 numbers."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumbers import CountryCodeSource, NumberParseException, PhoneNumberFormat

from app.services.phones import InvalidPhone, ParsedPhone, parse_phone


OVERSEAS = ("GP", "MQ", "GF", "RE")


def reference(raw: str, region: str = "FR") -> ParsedPhone | None:
    """``parse_phone`` as it is written without the shortcut; None when refused."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region, keep_raw_input=True)
    except NumberParseException:
        return None
    candidates = [number]
    if region == "FR" and number.country_code_source == CountryCodeSource.FROM_DEFAULT_COUNTRY:
        overseas = [phonenumbers.parse(text, r) for r in OVERSEAS]
        geographic = str(number.national_number)[:1] in "1234567"
        candidates = overseas + candidates if geographic else candidates + overseas
    for candidate in candidates:
        if phonenumbers.is_valid_number(candidate):
            return ParsedPhone(raw=raw.strip(),
                               e164=phonenumbers.format_number(candidate, PhoneNumberFormat.E164))
    return None


def parsed(raw: str, region: str = "FR") -> ParsedPhone | None:
    try:
        return parse_phone(raw, region)
    except InvalidPhone:
        return None


PREFIXES = ["0", "+33", "+33 ", "0033", "0033 ", "+33.", "+33-", "33", "+330", "00 33",
            "+33 (0)", "", "+", "0 ", "00", "+32 ", "0032", "+262 "]
SEPARATORS = ["", " ", ".", "-", "  ", "/", " - ", "\u00a0", "\t"]


@st.composite
def french_looking(draw) -> str:
    prefix = draw(st.sampled_from(PREFIXES))
    digits = draw(st.text(alphabet="0123456789", min_size=7, max_size=11))
    groups, i = [], 0
    while i < len(digits):
        size = draw(st.sampled_from([1, 2, 2, 2, 3]))
        groups.append(digits[i:i + size])
        i += size
    out = prefix + groups[0] if groups else prefix
    for group in groups[1:]:
        out += draw(st.sampled_from(SEPARATORS)) + group
    pad = draw(st.sampled_from(["", " ", "  ", "\n"]))
    return pad + out + draw(st.sampled_from(["", " ", "\t"]))


# Long (thousands of numbers through phonenumbers) and plain string handling of ASCII
# digits and separators: slow, run once per CI run. Any text, Unicode digits included,
# is tried on every Python (test_same_result_on_any_text).
@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(french_looking())
@example("06 12 34 56 78")
@example("0612345678")
@example("+33612345678")
@example("0033612345678")
@example("+33 6 12 34 56 78")
@example("06 12 34 56 7")
@example("00 12 34 56 78")
@example("+33 0 6 12 34 56 78")
@example("+3306 12 34 56 78")
@example("08 36 01 23 45")
@example("09 99 99 99 99")
@example("٠٦١٢٣٤٥٦٧٨")  # Arabic-Indic digits: phonenumbers reads them
@example("0 00100000000")  # zeros before the national number: not a number
def test_same_result_as_phonenumbers(raw):
    assert parsed(raw) == reference(raw)


@given(st.text(max_size=20))
@settings(max_examples=500, deadline=None)
def test_same_result_on_any_text(raw):
    assert parsed(raw) == reference(raw)


@pytest.mark.slow
@pytest.mark.parametrize("layout", [
    "0{a}{b} {c} {d} {e} {f}", "0{a}.{b}.{c}.{d}.{e}.{f}", "0{a}{b}{c}{d}{e}{f}",
    "+33 {a} {b} {c} {d} {e} {f}", "0033{a}{b}{c}{d}{e}{f}", "+33{a}-{b}-{c}-{d}-{e}-{f}",
])
def test_every_three_digit_prefix(layout):
    """Validity in France is decided by the first digits: try each of them."""
    for lead in range(100, 1000):
        a, b = str(lead)[0], str(lead)[1:]
        for tail in ("000000", "123456", "999999", "505050"):
            raw = layout.format(a=a, b=b, c=tail[:2], d=tail[2:4], e=tail[4:], f="")
            raw = raw.rstrip(" .-")
            assert parsed(raw) == reference(raw), raw


@pytest.mark.slow
def test_every_overseas_range_typed_nationally():
    """Every lead of a landline or mobile, with tails that reach the short ranges
    (0709 0..., 0598 7...): the overseas ones are read as such."""
    overseas = 0
    for lead in range(100, 800):
        for tail in ("000000", "123456", "999999", "505050", "200000", "300000", "700000",
                     "800000", "400000", "600000"):
            raw = f"0{lead}{tail}"
            result = parsed(raw)
            assert result == reference(raw), raw
            overseas += result is not None and not result.e164.startswith("+33")
    assert overseas > 100


def test_other_regions_do_not_take_the_shortcut():
    # "0612345678" read as a Belgian number is not the French mobile.
    assert parsed("0470 12 34 56", "BE") == reference("0470 12 34 56", "BE")
    assert parsed("06 12 34 56 78", "BE") == reference("06 12 34 56 78", "BE")
    assert parsed("+33 6 12 34 56 78", "BE") == reference("+33 6 12 34 56 78", "BE")
