"""Local user accounts (a single owner for now; roles arrive with the security work)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable

ROLE_OWNER = "owner"


class User(Syncable, Base):
    __tablename__ = "app_user"
    __sync_entity__ = kinds.USER

    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default=ROLE_OWNER)
