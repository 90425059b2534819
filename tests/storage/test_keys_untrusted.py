"""keys.json is untrusted input: bounded in size and cost, authenticated field by field,
and every malformed file is the one "damaged" error, before anything is derived from it.
The first release's format (version 1) still opens."""

from __future__ import annotations

import base64
import json
import os
import shutil
import threading
import unicodedata
from pathlib import Path

import pytest

from app.storage.errors import EnvelopeError, WrongSecretError
from app.storage.keys import (
    MAX_ENVELOPE_BYTES,
    KdfParams,
    KeyEnvelope,
    new_database_key,
    new_keychain_secret,
    new_recovery_key,
)

PASSPHRASE = "correct horse"
DATA = Path(__file__).resolve().parent / "data"
# tests/storage/data/keys-v1.json was written by the first release's code (format
# version 1) with the fast test cost; it wraps bytes(range(32)) under these secrets.
V1_KEY = bytes(range(32))
V1_PASSPHRASE = "Cafe\u0301 cre\u0300me tilleul"  # accents as combining marks, as typed then
V1_RECOVERY = "MN2G-HEWH-Z5NI-NBAA-5IPS-LNUX-GFZB-O2JD"
V1_KEYCHAIN_SECRET = bytes(range(100, 132))


@pytest.fixture
def db_key() -> bytes:
    return new_database_key()


@pytest.fixture
def made(tmp_path, db_key, fast_kdf) -> dict:
    """A valid envelope with all three wraps; its secrets."""
    recovery, secret = new_recovery_key(), new_keychain_secret()
    env = KeyEnvelope.new(tmp_path / "keys.json")
    env.wrap_with_passphrase(db_key, PASSPHRASE, fast_kdf)
    env.wrap_with_recovery_key(db_key, recovery)
    env.wrap_with_keychain_secret(db_key, secret)
    env.save()
    return {"path": tmp_path / "keys.json", "recovery": recovery, "secret": secret}


def _data(path: Path) -> dict:
    return json.loads(path.read_text())


def _wrap(data: dict, kind: str) -> dict:
    return next(w for w in data["wraps"] if w["kind"] == kind)


def _b64(n: int) -> str:
    return base64.b64encode(b"\x01" * n).decode()


def _set(which, **fields):
    return lambda d: _wrap(d, which).update(fields)


def _kdf(**fields):
    return lambda d: _wrap(d, "passphrase")["kdf"].update(fields)


def _drop(key, kind=None):
    return lambda d: (_wrap(d, kind) if kind else d).pop(key)


def _top(**fields):
    return lambda d: d.update(fields)


