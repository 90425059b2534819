"""The new passphrase a command seals (a practice's, an account's): from
``PERMANENCE_NEW_PASSPHRASE`` or ``--new-passphrase-file FILE``, never from the command
line itself, where other users of the computer could read it."""

from __future__ import annotations

import os
from pathlib import Path

from app.i18n import _

NEW_PASSPHRASE_ENV = "PERMANENCE_NEW_PASSPHRASE"


def add_option(parser, help_text: str | None = None) -> None:
    """``--new-passphrase-file FILE`` on ``parser``."""
    parser.add_argument("--new-passphrase-file", type=Path, metavar="FILE", help=help_text or _(
        "read the new passphrase from FILE (or set {env})").format(env=NEW_PASSPHRASE_ENV))


def given(args) -> bool:
    return getattr(args, "new_passphrase_file", None) is not None or bool(
        os.environ.get(NEW_PASSPHRASE_ENV))


def read(args, missing: str) -> str:
    """The new passphrase; ``UsageError(missing)`` when neither gives one."""
    from app.cli import UsageError, _read_secret_file

    path = getattr(args, "new_passphrase_file", None)
    value = (_read_secret_file(path, _("passphrase")) if path
             else os.environ.get(NEW_PASSPHRASE_ENV) or "")
    if not value:
        raise UsageError(missing)
    return value
