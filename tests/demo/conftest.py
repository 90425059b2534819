"""The full-size demo practice, generated once per test process (it takes seconds): the
generator's, the agenda's and the directory's tests only read it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from app.clock import FrozenClock
from app.demo import generate_demo
from app.services.workspace import Workspace
from app.storage.profile import ProfilePaths
from tests.conftest import FAST_KDF

# A Monday, 10:30 in Paris, while the practice is open.
DEMO_AT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
DEMO_SEED = 3


@dataclass(frozen=True)
class SharedDemo:
    ws: Workspace
    elapsed: float  # seconds its generation took


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory) -> SharedDemo:
    """The demo size at DEMO_AT, seed DEMO_SEED, open. Read it only: a test that writes
    generates a practice of its own."""
    started = time.perf_counter()
    ws = generate_demo(ProfilePaths(tmp_path_factory.mktemp("demo") / "cabinet"),
                       clock=FrozenClock(DEMO_AT), kdf=FAST_KDF, seed=DEMO_SEED)
    shared = SharedDemo(ws, time.perf_counter() - started)
    yield shared
    ws.close()
