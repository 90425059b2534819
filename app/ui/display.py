"""Whether a window can be shown here (no Qt import: asked before Qt loads)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from app.i18n import _
from app.ui.x11_support import x11_problem

# dev.py sets this so hints show the command the user actually types.
COMMAND_ENV = "PERMANENCE_COMMAND"


def display_problem(profile_dir: str, environ: Mapping[str, str] | None = None,
                    x11: Callable[[Mapping[str, str]], str | None] = x11_problem) -> str | None:
    """Why no window can be shown here, with what to do instead; or None. ``x11`` says
    what Qt's X11 plugin lacks (its libraries are asked for before Qt aborts on them)."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    if env.get("QT_QPA_PLATFORM"):
        return x11(env)  # only when the platform asked for is X11
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        command = env.get(COMMAND_ENV) or "permanence"
        return _(
            "No display is available on this machine, so the Permanence window cannot open.\n"
            "To look at the application without a display, render its screens to images:\n"
            "    {command} screenshot --profile {profile} {out}\n"
            "then open the PNG files in {out}."
        ).format(command=command, profile=profile_dir, out="permanence-screens")
    return x11(env)
