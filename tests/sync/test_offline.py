"""The longest offline period, on real profiles through a real folder with a clock the
test moves: a peer that leaves batches unacknowledged longer is marked "must be paired
again" and skipped with a message; paired again (a new invitation, join, accept), it
gets what the journal holds since it last acknowledged (the erasures made meanwhile
among it), then a fresh snapshot that carries what was deleted meanwhile; the journal stays whole
at least that long."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Message
from app.services.calls.events import CallInput
from app.services.errors import ValidationError
from app.services.messages import MessageInput
from app.services.retention import RetentionService
from app.storage import sync_limits
from app.sync.node import this_node
from app.sync.pairing import join, read_invite
from app.sync.round import AUDIT_MUST_REPAIR, must_repair_message, status
from tests.sync.roundkit import paired_through_a_folder, rows, sharing, sync


@pytest.fixture
def two(practice_factory, tmp_path):
    practice, remote, folder = paired_through_a_folder(practice_factory, tmp_path / "share")
    for ws in (practice, remote, practice, remote):
        sync(ws, folder)
    return practice, remote, folder


def _days(ws, n: float) -> None:
    ws.clock.advance(days=n)  # both profiles share the test's clock


def _message(ws, text: str) -> str:
    return ws.messages.send(MessageInput(text, caller_name="Durand",
                                         caller_phone="06 12 34 56 78")).id


def _delete(ws, message_id: str) -> None:
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.session.get(Message, message_id).deleted_at = uow.now


def _pair_again(practice, remote) -> None:
    invite = sharing(practice).invite("quimper")
    checked = read_invite(invite, now=remote.clock.now())
    request = join(remote.store, checked, principal=remote.principal)
    sharing(practice).accept(request, this_node(remote.store).fingerprint)


def test_a_peer_offline_too_long_must_be_paired_again_and_gets_a_snapshot(two):
    practice, remote, folder = two
    kept = _message(practice, "Reste")
    gone = _message(practice, "Sera supprimé")
    sync(practice, folder), sync(remote, folder), sync(practice, folder)
    assert {kept, gone} <= set(rows(remote, "message"))
    assert sharing(practice).max_offline_days() == sync_limits.DEFAULT_DAYS == 90

    # The practice sends; the workstation stays away.
    _delete(practice, gone)
    sent = sync(practice, folder).peers[0]
    assert sent.sent and not sent.must_repair
    _days(practice, 89)
    assert not sync(practice, folder).must_repair  # within the limit: still exchanged
    _days(practice, 2)
    skipped = sync(practice, folder)
    assert skipped.must_repair == ["quimper"]
    (peer,) = skipped.peers
    assert peer.sent == [] and peer.received == [] and peer.error == must_repair_message("quimper")
    (shown,) = status(practice.store, practice.clock)
    assert shown.must_repair and shown.error == must_repair_message("quimper")
    with practice.store.reader() as s:
        assert list(s.scalars(select(AuditEntry.action).where(
            AuditEntry.action == AUDIT_MUST_REPAIR))) == [AUDIT_MUST_REPAIR]
    # It stays marked, round after round.
    assert sync(practice, folder).must_repair == ["quimper"]

    # Paired again: a new invitation, the workstation joins, the owner accepts.
    _pair_again(practice, remote)
    (shown,) = status(practice.store, practice.clock)
    assert not shown.must_repair and shown.snapshot_due
    first = sync(practice, folder).peers[0]
    # What the journal holds since its last acknowledgement, then the snapshot.
    assert first.sent == [1, 2] and not first.must_repair
    got = sync(remote, folder).peers[0]
    assert got.refused_batch is None and got.received == [1, 2], got.error
    # The deletion made while it was away reached it with the snapshot.
    assert rows(remote, "message", [gone])[gone]["deleted_at"] is not None
    assert rows(remote, "message", [kept])[kept]["deleted_at"] is None
    # And the exchange goes on both ways.
    back = _message(remote, "Après le nouvel appariement")
    for ws in (remote, practice, remote, practice):
        result = sync(ws, folder)
        assert all(p.refused_batch is None and not p.must_repair for p in result.peers), \
            [p.error for p in result.peers]
    assert back in rows(practice, "message")


def test_a_peer_that_acknowledges_is_never_marked(two):
    practice, remote, folder = two
    for _ in range(4):
        _message(practice, "Encore")
        sync(practice, folder), sync(remote, folder), sync(practice, folder)
        _days(practice, 60)
    assert not sync(practice, folder).must_repair
    # Nothing waits for its acknowledgement: however long the silence, it is not marked.
    _days(practice, 400)
    assert not sync(practice, folder).must_repair


def test_the_limit_is_the_owners_and_a_healthy_peer_is_not_invited_again(two):
    practice, remote, folder = two
    sharing(practice).set_max_offline_days(30)
    assert sharing(practice).max_offline_days() == 30
    for wrong in (0, 6, 4000):
        with pytest.raises(ValidationError):
            sharing(practice).set_max_offline_days(wrong)
    assert sharing(practice).max_offline_days() == 30
    with pytest.raises(ValidationError):
        sharing(practice).invite("quimper")  # active and in touch: not paired again
    _message(practice, "Envoyé")
    sync(practice, folder)
    _days(practice, 31)
    assert sync(practice, folder).must_repair == ["quimper"]


def test_the_journal_stays_whole_for_the_longest_offline_period(two):
    practice, remote, folder = two
    retention = RetentionService(practice.store, principal=practice.principal,
                                 clock=practice.clock)
    retention.set_rules(replace(retention.rules(), journal_days=30))
    message = _message(practice, "Premier texte")
    with practice.store.unit_of_work(actor_id=practice.user_id) as uow:
        uow.session.get(Message, message).body = "Texte modifié"
    _days(practice, 60)
    # Older than the journal's 30 days, within the 90 days a peer may be away: kept.
    assert retention.apply(dry_run=True).journal_entries == 0
    _days(practice, 31)
    assert retention.apply(dry_run=True).journal_entries > 0


def test_an_erasure_made_while_the_workstation_was_away_reaches_it_paired_again(two):
    """The practice's retention rules erase a call the workstation holds while it is
    away too long; paired again, it gets a snapshot of the rows in scope now, which the
    old call left long ago: the erasure reaches it all the same."""
    practice, remote, folder = two
    call = practice.calls.record(CallInput("06 11 22 33 44", practice.clock.now(),
                                           note="Zqxaway note")).id
    sync(practice, folder), sync(remote, folder), sync(practice, folder)
    assert rows(remote, "call", [call])[call]["note"] == "Zqxaway note"
    _message(practice, "Pendant l'absence")
    assert sync(practice, folder).peers[0].sent  # never acknowledged
    _days(practice, 400)
    assert sync(practice, folder).must_repair == ["quimper"]
    assert practice.retention.apply().calls == 1
    _pair_again(practice, remote)
    for ws in (practice, remote, practice, remote):
        sync(ws, folder)
    assert rows(remote, "call", [call])[call]["note"] == ""
