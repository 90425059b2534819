"""Shared fixtures for the headless suites (tests/storage, tests/services, tests/models).

Everything runs on real encrypted SQLCipher files under pytest's tmp_path; nothing is
mocked. ``fast_kdf`` keeps Argon2id cheap so the suite stays quick (production uses the
default KdfParams).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from app import i18n
from app.clock import FrozenClock
from app.services.practice import PracticeInput, PractitionerInput
from app.services.workspace import NewPractice, Workspace
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from tests.practice_template import practice_from_template, remove_templates

# The property tests draw the same examples on every run (a run that passes passes again;
# a new counter-example is added as an @example). HYPOTHESIS_PROFILE=explore draws anew.
hypothesis_settings.register_profile("suite", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

PASSPHRASE = "correct horse"
# Cheap Argon2 for test profiles. Opening one with a passphrase needs it passed as
# ``kdf_floor=FAST_KDF``: production refuses any cost below KdfParams() from the file.
FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
# A Monday morning, in UTC. Frozen so stamps and backups are reproducible.
FROZEN_AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)
# The practice ``practice_factory`` makes.
TEST_PRACTICE = PracticeInput(
    name="Cabinet médical des Tilleuls", owner_name="Dr Morel",
    practitioners=[PractitionerInput("Claire", "Morel", "Médecine générale")])


@pytest.fixture(scope="session", autouse=True)
def practice_templates() -> Iterator[None]:
    yield
    remove_templates()


@pytest.fixture(scope="session", autouse=True)
def private_runtime() -> Iterator[None]:
    """The channels' endpoint files in a folder of this run's own (the commands run in
    subprocesses inherit it): a Permanence the user runs, or another run's window, is
    never what a test's command reaches (a second start hands over to a running
    window). Short, for the Unix sockets' paths."""
    base = tempfile.mkdtemp(prefix="prt-", dir="/tmp" if os.name != "nt" else None)
    os.chmod(base, 0o700)
    before = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = base
    yield
    if before is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = before
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def private_data_home() -> Iterator[None]:
    """This workstation's data folder (its default profile, the list of the practices
    opened in the window) in a folder of this run's own: no test writes into the user's
    own, and none reads what a real Permanence left there."""
    base = tempfile.mkdtemp(prefix="permanence-data-")
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = base
    yield
    if before is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = before
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    """Every test starts in French (the product's default) and leaves French behind."""
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def mount():
    """``mount(target, *options)``: a real mount, undone at teardown; skips the test
    where mounting is not permitted."""
    done: list[Path] = []

    def run(target: Path, *options: str) -> None:
        result = subprocess.run(["mount", *options, str(target)], capture_output=True,
                                text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount here: {result.stderr.strip()}")
        done.append(target)

    yield run
    for target in reversed(done):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.fixture
def fast_kdf() -> KdfParams:
    return FAST_KDF


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def passphrase() -> str:
    return PASSPHRASE


@pytest.fixture
def practice_factory(tmp_path, fast_kdf, clock) -> Iterator[Callable[..., NewPractice]]:
    """``practice_factory(name="...", clock=..., passphrase=...)`` -> NewPractice (open).

    Each call makes a new profile folder under tmp_path. Workspaces still open at
    teardown are closed; a test that closes one itself must not close it twice.
    """
    made: list[Workspace] = []

    def make(name: str = "profile", *, clock=clock, passphrase: str | None = PASSPHRASE,
             keychain=None) -> NewPractice:
        root = tmp_path / name
        n = 1
        while root.exists():
            n += 1
            root = tmp_path / f"{name}-{n}"
        created = practice_from_template(ProfilePaths(root), TEST_PRACTICE,
                                         passphrase=passphrase, keychain=keychain, clock=clock,
                                         kdf=fast_kdf)
        made.append(created.workspace)
        return created

    yield make
    for ws in made:
        if is_open(ws):
            ws.close()


def shared_practice(tmp_path_factory, name: str = "shared") -> Workspace:
    """``practice_factory()``'s practice, open, for a module or session fixture whose
    tests only read it (a test that writes takes ``workspace``); the fixture closes it."""
    root = tmp_path_factory.mktemp(name) / "profile"
    return practice_from_template(ProfilePaths(root), TEST_PRACTICE, passphrase=PASSPHRASE,
                                  clock=FrozenClock(FROZEN_AT), kdf=FAST_KDF).workspace


@pytest.fixture
def new_practice(practice_factory) -> NewPractice:
    return practice_factory()


@pytest.fixture
def workspace(new_practice) -> Workspace:
    """A fresh, open practice (passphrase ``correct horse``), closed at teardown."""
    return new_practice.workspace


def is_open(ws: Workspace) -> bool:
    return ws.profile._lock._lock.is_locked  # noqa: SLF001 - teardown bookkeeping only


def snapshot(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``root`` (recursively)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def profile_snapshot() -> Callable[[Path], dict[str, str]]:
    return snapshot



def assert_french(render: Callable[[], str], *fragments: str) -> str:
    """``render()`` (e.g. ``lambda: exc.user_message``) speaks French, not English.

    It is rendered in English too: the two must differ, so an untranslated catalogue
    fails here. ``fragments``: at least one must appear (case-insensitive): the words a
    French reader needs to see, e.g. "phrase de passe". Returns the French text.
    """
    i18n.set_language("fr")
    french_text = render()
    i18n.set_language("en")
    try:
        english_text = render()
    finally:
        i18n.set_language("fr")
    assert french_text.strip(), "empty user message"
    assert french_text != english_text, (
        f"message not translated to French (translations/fr catalogue): {french_text!r}")
    lowered = french_text.lower()
    assert any(f.lower() in lowered for f in fragments), (
        f"none of {fragments!r} in the French message {french_text!r}")
    return french_text


@pytest.fixture
def french_message() -> Callable[..., str]:
    return assert_french
