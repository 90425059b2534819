"""Conflicts met while applying a peer's changes: the later value wins on both nodes and
the other one is recorded, on both, once; edits one after the other, different fields
and equal values are no conflict; appointments that overlap after a merge are flagged
on both sides and both kept."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.models import Appointment, Patient, Practitioner, SyncConflict
from app.models.conflict import FIELD, OVERLAP
from app.services.patients import PatientInput
from tests.storage.test_remote_apply import card, edit, last_seq, send, since


@pytest.fixture
def nodes(practice_factory):
    return practice_factory("node-a").workspace, practice_factory("node-b").workspace


def conflicts(ws) -> list[SyncConflict]:
    with ws.store.reader() as s:
        return s.execute(select(SyncConflict).order_by(SyncConflict.detected_at,
                                                       SyncConflict.key)).scalars().all()


def shared(a, b) -> str:
    seq = last_seq(a)
    pid = a.patients.create(PatientInput(birth_name="Lefèvre", first_names="Hélène",
                                         city="Lyon")).id
    send(a, b, since(a, b, seq))
    return pid


def stamp(ws, pid: str) -> int:
    with ws.store.reader() as s:
        return s.get(Patient, pid).version


def test_one_field_edited_on_both_sides_keeps_the_later_and_records_the_other(nodes, clock):
    a, b = nodes
    pid = shared(a, b)
    seq_a, seq_b = last_seq(a), last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours")  # older
    tours = stamp(a, pid)
    clock.advance(minutes=1)
    edit(b, pid, city="Blois")  # later: wins on both sides
    blois = stamp(b, pid)

    send(a, b, since(a, b, seq_a))  # B: the incoming value is older, it loses
    send(b, a, since(b, a, seq_b))  # A: the incoming value is later, it wins

    assert card(a, pid) == card(b, pid)
    for ws in (a, b):
        (c,) = conflicts(ws)
        assert (c.conflict, c.kind, c.entity_id, c.field) == (FIELD, "patient", pid, "city")
        assert (json.loads(c.kept_value), c.kept_stamp, c.kept_node) == \
            ("Blois", blois, b.store.node_id)
        assert (json.loads(c.other_value), c.other_stamp, c.other_node) == \
            ("Tours", tours, a.store.node_id)
        assert c.resolved_at is None and c.detected_at == clock.now()
    assert conflicts(a)[0].peer_node == b.store.node_id
    assert conflicts(b)[0].peer_node == a.store.node_id
    with a.store.reader() as s:
        assert s.get(Patient, pid).city == "Blois"


def test_applying_the_same_changes_again_records_nothing_twice(nodes, clock):
    a, b = nodes
    pid = shared(a, b)
    seq_a, seq_b = last_seq(a), last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours")
    clock.advance(minutes=1)
    edit(b, pid, city="Blois")
    from_a, from_b = since(a, b, seq_a), since(b, a, seq_b)
    for _ in range(2):
        send(a, b, from_a)
        send(b, a, from_b)
    assert len(conflicts(a)) == len(conflicts(b)) == 1


def test_edits_one_after_the_other_are_no_conflict(nodes, clock):
    a, b = nodes
    pid = shared(a, b)
    seq_a = last_seq(a)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours")
    send(a, b, since(a, b, seq_a))
    seq_b = last_seq(b)
    clock.advance(minutes=1)
    edit(b, pid, city="Blois")  # B had seen Tours
    send(b, a, since(b, a, seq_b))
    # And the old change arriving again at B (through another path) is no conflict either.
    send(a, b, since(a, b, seq_a))
    assert conflicts(a) == conflicts(b) == []
    assert card(a, pid) == card(b, pid)


def test_different_fields_and_equal_values_are_no_conflict(nodes, clock):
    a, b = nodes
    pid = shared(a, b)
    seq_a, seq_b = last_seq(a), last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours", email="h@exemple.fr")
    clock.advance(minutes=1)
    edit(b, pid, first_names="Hélène Marie", email="h@exemple.fr")
    send(a, b, since(a, b, seq_a))
    send(b, a, since(b, a, seq_b))
    assert conflicts(a) == conflicts(b) == []
    assert card(a, pid) == card(b, pid)


def test_the_recorded_value_survives_a_local_edit_losing_to_a_later_remote_one(nodes, clock):
    """The local value is the one that loses: it is what the conflict keeps."""
    a, b = nodes
    pid = shared(a, b)
    seq_b = last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours", email="a@exemple.fr")
    clock.advance(minutes=1)
    edit(b, pid, city="Blois")
    send(b, a, since(b, a, seq_b))
    (c,) = conflicts(a)
    assert json.loads(c.other_value) == "Tours" and c.other_node == a.store.node_id
    with a.store.reader() as s:
        p = s.get(Patient, pid)
        assert (p.city, p.email) == ("Blois", "a@exemple.fr")


def _practitioner(a, b) -> str:
    seq = last_seq(a)
    with a.store.unit_of_work(actor_id=a.user_id) as uow:
        p = Practitioner(first_name="Anne", last_name="Roux")
        uow.session.add(p)
    send(a, b, since(a, b, seq))
    return p.id


def _book(ws, practitioner_id: str, start: datetime, minutes: int, **extra) -> str:
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        appointment = Appointment(practitioner_id=practitioner_id, starts_at=start,
                                  ends_at=start + timedelta(minutes=minutes), **extra)
        uow.session.add(appointment)
    return appointment.id


def test_appointments_that_overlap_after_a_merge_are_flagged_on_both_sides(nodes, clock):
    a, b = nodes
    roux = _practitioner(a, b)
    seq_a, seq_b = last_seq(a), last_seq(b)
    ten = datetime(2026, 3, 17, 9, 0, tzinfo=timezone.utc)
    mine = _book(a, roux, ten, 30)
    theirs = _book(b, roux, ten + timedelta(minutes=15), 30)
    _book(b, roux, ten + timedelta(minutes=30), 15)  # right after: no overlap
    _book(b, roux, ten, 30, status="cancelled")  # cancelled: holds no time
    send(a, b, since(a, b, seq_a))
    send(b, a, since(b, a, seq_b))
    for ws in (a, b):
        (c,) = conflicts(ws)
        assert c.conflict == OVERLAP and {c.entity_id, c.other_entity_id} == {mine, theirs}
        with ws.store.reader() as s:  # never dropped
            assert s.execute(select(func.count()).select_from(Appointment).where(
                Appointment.deleted_at.is_(None))).scalar_one() == 4
    # Again: still one.
    send(a, b, since(a, b, seq_a))
    assert len(conflicts(b)) == 1


def test_a_conflict_in_the_middle_of_a_batch_loses_none_of_its_other_changes(nodes, clock):
    """New rows of a batch are written together; a conflict met half-way writes what is
    pending first, and a later change of a row the batch inserted still lands."""
    a, b = nodes
    pid = shared(a, b)
    seq_a = last_seq(a)
    clock.advance(minutes=1)
    edit(b, pid, city="Blois")  # older
    clock.advance(minutes=1)
    other = a.patients.create(PatientInput(birth_name="Martin", first_names="Paul")).id
    edit(a, pid, city="Tours")  # later, concurrent with Blois
    edit(a, other, city="Dijon", email="p@exemple.fr")

    send(a, b, since(a, b, seq_a))

    (c,) = conflicts(b)
    assert (json.loads(c.kept_value), json.loads(c.other_value)) == ("Tours", "Blois")
    assert card(b, other) == card(a, other)
    assert card(b, pid) == card(a, pid)
    with b.store.reader() as s:
        assert (s.get(Patient, other).city, s.get(Patient, other).email) == \
            ("Dijon", "p@exemple.fr")
