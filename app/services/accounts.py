"""Accounts: who may sign in, with which role. Created and changed by the owner only.

An account is never deleted: disabling it removes its key wrap (its passphrase no
longer opens the practice) and marks it disabled; the trail keeps its name. Each
change is written through the unit of work (journaled and audited as any row), plus an
audit entry saying what changed (the roles only; never a secret).

The principal of a sign-in is built here (``principal_for``): the account the key
envelope named (or the owner, for the owner's passphrase, the recovery key or the
keychain) must exist in the database, be enabled and carry that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.clock import Clock
from app.i18n import _
from app.models.ids import uuid7
from app.models.principal import Grants, Principal, this_workstation_name
from app.models.text import clean_name
from app.models.user import LOGIN_PATTERN, ROLE_OWNER, ROLE_PRACTITIONER, ROLES, User
from app.models.practice import Practitioner
from app.services import access
from app.services.errors import NotFound, ValidationError
from app.services.security import rights_for
from app.services.workstation_policy import allowed_here
from app.storage.signin import SignedIn, UnknownAccount
from app.storage.store import Store

USER_ENTITY = User.__sync_entity__


@dataclass(frozen=True)
class AccountInfo:
    id: str
    name: str
    display_name: str
    role: str
    practitioner_id: str | None
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class AccountKeys:
    """What an account's secret unlocks: its wrap of the database key in the envelope.

    The workspace gives one, bound to the open profile's key and envelope; ``add``
    writes the envelope (atomically) so the new secret opens the practice at once."""

    def __init__(self, envelope_path, db_key: bytes, kdf) -> None:
        self._path = envelope_path
        self._key = db_key
        self._kdf = kdf

    def add(self, user_id: str, name: str, passphrase: str) -> None:
        from app.storage.keys import KeyEnvelope

        envelope = KeyEnvelope.load(self._path)
        envelope.wrap_for_account(self._key, user_id=user_id, name=name, passphrase=passphrase,
                                  params=self._kdf)
        envelope.save()

    def remove(self, user_id: str) -> None:
        from app.storage.keys import KeyEnvelope

        envelope = KeyEnvelope.load(self._path)
        envelope.remove_account(user_id)
        envelope.save()


def _info(u: User) -> AccountInfo:
    return AccountInfo(u.id, u.login, u.display_name, u.role, u.practitioner_id, u.disabled_at)


def principal_for(store: Store, signed_in: SignedIn | None, *, workstation: str = "",
                  workstation_name: str | None = None, clock: Clock | None = None) -> Principal:
    """The principal of a sign-in, with its role's rights as the owner set them;
    ``UnknownAccount`` (a wrong-secret failure) when the account is unknown, disabled or
    not the one named. ``clock``: what times a break-glass access. ``workstation_name``:
    None for this computer's name."""
    with store.reader() as s:
        if signed_in is not None and signed_in.user_id is not None:
            user = s.get(User, signed_in.user_id)
            if user is None or user.login != signed_in.name:
                raise UnknownAccount(signed_in.name or "")
        else:
            user = s.execute(select(User).where(User.role == ROLE_OWNER,
                                                User.deleted_at.is_(None),
                                                User.disabled_at.is_(None))
                             .order_by(User.created_at).limit(1)).scalar()
            if user is None:
                raise LookupError("no owner account")
            name = signed_in.name if signed_in is not None else None
            if name is not None and name != user.login:
                # The owner's secret with another name: a name that is no account.
                raise UnknownAccount(name)
        if user.deleted_at is not None or user.disabled_at is not None:
            raise UnknownAccount(user.login)
    # At a remote workstation, what the practice's policy allows (read at each check).
    grants = Grants(rights_for(store, user.role), clock=clock,
                    policy=lambda: allowed_here(store))
    if workstation_name is None:
        workstation_name = this_workstation_name()
    return Principal(user.id, user.login, user.role, user.practitioner_id, workstation,
                     workstation_name, grants)


