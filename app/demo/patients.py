"""Fictional patients: households sharing a surname, an address and a landline."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta


from app.models import (
    Civility,
    PhoneKind,
    Sex,
)
from app.models.text import fold
from app.demo.sizes import SIZES, PRACTITIONERS, DemoSize, practitioner_name
from app.demo.words import (
    ADMIN_NOTES,
    ALERTS,
    CHANNELS,
    EMAIL_DOMAIN_WEIGHTS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    OTHER_DOCTORS,
    RESIDENCES,
    STREET_NAMES,
    STREET_TYPES,
    SURNAME_WEIGHTS,
    SURNAMES,
    TOWN_WEIGHTS,
    TOWNS,
    Town,
)
from app.services.patients import PatientInput, PhoneEntry

# -- generation -------------------------------------------------------------------------
YEAR_FIRST = date(1930, 1, 1)
YEAR_LAST = date(2025, 12, 31)
# (min age, max age, weight) in 2025: a family practice's list, children included.
_AGE_BANDS = ((0, 2, 4), (3, 10, 9), (11, 17, 8), (18, 29, 13), (30, 44, 19), (45, 59, 20),
              (60, 74, 17), (75, 95, 10))
_ASCII = re.compile(r"[^a-z0-9-]")


def ascii_fold(text: str) -> str:
    return _ASCII.sub("", fold(text).replace(" ", ""))


@dataclass
class _Household:
    surname: str
    address_line: str
    postal_code: str
    city: str
    town: Town
    mobile: str  # a parent's mobile, in national digits
    landline: str | None


class PatientFactory:
    """Fictional patients, one at a time, from one random stream."""

    def __init__(self, rng: random.Random, gps: list[str], paediatrician: str | None,
                 today: date) -> None:
        self.rng = rng
        # Contact preferences and alerts come from a stream of their own, so adding them
        # left every other generated value as it was.
        self.extras = random.Random(rng.random())
        self.gps = gps
        self.paediatrician = paediatrician
        self.last_day = min(YEAR_LAST, today)
        self.households: list[_Household] = []  # recent adults who may have children here

    # -- pieces -------------------------------------------------------------------------
    def surname(self) -> str:
        return self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]

    def first_names(self, sex: str, year: int) -> str:
        era = 0 if year < 1960 else 1 if year < 1990 else 2
        names = FIRST_NAMES[sex][era]
        first = self.rng.choice(names)
        if self.rng.random() < 0.1:
            second = self.rng.choice(names)
            if not set(second.split("-")) & set(first.split("-")):
                return f"{first} {second}"
        return first

    def birth_date(self, age: int) -> date:
        year = 2025 - age
        start = max(date(year, 1, 1), YEAR_FIRST)
        span = (date(year, 12, 31) - start).days
        day = start + timedelta(days=self.rng.randrange(span + 1))
        if day > self.last_day:  # only for a clock set before the end of 2025
            day = self.last_day - timedelta(days=(day - self.last_day).days % 365)
        return day

    def age(self) -> int:
        lo, hi, _ = self.rng.choices(_AGE_BANDS, [w for *_, w in _AGE_BANDS])[0]
        return self.rng.randint(lo, hi)

    def mobile(self) -> str:
        if self.rng.random() < 0.75:
            head = "06" + self.rng.choice("01245678")
        else:
            head = "07" + self.rng.choice("3456789")
        return head + f"{self.rng.randrange(10**7):07d}"

    def landline(self, town: Town) -> str:
        return self.rng.choice(town.landline_prefixes) + f"{self.rng.randrange(10**6):06d}"

    def as_typed(self, digits: str) -> str:
        """A French number the way people type it."""
        r = self.rng.random()
        pairs = [digits[i:i + 2] for i in range(0, 10, 2)]
        if r < 0.6:
            return " ".join(pairs)
        if r < 0.8:
            return digits
        if r < 0.9:
            return ".".join(pairs)
        return "+33 " + digits[1] + " " + " ".join(pairs[1:])

    def address(self) -> tuple[str, Town]:
        rng = self.rng
        town = rng.choices(TOWNS, TOWN_WEIGHTS)[0]
        number = str(rng.randint(1, 120) if rng.random() < 0.9 else rng.randint(121, 260))
        if rng.random() < 0.05:
            number += rng.choice((" bis", " ter"))
        street = f"{number} {rng.choice(STREET_TYPES)} {rng.choice(STREET_NAMES)}"
        if rng.random() < 0.08:
            street = f"{rng.choice(RESIDENCES)}, bât. {rng.choice('ABCDE')}, {street}"
        return street, town

    def email(self, first_names: str, name: str, birth: date) -> str:
        rng = self.rng
        first = ascii_fold(first_names.split()[0])
        last = ascii_fold(name)
        style = rng.random()
        if style < 0.45:
            local = f"{first}.{last}"
        elif style < 0.6:
            local = f"{first}.{last}{rng.randint(1, 99)}"
        elif style < 0.72:
            local = f"{first[0]}.{last}"
        elif style < 0.84:
            local = f"{last}.{first}"
        else:
            local = f"{first}{last}{birth.year % 100:02d}"
        return f"{local}@{rng.choices(EMAIL_DOMAINS, EMAIL_DOMAIN_WEIGHTS)[0]}"

    def referring_doctor(self) -> str:
        r = self.rng.random()
        if r < 0.62 and self.gps:
            return self.rng.choice(self.gps)
        if r < 0.88:
            return self.rng.choice(OTHER_DOCTORS)
        return ""

    # -- a patient ----------------------------------------------------------------------
    def patient(self) -> PatientInput:
        rng = self.rng
        age = self.age()
        sex = Sex.FEMALE.value if rng.random() < 0.53 else Sex.MALE.value
        birth = self.birth_date(age)
        first = self.first_names(sex, birth.year)
        household = None
        if age < 18 and self.households and rng.random() < 0.7:
            household = rng.choice(self.households)

        used = ""
        if household is not None:
            birth_name = household.surname
            address_line, town = household.address_line, household.town
        else:
            birth_name = self.surname()
            address_line, town = self.address()
            if sex == Sex.FEMALE.value and age >= 23:
                married = 0.15 if age < 30 else 0.5 if age < 65 else 0.6
                if rng.random() < married:
                    spouse = self.surname()
                    if spouse != birth_name:
                        used = spouse if rng.random() < 0.8 else f"{spouse}-{birth_name}"

        phones: list[PhoneEntry] = []
        if household is not None:
            phones.append(PhoneEntry(self.as_typed(household.mobile), PhoneKind.MOBILE.value))
            if household.landline and rng.random() < 0.4:
                phones.append(PhoneEntry(self.as_typed(household.landline), PhoneKind.HOME.value))
            mobile, landline = household.mobile, household.landline
        else:
            count = rng.choices((1, 2, 3), (55, 35, 10))[0]
            mobile, landline = self.mobile(), None
            home_first = age >= 75 and rng.random() < 0.6
            if home_first:
                landline = self.landline(town)
                phones.append(PhoneEntry(self.as_typed(landline), PhoneKind.HOME.value))
            else:
                phones.append(PhoneEntry(self.as_typed(mobile), PhoneKind.MOBILE.value))
            while len(phones) < count:
                kind = rng.choices((PhoneKind.HOME, PhoneKind.WORK, PhoneKind.MOBILE),
                                   (50, 35, 15))[0].value
                if kind == PhoneKind.HOME.value and landline is None:
                    landline = self.landline(town)
                    digits = landline
                elif kind == PhoneKind.MOBILE.value and home_first:
                    digits = mobile
                elif kind == PhoneKind.WORK.value:
                    digits = self.landline(town) if rng.random() < 0.7 else self.mobile()
                else:
                    kind, digits = PhoneKind.OTHER.value, self.mobile()
                phones.append(PhoneEntry(self.as_typed(digits), kind))

        email = ""
        p_email = 0.3 if age < 15 else 0.68 if age <= 80 else 0.35
        if rng.random() < p_email:
            email = self.email(first, used or birth_name, birth)

        note = rng.choice(ADMIN_NOTES) if rng.random() < 0.08 else ""
        if self.paediatrician and age < 16 and rng.random() < 0.5:
            doctor = self.paediatrician
        else:
            doctor = self.referring_doctor()

        if household is None and 25 <= age <= 55:
            self.households.append(_Household(used or birth_name, address_line, town.postal_code,
                                              town.name, town, mobile, landline))
            if len(self.households) > 40:
                self.households.pop(0)

        return PatientInput(
            birth_name=birth_name, first_names=first, used_name=used,
            civility=Civility.MADAME.value if sex == Sex.FEMALE.value else Civility.MONSIEUR.value,
            birth_date=birth, sex=sex, phones=phones, email=email, address_line=address_line,
            postal_code=town.postal_code, city=town.name, referring_doctor=doctor,
            admin_note=note, reminder_consent=rng.random() < 0.7, **self.preferences(age),
        )

    def preferences(self, age: int) -> dict:
        x = self.extras
        prefs: dict = {}
        if x.random() < 0.3:
            prefs["preferred_channel"] = x.choices(
                [c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        if x.random() < 0.06:
            prefs["call_not_before"] = x.choice(("08:30", "09:00", "10:00"))
            prefs["call_not_after"] = x.choice(("12:00", "18:00", "19:00"))
        if x.random() < (0.08 if age >= 75 else 0.02):
            prefs["alert"] = x.choice(ALERTS)
        return prefs

    def retyped(self, data: PatientInput) -> PatientInput:
        """The same person registered again by someone else: capitals, no accents, a
        missing e-mail, sometimes another number. The possible-duplicates view finds them."""
        x = self.extras
        phones = list(data.phones)
        if phones and x.random() < 0.4:
            phones = [PhoneEntry(self.as_typed(self.mobile()), PhoneKind.MOBILE.value)]
        return replace(data, birth_name=fold(data.birth_name).upper(),
                       first_names=fold(data.first_names.split()[0]).capitalize(),
                       used_name="", email="", phones=phones, admin_note="", alert="")


def demo_patients(seed: int, count: int, *, size: DemoSize = SIZES["demo"],
                  today: date | None = None) -> Iterator[PatientInput]:
    """The patients of a generated practice, in order (what ``generate_demo`` inserts)."""
    staff = PRACTITIONERS[:size.practitioners]
    gps = [practitioner_name(p) for p in staff if p.specialty == "Médecine générale"]
    paediatrician = next((practitioner_name(p) for p in staff if p.specialty == "Pédiatrie"),
                         None)
    # Its own stream: other kinds of data added later leave the patients unchanged.
    rng = random.Random(f"permanence-demo/{seed}/patients")
    factory = PatientFactory(rng, gps, paediatrician, today or YEAR_LAST)
    recent: list[PatientInput] = []
    for _ in range(count):
        # About one card in 250 is typed a second time, some patients later.
        if len(recent) >= 20 and factory.extras.random() < 0.004:
            yield factory.retyped(recent.pop(factory.extras.randrange(len(recent))))
            continue
        data = factory.patient()
        recent.append(data)
        if len(recent) > 50:
            recent.pop(0)
        yield data
