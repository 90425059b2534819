"""``permanence sync``: one sync round with every paired installation, and where the
exchange stands.

``sync --via DIR|sftp://USER@HOST:PORT/PATH`` receives what the peers sent and sends
each what is pending (``app.sync.round``), then prints a short summary; a refused batch
exits 9, an unusable folder or server 8, a peer skipped because it must be paired again
11. ``sync status`` lists the peers with their last
batches, pending changes, conflicts and errors; ``sync conflicts`` the conflicts to
resolve. Both take ``--format json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.clock import SystemClock
from app.i18n import _, ngettext
from app.models.text import clean_name

STATUS, CONFLICTS = "status", "conflicts"


def register(sub, common) -> None:
    sync = sub.add_parser("sync", help=_("synchronise with the paired installations "
                                         "through a folder or an SFTP server; 'sync status', "
                                         "'sync conflicts'"))
    common(sync, top=False)
    # One parser for "sync" alone and "sync status|conflicts": argparse cannot make a
    # subcommand optional, an optional positional can.
    sync.add_argument("what", nargs="?", choices=(STATUS, CONFLICTS), metavar="status|conflicts",
                      help=_("status: where the exchange stands; conflicts: what to "
                             "resolve (without it: one sync round)"))
    sync.add_argument("--via", metavar="DIR|sftp://USER@HOST:PORT/PATH",
                      help=_("the sync folder, or the SFTP server and its absolute path"))
    sync.add_argument("--identity", type=Path, metavar="KEY",
                      help=_("SFTP: the private key file to log in with"))
    sync.add_argument("--host-key", type=Path, metavar="FILE",
                      help=_("SFTP: the server's public key (.pub or a known_hosts line), "
                             "required and pinned"))
    sync.add_argument("--confirm-deletions", action="append", default=[], metavar="PEER",
                      help=_("apply the deletions held back from PEER (the owner only)"))
    sync.add_argument("--format", choices=("text", "json"), default="text",
                      help=_("status and conflicts: text or JSON"))
    sync.set_defaults(handler=cmd_sync)


def _open(args):
    from app.cli import _profile_paths, headless_key
    from app.services.workspace import open_workspace

    paths = _profile_paths(args)
    return open_workspace(paths, headless_key(paths, args), clock=SystemClock())


def cmd_sync(args) -> int:
    from app.cli import UsageError

    if args.what is None:
        if not args.via:
            raise UsageError(_("Say where to synchronise: --via DIR or --via "
                               "sftp://USER@HOST:PORT/PATH."))
        if args.format != "text":
            raise UsageError(_("--format applies to 'sync status' and 'sync conflicts'."))
        return _round(args)
    if args.via or args.identity or args.host_key or args.confirm_deletions:
        raise UsageError(_("--via, --identity, --host-key and --confirm-deletions apply to a "
                           "sync round, not to 'sync {what}'.").format(what=args.what))
    return _status(args) if args.what == STATUS else _conflicts(args)


def _round(args) -> int:
    from app.cli import say
    from app.errors import ExitCode
    from app.services import access
    from app.services.calls.lines import write_lines_copy
    from app.sync.round import SyncRound, held_message, must_repair_message
    from app.sync.transport import LocalMetaPins, Mailbox, open_transport, pinned_notice

    ws = _open(args)
    try:
        if args.confirm_deletions:
            ws.require(access.SYNC_PEERS)  # the owner's confirmation only
        notices: list[str] = []
        with open_transport(args.via, identity=args.identity, pins=LocalMetaPins(ws.store),
                            host_key_file=args.host_key,
                            on_pinned=lambda fp: notices.append(pinned_notice(args.via, fp))
                            ) as transport:
            result = SyncRound(ws.store, actor_id=ws.user_id, clock=ws.clock,
                               is_owner=ws.principal.is_owner,
                               confirm_deletions=frozenset(args.confirm_deletions)
                               ).run(Mailbox(transport, ws.store.node_id))
        if result.applied or result.wiped:
            write_lines_copy(ws.store, ws.paths)  # the lines, readable without the key
    finally:
        ws.close()
    say(*notices)
    if result.wiped:
        say(_("The practice {practice} revoked this workstation: what it held of the "
              "practice was deleted from this profile.").format(
                  practice=clean_name(result.wiped)))
        return 0
    for name in result.notified:
        say(_("{peer} was revoked: it is told so, and deletes its copy of the practice at "
              "its next synchronisation.").format(peer=clean_name(name)))
    if not result.peers and not result.notified:
        say(_("No installation is paired with this one: nothing to synchronise."))
    for p in result.peers:
        name = clean_name(p.name)
        say(_("{peer}: {sent} sent, {received} received, {applied} applied.").format(
            peer=name,
            sent=ngettext("{n} batch", "{n} batches", len(p.sent)).format(n=len(p.sent)),
            received=ngettext("{n} batch", "{n} batches", len(p.received)).format(
                n=len(p.received)),
            applied=ngettext("{n} change", "{n} changes", p.applied).format(n=p.applied)))
        if p.conflicts:
            say(ngettext("{peer}: {n} conflict to resolve (permanence sync conflicts).",
                         "{peer}: {n} conflicts to resolve (permanence sync conflicts).",
                         p.conflicts).format(peer=name, n=p.conflicts))
        for refusal in p.refused_changes:
            say(_("{peer}: a change refused ({kind}): {reason}").format(
                peer=name, kind=refusal.change.kind, reason=refusal.message))
        if p.waiting:
            say(_("{peer}: batches {seqs} wait for an earlier one still missing.").format(
                peer=name, seqs=", ".join(str(s) for s in p.waiting)))
        if p.held is not None:
            say(held_message(name, p.held))
        for warning in p.warnings:
            say("{peer}: {warning}".format(peer=name, warning=warning))
        if p.refused_batch is not None:
            say("{peer}: {reason}".format(peer=name, reason=p.refused_batch.user_message),
                file=sys.stderr)
    for sender in result.unknown_senders:
        say(_("Batches from an installation that is not paired with this one were left "
              "aside ({node}).").format(node=sender), file=sys.stderr)
    for name in result.must_repair:
        say(must_repair_message(clean_name(name)), file=sys.stderr)
    if result.refused:
        return int(ExitCode.BATCH_REFUSED)
    return int(ExitCode.PEER_MUST_REPAIR) if result.must_repair else 0


def _status(args) -> int:
    from app.cli import say
    from app.services import access
    from app.sync.round import status

    ws = _open(args)
    try:
        listed = status(ws.store, ws.clock)
        conflicts = (ws.sync_conflicts.count_open()
                     if access.SYNC_CONFLICTS in access.MATRIX.get(ws.principal.role, ())
                     else None)
    finally:
        ws.close()

    def instant(value):
        return value.isoformat(timespec="seconds") if value else None

    if args.format == "json":
        print(json.dumps({"peers": [{
            "name": clean_name(p.name), "role": p.role, "state": p.state,
            "node_id": p.node_id, "last_sent": p.last_sent, "last_received": p.last_received,
            "acknowledged": p.acknowledged, "last_sync_at": instant(p.last_sync_at),
            "pending": p.pending, "snapshot_due": p.snapshot_due,
            "must_repair": p.must_repair, "error": clean_name(p.error)} for p in listed],
            "conflicts": conflicts}, ensure_ascii=False))
        return 0
    if not listed:
        say(_("No installation is paired with this one."))
    for p in listed:
        say(_("{peer} ({state}): last batch sent {sent}, received {received}; last sync "
              "{at}; {pending} pending").format(
            peer=clean_name(p.name), state=p.state, sent=p.last_sent, received=p.last_received,
            at=instant(p.last_sync_at) or _("never"),
            pending=ngettext("{n} change", "{n} changes", p.pending).format(n=p.pending)))
        if p.must_repair:
            say(_("  must be paired again: it stayed offline too long"))
        if p.error:
            say(_("  problem: {error}").format(error=clean_name(p.error)))
    if conflicts:
        say(ngettext("{n} conflict to resolve (permanence sync conflicts).",
                     "{n} conflicts to resolve (permanence sync conflicts).",
                     conflicts).format(n=conflicts))
    return 0


def _conflicts(args) -> int:
    from app.cli import say

    ws = _open(args)
    try:
        listed = ws.sync_conflicts.open_conflicts()
    finally:
        ws.close()
    if args.format == "json":
        print(json.dumps([{
            "id": c.id, "conflict": c.conflict, "kind": c.kind, "entity_id": c.entity_id,
            "field": c.field, "record": clean_name(c.record), "what": clean_name(c.what),
            "kept": clean_name(c.kept), "other": clean_name(c.other),
            "detected_at": c.detected_at.isoformat(timespec="seconds")} for c in listed],
            ensure_ascii=False))
        return 0
    if not listed:
        say(_("No conflict to resolve."))
    for c in listed:  # tab-separated: no field may hold a tab or a line break
        print("\t".join(clean_name(v) for v in (
            c.detected_at.isoformat(timespec="seconds"), c.record, c.what, c.kept, c.other)))
    return 0
