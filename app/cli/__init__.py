"""``permanence``: the GUI by default, sub-commands for headless work.

This is the composition root: it reads options, wires concrete parts together and
hands them down. Qt is imported only when a GUI command runs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date
from pathlib import Path

import sqlcipher3
from sqlalchemy.exc import SQLAlchemyError

from app import i18n
from app.i18n import _, ngettext
from app.clock import SystemClock
from app.logging_setup import configure as configure_logging
from app.logging_setup import harden_process, install_excepthook
from app.errors import ExitCode, MessageError, PermanenceError
from app.models.text import clean_name, one_line
from app.services.settings import WorkstationSettings
from app.storage.errors import NoPassphraseError, write_failure
from app.storage.keychain import Keychain
from app.storage import locations
from app.storage.keys import DEMO_PASSPHRASE
from app.storage.profile import (
    ProfilePaths,
    default_profile_dir,
    demo_profile_dir,
    exposure_warning,
    finish_interrupted,
    try_demo_unlock,
)

PASSPHRASE_ENV = "PERMANENCE_PASSPHRASE"
PASSPHRASE_FILE_MAX = 4096  # bytes; far more than any passphrase


class UsageError(MessageError):
    """A command used wrongly (options, dates, files); each argument is one line of the
    message, which says how to fix it."""

    code = "usage"

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def say(*lines: str, file=None) -> None:
    """Print each line as one terminal line: text from users and files may hold line
    breaks, tabs, escape sequences or bidirectional overrides that would forge output."""
    for line in lines:
        print(one_line(str(line)), file=file)


# -- options --------------------------------------------------------------------------
def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--profile", type=Path, default=default, metavar="DIR",
                        help=_("profile folder to use instead of the per-user default"))
    parser.add_argument("--passphrase-file", type=Path, default=default, metavar="FILE",
                        help=_("read the passphrase from FILE (or set {env})").format(
                            env=PASSPHRASE_ENV))
    parser.add_argument("--user", default=default, metavar="NAME",
                        help=_("act as the account NAME, with its own passphrase (default: "
                               "the practice owner)"))
    parser.add_argument("--recovery-key-file", type=Path, default=default, metavar="FILE",
                        help=_("open with the recovery key read from FILE (the owner only)"))
    parser.add_argument("--emergency", default=default, metavar="REASON",
                        help=_("in an emergency, do what your role may not for this command, "
                               "saying why (recorded, shown to the owner)"))
    parser.add_argument("--verbose", action="store_true", default=default,
                        help=_("also log to the terminal (never patient data)"))
    parser.add_argument("--language", choices=i18n.SUPPORTED_LANGUAGES, default=default,
                        help=_("the language for this run, instead of the one chosen in "
                               "Settings on this workstation (which stays as it is)"))
    # Read from the command line before parsing (app.storage.locations.wants_portable).
    parser.add_argument(locations.PORTABLE_OPTION, action="store_true", default=default,
                        help=_("keep the practices, settings, logs and temporary files in "
                               "the folder {folder} beside the program, never in this "
                               "computer's user folders (also when a file named {marker} "
                               "is there)").format(folder=locations.PORTABLE_FOLDER,
                                                   marker=locations.PORTABLE_MARKER))


class _VersionAction(argparse.Action):
    """--version: the installed version, looked up only when asked for."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from app import installed_version
        from app.updates import how_to_update

        print(f"{parser.prog} {installed_version()}")
        print(how_to_update())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="permanence",
        description=_("Agenda, call log and patient contacts for medical practices, "
                      "in an encrypted local database."),
    )
    parser.add_argument("--version", action=_VersionAction, help=_("print the version and exit"))
    _common(parser, top=True)
    parser.add_argument("--demo", action="store_true",
                        help=_("open the demo practice (created on first use; passphrase 'demo')"))
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help=_("create a demo practice headless"))
    _common(demo, top=False)
    demo.add_argument("--size", choices=("demo", "large"), default="demo")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--at", metavar="DATETIME",
                      help=_("build the demo around this moment, practice time "
                             "(\"yyyy-mm-dd HH:MM\"), instead of now"))

    init = sub.add_parser("init", help=_("create a practice headless, protected by a passphrase"))
    _common(init, top=False)
    init.add_argument("--practice", required=True, metavar="NAME")
    init.add_argument("--timezone", default="Europe/Paris")
    init.add_argument("--practitioner", metavar="NAME",
                      help="the first practitioner, e.g. 'Dr Claire Morel'")
    # The keys are app.services.agenda.templates.SPECIALTY_KEYS (a test keeps them
    # equal), written out so that parsing the command line does not load the agenda.
    init.add_argument("--specialty", metavar="KEY",
                      help="with --practitioner: create the usual appointment types and "
                           "weekly hours of this specialty for them (one of: general, "
                           "paediatrics, physiotherapy, dentistry, psychology, midwifery, "
                           "speech_therapy, osteopathy, podiatry)")

    check = sub.add_parser("check", help=_("verify encryption, structure, schema and audit trail"))
    _common(check, top=False)

    shot = sub.add_parser("screenshot", help=_("render each main screen to OUT_DIR/*.png"))
    _common(shot, top=False)
    shot.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    shot.add_argument("--force", action="store_true",
                      help=_("replace the screenshots already in OUT_DIR"))
    shot.add_argument("--at", metavar="DATETIME",
                      help=_("stop every clock at this moment, practice time "
                             "(\"yyyy-mm-dd HH:MM\"): the same profile, --at and --language "
                             "give the same images"))

    imp = sub.add_parser("import", help=_("import patients from a CSV file written by another "
                                          "program"))
    _common(imp, top=False)
    imp_what = imp.add_subparsers(dest="what", required=True, metavar="patients")
    imp_patients = imp_what.add_parser(
        "patients", help=_("import patients from FILE.csv (UTF-8 or Windows-1252; ; , or tab)"),
        description=_("Exit status: 0 imported (or, with --dry-run, would be), 2 refused "
                      "(invalid rows without --skip-invalid, unreadable file, not a regular "
                      "file or larger than 200 MB, a file that is UTF-8 but for some lines "
                      "without --encoding, no column recognised)."))
    _common(imp_patients, top=False)
    imp_patients.add_argument("file", type=Path, metavar="FILE.csv")
    imp_patients.add_argument("--dry-run", action="store_true",
                              help=_("check every row and look for duplicates; write nothing"))
    imp_patients.add_argument("--skip-invalid", action="store_true",
                              help=_("import the valid rows and report the others"))
    imp_patients.add_argument("--skip-duplicates", action="store_true",
                              help=_("leave out rows with the birth name, first name and birth "
                                     "date of a recorded patient or of an earlier row"))
    imp_patients.add_argument("--encoding", choices=("utf-8", "cp1252"), default=None,
                              help=_("read FILE in this encoding instead of detecting it: "
                                     "needed for a file that is UTF-8 except on a few lines "
                                     "(utf-8: their stray bytes become \ufffd and the lines "
                                     "are listed; cp1252: the whole file as Windows-1252)"))
    imp_patients.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                              help=_("override the column mapping (FIELD '-' ignores the column), "
                                     "e.g. --map 'Nom JF=birth_name'"))

    listing = sub.add_parser("practitioners", help=_("list the active practitioners, one per "
                                                     "line: id, name, specialty (tab-separated)"))
    _common(listing, top=False)

    export = sub.add_parser("export", help=_("export the patients or the directory to a CSV "
                                             "file (spreadsheets) or vCards (address books), "
                                             "a practitioner's agenda to iCalendar, or the "
                                             "call log to CSV"))
    _common(export, top=False)
    export.add_argument("what", choices=("patients", "directory", "agenda", "calls"))
    export.add_argument("--format", choices=("csv", "vcard"), default=None,
                        help=_("patients and directory: csv (the default) or vcard"))
    export.add_argument("--one-per-contact", action="store_true",
                        help=_("vCard only: OUT is a new or empty folder, one file per contact"))
    agenda = export.add_argument_group(_("agenda (an iCalendar .ics file); calls (--from and "
                                         "--to only)"))
    agenda.add_argument("--practitioner", metavar="ID",
                        help=_("whose agenda (ids from 'permanence practitioners')"))
    agenda.add_argument("--from", dest="first", metavar="DATE",
                        help=_("first day, yyyy-mm-dd or dd/mm/yyyy"))
    agenda.add_argument("--to", dest="last", metavar="DATE",
                        help=_("last day (included), yyyy-mm-dd or dd/mm/yyyy"))
    agenda.add_argument("--patient-names", action="store_true",
                        help=_("write the patients' names (by default, their initials only)"))
    agenda.add_argument("--include-cancelled", action="store_true",
                        help=_("also write cancelled appointments, marked cancelled"))
    export.add_argument("--force", action="store_true",
                        help=_("replace OUT if it exists (never a file of the profile folder)"))
    export.add_argument("out", type=Path, metavar="OUT")
    _register_groups(sub)
    return parser