# Each one changes a valid envelope (in place) into a damaged or hostile one.
MALFORMED = {
    # the object itself
    "version-string": _top(version="2"),
    "version-bool": _top(version=True),
    "version-float": _top(version=2.0),
    "version-newer": _top(version=3),
    "version-zero": _top(version=0),
    "no-format": _drop("format"),
    "no-version": _drop("version"),
    "no-id": _drop("id"),
    "no-wraps": _drop("wraps"),
    "no-demo-flag": _drop("demo"),
    "extra-field": _top(note="hello"),
    "id-number": _top(id=123),
    "id-empty": _top(id=""),
    "id-path": _top(id="../../etc/passwd"),
    "id-huge": _top(id="a" * 65),
    "demo-string": _top(demo="yes"),
    "demo-number": _top(demo=1),
    "demo-null": _top(demo=None),
    "wraps-object": _top(wraps={}),
    "wraps-empty": _top(wraps=[]),
    "wrap-number": lambda d: d["wraps"].append(1),
    "wrap-null": lambda d: d["wraps"].append(None),
    "wrap-list": lambda d: d["wraps"].append([]),
    "four-wraps": lambda d: d["wraps"].append(dict(d["wraps"][0])),
    "two-passphrase-wraps": lambda d: d["wraps"].__setitem__(1, dict(d["wraps"][0])),
    # a wrap's fields
    "kind-missing": _drop("kind", "recovery"),
    "kind-unknown": _set("recovery", kind="password"),
    "kind-number": _set("recovery", kind=5),
    "wrap-extra-field": _set("recovery", extra="x"),
    "wrap-version-1": _set("recovery", v=1),
    "wrap-version-3": _set("recovery", v=3),
    "wrap-version-bool": _set("recovery", v=True),
    "nonce-missing": _drop("nonce", "passphrase"),
    "nonce-number": _set("passphrase", nonce=12),
    "nonce-not-base64": _set("passphrase", nonce="***"),
    "nonce-short": _set("passphrase", nonce=_b64(11)),
    "nonce-long": _set("passphrase", nonce=_b64(13)),
    "ct-short": _set("keychain", ct=_b64(47)),
    "ct-long": _set("keychain", ct=_b64(49)),
    "ct-huge": _set("keychain", ct="A" * 40_000),
    "ct-not-ascii": _set("keychain", ct="é" * 64),
    "salt-missing": _drop("salt", "recovery"),
    "salt-short": _set("recovery", salt=_b64(8)),
    "salt-long": _set("recovery", salt=_b64(65)),
    "salt-list": _set("recovery", salt=[]),
    "salt-on-passphrase-wrap": _set("passphrase", salt=_b64(16)),
    "kdf-missing": _drop("kdf", "passphrase"),
    "kdf-list": _set("passphrase", kdf=[]),
    "kdf-extra-field": _kdf(version=19),
    "kdf-unknown": _kdf(name="scrypt"),
    "kdf-no-salt": lambda d: _wrap(d, "passphrase")["kdf"].pop("salt"),
    "kdf-salt-short": _kdf(salt=_b64(4)),
    "memory-string": _kdf(memory_kib="lots"),
    "memory-bool": _kdf(memory_kib=True),
    "memory-float": _kdf(memory_kib=8192.0),
    "memory-zero": _kdf(memory_kib=0),
    "memory-negative": _kdf(memory_kib=-1),
    "memory-a-terabyte": _kdf(memory_kib=2**30),
    "memory-below-argon2-minimum": _kdf(memory_kib=16, lanes=4),
    "iterations-a-billion": _kdf(iterations=10**9),
    "iterations-zero": _kdf(iterations=0),
    "lanes-huge": _kdf(lanes=2**24 - 1),
    "lanes-null": _kdf(lanes=None),
}


@pytest.mark.parametrize("mutate", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_envelopes_are_refused_when_read(made, mutate, fast_kdf):
    data = _data(made["path"])
    mutate(data)
    made["path"].write_text(json.dumps(data))
    with pytest.raises(EnvelopeError) as info:
        KeyEnvelope.load(made["path"])
    assert info.value.exit_code == 6
    assert "keys.json" in info.value.user_message


@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty"),
    pytest.param(b"not json {", id="not-json"),
    pytest.param(b"\xff\xfe\x00garbage\x80", id="not-utf8"),
    pytest.param(b"null", id="null"),
    pytest.param(b"[1, 2]", id="a-list"),
    pytest.param(b'"keys"', id="a-string"),
    pytest.param(b"1" * 5000, id="a-huge-number"),
    pytest.param(b"[" * 60_000, id="deep-nesting"),
    pytest.param(b'{"format": "permanence-key-envelope", "version": 2, "id": NaN}', id="nan"),
])
def test_files_that_are_not_envelopes_are_refused(tmp_path, content):
    (tmp_path / "keys.json").write_bytes(content)
    with pytest.raises(EnvelopeError):
        KeyEnvelope.load(tmp_path / "keys.json")


def test_the_valid_envelope_of_the_table_loads_and_opens(made, db_key, fast_kdf):
    """Control for the table above: unchanged, the same file opens with each secret."""
    env = KeyEnvelope.load(made["path"])
    assert env.unwrap_with_passphrase(PASSPHRASE, kdf_floor=fast_kdf) == db_key
    assert env.unwrap_with_recovery_key(made["recovery"]) == db_key
    assert env.unwrap_with_keychain_secret(made["secret"]) == db_key


# -- the cost ------------------------------------------------------------------------
def test_a_cost_below_the_floor_is_damage_not_a_wrong_passphrase(made):
    """The file cannot lower the cost: with the production floor, the test envelope's
    cheap Argon2 is refused as damage before anything is derived."""
    env = KeyEnvelope.load(made["path"])
    with pytest.raises(EnvelopeError):
        env.unwrap_with_passphrase(PASSPHRASE)
    # The other wraps do not run Argon2 and still open.
    assert env.unwrap_with_recovery_key(made["recovery"])


