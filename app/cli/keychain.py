"""``permanence keychain enable|disable``: whether the practice opens with this
workstation's system keychain or with its passphrase (the owner's).

``enable`` is run with the passphrase (``PERMANENCE_PASSPHRASE`` or
``--passphrase-file``): a new secret kept in the keychain wraps the key and the
passphrase stops opening the practice. ``disable`` opens with the keychain and takes the
new passphrase from ``PERMANENCE_NEW_PASSPHRASE`` or ``--new-passphrase-file``: without
one the practice would be left to its recovery key alone, so it is refused. The recovery
key opens the practice throughout. Each change is audited.
"""

from __future__ import annotations

from app.errors import ExitCode
from app.i18n import _


def _help() -> str:
    return _("Exit status: 0 done (or nothing to do), 2 refused (no usable keychain on this "
             "workstation, a new passphrase missing or too weak), 3 wrong or missing "
             "passphrase, 4 the practice is open elsewhere, 5 the disk refused the write, "
             "7 not the owner.")


def register(sub, common) -> None:
    keychain = sub.add_parser("keychain", help=_("open the practice with the system keychain "
                                                 "or with a passphrase"), description=_help())
    common(keychain, top=False)
    actions = keychain.add_subparsers(dest="keychain_command", required=True)
    enable = actions.add_parser(
        "enable", help=_("open the practice with this workstation's system keychain instead "
                         "of the passphrase (the passphrase stops opening it)"),
        description=_help())
    common(enable, top=False)
    enable.set_defaults(handler=cmd_enable)
    disable = actions.add_parser(
        "disable", help=_("open the practice with a new passphrase instead of the system "
                          "keychain"), description=_help())
    common(disable, top=False)
    from app.cli import new_passphrase

    new_passphrase.add_option(disable)
    disable.set_defaults(handler=cmd_disable)


def cmd_enable(args) -> int:
    from app.cli import say
    from app.cli.keys import _open
    from app.storage.keychain import Keychain

    ws = _open(args)
    try:
        changed = ws.practice_keys.move_to_keychain(Keychain())
    finally:
        ws.close()
    if not changed:
        say(_("The practice already opens with the system keychain; nothing was changed."))
        return ExitCode.OK
    say(_("The practice now opens with this workstation's system keychain; its passphrase "
          "no longer opens it. Keep the recovery key: it opens the practice anywhere."))
    return ExitCode.OK


def cmd_disable(args) -> int:

    from app.cli import say
    from app.cli import new_passphrase
    from app.cli.keys import _new_passphrase, _open
    from app.storage.keychain import Keychain

    # No new passphrase is fine only while the practice still has one (the service says).
    new = _new_passphrase(args) if new_passphrase.given(args) else None
    ws = _open(args)
    try:
        changed = ws.practice_keys.move_to_passphrase(new, Keychain())
    finally:
        ws.close()
    if not changed:
        say(_("The practice does not open with the system keychain; nothing was changed."))
    elif new is None:
        say(_("The practice no longer opens with the system keychain; it opens with its "
              "passphrase."))
    else:
        say(_("The practice no longer opens with the system keychain; it opens with the "
              "new passphrase."))
    return ExitCode.OK
