"""A peer's scope on a real practice: what a first batch holds, what of the journal
travels, and which incoming changes are refused, with their reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import kinds
from app.models.agenda import Appointment
from app.models.ids import uuid7
from app.services.agenda.views import BookingInput
from app.services.directory import ContactInput
from app.services.patients import PatientInput
from app.storage import remote
from app.storage.changes import INSERT, UPDATE
from app.storage.remote import RemoteChange
from app.sync.scope import (
    DEFAULT_PATIENT_FIELDS, FIELD, OUT_OF_SCOPE, ROLE, Scope, ScopeError, default_scope,
    entered_scope,
    outgoing_in_scope, refused_incoming, snapshot,
)
from tests.agenda_fixtures import MONDAY, build_agenda

NOTE = "Tutelle : appeler sa fille"
FAR = MONDAY + timedelta(days=301)  # a Monday ten months ahead: outside the window


@pytest.fixture
def practice(workspace):
    a = build_agenda(workspace)
    ws = workspace
    noted = ws.patients.create(PatientInput(birth_name="Roux", first_names="Marc",
                                            admin_note=NOTE, alert="Malentendant")).id
    a.noted = noted
    a.near = ws.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 9), None,
                                         noted, a.consult)).appointment.id
    a.faure_near = ws.agenda.book(BookingInput(a.faure, a.at(MONDAY + timedelta(days=1), 9),
                                               None, a.patients[0], a.consult)).appointment.id
    a.far = ws.agenda.book(BookingInput(a.morel, a.at(FAR, 9), None, a.patients[1],
                                        a.consult)).appointment.id
    a.contact = ws.directory.create(ContactInput(name="Laboratoire Bio")).id
    return a


def _ids(changes, kind):
    return {c.entity_id for c in changes if c.kind == kind}


def test_the_default_scope_and_its_json():
    scope = default_scope("remote-secretary")
    assert scope.practitioners is None
    assert (scope.days_back, scope.days_ahead) == (30, 183)
    assert {"birth_name", "used_name", "first_names", "birth_date", "sex", "alert",
            "email", "phones"} <= scope.patient_fields
    assert "admin_note" not in scope.patient_fields
    assert scope.directory and scope.consignes and scope.calls and scope.messages
    assert scope.callbacks
    narrow = Scope(practitioners=frozenset({"a", "b"}), days_back=3, days_ahead=10,
                   directory=False, calls=False)
    assert Scope.from_json(narrow.to_json()) == narrow
    assert Scope.from_json("{}") == Scope() == Scope.from_json(None)
    assert json.loads(narrow.to_json())["practitioners"] == ["a", "b"]
    for bad in (Scope(patient_fields=DEFAULT_PATIENT_FIELDS | {"admin_note"}),
                Scope(patient_fields=DEFAULT_PATIENT_FIELDS - {"birth_name"}),
                Scope(patient_fields=DEFAULT_PATIENT_FIELDS | {"shoe_size"}),
                Scope(days_back=-1)):
        with pytest.raises(ScopeError):
            bad.check("remote-secretary")


def test_a_first_batch_holds_the_rows_in_scope_only(practice):
    a, ws = practice, practice.ws
    now = ws.clock.now()
    with ws.store.reader() as s:
        first = snapshot(s, Scope(), now)
        morel_only = snapshot(s, Scope(practitioners=frozenset({a.morel}), directory=False),
                              now)
    assert len({c.tx_id for c in first}) == 1 and all(c.op == INSERT for c in first)
    assert _ids(first, kinds.APPOINTMENT) == {a.near, a.faure_near}
    assert _ids(first, kinds.PATIENT) == {a.noted, a.patients[0]}  # not the far one's
    assert _ids(first, kinds.PRACTITIONER) == {a.morel, a.faure}
    assert a.contact in _ids(first, kinds.CONTACT)
    (noted,) = [c for c in first if c.entity_id == a.noted]
    assert noted.payload["alert"] == "Malentendant" and "admin_note" not in noted.payload
    assert all(NOTE not in json.dumps(c.payload) for c in first)

    assert _ids(morel_only, kinds.APPOINTMENT) == {a.near}
    assert _ids(morel_only, kinds.PATIENT) == {a.noted}
    assert _ids(morel_only, kinds.PRACTITIONER) == {a.morel}
    assert _ids(morel_only, kinds.CONTACT) == set()
    with ws.store.reader() as s:
        faure_hours = {r.id for r in s.scalars(select(remote.syncable_models()[
            kinds.OPENING_HOURS]).where(remote.syncable_models()[
                kinds.OPENING_HOURS].practitioner_id == a.faure))}
    assert faure_hours and not faure_hours & _ids(morel_only, kinds.OPENING_HOURS)


def test_a_first_batch_applies_whole_on_another_profile(practice, practice_factory):
    a, ws = practice, practice.ws
    with ws.store.reader() as s:
        first = snapshot(s, Scope(), ws.clock.now())
    other = practice_factory("remote").workspace
    applied = other.store.apply_remote(first, peer_node_id=ws.store.node_id,
                                       actor_id=other.user_id)
    assert a.near in applied.ids(kinds.APPOINTMENT)
    # Applied twice, nothing changes.
    assert other.store.apply_remote(first, peer_node_id=ws.store.node_id,
                                    actor_id=other.user_id) is None
    with other.store.reader() as s:
        assert s.get(Appointment, a.far) is None
        patient = s.get(remote.syncable_models()[kinds.PATIENT], a.noted)
        assert patient.alert == "Malentendant" and patient.admin_note == ""


def test_what_of_the_journal_travels(practice):
    a, ws = practice, practice.ws
    with ws.store.reader() as s:
        journal = [c for _, c in remote.outgoing(s, "peer", 0)]
        sent = outgoing_in_scope(s, Scope(), journal, ws.clock.now())
    assert a.far not in _ids(sent, kinds.APPOINTMENT)
    assert a.patients[1] not in _ids(sent, kinds.PATIENT)
    assert all(NOTE not in json.dumps(c.payload) for c in sent)
    assert not _ids(sent, kinds.PATIENT_MERGE)
    # Only the note changes: nothing travels.
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.session.get(remote.syncable_models()[kinds.PATIENT], a.noted).admin_note = "Autre"
    with ws.store.reader() as s:
        last = [c for _, c in remote.outgoing(s, "peer", 0)][-1:]
        assert last[0].kind == kinds.PATIENT and "admin_note" in last[0].payload
        assert outgoing_in_scope(s, Scope(), last, ws.clock.now()) == []
    # The far appointment moved into the window: its whole row, after its patient's.
    before = _journal_size(ws)
    ws.agenda.move(a.far, a.at(MONDAY + timedelta(days=2), 10))
    with ws.store.reader() as s:
        moved = [c for _, c in remote.outgoing(s, "peer", before)]
        sent = outgoing_in_scope(s, Scope(), moved, ws.clock.now())
    kinds_sent = [(c.kind, c.entity_id) for c in sent]
    assert (kinds.PATIENT, a.patients[1]) in kinds_sent
    assert kinds_sent.index((kinds.PATIENT, a.patients[1])) < kinds_sent.index(
        (kinds.APPOINTMENT, a.far))
    (whole,) = [c for c in sent if c.entity_id == a.far]
    assert {"practitioner_id", "patient_id", "type_id", "ends_at"} <= set(whole.payload)
    assert {c.tx_id for c in sent} <= {c.tx_id for c in moved}


def _journal_size(ws) -> int:
    with ws.store.reader() as s:
        return max((seq for seq, _ in remote.outgoing(s, "peer", 0)), default=0)


def _change(kind, op, entity_id, at, **payload):
    return RemoteChange(uuid7(), kind, entity_id, op, 1, "remote-node", at,
                        {k: v.isoformat() if hasattr(v, "isoformat") else v
                         for k, v in payload.items()})


def test_incoming_changes_outside_scope_or_rights_are_refused(practice):
    a, ws = practice, practice.ws
    now = ws.clock.now()
    book = dict(patient_id=a.noted, status="booked")
    fine = _change(kinds.APPOINTMENT, INSERT, uuid7(), now, practitioner_id=a.morel,
                   type_id=a.consult, starts_at=a.at(MONDAY + timedelta(days=3), 9),
                   ends_at=a.at(MONDAY + timedelta(days=3), 9, 15), **book)
    visit = _change(kinds.APPOINTMENT, INSERT, uuid7(), now, practitioner_id=a.morel,
                    type_id=a.visit, starts_at=a.at(MONDAY + timedelta(days=3), 15),
                    ends_at=a.at(MONDAY + timedelta(days=3), 15, 30), **book)
    late = _change(kinds.APPOINTMENT, INSERT, uuid7(), now, practitioner_id=a.morel,
                   type_id=a.consult, starts_at=a.at(FAR, 10), ends_at=a.at(FAR, 10, 15),
                   **book)
    faure = _change(kinds.APPOINTMENT, INSERT, uuid7(), now, practitioner_id=a.faure,
                    type_id=a.consult, starts_at=a.at(MONDAY + timedelta(days=3), 10),
                    ends_at=a.at(MONDAY + timedelta(days=3), 10, 15), **book)
    note = _change(kinds.PATIENT, UPDATE, a.noted, now, admin_note="effacée")
    city = _change(kinds.PATIENT, UPDATE, a.noted, now, city="Quimper")
    referrer = _change(kinds.PATIENT, UPDATE, a.noted, now, referring_doctor="Dr X")
    stranger = _change(kinds.PATIENT, UPDATE, a.patients[2], now, city="Brest")
    contact = _change(kinds.CONTACT, INSERT, uuid7(), now, name="Labo", category="other")
    motif = _change(kinds.APPOINTMENT_TYPE, UPDATE, a.consult, now, name="Autre")
    naive = _change(kinds.APPOINTMENT, INSERT, uuid7(), now, practitioner_id=a.morel,
                    type_id=a.consult, starts_at="2026-03-19T09:00:00",
                    ends_at="2026-03-19T09:15:00", **book)
    number = _change(kinds.APPOINTMENT, INSERT, uuid7(), now, practitioner_id=a.morel,
                     type_id=a.consult, starts_at=12, ends_at=13, **book)
    scope = Scope(practitioners=frozenset({a.morel}))
    changes = [fine, visit, late, faure, note, city, referrer, stranger, contact, motif, naive,
               number]
    with ws.store.reader() as s:
        refused = refused_incoming(s, scope, "remote-secretary", changes)
        from_practice = refused_incoming(s, Scope.everything(), "practice", changes)
    reasons = {r.change.entity_id if r.change.kind != kinds.PATIENT else
               r.change.payload and next(iter(r.change.payload)): r.reason for r in refused}
    assert reasons == {
        visit.entity_id: ROLE, late.entity_id: OUT_OF_SCOPE, faure.entity_id: OUT_OF_SCOPE,
        "admin_note": ROLE, "referring_doctor": FIELD, contact.entity_id: ROLE,
        a.consult: ROLE, "city": OUT_OF_SCOPE, naive.entity_id: OUT_OF_SCOPE,
        number.entity_id: OUT_OF_SCOPE}
    assert [r.change for r in refused if r.change.payload.get("city") == "Quimper"] == []
    assert all(r.message for r in refused)
    assert from_practice == []


def test_the_window_brings_rows_in_as_days_pass(practice):
    a, ws = practice, practice.ws
    now = ws.clock.now()
    with ws.store.reader() as s:
        assert entered_scope(s, Scope(), now, now + timedelta(days=1)) == []
        later = entered_scope(s, Scope(), now, now + timedelta(days=130))
        narrow = entered_scope(s, Scope(practitioners=frozenset({a.faure})), now,
                               now + timedelta(days=130))
    assert [(c.kind, c.entity_id) for c in later][0] == (kinds.PATIENT, a.patients[1])
    assert (kinds.APPOINTMENT, a.far) in [(c.kind, c.entity_id) for c in later]
    assert len({c.tx_id for c in later}) == 1
    assert narrow == []


def test_a_scope_change_asks_for_a_snapshot(practice, practice_factory):
    from app.sync import peers
    from app.sync.node import this_node
    from app.sync.pairing import Sharing, join, read_invite

    ws = practice.ws
    remote = practice_factory("remote").workspace
    sharing = Sharing(ws.store, principal=ws.principal, clock=ws.clock)
    invite = read_invite(sharing.invite("quimper"), now=ws.clock.now())
    request = join(remote.store, invite, principal=remote.principal)
    assert sharing.accept(request, this_node(remote.store).fingerprint).ledger.snapshot_due
    node_id = remote.store.node_id
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        peers.record_snapshot_sent(uow, node_id)
    assert not sharing.get("quimper").ledger.snapshot_due
    assert not sharing.set_scope("quimper", Scope()).ledger.snapshot_due  # the same scope
    assert sharing.set_scope("quimper", Scope(calls=False)).ledger.snapshot_due
