"""Domain model: SQLAlchemy declarative classes and their invariants (no I/O beyond the ORM)."""

from app.models.agenda import (
    Absence, AbsenceKind, Appointment, AppointmentSeries, AppointmentStatus, AppointmentType,
    CancelReason, Confirmation, FreedCause, FreedSlot, HolidayOpening, OfferOutcome,
    OpeningHours, SlotOffer, WaitingListEntry, WaitingStatus,
)
from app.models.base import Base, Syncable
from app.models.call_desk import CallSettings, CallStep, StepKind, UrgentAction
from app.models.calls import (
    AttemptOutcome, Call, Callback, CallbackAttempt, CallbackSource, CallDirection, CallerKind,
    CallOutcome, CallReason,
)
from app.models.conflict import SyncConflict
from app.models.directory import Contact, ContactCategory, contact_display_name
from app.models.duplicate import DuplicateDismissal
from app.models.emergency import EmergencyAccess
from app.models.journal import AuditEntry, ChangeJournal, LocalMeta, PracticeSetting
from app.models.merge import PatientMerge
from app.models.messages import (
    Consigne, ConsigneAck, ConsignePriority, ConsigneVersion, Message, MessagePriority,
    MessageState,
)
from app.models.patient import ContactChannel, Civility, Patient, PatientPhone, PhoneKind, Sex
from app.models.practice import DEFAULT_TIMEZONE, Practice, Practitioner
from app.models.sync import NodeIdentity, SyncPeer
from app.models.user import ROLE_OWNER, User

__all__ = [
    "Absence", "AbsenceKind", "Appointment", "AppointmentSeries", "AppointmentStatus",
    "AppointmentType", "CancelReason", "Confirmation", "FreedCause", "FreedSlot",
    "HolidayOpening", "OfferOutcome", "OpeningHours", "SlotOffer", "WaitingListEntry",
    "WaitingStatus",
    "AttemptOutcome", "Call", "Callback", "CallbackAttempt", "CallbackSource", "CallDirection",
    "CallerKind", "CallOutcome", "CallReason", "CallSettings", "CallStep", "StepKind",
    "UrgentAction",
    "AuditEntry", "Base", "ChangeJournal", "Civility", "Contact", "ContactCategory",
    "ContactChannel", "DEFAULT_TIMEZONE", "DuplicateDismissal", "EmergencyAccess", "LocalMeta", "Patient",
    "PatientMerge", "PatientPhone",
    "contact_display_name", "PhoneKind", "Practice", "PracticeSetting", "Practitioner",
    "ROLE_OWNER", "Sex", "Syncable", "SyncConflict", "User",
    "Consigne", "ConsigneAck", "ConsignePriority", "ConsigneVersion", "Message",
    "MessagePriority", "MessageState", "NodeIdentity", "SyncPeer",
]
