"""``permanence report day``: the day report ("Compte rendu de la journée") as a PDF.

``report day --date D [--practitioner ID] OUT.pdf``: one practitioner's day, or the
whole practice's without ``--practitioner``. The PDF is readable by its owner only,
never written in the profile folder or through a link, and an existing file is
replaced only with ``--force``. Exit status: 0 written; 2 refused (a date that is not
one or has not come yet, an unknown practitioner, an existing file), nothing written;
5 the disk refused the file; 7 the account may not read reports or print.
"""

from __future__ import annotations

from pathlib import Path

from app.clock import SystemClock
from app.i18n import _, ngettext


def register(sub, common) -> None:
    report = sub.add_parser("report", help=_("the practice's reports: the day report (PDF)"))
    common(report, top=False)
    kinds = report.add_subparsers(dest="report_kind", required=True, metavar="day")
    day = kinds.add_parser(
        "day", help=_("the day report of a practitioner or of the whole practice, as a PDF "
                    "readable by its owner only"),
        description=_("Exit status: 0 written; 2 refused (a date that is not one or has not "
                    "come yet, an unknown practitioner, an existing file without --force), "
                    "nothing written; 5 the disk refused the file; 7 access denied."))
    common(day, top=False)
    day.add_argument("--date", dest="day", required=True, metavar="DATE",
                     help=_("the day, yyyy-mm-dd or dd/mm/yyyy"))
    day.add_argument("--practitioner", metavar="ID",
                     help=_("this practitioner's day ('permanence practitioners' lists the "
                          "ids); without it, the whole practice"))
    day.add_argument("--force", action="store_true", help=_("replace OUT.pdf if it exists"))
    day.add_argument("out", type=Path, metavar="OUT.pdf")
    day.set_defaults(handler=cmd_report_day)


def cmd_report_day(args) -> int:
    from app.cli import (
        UsageError,
        _export_refused,
        _out_path,
        _profile_paths,
        headless_key,
        parse_day,
        say,
    )
    from app.models.text import clean_name
    from app.services import access
    from app.services.calls.day_report import UnknownPractitioner
    from app.services.exporting import ExportError
    from app.services.workspace import open_workspace

    day = parse_day("--date", args.day)
    out = _out_path(args.out)
    paths = _profile_paths(args)
    ws = open_workspace(paths, headless_key(paths, args), clock=SystemClock())
    try:
        ws.require(access.REPORTS)
        ws.require(access.PRINT)
        ws.require(access.EXPORT)  # a file written
        today = ws.zone.today(ws.clock.now())
        if day > today:
            raise UsageError(_("--date {day}: that day has not come yet (today is {today}).")
                             .format(day=day.isoformat(), today=today.isoformat()))
        try:
            report = ws.day_reports.build(day, practitioner_id=args.practitioner or None)
        except UnknownPractitioner as exc:
            raise UsageError(exc.user_message,
                             _("'permanence practitioners' lists the ids.")) from exc
        # Qt only now, and without a display: the document is laid out offscreen.
        from app.ui.calls.report_pdf import ensure_gui, write_report_pdf

        ensure_gui()
        try:
            pages = write_report_pdf(ws, report, out, overwrite=args.force)
        except ExportError as exc:
            raise _export_refused(exc) from exc
    finally:
        ws.close()
    say(ngettext("Day report of {day} written to {path} ({n} page).",
                 "Day report of {day} written to {path} ({n} pages).", pages).format(
        day=day.isoformat(), path=clean_name(str(out)), n=pages))
    return 0
