"""How big a generated practice is, and who works there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.services.practice import PracticeInput, PractitionerInput

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
    # The telephone: about this many calls, over as many working days before today as
    # the practitioners' daily calls take (about six months for the demo).
    calls: int = 0


SIZES: dict[str, DemoSize] = {
    "demo": DemoSize(practitioners=3, patients=2_000, contacts=150, appointments=8_500,
                     calls=9_500),
    "large": DemoSize(practitioners=10, patients=100_000, contacts=50_000,
                      appointments=1_000_000, months_back=264, calls=1_000_000),
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


def practitioner_name(p: PractitionerInput) -> str:
    return " ".join(x for x in (p.title, p.first_name, p.last_name) if x)


def practice_input(size: DemoSize) -> PracticeInput:
    return PracticeInput(name=PRACTICE_NAME, timezone=PRACTICE_TIMEZONE,
                         address=PRACTICE_ADDRESS,
                         practitioners=list(PRACTITIONERS[:size.practitioners]),
                         owner_name="Claire Morel")