def _export_refused(exc) -> PermanenceError:
    """An ``ExportError``: bad input (2, with the --force hint for an existing file), or
    the disk refused the file (5)."""
    from app.services.exporting import DestinationExists

    if isinstance(exc, DestinationExists):
        return UsageError(exc.user_message + " " + _("Add --force to replace it."))
    refused = isinstance(exc.__cause__, OSError) and write_failure(exc.__cause__) is not None
    error = UsageError(exc.user_message)
    if refused:
        error.exit_code = ExitCode.CANNOT_WRITE
    return error


def _profile_paths(args) -> ProfilePaths:
    if getattr(args, "profile", None):
        return ProfilePaths(args.profile.expanduser().resolve())
    if getattr(args, "demo", False):
        return ProfilePaths(demo_profile_dir())
    return ProfilePaths(default_profile_dir())


def workstation_settings(args, paths: ProfilePaths) -> WorkstationSettings:
    """This workstation's preferences, with --language (if given) for this run only."""
    language = getattr(args, "language", None)
    return WorkstationSettings(paths.workstation_settings,
                               overrides={"language": language} if language else None)


def given_passphrase(args) -> str | None:
    """From --passphrase-file or the environment; never from the command line itself."""
    path = getattr(args, "passphrase_file", None)
    if path:
        try:
            # Read bounded: a pipe (--passphrase-file <(…)) works, a device never hangs.
            with open(path, "rb") as fh:
                raw = fh.read(PASSPHRASE_FILE_MAX + 1)
            if len(raw) > PASSPHRASE_FILE_MAX:
                raise UsageError(_("The passphrase file {path} is too long to hold a "
                                   "passphrase.").format(path=path))
            # utf-8-sig: a byte-order mark left by a Windows editor is not part of it.
            text = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(_("Cannot read the passphrase file: {path}").format(path=path)) from exc
        return text.rstrip("\r\n")
    value = os.environ.get(PASSPHRASE_ENV)
    return value if value else None


