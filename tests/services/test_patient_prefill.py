"""A new card prefilled from a search that found no one."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.patient_prefill import prefill_from_search

TODAY = date(2026, 12, 7)


def fields(text: str):
    data = prefill_from_search(text, today=TODAY)
    return (data.used_name, data.birth_name, data.first_names, data.birth_date,
            [(p.number, p.kind) for p in data.phones])


@pytest.mark.parametrize("typed, used, first", [
    ("vincent", "VINCENT", ""),
    ("vincent suzanne", "VINCENT", "Suzanne"),
    ("Suzanne VINCENT", "VINCENT", "Suzanne"),
    ("VINCENT suzanne", "VINCENT", "Suzanne"),
    ("Jean-Éric LE GALL", "LE GALL", "Jean-Éric"),
    ("n'diaye awa", "N'DIAYE", "Awa"),
    ("le gall jean-éric", "LE", "Gall Jean-Éric"),  # no capitals to tell: the first word
    ("DUPONT MARTIN", "DUPONT", "MARTIN"),  # all in capitals: the first word too
])
def test_name_words_go_to_the_name_in_use_and_the_first_names(typed, used, first):
    got_used, birth, got_first, born, phones = fields(typed)
    # The birth name starts as the name in use (the usual case), for the card to save.
    assert (got_used, birth, got_first, born, phones) == (used, used, first, "", [])


@pytest.mark.parametrize("typed, number, kind", [
    ("0655021347", "06 55 02 13 47", "mobile"),
    ("06 55 02 13 47", "06 55 02 13 47", "mobile"),
    ("06.55.02.13.47", "06 55 02 13 47", "mobile"),
    ("+33 4 78 12 34 56", "04 78 12 34 56", "home"),
    ("0590 12 34 56", "0590 12 34 56", "home"),
    # Not yet whole: as dictated, in pairs, for the card to ask for the rest.
    ("06 55", "06 55", "mobile"),
    ("065502", "06 55 02", "mobile"),
    ("0478", "04 78", "home"),
])
def test_a_phone_goes_to_the_phones_normalised(typed, number, kind):
    assert fields(typed) == ("", "", "", "", [(number, kind)])


def test_a_mix_goes_to_each_field():
    assert fields("Suzanne VINCENT 12/03/1958 06 55 02 13 47") == (
        "VINCENT", "VINCENT", "Suzanne", "12/03/1958", [("06 55 02 13 47", "mobile")])


def test_a_birth_year_alone_fills_nothing_and_an_impossible_date_is_no_date():
    assert fields("1958") == ("", "", "", "", [])
    assert fields("martin 1958")[:4] == ("MARTIN", "MARTIN", "", "")
    assert fields("31/02/1958") == ("", "", "", "", [])
