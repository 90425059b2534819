"""``permanence audit``: check the audit trail against its signed checkpoints, export it.

``audit verify`` exits 0 when the trail is whole and 1 (``ExitCode.CHECK_FAILED``)
naming the first entry broken or missing otherwise; ``audit export`` writes the
entries of a period (optionally of one patient) to a CSV file readable by its owner
only, with the rules of every export (never in the profile folder, never through a
link, an existing file replaced only with ``--force``).
"""

from __future__ import annotations

from pathlib import Path

from app import i18n
from app.clock import SystemClock
from app.errors import ExitCode
from app.i18n import _, ngettext


def register(sub, common) -> None:
    audit = sub.add_parser("audit", help=_("check or export the audit trail"))
    common(audit, top=False)
    actions = audit.add_subparsers(dest="audit_command", required=True)

    verify = actions.add_parser("verify", help=_("check the audit trail against its signed "
                                "checkpoints; exit 1 naming the first broken or missing entry"))
    common(verify, top=False)
    verify.set_defaults(handler=cmd_verify)

    export = actions.add_parser("export", help=_("write the audit trail of a period to a CSV "
                                "file (owner-only)"))
    common(export, top=False)
    export.add_argument("--from", dest="first", required=True, metavar="DATE")
    export.add_argument("--to", dest="last", required=True, metavar="DATE")
    export.add_argument("--patient", metavar="ID", help=_("only the entries of this patient"))
    export.add_argument("--force", action="store_true", help=_("replace an existing file"))
    export.add_argument("out", type=Path, metavar="OUT.csv")
    export.set_defaults(handler=cmd_export)


def _open(args):
    from app.cli import _profile_paths, headless_key
    from app.services.workspace import open_workspace
    from app.storage.keychain import Keychain

    paths = _profile_paths(args)
    return open_workspace(paths, headless_key(paths, args), clock=SystemClock(),
                          keychain=Keychain())


def cmd_verify(args) -> int:
    from app.cli import say
    from app.services.audit_trail import describe

    ws = _open(args)
    try:
        report = ws.audit_trail.verify()
    finally:
        ws.close()
    if report.ok:
        say(_("Audit trail intact: {detail}.").format(detail=describe(report)))
        return ExitCode.OK
    say(_("Audit trail damaged: {detail}.").format(detail=describe(report)))
    return ExitCode.CHECK_FAILED


def cmd_export(args) -> int:
    from app.cli import UsageError, _export_refused, _out_path, parse_day, say
    from app.services.audit_trail import TrailFilter
    from app.services.exporting import ExportError

    first, last = parse_day("--from", args.first), parse_day("--to", args.last)
    if first > last:
        raise UsageError(_("--from {first} is after --to {last}.").format(
            first=first.isoformat(), last=last.isoformat()))
    out = _out_path(args.out)
    ws = _open(args)
    try:
        rows = ws.audit_trail.export_csv(
            out, TrailFilter(patient=args.patient or None, first=first, last=last),
            overwrite=args.force)
    except ExportError as exc:
        raise _export_refused(exc) from exc
    finally:
        ws.close()
    say(ngettext("{n} audit entry exported to {path}.", "{n} audit entries exported to {path}.",
                 rows).format(n=i18n.format_number(rows), path=out))
    return ExitCode.OK