def test_the_default_cost_is_at_the_floor(tmp_path, db_key):
    env = KeyEnvelope.new(tmp_path / "keys.json")
    env.wrap_with_passphrase(db_key, PASSPHRASE, KdfParams())
    env.save()
    assert KeyEnvelope.load(tmp_path / "keys.json").unwrap_with_passphrase(PASSPHRASE) == db_key


# -- authentication of every field -----------------------------------------------------
@pytest.mark.parametrize("kind", ["passphrase", "recovery", "keychain"])
def test_flipping_the_demo_flag_fails_every_wrap(made, fast_kdf, kind):
    """The recovery and keychain derivations do not read the flag: only the tag sees it."""
    data = _data(made["path"])
    data["demo"] = True
    made["path"].write_text(json.dumps(data))
    env = KeyEnvelope.load(made["path"])
    assert env.is_demo
    with pytest.raises(WrongSecretError):
        if kind == "passphrase":
            env.unwrap_with_passphrase(PASSPHRASE, kdf_floor=fast_kdf)
        elif kind == "recovery":
            env.unwrap_with_recovery_key(made["recovery"])
        else:
            env.unwrap_with_keychain_secret(made["secret"])


@pytest.mark.parametrize("field,value", [("iterations", 2), ("lanes", 2),
                                         ("memory_kib", 16 * 1024)])
def test_editing_a_kdf_parameter_is_detected(made, fast_kdf, field, value):
    data = _data(made["path"])
    _wrap(data, "passphrase")["kdf"][field] = value
    made["path"].write_text(json.dumps(data))
    with pytest.raises(WrongSecretError):
        KeyEnvelope.load(made["path"]).unwrap_with_passphrase(PASSPHRASE, kdf_floor=fast_kdf)


@pytest.mark.parametrize("kind", ["passphrase", "recovery"])
def test_a_wrap_cannot_be_downgraded_to_the_first_format(made, fast_kdf, kind):
    """Removing the wrap's version marker would select the old, narrower associated
    data: the tag fails."""
    data = _data(made["path"])
    _wrap(data, kind).pop("v")
    made["path"].write_text(json.dumps(data))
    env = KeyEnvelope.load(made["path"])
    with pytest.raises(WrongSecretError):
        if kind == "passphrase":
            env.unwrap_with_passphrase(PASSPHRASE, kdf_floor=fast_kdf)
        else:
            env.unwrap_with_recovery_key(made["recovery"])


def test_a_demo_envelope_says_so(tmp_path, db_key, fast_kdf):
    env = KeyEnvelope.new(tmp_path / "keys.json", demo=True)
    env.wrap_with_passphrase(db_key, "demo", fast_kdf)
    env.save()
    loaded = KeyEnvelope.load(tmp_path / "keys.json")
    assert loaded.is_demo
    assert loaded.unwrap_with_passphrase("demo", kdf_floor=fast_kdf) == db_key
    assert not KeyEnvelope.new(tmp_path / "other.json").is_demo


# -- passphrases normalised ----------------------------------------------------------
def test_a_passphrase_opens_however_its_accents_were_typed(tmp_path, db_key, fast_kdf):
    decomposed = "Cafe\u0301 cre\u0300me tilleul"
    composed = unicodedata.normalize("NFC", decomposed)
    assert composed != decomposed
    env = KeyEnvelope.new(tmp_path / "keys.json")
    env.wrap_with_passphrase(db_key, decomposed, fast_kdf)
    env.save()
    loaded = KeyEnvelope.load(tmp_path / "keys.json")
    assert loaded.unwrap_with_passphrase(composed, kdf_floor=fast_kdf) == db_key
    assert loaded.unwrap_with_passphrase(decomposed, kdf_floor=fast_kdf) == db_key


# -- the first release's envelopes ---------------------------------------------------
@pytest.fixture
def v1(tmp_path) -> Path:
    return Path(shutil.copy(DATA / "keys-v1.json", tmp_path / "keys.json"))


