"""Whether a window can be shown here (no Qt import: asked before Qt loads)."""

from __future__ import annotations

import os
import sys

from app.i18n import _

# dev.py sets this so hints show the command the user actually types.
COMMAND_ENV = "PERMANENCE_COMMAND"


def display_problem(profile_dir: str) -> str | None:
    """Why no window can be shown here, with the way to see the screens instead; or None."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if not sys.platform.startswith("linux"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    command = os.environ.get(COMMAND_ENV) or "permanence"
    return _(
        "No display is available on this machine, so the Permanence window cannot open.\n"
        "To look at the application without a display, render its screens to images:\n"
        "    {command} screenshot --profile {profile} {out}\n"
        "then open the PNG files in {out}."
    ).format(command=command, profile=profile_dir, out="permanence-screens")
