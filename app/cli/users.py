"""``permanence users``: the practice's accounts (the owner only), and each person's
own passphrase.

``users add`` takes the new account's own passphrase from PERMANENCE_NEW_PASSPHRASE or
--new-passphrase-file (never from the command line itself), checked by the passphrase
rule; it opens the practice at once with ``--user NAME``. ``users passphrase`` changes
the passphrase of whoever runs it (``--user NAME``, the owner by default): the current
one as for any command, the new one as for ``add``; only that person's wrap changes.
"""

from __future__ import annotations

from app.cli import new_passphrase
from app.cli.new_passphrase import NEW_PASSPHRASE_ENV
from app.clock import SystemClock
from app.i18n import _
from app.models.text import clean_name
from app.models.user import ROLES


def register(sub, common) -> None:
    users = sub.add_parser("users", help=_("list, add and disable the accounts of the practice "
                                         "(the owner only); change your own passphrase"))
    common(users, top=False)
    what = users.add_subparsers(dest="users_command", required=True,
                                metavar="add|list|disable|role|passphrase")

    add = what.add_parser("add", help=_(
        "add an account that signs in with its own passphrase (from {env} or "
        "--new-passphrase-file)").format(env=NEW_PASSPHRASE_ENV))
    common(add, top=False)
    add.add_argument("--name", required=True, metavar="NAME",
                     help=_("the sign-in name: lower-case letters, digits, . - _"))
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--practitioner", metavar="ID",
                     help=_("practitioner role: whose agenda ('permanence practitioners')"))
    add.add_argument("--display-name", default="", metavar="TEXT",
                     help=_("the name shown in the application (default: NAME)"))
    new_passphrase.add_option(add, _("read the new account's passphrase from FILE (or set "
                                     "{env})").format(env=NEW_PASSPHRASE_ENV))
    add.set_defaults(handler=cmd_users_add)

    listing = what.add_parser("list", help=_("one account per line: name, role, practitioner "
                                           "id, active or disabled (tab-separated)"))
    common(listing, top=False)
    listing.set_defaults(handler=cmd_users_list)

    disable = what.add_parser("disable", help=_("disable an account: its passphrase no longer "
                                              "opens the practice (it is never deleted)"))
    common(disable, top=False)
    disable.add_argument("name", metavar="NAME")
    disable.set_defaults(handler=cmd_users_disable)

    role = what.add_parser("role", help=_("change the role of an account"))
    common(role, top=False)
    role.add_argument("name", metavar="NAME")
    role.add_argument("--role", required=True, choices=ROLES)
    role.add_argument("--practitioner", metavar="ID")
    role.set_defaults(handler=cmd_users_role)

    own = what.add_parser("passphrase", help=_(
        "change your own passphrase (any account; the new one from {env} or "
        "--new-passphrase-file)").format(env=NEW_PASSPHRASE_ENV))
    common(own, top=False)
    new_passphrase.add_option(own)
    own.set_defaults(handler=cmd_users_passphrase)


def _open(args):
    from app.cli import _profile_paths, headless_key
    from app.services.workspace import open_workspace

    paths = _profile_paths(args)
    return open_workspace(paths, headless_key(paths, args), clock=SystemClock())


def _new_passphrase(args, missing: str | None = None) -> str:
    return new_passphrase.read(args, missing or _(
        "Give the new account's passphrase in {env} or with --new-passphrase-file "
        "FILE.").format(env=NEW_PASSPHRASE_ENV))


def cmd_users_passphrase(args) -> int:
    import time

    from app.cli import UsageError, given_passphrase, say
    from app.services.errors import ValidationError
    from app.services.passphrase_policy import check_new_passphrase

    old = given_passphrase(args)
    if old is None:
        raise UsageError(_("Give your current passphrase as for any command "
                           "(PERMANENCE_PASSPHRASE or --passphrase-file)."))
    new = _new_passphrase(args, _("Give the new passphrase in {env} or with "
                                  "--new-passphrase-file FILE.").format(env=NEW_PASSPHRASE_ENV))
    try:  # before anything is opened: a refusal changes nothing
        check_new_passphrase(new, context=[getattr(args, "user", None) or ""])
    except ValidationError as exc:
        raise UsageError(*exc.errors.values()) from exc
    ws = _open(args)
    try:
        ws.change_own_passphrase(old, new, wait=time.sleep)
        name = ws.principal.name
    except ValidationError as exc:
        raise UsageError(*exc.errors.values()) from exc
    finally:
        ws.close()
    say(_("The passphrase of {name} is changed; the old one no longer opens the "
          "practice.").format(name=name))
    return 0


def cmd_users_add(args) -> int:
    from app.cli import UsageError, say
    from app.services.access import role_label
    from app.services.errors import ValidationError
    from app.services.passphrase_policy import check_new_passphrase

    passphrase = _new_passphrase(args)
    try:
        check_new_passphrase(passphrase, context=[args.name, args.display_name])
    except ValidationError as exc:
        raise UsageError(*exc.errors.values()) from exc
    ws = _open(args)
    try:
        info = ws.accounts.add(args.name, args.role, passphrase,
                               display_name=args.display_name,
                               practitioner_id=args.practitioner)
    except ValidationError as exc:
        raise UsageError(*exc.errors.values()) from exc
    finally:
        ws.close()
    say(_("Account {name} ({role}) added: it opens the practice with its own passphrase "
          "(--user {name}).").format(name=info.name, role=role_label(info.role)))
    return 0


def cmd_users_list(args) -> int:
    ws = _open(args)
    try:
        accounts = ws.accounts.list()
    finally:
        ws.close()
    for a in accounts:  # tab-separated: no field may hold a tab or a line break
        status = "active" if a.active else "disabled"
        print("\t".join(clean_name(v) for v in (a.name, a.role, a.practitioner_id or "-",
                                                status)))
    return 0


def cmd_users_disable(args) -> int:
    from app.cli import UsageError, say
    from app.services.errors import NotFound, ValidationError

    ws = _open(args)
    try:
        info = ws.accounts.disable(args.name)
    except NotFound as exc:
        raise UsageError(_("No account named {name}.").format(name=args.name)) from exc
    except ValidationError as exc:
        raise UsageError(*exc.errors.values()) from exc
    finally:
        ws.close()
    say(_("Account {name} disabled: its passphrase no longer opens the practice.").format(
        name=info.name))
    return 0


def cmd_users_role(args) -> int:
    from app.cli import UsageError, say
    from app.services.access import role_label
    from app.services.errors import NotFound, ValidationError

    ws = _open(args)
    try:
        info = ws.accounts.change_role(args.name, args.role, practitioner_id=args.practitioner)
    except NotFound as exc:
        raise UsageError(_("No account named {name}.").format(name=args.name)) from exc
    except ValidationError as exc:
        raise UsageError(*exc.errors.values()) from exc
    finally:
        ws.close()
    say(_("Account {name} is now {role}; it takes effect at its next sign-in.").format(
        name=info.name, role=role_label(info.role)))
    return 0
