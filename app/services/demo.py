"""Demo and benchmark data: a fictional French practice, generated reproducibly.

Everything here is invented: names are drawn from lists of common French surnames and
first names, phone numbers are random numbers in valid French ranges, addresses are
random street names in real towns. No record describes a real person.

The same ``seed`` gives the same contents in the same order (ids and timestamps
differ: they come from the clock and the ID generator). Each kind of data has its own
random stream derived from the seed, so adding a kind later (appointments, calls)
does not change the patients of an existing seed. The agenda (motifs, hours, absences,
appointments, series, waiting list) is in ``demo_agenda``.

The profile is built in a hidden folder beside the target and renamed into place at
the end: a cancelled or failed generation leaves nothing behind, and what a killed one
left is removed by the next run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import accumulate, islice

from sqlalchemy import select

from app.clock import Clock
from app.models import (
    Civility,
    ContactCategory,
    Patient,
    PhoneKind,
    Practitioner,
    Sex,
    contact_display_name,
)
from app.services import demo_agenda
from app.services.agenda.public_holidays import PublicHolidays
from app.services.agenda.zone import PracticeTime
from app.services.directory import ContactInput
from app.services.errors import Cancelled
from app.services.patients import PatientInput, PhoneEntry
from app.services.practice import PracticeInput, PractitionerInput
from app.models.text import fold
from app.services.workspace import Workspace, prepare_practice
from app.storage import leftovers
from app.storage.errors import ProfileExistsError
from app.storage.keys import DEMO_PASSPHRASE, KdfParams
from app.storage.profile import ProfilePaths

ProgressFn = Callable[[int, int], None]
CancelledFn = Callable[[], bool]

# Rows per unit of work: one transaction, one progress step, one cancellation point.
CHUNK = 1_000


@dataclass(frozen=True)
class DemoSize:
    """How much of each kind of data a generated practice holds."""

    practitioners: int
    patients: int
    contacts: int = 0  # the directory of professional contacts
    # The agenda: about this many appointments (cancelled ones included), from
    # ``months_back`` months before the generation clock's today to ``months_ahead`` after.
    appointments: int = 0
    months_back: int = 6
    months_ahead: int = 2


SIZES: dict[str, DemoSize] = {
    "demo": DemoSize(practitioners=3, patients=2_000, contacts=150, appointments=8_500),
    "large": DemoSize(practitioners=10, patients=100_000, contacts=50_000,
                      appointments=1_000_000, months_back=264),
}

PRACTICE_NAME = "Cabinet médical des Tilleuls"
PRACTICE_ADDRESS = "8 rue des Tilleuls, 37300 Joué-lès-Tours"
PRACTICE_TIMEZONE = "Europe/Paris"

# The first three are the demo practice; the large one adds the others.
PRACTITIONERS: tuple[PractitionerInput, ...] = (
    PractitionerInput("Claire", "Morel", "Médecine générale", "#3b7dd8", "Dr"),
    PractitionerInput("Julien", "Faure", "Pédiatrie", "#e07b39", "Dr"),
    PractitionerInput("Sophie", "Garnier", "Masso-kinésithérapie", "#2e9e6a", ""),
    PractitionerInput("Thomas", "Nguyen", "Médecine générale", "#8e5cc4", "Dr"),
    PractitionerInput("Amélie", "Rousseau", "Médecine générale", "#d64550", "Dr"),
    PractitionerInput("Camille", "Lefèvre", "Sage-femme", "#c2a01f", ""),
    PractitionerInput("Mehdi", "Benali", "Dermatologie", "#1f9bb0", "Dr"),
    PractitionerInput("Lucie", "Perrin", "Orthophonie", "#b0578d", ""),
    PractitionerInput("Nicolas", "Leroux", "Psychologie", "#6b7a8f", ""),
    PractitionerInput("Anne-Sophie", "Béranger", "Cardiologie", "#7a9a2e", "Dr"),
)


def _practitioner_name(p: PractitionerInput) -> str:
    return " ".join(x for x in (p.title, p.first_name, p.last_name) if x)


# -- word lists -------------------------------------------------------------------------
# Roughly in order of frequency in France; weights fall off with the rank.
SURNAMES: tuple[str, ...] = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
    "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David",
    "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
    "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc",
    "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu",
    "Gautier", "Masson", "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire",
    "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud", "Joly",
    "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez", "Gérard",
    "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard",
    "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier",
    "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland",
    "Leclercq", "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuis", "Guillot", "Hubert",
    "Berger", "Carpentier", "Sanchez", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur",
    "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier",
    "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier", "Ménard",
    "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall",
    "Collet", "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel",
    "Le Roux", "Cousin", "Germain", "Breton", "Besson", "Langlois", "Rémy", "Le Goff",
    "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal", "Weber",
    "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard",
    "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin",
    "Da Silva", "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud",
    "Antoine", "Hoarau", "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert",
    "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte", "Béranger", "N'Diaye", "Diallo",
    "Traoré", "Nguyen", "Tran", "Benali", "Haddad", "Mansour", "Ferreira", "Rodrigues",
    "Dos Santos", "Pereira", "De Oliveira", "D'Almeida", "Bensaïd", "Zaïdi", "Achour",
    "Dupré", "Lebœuf", "Le Bihan", "Le Corre", "Dubois-Martin", "Saint-Martin",
    "Lefèvre-Durand", "Moreau-Garnier", "Desjardins", "Cœurdevey", "Ait Ali", "Kowalski",
)
_SURNAME_WEIGHTS = tuple(1.0 / (rank + 8) ** 0.7 for rank in range(len(SURNAMES)))

# First names by sex and by generation (born before 1960, 1960-1989, from 1990).
FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    Sex.FEMALE.value: (
        ("Jeanne", "Marie", "Monique", "Jacqueline", "Françoise", "Simone", "Denise",
         "Suzanne", "Yvette", "Colette", "Geneviève", "Madeleine", "Germaine", "Paulette",
         "Micheline", "Odette", "Renée", "Josette", "Nicole", "Christiane", "Marie-Thérèse",
         "Marie-Louise", "Huguette", "Lucienne", "Andrée", "Annie", "Danielle", "Michèle",
         "Hélène", "Noëlle", "Gisèle", "Thérèse", "Éliane", "Raymonde", "Mireille",
         "Ginette", "Bernadette", "Arlette"),
        ("Nathalie", "Isabelle", "Sylvie", "Catherine", "Valérie", "Sandrine", "Christine",
         "Véronique", "Stéphanie", "Céline", "Laurence", "Sophie", "Aurélie", "Émilie",
         "Julie", "Virginie", "Karine", "Élodie", "Caroline", "Anne-Sophie",
         "Marie-Christine", "Delphine", "Séverine", "Audrey", "Mélanie", "Cécile", "Hélène",
         "Corinne", "Patricia", "Lætitia", "Gaëlle", "Magali", "Agnès", "Béatrice",
         "Estelle", "Fatima", "Nadia", "Samia", "Anne-Laure"),
        ("Emma", "Jade", "Louise", "Alice", "Chloé", "Léa", "Manon", "Inès", "Camille", "Zoé",
         "Lina", "Léna", "Anaïs", "Maëlle", "Clémence", "Mathilde", "Juliette", "Rose",
         "Ambre", "Mila", "Lou", "Éloïse", "Héloïse", "Océane", "Sarah", "Lucie", "Margaux",
         "Noémie", "Maëlys", "Romane", "Agathe", "Capucine", "Yasmine", "Aïcha", "Nour",
         "Alix", "Anna", "Élise", "Marie-Lou"),
    ),
    Sex.MALE.value: (
        ("Jean", "Pierre", "Michel", "André", "Jacques", "René", "Bernard", "Marcel",
         "Claude", "Roger", "Robert", "Gérard", "Daniel", "Henri", "Paul", "Louis", "Raymond",
         "Georges", "Maurice", "Jean-Pierre", "Jean-Claude", "Guy", "Lucien", "Roland", "Yves",
         "Alain", "Joseph", "Gilbert", "Noël", "Fernand", "Émile", "Étienne", "Francis",
         "Serge", "Jean-Marie"),
        ("Philippe", "Christophe", "Stéphane", "Frédéric", "Laurent", "Éric", "Olivier",
         "Thierry", "Pascal", "Nicolas", "Sébastien", "Julien", "David", "Jérôme", "Franck",
         "Vincent", "Cédric", "Fabrice", "Jean-Éric", "Jean-François", "Jean-Luc", "Benoît",
         "Loïc", "Grégory", "Arnaud", "Mickaël", "Raphaël", "Yannick", "Hervé", "Ludovic",
         "Joël", "Karim", "Mehdi", "Rachid", "Mathieu", "Guillaume", "Romain"),
        ("Gabriel", "Léo", "Raphaël", "Louis", "Arthur", "Jules", "Adam", "Lucas", "Hugo",
         "Maël", "Noah", "Liam", "Théo", "Nathan", "Tom", "Sacha", "Éthan", "Paul", "Mathéo",
         "Timéo", "Nolan", "Enzo", "Aaron", "Valentin", "Baptiste", "Maxime", "Clément",
         "Thomas", "Alexandre", "Antoine", "Quentin", "Kylian", "Noé", "Gaël", "Ismaël",
         "Yanis", "Rayan", "Nathanaël", "Côme", "Pierre-Louis"),
    ),
}


@dataclass(frozen=True)
class Town:
    name: str
    postal_code: str
    landline_prefixes: tuple[str, ...]  # "0247": the first four digits of local numbers
    weight: float


# Real towns and postcodes: the practice's area (Touraine) first, then across France.
TOWNS: tuple[Town, ...] = (
    Town("Joué-lès-Tours", "37300", ("0247",), 20),
    Town("Tours", "37000", ("0247",), 22),
    Town("Tours", "37100", ("0247",), 8),
    Town("Tours", "37200", ("0247",), 6),
    Town("Chambray-lès-Tours", "37170", ("0247",), 7),
    Town("Saint-Avertin", "37550", ("0247",), 6),
    Town("Ballan-Miré", "37510", ("0247",), 5),
    Town("Saint-Cyr-sur-Loire", "37540", ("0247",), 4),
    Town("Saint-Pierre-des-Corps", "37700", ("0247",), 4),
    Town("La Riche", "37520", ("0247",), 3),
    Town("Monts", "37260", ("0247",), 4),
    Town("Veigné", "37250", ("0247",), 3),
    Town("Fondettes", "37230", ("0247",), 2),
    Town("Luynes", "37230", ("0247",), 1.5),
    Town("Savonnières", "37510", ("0247",), 1.5),
    Town("Montlouis-sur-Loire", "37270", ("0247",), 1.5),
    Town("Larçay", "37270", ("0247",), 1),
    Town("Azay-le-Rideau", "37190", ("0247",), 1.5),
    Town("Vouvray", "37210", ("0247",), 1),
    Town("Amboise", "37400", ("0247",), 1),
    Town("Bléré", "37150", ("0247",), 0.8),
    Town("Chinon", "37500", ("0247",), 0.6),
    Town("Loches", "37600", ("0247",), 0.6),
    Town("Blois", "41000", ("0254",), 0.4),
    Town("Vendôme", "41100", ("0254",), 0.2),
    Town("Orléans", "45000", ("0238",), 0.3),
    Town("Poitiers", "86000", ("0549",), 0.3),
    Town("Châtellerault", "86100", ("0549",), 0.3),
    Town("Angers", "49000", ("0241",), 0.3),
    Town("Saumur", "49400", ("0241",), 0.3),
    Town("Le Mans", "72000", ("0243",), 0.3),
    Town("Paris", "75011", ("0143", "0148", "0147"), 0.5),
    Town("Paris", "75015", ("0145", "0140", "0142"), 0.4),
    Town("Lyon", "69003", ("0472", "0478"), 0.3),
    Town("Marseille", "13008", ("0491",), 0.2),
    Town("Toulouse", "31000", ("0561",), 0.2),
    Town("Nantes", "44000", ("0240",), 0.3),
    Town("Bordeaux", "33000", ("0556",), 0.2),
    Town("Lille", "59000", ("0320",), 0.2),
    Town("Rennes", "35000", ("0299",), 0.2),
    Town("Brest", "29200", ("0298",), 0.1),
    Town("Caen", "14000", ("0231",), 0.1),
    Town("Rouen", "76000", ("0235",), 0.1),
    Town("Strasbourg", "67000", ("0388",), 0.1),
    Town("Reims", "51100", ("0326",), 0.1),
    Town("Nancy", "54000", ("0383",), 0.1),
    Town("Dijon", "21000", ("0380",), 0.1),
    Town("Montpellier", "34000", ("0467",), 0.1),
    Town("Nice", "06000", ("0493",), 0.1),
    Town("Grenoble", "38000", ("0476",), 0.1),
    Town("Saint-Étienne", "42000", ("0477",), 0.1),
    Town("Clermont-Ferrand", "63000", ("0473",), 0.1),
    Town("Limoges", "87000", ("0555",), 0.1),
)
_TOWN_WEIGHTS = tuple(t.weight for t in TOWNS)

STREET_TYPES = ("rue", "rue", "rue", "rue", "avenue", "avenue", "boulevard", "place", "allée",
                "impasse", "chemin", "route", "square", "quai", "cours")
STREET_NAMES = (
    "de la République", "Victor Hugo", "Jean Jaurès", "des Écoles", "du Général de Gaulle",
    "de Paris", "de la Gare", "des Lilas", "Pasteur", "de l'Église", "du Moulin",
    "des Acacias", "Émile Zola", "Jules Ferry", "de la Paix", "des Peupliers", "du Château",
    "Saint-Martin", "de la Loire", "Gambetta", "Paul Bert", "Léon Blum", "Voltaire",
    "des Tanneurs", "du Commerce", "Georges Clemenceau", "Anatole France", "de Verdun",
    "du 8 Mai 1945", "des Rosiers", "des Vignes", "de la Fontaine", "du Stade",
    "Marcel Cachin", "Jean Moulin", "des Marronniers", "de Bretagne", "de la Mairie",
    "Honoré de Balzac", "François Rabelais", "Pierre de Ronsard", "des Cerisiers",
    "du Prieuré", "de Grammont", "de Nantes", "de Chinon", "des Hautes Marches",
    "Aristide Briand", "Louis Pasteur", "Marie Curie", "de l'Hôtel de Ville", "du Lavoir",
)
RESIDENCES = ("Résidence les Tilleuls", "Résidence du Parc", "Les Jardins de la Loire",
              "Résidence Ronsard", "Le Clos des Vignes", "Résidence Bel Air")

EMAIL_DOMAINS = ("orange.fr", "free.fr", "gmail.com", "laposte.net", "wanadoo.fr", "sfr.fr",
                 "hotmail.fr", "yahoo.fr", "outlook.fr", "icloud.com")
_EMAIL_DOMAIN_WEIGHTS = (24, 14, 28, 8, 8, 6, 6, 3, 2, 1)

OTHER_DOCTORS = (
    "Dr Antoine Rivière", "Dr Hélène Carpentier", "Dr Mathieu Lebrun", "Dr Sophie Marchal",
    "Dr Karim Haddad", "Dr Isabelle Le Goff", "Dr François Aubry", "Dr Nathalie Pasquier",
    "Dr Pierre-Yves Cordier", "Dr Laure Tessier", "Dr Yann Le Bihan", "Dr Anne Delaunay",
    "Dr Jean-Baptiste Royer (Amboise)", "Dr Cécile Maréchal (Chinon)",
)

ADMIN_NOTES = (
    "Tiers payant", "Tiers payant intégral", "Préfère être appelé le matin",
    "Préfère être appelée l'après-midi", "Sourd — parler lentement",
    "Malentendante — privilégier les SMS", "Rappeler sur le portable uniquement",
    "Ne pas laisser de message sur le répondeur", "Accompagné(e) par sa fille",
    "Vient avec son fils pour les rendez-vous", "Parle anglais", "Parle portugais",
    "Mobilité réduite — rendez-vous au rez-de-chaussée", "Carte Vitale à mettre à jour",
    "Complémentaire santé solidaire (CSS)", "Nouvelle adresse à confirmer",
    "Joindre le matin avant 9 h", "Tutelle : contacter l'UDAF avant tout rendez-vous",
)

# Shown whenever the card opens: practical, never clinical.
ALERTS = (
    "Malentendant : parler fort et lentement", "Interprète nécessaire (arabe)",
    "Interprète nécessaire (langue des signes)", "Ne pas laisser de message sur le répondeur",
    "Sous tutelle : prévenir l'UDAF de tout rendez-vous", "Appeler sa fille avant tout rendez-vous",
    "Se déplace en fauteuil roulant", "Malvoyante : lui lire les consignes au téléphone",
)
_CHANNELS = (("sms", 45), ("phone", 35), ("email", 15), ("mail", 5))


# -- generation -------------------------------------------------------------------------
_YEAR_FIRST = date(1930, 1, 1)
_YEAR_LAST = date(2025, 12, 31)
# (min age, max age, weight) in 2025: a family practice's list, children included.
_AGE_BANDS = ((0, 2, 4), (3, 10, 9), (11, 17, 8), (18, 29, 13), (30, 44, 19), (45, 59, 20),
              (60, 74, 17), (75, 95, 10))
_ASCII = re.compile(r"[^a-z0-9-]")


def _ascii(text: str) -> str:
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


class _PatientFactory:
    """Fictional patients, one at a time, from one random stream."""

    def __init__(self, rng: random.Random, gps: list[str], paediatrician: str | None,
                 today: date) -> None:
        self.rng = rng
        # Contact preferences and alerts come from a stream of their own, so adding them
        # left every other generated value as it was.
        self.extras = random.Random(rng.random())
        self.gps = gps
        self.paediatrician = paediatrician
        self.last_day = min(_YEAR_LAST, today)
        self.households: list[_Household] = []  # recent adults who may have children here

    # -- pieces -------------------------------------------------------------------------
    def surname(self) -> str:
        return self.rng.choices(SURNAMES, _SURNAME_WEIGHTS)[0]

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
        start = max(date(year, 1, 1), _YEAR_FIRST)
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
        town = rng.choices(TOWNS, _TOWN_WEIGHTS)[0]
        number = str(rng.randint(1, 120) if rng.random() < 0.9 else rng.randint(121, 260))
        if rng.random() < 0.05:
            number += rng.choice((" bis", " ter"))
        street = f"{number} {rng.choice(STREET_TYPES)} {rng.choice(STREET_NAMES)}"
        if rng.random() < 0.08:
            street = f"{rng.choice(RESIDENCES)}, bât. {rng.choice('ABCDE')}, {street}"
        return street, town

    def email(self, first_names: str, name: str, birth: date) -> str:
        rng = self.rng
        first = _ascii(first_names.split()[0])
        last = _ascii(name)
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
        return f"{local}@{rng.choices(EMAIL_DOMAINS, _EMAIL_DOMAIN_WEIGHTS)[0]}"

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
                [c for c, _ in _CHANNELS], [w for _, w in _CHANNELS])[0]
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
    gps = [_practitioner_name(p) for p in staff if p.specialty == "Médecine générale"]
    paediatrician = next((_practitioner_name(p) for p in staff if p.specialty == "Pédiatrie"),
                         None)
    # Its own stream: other kinds of data added later leave the patients unchanged.
    rng = random.Random(f"permanence-demo/{seed}/patients")
    factory = _PatientFactory(rng, gps, paediatrician, today or _YEAR_LAST)
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
        self.people = _PatientFactory(rng, [], None, _YEAR_LAST)  # names, towns, numbers

    def _person(self) -> tuple[str, str]:
        sex = Sex.FEMALE.value if self.rng.random() < 0.5 else Sex.MALE.value
        return self.people.surname(), self.rng.choice(FIRST_NAMES[sex][1])

    def _mssante(self, first: str, name: str, profession: str = "medecin") -> str:
        return f"{_ascii(first)}.{_ascii(name)}@{profession}.mssante.fr"

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
            c.mssante = f"resultats.{_ascii(town.name)}@labo-{rng.randint(1, 99)}.mssante.fr"
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
            local = _ascii(c.first_name or c.name.split()[-1]) or "contact"
            c.email = f"{local}.{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
        return c


def demo_contacts(seed: int, count: int) -> Iterator[ContactInput]:
    """The directory of a generated practice, in order (what ``generate_demo`` inserts)."""
    factory = _ContactFactory(random.Random(f"permanence-demo/{seed}/contacts"))
    for _ in range(count):
        yield factory.contact()


def practice_input(size: DemoSize) -> PracticeInput:
    return PracticeInput(name=PRACTICE_NAME, timezone=PRACTICE_TIMEZONE,
                         address=PRACTICE_ADDRESS,
                         practitioners=list(PRACTITIONERS[:size.practitioners]),
                         owner_name="Claire Morel")


# -- the sections of a generated practice -------------------------------------------------
@dataclass
class _Run:
    workspace: Workspace
    size: DemoSize
    seed: int
    clock: Clock
    total: int
    progress: ProgressFn | None
    cancelled: CancelledFn | None
    done: int = 0
    # (id, display name) of the general practitioners of the directory
    gp_contacts: list[tuple[str, str]] = field(default_factory=list)
    # the patients created, in order: who the agenda books
    patients: list[demo_agenda.PatientRef] = field(default_factory=list)

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()

    def advance(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)


def _contacts_section(run: _Run) -> None:
    rows = demo_contacts(run.seed, run.size.contacts)
    service = run.workspace.directory
    while True:
        run.check()
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            return
        ids = service.create_many(chunk)
        run.gp_contacts.extend(
            (cid, contact_display_name(c.title, c.name, c.first_name))
            for cid, c in zip(ids, chunk) if c.category == ContactCategory.GP.value)


# Share of patients whose referring doctor is a contact of the directory.
REFERRAL_SHARE = 0.04


def _patients_section(run: _Run) -> None:
    rows = demo_patients(run.seed, run.size.patients, size=run.size,
                         today=run.clock.now().date())
    # Its own stream: the patients themselves stay those of demo_patients().
    referrals = random.Random(f"permanence-demo/{run.seed}/referrals")
    service = run.workspace.patients
    while True:
        run.check()
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            break
        for patient in chunk:
            if run.gp_contacts and referrals.random() < REFERRAL_SHARE:
                patient.referring_contact_id, patient.referring_doctor = referrals.choice(
                    run.gp_contacts)
        service.create_many(chunk)
        run.advance(len(chunk))
    run.patients = _created_patients(run.workspace)


def _created_patients(workspace: Workspace) -> list[demo_agenda.PatientRef]:
    with workspace.store.reader() as s:
        rows = s.execute(select(Patient.id, Patient.sex, Patient.birth_date,
                                Patient.referring_doctor)
                         .where(Patient.deleted_at.is_(None)).order_by(Patient.version))
        return [demo_agenda.PatientRef(pid, sex == Sex.FEMALE.value, birth, doctor or "")
                for pid, sex, birth, doctor in rows]


def _agenda_section(run: _Run) -> None:
    if not run.size.appointments:
        return
    ws = run.workspace
    with ws.store.reader() as s:
        ids = {(first, last): pid for pid, first, last in s.execute(
            select(Practitioner.id, Practitioner.first_name, Practitioner.last_name))}
    staff = [demo_agenda.Practitioner(i, ids[p.first_name, p.last_name], _practitioner_name(p),
                                      p.specialty)
             for i, p in enumerate(PRACTITIONERS[:run.size.practitioners])]
    demo_agenda.generate_agenda(
        ws.store, actor_id=ws.user_id, seed=run.seed, practitioners=staff,
        patients=run.patients, zone=PracticeTime(ws.practice.timezone),
        holidays=PublicHolidays(ws.practice.holiday_region), now=run.clock.now(),
        months_back=run.size.months_back, months_ahead=run.size.months_ahead,
        appointments=run.size.appointments, progress=run.advance, check=run.check)


# Each kind of data in the order it is generated: (name, how many, generator).
# Later kinds (calls) add a line here. The directory comes first (patients refer to its
# doctors), the agenda after the patients it books; progress counts patients and
# appointments, the directory takes a moment.
_SECTIONS: tuple[tuple[str, Callable[[DemoSize], int], Callable[[_Run], None]], ...] = (
    ("contacts", lambda s: 0, _contacts_section),
    ("patients", lambda s: s.patients, _patients_section),
    ("agenda", lambda s: s.appointments, _agenda_section),
)


# -- the entry point ---------------------------------------------------------------------
def generate_demo(paths: ProfilePaths, *, size: str | DemoSize = "demo", seed: int = 1,
                  passphrase: str = DEMO_PASSPHRASE, clock: Clock, kdf: KdfParams = KdfParams(),
                  progress: ProgressFn | None = None,
                  cancelled: CancelledFn | None = None) -> Workspace:
    """Create a fictional practice at ``paths`` and return it open (the caller closes it).

    Raises ``ProfileExistsError`` if a profile is already there, ``Cancelled`` if
    ``cancelled()`` turned true; in both cases, and on any failure, nothing is left at
    ``paths``. ``size``: one of ``SIZES`` by name, or a ``DemoSize`` of one's own.
    """
    if isinstance(size, DemoSize):
        spec = size
    else:
        try:
            spec = SIZES[size]
        except KeyError:
            raise ValueError(f"unknown demo size {size!r}; one of {', '.join(SIZES)}") from None
    # Hidden ".partial" folders of a generation killed under an older version.
    leftovers.remove_stale(paths.root.parent, f".{paths.root.name}.", ".partial", legacy=True)
    if paths.exists():
        raise ProfileExistsError(str(paths.root))
    pending = prepare_practice(paths, practice_input(spec), passphrase=passphrase,
                               keychain=None, clock=clock, kdf=kdf, demo=True)
    try:
        workspace = pending.open_aside(clock=clock)
        run = _Run(workspace, spec, seed, clock,
                   total=sum(count(spec) for _, count, _ in _SECTIONS),
                   progress=progress, cancelled=cancelled)
        try:
            if progress is not None:
                progress(0, run.total)
            for _name, _count, section in _SECTIONS:
                section(run)
            run.check()
        finally:
            workspace.close()
        return pending.place(clock=clock)
    except BaseException:
        pending.discard()
        raise
