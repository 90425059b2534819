"""The practice's security settings, the owner's: how soon an idle session locks, and
the access matrix as the owner adjusted it.

Kept in ``practice_setting`` (local to this installation, in the encrypted database);
every change is audited. Anyone signed in reads them (the session needs the lock delay,
the sign-in its role's rights); only a role that manages accounts changes them.

The matrix is stored as the owner's changes over the defaults (``{role: {action:
allowed}}``), so an action a later version adds follows its default; the changes are
held to ``access.adjustable`` (the owner's row, accounts and keys, the telephony cap).
A change takes effect at each person's next sign-in, as a change of role does.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from app.clock import Clock
from app.i18n import _
from app.models.journal import PracticeSetting
from app.models.principal import Principal
from app.services import access
from app.services.errors import ValidationError

IDLE_KEY = "lock.idle_minutes"
MATRIX_KEY = "access.matrix"
MAX_MATRIX_CHARS = 16_000
DEFAULT_IDLE_MINUTES = 5
MIN_IDLE_MINUTES, MAX_IDLE_MINUTES = 1, 60
SETTING_ENTITY = "practice_setting"


class SecuritySettings:
    def __init__(self, store, *, principal: Principal | None, clock: Clock) -> None:
        self._store = store
        self._principal = principal
        self._clock = clock

    def _get(self, key: str) -> str | None:
        with self._store.reader() as s:
            return s.execute(select(PracticeSetting.value).where(PracticeSetting.key == key)
                             ).scalar()

    def _set(self, key: str, value: str, detail: str) -> None:
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            uow.session.merge(PracticeSetting(key=key, value=value))
            uow.audit("setting", SETTING_ENTITY, key, detail)

    @property
    def _actor(self) -> str:
        return self._principal.user_id if self._principal is not None else "system"

    def idle_minutes(self) -> int:
        """After how many minutes without a key press or a click the session locks."""
        value = self._get(IDLE_KEY)
        try:
            minutes = int(value) if value is not None else DEFAULT_IDLE_MINUTES
        except ValueError:
            return DEFAULT_IDLE_MINUTES
        return min(max(minutes, MIN_IDLE_MINUTES), MAX_IDLE_MINUTES)

    def set_idle_minutes(self, minutes: int) -> None:
        access.require_for(self._principal, access.ACCOUNTS)
        if not MIN_IDLE_MINUTES <= minutes <= MAX_IDLE_MINUTES:
            raise ValidationError({"idle_minutes": _(
                "The session locks after {low} to {high} minutes without use; {minutes} is "
                "outside.").format(low=MIN_IDLE_MINUTES, high=MAX_IDLE_MINUTES,
                                   minutes=minutes)})
        self._set(IDLE_KEY, str(minutes), f"idle_minutes={minutes}")

    # -- the matrix ---------------------------------------------------------------------
    def changes(self) -> dict[str, dict[str, bool]]:
        return read_changes(self._store)

    def rights(self) -> dict[str, frozenset[str]]:
        """Every role's rights as they are now (the defaults, adjusted)."""
        changes = self.changes()
        return {role: access.adjusted(role, changes.get(role, {})) for role in access.MATRIX}

    def set_allowed(self, role: str, action: str, allow: bool) -> None:
        """Give ``role`` the right to ``action`` or take it away; ``AccessDenied`` for
        whoever does not manage accounts, ``ValidationError`` outside the bounds."""
        access.require_for(self._principal, access.ACCOUNTS)
        if not access.adjustable(role, action):
            raise ValidationError({"matrix": _(
                "This right cannot be changed: the owner keeps every right, accounts and "
                "keys are the owner's alone, and a phone system only handles calls.")})
        changes = self.changes()
        row = changes.setdefault(role, {})
        if allow == (action in access.MATRIX[role]):
            row.pop(action, None)  # back to the default
        else:
            row[action] = allow
        changes = {r: c for r, c in changes.items() if c}
        self._set(MATRIX_KEY, json.dumps(changes, sort_keys=True),
                  f"{role}:{action}={'on' if allow else 'off'}")

    def reset_matrix(self) -> None:
        access.require_for(self._principal, access.ACCOUNTS)
        self._set(MATRIX_KEY, "{}", "matrix=defaults")


def read_changes(store) -> dict[str, dict[str, bool]]:
    """The owner's changes to the matrix; anything malformed in the stored value is
    left out (the defaults hold)."""
    with store.reader() as s:
        value = s.execute(select(PracticeSetting.value).where(
            PracticeSetting.key == MATRIX_KEY)).scalar()
    if not value or len(value) > MAX_MATRIX_CHARS:
        return {}
    try:
        raw = json.loads(value)
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {role: {a: v for a, v in row.items() if isinstance(v, bool)}
            for role, row in raw.items() if role in access.MATRIX and isinstance(row, dict)}


def rights_for(store, role: str) -> frozenset[str] | None:
    """The rights of ``role`` as the owner adjusted them; None if not adjusted."""
    changes = read_changes(store).get(role)
    return access.adjusted(role, changes) if changes else None
