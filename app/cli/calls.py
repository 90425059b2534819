"""``permanence call …``, ``lookup``, ``kpi`` and ``export calls``: the call log headless.

The phone system's events (``call ringing|outgoing|answered|ended``) and ``lookup`` go to the
application when it runs on the profile (``app.services.calls.channel``: it holds the
profile, and answers with the principal of the person signed in there), else open the
profile like any command and record the call themselves. Each
prints what it did on one line; ``ringing`` prints the call id to give the next events
(the ``--id`` given, or the call's own). ``lookup`` answers a PBX's caller-name query
(``--format json``: only JSON on the standard output). ``kpi`` prints the indicators
(``app.services.calls.indicators``). Refusals are exit code 2 and write nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

from app import i18n
from app.cli import UsageError, _out_path, _profile_paths, headless_key, parse_day, say
from app.clock import SystemClock
from app.errors import ExitCode, PermanenceError
from app.i18n import _, ngettext
from app.models.text import clean_name, one_line


def register(sub, common) -> None:
    call = sub.add_parser("call", help=_("record the events a phone system sends: a call "
                                       "ringing, answered, ended"))
    common(call, top=False)
    events = call.add_subparsers(dest="event", required=True,
                                 metavar="ringing|outgoing|answered|ended")
    ringing = events.add_parser(
        "ringing", help=_("a call rings: records it and identifies the caller; prints the "
                        "call id for the next events"),
        description=_("Exit status: 0 recorded, 2 refused (a malformed number, a call id "
                    "still ringing). A withheld number (anonymous, masqué, empty) is "
                    "recorded as an unknown caller."))
    common(ringing, top=False)
    ringing.add_argument("--from", dest="number", required=True, metavar="NUMBER",
                         help=_("the caller's number, in any format, or empty when withheld"))
    ringing.add_argument("--to", dest="line", default=None, metavar="NUMBER",
                         help=_("the practice's number that was called"))
    ringing.add_argument("--id", dest="call_id", default=None, metavar="CALL_ID",
                         help=_("the phone system's id of the call"))
    ringing.set_defaults(handler=cmd_ringing)
    outgoing = events.add_parser(
        "outgoing", help=_("the phone system dials out: records the outgoing call, or joins "
                           "it to the call just dialled from Permanence to that number; "
                           "prints the call id for the next events"),
        description=_("Exit status: 0 recorded, 2 refused (a malformed number, a call id "
                      "still ringing). A report within 2 minutes of a dial from Permanence "
                      "to the same number is that call: the phone system's times replace "
                      "Permanence's."))
    common(outgoing, top=False)
    outgoing.add_argument("--to", dest="number", required=True, metavar="NUMBER",
                          help=_("the number dialled, in any format"))
    outgoing.add_argument("--from", dest="line", default=None, metavar="NUMBER",
                          help=_("the practice's line it is dialled from"))
    outgoing.add_argument("--id", dest="call_id", default=None, metavar="CALL_ID",
                          help=_("the phone system's id of the call"))
    outgoing.set_defaults(handler=cmd_outgoing)
    for name, handler, text in (
            ("answered", cmd_answered, "the call is answered (by this profile's user)"),
            ("ended", cmd_ended, "the call ends; unanswered, it is a missed call and goes "
                                 "on the callback list")):
        parser = events.add_parser(
            name, help=text,
            description=_("Exit status: 0 recorded, 2 refused (an unknown call id, an event "
                        "out of order)."))
        common(parser, top=False)
        parser.add_argument("--id", dest="call_id", required=True, metavar="CALL_ID",
                            help=_("the call id given to (or printed by) 'call ringing'"))
        parser.set_defaults(handler=handler)

    lookup = sub.add_parser("lookup", help=_("who has this number: patients and directory "
                                           "contacts (a phone system's caller-name lookup)"))
    common(lookup, top=False)
    lookup.add_argument("number", metavar="NUMBER")
    lookup.add_argument("--format", choices=("text", "json"), default="text",
                        help=_("json: a list of matches (kind, id, name), and nothing else on "
                             "the standard output"))
    lookup.set_defaults(handler=cmd_lookup)

    dial = sub.add_parser(
        "dial", help=_("dial a number in the running Permanence (the tel: link handler; "
                       "'permanence tel:NUMBER' works too)"),
        description=_("Exit status: 0 handed to Permanence, 2 refused (no number in the "
                      "URI), 4 the running Permanence is locked."))
    common(dial, top=False)
    dial.add_argument("uri", metavar="URI", help=_("tel:+33612345678, or a number"))
    dial.set_defaults(handler=cmd_dial)

    kpi = sub.add_parser("kpi", help=_("the call indicators over a range of days (see README, "
                                     "Indicateurs)"))
    common(kpi, top=False)
    kpi.add_argument("--from", dest="first", required=True, metavar="DATE",
                     help=_("first day, yyyy-mm-dd or dd/mm/yyyy"))
    kpi.add_argument("--to", dest="last", required=True, metavar="DATE",
                     help=_("last day (included)"))
    kpi.add_argument("--practitioner", metavar="ID",
                     help=_("only this practitioner's calls and callbacks"))
    kpi.add_argument("--format", choices=("json", "csv"), required=True)
    kpi.add_argument("--force", action="store_true", help=_("replace OUT if it exists"))
    kpi.add_argument("out", type=Path, nargs="?", metavar="OUT",
                     help=_("write to this file instead of the standard output"))
    kpi.set_defaults(handler=cmd_kpi)


def _open(args):
    from app.services.workspace import open_workspace

    paths = _profile_paths(args)
    return open_workspace(paths, headless_key(paths, args), clock=SystemClock())


def _print(lines, file=None) -> None:
    """Lines of a reply: each on one terminal line, the tabs of a lookup's fields kept."""
    for line in lines:
        print("\t".join(one_line(part) for part in str(line).split("\t")), file=file)


