"""The screens read and write through the services (which check the signed-in person's
rights and audit reads), never through the store themselves."""

from __future__ import annotations

import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "app" / "ui"
STORE = re.compile(r"\.store\b|\bStore\b|\.profile\.store|raw_connection\(")


def test_no_screen_holds_the_store():
    offenders = [f"{path.relative_to(UI)}:{n}" for path in sorted(UI.rglob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if STORE.search(line)]
    assert offenders == []
