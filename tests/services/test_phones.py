"""Phone numbers: parsed to E.164, shown French-style."""

from __future__ import annotations

import pytest

from app.services.phones import InvalidPhone, display_phone, national_digits, parse_phone


@pytest.mark.parametrize("typed", [
    "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678", "0612345678",
    "06-12-34-56-78", " 06 12 34 56 78 ", "+33 (0)6 12 34 56 78", "+33612345678",
])
def test_french_mobile_formats(typed):
    parsed = parse_phone(typed)
    assert parsed.e164 == "+33612345678"
    assert parsed.raw == typed.strip()  # what was typed is kept beside the normal form


def test_landline_and_foreign_numbers():
    assert parse_phone("04 78 12 34 56").e164 == "+33478123456"
    assert parse_phone("+44 20 7946 0958").e164 == "+442079460958"
    assert parse_phone("0032 470 12 34 56").e164 == "+32470123456"


@pytest.mark.parametrize("typed", [
    "", "   ", "12", "06 12 34 56", "06 12 34 56 78 9", "abc", "06 12 AB 56 78", "+33",
    "0033", "00 00 00 00 00", "+33 6 12",
])
def test_invalid_numbers_are_refused(typed):
    with pytest.raises(InvalidPhone):
        parse_phone(typed)


def test_display_and_national_digits():
    assert display_phone("+33612345678") == "06 12 34 56 78"
    assert display_phone("+442079460958").startswith("+44 20")
    assert display_phone("garbage") == "garbage"
    assert national_digits("+33612345678") == "0612345678"
    assert national_digits("+442079460958") == "442079460958"
