"""Starting points for a new agenda: the usual appointment types ("motifs") of each
specialty and a usual week, to tick and adjust before they are created.

Plain data. Labels are English source strings translated when they are read, so a
template is built in the language of the moment (``specialties()``, ``specialty(key)``).
Durations and colours are those a French practice of the specialty commonly uses; the
colours come from the types editor's palette (a dark or a white text reads on each).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from app.i18n import _
from app.services.agenda.setup import HoursRange, StarterPlan, TypeInput
from app.services.errors import ValidationError

BLUE, GREEN, TEAL, OCHRE = "#3b7dd8", "#2e9e6b", "#1a9aa0", "#c2a01f"
ORANGE, RED, PINK, PURPLE, BROWN = "#e07b39", "#d64545", "#d6589f", "#8e5cc4", "#8a6d3b"


@dataclass(frozen=True)
class MotifTemplate:
    key: str
    name: str
    duration_min: int
    colour: str
    buffer_after_min: int = 0
    remote_bookable: bool = True

    def as_input(self, practitioner_ids: frozenset[str] = frozenset()) -> TypeInput:
        return TypeInput(name=self.name, duration_min=self.duration_min,
                         buffer_after_min=self.buffer_after_min, colour=self.colour,
                         remote_bookable=self.remote_bookable,
                         practitioner_ids=frozenset(practitioner_ids))


@dataclass(frozen=True)
class DayTemplate:
    """One day of the usual week: a morning and an afternoon range (minutes after
    midnight, or None), and whether the day is ticked to begin with."""

    weekday: int  # Monday = 0
    morning: tuple[int, int] | None
    afternoon: tuple[int, int] | None
    open: bool


@dataclass(frozen=True)
class SpecialtyTemplate:
    key: str
    label: str
    title: str  # the usual title of its practitioners ("Dr" or none)
    motifs: tuple[MotifTemplate, ...]
    week: tuple[DayTemplate, ...]

    def ranges(self) -> list[HoursRange]:
        """The ticked days of the usual week, as weekly hours."""
        return week_ranges(self.week)


def _h(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


def usual_week(morning=(_h(8, 30), _h(12, 30)), afternoon=(_h(14), _h(19)),
               saturday=(_h(8, 30), _h(12, 30))) -> tuple[DayTemplate, ...]:
    """Monday to Friday morning and afternoon; Saturday morning offered, not ticked;
    Sunday closed."""
    days = [DayTemplate(d, morning, afternoon, True) for d in range(5)]
    days.append(DayTemplate(5, saturday, None, False))
    days.append(DayTemplate(6, None, None, False))
    return tuple(days)


def week_ranges(week: tuple[DayTemplate, ...] | list[DayTemplate]) -> list[HoursRange]:
    out = []
    for day in week:
        if not day.open:
            continue
        for part in (day.morning, day.afternoon):
            if part is not None:
                out.append(HoursRange(day.weekday, part[0], part[1]))
    return out


def _general() -> SpecialtyTemplate:
    return SpecialtyTemplate("general", _("General practice"), "Dr", (
        MotifTemplate("consultation", _("Consultation"), 15, BLUE),
        MotifTemplate("first", _("First consultation"), 30, GREEN),
        MotifTemplate("urgent", _("Urgent consultation"), 15, RED),
        MotifTemplate("home", _("Home visit"), 30, BROWN, buffer_after_min=15,
                      remote_bookable=False),
        MotifTemplate("video", _("Teleconsultation"), 15, TEAL),
        MotifTemplate("vaccination", _("Vaccination"), 10, OCHRE),
        MotifTemplate("smear", _("Cervical smear"), 20, PINK),
        MotifTemplate("certificate", _("Sports certificate"), 15, PURPLE),
    ), usual_week())


def _paediatrics() -> SpecialtyTemplate:
    return SpecialtyTemplate("paediatrics", _("Paediatrics"), "Dr", (
        MotifTemplate("consultation", _("Paediatric consultation"), 20, BLUE),
        MotifTemplate("first", _("First consultation"), 30, GREEN),
        MotifTemplate("infant", _("Compulsory infant check-up"), 30, PURPLE),
        MotifTemplate("vaccination", _("Vaccination"), 15, OCHRE),
        MotifTemplate("urgent", _("Urgent consultation"), 20, RED),
        MotifTemplate("video", _("Teleconsultation"), 20, TEAL),
    ), usual_week(morning=(_h(9), _h(12, 30))))


def _physiotherapy() -> SpecialtyTemplate:
    return SpecialtyTemplate("physiotherapy", _("Physiotherapy"), "", (
        MotifTemplate("session", _("Physiotherapy session"), 30, BLUE),
        MotifTemplate("assessment", _("Initial assessment"), 45, GREEN),
        MotifTemplate("respiratory", _("Respiratory physiotherapy"), 30, TEAL),
        MotifTemplate("perineal", _("Perineal re-education"), 30, PINK),
        MotifTemplate("home", _("Home session"), 30, BROWN, buffer_after_min=15,
                      remote_bookable=False),
    ), usual_week(morning=(_h(8), _h(12, 30)), afternoon=(_h(14), _h(20)),
                  saturday=(_h(8), _h(12))))


def _dentistry() -> SpecialtyTemplate:
    return SpecialtyTemplate("dentistry", _("Dentistry"), "Dr", (
        MotifTemplate("checkup", _("Dental check-up"), 30, BLUE, buffer_after_min=10),
        MotifTemplate("scaling", _("Scaling"), 30, TEAL, buffer_after_min=10),
        MotifTemplate("filling", _("Filling"), 45, GREEN, buffer_after_min=10),
        MotifTemplate("extraction", _("Extraction"), 45, ORANGE, buffer_after_min=10),
        MotifTemplate("root_canal", _("Root canal treatment"), 60, PURPLE,
                      buffer_after_min=10),
        MotifTemplate("crown", _("Crown fitting"), 45, OCHRE, buffer_after_min=10),
        MotifTemplate("urgent", _("Dental emergency"), 20, RED, buffer_after_min=10),
    ), usual_week(morning=(_h(9), _h(12, 30))))


def _psychology() -> SpecialtyTemplate:
    return SpecialtyTemplate("psychology", _("Psychology"), "", (
        MotifTemplate("session", _("Session"), 45, BLUE, buffer_after_min=15),
        MotifTemplate("first", _("First interview"), 60, GREEN, buffer_after_min=15),
        MotifTemplate("child", _("Child session"), 45, OCHRE, buffer_after_min=15),
        MotifTemplate("couple", _("Couple session"), 60, PURPLE, buffer_after_min=15),
        MotifTemplate("video", _("Video session"), 45, TEAL, buffer_after_min=15),
        MotifTemplate("mon_soutien_psy", _("Mon soutien psy session"), 45, PINK,
                      buffer_after_min=15),
    ), usual_week(morning=(_h(9), _h(13)), afternoon=(_h(14), _h(20))))


def _midwifery() -> SpecialtyTemplate:
    return SpecialtyTemplate("midwifery", _("Midwifery"), "", (
        MotifTemplate("pregnancy", _("Pregnancy consultation"), 30, BLUE),
        MotifTemplate("birth_prep", _("Childbirth preparation"), 60, GREEN),
        MotifTemplate("gynaecology", _("Gynaecological follow-up"), 30, PINK),
        MotifTemplate("perineal", _("Perineal re-education"), 30, PURPLE),
        MotifTemplate("postnatal", _("Postnatal home visit"), 45, BROWN, buffer_after_min=15,
                      remote_bookable=False),
    ), usual_week())


def _speech_therapy() -> SpecialtyTemplate:
    return SpecialtyTemplate("speech_therapy", _("Speech therapy"), "", (
        MotifTemplate("session", _("Speech therapy session"), 30, BLUE),
        MotifTemplate("assessment", _("Speech therapy assessment"), 60, GREEN),
        MotifTemplate("review", _("Progress assessment"), 45, OCHRE),
    ), usual_week(morning=(_h(9), _h(12)), afternoon=(_h(13, 30), _h(19))))


def _osteopathy() -> SpecialtyTemplate:
    return SpecialtyTemplate("osteopathy", _("Osteopathy"), "", (
        MotifTemplate("session", _("Osteopathy session"), 45, BLUE),
        MotifTemplate("infant", _("Infant session"), 30, PINK),
        MotifTemplate("sport", _("Sports follow-up"), 45, GREEN),
    ), usual_week(morning=(_h(9), _h(12, 30)), afternoon=(_h(14), _h(20))))


def _podiatry() -> SpecialtyTemplate:
    return SpecialtyTemplate("podiatry", _("Podiatry"), "", (
        MotifTemplate("care", _("Foot care"), 30, BLUE),
        MotifTemplate("assessment", _("Podiatric assessment"), 45, GREEN),
        MotifTemplate("insoles", _("Insole fitting"), 30, OCHRE),
        MotifTemplate("diabetic", _("Diabetic foot care"), 45, RED),
    ), usual_week())


_BUILDERS = (_general, _paediatrics, _physiotherapy, _dentistry, _psychology, _midwifery,
             _speech_therapy, _osteopathy, _podiatry)
SPECIALTY_KEYS = ("general", "paediatrics", "physiotherapy", "dentistry", "psychology",
                  "midwifery", "speech_therapy", "osteopathy", "podiatry")

# Words a practitioner's typed specialty may hold, to preselect a template (accents
# and case dropped before comparing).
_HINTS = {
    "general": ("general", "generaliste", "medecin", "medecine"),
    "paediatrics": ("pediatr", "paediatr"),
    "physiotherapy": ("kine", "physio", "masseur"),
    "dentistry": ("dentist", "dentaire", "dental", "odonto", "orthodont"),
    "psychology": ("psycho", "psychia", "therapeute"),
    "midwifery": ("sage-femme", "sage femme", "maieut", "midwi"),
    "speech_therapy": ("orthophon", "speech"),
    "osteopathy": ("osteopat",),
    "podiatry": ("podolog", "pedicur", "podiat"),
}


def specialties() -> list[SpecialtyTemplate]:
    """Every template, in the language of the moment."""
    return [b() for b in _BUILDERS]


def specialty(key: str) -> SpecialtyTemplate:
    for b in _BUILDERS:
        t = b()
        if t.key == key:
            return t
    raise ValidationError({"specialty": _("Unknown specialty: {key}. Choose one of: "
                                          "{keys}.").format(key=key,
                                                            keys=", ".join(SPECIALTY_KEYS))})


def folded_name(text: str) -> str:
    """A type's name as compared with another: case, accents and spacing aside."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.casefold().split()))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def guess_specialty(text: str) -> str:
    """The template a practitioner's typed specialty points to ("Masseur-kinésithérapeute"
    → physiotherapy); "" when none does. The more specific ones are tried first, so a
    "Médecin pédiatre" is a paediatrician."""
    folded = folded_name(text)
    if not folded.strip():
        return ""
    for key in (*SPECIALTY_KEYS[1:], SPECIALTY_KEYS[0]):
        if any(word in folded for word in _HINTS[key]):
            return key
    return ""


def starter_plan(key: str, practitioner_ids: list[str], *,
                 existing_names: set[str] = frozenset(), everyone: bool = False) -> StarterPlan:
    """Every motif of the specialty (but those whose name is already a type) offered by
    these practitioners (``everyone``: by every practitioner, present or future, as when
    the whole practice shares the specialty), and the specialty's usual week for each of
    them."""
    template = specialty(key)
    taken = {folded_name(n) for n in existing_names}
    ids = frozenset() if everyone else frozenset(practitioner_ids)
    types = [m.as_input(ids) for m in template.motifs if folded_name(m.name) not in taken]
    return StarterPlan(types=types, hours={pid: template.ranges() for pid in practitioner_ids})
