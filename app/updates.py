"""Which version of Permanence this is, and how a workstation gets the next one."""

from __future__ import annotations

import sys

from app import installed_version
from app.i18n import _


def is_standalone() -> bool:
    """True in the standalone application (PyInstaller sets ``sys.frozen``)."""
    return bool(getattr(sys, "frozen", False))


def version_text() -> str:
    return _("Permanence {version}").format(version=installed_version())


def how_to_update(standalone: bool | None = None) -> str:
    """The way this copy is updated: the installed application is replaced by the newer
    one; a copy installed with pip is upgraded in its environment."""
    if standalone is None:
        standalone = is_standalone()
    if standalone:
        how = _("To update, close Permanence and install the newer version over this one, "
                "the way this one was installed (its installer, or its folder replaced).")
    else:
        how = _("To update, close Permanence and install the newer version with pip in the "
                "Python environment it runs from (pip install --upgrade).")
    return how + " " + _("The practices stay in their profile folders; each database is "
                         "backed up before the newer version upgrades it.")
