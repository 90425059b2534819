"""The practice and its practitioners."""

from __future__ import annotations

from sqlalchemy import Boolean, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable

DEFAULT_TIMEZONE = "Europe/Paris"


class Practice(Syncable, Base):
    __tablename__ = "practice"
    __sync_entity__ = kinds.PRACTICE

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default=DEFAULT_TIMEZONE)
    address: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Which public holidays apply: "" metropolitan France, otherwise a subdivision code of
    # the ``holidays`` package ("57" Moselle, "6AE" Alsace, "971" Guadeloupe, "974" Réunion…).
    holiday_region: Mapped[str] = mapped_column(String(10), nullable=False, default="",
                                                server_default=text("''"))
    phone: Mapped[str] = mapped_column(String(20), nullable=False, default="",  # E.164
                                       server_default=text("''"))
    # The lines the practice's calls arrive on: a JSON list of E.164 numbers
    # (``app.services.calls.lines``).
    lines: Mapped[str] = mapped_column(Text, nullable=False, default="[]",
                                       server_default=text("'[]'"))


class Practitioner(Syncable, Base):
    __tablename__ = "practitioner"
    __sync_entity__ = kinds.PRACTITIONER

    title: Mapped[str] = mapped_column(String(20), nullable=False, default="Dr")
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    specialty: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    colour: Mapped[str] = mapped_column(String(7), nullable=False, default="#3b7dd8")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)
