"""The practice's own keys, the owner's: its passphrase (the envelope's ``passphrase``
wrap) or the system keychain instead (and back), its recovery key, and the database
key itself (rekey).

Kept apart from each account's own passphrase (``app.services.accounts`` and its
``AccountKeys``): these functions touch the owner's wraps and the database key, and
(``reset_account_passphrase``) the owner giving an account a new passphrase.
Changing the passphrase or the recovery key rewraps the same database key (nothing is
re-encrypted); the old secret stops opening the envelope at once. A rekey re-encrypts
the database under a new key (``app.storage.rekey``): the practice must be closed.
Each change is audited, without the secrets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.clock import Clock
from app.errors import PermanenceError
from app.i18n import _
from app.models.principal import Principal
from app.services import access
from app.services.passphrase_policy import check_new_passphrase
from app.storage.errors import NO_KEYCHAIN, keychain_reason
from app.storage.keys import KdfParams, KeyEnvelope, new_recovery_key
from app.storage.rekey import Rekeyed, rekey_profile
from app.storage.store import Store

KEYS_ENTITY = "practice_keys"
AUDIT = "audit"  # the last step of a rekey: the practice reopened under its new key


class PassphraseNeeded(PermanenceError):
    """The owner's current passphrase must be given to rewrap it."""

    code = "passphrase_needed"

    @property
    def user_message(self) -> str:
        return _("Give the practice's current passphrase (PERMANENCE_PASSPHRASE or "
                 "--passphrase-file); nothing was changed.")


class KeychainNeeded(PermanenceError):
    code = "keychain_needed"

    @property
    def user_message(self) -> str:
        return _("The practice opens with the system keychain, which cannot be read here; "
                 "nothing was changed.")


class KeychainUnavailable(PermanenceError):
    """The keychain was asked for on a workstation that has none usable."""

    code = "keychain_unavailable"

    def __init__(self, reason: str) -> None:
        """``reason``: a code of ``app.storage.errors`` (worded when shown)."""
        super().__init__(reason)
        self.reason = reason

    @property
    def user_message(self) -> str:
        return _("This workstation has no usable system keychain ({reason}): the practice "
                 "keeps opening with its passphrase; nothing was changed.").format(
                     reason=keychain_reason(self.reason))


class NewPassphraseNeeded(PermanenceError):
    """Leaving the keychain needs a passphrase, or only the recovery key would be left."""

    code = "new_passphrase_needed"

    @property
    def user_message(self) -> str:
        return _("Without the keychain the practice opens with a passphrase: give the new "
                 "one (PERMANENCE_NEW_PASSPHRASE or --new-passphrase-file); nothing was "
                 "changed.")


class NoSuchAccount(PermanenceError):
    code = "no_such_account"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    @property
    def user_message(self) -> str:
        return _("There is no active account named {name} besides the owner's; nothing "
                 "was changed.").format(name=self.name)