def _read_secret_file(path: Path, what: str) -> str:
    """A secret from a file: bounded (a pipe works, a device never hangs), a byte-order
    mark and the final line break are not part of it."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(PASSPHRASE_FILE_MAX + 1)
        if len(raw) > PASSPHRASE_FILE_MAX:
            raise UsageError(_("The file {path} is too long to hold a {what}.").format(
                path=path, what=what))
        return raw.decode("utf-8-sig").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(_("Cannot read the file {path}.").format(path=path)) from exc


def default_account(args, paths: ProfilePaths) -> str | None:
    """The account to sign in as: --user, else the one this workstation's settings name
    (a remote workstation's, set when it joined its practice), else None: the owner."""
    from app.models.user import LOGIN_PATTERN

    given = getattr(args, "user", None)
    if given:
        return given
    account = workstation_settings(args, paths).get("account")
    return account if isinstance(account, str) and LOGIN_PATTERN.fullmatch(account) else None


def headless_key(paths: ProfilePaths, args) -> bytes:
    """The database key for a headless command, signed in as ``--user`` (default: the
    owner): the recovery key from --recovery-key-file (the owner only), else the
    passphrase given (that account's own), else the keychain (the owner), else, for a
    profile marked as a demo only, the documented demo passphrase. The key carries the
    sign-in: ``open_workspace`` opens the practice as that person, with the emergency
    access ``--emergency`` asks for."""
    import dataclasses
    import time

    from app.storage.signin import SignedIn, sign_in

    warn_if_exposed(paths)
    name = default_account(args, paths)
    clock = SystemClock()
    recovery_file = getattr(args, "recovery_key_file", None)
    if recovery_file:
        recovery = _read_secret_file(recovery_file, _("recovery key"))
        signed = sign_in(paths, clock=clock, name=name, recovery_key=recovery)
    elif (passphrase := given_passphrase(args)) is not None:
        # A failed attempt sets a delay before the next: a script waits it out.
        signed = sign_in(paths, clock=clock, name=name, passphrase=passphrase,
                         wait=time.sleep)
    else:
        try:
            signed = sign_in(paths, clock=clock, name=name, keychain=Keychain())
        except NoPassphraseError:
            key = try_demo_unlock(paths)
            if key is None:
                raise
            signed = SignedIn(key, name, how="demo")
    emergency = getattr(args, "emergency", None)
    if emergency is not None:
        signed = dataclasses.replace(signed, emergency=emergency)
    return signed.key


def warn_if_exposed(paths: ProfilePaths) -> None:
    warning = exposure_warning(paths)
    if warning:
        print(warning, file=sys.stderr)


# -- commands -------------------------------------------------------------------------
def cmd_demo(args) -> int:
    from app.demo import generate_demo
    from app.services.passphrase_policy import check_new_passphrase

    paths = _profile_paths(args)
    passphrase = given_passphrase(args) or DEMO_PASSPHRASE
    check_new_passphrase(passphrase, demo=True)

    label = _("Creating the demo practice…")

    def progress(done: int, total: int) -> None:
        counts = f"{done:,}/{total:,}".replace(",", "\u202f")
        print(f"\r{label} {counts}", end="", file=sys.stderr, flush=True)

    clock = SystemClock()
    if getattr(args, "at", None):
        from app.demo.sizes import PRACTICE_TIMEZONE

        clock = fixed_clock(parse_at(args.at), PRACTICE_TIMEZONE)
    ws = generate_demo(paths, size=args.size, seed=args.seed, passphrase=passphrase,
                       clock=clock, progress=progress)
    try:
        count = ws.patients.count()
        appointments = ws.agenda.count()
    finally:
        ws.close()
    print(file=sys.stderr)
    say(_("Demo practice created in {path} ({count} patients, {appointments} "
          "appointments).").format(path=paths.root, count=i18n.format_number(count),
                                   appointments=i18n.format_number(appointments)))
    return 0


def cmd_init(args) -> int:
    from app.services.agenda.templates import specialty, starter_plan
    from app.services.passphrase_policy import check_new_passphrase
    from app.services.practice import PracticeInput, list_practitioners, practitioner_from_name
    from app.services.workspace import prepare_practice

    paths = _profile_paths(args)
    if args.specialty and not args.practitioner:
        raise UsageError(_("--specialty sets up a practitioner's agenda: give them with "
                           "--practitioner NAME."))
    template = specialty(args.specialty) if args.specialty else None
    practitioners = []
    if args.practitioner is not None:
        practitioners.append(practitioner_from_name(
            args.practitioner, title=template.title if template else "Dr",
            specialty=template.label if template else ""))
    passphrase = given_passphrase(args)
    if not passphrase:
        raise UsageError(_("Give the new passphrase in {env} or with --passphrase-file FILE.")
                         .format(env=PASSPHRASE_ENV))
    check_new_passphrase(passphrase, context=[args.practice, args.practitioner or ""])
    clock = SystemClock()
    pending = prepare_practice(paths, PracticeInput(name=args.practice, timezone=args.timezone,
                                                    practitioners=practitioners),
                               passphrase=passphrase, keychain=None, clock=clock)
    try:
        created = 0
        if template is not None:  # set up aside too: nothing is in place before the key
            aside = pending.open_aside(clock=clock)
            try:
                pid = list_practitioners(aside.store)[0].id
                created = len(aside.agenda_setup.apply_starter(
                    starter_plan(template.key, [pid], everyone=True)))
            finally:
                aside.close()
        # The profile exists only once its recovery key is out: killed before, the
        # practice is not created, and the next run removes what was built.
        print(_("Recovery key (write it down and keep it safe; it is shown only once):"))
        print(f"    {pending.recovery_key}", flush=True)
        workspace = pending.place(clock=clock)
    except BaseException:
        pending.discard()
        raise
    workspace.close()
    say(_("Practice “{name}” created in {path}.").format(name=clean_name(args.practice),
                                                        path=paths.root))
    if template is not None:
        say(ngettext("{n} appointment type of {specialty} and the usual weekly hours "
                     "created for {name}.",
                     "{n} appointment types of {specialty} and the usual weekly hours "
                     "created for {name}.", created).format(
            n=created, specialty=template.label, name=practitioners[0].display_name))
    return 0


def cmd_check(args) -> int:
    from app.services.check import run_checks
    from app.services.workspace import open_workspace

    paths = _profile_paths(args)
    ws = open_workspace(paths, headless_key(paths, args), clock=SystemClock(),
                        keychain=Keychain())
    try:
        items = run_checks(ws.store)
    finally:
        ws.close()
    for item in items:
        mark = "OK " if item.ok else "ÉCHEC" if i18n.current_language() == "fr" else "FAIL"
        print(f"[{mark}] {item.label}: {item.detail}")
    ok = all(i.ok for i in items)
    print(_("All checks passed.") if ok else _("Some checks failed."))
    return 0 if ok else 1


def cmd_screenshot(args) -> int:
    from app.services import access
    from app.services.exporting import ExportError
    from app.services.workspace import open_workspace
    from app.ui.screenshot import render_screens

    paths = _profile_paths(args)
    at = parse_at(args.at) if args.at else None
    clock = fixed_clock(at, "UTC") if at else SystemClock()
    ws = open_workspace(paths, headless_key(paths, args), clock=clock)
    if at:
        # Every clock the screens read stops at --at, in the practice's own time.
        clock.set(ws.zone.to_utc(*at))
    try:
        # Every screen shows patients: at a remote workstation, the practice's policy.
        ws.require(access.SCREENSHOTS)
        # Not resolved: a link given as OUT_DIR is refused, never followed.
        written = render_screens(ws, Path(os.path.abspath(args.out_dir.expanduser())),
                                 workstation_settings(args, paths), overwrite=args.force)
    except ExportError as exc:
        raise _export_refused(exc) from exc
    finally:
        ws.close()
    for path in written:
        say(path)
    return 0


def cmd_practitioners(args) -> int:
    from app.services.practice import list_practitioners
    from app.services.workspace import open_workspace

    paths = _profile_paths(args)
    ws = open_workspace(paths, headless_key(paths, args), clock=SystemClock())
    try:
        practitioners = list_practitioners(ws.store)
    finally:
        ws.close()
    for p in practitioners:  # tab-separated: no field may hold a tab or a line break
        print("\t".join(clean_name(v) for v in (p.id, p.display_name, p.specialty)))
    return 0


def _out_path(path: Path) -> Path:
    """Absolute, but not resolved: a link planted at the name must be seen, not followed."""
    return Path(os.path.abspath(path.expanduser()))


_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FRENCH_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_day(option: str, text: str) -> date:
    """yyyy-mm-dd or dd/mm/yyyy; anything else, or a day that does not exist, is refused."""
    value = text.strip()
    try:
        if m := _ISO_DAY.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _FRENCH_DAY.match(value):
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        pass
    raise UsageError(_("{option} {value}: not a valid date; write it yyyy-mm-dd or dd/mm/yyyy "
                       "(for example 2026-03-29 or 29/03/2026).").format(option=option,
                                                                        value=text))


_AT = re.compile(r"^(\S+)[ T](\d{1,2}):(\d{2})$")


AT_DEFAULT_MINUTE = 9 * 60  # a day alone: the practice in full swing


def parse_at(text: str) -> tuple[date, int]:
    """--at "yyyy-mm-dd HH:MM" (or dd/mm/yyyy; a day alone means 09:00): a day and a
    minute of practice time."""
    m = _AT.match(text.strip())
    try:
        if m and int(m[2]) < 24 and int(m[3]) < 60:
            return parse_day("--at", m[1]), int(m[2]) * 60 + int(m[3])
        if not m:
            return parse_day("--at", text), AT_DEFAULT_MINUTE
    except UsageError:
        pass
    raise UsageError(_("--at {value}: not a valid time; write it \"yyyy-mm-dd HH:MM\" in the "
                       "practice's time (for example \"2026-12-07 08:55\").").format(value=text))


def fixed_clock(at: tuple[date, int], zone_name: str):
    """A clock stopped at ``at``, practice time in ``zone_name``."""
    from app.clock import FrozenClock
    from app.services.agenda.zone import PracticeTime

    return FrozenClock(PracticeTime(zone_name).to_utc(*at))


def cmd_export_agenda(args) -> int:
    from app.services.agenda.ics import IcsExporter, UnknownPractitioner
    from app.services.exporting import ExportError
    from app.services.workspace import open_workspace

    if args.format or args.one_per_contact:
        raise UsageError(_("An agenda is exported to iCalendar: leave out --format and "
                           "--one-per-contact."))
    if not (args.practitioner and args.first and args.last):
        raise UsageError(_("export agenda needs --practitioner ID, --from DATE and --to DATE "
                           "('permanence practitioners' lists the ids)."))
    first, last = parse_day("--from", args.first), parse_day("--to", args.last)
    if first > last:
        raise UsageError(_("--from {first} is after --to {last}.").format(
            first=first.isoformat(), last=last.isoformat()))
    paths = _profile_paths(args)
    out = _out_path(args.out)
    ws = open_workspace(paths, headless_key(paths, args), clock=SystemClock())
    try:
        exporter = IcsExporter(ws.store, principal=ws.principal, clock=ws.clock)
        result = exporter.export(out, practitioner_id=args.practitioner, first=first,
                                 last=last, patient_names=args.patient_names,
                                 include_cancelled=args.include_cancelled,
                                 overwrite=args.force)
    except UnknownPractitioner as exc:
        raise UsageError(exc.user_message,
                         _("'permanence practitioners' lists the ids.")) from exc
    except ExportError as exc:
        raise _export_refused(exc) from exc
    finally:
        ws.close()
    say(ngettext("{n} event exported to {path} (iCalendar).",
                 "{n} events exported to {path} (iCalendar).", result.events).format(
                     n=i18n.format_number(result.events), path=out))
    return 0


def cmd_export(args) -> int:
    from app.services.exporting import ExportError
    from app.services.workspace import open_workspace

    if args.what == "agenda":
        return cmd_export_agenda(args)
    if args.what == "calls":
        from app.cli.calls import cmd_export_calls

        return cmd_export_calls(args)
    if args.practitioner or args.first or args.last or args.patient_names \
            or args.include_cancelled:
        raise UsageError(_("--practitioner, --from, --to, --patient-names and "
                           "--include-cancelled go with export agenda."))
    args.format = args.format or "csv"
    if args.one_per_contact and args.format != "vcard":
        raise UsageError(_("--one-per-contact goes with --format vcard."))
    paths = _profile_paths(args)
    out = _out_path(args.out)
    ws = open_workspace(paths, headless_key(paths, args), clock=SystemClock())
    try:
        exports = ws.exports
        patients = args.what == "patients"
        if args.format == "csv":
            run = exports.export_patients_csv if patients else exports.export_directory_csv
            result = run(out, overwrite=args.force)
        else:
            run = exports.export_patients_vcard if patients else exports.export_directory_vcard
            result = run(out, one_per_contact=args.one_per_contact, overwrite=args.force)
    except ExportError as exc:
        raise _export_refused(exc) from exc
    finally:
        ws.close()
    if args.format == "csv":
        shape = "CSV"
    elif args.one_per_contact:
        shape = _("vCard, one file per contact")
    else:
        shape = "vCard"
    if patients:
        text = ngettext("{n} patient exported to {path} ({format}).",
                        "{n} patients exported to {path} ({format}).", result.rows)
    else:
        text = ngettext("{n} directory contact exported to {path} ({format}).",
                        "{n} directory contacts exported to {path} ({format}).", result.rows)
    say(text.format(n=i18n.format_number(result.rows), path=out, format=shape))
    return 0


def _import_mapping(preview, overrides: list[str]) -> list:
    from app.services.importing import FIELDS

    mapping = list(preview.mapping)
    for item in overrides:
        column, sep, key = item.rpartition("=")
        column, key = column.strip(), key.strip()
        if not sep or column not in preview.headers or (key != "-" and key not in FIELDS):
            raise UsageError(_("--map {item}: expected COLUMN=FIELD, COLUMN a header of the "
                               "file, FIELD one of {fields} or - to ignore it.").format(
                                   item=item, fields=", ".join(FIELDS)))
        mapping[preview.headers.index(column)] = None if key == "-" else key
    return mapping


def _print_import_report(report, *, shown: int = 50) -> None:
    from app.services.importing import field_label

    fmt = i18n.format_number
    print(_("Rows read: {rows}; valid: {valid}; invalid: {invalid}; possible duplicates: "
            "{duplicates}.").format(rows=fmt(report.rows), valid=fmt(report.valid),
                                    invalid=fmt(report.invalid),
                                    duplicates=fmt(report.duplicate_count)))
    if report.error_count:
        print(_("Errors:"))
        for error in report.errors[:shown]:
            where = (f"{field_label(error.field)} (« {error.column} »)" if error.column
                     else field_label(error.field) if error.field else "")
            say("  " + _("line {line}").format(line=error.line)
                + (f" · {where}" if where else "") + f" : {error.message}")
        if report.error_count > shown:
            more = report.error_count - shown
            print("  " + ngettext("… and {n} more error.", "… and {n} more errors.", more)
                  .format(n=fmt(more)))
    if report.duplicate_count:
        print(_("Possible duplicates:"))
        for dup in report.duplicates[:shown]:
            say("  " + _("line {line}").format(line=dup.line) + f" : {dup.message}")
        if report.duplicate_count > shown:
            more = report.duplicate_count - shown
            print("  " + ngettext("… and {n} more.", "… and {n} more.", more).format(
                n=fmt(more)))


def cmd_import(args) -> int:
    from app.services.importing import (
        ImportRefused,
        MixedEncoding,
        PatientImporter,
        field_label,
        mapping_problems,
        preview_file,
    )
    from app.services.workspace import open_workspace

    path = args.file.expanduser().resolve()
    try:
        preview = preview_file(path, encoding=args.encoding)
        mapping = _import_mapping(preview, args.map)
    except MixedEncoding as exc:
        raise UsageError(exc.user_message, _(
            "Choose how to read it: --encoding utf-8 (those bytes become \ufffd, the lines are "
            "listed) or --encoding cp1252 (the whole file as Windows-1252).")) from exc
    problems = mapping_problems(mapping)
    say(_("File: {path}").format(path=path))
    print(_("Encoding: {encoding}; delimiter: {delimiter}").format(
        encoding=preview.format.encoding_label, delimiter=preview.format.delimiter_label))
    if preview.format.broken:
        broken = preview.format.broken
        print(ngettext("Line {lines} is not in UTF-8: its stray bytes are read as \ufffd.",
                       "Lines {lines} are not in UTF-8: their stray bytes are read as \ufffd.",
                       broken.count).format(lines=broken.label))
    print(_("Columns:"))
    for header, key in zip(preview.headers, mapping):
        target = field_label(key) if key else _("(ignored)")
        say(f"  « {header} » → {target}")
    if problems:
        raise UsageError(*problems)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty() and total:
            print(f"\r{done * 100 // total} %", end="", file=sys.stderr, flush=True)

    paths = _profile_paths(args)
    ws = open_workspace(paths, headless_key(paths, args), clock=SystemClock())
    try:
        importer = PatientImporter(ws.store, principal=ws.principal, clock=ws.clock)
        if args.dry_run:
            report = importer.dry_run(path, fmt=preview.format, mapping=mapping,
                                      progress=progress)
        else:
            report = importer.run(path, fmt=preview.format, mapping=mapping,
                                  skip_invalid=args.skip_invalid,
                                  skip_duplicates=args.skip_duplicates, progress=progress)
    except ImportRefused as exc:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        _print_import_report(exc.report)
        say(exc.user_message, file=sys.stderr)
        return ExitCode.BAD_INPUT
    finally:
        ws.close()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    _print_import_report(report)
    if args.dry_run:
        print(_("Dry run: nothing was written."))
        if report.invalid and not args.skip_invalid:
            print(ngettext("The import would be refused: {n} row is invalid (see "
                           "--skip-invalid).", "The import would be refused: {n} rows are "
                           "invalid (see --skip-invalid).", report.invalid)
                  .format(n=report.invalid), file=sys.stderr)
            return ExitCode.BAD_INPUT
        return 0
    print(ngettext("{n} patient imported.", "{n} patients imported.", report.imported)
          .format(n=i18n.format_number(report.imported)))
    if report.skipped_duplicates:
        print(ngettext("{n} duplicate left out.", "{n} duplicates left out.",
                       report.skipped_duplicates).format(n=report.skipped_duplicates))
    return 0


def _hand_over(args, paths: ProfilePaths, dial: str | None) -> int | None:
    """Permanence already runs for this user: its window comes forward instead of a
    second one opening (it holds the practices and takes the calls sent without
    --profile), with the practice given here and the tel: link to dial. Its exit code;
    None when no window answers (none runs, or its endpoint outlived a crash): this
    start goes on and takes the window's place."""
    from app.services.calls.channel import AppNotAnswering, ask_window

    given = bool(getattr(args, "profile", None) or getattr(args, "demo", False))
    try:
        answer = ask_window({"op": "show",
                             "profile": str(paths.root.resolve()) if given else None,
                             "dial": dial, "language": i18n.current_language()})
    except AppNotAnswering:
        return None  # connected but silent (a hung window): this start goes on
    if answer is None:
        return None
    say(*answer["stdout"])
    say(*answer["stderr"], file=sys.stderr)
    return answer["exit"]


def cmd_gui(args, *, dial: str | None = None) -> int:
    """``dial``: a tel: URI to dial once the window is up (``permanence dial``)."""
    from app.ui.display import display_problem

    paths = _profile_paths(args)
    if getattr(args, "demo", False) and not paths.exists():
        args.size, args.seed = "demo", 1
        cmd_demo(args)  # so that the window (or the command in the hint) opens it
    handed = _hand_over(args, paths, dial)
    if handed is not None:
        return handed
    problem = display_problem(str(paths.root))
    if problem:
        print(problem, file=sys.stderr)
        return ExitCode.CHECK_FAILED  # "no display", as documented
    from app.ui.app import run_gui

    # A demo profile opens without a prompt: run_gui tries the demo passphrase on
    # profiles marked as demos, and on no other.
    return run_gui(paths, passphrase=given_passphrase(args), clock=SystemClock(),
                   settings=workstation_settings(args, paths),
                   user=default_account(args, paths), dial=dial)


# Command groups kept in modules of their own (app/cli/<name>.py): each module has
# ``register(sub, common)``, which adds its sub-commands to ``sub`` (calling
# ``common(parser, top=False)`` for the shared options) and gives each parser a
# ``handler`` default, the function the command runs.
COMMAND_MODULES: tuple[str, ...] = ("audit", "calls", "backup", "users", "peers", "sync",
                                     "report", "rgpd", "retention", "keys", "lines", "keychain")


def _register_groups(sub) -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"app.cli.{name}").register(sub, _common)


