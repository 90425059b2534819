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

from app.i18n import _

from app.storage.errors import KeychainError

SERVICE = "Permanence"

# Module + class names of backends that must never hold a database secret.
_REFUSED = {
    ("keyring.backends.fail", "Keyring"): "no keychain backend",
    ("keyring.backends.null", "Keyring"): "keychain disabled",
    ("keyrings.alt.file", "PlaintextKeyring"): "plaintext keychain file",
    ("keyrings.alt.Gnome", "Keyring"): "deprecated backend",
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
        backends = [self._backend]
        chained = getattr(self._backend, "backends", None)
        if chained is not None:  # keyring's ChainerBackend
            backends = list(chained)
            if not backends:
                return "no keychain backend"
        for b in backends:
            if isinstance(b, PortableKeyring):
                return _("portable mode: the passphrase protects the practice")
            reason = _REFUSED.get((type(b).__module__, type(b).__name__))
            if reason:
                return reason
        try:
            if self._backend.priority <= 0:  # type: ignore[operator]
                return "keychain backend not trusted"
        except Exception:  # noqa: BLE001 - a backend that cannot even say its priority
            return "keychain backend not available"
        return None

    def unusable_reason(self) -> str | None:
        """None when the keychain may be used; otherwise a short reason."""
        return self._refusal()

    def store(self, account: str, secret: bytes) -> None:
        reason = self._refusal()
        if reason:
            raise KeychainError(reason)
        encoded = base64.b64encode(secret).decode("ascii")
        try:
            self._backend.set_password(SERVICE, account, encoded)
            back = self._backend.get_password(SERVICE, account)
        except KeyringError as exc:
            raise KeychainError(type(exc).__name__) from exc
        if back != encoded:
            raise KeychainError("the keychain did not return what was written")

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
