"""The key envelope: the database's raw key, wrapped, stored beside the database.

The 32-byte database key is never written in clear. ``keys.json`` holds it wrapped
(AES-256-GCM) under one or more secrets:

- ``passphrase``: a key derived from the passphrase (NFC-normalised) with Argon2id
  (memory-hard);
- ``keychain``: a random 32-byte secret kept in the OS keychain;
- ``recovery``: the recovery key shown once to the owner (160 random bits, so a fast
  HKDF is enough);
- ``account``: one per account other than the owner's, a key derived from that
  person's own passphrase as for ``passphrase`` (the owner's is the ``passphrase``
  wrap), naming the account (its user id and sign-in name, both authenticated). So
  each person opens the practice with their own secret and none is shared; disabling
  an account removes its wrap.

Each wrap authenticates, as GCM associated data, the envelope id, the demo flag and
every field of the wrap but its nonce and ciphertext (kind, salt, KDF name and cost):
wraps cannot be swapped between profiles or kinds, and an edited parameter or flag
fails the tag. A wrong secret fails the tag too: nothing is modified.

The file is untrusted input: it is read only if it is a small regular file, and every
field is checked for type, length and bounds before use (the KDF cost between a floor
and a ceiling, so a hostile file can neither ask for terabytes nor offer a cheap
derivation). Anything else is an ``EnvelopeError`` ("missing or damaged").

Format history: version 1 (the first release) authenticated only the envelope id and
the kind (``FORMAT/1/id/kind``). Its wraps still open; each new wrap is sealed the
version-2 way (marked ``"v": 2``) and the file is written as version 2 at its next save.
A version-1 wrap is resealed only when rewrapped, since that needs its secret; its KDF
parameters are bound all the same, as inputs of the derivation.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.models.ids import uuid7
from app.storage.errors import EnvelopeError, WrongSecretError
from app.storage.private import open_private

FORMAT = "permanence-key-envelope"
FORMAT_VERSION = 2            # what this version writes
READABLE_VERSIONS = (1, 2)
WRAP_VERSION = 2              # a wrap without "v" was sealed the version-1 way
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SALT_BYTES = 16
MAX_SALT_BYTES = 64
RECOVERY_BYTES = 20
MAX_ENVELOPE_BYTES = 64 * 1024  # a real envelope is under 2 KiB
KINDS = ("passphrase", "keychain", "recovery", "account")
SINGLE_KINDS = ("passphrase", "keychain", "recovery")  # at most one wrap of each
MAX_ACCOUNT_WRAPS = 200  # far beyond any practice; keeps the file small
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
# The documented passphrase of demo practices; only an envelope marked demo opens with it
# by default, and no other profile may be created with it.
DEMO_PASSPHRASE = "demo"
_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
_B32_CONFUSABLES = str.maketrans({"0": "O", "1": "I", "8": "B"})


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. RFC 9106's second recommended setting: 64 MiB, 3 passes, 4 lanes."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4

    def at_least(self, floor: KdfParams) -> bool:
        return (self.memory_kib >= floor.memory_kib and self.iterations >= floor.iterations
                and self.lanes >= floor.lanes)


# The cost a passphrase wrap read from a file must have: the first release's defaults.
# Never raise it (envelopes written with them must keep opening). Tests that create
# profiles with a cheaper cost pass their own floor explicitly; the file never chooses it.
MIN_KDF = KdfParams()
# Beyond this a file is damaged or hostile (1 GiB, ten passes: about a minute of work).
MAX_KDF = KdfParams(memory_kib=1024 * 1024, iterations=10, lanes=16)


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_keychain_secret() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_recovery_key() -> str:
    """A human-copyable key: 32 base32 characters in groups of four."""
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_BYTES)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_passphrase(passphrase: str) -> str:
    """NFC, so "é" typed as one character or as e + accent derives the same key."""
    return unicodedata.normalize("NFC", passphrase)


def _recovery_bytes(recovery_key: str) -> bytes:
    cleaned = "".join(ch for ch in recovery_key.upper() if ch.isalnum()).translate(
        _B32_CONFUSABLES
    )
    try:
        raw = base64.b32decode(cleaned)
    except (ValueError, binascii.Error) as exc:
        raise WrongSecretError("recovery key is not base32") from exc
    if len(raw) != RECOVERY_BYTES:
        raise WrongSecretError("recovery key has the wrong length")
    return raw


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _argon2(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(passphrase.encode("utf-8"))


def _new_passphrase_key(passphrase: str, params: KdfParams) -> tuple[bytes, dict]:
    salt = secrets.token_bytes(SALT_BYTES)
    kdf = {"name": "argon2id", "salt": _b64(salt), "memory_kib": params.memory_kib,
           "iterations": params.iterations, "lanes": params.lanes}
    return _argon2(normalise_passphrase(passphrase), salt, params), kdf


def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(secret)


# -- reading the file --------------------------------------------------------------------
def _read_small_regular_file(path: Path) -> bytes:
    """At most MAX_ENVELOPE_BYTES of a regular file; never through a symlink, never from
    a device or a FIFO (opened non-blocking, then checked before any read)."""
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise EnvelopeError("keys.json is a symbolic link")
        flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_BINARY", 0))
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise EnvelopeError("missing") from exc
    except OSError as exc:
        raise EnvelopeError("unreadable") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise EnvelopeError("keys.json is not a regular file")
        if info.st_size > MAX_ENVELOPE_BYTES:
            raise EnvelopeError("keys.json is too large")
        chunks, size = [], 0
        while size <= MAX_ENVELOPE_BYTES:
            chunk = os.read(fd, MAX_ENVELOPE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise EnvelopeError("unreadable") from exc
    finally:
        os.close(fd)
    if size > MAX_ENVELOPE_BYTES:  # it grew after fstat
        raise EnvelopeError("keys.json is too large")
    return b"".join(chunks)


# -- checking what was read ---------------------------------------------------------------
def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decoded(value, lengths: Iterable[int], what: str) -> bytes:
    if not isinstance(value, str) or len(value) > 4 * MAX_SALT_BYTES:
        raise EnvelopeError(f"{what} is not base64 text")
    try:
        raw = _unb64(value)
    except (ValueError, binascii.Error) as exc:
        raise EnvelopeError(f"{what} is not base64") from exc
    if len(raw) not in lengths:
        raise EnvelopeError(f"{what} has the wrong length")
    return raw


def _kdf_params(kdf) -> KdfParams:
    """The cost of a passphrase wrap, checked against absolute bounds and the ceiling."""
    if not isinstance(kdf, dict) or set(kdf) != {"name", "salt", "memory_kib", "iterations",
                                                "lanes"}:
        raise EnvelopeError("malformed kdf")
    if kdf["name"] != "argon2id":
        raise EnvelopeError("unknown kdf")
    _decoded(kdf["salt"], range(SALT_BYTES, MAX_SALT_BYTES + 1), "kdf salt")
    values = (kdf["memory_kib"], kdf["iterations"], kdf["lanes"])
    if not all(_is_int(v) and v >= 1 for v in values):
        raise EnvelopeError("kdf parameters are not positive integers")
    params = KdfParams(*values)
    if not MAX_KDF.at_least(params):
        raise EnvelopeError("kdf cost beyond any this program writes")
    if params.memory_kib < 8 * params.lanes:  # Argon2's own minimum
        raise EnvelopeError("kdf memory below Argon2's minimum")
    return params


def _check_wrap(wrap, version: int) -> None:
    if not isinstance(wrap, dict) or wrap.get("kind") not in KINDS:
        raise EnvelopeError("malformed wrap")
    kind = wrap["kind"]
    own = {"kdf"} if kind == "passphrase" else {"kdf", "user", "name"} \
        if kind == "account" else {"salt"}
    if kind == "account" and wrap.get("v") != WRAP_VERSION:
        raise EnvelopeError("account wrap without version")
    keys = set(wrap)
    if "v" in keys:
        if version < 2 or wrap["v"] != WRAP_VERSION or not _is_int(wrap["v"]):
            raise EnvelopeError(f"unknown {kind} wrap version")
        keys.discard("v")
    if keys != {"kind", "nonce", "ct"} | own:
        raise EnvelopeError(f"malformed {kind} wrap")
    _decoded(wrap["nonce"], (NONCE_BYTES,), f"{kind} nonce")
    _decoded(wrap["ct"], (KEY_BYTES + TAG_BYTES,), f"{kind} ciphertext")
    if kind in ("passphrase", "account"):
        _kdf_params(wrap["kdf"])
        if kind == "account" and not (isinstance(wrap["user"], str) and _ID.fullmatch(wrap["user"])
                                      and isinstance(wrap["name"], str)
                                      and _LOGIN.fullmatch(wrap["name"])):
            raise EnvelopeError("malformed account wrap")
    else:
        _decoded(wrap["salt"], range(SALT_BYTES, MAX_SALT_BYTES + 1), f"{kind} salt")


def _check(data) -> None:
    """Every field, before anything is derived from it; EnvelopeError if anything is off."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EnvelopeError("not an envelope")
    version = data.get("version")
    if not _is_int(version) or version not in READABLE_VERSIONS:
        raise EnvelopeError(f"unsupported envelope version {version!r}")
    expected = {"format", "version", "id", "wraps"} | ({"demo"} if version >= 2 else set())
    if set(data) != expected:
        raise EnvelopeError("malformed envelope")
    if not isinstance(data["id"], str) or not _ID.fullmatch(data["id"]):
        raise EnvelopeError("malformed envelope id")
    if version >= 2 and not isinstance(data["demo"], bool):
        raise EnvelopeError("malformed demo flag")
    wraps = data["wraps"]
    if not isinstance(wraps, list) or not 1 <= len(wraps) <= len(SINGLE_KINDS) + MAX_ACCOUNT_WRAPS:
        raise EnvelopeError("malformed wraps")
    for wrap in wraps:
        _check_wrap(wrap, version)
    single = [w["kind"] for w in wraps if w["kind"] != "account"]
    if len(set(single)) != len(single):
        raise EnvelopeError("two wraps of the same kind")
    accounts = [w for w in wraps if w["kind"] == "account"]
    if (len({w["user"] for w in accounts}) != len(accounts)
            or len({w["name"] for w in accounts}) != len(accounts)):
        raise EnvelopeError("two wraps of the same account")


