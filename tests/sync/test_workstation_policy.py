"""The practice's lines and its policy for a remote workstation travel with sync between
two real profiles paired through the real pairing code, over a real folder; the policy
is enforced at the workstation's service boundary (accès refusé, nothing written), and
only the practice sets it."""

from __future__ import annotations

import json
import pytest
from sqlalchemy import select

from app.errors import ExitCode
from app.models import AuditEntry
from app.services import access
from app.services.calls.lines import (
    LinesReadOnly, lines_of_profile, practice_lines, set_practice_lines,
)
from app.services.errors import ValidationError
from app.services.phones import InvalidPhone
from app.services.workstation_policy import WorkstationPolicy, received_policy
from app.sync.pairing import Sharing
from app.sync.target import SyncTarget, run_round_of
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.sync.roundkit import sharing, sync


def _round(practice, remote, folder):
    sync(practice, folder), sync(remote, folder), sync(practice, folder)


def _export(ws, path):
    return ws.exports.export_patients_csv(path)


def test_the_owner_forbids_then_allows_exports_and_the_workstation_follows(two, tmp_path):
    practice, remote, folder = two
    build_agenda(practice)
    out = tmp_path / "out"
    out.mkdir()
    # At the practice, nothing is restricted: its owner exports.
    _export(practice, out / "practice.csv")
    assert practice.may(access.EXPORT) and not access.forbidden_by_policy(
        practice.principal, access.EXPORT)
    # Paired: the default policy forbids everything that takes data out.
    assert sharing(practice).get("quimper").policy == WorkstationPolicy()
    _round(practice, remote, folder)
    assert received_policy(remote.store) == WorkstationPolicy()
    for action in access.POLICY_ACTIONS:
        assert not remote.may(action), action  # the workstation's own owner included
    with pytest.raises(access.PolicyDenied) as refused:
        _export(remote, out / "remote.csv")
    assert refused.value.exit_code == ExitCode.ACCESS_DENIED == 7
    assert "politique du cabinet" in refused.value.user_message
    assert not (out / "remote.csv").exists()

    # The owner allows exports: one round brings it, with no other change to carry.
    sharing(practice).set_policy("quimper", WorkstationPolicy(exports=True))
    first = sync(practice, folder).peers[0]
    assert first.sent, "a change of policy alone makes a batch"
    sync(remote, folder)
    assert remote.may(access.EXPORT) and not remote.may(access.PRINT)
    _export(remote, out / "remote.csv")
    assert (out / "remote.csv").stat().st_size > 0
    with pytest.raises(access.PolicyDenied):
        remote.day_reports.record_output(MONDAY, None, output="printer")

    # Forbidden again: refused again, nothing written; the change is in both trails.
    sharing(practice).set_policy("quimper", WorkstationPolicy())
    _round(practice, remote, folder)
    with pytest.raises(access.PolicyDenied):
        _export(remote, out / "again.csv")
    assert not (out / "again.csv").exists()
    with practice.store.reader() as s:
        set_entries = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "peer_policy")).all()
    with remote.store.reader() as s:
        got = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "sync_policy_received")).all()
    assert len(set_entries) == 2 and "exports=on" in set_entries[0]
    assert [d.split()[0] for d in got] == ["exports=off", "exports=on", "exports=off"]


def test_only_the_practice_sets_the_policy(two):
    practice, remote, folder = two
    _round(practice, remote, folder)
    remote_sharing = Sharing(remote.store, principal=remote.principal, clock=remote.clock)
    practice_peer = remote_sharing.list()[0].name
    with pytest.raises(ValidationError):
        remote_sharing.set_policy(practice_peer, WorkstationPolicy(exports=True))
    assert not remote.may(access.EXPORT)


