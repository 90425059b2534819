"""Signing in: a person's name and secret give the database key, throttled.

Each account's passphrase wraps the database key in the envelope (``account`` wraps;
the owner's is the ``passphrase`` wrap, the recovery key opens it too), so opening the
practice needs no shared secret and no keychain: ``--user NAME`` with that person's own
passphrase opens it at once. Who signed in is decided here (which wrap opened); the
workspace then checks that account in the database (exists, enabled, same name).

Failed attempts are counted per name in ``signin-attempts.json``, a file of its own
in the profile folder (owner-only, replaced atomically), so a wrong secret changes no
other file. After each failure the next attempt must wait 1, 2, 4, 8 s; the fifth
failure in a row locks the name for 15 minutes. A success clears that name's count.
Every failure is also kept in the file until the practice is next opened, when the
workspace writes it to the audit trail (``pending_failures`` / ``forget_failures``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from app.clock import Clock
from app.errors import ExitCode
from app.i18n import _
from app.storage.errors import StorageError, WrongSecretError
from app.storage.keychain import Keychain
from app.storage.keys import MIN_KDF, KdfParams
from app.storage.private import open_private
from app.storage.profile import load_envelope, unlock_key

ATTEMPTS_FILE = "signin-attempts.json"
MAX_FAILURES = 5  # in a row; the next one locks the name
LOCK_MINUTES = 15
MAX_DELAY_SECONDS = 8
MAX_PENDING = 200  # failures kept for the audit; beyond, the oldest are summarised
MAX_ATTEMPTS_BYTES = 256 * 1024
OWNER = ""  # the name under which the owner's passphrase and recovery key are counted


def delay_after(failures: int) -> timedelta:
    """How long the next attempt waits after ``failures`` failures in a row."""
    if failures <= 0:
        return timedelta(0)
    return timedelta(seconds=min(2 ** (failures - 1), MAX_DELAY_SECONDS))


class SignInLocked(StorageError):
    """Too many failures in a row: this name is locked until ``until``."""

    code = "sign_in_locked"
    exit_code = ExitCode.SECRET

    def __init__(self, name: str, until: datetime, now: datetime) -> None:
        super().__init__(name)
        self.name = name
        self.until = until
        self.minutes = min(LOCK_MINUTES, int((until - now).total_seconds() // 60) + 1)

    @property
    def user_message(self) -> str:
        return _("Too many failed sign-ins: this account is locked for {minutes} min. "
                 "Nothing was changed.").format(minutes=self.minutes)


class SignInTooSoon(StorageError):
    """A new attempt came before the delay the last failure set."""

    code = "sign_in_too_soon"
    exit_code = ExitCode.SECRET

    def __init__(self, name: str, seconds: int) -> None:
        super().__init__(name)
        self.seconds = seconds

    @property
    def user_message(self) -> str:
        return _("Wrong secret. Wait {seconds} s before trying again.").format(
            seconds=self.seconds)


class UnknownAccount(WrongSecretError):
    """A name with no wrap and not the owner's: said as a wrong secret, so the names of
    the accounts cannot be guessed from the answer."""

    code = "wrong_secret"

    @property
    def user_message(self) -> str:
        return _("Wrong account name or secret. Nothing was changed; try again.")


@dataclass(frozen=True)
class FailedSignIn:
    name: str
    at: datetime


class Attempts:
    """The attempt counter of a profile: ``{"names": {name: {"failures": n, "last": iso,
    "locked_until": iso|null}}, "pending": [{"name", "at"}]}``. Unreadable or hostile
    content counts as empty for the delays (the lock is a brake, the secrets the wall)
    but is never trusted beyond its bounds."""

    def __init__(self, folder: Path, clock: Clock) -> None:
        self.path = Path(folder) / ATTEMPTS_FILE
        self._clock = clock
        self._data = self._read()

    def _read(self) -> dict:
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(MAX_ATTEMPTS_BYTES + 1)
            data = json.loads(raw.decode("utf-8")) if len(raw) <= MAX_ATTEMPTS_BYTES else {}
        except (OSError, ValueError, RecursionError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        names = data.get("names") if isinstance(data.get("names"), dict) else {}
        pending = data.get("pending") if isinstance(data.get("pending"), list) else []
        return {"names": {k: v for k, v in names.items()
                          if isinstance(k, str) and isinstance(v, dict)},
                "pending": [p for p in pending if isinstance(p, dict)
                            and isinstance(p.get("name"), str) and _instant(p.get("at"))]}

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        payload = json.dumps(self._data, sort_keys=True).encode("utf-8")
        with os.fdopen(open_private(tmp), "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def _entry(self, name: str) -> dict:
        return self._data["names"].get(name, {})

    def check(self, name: str) -> timedelta:
        """Raise ``SignInLocked`` while the name is locked; else how long the next
        attempt must still wait (zero if none)."""
        entry, now = self._entry(name), self._clock.now()
        locked = _instant(entry.get("locked_until"))
        if locked is not None and locked > now:
            raise SignInLocked(name, locked, now)
        failures = entry.get("failures") if isinstance(entry.get("failures"), int) else 0
        last = _instant(entry.get("last"))
        if last is None or locked is not None:
            return timedelta(0)
        return max(timedelta(0), last + delay_after(failures) - now)

    def failed(self, name: str) -> None:
        entry, now = dict(self._entry(name)), self._clock.now()
        if _instant(entry.get("locked_until")) is not None:  # a lock that ran out
            entry = {}
        failures = (entry.get("failures") if isinstance(entry.get("failures"), int) else 0) + 1
        entry = {"failures": failures, "last": now.isoformat(), "locked_until": None}
        if failures >= MAX_FAILURES:
            entry["locked_until"] = (now + timedelta(minutes=LOCK_MINUTES)).isoformat()
        self._data["names"][name] = entry
        self._data["pending"] = (self._data["pending"] + [
            {"name": name, "at": now.isoformat()}])[-MAX_PENDING:]
        self._save()

    def succeeded(self, name: str) -> None:
        if name in self._data["names"]:
            del self._data["names"][name]
            self._save()

    def pending(self) -> list[FailedSignIn]:
        return [FailedSignIn(p["name"], _instant(p["at"])) for p in self._data["pending"]]

    def forget_pending(self, count: int) -> None:
        """Drop the first ``count`` pending failures (they are in the audit trail now)."""
        if count:
            fresh = Attempts(self.path.parent, self._clock)  # failures since are kept
            fresh._data["pending"] = fresh._data["pending"][count:]
            fresh._save()
            self._data = fresh._data


def _instant(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


@dataclass(frozen=True)
class SignedIn:
    """What opened the key: the account's user id and name for an account wrap; None
    for the owner (passphrase, recovery key, keychain), whose id the database knows."""

    raw_key: bytes
    name: str | None = None
    user_id: str | None = None
    how: str = "passphrase"
    # A break-glass reason given with the sign-in (the command line's --emergency): the
    # practice opens with that emergency access (app.services.break_glass).
    emergency: str | None = None

    @property
    def key(self) -> SignedKey:
        """The database key, carrying this sign-in: whoever opens the practice with it
        opens it as this person (``open_workspace``), never as the owner by default."""
        return SignedKey(self.raw_key, self)


class SignedKey(bytes):
    """A database key and the sign-in that gave it."""

    signed_in: SignedIn

    def __new__(cls, key: bytes, signed_in: SignedIn) -> SignedKey:
        made = super().__new__(cls, key)
        made.signed_in = signed_in
        return made

    def __repr__(self) -> str:  # never the key itself in a log or a traceback
        return f"SignedKey(<{len(self)} bytes>, {self.signed_in.name!r})"


def sign_in(paths, *, clock: Clock, name: str | None = None, passphrase: str | None = None,
            recovery_key: str | None = None, keychain: Keychain | None = None,
            kdf_floor: KdfParams = MIN_KDF,
            wait: Callable[[float], None] | None = None) -> SignedIn:
    """The database key for ``name`` (None: the owner) with the secret given.

    ``wait``: how to sit out the delay a previous failure set (the command line sleeps);
    without it an early attempt is refused with ``SignInTooSoon`` (the sign-in dialog).
    The recovery key (160 random bits) and the keychain are not throttled; the owner's
    passphrase is, under the owner's name.
    """
    if recovery_key is not None:
        return SignedIn(unlock_key(paths, recovery_key=recovery_key), name, how="recovery")
    envelope = load_envelope(paths)
    if passphrase is None:
        return SignedIn(unlock_key(paths, keychain=keychain), name, how="keychain")
    account = name is not None and name in envelope.account_names()
    # Any other name tries the owner's wrap: counted as the owner, so new names give
    # no new tries.
    counted = name if account else OWNER
    attempts = Attempts(paths.root, clock)
    remaining = attempts.check(counted)
    if remaining > timedelta(0):
        if wait is None:
            raise SignInTooSoon(counted, int(remaining.total_seconds()) + 1)
        wait(remaining.total_seconds())
    try:
        if account:
            user_id, key = envelope.unwrap_for_account(name, passphrase, kdf_floor=kdf_floor)
            result = SignedIn(key, name, user_id, how="account")
        elif not envelope.has_passphrase:
            # The owner of a keychain-only practice has no passphrase: no account by
            # that name, whatever was typed.
            raise UnknownAccount(name or "")
        else:
            # The owner's passphrase; a name that is not the owner's is refused by the
            # workspace, once it can read the owner's name.
            result = SignedIn(envelope.unwrap_with_passphrase(passphrase, kdf_floor=kdf_floor),
                              name, how="passphrase")
    except WrongSecretError:
        attempts.failed(counted)
        raise
    attempts.succeeded(counted)
    return result


def change_own_passphrase(paths, *, clock: Clock, name: str | None, old: str, new: str,
                          kdf: KdfParams, kdf_floor: KdfParams = MIN_KDF,
                          wait: Callable[[float], None] | None = None) -> SignedIn:
    """A person's new passphrase: the old one must open their own wrap (a sign-in,
    throttled and counted as one), then only that wrap is sealed again under the new
    one. The database key, and every other wrap, stay as they are. ``name`` None or the
    owner's: the owner's ``passphrase`` wrap. (The caller checks the new passphrase
    against the passphrase rule and audits the change.)"""
    signed = sign_in(paths, clock=clock, name=name, passphrase=old, kdf_floor=kdf_floor,
                     wait=wait)
    envelope = load_envelope(paths)
    if signed.how == "account":
        envelope.wrap_for_account(signed.raw_key, user_id=signed.user_id, name=signed.name,
                                  passphrase=new, params=kdf)
    else:
        envelope.wrap_with_passphrase(signed.raw_key, new, kdf)
    envelope.save()
    return signed
