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


@pytest.mark.parametrize("typed, e164, shown", [
    ("0590 12 34 56", "+590590123456", "0590 12 34 56"),  # Guadeloupe landline
    ("0690 00 12 34", "+590690001234", "0690 00 12 34"),  # Guadeloupe mobile
    ("0691 22 34 56", "+590691223456", "0691 22 34 56"),
    ("0590 27 12 34", "+590590271234", "0590 27 12 34"),  # Saint-Barthélemy
    ("0596 30 12 34", "+596596301234", "0596 30 12 34"),  # Martinique
    ("0696 20 12 34", "+596696201234", "0696 20 12 34"),
    ("0697 12 34 56", "+596697123456", "0697 12 34 56"),
    ("0594 10 12 34", "+594594101234", "0594 10 12 34"),  # Guyane
    ("0694 20 12 34", "+594694201234", "0694 20 12 34"),
    ("0262 16 12 34", "+262262161234", "0262 16 12 34"),  # La Réunion
    ("0692 45 67 89", "+262692456789", "0692 45 67 89"),
    ("0693 12 34 56", "+262693123456", "0693 12 34 56"),
    ("0269 60 12 34", "+262269601234", "0269 60 12 34"),  # Mayotte
    ("0639 01 23 45", "+262639012345", "0639 01 23 45"),
    ("0590123456", "+590590123456", "0590 12 34 56"),
    ("05.90.12.34.56", "+590590123456", "0590 12 34 56"),
    ("(0590) 123 456", "+590590123456", "0590 12 34 56"),
    ("+590 590 12 34 56", "+590590123456", "0590 12 34 56"),
    ("00262 692 45 67 89", "+262692456789", "0692 45 67 89"),
])
def test_overseas_numbers_typed_nationally(typed, e164, shown):
    parsed = parse_phone(typed)
    assert parsed.e164 == e164
    assert display_phone(parsed.e164) == shown
    assert parse_phone(shown).e164 == e164  # what is shown is read back the same
    assert national_digits(e164) == shown.replace(" ", "")


def test_national_numbers_stay_metropolitan():
    # 08 and 09 numbers are national wherever they are dialled from.
    assert parse_phone("09 76 01 23 45").e164 == "+33976012345"
    assert parse_phone("08 06 12 34 56").e164 == "+33806123456"
    assert display_phone("+33976012345") == "09 76 01 23 45"
    with pytest.raises(InvalidPhone):
        parse_phone("0694 39 12 34")  # no such range, anywhere in the plan


def test_outside_the_french_plan_numbers_are_international():
    assert display_phone("+41223456789") == "+41 22 345 67 89"
    assert display_phone("+508411234").startswith("+508 ")  # Saint-Pierre-et-Miquelon
    assert display_phone("+3228888888").startswith("+32 ")
    assert national_digits("+41223456789") == "41223456789"
    assert national_digits("+5906") == "06"  # a prefix, as typed in a search
