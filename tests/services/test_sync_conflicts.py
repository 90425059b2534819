"""Resolving sync conflicts: keep the value in the record, or take the other one (a
normal edit that reaches the peer without a new conflict); audited; once only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal, Patient, SyncConflict
from app.models.conflict import KEPT, SEEN, TOOK_OTHER
from app.services.errors import ConcurrentEdit, MessageError
from tests.storage.test_remote_apply import edit, last_seq, send, since
from tests.storage.test_sync_conflicts_apply import _book, _practitioner, shared


@pytest.fixture
def conflicted(practice_factory, clock):
    """A card whose town was changed on both A (Tours) and later B (Blois), both synced."""
    a = practice_factory("node-a").workspace
    b = practice_factory("node-b").workspace
    pid = shared(a, b)
    seq_a, seq_b = last_seq(a), last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours")
    clock.advance(minutes=1)
    edit(b, pid, city="Blois")
    send(a, b, since(a, b, seq_a))
    send(b, a, since(b, a, seq_b))
    return a, b, pid


def city(ws, pid):
    with ws.store.reader() as s:
        return s.get(Patient, pid).city


def writes(ws):
    with ws.store.reader() as s:
        return (s.execute(select(func.count()).select_from(ChangeJournal)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_the_list_says_what_which_record_and_both_values(conflicted):
    a, _b, pid = conflicted
    assert a.sync_conflicts.count_open() == 1
    (view,) = a.sync_conflicts.open_conflicts()
    assert (view.entity_id, view.field, view.what) == (pid, "city", "ville")
    assert view.record == "LEFÈVRE Hélène"
    assert (view.kept, view.other) == ("Blois", "Tours")
    assert view.choices == (KEPT, TOOK_OTHER)


def test_taking_the_other_value_is_an_edit_that_reaches_the_peer_quietly(conflicted, clock):
    a, b, pid = conflicted
    (view,) = a.sync_conflicts.open_conflicts()
    seq = last_seq(a)
    clock.advance(minutes=1)
    a.sync_conflicts.resolve(view.id, TOOK_OTHER)
    assert city(a, pid) == "Tours"
    assert a.sync_conflicts.open_conflicts() == []
    with a.store.reader() as s:
        c = s.get(SyncConflict, view.id)
        assert (c.resolution, c.resolved_by, c.resolved_at) == (TOOK_OTHER, a.user_id,
                                                                clock.now())
        last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)).scalars()
        assert {(e.action, e.entity_id) for e in last} == {("resolve", pid), ("update", pid)}
    send(a, b, since(a, b, seq))
    assert city(b, pid) == "Tours"
    assert b.sync_conflicts.count_open() == 1  # B's own list is B's to resolve
    with b.store.reader() as s:
        assert s.execute(select(func.count()).select_from(SyncConflict)).scalar_one() == 1


def test_keeping_the_value_writes_nothing_but_the_audit_entry(conflicted):
    a, _b, pid = conflicted
    (view,) = a.sync_conflicts.open_conflicts()
    journal, audit = writes(a)
    a.sync_conflicts.resolve(view.id, KEPT)
    assert writes(a) == (journal, audit + 1)
    assert city(a, pid) == "Blois" and a.sync_conflicts.count_open() == 0
    with pytest.raises(MessageError) as again:
        a.sync_conflicts.resolve(view.id, KEPT)
    assert again.value.user_message == "Ce conflit a déjà été résolu."


def test_the_other_value_is_not_taken_over_a_later_edit(conflicted, clock):
    a, _b, pid = conflicted
    (view,) = a.sync_conflicts.open_conflicts()
    clock.advance(minutes=1)
    edit(a, pid, city="Vierzon")
    before = writes(a)
    with pytest.raises(ConcurrentEdit):
        a.sync_conflicts.resolve(view.id, TOOK_OTHER)
    assert writes(a) == before and city(a, pid) == "Vierzon"
    assert a.sync_conflicts.count_open() == 1


def test_an_overlap_is_marked_as_seen(practice_factory):
    from datetime import datetime, timedelta, timezone

    a = practice_factory("node-a").workspace
    b = practice_factory("node-b").workspace
    roux = _practitioner(a, b)
    seq_b = last_seq(b)
    nine = datetime(2026, 3, 17, 9, 0, tzinfo=timezone.utc)
    _book(a, roux, nine, 30)
    _book(b, roux, nine + timedelta(minutes=10), 30)
    send(b, a, since(b, a, seq_b))
    (view,) = a.sync_conflicts.open_conflicts()
    assert view.choices == (SEEN,) and view.what == "rendez-vous qui se chevauchent"
    # The one that arrived, then the one that was here; in practice time (Paris).
    assert (view.kept, view.other) == ("Dr Anne Roux, le 17/03/2026 de 10:10 à 10:40",
                                       "Dr Anne Roux, le 17/03/2026 de 10:00 à 10:30")
    with pytest.raises(ValueError):
        a.sync_conflicts.resolve(view.id, TOOK_OTHER)
    a.sync_conflicts.resolve(view.id, SEEN)
    assert a.sync_conflicts.count_open() == 0
