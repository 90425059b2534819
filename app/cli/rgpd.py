"""``permanence rgpd export`` and ``permanence rgpd erase``: the patient's rights.

``export`` writes everything the practice holds about one patient to a JSON file and,
with ``--pdf``, a readable PDF (drawn by Qt, imported only then); ``erase`` removes the
patient's personal data for good, or refuses with the reason when the practice's rule
keeps the patient. Both are the owner's (exit 7 for another account).
"""

from __future__ import annotations

from pathlib import Path

from app.clock import SystemClock
from app.i18n import _


def _help() -> str:
    return _("Exit status: 0 done, 2 refused (a file that exists without --force, a "
             "folder missing, a retention duty keeps the patient: the reason is printed), "
             "3 wrong or missing passphrase, 5 the disk refused the write, 7 not the owner.")


def register(sub, common) -> None:
    rgpd = sub.add_parser("rgpd", help=_("the patient's rights: export everything held "
                                         "about a patient, or erase it"), description=_help())
    common(rgpd, top=False)
    actions = rgpd.add_subparsers(dest="rgpd_command", required=True)

    export = actions.add_parser("export", help=_("write everything held about one patient "
                                "to OUT.json (and a readable PDF with --pdf)"),
                                description=_help())
    common(export, top=False)
    export.add_argument("--patient", required=True, metavar="ID")
    export.add_argument("--pdf", type=Path, metavar="OUT.pdf",
                        help=_("also write a readable PDF"))
    export.add_argument("--force", action="store_true", help=_("replace existing files"))
    export.add_argument("out", type=Path, metavar="OUT.json")
    export.set_defaults(handler=cmd_export)

    erase = actions.add_parser("erase", help=_("erase a patient's personal data for good, "
                               "where no retention duty applies"), description=_help())
    common(erase, top=False)
    erase.add_argument("--patient", required=True, metavar="ID")
    erase.add_argument("--reason", required=True, metavar="TEXT",
                       help=_("why (recorded in the audit trail)"))
    erase.set_defaults(handler=cmd_erase)

    record = actions.add_parser("record", help=_("write the record of processing "
                                "(registre des traitements) to OUT.md, a starting point "
                                "for the practice's RGPD file"), description=_help())
    common(record, top=False)
    record.add_argument("--force", action="store_true", help=_("replace an existing file"))
    record.add_argument("out", type=Path, metavar="OUT.md")
    record.set_defaults(handler=cmd_record)


def _open(args):
    from app.cli import _profile_paths, headless_key
    from app.services.workspace import open_workspace
    from app.storage.keychain import Keychain

    paths = _profile_paths(args)
    return open_workspace(paths, headless_key(paths, args), clock=SystemClock(),
                          keychain=Keychain())


def cmd_export(args) -> int:
    from app.cli import _export_refused, _out_path, say
    from app.services.exporting import ExportError

    out = _out_path(args.out)
    pdf = _out_path(args.pdf) if args.pdf else None
    render = None
    if pdf is not None:
        from app.ui.rgpd_pdf import render_dossier_pdf as render
    ws = _open(args)
    try:
        ws.rights.export(args.patient, out, pdf_path=pdf, render_pdf=render,
                         overwrite=args.force)
    except ExportError as exc:
        raise _export_refused(exc) from exc
    finally:
        ws.close()
    say(out)
    if pdf is not None:
        say(pdf)
    return 0


def cmd_record(args) -> int:
    from app.cli import _export_refused, _out_path, say
    from app.services.exporting import ExportError

    out = _out_path(args.out)
    ws = _open(args)
    try:
        ws.retention.export_record(out, overwrite=args.force)
    except ExportError as exc:
        raise _export_refused(exc) from exc
    finally:
        ws.close()
    say(out)
    return 0


def cmd_erase(args) -> int:
    from app.cli import say

    ws = _open(args)
    try:
        result = ws.rights.erase(args.patient, args.reason)
    finally:
        ws.close()
    say(_("The patient's personal data was erased ({rows} records; {entries} older copies "
          "removed from the change journal). Backups made before keep it until they are "
          "rotated away.").format(rows=result.rows, entries=result.journal_entries))
    return 0
