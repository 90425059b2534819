"""``permanence backup``, ``permanence backup verify`` and ``permanence restore``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.clock import SystemClock
from app.i18n import _

def _backup_help() -> str:
    return _("Exit status: 0 written (its path is printed, alone, on standard output), "
             "2 refused (OUT_DIR missing, a link, or inside the profile folder), 3 wrong "
             "or missing passphrase, 5 the disk refused the write, 6 the database failed "
             "its integrity checks (no backup is kept).")


def _verify_help() -> str:
    return _("Exit status: 0 the backup is whole (and, with a secret, its database opens "
             "and passes the integrity checks), 3 wrong secret, 6 damaged or altered "
             "(the reason is printed), 2 not a file.")


def _restore_help() -> str:
    return _("Exit status: 0 restored, 2 refused (a profile already exists there), 3 "
             "wrong or missing secret, 5 the disk refused the write, 6 the backup is "
             "damaged. A restore is a deliberate rollback to the backup's date.")


def register(sub, common) -> None:
    backup = sub.add_parser(
        "backup", help=_("write one backup file of the practice into OUT_DIR and print its "
                       "path; 'backup verify FILE' checks a backup"),
        usage="permanence backup [options] OUT_DIR\n       permanence backup verify "
              "[--recovery-key-file FILE] [--passphrase-file FILE] BACKUP",
        description=_backup_help() + " verify: " + _verify_help())
    common(backup, top=False)
    backup.add_argument("target", nargs="+", metavar="OUT_DIR",
                        help=_("the folder to write into (another disk, a NAS, a USB key); "
                             "or 'verify BACKUP'"))
    backup.set_defaults(handler=cmd_backup)

    restore = sub.add_parser(
        "restore", help=_("rebuild a working profile from a backup, in a folder that holds "
                        "no profile"), description=_restore_help())
    common(restore, top=False)
    restore.add_argument("backup", type=Path, metavar="BACKUP")
    restore.set_defaults(handler=cmd_restore)


def _recovery_key(path: Path) -> str:
    from app.cli import UsageError

    try:
        with open(path, "rb") as fh:
            raw = fh.read(4097)
        if len(raw) > 4096:
            raise UsageError(_("The recovery key file {path} is too long to hold a recovery "
                               "key.").format(path=path))
        return raw.decode("utf-8-sig").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(_("Cannot read the recovery key file: {path}").format(path=path)
                         ) from exc


def _secret(args, *, required: bool):
    from app.cli import given_passphrase
    from app.services.backups import Secret
    from app.storage.errors import NoPassphraseError

    if getattr(args, "recovery_key_file", None):
        return Secret(recovery_key=_recovery_key(args.recovery_key_file))
    passphrase = given_passphrase(args)
    if passphrase is not None:
        return Secret(passphrase=passphrase)
    if required:
        raise NoPassphraseError()
    return None


def cmd_backup(args) -> int:
    from app import installed_version
    from app.cli import UsageError, _profile_paths, headless_key, say
    from app.services.backups import backup_profile

    if args.target[0] == "verify":
        if len(args.target) != 2:
            raise UsageError(_("backup verify takes one backup file: permanence backup "
                               "verify BACKUP"))
        return cmd_verify(args, Path(args.target[1]))
    if len(args.target) != 1:
        raise UsageError(_("backup takes one folder: permanence backup --profile DIR "
                           "OUT_DIR"))
    if getattr(args, "recovery_key_file", None):
        raise UsageError(_("--recovery-key-file goes with backup verify and restore."))
    paths = _profile_paths(args)
    out_dir = Path(os.path.abspath(Path(args.target[0]).expanduser()))
    key = headless_key(paths, args)
    path = backup_profile(paths, key, out_dir, now=SystemClock().now(),
                          app_version=installed_version())
    say(path)
    return 0


def cmd_verify(args, path: Path) -> int:
    from app.cli import say
    from app.services.backups import verify_backup

    secret = _secret(args, required=False)
    manifest = verify_backup(path.expanduser(), secret)
    say(_("The backup is whole: {n} files, made {date}, schema {revision}.").format(
        n=len(manifest.members), date=manifest.created_at, revision=manifest.schema_revision))
    if secret is not None:
        say(_("Its database opens with the secret given and passes the integrity checks."))
    else:
        print(_("Give the passphrase (or --recovery-key-file) to check its database too."),
              file=sys.stderr)
    return 0


def cmd_restore(args) -> int:
    from app.cli import _profile_paths, say
    from app.services.backups import restore_backup

    paths = _profile_paths(args)
    secret = _secret(args, required=True)
    from app.storage.keychain import Keychain

    manifest = restore_backup(args.backup.expanduser(), paths, secret, clock=SystemClock(),
                              keychain=Keychain())
    say(_("Restored into {folder} from the backup made {date}. This is a rollback: "
          "everything entered after that date is not in it.").format(
              folder=paths.root, date=manifest.created_at))
    return 0
