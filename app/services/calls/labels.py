"""The words of the call log: reasons, outcomes, callback attempts and states.

Codes are stored; labels are the user's language. CSV exports use the French words
whatever the interface language, as the other exports do (``FRENCH``).
"""

from __future__ import annotations

from app.i18n import _
from app.models.calls import AttemptOutcome, CallOutcome, CallReason

OPEN, OVERDUE, DONE = "open", "overdue", "done"  # a callback's state


def reasons() -> list[tuple[str, str]]:
    """(code, label) in the order the panel lists them."""
    return [
        (CallReason.APPOINTMENT.value, _("Appointment")),
        (CallReason.RESCHEDULE.value, _("Cancellation / rescheduling")),
        (CallReason.RESULTS.value, _("Results")),
        (CallReason.PRESCRIPTION.value, _("Prescription")),
        (CallReason.INFORMATION.value, _("Information")),
        (CallReason.ADMINISTRATIVE.value, _("Administrative")),
        (CallReason.HEALTH_PROFESSIONAL.value, _("Health professional")),
        (CallReason.URGENT.value, _("Emergency")),
        (CallReason.OTHER.value, _("Other")),
    ]


def outcomes() -> list[tuple[str, str]]:
    return [
        (CallOutcome.BOOKED.value, _("Appointment booked")),
        (CallOutcome.MESSAGE.value, _("Message left")),
        (CallOutcome.CALLBACK.value, _("Callback planned")),
        (CallOutcome.TRANSFERRED.value, _("Transferred")),
        (CallOutcome.INFORMED.value, _("Information given")),
        (CallOutcome.SENT_TO_15.value, _("Referred to the 15")),
        (CallOutcome.NO_FOLLOW_UP.value, _("No follow-up")),
    ]


def attempt_outcomes() -> list[tuple[str, str]]:
    return [
        (AttemptOutcome.NO_ANSWER.value, _("No answer")),
        (AttemptOutcome.MESSAGE_LEFT.value, _("Message left")),
        (AttemptOutcome.REACHED.value, _("Reached")),
    ]


def callback_states() -> list[tuple[str, str]]:
    return [(OPEN, _("To call back")), (OVERDUE, _("Overdue")), (DONE, _("Called back"))]


def label(choices: list[tuple[str, str]], code: str) -> str:
    return dict(choices).get(code, code)


REASON_CODES = frozenset(r.value for r in CallReason)
OUTCOME_CODES = frozenset(o.value for o in CallOutcome)
ATTEMPT_CODES = frozenset(a.value for a in AttemptOutcome)

# The French words of the CSV export (a file format, not interface text).
FRENCH = {
    "reason": {
        "appointment": "Rendez-vous", "reschedule": "Annulation / report",
        "results": "Résultats", "prescription": "Ordonnance", "information": "Renseignement",
        "administrative": "Administratif", "health_professional": "Professionnel de santé",
        "urgent": "Urgence", "other": "Autre",
    },
    "outcome": {
        "booked": "RDV pris", "message": "Message laissé", "callback": "Rappel prévu",
        "transferred": "Transféré", "informed": "Renseignement donné",
        "sent_to_15": "Orienté 15", "no_follow_up": "Sans suite",
    },
    "direction": {"in": "Entrant", "out": "Sortant"},
    "caller": {"patient": "Patient", "contact": "Annuaire", "unknown": "Inconnu"},
    "callback": {OPEN: "À rappeler", OVERDUE: "En retard", DONE: "Rappelé"},
}