def test_the_lines_travel_read_only_and_are_copied_for_reading_without_the_key(two):
    practice, remote, folder = two
    with pytest.raises(ValidationError) as refused:
        set_practice_lines(practice.store, ["04 78 12 34 56", "12"],
                           principal=practice.principal, paths=practice.paths)
    assert InvalidPhone("").user_message in " ".join(refused.value.errors.values())
    assert practice_lines(practice.store) == []
    lines = set_practice_lines(practice.store, ["04 78 12 34 56", "+33 9 70 12 34 56",
                                                "0478123456"],
                               principal=practice.principal, paths=practice.paths)
    assert lines == ["+33478123456", "+33970123456"]
    assert lines_of_profile(practice.paths) == lines
    raw = json.loads(practice.paths.workstation_settings.read_text(encoding="utf-8"))
    assert raw["lines"] == lines
    target = SyncTarget(via=str(folder))
    run_round_of(practice, target), run_round_of(remote, target)
    assert practice_lines(remote.store) == lines
    assert lines_of_profile(remote.paths) == lines  # the copy follows the round
    with pytest.raises(LinesReadOnly) as read_only:
        set_practice_lines(remote.store, ["01 23 45 67 89"], principal=remote.principal,
                           paths=remote.paths)
    assert read_only.value.exit_code == ExitCode.ACCESS_DENIED
    assert practice_lines(remote.store) == lines


def test_a_policy_received_later_holds_in_a_session_already_open(two):
    """The policy is read at each check: a round during the session is enough."""
    practice, remote, folder = two
    _round(practice, remote, folder)
    assert not remote.may(access.PATIENTS_COPY)
    sharing(practice).set_policy("quimper", WorkstationPolicy(clipboard=True,
                                                              screenshots=True))
    _round(practice, remote, folder)
    assert remote.may(access.PATIENTS_COPY) and remote.may(access.SCREENSHOTS)
    assert not remote.may(access.EXPORT)


def test_a_policy_in_a_workstation_batch_is_ignored_by_the_practice(two):
    """Signed by the workstation, well formed: still not the practice's policy."""
    from app.storage.migrate import head_revision
    from app.sync import batch, peers
    from app.sync.node import this_node
    from app.sync.transport import Mailbox, connect

    practice, remote, folder = two
    _round(practice, remote, folder)
    node = this_node(remote.store)
    with remote.store.reader() as s:
        to_practice = peers.list_peers(s)[0]
    ledger = to_practice.ledger
    document = batch.payload_document(
        [], sender=node.node_id, receiver=to_practice.node_id, seq=ledger.next_send_seq,
        acknowledges=ledger.last_received_seq, journal_through=0,
        policy={"exports": True, "printing": True, "clipboard": True, "screenshots": True})
    sealed = batch.seal(document, signing_key=node.signing_key.private_bytes_raw(),
                        recipient=to_practice.age_recipient, schema=head_revision(),
                        prev=ledger.last_sent_hash, created_at=remote.clock.now())
    transport = connect(folder)
    try:
        Mailbox(transport, node.node_id).post(to_practice.node_id, ledger.next_send_seq,
                                              sealed.header, sealed.ciphertext)
    finally:
        transport.close()
    got = sync(practice, folder).peers[0]
    assert got.received == [ledger.next_send_seq] and got.refused_batch is None
    assert any("seul le cabinet" in w for w in got.warnings)
    assert received_policy(practice.store) is None
    assert sharing(practice).get("quimper").policy == WorkstationPolicy()


def test_a_malformed_policy_refuses_the_batch(two):
    from app.storage.migrate import head_revision, known_revisions
    from app.sync import batch
    from app.sync.node import this_node

    practice, remote, _folder = two
    sender, receiver = this_node(practice.store), this_node(remote.store)
    for policy in ({"exports": "yes"}, ["exports"]):
        document = batch.payload_document([], sender=sender.node_id,
                                          receiver=receiver.node_id, seq=1, acknowledges=0,
                                          journal_through=0)
        document["policy"] = policy  # as a forger would write it
        sealed = batch.seal(document, signing_key=sender.signing_key.private_bytes_raw(),
                            recipient=receiver.age_recipient, schema=head_revision(), prev="",
                            created_at=practice.clock.now())
        checked = batch.verify(sealed.header, sealed.ciphertext, receiver=receiver.node_id,
                               sender_key=sender.verify_key, revoked_at=None, next_seq=1,
                               last_hash="", known_schemas=known_revisions(),
                               now=practice.clock.now())
        with pytest.raises(batch.MalformedBatch):
            batch.open_batch(checked, sealed.ciphertext, receiver.age_identity)
