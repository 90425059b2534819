"""Local user accounts: who signs in, with which role.

An account is never deleted (the trail keeps its name): it is disabled. Its sign-in
name (``login``) is what ``--user NAME`` and the sign-in dialog take; its secret lives
in the key envelope (app/storage/keys.py), never in the database.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models import kinds
from app.models.base import Base, Syncable, UTCDateTime

ROLE_OWNER = "owner"
ROLE_PRACTITIONER = "practitioner"
ROLE_SECRETARY = "secretary"
ROLE_REMOTE_SECRETARY = "remote-secretary"
ROLE_TELEPHONY = "telephony"
ROLES = (ROLE_OWNER, ROLE_PRACTITIONER, ROLE_SECRETARY, ROLE_REMOTE_SECRETARY, ROLE_TELEPHONY)

# The sign-in name of the owner account of a practice created before accounts existed.
DEFAULT_OWNER_LOGIN = "owner"
# Lower-case letters, digits, dots, dashes and underscores: typed on a command line and
# stored in the key envelope, so nothing that needs quoting or folding.
LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")


class User(Syncable, Base):
    __tablename__ = "app_user"
    __sync_entity__ = kinds.USER

    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default=ROLE_OWNER)
    login: Mapped[str] = mapped_column(String(40), nullable=False, default="",
                                       server_default=text("''"))
    # The practitioner of the agenda a practitioner account is (None for other roles).
    practitioner_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
