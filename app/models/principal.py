"""The principal: who acts, with which role, on which workstation.

Built once at sign-in from the account that signed in, then handed to the services
(which check it against the access matrix) and stamped by the unit of work on every
journal and audit entry. Frozen: a role change takes effect at the next sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.user import ROLE_OWNER


@dataclass(frozen=True)
class Principal:
    user_id: str
    name: str  # the sign-in name
    role: str
    practitioner_id: str | None = None
    workstation: str = ""  # this installation's node id

    @property
    def is_owner(self) -> bool:
        return self.role == ROLE_OWNER