class PracticeKeys:
    def __init__(self, store: Store, envelope_path: Path, db_key: bytes, *,
                 principal: Principal, kdf: KdfParams, kdf_floor: KdfParams | None = None
                 ) -> None:
        self._store = store
        self._path = Path(envelope_path)
        self._key = bytes(db_key)
        self.principal = principal
        self._kdf = kdf
        self._floor = kdf_floor or kdf

    def change_practice_passphrase(self, current: str | None, new: str) -> None:
        """Rewrap the database key under ``new``; ``current`` must open the envelope (it
        may be None when the practice had no passphrase, only the keychain)."""
        access.require(self.principal, access.KEYS)
        envelope = KeyEnvelope.load(self._path)
        if envelope.has_passphrase:
            if current is None:
                raise PassphraseNeeded()
            envelope.unwrap_with_passphrase(current, kdf_floor=self._floor)
        check_new_passphrase(new, demo=envelope.is_demo)
        envelope.wrap_with_passphrase(self._key, new, self._kdf)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.audit("key_change", KEYS_ENTITY, "", "passphrase")
            envelope.save()  # inside: no change is left unaudited

    def regenerate_recovery_key(self) -> str:
        """A new recovery key, returned to be shown once; the old one stops working."""
        access.require(self.principal, access.KEYS)
        envelope = KeyEnvelope.load(self._path)
        recovery = new_recovery_key()
        envelope.wrap_with_recovery_key(self._key, recovery)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.audit("key_change", KEYS_ENTITY, "", "recovery_key")
            envelope.save()
        return recovery

    def move_to_keychain(self, keychain) -> bool:
        """Open the practice with the system keychain instead of the passphrase: a new
        secret in the keychain wraps the key, and the passphrase wrap is removed (the
        recovery key still opens it). False when it already opens with the keychain
        alone (nothing changed); ``KeychainUnavailable`` on a workstation without a
        usable keychain (nothing changed either)."""
        from app.storage.keys import new_keychain_secret

        access.require(self.principal, access.KEYS)
        reason = keychain.unusable_code() if keychain is not None else NO_KEYCHAIN
        if reason:
            raise KeychainUnavailable(reason)
        envelope = KeyEnvelope.load(self._path)
        if envelope.has_keychain and not envelope.has_passphrase:
            return False
        secret = new_keychain_secret()
        keychain.store(envelope.envelope_id, secret)  # read back, or KeychainError
        envelope.wrap_with_keychain_secret(self._key, secret)
        envelope.remove("passphrase")
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.audit("key_change", KEYS_ENTITY, "", "to_keychain")
            envelope.save()
        return True

    def move_to_passphrase(self, new: str | None, keychain) -> bool:
        """Back from the keychain to a passphrase: the passphrase ``new`` wraps the key,
        the keychain's wrap and its secret are removed. ``new`` may be None only when a
        passphrase wrap is there already: the practice never opens with the recovery key
        alone (``NewPassphraseNeeded``). False when it did not use the keychain (nothing
        changed)."""
        access.require(self.principal, access.KEYS)
        envelope = KeyEnvelope.load(self._path)
        if not envelope.has_keychain:
            return False
        if new is None and not envelope.has_passphrase:
            raise NewPassphraseNeeded()
        if new is not None:
            check_new_passphrase(new, demo=envelope.is_demo)
            envelope.wrap_with_passphrase(self._key, new, self._kdf)
        envelope.remove("keychain")
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.audit("key_change", KEYS_ENTITY, "", "to_passphrase")
            envelope.save()
        if keychain is not None and not keychain.unusable_reason():
            keychain.delete(envelope.envelope_id)
        return True

    def accounts_without_passphrase(self) -> list[str]:
        """The active accounts whose passphrase opens nothing (by name): no wrap of
        their own in the envelope, as a rekey leaves every account but the one the
        practice's own secrets open (its first owner). Each needs a reset."""
        from sqlalchemy import select

        from app.models.user import ROLE_OWNER, User

        access.require(self.principal, access.KEYS)
        wrapped = KeyEnvelope.load(self._path).account_ids()
        with self._store.reader() as s:
            users = s.execute(select(User).where(User.deleted_at.is_(None),
                                                User.disabled_at.is_(None))
                              .order_by(User.created_at)).scalars().all()
        practice_owner = next((u.id for u in users if u.role == ROLE_OWNER), None)
        return sorted(u.login for u in users
                      if u.id != practice_owner and u.id not in wrapped)

    def reset_account_passphrase(self, name: str, new: str) -> None:
        """The owner gives an account a new passphrase (after a rekey dropped its wrap,
        or when its holder forgot it): its wrap of the key is replaced."""
        from sqlalchemy import select

        from app.models.user import User

        access.require(self.principal, access.KEYS)
        with self._store.reader() as s:
            user = s.execute(select(User).where(User.login == name)).scalar_one_or_none()
        if user is None or user.disabled_at is not None or user.id == self.principal.user_id:
            raise NoSuchAccount(name)
        check_new_passphrase(new, context=[name])
        envelope = KeyEnvelope.load(self._path)
        envelope.wrap_for_account(self._key, user_id=user.id, name=name, passphrase=new,
                                  params=self._kdf)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.audit("key_change", "user", user.id, "passphrase_reset")
            envelope.save()


@dataclass(frozen=True)
class RekeyResult:
    recovery_key: str
    backup: Path
    accounts_dropped: tuple[str, ...]
    key: bytes = field(default=b"", repr=False)  # the new database key, to reopen with


def rekey_practice(paths, key, *, passphrase: str | None, clock: Clock, keychain,
                   kdf: KdfParams, kdf_floor: KdfParams | None = None,
                   crash_at: str | None = None,
                   progress: Callable[[str], None] | None = None) -> RekeyResult:
    """Re-encrypt the practice under a new database key (the owner, the practice
    closed): checked and audited in the practice itself, before and after.
    ``progress(step)``: each step as it starts (``app.storage.rekey``, then ``AUDIT``)."""
    from app.services.workspace import open_workspace
    from app.storage.profile import open_profile

    ws = open_workspace(paths, key, clock=clock, keychain=keychain)
    try:
        access.require(ws.principal, access.KEYS)
        actor = ws.user_id
        envelope = KeyEnvelope.load(paths.envelope)
    finally:
        ws.close()
    if envelope.has_passphrase and passphrase is None:
        raise PassphraseNeeded()
    try:
        done: Rekeyed = rekey_profile(paths, bytes(key), passphrase=passphrase, kdf=kdf,
                                      kdf_floor=kdf_floor, keychain=keychain,
                                      now=clock.now(), crash_at=crash_at, progress=progress)
    except ValueError as exc:
        if "keychain" in str(exc):
            raise KeychainNeeded() from exc
        raise PassphraseNeeded() from exc
    if progress is not None:
        progress(AUDIT)
    profile = open_profile(paths, done.key, clock=clock, keychain=keychain)
    try:
        with profile.store.unit_of_work(actor_id=actor) as uow:
            uow.audit("rekey", KEYS_ENTITY, "", "accounts_dropped={}".format(
                len(done.accounts_dropped)))
    finally:
        profile.close()
    return RekeyResult(done.recovery_key, done.backup, done.accounts_dropped, done.key)
