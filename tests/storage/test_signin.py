"""Each account's own passphrase wraps the database key; sign-ins are throttled in a
file of their own (growing delay, then a 15-minute lock), and a wrong secret changes no
other file of the profile."""

from __future__ import annotations

import json
import os
import stat

import pytest

from app.storage.errors import EnvelopeError, WrongSecretError
from app.storage.keys import KeyEnvelope, new_database_key
from app.storage.signin import (
    ATTEMPTS_FILE,
    LOCK_MINUTES,
    MAX_FAILURES,
    OWNER,
    Attempts,
    SignInLocked,
    SignInTooSoon,
    delay_after,
    sign_in,
)
from tests.conftest import FAST_KDF, PASSPHRASE

USER_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


def _envelope(tmp_path):
    key = new_database_key()
    env = KeyEnvelope.new(tmp_path / "keys.json")
    env.wrap_with_passphrase(key, PASSPHRASE, FAST_KDF)
    env.wrap_for_account(key, user_id=USER_ID, name="secretaire", passphrase="Bureau du matin",
                         params=FAST_KDF)
    env.save()
    return key, tmp_path / "keys.json"


def test_an_account_wrap_opens_with_its_own_passphrase_only(tmp_path):
    key, path = _envelope(tmp_path)
    env = KeyEnvelope.load(path)
    assert env.account_names() == {"secretaire"}
    assert env.unwrap_for_account("secretaire", "Bureau du matin", kdf_floor=FAST_KDF) == (
        USER_ID, key)
    with pytest.raises(WrongSecretError):
        env.unwrap_for_account("secretaire", PASSPHRASE, kdf_floor=FAST_KDF)
    with pytest.raises(WrongSecretError):
        env.unwrap_for_account("personne", "Bureau du matin", kdf_floor=FAST_KDF)
    # The production floor refuses the cheap test cost read from the file, as for the owner.
    with pytest.raises(EnvelopeError):
        env.unwrap_for_account("secretaire", "Bureau du matin")
    env.remove_account(USER_ID)
    assert env.account_names() == set()


@pytest.mark.parametrize("field, value", [("name", "autre"), ("user", "0190-autre")])
def test_the_account_a_wrap_names_is_authenticated(tmp_path, field, value):
    _, path = _envelope(tmp_path)
    data = json.loads(path.read_text())
    wrap = next(w for w in data["wraps"] if w["kind"] == "account")
    wrap[field] = value
    path.write_text(json.dumps(data))
    env = KeyEnvelope.load(path)
    name = value if field == "name" else "secretaire"
    with pytest.raises(WrongSecretError):
        env.unwrap_for_account(name, "Bureau du matin", kdf_floor=FAST_KDF)


@pytest.mark.parametrize("change", ["bad name", "duplicate", "no version"])
def test_a_malformed_account_wrap_is_a_damaged_envelope(tmp_path, change):
    _, path = _envelope(tmp_path)
    data = json.loads(path.read_text())
    wrap = next(w for w in data["wraps"] if w["kind"] == "account")
    if change == "bad name":
        wrap["name"] = "Secrétaire\n"
    elif change == "duplicate":
        data["wraps"].append(dict(wrap))
    else:
        del wrap["v"]
    path.write_text(json.dumps(data))
    with pytest.raises(EnvelopeError):
        KeyEnvelope.load(path)


def test_the_delay_grows_then_the_name_is_locked(tmp_path, clock):
    attempts = Attempts(tmp_path, clock)
    assert [delay_after(n).total_seconds() for n in range(6)] == [0, 1, 2, 4, 8, 8]
    for n in range(1, MAX_FAILURES):
        attempts.failed("secretaire")
        assert attempts.check("secretaire") == delay_after(n)
        clock.advance(seconds=delay_after(n).total_seconds())
        assert attempts.check("secretaire").total_seconds() == 0
    attempts.failed("secretaire")
    with pytest.raises(SignInLocked) as locked:
        Attempts(tmp_path, clock).check("secretaire")  # read back from the file
    assert locked.value.minutes == LOCK_MINUTES
    assert Attempts(tmp_path, clock).check("dr-morel").total_seconds() == 0  # others unaffected
    clock.advance(minutes=LOCK_MINUTES)
    assert Attempts(tmp_path, clock).check("secretaire").total_seconds() == 0


