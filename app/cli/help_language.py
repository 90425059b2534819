"""The command line's help and usage errors in the user's language.

The language is read before the parser is built (``--language`` anywhere on the line,
else this workstation's choice), so the help strings, wrapped in ``_()``, are
translated as they are added. argparse's own words ("usage:", "options", its error
messages) come from its module-level ``gettext`` calls: they are sent through our
catalogue, which holds the French of those listed in ``argparse_messages``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app import i18n
from app.i18n import _, ngettext


def early_language(argv: list[str], settings_language) -> str:
    """The language of this run from ``argv`` alone (``--language`` and ``--profile``,
    wherever they are), before the full parser exists. ``settings_language(profile,
    demo)`` gives the workstation's choice; a value argparse will refuse is ignored
    here (the full parser says so, in the workstation's language)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--language")
    early.add_argument("--profile", type=Path)
    early.add_argument("--demo", action="store_true")
    try:
        known, _rest = early.parse_known_args(argv)
    except SystemExit:  # "--language" with nothing after it: the full parser will say
        known = argparse.Namespace(language=None, profile=None, demo=False)
    if known.language in i18n.SUPPORTED_LANGUAGES:
        return known.language
    try:
        return settings_language(known.profile, known.demo) or i18n.DEFAULT_LANGUAGE
    except (OSError, ValueError):
        return i18n.DEFAULT_LANGUAGE


def translate_argparse() -> None:
    """argparse's own messages through our catalogue (looked up when they are shown)."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def argparse_messages() -> tuple[str, ...]:
    """argparse's messages a user meets, as they read in the current language (listed
    here so the catalogue holds them)."""
    return (
        _("usage: "),
        _("positional arguments"),
        _("options"),
        _("show this help message and exit"),
        _("%(prog)s: error: %(message)s\n"),
        _("argument %(argument_name)s: %(message)s"),
        _("the following arguments are required: %s"),
        _("unrecognized arguments: %s"),
        _("invalid choice: %(value)r (choose from %(choices)s)"),
        _("invalid %(type)s value: %(value)r"),
        _("expected one argument"),
        _("ambiguous option: %(option)s could match %(matches)s"),
        _("not allowed with argument %s"),
        _("one of the arguments %s is required"),
    )
