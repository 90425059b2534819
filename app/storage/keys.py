"""The key envelope: the database's raw key, wrapped, stored beside the database.

The 32-byte database key is never written in clear. ``keys.json`` holds it wrapped
(AES-256-GCM) under one or more secrets:

- ``passphrase``: a key derived from the passphrase with Argon2id (memory-hard);
- ``keychain``: a random 32-byte secret kept in the OS keychain;
- ``recovery``: the recovery key shown once to the owner (160 random bits, so a fast
  HKDF is enough).

Each wrap authenticates the envelope id and its own kind, so wraps cannot be swapped
between profiles or kinds. A wrong secret fails the GCM tag: nothing is modified.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
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
FORMAT_VERSION = 1
KEY_BYTES = 32
RECOVERY_BYTES = 20
_B32_CONFUSABLES = str.maketrans({"0": "O", "1": "I", "8": "B"})


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. RFC 9106's second recommended setting: 64 MiB, 3 passes, 4 lanes."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_keychain_secret() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_recovery_key() -> str:
    """A human-copyable key: 32 base32 characters in groups of four."""
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_BYTES)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _recovery_bytes(recovery_key: str) -> bytes:
    cleaned = "".join(ch for ch in recovery_key.upper() if ch.isalnum()).translate(
        _B32_CONFUSABLES
    )
    try:
        raw = base64.b32decode(cleaned)
    except (ValueError, base64.binascii.Error) as exc:  # type: ignore[attr-defined]
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


def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(secret)


class KeyEnvelope:
    """Read, create and update ``keys.json``. Writes are atomic (temp file + rename)."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path = path
        self._data = data

    # -- construction -------------------------------------------------------------
    @classmethod
    def new(cls, path: Path) -> KeyEnvelope:
        return cls(path, {"format": FORMAT, "version": FORMAT_VERSION, "id": uuid7(), "wraps": []})

    @classmethod
    def load(cls, path: Path) -> KeyEnvelope:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise EnvelopeError("missing") from exc
        except (OSError, ValueError) as exc:
            raise EnvelopeError("unreadable") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise EnvelopeError("not an envelope")
        if data.get("version") != FORMAT_VERSION:
            raise EnvelopeError(f"unsupported envelope version {data.get('version')!r}")
        if not isinstance(data.get("wraps"), list) or not isinstance(data.get("id"), str):
            raise EnvelopeError("malformed envelope")
        return cls(path, data)

    def save(self) -> None:
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

    def kinds(self) -> set[str]:
        return {w.get("kind") for w in self._data["wraps"]}

    @property
    def has_passphrase(self) -> bool:
        return "passphrase" in self.kinds()

    @property
    def has_keychain(self) -> bool:
        return "keychain" in self.kinds()

    # -- wrapping -----------------------------------------------------------------
    def _aad(self, kind: str) -> bytes:
        return f"{FORMAT}/{FORMAT_VERSION}/{self.envelope_id}/{kind}".encode("ascii")

    def _put(self, kind: str, wrapping_key: bytes, db_key: bytes, extra: dict) -> None:
        nonce = secrets.token_bytes(12)
        ct = AESGCM(wrapping_key).encrypt(nonce, db_key, self._aad(kind))
        self._data["wraps"] = [w for w in self._data["wraps"] if w.get("kind") != kind]
        self._data["wraps"].append({"kind": kind, "nonce": _b64(nonce), "ct": _b64(ct), **extra})

    def _open(self, kind: str, wrapping_key_for) -> bytes:
        wrap = next((w for w in self._data["wraps"] if w.get("kind") == kind), None)
        if wrap is None:
            raise EnvelopeError(f"no {kind} wrap")
        try:
            nonce, ct = _unb64(wrap["nonce"]), _unb64(wrap["ct"])
            wrapping_key = wrapping_key_for(wrap)
        except (KeyError, ValueError, TypeError) as exc:
            raise EnvelopeError(f"malformed {kind} wrap") from exc
        try:
            key = AESGCM(wrapping_key).decrypt(nonce, ct, self._aad(kind))
        except InvalidTag as exc:
            raise WrongSecretError(kind) from exc
        if len(key) != KEY_BYTES:
            raise EnvelopeError("wrapped key has the wrong size")
        return key

    def wrap_with_passphrase(self, db_key: bytes, passphrase: str, params: KdfParams) -> None:
        salt = secrets.token_bytes(16)
        kdf = {"name": "argon2id", "salt": _b64(salt), "memory_kib": params.memory_kib,
               "iterations": params.iterations, "lanes": params.lanes}
        self._put("passphrase", _argon2(passphrase, salt, params), db_key, {"kdf": kdf})

    def unwrap_with_passphrase(self, passphrase: str) -> bytes:
        def derive(wrap: dict) -> bytes:
            kdf = wrap["kdf"]
            if kdf["name"] != "argon2id":
                raise ValueError("unknown kdf")
            params = KdfParams(int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"]))
            return _argon2(passphrase, _unb64(kdf["salt"]), params)

        return self._open("passphrase", derive)

    def wrap_with_keychain_secret(self, db_key: bytes, secret: bytes) -> None:
        salt = secrets.token_bytes(16)
        self._put("keychain", _hkdf(secret, salt, b"keychain"), db_key, {"salt": _b64(salt)})

    def unwrap_with_keychain_secret(self, secret: bytes) -> bytes:
        return self._open("keychain", lambda w: _hkdf(secret, _unb64(w["salt"]), b"keychain"))

    def wrap_with_recovery_key(self, db_key: bytes, recovery_key: str) -> None:
        salt = secrets.token_bytes(16)
        wk = _hkdf(_recovery_bytes(recovery_key), salt, b"recovery")
        self._put("recovery", wk, db_key, {"salt": _b64(salt)})

    def unwrap_with_recovery_key(self, recovery_key: str) -> bytes:
        raw = _recovery_bytes(recovery_key)
        return self._open("recovery", lambda w: _hkdf(raw, _unb64(w["salt"]), b"recovery"))

    def remove(self, kind: str) -> None:
        self._data["wraps"] = [w for w in self._data["wraps"] if w.get("kind") != kind]
