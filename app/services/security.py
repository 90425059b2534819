"""The practice's security settings, the owner's: how soon an idle session locks.

Kept in ``practice_setting`` (local to this installation, in the encrypted database);
every change is audited. Anyone signed in reads them (the session needs the lock delay);
only a role that manages accounts changes them.
"""

from __future__ import annotations

from sqlalchemy import select

from app.clock import Clock
from app.i18n import _
from app.models.journal import PracticeSetting
from app.models.principal import Principal
from app.services import access
from app.services.errors import ValidationError

IDLE_KEY = "lock.idle_minutes"
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