def _paths(workspace):
    paths = workspace.paths
    workspace.close()
    return paths


def test_wrong_secrets_are_throttled_and_change_no_other_file(workspace, clock,
                                                              profile_snapshot):
    paths = _paths(workspace)
    before = profile_snapshot(paths.root)
    waits = []

    def wait(seconds):  # the command line sleeps; here time moves on
        waits.append(seconds)
        clock.advance(seconds=seconds)

    for _ in range(MAX_FAILURES):
        with pytest.raises(WrongSecretError):
            sign_in(paths, clock=clock, passphrase="not it", kdf_floor=FAST_KDF, wait=wait)
    assert waits == [1, 2, 4, 8]
    after = profile_snapshot(paths.root)
    assert {k: v for k, v in after.items() if k != ATTEMPTS_FILE} == before
    if os.name == "posix":
        assert stat.S_IMODE((paths.root / ATTEMPTS_FILE).stat().st_mode) == 0o600
    # Locked: even the right passphrase is refused, without being tried.
    with pytest.raises(SignInLocked):
        sign_in(paths, clock=clock, passphrase=PASSPHRASE, kdf_floor=FAST_KDF, wait=wait)
    # Another name tries the owner's wrap: counted as the owner, so no new tries.
    with pytest.raises(SignInLocked):
        sign_in(paths, clock=clock, name="quelquun", passphrase=PASSPHRASE,
                kdf_floor=FAST_KDF, wait=wait)
    clock.advance(minutes=LOCK_MINUTES)
    signed = sign_in(paths, clock=clock, passphrase=PASSPHRASE, kdf_floor=FAST_KDF, wait=wait)
    assert signed.user_id is None and signed.how == "passphrase"
    assert Attempts(paths.root, clock).check(OWNER).total_seconds() == 0


def test_without_a_wait_an_early_attempt_is_refused_untried(workspace, clock):
    paths = _paths(workspace)
    with pytest.raises(WrongSecretError):
        sign_in(paths, clock=clock, passphrase="not it", kdf_floor=FAST_KDF)
    with pytest.raises(SignInTooSoon) as early:
        sign_in(paths, clock=clock, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)
    assert early.value.seconds >= 1
    assert len(Attempts(paths.root, clock).pending()) == 1  # the early one is no failure


def test_a_hostile_attempts_file_is_read_within_bounds(tmp_path, clock):
    (tmp_path / ATTEMPTS_FILE).write_text(json.dumps(
        {"names": {"x": {"failures": "many", "last": 3, "locked_until": "never"}},
         "pending": [{"name": 1}, "z", {"name": "x", "at": "2026-03-16T08:00:00+00:00"}]}))
    attempts = Attempts(tmp_path, clock)
    assert attempts.check("x").total_seconds() == 0
    assert [p.name for p in attempts.pending()] == ["x"]
    (tmp_path / ATTEMPTS_FILE).write_bytes(b"\xff" * 10)
    assert Attempts(tmp_path, clock).pending() == []



def test_a_practice_without_an_owner_passphrase_says_wrong_name_or_secret(tmp_path, clock):
    """A keychain-only practice: a passphrase is an account's or nobody's."""
    from app.storage.keys import new_recovery_key
    from app.storage.profile import ProfilePaths
    from app.storage.signin import UnknownAccount

    paths = ProfilePaths(tmp_path / "p")
    paths.root.mkdir()
    paths.db.write_bytes(b"")
    key = new_database_key()
    env = KeyEnvelope.new(paths.envelope)
    env.wrap_with_recovery_key(key, new_recovery_key())
    env.wrap_for_account(key, user_id=USER_ID, name="secretaire", passphrase="Bureau du matin",
                         params=FAST_KDF)
    env.save()
    with pytest.raises(UnknownAccount) as unknown:
        sign_in(paths, clock=clock, name="owner", passphrase="Bureau du matin",
                kdf_floor=FAST_KDF)
    assert "nom de compte" in unknown.value.user_message.lower()
    clock.advance(seconds=5)
    signed = sign_in(paths, clock=clock, name="secretaire", passphrase="Bureau du matin",
                     kdf_floor=FAST_KDF)
    assert (signed.user_id, bytes(signed.key)) == (USER_ID, key)
    assert signed.key.signed_in is signed and "Bureau" not in repr(signed.key)