class NotRunning(PermanenceError):
    """A call to route by its line, and no window running to take it."""

    code = "not_running"
    exit_code = ExitCode.NOT_RUNNING

    def __init__(self, line: str, name: str = "", root: Path | None = None) -> None:
        super().__init__(line)
        self.line, self.name, self.root = line, name, root

    @property
    def user_message(self) -> str:
        if self.root is not None:
            return _("Permanence is not running: this call on {line} would have gone to "
                     "the practice {practice} ({path}). Nothing was recorded; start "
                     "Permanence, or give --profile to record it there.").format(
                         line=self.line, practice=self.name, path=self.root)
        return _("Permanence is not running, and no practice of this workstation declares "
                 "the line {line}. Nothing was recorded; give --profile to record the call "
                 "in a practice.").format(line=self.line or "?")


def _routed(args, request: dict) -> dict | None:
    """Without --profile, a phone system's event goes to the running window, which
    routes it by the line rung among the practices it holds. Without a window, a ringing
    on a workstation whose practices declared lines is not recorded: the command says
    which practice would have taken it (``NotRunning``). None: the event goes to the
    default profile, as on a workstation of one practice."""
    from app.services.calls.channel import ask_window
    from app.services.practice_lines import (
        known_profiles,
        normalise_line,
        profile_lines,
        route_offline,
    )

    if getattr(args, "profile", None) or getattr(args, "demo", False) \
            or request["op"] not in ("ringing", "answered", "ended"):
        return None
    answer = ask_window({**request, "language": i18n.current_language()})
    if answer is not None or request["op"] != "ringing":
        return answer
    profiles = known_profiles()
    if not any(profile_lines(root) for root in profiles):
        return None
    routed = route_offline(request.get("line"), profiles)
    line = normalise_line(request.get("line")) or clean_name(request.get("line") or "")
    raise NotRunning(line, clean_name(routed.name), routed.root)


def _run(args, request: dict) -> int:
    """To the application running on the profile if there is one (it holds the profile
    locked), else on the profile opened here; the same output and exit code either way."""
    from app.services.calls.channel import ask_app
    from app.services.calls.phone_link import perform

    paths = _profile_paths(args)
    answer = _routed(args, request)
    if answer is None:
        answer = ask_app(paths.root, {**request, "language": i18n.current_language()})
    if answer is None:
        ws = _open(args)
        try:
            answer = perform(ws, request)
        finally:
            ws.close()
    _print(answer["stdout"])
    _print(answer["stderr"], file=sys.stderr)
    return answer["exit"]


def cmd_ringing(args) -> int:
    return _run(args, {"op": "ringing", "number": args.number, "line": args.line,
                       "call_id": args.call_id})


def cmd_outgoing(args) -> int:
    return _run(args, {"op": "ringing", "direction": "out", "number": args.number,
                       "line": args.line, "call_id": args.call_id})


def cmd_answered(args) -> int:
    return _run(args, {"op": "answered", "call_id": args.call_id})


