"""``permanence lines list|add|remove``: the practice's phone lines, the numbers its
calls arrive on (any usual form typed, kept in E.164).

``list`` prints one line a row (E.164, then as dialled in France), or with ``--format
json`` a JSON list of E.164 strings. ``add`` and ``remove`` change them (the practice's
settings: exit 7 for an account that may not change them, and at a remote workstation,
which receives them with sync); a number that is not one exits 2 with nothing changed.
"""

from __future__ import annotations

import json

from app.clock import SystemClock
from app.i18n import _


def _help() -> str:
    return _("Exit status: 0 done, 2 a number that is not one (nothing changed), 3 wrong or "
             "missing passphrase, 7 an account that may not change the practice's settings, "
             "or a remote workstation (the lines are the practice's).")


def register(sub, common) -> None:
    lines = sub.add_parser("lines", help=_("the practice's phone lines: the numbers its calls "
                                           "arrive on"), description=_help())
    common(lines, top=False)
    what = lines.add_subparsers(dest="lines_command", required=True, metavar="list|add|remove")
    listing = what.add_parser("list", help=_("the practice's lines, one per line"),
                              description=_help())
    common(listing, top=False)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(handler=cmd_lines)
    for name, text in (("add", _("add a line (any usual form: 04 78 12 34 56, +33 4…)")),
                       ("remove", _("remove a line"))):
        parser = what.add_parser(name, help=text, description=_help())
        common(parser, top=False)
        parser.add_argument("number", metavar="NUMBER")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.set_defaults(handler=cmd_lines)


def cmd_lines(args) -> int:
    from app.cli import UsageError, _profile_paths, headless_key, say
    from app.services.calls import lines as practice_lines
    from app.services.errors import ValidationError
    from app.services.phones import display_phone
    from app.services.workspace import open_workspace

    paths = _profile_paths(args)
    ws = open_workspace(paths, headless_key(paths, args), clock=SystemClock())
    try:
        if args.lines_command == "list":
            numbers = practice_lines.practice_lines(ws.store)
        else:
            change = (practice_lines.add_line if args.lines_command == "add"
                      else practice_lines.remove_line)
            try:
                numbers = change(ws.store, args.number, principal=ws.principal, paths=paths)
            except ValidationError as exc:
                raise UsageError(*exc.errors.values()) from exc
    finally:
        ws.close()
    if args.format == "json":
        say(json.dumps(numbers))
    elif not numbers:
        say(_("No line declared: 'permanence lines add NUMBER' adds one."))
    else:
        say(*(f"{n}\t{display_phone(n)}" for n in numbers))
    return 0
