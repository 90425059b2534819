"""``permanence retention apply [--dry-run]``: the practice's retention rules, now.

With ``--dry-run`` nothing is changed: the patients that would be erased are listed
(id and name, one a line), then what else would be removed. The owner's (exit 7 for
another account).
"""

from __future__ import annotations

from app.clock import SystemClock
from app.i18n import _


def _help() -> str:
    return _("Exit status: 0 done (or listed, with --dry-run), 3 wrong or missing "
             "passphrase, 5 the disk refused the write, 7 not the owner.")


def register(sub, common) -> None:
    retention = sub.add_parser("retention", help=_("apply the practice's retention rules"),
                               description=_help())
    common(retention, top=False)
    actions = retention.add_subparsers(dest="retention_command", required=True)
    apply = actions.add_parser("apply", help=_("remove what the retention rules no longer "
                               "keep; with --dry-run, list it and change nothing"),
                               description=_help())
    common(apply, top=False)
    apply.add_argument("--dry-run", action="store_true",
                       help=_("list what would be removed, change nothing"))
    apply.set_defaults(handler=cmd_apply)


def cmd_apply(args) -> int:
    from app.cli import _profile_paths, headless_key, say
    from app.services.retention import summary_lines
    from app.services.workspace import open_workspace
    from app.storage.keychain import Keychain

    paths = _profile_paths(args)
    ws = open_workspace(paths, headless_key(paths, args), clock=SystemClock(),
                        keychain=Keychain())
    try:
        summary = ws.retention.apply(dry_run=args.dry_run)
    finally:
        ws.close()
    for pid, name in summary.patients:
        say(f"{pid}\t{name}")
    say(*summary_lines(summary))
    if summary.dry_run:
        say(_("Nothing was changed (--dry-run)."))
    return 0
