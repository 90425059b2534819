"""The practice's directory of professional contacts: labs, pharmacies, specialists…"""

from __future__ import annotations

import enum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable


class ContactCategory(str, enum.Enum):
    GP = "gp"
    SPECIALIST = "specialist"
    LAB = "lab"
    RADIOLOGY = "radiology"
    PHARMACY = "pharmacy"
    HOSPITAL = "hospital"
    NURSE = "nurse"
    PHYSIO = "physio"
    AMBULANCE = "ambulance"
    PRACTICE = "practice"
    OTHER = "other"


def contact_display_name(title: str, name: str, first_name: str) -> str:
    """"Dr MARTIN Sophie" for a person, "Laboratoire Bio Loire" for an organisation."""
    if first_name:
        return " ".join(p for p in (title, name.upper(), first_name) if p)
    return " ".join(p for p in (title, name) if p)


class Contact(Syncable, Base):
    __tablename__ = "contact"
    __sync_entity__ = kinds.CONTACT

    category: Mapped[str] = mapped_column(String(20), nullable=False, default="other")
    title: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    # A person's surname, or an organisation's name when first_name is empty.
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    specialty: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # Each number as typed and in E.164, like patients' phones.
    phone_raw: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    phone_e164: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    phone2_raw: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    phone2_e164: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    fax_raw: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    fax_e164: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    # Secure health messaging (MSSanté) address, kept as a plain field.
    mssante: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    address_line: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sort_key: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    __table_args__ = (
        Index("ix_contact_sort_key", "sort_key"),
        Index("ix_contact_search_cover", "id", "deleted_at", "sort_key"),
        # Current contacts in name order, as a whole and within one category: listings
        # and name prefixes walk them and stop at the page size (schema 0004).
        Index("ix_contact_live_sort", "deleted_at", "sort_key", "id"),
        Index("ix_contact_category_sort", "category", "deleted_at", "sort_key", "id"),
    )

    @property
    def display_name(self) -> str:
        return contact_display_name(self.title, self.name, self.first_name)
