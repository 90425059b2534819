"""The principal: who acts, with which role, on which workstation.

Built once at sign-in from the account that signed in, then handed to the services
(which check it against the access matrix) and stamped by the unit of work on every
journal and audit entry. Frozen: a role change takes effect at the next sign-in.

Its ``grants`` say what the sign-in may do beyond the role's name: the practice's
rights for that role as the owner adjusted them (read at sign-in; None: the default
matrix), and a break-glass access while it lasts. They are the one mutable part,
shared by every service built for this sign-in, so an emergency access opened or
ended reaches them all at once. At a remote workstation they also say what the
practice's policy forbids there, read anew at each check.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.clock import Clock, SystemClock
from app.models.text import clean_name
from app.models.user import ROLE_OWNER


@dataclass(frozen=True)
class Emergency:
    """A break-glass access in force: its record's id, and when it ends."""

    id: str
    until: datetime


class Grants:
    def __init__(self, rights: frozenset[str] | None = None, *,
                 clock: Clock | None = None,
                 policy: Callable[[], frozenset[str] | None] | None = None) -> None:
        """``policy``: at a remote workstation, which of the actions a practice's policy
        governs it allows now (None at a practice), read when asked: a sync round may
        change it while the session lasts."""
        self.rights = rights
        self.emergency: Emergency | None = None
        self._clock = clock or SystemClock()
        self._policy = policy

    def policy_allows(self) -> frozenset[str] | None:
        return self._policy() if self._policy is not None else None

    def emergency_active(self) -> bool:
        return self.emergency is not None and self._clock.now() < self.emergency.until


@dataclass(frozen=True)
class Principal:
    user_id: str
    name: str  # the sign-in name
    role: str
    practitioner_id: str | None = None
    workstation: str = ""  # this installation's node id
    workstation_name: str = ""  # its readable name (the computer's), "" if unknown
    grants: Grants = field(default_factory=Grants, compare=False, repr=False)

    @property
    def is_owner(self) -> bool:
        return self.role == ROLE_OWNER


WORKSTATION_NAME_MAX = 100  # the audit trail's column


def this_workstation_name() -> str:
    """This computer's network name, as the audit trail shows it beside the node id: on
    one line, without control characters, "" when the system gives none."""
    try:
        name = platform.node()
    except OSError:
        return ""
    return clean_name(name)[:WORKSTATION_NAME_MAX]