class AccountService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock,
                 keys: AccountKeys | None) -> None:
        self._store = store
        self.principal = principal
        self._clock = clock
        self._keys = keys

    def list(self) -> list[AccountInfo]:
        access.require(self.principal, access.ACCOUNTS)
        with self._store.reader() as s:
            users = s.execute(select(User).where(User.deleted_at.is_(None))
                              .order_by(User.disabled_at.is_not(None), User.login)).scalars()
            return [_info(u) for u in users]

    def _check(self, s, role: str, practitioner_id: str | None) -> dict[str, str]:
        errors = {}
        if role not in ROLES:
            errors["role"] = _("Unknown role: {role}").format(role=role)
        if role == ROLE_PRACTITIONER:
            p = s.get(Practitioner, practitioner_id) if practitioner_id else None
            if p is None or p.deleted_at is not None:
                errors["practitioner"] = _("A practitioner account is linked to a practitioner "
                                           "of the agenda: give their id ('permanence "
                                           "practitioners' lists them).")
        elif practitioner_id:
            errors["practitioner"] = _("Only a practitioner account is linked to a "
                                       "practitioner.")
        return errors

    def add(self, name: str, role: str, passphrase: str, *, display_name: str = "",
            practitioner_id: str | None = None) -> AccountInfo:
        """A new account whose own ``passphrase`` (checked by the caller with the
        passphrase rule) opens the practice."""
        access.require(self.principal, access.ACCOUNTS)
        name = name.strip()
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            s = uow.session
            errors = self._check(s, role, practitioner_id)
            if not LOGIN_PATTERN.fullmatch(name):
                errors["name"] = _("An account name is 1 to 40 lower-case letters, digits, "
                                   "dots, dashes or underscores, starting with a letter or "
                                   "a digit.")
            elif s.execute(select(User.id).where(User.login == name)).first() is not None:
                errors["name"] = _("An account named {name} exists already (an account is "
                                   "never deleted, only disabled).").format(name=name)
            if errors:
                raise ValidationError(errors)
            user = User(id=uuid7(), login=name, role=role, practitioner_id=practitioner_id,
                        display_name=clean_name(display_name) or name)
            s.add(user)
            s.flush()
            uow.audit("account_add", USER_ENTITY, user.id, f"role={role}")
            if self._keys is not None:
                # Last, inside the transaction: the envelope is written only if the
                # account is valid, and a failure to write it leaves no account.
                self._keys.add(user.id, name, passphrase)
            info = _info(user)
        return info

    def _user(self, s, name: str) -> User:
        user = s.execute(select(User).where(User.login == name,
                                            User.deleted_at.is_(None))).scalar()
        if user is None:
            raise NotFound(name)
        return user

    def change_role(self, name: str, role: str, *,
                    practitioner_id: str | None = None) -> AccountInfo:
        access.require(self.principal, access.ACCOUNTS)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            user = self._user(uow.session, name)
            errors = self._check(uow.session, role, practitioner_id)
            if user.id == self.principal.user_id and role != ROLE_OWNER:
                errors["role"] = _("You cannot take the owner's role from your own account.")
            if errors:
                raise ValidationError(errors)
            before = user.role
            user.role, user.practitioner_id = role, practitioner_id
            uow.session.flush()
            uow.audit("account_role", USER_ENTITY, user.id, f"role={before}->{role}")
            info = _info(user)
        return info

    def disable(self, name: str) -> AccountInfo:
        access.require(self.principal, access.ACCOUNTS)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            user = self._user(uow.session, name)
            if user.id == self.principal.user_id:
                raise ValidationError({"name": _("You cannot disable your own account.")})
            if user.disabled_at is None:
                user.disabled_at = uow.now
                uow.session.flush()
                uow.audit("account_disable", USER_ENTITY, user.id, f"role={user.role}")
                if self._keys is not None:
                    self._keys.remove(user.id)
            info = _info(user)
        return info