class KeyEnvelope:
    """Read, create and update ``keys.json``. Writes are atomic (temp file + rename)."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path = path
        self._data = data

    # -- construction -------------------------------------------------------------
    @classmethod
    def new(cls, path: Path, *, demo: bool = False) -> KeyEnvelope:
        return cls(path, {"format": FORMAT, "version": FORMAT_VERSION, "id": uuid7(),
                          "demo": demo, "wraps": []})

    @classmethod
    def load(cls, path: Path) -> KeyEnvelope:
        raw = _read_small_regular_file(path)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, or absurd nesting
            raise EnvelopeError("unreadable") from exc
        _check(data)
        return cls(path, data)

    def save(self) -> None:
        self._data["version"] = FORMAT_VERSION
        self._data.setdefault("demo", False)  # a version-1 envelope was never a demo's
        tmp = self.path.with_name(self.path.name + ".tmp")
        payload = json.dumps(self._data, indent=2, sort_keys=True).encode("utf-8")
        with os.fdopen(open_private(tmp), "wb") as fh:  # owner-only, whatever the umask
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        if os.name == "posix":  # make the rename itself durable
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    # -- facts --------------------------------------------------------------------
    @property
    def envelope_id(self) -> str:
        return self._data["id"]

    @property
    def is_demo(self) -> bool:
        """Marked as a demo practice's (authenticated by every version-2 wrap)."""
        return self._data.get("demo") is True

    def account_names(self) -> set[str]:
        """The sign-in names that have a wrap of their own (the owner's is ``passphrase``)."""
        return {w["name"] for w in self._data["wraps"] if w["kind"] == "account"}

    def account_ids(self) -> set[str]:
        """The user ids of the accounts that have a wrap of their own."""
        return {w["user"] for w in self._data["wraps"] if w["kind"] == "account"}

    def kinds(self) -> set[str]:
        return {w["kind"] for w in self._data["wraps"]}

    @property
    def has_passphrase(self) -> bool:
        return "passphrase" in self.kinds()

    @property
    def has_keychain(self) -> bool:
        return "keychain" in self.kinds()

    # -- wrapping -----------------------------------------------------------------
    def _aad(self, wrap: dict) -> bytes:
        if wrap.get("v") != WRAP_VERSION:  # sealed by the first release
            return f"{FORMAT}/1/{self.envelope_id}/{wrap['kind']}".encode("ascii")
        covered = {"format": FORMAT, "id": self.envelope_id, "demo": self.is_demo,
                   "wrap": {k: v for k, v in wrap.items() if k not in ("nonce", "ct")}}
        return json.dumps(covered, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def _put(self, kind: str, wrapping_key: bytes, db_key: bytes, extra: dict) -> None:
        nonce = secrets.token_bytes(NONCE_BYTES)
        wrap = {"kind": kind, "v": WRAP_VERSION, **extra}
        ct = AESGCM(wrapping_key).encrypt(nonce, db_key, self._aad(wrap))
        if kind == "account":  # one per account, by id or name
            self._data["wraps"] = [w for w in self._data["wraps"] if w["kind"] != kind or (
                w["user"] != extra["user"] and w["name"] != extra["name"])]
        else:
            self._data["wraps"] = [w for w in self._data["wraps"] if w["kind"] != kind]
        self._data["wraps"].append({**wrap, "nonce": _b64(nonce), "ct": _b64(ct)})

    def _wrap(self, kind: str) -> dict:
        wrap = next((w for w in self._data["wraps"] if w["kind"] == kind), None)
        if wrap is None:
            raise EnvelopeError(f"no {kind} wrap")
        return wrap

    def _open(self, wrap: dict, wrapping_keys: Iterable[bytes]) -> bytes:
        nonce, ct, aad = _unb64(wrap["nonce"]), _unb64(wrap["ct"]), self._aad(wrap)
        for wrapping_key in wrapping_keys:
            try:
                key = AESGCM(wrapping_key).decrypt(nonce, ct, aad)
            except InvalidTag:
                continue
            if len(key) != KEY_BYTES:
                raise EnvelopeError("wrapped key has the wrong size")
            return key
        raise WrongSecretError(wrap["kind"])

    def wrap_with_passphrase(self, db_key: bytes, passphrase: str, params: KdfParams) -> None:
        wrapping_key, kdf = _new_passphrase_key(passphrase, params)
        self._put("passphrase", wrapping_key, db_key, {"kdf": kdf})

    def unwrap_with_passphrase(self, passphrase: str, *, kdf_floor: KdfParams = MIN_KDF) -> bytes:
        """``kdf_floor``: the least cost accepted from the file (tests pass a cheaper one)."""
        return self._unwrap_derived(self._wrap("passphrase"), passphrase, kdf_floor)

    def wrap_for_account(self, db_key: bytes, *, user_id: str, name: str, passphrase: str,
                         params: KdfParams) -> None:
        """A wrap under this account's own passphrase (replacing its previous one)."""
        if not _ID.fullmatch(user_id) or not _LOGIN.fullmatch(name):
            raise ValueError("malformed account id or name")
        wrapping_key, kdf = _new_passphrase_key(passphrase, params)
        self._put("account", wrapping_key, db_key, {"kdf": kdf, "user": user_id, "name": name})

    def unwrap_for_account(self, name: str, passphrase: str, *,
                           kdf_floor: KdfParams = MIN_KDF) -> tuple[str, bytes]:
        """The account's user id and the database key; WrongSecretError for a name
        without a wrap, as for a wrong passphrase."""
        wrap = next((w for w in self._data["wraps"]
                     if w["kind"] == "account" and w["name"] == name), None)
        if wrap is None:
            raise WrongSecretError("account")
        return wrap["user"], self._unwrap_derived(wrap, passphrase, kdf_floor)

    def remove_account(self, user_id: str) -> None:
        self._data["wraps"] = [w for w in self._data["wraps"]
                               if w["kind"] != "account" or w["user"] != user_id]

    def _unwrap_derived(self, wrap: dict, passphrase: str, kdf_floor: KdfParams) -> bytes:
        kdf = wrap["kdf"]
        params = _kdf_params(kdf)
        if not params.at_least(kdf_floor):
            raise EnvelopeError("kdf cost below the floor")
        salt = _unb64(kdf["salt"])
        forms = [normalise_passphrase(passphrase)]
        if wrap.get("v") != WRAP_VERSION and passphrase != forms[0]:
            forms.append(passphrase)  # the first release derived from the bytes as typed
        return self._open(wrap, (_argon2(form, salt, params) for form in forms))

    def wrap_with_keychain_secret(self, db_key: bytes, secret: bytes) -> None:
        salt = secrets.token_bytes(SALT_BYTES)
        self._put("keychain", _hkdf(secret, salt, b"keychain"), db_key, {"salt": _b64(salt)})

    def unwrap_with_keychain_secret(self, secret: bytes) -> bytes:
        wrap = self._wrap("keychain")
        return self._open(wrap, [_hkdf(secret, _unb64(wrap["salt"]), b"keychain")])

    def wrap_with_recovery_key(self, db_key: bytes, recovery_key: str) -> None:
        salt = secrets.token_bytes(SALT_BYTES)
        wk = _hkdf(_recovery_bytes(recovery_key), salt, b"recovery")
        self._put("recovery", wk, db_key, {"salt": _b64(salt)})

    def unwrap_with_recovery_key(self, recovery_key: str) -> bytes:
        wrap = self._wrap("recovery")
        raw = _recovery_bytes(recovery_key)
        return self._open(wrap, [_hkdf(raw, _unb64(wrap["salt"]), b"recovery")])

    def remove(self, kind: str) -> None:
        if kind == "account":
            raise ValueError("accounts are removed one by one (remove_account)")
        self._data["wraps"] = [w for w in self._data["wraps"] if w["kind"] != kind]