COMMANDS = {"demo": cmd_demo, "init": cmd_init, "check": cmd_check, "screenshot": cmd_screenshot,
            "practitioners": cmd_practitioners, "export": cmd_export, "import": cmd_import}


def _configure_logging(paths: ProfilePaths, verbose: bool) -> None:
    """Log into a real profile only: a folder that is not one is left untouched."""
    failure = configure_logging(paths.logs if paths.is_profile() else None, verbose=verbose)
    if failure is not None:
        refused = write_failure(failure, paths.logs)
        reason = refused.reason_text if refused else (failure.strerror or str(failure))
        print(_("Warning: the log cannot be written in {folder} ({reason}); Permanence goes "
                "on without it.").format(folder=paths.logs, reason=reason), file=sys.stderr)


def _settings_language(profile: Path | None, demo: bool) -> str | None:
    paths = _profile_paths(argparse.Namespace(profile=profile, demo=demo))
    return workstation_settings(argparse.Namespace(), paths).get("language")


def main(argv: list[str] | None = None) -> int:
    from app.cli.calls import tel_argv
    from app.cli.help_language import early_language, translate_argparse

    argv = tel_argv(sys.argv[1:] if argv is None else list(argv))
    # First of all: every profile path, the workstation's language included, follows.
    program = locations.program_folder()
    locations.use(locations.portable_locations(program)
                  if locations.wants_portable(argv, program) else locations.user_locations())
    # Before the parser is built: its help is written in this language.
    i18n.set_language(early_language(argv, _settings_language))
    translate_argparse()
    args = build_parser().parse_args(argv)
    paths = _profile_paths(args)
    harden_process()
    install_excepthook()
    command = getattr(args, "handler", None) or COMMANDS.get(args.command, cmd_gui)
    try:
        i18n.set_language(workstation_settings(args, paths).get("language"))
        locations.settle_portable(locations.current())
        finish_interrupted(paths)
        _configure_logging(paths, bool(args.verbose))
        return command(args)
    except PermanenceError as exc:  # the one place a failure is printed
        # A usage error keeps the lines it was given: a line break inside one (a forged
        # header or option) must not start a line of its own.
        say(*(exc.lines if isinstance(exc, UsageError) else exc.user_message.splitlines()),
            file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print(_("Interrupted."), file=sys.stderr)
        return ExitCode.INTERRUPTED
    except (OSError, sqlcipher3.Error, SQLAlchemyError) as exc:
        # The disk refused a write or a read (full, read-only, size limit...): say so,
        # with its exit code, instead of a traceback. Anything else is a bug.
        failure = write_failure(exc, paths.root)
        if failure is None:
            raise
        print(failure.user_message, file=sys.stderr)
        return int(failure.exit_code)


if __name__ == "__main__":
    raise SystemExit(main())
