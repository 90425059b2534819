"""``permanence node`` and ``permanence peer``: this installation's keys, and pairing a
practice with the workstations of remote secretaries.

``node show`` prints this node's id and fingerprint (``--format json`` too), which the
other side compares before pairing; ``node export-identity`` writes its secret age
identity for the standard ``age`` tool (owner-only file, never over an existing one).
``peer invite`` writes an invite; ``peer join`` (on the remote workstation) creates
its profile if needed, the account its commands then use, and the request file;
``peer accept`` pairs with the fingerprint read on the other side; ``peer revoke``,
``peer list``, ``peer scope`` and ``peer offline-limit`` (the longest a workstation
may stay without acknowledging, ``app.storage.sync_limits``) follow. ``node rotate`` replaces this node's keys
(``app.sync.rotation``) and prints the fingerprint, old and new. Refusals exit 10 (``ExitCode.PAIRING_REFUSED``),
a file that is not an invite or a request 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.clock import SystemClock
from app.i18n import _
from app.models.sync import PEER_ROLE_REMOTE_SECRETARY
from app.models.text import clean_name

YES_NO = ("yes", "no")
SHARED_KINDS = ("directory", "consignes", "calls", "messages", "callbacks")
OPTIONAL_GROUPS = ("contact", "alert", "referrer")
POLICY_ITEMS = ("exports", "printing", "clipboard", "screenshots")  # workstation_policy.ITEMS


def register(sub, common) -> None:
    node = sub.add_parser("node", help=_("this installation's keys for sharing: its "
                                         "fingerprint, its secret identity"))
    common(node, top=False)
    node_what = node.add_subparsers(dest="node_command", required=True,
                                    metavar="show|export-identity|rotate")
    show = node_what.add_parser("show", help=_("print this installation's node id and "
                                               "fingerprint"))
    common(show, top=False)
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(handler=cmd_node_show)
    export = node_what.add_parser("export-identity", help=_(
        "write this installation's secret age identity to a new file (owner-only), for "
        "'age -d -i FILE'"))
    common(export, top=False)
    export.add_argument("out", type=Path, metavar="OUT")
    export.set_defaults(handler=cmd_node_export)
    rotate = node_what.add_parser("rotate", help=_(
        "replace this installation's keys (the peers learn the new ones at the next sync; "
        "its fingerprint changes)"))
    common(rotate, top=False)
    rotate.set_defaults(handler=cmd_node_rotate)

    peer = sub.add_parser("peer", help=_("pair with remote secretaries' workstations, set "
                                         "what each receives, revoke them (the owner only)"))
    common(peer, top=False)
    what = peer.add_subparsers(dest="peer_command", required=True,
                               metavar="invite|join|accept|revoke|list|scope|policy|offline-limit")
    invite = what.add_parser("invite", help=_("write an invitation for a remote "
                                              "workstation"))
    common(invite, top=False)
    invite.add_argument("--name", required=True, metavar="NAME",
                        help=_("the workstation's name (also its account's): lower-case "
                               "letters, digits, . - _"))
    invite.add_argument("--role", required=True, choices=(PEER_ROLE_REMOTE_SECRETARY,))
    invite.add_argument("--days", type=int, default=7, metavar="N",
                        help=_("the invitation expires after N days (default 7)"))
    invite.add_argument("out", type=Path, metavar="OUT.invite")
    invite.set_defaults(handler=cmd_peer_invite)

    join = what.add_parser("join", help=_("on the remote workstation: answer an invitation "
                                          "(creates the profile if needed)"))
    common(join, top=False)
    join.add_argument("invite", type=Path, metavar="INVITE")
    join.add_argument("out", type=Path, metavar="OUT.request")
    join.set_defaults(handler=cmd_peer_join)

    accept = what.add_parser("accept", help=_("pair with the workstation that sent a "
                                              "request, after comparing its fingerprint"))
    common(accept, top=False)
    accept.add_argument("request", type=Path, metavar="REQUEST")
    accept.add_argument("--fingerprint", required=True, metavar="FP",
                        help=_("the fingerprint 'permanence node show' prints on the remote "
                               "workstation"))
    accept.set_defaults(handler=cmd_peer_accept)

    revoke = what.add_parser("revoke", help=_("stop sharing with a workstation"))
    common(revoke, top=False)
    revoke.add_argument("name", metavar="NAME")
    revoke.set_defaults(handler=cmd_peer_revoke)

    listing = what.add_parser("list", help=_("one workstation per line: name, role, state, "
                                             "fingerprint, last sync (tab-separated)"))
    common(listing, top=False)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(handler=cmd_peer_list)

    scope = what.add_parser("scope", help=_("show or change what a workstation receives"))
    common(scope, top=False)
    scope.add_argument("name", metavar="NAME")
    scope.add_argument("--practitioners", metavar="all|ID[,ID…]",
                       help=_("whose agendas ('permanence practitioners' lists the ids)"))
    scope.add_argument("--days-back", type=int, metavar="N")
    scope.add_argument("--days-ahead", type=int, metavar="N")
    scope.add_argument("--patient-fields", metavar="GROUP[,GROUP…]",
                       help=_("besides the identity: contact, alert, referrer (or none)"))
    for kind in SHARED_KINDS:
        scope.add_argument(f"--{kind}", choices=YES_NO)
    scope.set_defaults(handler=cmd_peer_scope)

    policy = what.add_parser("policy", help=_(
        "show or change what a workstation may do: exports, printing, copying a patient "
        "list, screenshots (all forbidden by default)"))
    common(policy, top=False)
    policy.add_argument("name", metavar="NAME")
    for item in POLICY_ITEMS:
        policy.add_argument(f"--{item}", choices=YES_NO)
    policy.add_argument("--format", choices=("text", "json"), default="text")
    policy.set_defaults(handler=cmd_peer_policy)


    limit = what.add_parser("offline-limit", help=_(
        "show or set the longest a workstation may stay without synchronising before it "
        "must be paired again"))
    common(limit, top=False)
    limit.add_argument("--days", type=int, metavar="N", help=_("the new limit, in days"))
    limit.set_defaults(handler=cmd_peer_offline_limit)


# -- helpers ------------------------------------------------------------------------------
def _open(args, paths=None):
    from app.cli import _profile_paths, headless_key
    from app.services.workspace import open_workspace

    paths = paths or _profile_paths(args)
    return open_workspace(paths, headless_key(paths, args), clock=SystemClock())


def _sharing(ws):
    from app.sync.pairing import Sharing

    return Sharing(ws.store, principal=ws.principal, clock=ws.clock)


def _write_new(path: Path, data: bytes) -> None:
    from app.cli import UsageError
    from app.storage.errors import write_failure
    from app.sync.pairing import write_new_file

    try:
        write_new_file(path, data)
    except FileExistsError as exc:
        raise UsageError(_("{path} exists already: Permanence never replaces it. Choose "
                           "another name.").format(path=path)) from exc
    except OSError as exc:
        failure = write_failure(exc, path)
        if failure is not None:
            raise failure from exc
        raise UsageError(_("Cannot write {path}.").format(path=path)) from exc


def _refuse_existing(path: Path) -> None:
    """Before anything is done: the output file must be new."""
    from app.cli import UsageError

    if path.exists() or path.is_symlink():
        raise UsageError(_("{path} exists already: Permanence never replaces it. Choose "
                           "another name.").format(path=path))


def _no_such_peer(name: str):
    from app.cli import UsageError

    return UsageError(_("No workstation named {name} ('permanence peer list').").format(
        name=clean_name(name)))


# -- node ---------------------------------------------------------------------------------
def cmd_node_show(args) -> int:
    from app.cli import say

    ws = _open(args)
    try:
        node = _sharing(ws).node()
    finally:
        ws.close()
    if args.format == "json":
        print(json.dumps({"node_id": node.node_id, "fingerprint": node.fingerprint,
                          "kind": node.kind, "age_recipient": node.age_recipient}))
        return 0
    say(_("Node: {node_id}").format(node_id=node.node_id),
        _("Fingerprint: {fingerprint}").format(fingerprint=node.fingerprint),
        _("Age recipient: {recipient}").format(recipient=node.age_recipient))
    return 0


def cmd_node_export(args) -> int:
    from app.cli import say

    _refuse_existing(args.out)
    ws = _open(args)
    try:
        try:
            _sharing(ws).export_identity(args.out)
        except FileExistsError:
            _refuse_existing(args.out)
            raise
        except OSError as exc:
            from app.storage.errors import write_failure

            failure = write_failure(exc, args.out)
            if failure is None:
                raise
            raise failure from exc
    finally:
        ws.close()
    say(_("Warning: {path} decrypts everything sent to this installation. Keep it as you "
          "keep the passphrase, and delete it once used.").format(path=args.out),
        file=sys.stderr)
    say(_("Secret identity written to {path} (readable by you only).").format(path=args.out))
    return 0


def cmd_node_rotate(args) -> int:
    from app.cli import say
    from app.sync.rotation import RETIRED_FOR

    ws = _open(args)
    try:
        rotated = _sharing(ws).rotate_keys()
    finally:
        ws.close()
    say(_("New keys made for this installation."),
        _("Old fingerprint: {fingerprint}").format(fingerprint=rotated.old_fingerprint),
        _("New fingerprint: {fingerprint}").format(fingerprint=rotated.new_fingerprint),
        _("The paired installations ({count}) learn the new keys at their next sync; the "
          "old ones stay valid for what is already on its way until {days} days have "
          "passed.").format(count=rotated.peers, days=RETIRED_FOR.days))
    return 0


# -- peer ---------------------------------------------------------------------------------
def cmd_peer_invite(args) -> int:
    from app.cli import UsageError, say
    from app.services.errors import ValidationError

    _refuse_existing(args.out)
    if not 1 <= args.days <= 30:
        raise UsageError(_("--days: from 1 to 30."))
    ws = _open(args)
    try:
        sharing = _sharing(ws)
        try:
            data = sharing.invite(args.name, args.role, valid_days=args.days)
        except ValidationError as exc:
            raise UsageError(*exc.errors.values()) from exc
        fingerprint = sharing.node().fingerprint
        _write_new(args.out, data)
    finally:
        ws.close()
    say(_("Invitation for {name} written to {path}; it expires in {days} days.").format(
            name=args.name, path=args.out, days=args.days),
        _("This practice's fingerprint (the remote workstation shows it when it joins): "
          "{fingerprint}").format(fingerprint=fingerprint))
    return 0


def cmd_peer_join(args) -> int:
    from app.cli import PASSPHRASE_ENV, UsageError, _profile_paths, given_passphrase, say
    from app.cli import workstation_settings
    from app.models.user import ROLE_REMOTE_SECRETARY
    from app.services.errors import ValidationError
    from app.services.passphrase_policy import check_new_passphrase
    from app.sync.node import this_node
    from app.sync.pairing import INVITE_KIND, join, read_file, read_invite

    paths = _profile_paths(args)
    _refuse_existing(args.out)
    clock = SystemClock()
    invite = read_invite(read_file(args.invite, INVITE_KIND), now=clock.now(),
                         path=str(args.invite))
    body = invite.body
    name = body["peer_name"]
    passphrase = given_passphrase(args)
    created = not paths.exists()
    if created:
        if not passphrase:
            raise UsageError(_("Give the new passphrase in {env} or with --passphrase-file "
                               "FILE.").format(env=PASSPHRASE_ENV))
        check_new_passphrase(passphrase, context=[body["practice_name"], name])
        ws = _create_remote_profile(paths, body, passphrase, clock)
    else:
        ws = _open(args, paths)
    try:
        from app.services import access

        ws.require(access.SYNC_PEERS)
        if name not in {a.name for a in ws.accounts.list()}:
            if not passphrase:
                raise UsageError(_("Give the passphrase of the account {name} in {env} or "
                                   "with --passphrase-file FILE.").format(
                                       name=name, env=PASSPHRASE_ENV))
            try:
                ws.accounts.add(name, ROLE_REMOTE_SECRETARY, passphrase,
                                display_name=name)
            except ValidationError as exc:
                raise UsageError(*exc.errors.values()) from exc
        request = join(ws.store, invite, principal=ws.principal)
        own = this_node(ws.store).fingerprint
        _write_new(args.out, request)
    finally:
        ws.close()
    # Commands on this workstation act as its account from now on (--user to change).
    workstation_settings(args, paths).set("account", name)
    say(_("The practice's fingerprint: {fingerprint}").format(fingerprint=invite.fingerprint),
        _("Check that the practice's owner reads the same with 'permanence node show'."),
        _("Request written to {path}: send it to the practice's owner, with this "
          "workstation's fingerprint: {fingerprint}").format(path=args.out, fingerprint=own),
        _("Commands on this workstation now act as the account {name}.").format(name=name))
    return 0


def _create_remote_profile(paths, body: dict, passphrase: str, clock):
    from app.services.practice import PracticeInput
    from app.services.workspace import prepare_practice

    pending = prepare_practice(paths, PracticeInput(name=clean_name(body["practice_name"])
                                                    or "Cabinet",
                                                    timezone=body["timezone"]),
                               passphrase=passphrase, keychain=None, clock=clock)
    try:
        print(_("Recovery key (write it down and keep it safe; it is shown only once):"))
        print(f"    {pending.recovery_key}", flush=True)
        return pending.place(clock=clock)
    except BaseException:
        pending.discard()
        raise


def cmd_peer_accept(args) -> int:
    from app.cli import say
    from app.sync.pairing import REQUEST_KIND, read_file

    data = read_file(args.request, REQUEST_KIND)
    ws = _open(args)
    try:
        peer = _sharing(ws).accept(data, args.fingerprint, path=str(args.request))
    finally:
        ws.close()
    say(_("Paired with {name} (fingerprint {fingerprint}). It receives its default scope: "
          "'permanence peer scope {name}' shows or changes it.").format(
              name=peer.name, fingerprint=peer.fingerprint))
    return 0


def cmd_peer_revoke(args) -> int:
    from app.cli import say
    from app.services.errors import NotFound

    ws = _open(args)
    try:
        try:
            peer = _sharing(ws).revoke(args.name)
        except NotFound as exc:
            raise _no_such_peer(args.name) from exc
    finally:
        ws.close()
    say(_("{name} is revoked: nothing more is exchanged with it.").format(name=peer.name))
    return 0


def cmd_peer_offline_limit(args) -> int:
    from app.cli import UsageError, say
    from app.services.errors import ValidationError

    ws = _open(args)
    try:
        sharing = _sharing(ws)
        if args.days is not None:
            try:
                sharing.set_max_offline_days(args.days)
            except ValidationError as exc:
                raise UsageError(*exc.errors.values()) from exc
        days = sharing.max_offline_days()
    finally:
        ws.close()
    say(_("Longest offline period: {days} days. A workstation that has not acknowledged "
          "what was sent to it for longer must be paired again.").format(days=days))
    return 0


def cmd_peer_list(args) -> int:
    ws = _open(args)
    try:
        listed = _sharing(ws).list()
    finally:
        ws.close()
    if args.format == "json":
        print(json.dumps([_peer_json(p) for p in listed], ensure_ascii=False))
        return 0
    for p in listed:  # tab-separated: no field may hold a tab or a line break
        last = p.ledger.last_sync_at.isoformat(timespec="seconds") if p.ledger.last_sync_at \
            else "-"
        print("\t".join(clean_name(v) for v in (p.name, p.role, p.state,
                                                p.fingerprint or "-", last)))
    return 0


def _peer_json(p) -> dict:
    def instant(value):
        return value.isoformat(timespec="seconds") if value else None

    return {"name": clean_name(p.name), "role": p.role, "state": p.state,
            "node_id": p.node_id, "fingerprint": p.fingerprint,
            "paired_at": instant(p.paired_at), "revoked_at": instant(p.revoked_at),
            "last_sync_at": instant(p.ledger.last_sync_at),
            "last_error": clean_name(p.ledger.last_error),
            "scope": json.loads(p.scope.to_json())}


def cmd_peer_scope(args) -> int:
    from app.cli import UsageError, say
    from app.services.errors import NotFound, ValidationError
    from app.services.practice import list_practitioners
    from app.sync.scope import IDENTITY_FIELDS, PATIENT_FIELD_GROUPS

    ws = _open(args)
    try:
        sharing = _sharing(ws)
        try:
            peer = sharing.get(args.name)
        except NotFound as exc:
            raise _no_such_peer(args.name) from exc
        scope = peer.scope
        changes: dict = {}
        if args.practitioners is not None:
            if args.practitioners == "all":
                changes["practitioners"] = None
            else:
                known = {p.id for p in list_practitioners(ws.store)}
                ids = frozenset(x.strip() for x in args.practitioners.split(",") if x.strip())
                unknown = ids - known
                if unknown or not ids:
                    raise UsageError(_("Unknown practitioner: {ids} ('permanence "
                                       "practitioners' lists them).").format(
                                           ids=", ".join(sorted(unknown)) or "-"))
                changes["practitioners"] = ids
        for name in ("days_back", "days_ahead"):
            if getattr(args, name) is not None:
                changes[name] = getattr(args, name)
        if args.patient_fields is not None:
            groups = {g.strip() for g in args.patient_fields.split(",") if g.strip()}
            groups.discard("identity")
            if groups == {"none"}:
                groups = set()
            if groups - set(OPTIONAL_GROUPS):
                raise UsageError(_("--patient-fields: among {groups}, or none.").format(
                    groups=", ".join(OPTIONAL_GROUPS)))
            fields = set(IDENTITY_FIELDS)
            for group in groups:
                fields |= set(PATIENT_FIELD_GROUPS[group])
            changes["patient_fields"] = frozenset(fields)
        for kind in SHARED_KINDS:
            if getattr(args, kind) is not None:
                changes[kind] = getattr(args, kind) == "yes"
        if changes:
            try:
                peer = sharing.set_scope(peer.name, scope.with_changes(**changes))
            except ValidationError as exc:
                raise UsageError(*exc.errors.values()) from exc
    finally:
        ws.close()
    say(*scope_lines(peer.scope))
    return 0


def cmd_peer_policy(args) -> int:
    from app.cli import UsageError, say
    from app.services.errors import NotFound, ValidationError

    ws = _open(args)
    try:
        sharing = _sharing(ws)
        try:
            peer = sharing.get(args.name)
        except NotFound as exc:
            raise _no_such_peer(args.name) from exc
        changes = {item: getattr(args, item) == "yes" for item in POLICY_ITEMS
                   if getattr(args, item) is not None}
        if changes:
            try:
                peer = sharing.set_policy(peer.name, peer.policy.with_changes(**changes))
            except ValidationError as exc:
                raise UsageError(*exc.errors.values()) from exc
    finally:
        ws.close()
    if args.format == "json":
        say(json.dumps(peer.policy.as_dict(), sort_keys=True))
    else:
        say(*policy_lines(peer.policy))
    return 0


def policy_lines(policy) -> list[str]:
    labels = {"exports": _("Exports (files, RGPD export, day report PDF)"),
              "printing": _("Printing"), "clipboard": _("Copying a patient list"),
              "screenshots": _("Screenshots")}
    return ["{label}\t{state}".format(label=labels[item], state=(
        _("allowed") if getattr(policy, item) else _("forbidden"))) for item in POLICY_ITEMS]


def scope_lines(scope) -> list[str]:
    from app.sync.scope import PATIENT_FIELD_GROUPS

    groups = [g for g, fields in PATIENT_FIELD_GROUPS.items()
              if set(fields) <= scope.patient_fields]
    who = (_("every practitioner") if scope.practitioners is None
           else ", ".join(sorted(scope.practitioners)))
    return [
        _("Practitioners: {who}").format(who=who),
        _("Window: {back} days back, {ahead} days ahead").format(back=scope.days_back,
                                                                 ahead=scope.days_ahead),
        _("Patient fields: {groups}").format(groups=", ".join(groups)),
        *("{kind}: {shared}".format(kind=kind, shared="yes" if getattr(scope, kind) else "no")
          for kind in SHARED_KINDS),
    ]