def test_a_version_1_envelope_opens_with_each_secret(v1, fast_kdf):
    env = KeyEnvelope.load(v1)
    assert not env.is_demo
    # It was derived from the passphrase as typed (combining accents): NFC is tried
    # first, then the form as typed.
    assert env.unwrap_with_passphrase(V1_PASSPHRASE, kdf_floor=fast_kdf) == V1_KEY
    assert env.unwrap_with_recovery_key(V1_RECOVERY) == V1_KEY
    assert env.unwrap_with_keychain_secret(V1_KEYCHAIN_SECRET) == V1_KEY
    with pytest.raises(WrongSecretError):
        env.unwrap_with_passphrase("Cafe cre me tilleul", kdf_floor=fast_kdf)


def test_a_version_1_envelope_is_written_as_version_2_at_its_next_save(v1, fast_kdf):
    env = KeyEnvelope.load(v1)
    secret = new_keychain_secret()
    env.wrap_with_keychain_secret(V1_KEY, secret)  # what restoring a keychain entry does
    env.save()
    data = _data(v1)
    assert data["version"] == 2 and data["demo"] is False
    assert _wrap(data, "keychain")["v"] == 2
    again = KeyEnvelope.load(v1)
    assert again.unwrap_with_keychain_secret(secret) == V1_KEY
    # The wraps whose secret was not at hand keep their first-release seal and open.
    assert again.unwrap_with_passphrase(V1_PASSPHRASE, kdf_floor=fast_kdf) == V1_KEY
    assert again.unwrap_with_recovery_key(V1_RECOVERY) == V1_KEY


@pytest.mark.parametrize("mutate", [
    pytest.param(_top(demo=False), id="demo-flag-in-version-1"),
    pytest.param(_set("recovery", v=2), id="wrap-version-in-version-1"),
])
def test_a_version_1_envelope_has_only_version_1_fields(v1, mutate):
    data = _data(v1)
    mutate(data)
    v1.write_text(json.dumps(data))
    with pytest.raises(EnvelopeError):
        KeyEnvelope.load(v1)


# -- what the file is ----------------------------------------------------------------
def _load_within(path: Path, seconds: float = 10) -> BaseException | None:
    """Load in a thread; the test fails (instead of hanging) if that blocks."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            KeyEnvelope.load(path)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"loading {path} blocked"
    return outcome[0]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_symlink_to_a_device_is_refused(tmp_path):
    os.symlink("/dev/zero", tmp_path / "keys.json")
    assert isinstance(_load_within(tmp_path / "keys.json"), EnvelopeError)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_a_symlink_even_to_a_valid_envelope_is_refused(made, tmp_path):
    target = tmp_path / "elsewhere.json"
    made["path"].rename(target)
    os.symlink(target, made["path"])
    assert isinstance(_load_within(made["path"]), EnvelopeError)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "keys.json")
    assert isinstance(_load_within(tmp_path / "keys.json"), EnvelopeError)


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "keys.json").mkdir()
    assert isinstance(_load_within(tmp_path / "keys.json"), EnvelopeError)


def test_a_huge_file_is_refused_but_a_padded_one_within_the_limit_opens(made, db_key,
                                                                        fast_kdf):
    text = made["path"].read_text()
    made["path"].write_text(text + " " * (MAX_ENVELOPE_BYTES - len(text)))
    env = KeyEnvelope.load(made["path"])
    assert env.unwrap_with_passphrase(PASSPHRASE, kdf_floor=fast_kdf) == db_key
    made["path"].write_text(text + " " * (MAX_ENVELOPE_BYTES - len(text) + 1))
    assert isinstance(_load_within(made["path"]), EnvelopeError)


def test_only_a_demo_profile_may_be_created_with_the_demo_passphrase(tmp_path, fast_kdf, clock):
    from app.storage.profile import ProfilePaths, create_database, try_demo_unlock

    practice = ProfilePaths(tmp_path / "practice")
    with pytest.raises(ValueError):
        create_database(practice, passphrase="demo", keychain=None, kdf=fast_kdf, clock=clock)
    assert not practice.exists()
    demo = ProfilePaths(tmp_path / "demo")
    created = create_database(demo, passphrase="demo", keychain=None, kdf=KdfParams(),
                              clock=clock, demo=True)
    assert KeyEnvelope.load(demo.envelope).is_demo
    assert try_demo_unlock(demo) == created.key
