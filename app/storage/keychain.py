"""The OS keychain, trusted only after it proves itself.

A secret written is read back and compared. Backends that would keep the secret in
clear (keyrings.alt's plaintext file) or that do nothing (fail, null) are refused:
the caller then protects the profile with a passphrase and says why.
"""

from __future__ import annotations

import base64
import binascii

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import null
from keyring.errors import KeyringError

from app.storage import errors as reasons
from app.storage.errors import KeychainError, keychain_reason

SERVICE = "Permanence"

# Module + class names of backends that must never hold a database secret.
_REFUSED = {
    ("keyring.backends.fail", "Keyring"): reasons.NO_KEYCHAIN,
    ("keyring.backends.null", "Keyring"): reasons.KEYCHAIN_DISABLED,
    ("keyrings.alt.file", "PlaintextKeyring"): reasons.KEYCHAIN_PLAINTEXT,
    ("keyrings.alt.Gnome", "Keyring"): reasons.KEYCHAIN_DEPRECATED,
}


class PortableKeyring(null.Keyring):
    """The portable mode's: the computer's keychain is left alone. A secret kept there
    would leave a trace on this computer and be missing on the next one the drive is
    plugged into; the passphrase alone protects a portable practice."""


def use_portable_keyring() -> None:
    keyring.set_keyring(PortableKeyring())


class Keychain:
    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend if backend is not None else keyring.get_keyring()

    def _refusal(self) -> str | None:
        """None, or the code of the reason it is refused (``app.storage.errors``)."""
        backends = [self._backend]
        chained = getattr(self._backend, "backends", None)
        if chained is not None:  # keyring's ChainerBackend
            backends = list(chained)
            if not backends:
                return reasons.NO_KEYCHAIN
        for b in backends:
            if isinstance(b, PortableKeyring):
                return reasons.KEYCHAIN_PORTABLE
            reason = _REFUSED.get((type(b).__module__, type(b).__name__))
            if reason:
                return reason
        try:
            if self._backend.priority <= 0:  # type: ignore[operator]
                return reasons.KEYCHAIN_UNTRUSTED
        except Exception:  # noqa: BLE001 - a backend that cannot even say its priority
            return reasons.KEYCHAIN_UNAVAILABLE
        return None

    def unusable_code(self) -> str | None:
        """None when the keychain may be used; otherwise why not, as a code (for errors
        that word it when shown: ``keychain_reason``)."""
        return self._refusal()

    def unusable_reason(self) -> str | None:
        """None when the keychain may be used; otherwise a short reason, in the user's
        language."""
        code = self._refusal()
        return keychain_reason(code) if code else None

    def store(self, account: str, secret: bytes) -> None:
        reason = self._refusal()
        if reason:
            raise KeychainError(reason)
        encoded = base64.b64encode(secret).decode("ascii")
        try:
            self._backend.set_password(SERVICE, account, encoded)
            back = self._backend.get_password(SERVICE, account)
        except KeyringError as exc:
            raise KeychainError(reasons.KEYCHAIN_REFUSED_WRITE) from exc
        if back != encoded:
            raise KeychainError(reasons.KEYCHAIN_READ_BACK)

    def load(self, account: str) -> bytes | None:
        if self._refusal():
            return None
        try:
            value = self._backend.get_password(SERVICE, account)
        except KeyringError:
            return None
        if value is None:
            return None
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None

    def delete(self, account: str) -> None:
        try:
            self._backend.delete_password(SERVICE, account)
        except KeyringError:
            pass
