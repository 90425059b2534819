"""How the agenda names things for people: statuses, cancellation reasons, the fields
of an appointment's history, practitioners. In the user's language, read each time (the
language can change while the program runs)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import _
from app.models import AppointmentStatus, CancelReason, Confirmation, Practitioner


def status_labels() -> dict[str, str]:
    return {
        AppointmentStatus.BOOKED.value: _("Booked"),
        AppointmentStatus.CONFIRMED.value: _("Confirmed"),
        AppointmentStatus.ARRIVED.value: _("In the waiting room"),
        AppointmentStatus.IN_CONSULTATION.value: _("In consultation"),
        AppointmentStatus.SEEN.value: _("Seen"),
        AppointmentStatus.NO_SHOW.value: _("No-show"),
        AppointmentStatus.CANCELLED.value: _("Cancelled"),
    }


def cancel_reason_labels() -> dict[str, str]:
    return {
        CancelReason.BY_PATIENT.value: _("Cancelled by the patient"),
        CancelReason.BY_PRACTICE.value: _("Cancelled by the practice"),
        CancelReason.NO_SHOW.value: _("No-show (patient did not come)"),
    }


def confirmation_labels() -> dict[str, str]:
    """The outcomes of a confirmation call."""
    return {
        Confirmation.CONFIRMED.value: _("Confirmed"),
        Confirmation.UNREACHABLE.value: _("Unreachable"),
        Confirmation.MESSAGE_LEFT.value: _("Message left"),
        Confirmation.CANCELLED.value: _("Cancelled by phone"),
    }


def field_labels() -> dict[str, str]:
    return {"starts_at": _("start"), "ends_at": _("end"), "practitioner_id": _("practitioner"),
            "patient_id": _("patient"), "type_id": _("type"), "status": _("status"),
            "cancel_reason": _("cancellation"), "cancel_note": _("cancellation note"),
            "note": _("note"), "override_note": _("override"),
            "confirmation": _("confirmation call")}


def practitioner_names(session: Session) -> dict[str, str]:
    return {p.id: p.display_name for p in session.execute(select(Practitioner)).scalars()}
