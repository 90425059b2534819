"""Patients: identity and contact details only, never clinical notes."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models import kinds
from app.models.base import Base, Syncable, UTCDateTime
from app.models.text import name_tokens


class Civility(str, enum.Enum):
    MADAME = "mme"
    MONSIEUR = "m"
    NONE = ""


class Sex(str, enum.Enum):
    FEMALE = "F"
    MALE = "M"
    UNKNOWN = ""


class ContactChannel(str, enum.Enum):
    """How the patient prefers to be reached."""

    ANY = ""
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    MAIL = "mail"


class PhoneKind(str, enum.Enum):
    MOBILE = "mobile"
    HOME = "home"
    WORK = "work"
    OTHER = "other"


def born_word(sex: str = "", civility: str = "") -> str:
    """"née", "né", or "né(e)" when neither the sex nor the title says which."""
    if sex == Sex.FEMALE.value or (not sex and civility == Civility.MADAME.value):
        return "née"
    if sex == Sex.MALE.value or (not sex and civility == Civility.MONSIEUR.value):
        return "né"
    return "né(e)"


def patient_display_name(birth_name: str, used_name: str, first_names: str, sex: str = "",
                         civility: str = "") -> str:
    """The one way a patient is named on screens, printouts and exports, as French usage
    writes it: "VINCENT née ACHOUR Suzanne" (the name in use, then the birth name after
    "née", "né" or "né(e)" when the two differ, then the first names); "ACHOUR Suzanne"
    when there is no other name in use. The same in every language: it is the civil
    status form. ``sex`` ("F", "M", ""), or else ``civility``, chooses the word."""
    used = used_name or ""
    name = (used or birth_name).upper()
    if (used and birth_name and used != birth_name
            and name_tokens(used) != name_tokens(birth_name)):
        name += f" {born_word(sex, civility)} {birth_name.upper()}"
    return f"{name} {first_names or ''}".strip()


def patient_identity_key(birth_name: str, first_names: str, birth_date: date | None) -> str:
    """Equal for homonyms: same folded birth name, first first name and birth date.

    Empty without a birth date: a name alone says too little to suspect a duplicate.
    """
    first = name_tokens(first_names)[:1]
    name = name_tokens(birth_name)
    if birth_date is None or not name or not first:
        return ""
    return f"{' '.join(name)}|{first[0]}|{birth_date.isoformat()}"


class Patient(Syncable, Base):
    __tablename__ = "patient"
    __sync_entity__ = kinds.PATIENT

    civility: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    birth_name: Mapped[str] = mapped_column(String(100), nullable=False)
    used_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    first_names: Mapped[str] = mapped_column(String(200), nullable=False)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    sex: Mapped[str] = mapped_column(String(1), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    email_other: Mapped[str] = mapped_column(String(254), nullable=False, default="",
        server_default=text("''"))
    preferred_channel: Mapped[str] = mapped_column(String(10), nullable=False, default="",
        server_default=text("''"))
    # Practice-time bounds for calling the patient ("not before 9:00, not after 18:00").
    call_not_before: Mapped[time | None] = mapped_column(Time, nullable=True)
    call_not_after: Mapped[time | None] = mapped_column(Time, nullable=True)
    # Shown whenever the card opens: "hard of hearing", "interpreter needed". Not clinical.
    alert: Mapped[str] = mapped_column(String(300), nullable=False, default="",
        server_default=text("''"))
    address_line: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # Free text as typed or imported; the directory link, when chosen, is authoritative.
    referring_doctor: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    referring_contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contact.id"), nullable=True)
    admin_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reminder_consent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Case- and accent-folded "NAME FIRSTNAMES", maintained by the service: sort order.
    sort_key: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    # Folded birth name, first first name and birth date: equal keys are homonyms.
    identity_key: Mapped[str] = mapped_column(String(200), nullable=False, default="",
        server_default=text("''"))
    # Columns added after the first schema carry a server default: SQLite adds a NOT
    # NULL column to an existing table only with one.
    # Set with the tombstone when this card was merged into another one.
    merged_into_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Set with the tombstone when the patient's personal data was erased (app.services.
    # rgpd): every field is blank, and a peer that applies it erases its own copies.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    phones: Mapped[list[PatientPhone]] = relationship(
        back_populates="patient",
        order_by="PatientPhone.position",
        primaryjoin="and_(Patient.id == PatientPhone.patient_id, PatientPhone.deleted_at.is_(None))",
        viewonly=True,
    )

    __table_args__ = (
        Index("ix_patient_sort_key", "sort_key"),
        # Search ranks matches by sort_key, and shows a page of results, without reading
        # whole rows (schema 0019).
        Index("ix_patient_search_cover", "id", "deleted_at", "sort_key", "birth_name",
              "used_name", "first_names", "birth_date", "city", "alert", "sex", "civility"),
        # Name prefixes walk it in name order, skip removed patients without reading their
        # rows, and stop at the page size. The name comes first: led by deleted_at, it
        # would be taken for every query on the current patients (the duplicates list).
        Index("ix_patient_sort_live", "sort_key", "deleted_at", "id"),
        Index("ix_patient_birth_sort", "birth_date", "deleted_at", "sort_key", "id"),
        Index("ix_patient_identity_key", "identity_key", "deleted_at"),
    )

    @property
    def display_name(self) -> str:
        return patient_display_name(self.birth_name, self.used_name, self.first_names,
                                    self.sex or "", self.civility or "")


class PatientPhone(Syncable, Base):
    __tablename__ = "patient_phone"
    __sync_entity__ = kinds.PATIENT_PHONE

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=PhoneKind.MOBILE.value)
    raw: Mapped[str] = mapped_column(String(40), nullable=False)  # as typed
    e164: Mapped[str] = mapped_column(String(20), nullable=False)
    position: Mapped[int] = mapped_column(nullable=False, default=0)

    patient: Mapped[Patient] = relationship(viewonly=True)

    __table_args__ = (
        Index("ix_patient_phone_patient_id", "patient_id"),
        # Lookups by number, and the shared-number groups of the duplicates list, read
        # only this index.
        Index("ix_patient_phone_e164", "e164", "deleted_at", "patient_id"),
        # A patient's first current number, as a result row shows it, from the index alone.
        Index("ix_patient_phone_first", "patient_id", "deleted_at", "position", "e164"),
    )
