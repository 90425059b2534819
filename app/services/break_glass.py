"""Break-glass: in an emergency a person opens what their role may not, for a while.

A practitioner, a secretary or a remote secretary types why (at least a few words);
for the next ``DURATION`` their sign-in may do everything but the owner's own
(``access.EMERGENCY_RIGHTS``: no accounts, keys, sharing or trail) and the agenda's
own rules (their own agenda, remotely bookable motifs) no longer hold. The opening and
the end are audit entries of their own (``break_glass``, ``break_glass_end``), and
every action meanwhile is in the trail under that person; the reason is kept in
``emergency_access``, out of the hash chain (free text may name a patient). The owner
sees every access not yet reviewed (the status bar says how many) and marks them seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.clock import Clock
from app.errors import MessageError
from app.i18n import _
from app.models.emergency import EmergencyAccess
from app.models.ids import uuid7
from app.models.principal import Emergency, Principal
from app.models.text import clean_name
from app.models.user import User
from app.services import access
from app.services.errors import ValidationError

DURATION = timedelta(minutes=30)
MIN_REASON, MAX_REASON = 10, 500
ENTITY = "emergency_access"


@dataclass(frozen=True)
class EmergencyInfo:
    id: str
    user_id: str
    person: str
    started_at: datetime
    until: datetime
    ended_at: datetime | None
    reason: str
    reviewed_at: datetime | None


class BreakGlassService:
    def __init__(self, store, *, principal: Principal, clock: Clock) -> None:
        self._store = store
        self.principal = principal
        self._clock = clock

    # -- the person in an emergency ----------------------------------------------------
    def may_open(self) -> bool:
        return self.principal.role in access.EMERGENCY_ROLES

    def open(self, reason: str) -> Emergency:
        """Open an emergency access for ``DURATION`` (one in force is returned as is)."""
        if not self.may_open():
            raise MessageError(_("Your account cannot open an emergency access: the owner "
                                 "has every right already, a phone system none beyond its "
                                 "own."))
        grants = self.principal.grants
        if grants.emergency_active():
            return grants.emergency
        reason = clean_name(reason)
        if not MIN_REASON <= len(reason) <= MAX_REASON:
            raise ValidationError({"reason": _(
                "Say in a few words why ({low} to {high} characters).").format(
                    low=MIN_REASON, high=MAX_REASON)})
        now = self._clock.now()
        row = EmergencyAccess(id=uuid7(), user_id=self.principal.user_id, started_at=now,
                              until=now + DURATION, reason=reason)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.session.add(row)
            uow.audit("break_glass", ENTITY, row.id,
                      "until=" + row.until.isoformat(timespec="seconds"))
        grants.emergency = Emergency(row.id, row.until)
        return grants.emergency

    def end(self) -> None:
        """End the access in force now (it ends by itself at its time anyway)."""
        grants = self.principal.grants
        current = grants.emergency
        if current is None:
            return
        grants.emergency = None
        now = self._clock.now()
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.session.execute(update(EmergencyAccess).where(
                EmergencyAccess.id == current.id, EmergencyAccess.ended_at.is_(None)).values(
                    ended_at=min(now, current.until)))
            uow.audit("break_glass_end", ENTITY, current.id)

    def current(self) -> Emergency | None:
        grants = self.principal.grants
        return grants.emergency if grants.emergency_active() else None

    # -- the owner ---------------------------------------------------------------------
    def list(self, *, limit: int = 200) -> list[EmergencyInfo]:
        """The latest accesses, newest first, with their reasons."""
        access.require(self.principal, access.AUDIT_READ)
        with self._store.reader() as s:
            rows = s.execute(
                select(EmergencyAccess, User.display_name)
                .join(User, User.id == EmergencyAccess.user_id, isouter=True)
                .order_by(EmergencyAccess.started_at.desc()).limit(limit)).all()
            return [EmergencyInfo(r.id, r.user_id, name or r.user_id, r.started_at, r.until,
                                  r.ended_at, r.reason, r.reviewed_at) for r, name in rows]

    def unreviewed(self) -> int:
        """How many accesses the owner has not marked seen; 0 for whoever may not
        read the trail."""
        if not access.allowed(self.principal, access.AUDIT_READ):
            return 0
        with self._store.reader() as s:
            return s.execute(select(func.count()).select_from(EmergencyAccess).where(
                EmergencyAccess.reviewed_at.is_(None))).scalar_one()

    def mark_reviewed(self, ids: list[str]) -> int:
        access.require(self.principal, access.AUDIT_READ)
        now, marked = self._clock.now(), 0
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            for access_id in ids:
                done = uow.session.execute(update(EmergencyAccess).where(
                    EmergencyAccess.id == access_id, EmergencyAccess.reviewed_at.is_(None)
                ).values(reviewed_at=now, reviewed_by=self.principal.user_id)).rowcount
                if done:
                    uow.audit("break_glass_review", ENTITY, access_id)
                    marked += done
        return marked
