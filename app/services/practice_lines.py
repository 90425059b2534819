"""The practices of this workstation and the phone lines each declares, for routing.

A remote secretariat's workstation holds one profile per practice. A call the phone
system announces names the line it rang on (``--to``); the practice that declared that
line takes it. The window asks ``practice_lines(ws)`` of each practice it holds open;
the command line, when no application runs, reads the copies kept in each profile's
workstation settings (``profile_lines``), which need no key.

Where the lines live: in the practice's record (``app.services.calls.lines``), which
copies them into the profile's ``workstation.json`` each time they change, under the key
read here; ``remember_profile`` refreshes that copy (and the practice's name) each time
the window opens the practice. The
profiles of this workstation are listed in ``practices.json`` beside the default
profile (paths only), written when a practice is opened in the window.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from app.services.calls.errors import InvalidCallNumber
from app.services.calls.numbers import WITHHELD, call_number
from app.services.settings import WorkstationSettings
from app.storage import locations
from app.storage.private import make_private_dirs, write_private

REGISTRY = "practices.json"
MAX_PROFILES = 50  # a workstation file read bounded: a secretariat serves a few dozen

# The switcher's colours, light enough for dark text, far enough apart to tell.
PALETTE = ("#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#db2777",
           "#4d7c0f")


def _settings(root: Path) -> WorkstationSettings:
    return WorkstationSettings(Path(root) / "workstation.json")


def normalise_line(raw: str | None) -> str | None:
    """A line as E.164, or None for a withheld, empty or unreadable one."""
    try:
        number = call_number(raw)
    except InvalidCallNumber:
        return None
    return None if number == WITHHELD else number


def _clean(lines) -> list[str]:
    if not isinstance(lines, list):
        return []
    out: list[str] = []
    for raw in lines:
        number = normalise_line(raw) if isinstance(raw, str) else None
        if number and number not in out:
            out.append(number)
    return out


def practice_lines(ws) -> list[str]:
    """The phone lines (E.164) the open practice ``ws`` declares.

    The single place the window reads them: the practice's own record (Réglages ›
    Appels, ``permanence lines``, or received with sync at a workstation)."""
    return ws.practice_lines()


def profile_lines(root: Path) -> list[str]:
    """The lines a profile declared, from its workstation settings: no key needed."""
    return _clean(_settings(root).get("lines"))


def profile_name(root: Path) -> str:
    name = _settings(root).get("practice_name")
    return name if isinstance(name, str) else ""


def remember_profile(root: Path, *, name: str | None = None,
                     lines: list[str] | None = None) -> None:
    """Keep the practice's name and/or lines (normalised) in its workstation settings."""
    settings = _settings(root)
    if name is not None and settings.get("practice_name") != name:
        settings.set("practice_name", name)
    if lines is not None:
        settings.set("lines", _clean(list(lines)))


def practice_colour(root: Path) -> str:
    colour = _settings(root).get("colour")
    return colour if colour in PALETTE else ""


def set_practice_colour(root: Path, colour: str) -> None:
    if colour not in PALETTE:
        raise ValueError(colour)
    _settings(root).set("colour", colour)


def first_free_colour(taken: list[str]) -> str:
    for colour in PALETTE:
        if colour not in taken:
            return colour
    return PALETTE[len(taken) % len(PALETTE)]


# -- the workstation's profiles ----------------------------------------------------
def registry_path() -> Path:
    return locations.current().root / REGISTRY


def known_profiles() -> list[Path]:
    """The profiles opened in the window on this workstation, that are still there."""
    try:
        with open(registry_path(), "rb") as fh:
            raw = json.loads(fh.read(256 * 1024).decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return []
    paths = raw.get("profiles") if isinstance(raw, dict) else None
    if not isinstance(paths, list):
        return []
    found: list[Path] = []
    for value in paths[:MAX_PROFILES]:
        if isinstance(value, str) and Path(value).is_absolute():
            path = Path(value)
            if (path / "permanence.db").is_file() and path not in found:
                found.append(path)
    return found


def register_profile(root: Path) -> None:
    """Add a profile to the workstation's list (kept owner-only, written whole)."""
    root = Path(root).resolve()
    profiles = known_profiles()
    if root in profiles:
        return
    profiles.append(root)
    target = registry_path()
    make_private_dirs(target.parent)
    tmp = target.with_name(target.name + ".tmp")
    write_private(tmp, json.dumps({"profiles": [str(p) for p in profiles[-MAX_PROFILES:]]},
                                  indent=2).encode("utf-8"))
    os.replace(tmp, target)


@dataclass(frozen=True)
class Routed:
    """Where a line goes: the profile that declares it (None: no profile does)."""

    root: Path | None
    name: str


def route_offline(line: str | None, profiles: list[Path]) -> Routed:
    """The profile among ``profiles`` that declares ``line``, from their copies."""
    number = normalise_line(line)
    if number:
        for root in profiles:
            if number in profile_lines(root):
                return Routed(root, profile_name(root) or root.name)
    return Routed(None, "")


def owner_of(line: str | None, practices: list[tuple[object, list[str]]]):
    """The practice (the first item of a pair) whose lines hold ``line``; None if no one."""
    number = normalise_line(line)
    if not number:
        return None
    for practice, lines in practices:
        if number in lines:
            return practice
    return None
