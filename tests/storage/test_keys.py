"""The key envelope (keys.json): every secret kind unwraps the same key; nothing else does."""

from __future__ import annotations

import base64
import json

import pytest

from app.storage.errors import EnvelopeError, WrongSecretError
from app.storage.keys import (
    KeyEnvelope,
    new_database_key,
    new_keychain_secret,
    new_recovery_key,
)


@pytest.fixture
def db_key() -> bytes:
    return new_database_key()


@pytest.fixture
def recovery() -> str:
    return new_recovery_key()


@pytest.fixture
def envelope(tmp_path, db_key, recovery, fast_kdf) -> KeyEnvelope:
    env = KeyEnvelope.new(tmp_path / "keys.json")
    env.wrap_with_passphrase(db_key, "correct horse", fast_kdf)
    env.wrap_with_recovery_key(db_key, recovery)
    env.save()
    return KeyEnvelope.load(tmp_path / "keys.json")


def test_passphrase_unwraps_the_key(envelope, db_key, fast_kdf):
    assert envelope.unwrap_with_passphrase("correct horse", kdf_floor=fast_kdf) == db_key


def test_wrong_passphrase_is_refused(envelope, fast_kdf):
    with pytest.raises(WrongSecretError):
        envelope.unwrap_with_passphrase("correct horse ", kdf_floor=fast_kdf)
    with pytest.raises(WrongSecretError):
        envelope.unwrap_with_passphrase("Correct horse", kdf_floor=fast_kdf)


def test_wrong_secret_has_a_french_message(envelope, french_message, fast_kdf):
    with pytest.raises(WrongSecretError) as info:
        envelope.unwrap_with_passphrase("nope", kdf_floor=fast_kdf)
    french_message(lambda: info.value.user_message, "phrase de passe")


def test_recovery_key_unwraps_the_key(envelope, db_key, recovery):
    assert envelope.unwrap_with_recovery_key(recovery) == db_key


def test_recovery_key_is_forgiving_about_case_spacing_and_confusables(envelope, db_key, recovery):
    assert len(recovery.replace("-", "")) == 32
    assert envelope.unwrap_with_recovery_key(recovery.lower()) == db_key
    assert envelope.unwrap_with_recovery_key(recovery.replace("-", " ")) == db_key
    assert envelope.unwrap_with_recovery_key(recovery.replace("-", "")) == db_key
    assert envelope.unwrap_with_recovery_key(f"  {recovery.lower().replace('-', '  ')}\n") == db_key
    # Base32 has no 0, 1 or 8: someone copying by hand may write them for O, I and B.
    confused = recovery.replace("O", "0").replace("I", "1").replace("B", "8")
    assert envelope.unwrap_with_recovery_key(confused) == db_key
    assert envelope.unwrap_with_recovery_key(confused.lower()) == db_key


def test_a_wrong_recovery_key_is_refused(envelope, recovery):
    other = new_recovery_key()
    with pytest.raises(WrongSecretError):
        envelope.unwrap_with_recovery_key(other)
    # One character changed (still base32): the GCM tag fails.
    first = recovery[0]
    changed = ("A" if first != "A" else "C") + recovery[1:]
    with pytest.raises(WrongSecretError):
        envelope.unwrap_with_recovery_key(changed)


@pytest.mark.parametrize("bad", ["", "ABCD", "not a key at all !!", "ABCD-" * 9 + "ABCD"])
def test_malformed_recovery_keys_are_wrong_secrets(envelope, bad):
    with pytest.raises(WrongSecretError):
        envelope.unwrap_with_recovery_key(bad)


def test_keychain_secret_unwraps_the_key(tmp_path, db_key):
    env = KeyEnvelope.new(tmp_path / "keys.json")
    secret = new_keychain_secret()
    env.wrap_with_keychain_secret(db_key, secret)
    env.save()
    loaded = KeyEnvelope.load(tmp_path / "keys.json")
    assert loaded.has_keychain and not loaded.has_passphrase
    assert loaded.unwrap_with_keychain_secret(secret) == db_key
    with pytest.raises(WrongSecretError):
        loaded.unwrap_with_keychain_secret(new_keychain_secret())


def test_the_envelope_never_holds_the_key_or_secrets_in_clear(tmp_path, db_key, recovery, fast_kdf):
    secret = new_keychain_secret()
    env = KeyEnvelope.new(tmp_path / "keys.json")
    env.wrap_with_passphrase(db_key, "correct horse", fast_kdf)
    env.wrap_with_keychain_secret(db_key, secret)
    env.wrap_with_recovery_key(db_key, recovery)
    env.save()
    raw = (tmp_path / "keys.json").read_bytes()
    text = raw.decode("utf-8")
    for needle in (db_key.hex(), secret.hex(), recovery, recovery.replace("-", ""), "correct horse"):
        assert needle.lower() not in text.lower()
    for blob in (db_key, secret):
        assert base64.b64encode(blob) not in raw
        assert blob not in raw
    assert {w["kind"] for w in json.loads(text)["wraps"]} == {"passphrase", "keychain", "recovery"}
    assert not (tmp_path / "keys.json.tmp").exists()