def cmd_ended(args) -> int:
    return _run(args, {"op": "ended", "call_id": args.call_id})


def cmd_lookup(args) -> int:
    return _run(args, {"op": "lookup", "number": args.number, "format": args.format})


def cmd_dial(args) -> int:
    """To the running application; without one, the application starts (the sign-in
    first) and dials once its window is up."""
    from app.services.calls.channel import ask_app
    from app.services.calls.dialing import number_from_uri

    number_from_uri(args.uri)  # a refusal before anything starts
    answer = ask_app(_profile_paths(args).root, {"op": "dial", "uri": args.uri,
                                                 "language": i18n.current_language()})
    if answer is None:
        from app.cli import cmd_gui

        return cmd_gui(args, dial=args.uri)
    _print(answer["stdout"])
    _print(answer["stderr"], file=sys.stderr)
    return answer["exit"]


_VALUED = frozenset({"--profile", "--passphrase-file", "--user", "--recovery-key-file",
                     "--language"})


def tel_argv(argv: list[str]) -> list[str]:
    """``permanence tel:URI`` (how a system hands a tel: link over) is ``dial tel:URI``:
    the link in the place of the command (after the general options), nowhere else."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in _VALUED else 1
    if i < len(argv) and argv[i].lower().startswith("tel:"):
        return argv[:i] + ["dial"] + argv[i:]
    return argv


def _kpi_text(values: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(values, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(values)
    writer.writerow("" if v is None else v for v in values.values())
    return out.getvalue()


def cmd_kpi(args) -> int:
    from app.models import Practitioner
    from app.services import access
    from app.services.calls import indicators
    from app.services.exporting import ExportError
    from app.services.exporting.files import TempFile, check_file_destination

    first, last = parse_day("--from", args.first), parse_day("--to", args.last)
    if first > last:
        raise UsageError(_("--from {first} is after --to {last}.").format(
            first=first.isoformat(), last=last.isoformat()))
    out = _out_path(args.out) if args.out else None
    ws = _open(args)
    try:
        ws.require(access.REPORTS)
        if args.practitioner:
            with ws.store.reader() as s:
                p = s.get(Practitioner, args.practitioner)
            if p is None or p.deleted_at is not None:
                raise UsageError(_("No practitioner has the id {id}.").format(
                    id=clean_name(args.practitioner)),
                    _("'permanence practitioners' lists the ids."))
        values = indicators(ws.store, ws.zone, first, last, now=ws.clock.now(),
                            practitioner_id=args.practitioner)
        text = _kpi_text(values, args.format)
        if out is None:
            sys.stdout.write(text)
            return 0
        from app.cli import _export_refused

        try:
            check_file_destination(out, protected=ws.paths.root, overwrite=args.force)
            temp = TempFile(out, overwrite=args.force)
            try:
                with open(temp.path, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
                temp.place()
            except BaseException:
                temp.discard()
                raise
        except ExportError as exc:
            raise _export_refused(exc) from exc
    finally:
        ws.close()
    say(_("Indicators written to {path}.").format(path=out))
    return 0


def cmd_export_calls(args) -> int:
    """``permanence export calls --from D --to D OUT.csv`` (from ``cmd_export``)."""
    from app.cli import _export_refused
    from app.services.calls.export import CallExporter
    from app.services.exporting import ExportError

    if args.format not in (None, "csv") or args.one_per_contact or args.practitioner \
            or args.patient_names or args.include_cancelled:
        raise UsageError(_("export calls writes CSV: leave out --format vcard, "
                           "--one-per-contact, --practitioner, --patient-names and "
                           "--include-cancelled."))
    if not (args.first and args.last):
        raise UsageError(_("export calls needs --from DATE and --to DATE."))
    first, last = parse_day("--from", args.first), parse_day("--to", args.last)
    if first > last:
        raise UsageError(_("--from {first} is after --to {last}.").format(
            first=first.isoformat(), last=last.isoformat()))
    out = _out_path(args.out)
    ws = _open(args)
    try:
        exporter = CallExporter(ws.store, actor_id=ws.user_id, clock=ws.clock, zone=ws.zone,
                                principal=ws.principal)
        result = exporter.export(out, first=first, last=last, overwrite=args.force)
    except ExportError as exc:
        raise _export_refused(exc) from exc
    finally:
        ws.close()
    say(ngettext("{n} call exported to {path} (CSV).", "{n} calls exported to {path} (CSV).",
                 result.rows).format(n=i18n.format_number(result.rows), path=out))
    return 0
