"""Dates as a French secretary types them."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.dates import InvalidDate, parse_french_date

TODAY = date(2026, 3, 16)


@pytest.mark.parametrize("typed", [
    "12/03/1958", "12.03.1958", "12-03-1958", "12 03 1958", "12031958", " 12/03/1958 ",
    "12/3/1958", "12/03/58",
])
def test_formats(typed):
    assert parse_french_date(typed, today=TODAY) == date(1958, 3, 12)


def test_single_digit_day_and_month():
    assert parse_french_date("1/2/2003", today=TODAY) == date(2003, 2, 1)


@pytest.mark.parametrize("typed, expected", [
    ("01/01/00", date(2000, 1, 1)),
    ("12/03/26", date(2026, 3, 12)),   # this year: 2026
    ("20/12/26", date(2026, 12, 20)),  # this year even if later today (validated elsewhere)
    ("12/03/27", date(1927, 3, 12)),   # next year would be the future: 1927
    ("12/03/99", date(1999, 3, 12)),
])
def test_two_digit_years_are_past_birth_years(typed, expected):
    assert parse_french_date(typed, today=TODAY) == expected


@pytest.mark.parametrize("typed", ["", "1958", "12/1958", "1958-03-12", "12/03/195", "abc",
                                   "12/03/1958 10:00", "120358", "12//03/1958"])
def test_malformed_dates(typed, french_message):
    with pytest.raises(InvalidDate) as info:
        parse_french_date(typed, today=TODAY)
    assert not info.value.well_formed
    french_message(lambda: info.value.user_message, "jj/mm/aaaa", "12/03/1958")


@pytest.mark.parametrize("typed", ["31/02/2000", "29/02/2023", "00/01/2000", "12/13/1958",
                                   "32/01/1990"])
def test_dates_that_do_not_exist(typed, french_message):
    with pytest.raises(InvalidDate) as info:
        parse_french_date(typed, today=TODAY)
    assert info.value.well_formed
    french_message(lambda: info.value.user_message, "n'existe pas", "n’existe pas")


def test_leap_day():
    assert parse_french_date("29/02/2024", today=TODAY) == date(2024, 2, 29)
