"""Fictional professional contacts for the directory (Annuaire)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import accumulate


from app.demo.patients import YEAR_LAST, PatientFactory, ascii_fold
from app.demo.words import EMAIL_DOMAINS, FIRST_NAMES, STREET_NAMES
from app.models import (
    ContactCategory,
    Sex,
)
from app.services.directory import ContactInput

# -- the directory of professional contacts ---------------------------------------------
# Inserted with DirectoryService.create_many, so each contact is indexed for search with
# its category (a profile generated before that finds nothing by category).
# (category, weight): a family practice's address book, specialists and GPs first.
_CONTACT_MIX = (
    (ContactCategory.GP, 17), (ContactCategory.SPECIALIST, 30), (ContactCategory.LAB, 5),
    (ContactCategory.RADIOLOGY, 4), (ContactCategory.PHARMACY, 10),
    (ContactCategory.HOSPITAL, 6), (ContactCategory.NURSE, 9), (ContactCategory.PHYSIO, 7),
    (ContactCategory.AMBULANCE, 4), (ContactCategory.PRACTICE, 3), (ContactCategory.OTHER, 5),
)
_CONTACT_CATEGORIES = tuple(c for c, _ in _CONTACT_MIX)
_CONTACT_CUM_WEIGHTS = tuple(accumulate(w for _, w in _CONTACT_MIX))
SPECIALTIES = (
    "Cardiologie", "Dermatologie", "Gastro-entérologie", "Pneumologie", "Rhumatologie",
    "Endocrinologie", "Neurologie", "Ophtalmologie", "ORL", "Gynécologie-obstétrique",
    "Pédiatrie", "Psychiatrie", "Urologie", "Chirurgie orthopédique", "Chirurgie viscérale",
    "Néphrologie", "Allergologie", "Oncologie médicale", "Gériatrie", "Médecine vasculaire",
    "Angiologie", "Stomatologie", "Médecine du sport", "Addictologie", "Algologie",
)
# Invented names: no real laboratory, clinic or hospital is meant.
LAB_NAMES = ("Bio Loire", "Biologie du Val", "Analyses des Tanneurs", "Biolab Touraine",
             "Bio Cher et Indre", "Laboratoire du Parc", "BioSanté Centre")
IMAGING_NAMES = ("Centre d'imagerie du Parc", "Imagerie médicale des Halles",
                 "Cabinet de radiologie Ronsard", "Centre d'imagerie Val de Loire",
                 "Scanner et IRM du Cher")
HOSPITALS = ("Centre hospitalier du Val de Cher", "Clinique des Tilleuls",
             "Polyclinique du Parc", "Hôpital Saint-Luc", "Clinique Ronsard",
             "Centre hospitalier des Deux Rives")
HOSPITAL_SERVICES = ("Urgences", "Maternité", "Service de cardiologie", "Service de gériatrie",
                     "Consultations externes", "Service de pédiatrie", "Bureau des admissions",
                     "Hôpital de jour", "Service de chirurgie", "Soins palliatifs")
PHARMACY_NAMES = ("du Centre", "de la Gare", "des Tilleuls", "du Marché", "de la Mairie",
                  "de la Loire", "du Parc", "des Halles", "Saint-Martin", "de l'Église")
AMBULANCE_NAMES = ("Ambulances {surname}", "Taxi-Ambulances {surname}",
                   "Ambulances de {town}", "Ambulances {surname} et fils")
OTHER_PROFESSIONS = ("Orthophonie", "Podologie", "Psychologie", "Sage-femme", "Diététique",
                     "Chirurgie dentaire", "Orthoptie", "Ergothérapie")


class _ContactFactory:
    """Fictional professional contacts, one at a time, from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people = PatientFactory(rng, [], None, YEAR_LAST)  # names, towns, numbers

    def _person(self) -> tuple[str, str]:
        sex = Sex.FEMALE.value if self.rng.random() < 0.5 else Sex.MALE.value
        return self.people.surname(), self.rng.choice(FIRST_NAMES[sex][1])

    def _mssante(self, first: str, name: str, profession: str = "medecin") -> str:
        return f"{ascii_fold(first)}.{ascii_fold(name)}@{profession}.mssante.fr"

    def contact(self) -> ContactInput:
        rng, people = self.rng, self.people
        category = rng.choices(_CONTACT_CATEGORIES, cum_weights=_CONTACT_CUM_WEIGHTS)[0]
        address_line, town = people.address()
        phone = people.as_typed(people.landline(town))
        c = ContactInput(name="", category=category.value, phone=phone,
                         address_line=address_line, postal_code=town.postal_code,
                         city=town.name)
        if category in (ContactCategory.GP, ContactCategory.SPECIALIST):
            c.name, c.first_name = self._person()
            c.title = "Dr" if rng.random() < 0.95 else "Pr"
            c.specialty = ("Médecine générale" if category is ContactCategory.GP
                           else rng.choice(SPECIALTIES))
            if rng.random() < 0.3:
                c.organisation = rng.choice(HOSPITALS if category is ContactCategory.SPECIALIST
                                            else (f"Maison de santé de {town.name}",
                                                  f"Cabinet médical {rng.choice(STREET_NAMES)}"))
            if rng.random() < 0.6:
                c.mssante = self._mssante(c.first_name, c.name)
            if rng.random() < 0.4:
                c.fax = people.as_typed(people.landline(town))
        elif category is ContactCategory.LAB:
            c.name = f"Laboratoire {rng.choice(LAB_NAMES)} — {town.name}"
            c.organisation = "Laboratoire de biologie médicale"
            c.fax = people.as_typed(people.landline(town))
            c.mssante = f"resultats.{ascii_fold(town.name)}@labo-{rng.randint(1, 99)}.mssante.fr"
        elif category is ContactCategory.RADIOLOGY:
            c.name = rng.choice(IMAGING_NAMES)
            c.specialty = "Radiologie"
            c.fax = people.as_typed(people.landline(town))
        elif category is ContactCategory.PHARMACY:
            c.name = (f"Pharmacie {rng.choice(PHARMACY_NAMES)}" if rng.random() < 0.7
                      else f"Pharmacie {people.surname()}")
            if rng.random() < 0.3:
                first, name = self._person()[1], people.surname()
                c.mssante = self._mssante(first, name, "pharmacien")
        elif category is ContactCategory.HOSPITAL:
            c.name = f"{rng.choice(HOSPITALS)} ({town.name})"
            c.specialty = rng.choice(HOSPITAL_SERVICES)
            c.fax = people.as_typed(people.landline(town)) if rng.random() < 0.5 else ""
        elif category in (ContactCategory.NURSE, ContactCategory.PHYSIO):
            c.name, c.first_name = self._person()
            c.specialty = ("Soins infirmiers à domicile" if category is ContactCategory.NURSE
                           else "Masso-kinésithérapie")
            c.phone = people.as_typed(people.mobile())
            if rng.random() < 0.5:
                c.phone2 = people.as_typed(people.landline(town))
            if rng.random() < 0.3:
                c.organisation = (f"Cabinet infirmier {rng.choice(STREET_NAMES)}"
                                  if category is ContactCategory.NURSE
                                  else f"Kinésithérapeutes {rng.choice(STREET_NAMES)}")
        elif category is ContactCategory.AMBULANCE:
            c.name = rng.choice(AMBULANCE_NAMES).format(surname=people.surname(), town=town.name)
            c.phone2 = people.as_typed(people.mobile())
        elif category is ContactCategory.PRACTICE:
            c.name = rng.choice((f"Cabinet médical {rng.choice(STREET_NAMES)}",
                                 f"Maison de santé de {town.name}",
                                 f"Centre de santé de {town.name}"))
            c.fax = people.as_typed(people.landline(town)) if rng.random() < 0.5 else ""
        else:
            c.name, c.first_name = self._person()
            c.specialty = rng.choice(OTHER_PROFESSIONS)
        if not c.mssante and rng.random() < 0.25:
            local = ascii_fold(c.first_name or c.name.split()[-1]) or "contact"
            c.email = f"{local}.{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
        return c


def demo_contacts(seed: int, count: int) -> Iterator[ContactInput]:
    """The directory of a generated practice, in order (what ``generate_demo`` inserts)."""
    factory = _ContactFactory(random.Random(f"permanence-demo/{seed}/contacts"))
    for _ in range(count):
        yield factory.contact()
