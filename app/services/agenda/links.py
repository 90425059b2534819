"""How the agenda hangs off a patient: merges move its rows, the timeline shows them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import _
from app.models import Appointment, AppointmentSeries, AppointmentType, Practitioner, WaitingListEntry
from app.services.agenda.service import status_labels
from app.services.agenda.zone import PracticeTime
from app.services.duplicates import LinkMover, register_link_mover
from app.services.timeline import TimelineEvent

MAX_APPOINTMENT_EVENTS = 100


def register_agenda_links() -> None:
    """Merging two cards moves the merged card's appointments, series and waiting entries."""
    for model in (Appointment, AppointmentSeries, WaitingListEntry):
        register_link_mover(LinkMover(model, "patient_id"))


def appointment_source(zone: PracticeTime):
    """A timeline source: the patient's appointments, each shown when it was booked."""
    return lambda session, patient_id: appointment_events(session, patient_id, zone)


def appointment_events(session: Session, patient_id: str, zone: PracticeTime) -> list[TimelineEvent]:
    labels = status_labels()
    rows = session.execute(
        select(Appointment.created_at, Appointment.starts_at, Appointment.status,
               AppointmentType.name, Practitioner.title, Practitioner.first_name,
               Practitioner.last_name, Appointment.id)
        .join(Practitioner, Practitioner.id == Appointment.practitioner_id)
        .join(AppointmentType, AppointmentType.id == Appointment.type_id, isouter=True)
        .where(Appointment.patient_id == patient_id, Appointment.deleted_at.is_(None))
        .order_by(Appointment.starts_at.desc()).limit(MAX_APPOINTMENT_EVENTS)).all()
    events = []
    for created, starts, status, type_name, title, first, last, aid in rows:
        who = " ".join(p for p in (title, first, last) if p)
        when = zone.local(starts).strftime("%d/%m/%Y %H:%M")
        detail = " · ".join(p for p in (when, type_name or "", who,
                                        labels.get(status, status)) if p)
        events.append(TimelineEvent(created, "appointment", _("Appointment booked"), detail,
                                    ref_id=aid))
    return events
