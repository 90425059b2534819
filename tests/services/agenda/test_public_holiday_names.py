"""Public holidays are named in the user's language: no French left in English."""

from __future__ import annotations

from datetime import date

from app import i18n
from app.services.agenda.public_holidays import PublicHolidays


def test_holiday_names_follow_the_language():
    holidays = PublicHolidays()
    christmas, easter_monday = date(2026, 12, 25), date(2026, 4, 6)
    try:
        i18n.set_language("fr")
        assert holidays.name(christmas) == "Noël"
        assert holidays.between(easter_monday, easter_monday) == {easter_monday:
                                                                  "Lundi de Pâques"}
        i18n.set_language("en")
        assert holidays.name(christmas) == "Christmas Day"
        assert holidays.between(easter_monday, easter_monday) == {easter_monday:
                                                                  "Easter Monday"}
    finally:
        i18n.set_language("fr")
