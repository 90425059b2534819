"""``permanence retention apply [--dry-run]``: the practice's retention rules, now.

With ``--dry-run`` nothing is changed: the patients that would be erased are listed
(id and name, one a line), then what else would be removed. The owner's (exit 7 for
another account).
"""

from __future__ import annotations

from app.clock import SystemClock
from app.i18n import _, ngettext


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


def summary_lines(summary) -> list[str]:
    """The summary in the user's language, one line per kind of record."""
    counts = [
        ngettext("{n} patient without activity", "{n} patients without activity",
                 len(summary.patients)).format(n=len(summary.patients)),
        ngettext("{n} call", "{n} calls", summary.calls).format(n=summary.calls),
        ngettext("{n} callback", "{n} callbacks", summary.callbacks).format(
            n=summary.callbacks),
        ngettext("{n} message", "{n} messages", summary.messages).format(n=summary.messages),
        ngettext("{n} old change compacted in the journal",
                 "{n} old changes compacted in the journal", summary.journal_entries).format(
                     n=summary.journal_entries),
        ngettext("{n} audit entry summarised", "{n} audit entries summarised",
                 summary.audit_entries).format(n=summary.audit_entries),
    ]
    head = (_("The retention rules would remove:") if summary.dry_run
            else _("The retention rules removed:"))
    return [head, *("  " + line for line in counts)]


def cmd_apply(args) -> int:
    from app.cli import _profile_paths, headless_key, say
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
