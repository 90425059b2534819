"""Small reads the agenda's booking tools need beyond the agenda services.

- ``patient_label``: the name, first phone and alert shown once a patient is chosen in
  a booking dialog (what a search result shows; not the card, so not an audited read).
- ``appointment_brief``: who, when and which series for an appointment the agenda
  already shows (the freed slot after a cancellation, the series actions).
- ``practitioners_offering``: the active practitioners who offer a type, by name.
- ``patient_phones``: a patient's numbers, as the agenda shows them beside an
  appointment (tooltip, menu, dialog): what a search result shows, not an audited read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.models import Appointment, Patient, PatientPhone
from app.models.patient import patient_display_name
from app.services.agenda.views import TypeInfo
from app.services.errors import NotFound
from app.services.phones import display_phone
from app.services.practice import PractitionerInfo
from app.storage.store import Store


@dataclass(frozen=True)
class PatientLabel:
    id: str
    display_name: str
    phone: str  # the first phone, displayed; "" if none
    alert: str = ""


@dataclass(frozen=True)
class AppointmentBrief:
    id: str
    practitioner_id: str
    patient_id: str | None
    type_id: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    series_id: str | None


def patient_label(store: Store, patient_id: str) -> PatientLabel:
    """NotFound if the card is gone."""
    with store.reader() as s:
        row = s.execute(select(Patient.birth_name, Patient.used_name, Patient.first_names,
                               Patient.alert, Patient.sex, Patient.civility)
                        .where(Patient.id == patient_id, Patient.deleted_at.is_(None))).first()
        if row is None:
            raise NotFound(patient_id)
        phone = s.execute(select(PatientPhone.e164)
                          .where(PatientPhone.patient_id == patient_id,
                                 PatientPhone.deleted_at.is_(None))
                          .order_by(PatientPhone.position).limit(1)).scalar()
    birth, used, first, alert, sex, civility = row
    return PatientLabel(patient_id, patient_display_name(birth, used or "", first or "", sex,
                                                         civility),
                        display_phone(phone) if phone else "", alert or "")


@dataclass(frozen=True)
class PhoneLine:
    kind: str     # PhoneKind value
    display: str  # national form for the French plan ("06 12 34 56 78")


def patient_phones(store: Store, patient_id: str) -> list[PhoneLine]:
    """The card's numbers in its order ([] if none, or the card is gone)."""
    with store.reader() as s:
        rows = s.execute(select(PatientPhone.kind, PatientPhone.e164)
                         .join(Patient, Patient.id == PatientPhone.patient_id)
                         .where(PatientPhone.patient_id == patient_id,
                                PatientPhone.deleted_at.is_(None),
                                Patient.deleted_at.is_(None))
                         .order_by(PatientPhone.position)).all()
    return [PhoneLine(kind, display_phone(e164)) for kind, e164 in rows]


def appointment_brief(store: Store, appointment_id: str) -> AppointmentBrief | None:
    """None if there is no such appointment (or it was removed)."""
    with store.reader() as s:
        row = s.execute(select(Appointment.id, Appointment.practitioner_id,
                               Appointment.patient_id, Appointment.type_id,
                               Appointment.starts_at, Appointment.ends_at, Appointment.status,
                               Appointment.series_id)
                        .where(Appointment.id == appointment_id,
                               Appointment.deleted_at.is_(None))).first()
    return AppointmentBrief(*row) if row is not None else None


def practitioners_offering(practitioners: list[PractitionerInfo],
                           type_info: TypeInfo | None) -> list[PractitionerInfo]:
    if type_info is None:
        return list(practitioners)
    return [p for p in practitioners if type_info.offered_by(p.id)]
