"""Passphrases and the key envelope at the command line, run as a user would: a weak
passphrase is refused on every path that sets one, only a demo opens with ``demo``, a
passphrase file may start with a byte-order mark, and a damaged or hostile keys.json is
the documented "damaged" message with exit code 2, never a traceback, nothing changed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from app.clock import SystemClock
from app.demo import DemoSize, generate_demo
from app.services.practice import PracticeInput
from app.services.workspace import create_practice
from app.storage.keys import KdfParams, KeyEnvelope
from app.storage.profile import ProfilePaths
from tests.test_cli import permanence

STRONG = "Tilleul-ambre-93-grenade-lotus"
DAMAGED = "keys.json"  # the documented message names the file...
DAMAGED_FR = "endommagé"  # ...and says it is damaged


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under root without following links or opening anything but regular
    files (a planted FIFO or link to /dev/zero must not hang the test itself)."""
    seen = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            seen[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            seen[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            seen[rel] = "dir" if p.is_dir() else "other"
    return seen


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A practice at the production cost (the command line accepts no cheaper one)."""
    root = tmp_path_factory.mktemp("secrets") / "cabinet"
    created = create_practice(ProfilePaths(root), PracticeInput(name="Cabinet du Parc"),
                              passphrase=STRONG, keychain=None, clock=SystemClock(),
                              kdf=KdfParams())
    created.workspace.close()
    # Control, and the technical log a first command creates, so that snapshots compare
    # only what a refused command could have changed.
    result = permanence("check", "--profile", str(root), passphrase=STRONG)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture
def profile(pristine, tmp_path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "cabinet"))


# -- new passphrases ---------------------------------------------------------------------
@pytest.mark.parametrize("weak", ["x", "aaaaaaaaaa", "Cabinet du ParcCabinet du Parc", "demo"])
def test_init_refuses_a_weak_passphrase_and_creates_nothing(tmp_path, weak):
    root = tmp_path / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                        passphrase=weak)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "phrase de passe" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert not (root / "keys.json").exists() and not (root / "permanence.db").exists()


def test_demo_refuses_a_weak_passphrase_of_its_own(tmp_path):
    root = tmp_path / "demo"
    result = permanence("demo", "--profile", str(root), passphrase="x")
    assert result.returncode == 2
    assert "trop facile" in result.stderr
    assert not (root / "keys.json").exists()


def test_a_passphrase_file_with_a_byte_order_mark_opens(profile, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(("\ufeff" + STRONG + "\r\n").encode("utf-8"))
    result = permanence("check", "--profile", str(profile), "--passphrase-file", str(secret))
    assert result.returncode == 0, result.stderr


def test_a_passphrase_file_that_is_not_utf8_is_a_clear_error(profile, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"caf\xe9 \xff\xfe")
    result = permanence("check", "--profile", str(profile), "--passphrase-file", str(secret))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and str(secret) in result.stderr


# -- the demo passphrase -----------------------------------------------------------------
def test_only_a_profile_marked_as_a_demo_opens_with_the_demo_passphrase(profile, tmp_path):
    # A practice whose passphrase was "demo" (possible before this version): without a
    # passphrase given, it is not opened with the demo's...
    envelope = KeyEnvelope.load(profile / "keys.json")
    key = envelope.unwrap_with_passphrase(STRONG)
    envelope.wrap_with_passphrase(key, "demo", KdfParams())
    envelope.save()
    result = permanence("check", "--profile", str(profile))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "PERMANENCE_PASSPHRASE" in result.stderr
    # ...though given explicitly, it still opens.
    assert permanence("check", "--profile", str(profile), passphrase="demo").returncode == 0

    # A demo practice opens without a passphrase.
    demo = tmp_path / "demo"
    generate_demo(ProfilePaths(demo), size=DemoSize(practitioners=1, patients=5),
                  clock=SystemClock()).close()
    assert KeyEnvelope.load(demo / "keys.json").is_demo
    result = permanence("check", "--profile", str(demo))
    assert result.returncode == 0, result.stdout + result.stderr


# -- damaged or hostile key envelopes ------------------------------------------------------
def _edit(change):
    def apply(path: Path) -> None:
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
    return apply


def _passphrase_wrap(data: dict) -> dict:
    return next(w for w in data["wraps"] if w["kind"] == "passphrase")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _device(path: Path) -> None:
    path.unlink()
    os.symlink("/dev/zero", path)


DAMAGE = {
    "not-json": lambda p: p.write_text("{ not json"),
    "empty": lambda p: p.write_bytes(b""),
    "not-utf8": lambda p: p.write_bytes(b"\xff\xfe\x00\x80"),
    "not-an-object": lambda p: p.write_text("[1, 2, 3]"),
    "unknown-version": _edit(lambda d: d.update(version=99)),
    "missing-wraps": _edit(lambda d: d.pop("wraps")),
    "wrong-type": _edit(lambda d: d.update(id=42)),
    "bad-base64": _edit(lambda d: _passphrase_wrap(d).update(nonce="!!not base64!!")),
    "wrong-length": _edit(lambda d: _passphrase_wrap(d).update(ct="AAAA")),
    "kdf-memory-absurd": _edit(lambda d: _passphrase_wrap(d)["kdf"].update(memory_kib=2**40)),
    "kdf-iterations-absurd": _edit(lambda d: _passphrase_wrap(d)["kdf"].update(
        iterations=10**12)),
    "kdf-below-the-floor": _edit(lambda d: _passphrase_wrap(d)["kdf"].update(
        memory_kib=8192, iterations=1, lanes=1)),
    "huge-file": lambda p: p.write_bytes(b" " * (2 * 1024 * 1024)),
    "fifo": pytest.param(_fifo, marks=pytest.mark.skipif(not hasattr(os, "mkfifo"),
                                                         reason="no FIFOs")),
    "symlink-to-dev-zero": pytest.param(_device, marks=pytest.mark.skipif(
        not Path("/dev/zero").exists(), reason="no /dev/zero")),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_key_file_is_a_message_and_exit_6_and_changes_nothing(profile, damage):
    damage(profile / "keys.json")
    before = snapshot(profile)
    result = permanence("check", "--profile", str(profile), passphrase=STRONG, timeout=60)
    assert result.returncode == 6, result.stdout + result.stderr
    assert DAMAGED in result.stderr and DAMAGED_FR in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(profile) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX devices and pipes")
def test_a_passphrase_file_that_never_ends_is_refused_without_hanging(tmp_path):
    result = permanence("check", "--profile", str(tmp_path / "none"), "--passphrase-file",
                        "/dev/zero", timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "/dev/zero" in result.stderr