def test_wraps_cannot_be_moved_between_envelopes(tmp_path, fast_kdf):
    """The AAD binds each wrap to its envelope id: a wrap pasted into another envelope
    (whose passphrase is the same) does not open there."""
    key_a, key_b = new_database_key(), new_database_key()
    a = KeyEnvelope.new(tmp_path / "a.json")
    a.wrap_with_passphrase(key_a, "same passphrase", fast_kdf)
    a.save()
    b = KeyEnvelope.new(tmp_path / "b.json")
    b.wrap_with_passphrase(key_b, "same passphrase", fast_kdf)
    b.save()

    data_a = json.loads((tmp_path / "a.json").read_text())
    data_b = json.loads((tmp_path / "b.json").read_text())
    data_b["wraps"] = data_a["wraps"]  # B's id, A's wrap
    (tmp_path / "b.json").write_text(json.dumps(data_b))
    with pytest.raises(WrongSecretError):
        KeyEnvelope.load(tmp_path / "b.json").unwrap_with_passphrase("same passphrase",
                                                                    kdf_floor=fast_kdf)
    # Control: the untouched envelope still opens with the same passphrase.
    assert KeyEnvelope.load(tmp_path / "a.json").unwrap_with_passphrase(
        "same passphrase", kdf_floor=fast_kdf) == key_a


def test_wraps_cannot_be_moved_between_kinds(tmp_path, db_key):
    """A keychain wrap relabelled as a recovery wrap (same HKDF shape) does not open."""
    env = KeyEnvelope.new(tmp_path / "keys.json")
    recovery = new_recovery_key()
    env.wrap_with_recovery_key(db_key, recovery)
    env.save()
    data = json.loads((tmp_path / "keys.json").read_text())
    data["wraps"][0]["kind"] = "keychain"
    (tmp_path / "keys.json").write_text(json.dumps(data))
    from app.storage.keys import _recovery_bytes

    # The keychain path uses the secret with a different HKDF info; even given the
    # recovery bytes as "secret", the kind in the AAD and the info both differ.
    with pytest.raises(WrongSecretError):
        KeyEnvelope.load(tmp_path / "keys.json").unwrap_with_keychain_secret(
            _recovery_bytes(recovery))


def test_tampered_ciphertext_is_refused(envelope, tmp_path, fast_kdf):
    data = json.loads((tmp_path / "keys.json").read_text())
    wrap = next(w for w in data["wraps"] if w["kind"] == "passphrase")
    ct = bytearray(base64.b64decode(wrap["ct"]))
    ct[0] ^= 1
    wrap["ct"] = base64.b64encode(bytes(ct)).decode()
    (tmp_path / "keys.json").write_text(json.dumps(data))
    with pytest.raises(WrongSecretError):
        KeyEnvelope.load(tmp_path / "keys.json").unwrap_with_passphrase("correct horse",
                                                                       kdf_floor=fast_kdf)


def _valid(tmp_path) -> dict:
    return json.loads((tmp_path / "keys.json").read_text())


@pytest.mark.parametrize("mutate", [
    pytest.param(lambda d: "not json {", id="not-json"),
    pytest.param(lambda d: "", id="empty"),
    pytest.param(lambda d: json.dumps([1, 2]), id="a-list"),
    pytest.param(lambda d: json.dumps({**d, "format": "something-else"}), id="format"),
    pytest.param(lambda d: json.dumps({**d, "version": 99}), id="newer-version"),
    pytest.param(lambda d: json.dumps({**d, "wraps": "x"}), id="wraps-not-list"),
    pytest.param(lambda d: json.dumps({k: v for k, v in d.items() if k != "id"}), id="no-id"),
])
def test_malformed_envelope_files_are_envelope_errors(envelope, tmp_path, mutate, fast_kdf):
    (tmp_path / "keys.json").write_text(mutate(_valid(tmp_path)))
    with pytest.raises(EnvelopeError):
        KeyEnvelope.load(tmp_path / "keys.json").unwrap_with_passphrase("correct horse",
                                                                       kdf_floor=fast_kdf)


def test_binary_garbage_envelope_is_an_envelope_error(envelope, tmp_path):
    (tmp_path / "keys.json").write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(EnvelopeError):
        KeyEnvelope.load(tmp_path / "keys.json")


def test_missing_envelope_is_an_envelope_error(tmp_path):
    with pytest.raises(EnvelopeError):
        KeyEnvelope.load(tmp_path / "keys.json")


@pytest.mark.parametrize("breakage", [
    pytest.param(lambda w: w.pop("nonce"), id="no-nonce"),
    pytest.param(lambda w: w.update(nonce="***"), id="nonce-not-base64"),
    pytest.param(lambda w: w.update(ct="@@@"), id="ct-not-base64"),
    pytest.param(lambda w: w["kdf"].update(name="scrypt"), id="unknown-kdf"),
    pytest.param(lambda w: w["kdf"].pop("salt"), id="no-salt"),
    pytest.param(lambda w: w["kdf"].update(memory_kib="lots"), id="kdf-param-not-int"),
])
def test_malformed_wraps_are_envelope_errors(envelope, tmp_path, breakage, fast_kdf):
    data = _valid(tmp_path)
    breakage(next(w for w in data["wraps"] if w["kind"] == "passphrase"))
    (tmp_path / "keys.json").write_text(json.dumps(data))
    with pytest.raises(EnvelopeError):
        KeyEnvelope.load(tmp_path / "keys.json").unwrap_with_passphrase("correct horse",
                                                                       kdf_floor=fast_kdf)


def test_missing_wrap_kind_is_an_envelope_error(envelope):
    with pytest.raises(EnvelopeError):
        envelope.unwrap_with_keychain_secret(new_keychain_secret())


def test_envelope_error_has_a_french_message(french_message):
    french_message(lambda: EnvelopeError("missing").user_message, "keys.json")
