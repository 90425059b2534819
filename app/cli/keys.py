"""``permanence passphrase change``, ``permanence recovery-key regenerate`` and
``permanence rekey``: the practice's own keys (the owner's).

The current passphrase comes as for every command (``PERMANENCE_PASSPHRASE`` or
``--passphrase-file``), the new one from ``PERMANENCE_NEW_PASSPHRASE`` or
``--new-passphrase-file``, never from the command line itself. A new recovery key is
printed once, alone, on standard output.
"""

from __future__ import annotations

import sys

from app.cli import new_passphrase
from app.cli.new_passphrase import NEW_PASSPHRASE_ENV
from app.clock import SystemClock
from app.i18n import _


def _help() -> str:
    return _("Exit status: 0 done, 2 refused (a new passphrase too weak or missing), 3 "
             "wrong or missing passphrase, 4 the practice is open elsewhere, 5 the disk "
             "refused the write, 7 not the owner.")


def register(sub, common) -> None:
    passphrase = sub.add_parser("passphrase", help=_("change the practice's passphrase"),
                                description=_help())
    common(passphrase, top=False)
    actions = passphrase.add_subparsers(dest="passphrase_command", required=True)
    change = actions.add_parser(
        "change", help=_("rewrap the practice's key under a new passphrase (the old one "
                         "stops working; nothing is re-encrypted)"), description=_help())
    common(change, top=False)
    new_passphrase.add_option(change)
    change.set_defaults(handler=cmd_change)
    reset = actions.add_parser(
        "reset", help=_("give the account ACCOUNT a new passphrase (the owner; after a rekey, "
                        "or a forgotten passphrase)"), description=_help())
    common(reset, top=False)
    new_passphrase.add_option(reset)
    reset.add_argument("account", metavar="ACCOUNT")
    reset.set_defaults(handler=cmd_reset)

    recovery = sub.add_parser("recovery-key", help=_("regenerate the recovery key"),
                              description=_help())
    common(recovery, top=False)
    recovery_actions = recovery.add_subparsers(dest="recovery_command", required=True)
    regenerate = recovery_actions.add_parser(
        "regenerate", help=_("print a new recovery key, once; the old one stops working"),
        description=_help())
    common(regenerate, top=False)
    regenerate.set_defaults(handler=cmd_regenerate)

    rekey = sub.add_parser(
        "rekey", help=_("re-encrypt the practice under a new database key, after a backup "
                        "(prints the new recovery key)"), description=_help())
    common(rekey, top=False)
    rekey.set_defaults(handler=cmd_rekey)


def _new_passphrase(args) -> str:
    return new_passphrase.read(args, _(
        "Give the new passphrase in {env} or with --new-passphrase-file; nothing was "
        "changed.").format(env=NEW_PASSPHRASE_ENV))


def _open(args):
    from app.cli import _profile_paths, headless_key
    from app.services.workspace import open_workspace
    from app.storage.keychain import Keychain

    paths = _profile_paths(args)
    return open_workspace(paths, headless_key(paths, args), clock=SystemClock(),
                          keychain=Keychain())


def cmd_change(args) -> int:
    from app.cli import given_passphrase, say

    new = _new_passphrase(args)
    ws = _open(args)
    try:
        ws.practice_keys.change_practice_passphrase(given_passphrase(args), new)
    finally:
        ws.close()
    say(_("The practice's passphrase is changed; the old one no longer opens it."))
    return 0


def cmd_reset(args) -> int:
    from app.cli import say

    new = _new_passphrase(args)
    ws = _open(args)
    try:
        ws.practice_keys.reset_account_passphrase(args.account, new)
    finally:
        ws.close()
    say(_("The account {name} opens the practice with its new passphrase.").format(
        name=args.account))
    return 0


def cmd_regenerate(args) -> int:
    from app.cli import say

    ws = _open(args)
    try:
        recovery = ws.practice_keys.regenerate_recovery_key()
    finally:
        ws.close()
    say(recovery)
    print(_("This is the new recovery key, shown once: write it down and keep it away from "
            "the computer. The old one no longer opens the practice."), file=sys.stderr)
    return 0


def cmd_rekey(args) -> int:
    from app.cli import _profile_paths, given_passphrase, headless_key, say
    from app.services.practice_keys import rekey_practice
    from app.storage.keychain import Keychain

    paths = _profile_paths(args)
    done = rekey_practice(paths, headless_key(paths, args), passphrase=given_passphrase(args),
                          clock=SystemClock(), keychain=Keychain(), kdf=_kdf())
    say(done.recovery_key)
    print(_("The practice is re-encrypted under a new key; a backup made first is in "
            "{path}. Above is the new recovery key, shown once: the old one no longer "
            "opens the practice.").format(path=done.backup), file=sys.stderr)
    if done.accounts_dropped:
        print(_("These accounts need a new passphrase from the owner (permanence passphrase "
                "reset ACCOUNT): {names}.").format(names=", ".join(done.accounts_dropped)),
              file=sys.stderr)
    return 0


def _kdf():
    from app.storage.keys import KdfParams

    return KdfParams()
