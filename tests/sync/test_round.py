"""Sync rounds between a practice and a remote secretary's workstation: real profiles
paired through the real pairing code, batches through a real folder or a real OpenSSH
server; agenda, patients, calls, messages, callbacks and consignes both ways; applying
twice changes nothing; conflicts listed; refusals reported; a mass deletion held."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Message, Patient, kinds
from app.services.agenda.views import BookingInput
from app.services.calls.events import CallInput
from app.services.consignes import ConsigneInput
from app.services.messages import MessageInput
from app.sync import peers
from app.sync.round import status
from app.sync.scope import FIELD, ROLE, Scope
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.sync.roundkit import rows, sharing, sync
from tests.sync.sshd import start_server


@pytest.fixture
def sshd(tmp_path):
    server = start_server(tmp_path)
    yield server
    server.stop()


def _edit(ws, kind_model, entity_id, **values):
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        row = uow.session.get(kind_model, entity_id)
        for name, value in values.items():
            setattr(row, name, value)


def _exchange(practice, remote, via):
    """Practice, workstation, practice: each side's changes reach the other, and the
    acknowledgements come back."""
    return sync(practice, via), sync(remote, via), sync(practice, via)


def _everything_both_ways(practice, remote, via):
    a = build_agenda(practice)
    tomorrow = MONDAY + timedelta(days=1)
    booked = practice.agenda.book(BookingInput(a.morel, a.at(tomorrow, 9), None,
                                               a.patients[0], a.consult)).appointment.id
    consigne = practice.consignes.save(ConsigneInput("Pas de visite le mercredi")).id
    call = practice.calls.record(CallInput("06 12 34 56 78", practice.clock.now(),
                                           practice.clock.now(), practice.clock.now())).id
    message = practice.messages.send(MessageInput("Rappeler pour les résultats",
                                                  patient_id=a.patients[0])).id
    callback = practice.callbacks.create("06 12 34 56 78",
                                         due_at=practice.clock.now() + timedelta(hours=2),
                                         reason="Résultats").id
    first, _, _ = _exchange(practice, remote, via)
    assert first.peers[0].sent == [1]
    # Found by name and by number at the workstation, as at the practice.
    assert [p.id for p in remote.patients.search("Lefèvre")] == [a.patients[0]]
    assert [p.id for p in remote.patients.search("06 12 34 56 78")] == [a.patients[0]]
    for kind, entity in ((kinds.APPOINTMENT, booked), (kinds.PATIENT, a.patients[0]),
                         (kinds.CONSIGNE, consigne), (kinds.CALL, call),
                         (kinds.MESSAGE, message), (kinds.CALLBACK, callback)):
        assert entity in rows(remote, kind), kind
    # The workstation books, takes a call, leaves a message, plans a callback.
    r_booked = remote.agenda.book(BookingInput(a.morel, a.at(tomorrow, 10), None,
                                               a.patients[0], a.consult)).appointment.id
    r_call = remote.calls.record(CallInput("06 12 34 56 78", remote.clock.now(),
                                           remote.clock.now(), remote.clock.now())).id
    r_message = remote.messages.send(MessageInput("Demande un certificat",
                                                  patient_id=a.patients[0])).id
    r_callback = remote.callbacks.create("06 12 34 56 78",
                                         due_at=remote.clock.now() + timedelta(hours=1)).id
    _edit(remote, Patient, a.patients[0], email="jeanne@example.org")
    _, back, _ = _exchange(practice, remote, via)
    assert back.peers[0].sent and not back.peers[0].refused_changes
    got = sync(practice, via).peers[0]
    assert not got.refused_changes and got.refused_batch is None
    for kind, entity in ((kinds.APPOINTMENT, r_booked), (kinds.CALL, r_call),
                         (kinds.MESSAGE, r_message), (kinds.CALLBACK, r_callback)):
        assert entity in rows(practice, kind), kind
    assert rows(practice, kinds.PATIENT, [a.patients[0]])[a.patients[0]]["email"] == \
        "jeanne@example.org"
    # Shared rows are the same on both sides.
    shared = {k: set(rows(remote, k)) for k in (kinds.APPOINTMENT, kinds.MESSAGE,
                                                 kinds.CALLBACK, kinds.CONSIGNE)}
    for kind, ids in shared.items():
        assert rows(practice, kind, ids) == rows(remote, kind, ids), kind
    return a


def test_everything_travels_both_ways_through_a_folder(two):
    practice, remote, folder = two
    # The workstation first: it has nothing of the practice's to send yet (its own
    # setup stays with it), so the practice refuses nothing.
    assert sync(remote, folder).peers[0].sent == []
    assert [p.pending for p in status(remote.store, remote.clock)] == [0]
    _everything_both_ways(practice, remote, folder)
    # Nothing pending, nothing left in the mailboxes once acknowledged both ways.
    sync(remote, folder), sync(practice, folder)
    assert [p.pending for p in status(practice.store, practice.clock)] == [0]
    assert [p.pending for p in status(remote.store, remote.clock)] == [0]


def test_everything_travels_both_ways_through_sftp(two, sshd):
    practice, remote, _ = two
    _everything_both_ways(practice, remote, sshd)


def test_applying_twice_changes_nothing(two, tmp_path):
    practice, remote, folder = two
    build_agenda(practice)
    sync(practice, folder)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    sync(remote, folder)
    before = {k: rows(remote, k) for k in (kinds.PATIENT, kinds.APPOINTMENT_TYPE)}
    again = sync(remote, copy).peers[0]  # the same batch, found again
    assert again.skipped == [1] and again.received == [] and again.applied == 0
    assert {k: rows(remote, k) for k in before} == before


def test_concurrent_edits_keep_both_fields_and_list_the_conflict(two):
    practice, remote, folder = two
    a = build_agenda(practice)
    practice.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 9), None,
                                      a.patients[1], a.consult))
    _exchange(practice, remote, folder)
    patient = a.patients[1]
    # Different fields: both kept.
    _edit(practice, Patient, patient, city="Tours")
    _edit(remote, Patient, patient, email="paul@example.org")
    # The same field: the later edit wins, the other value is listed.
    _edit(practice, Patient, patient, alert="Allergie pénicilline")
    _edit(remote, Patient, patient, alert="Malentendant")
    _exchange(practice, remote, folder)
    sync(remote, folder)
    here, there = rows(practice, kinds.PATIENT, [patient])[patient], \
        rows(remote, kinds.PATIENT, [patient])[patient]
    assert here["city"] == there["city"] == "Tours"
    assert here["email"] == there["email"] == "paul@example.org"
    assert here["alert"] == there["alert"]
    listed = practice.sync_conflicts.open_conflicts() + remote.sync_conflicts.open_conflicts()
    assert any(c.field == "alert" for c in listed)


def test_out_of_scope_and_beyond_role_changes_are_refused_and_reported(two):
    practice, remote, folder = two
    a = build_agenda(practice)
    practice.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 9), None,
                                      a.patients[0], a.consult))
    sharing(practice).set_scope("quimper", Scope(patient_fields=Scope().patient_fields
                                                 - {"email", "phones", "address", "city",
                                                    "postcode"}))
    _exchange(practice, remote, folder)
    patient = a.patients[0]
    _edit(remote, Patient, patient, email="refuse@example.org")  # a field not shared
    remote.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=2), 9), None,
                                    patient, a.visit), override=True)  # not bookable remotely
    sync(remote, folder)
    got = sync(practice, folder).peers[0]
    reasons = {r.reason for r in got.refused_changes}
    assert {FIELD, ROLE} <= reasons, got.refused_changes
    assert rows(practice, kinds.PATIENT, [patient])[patient]["email"] != "refuse@example.org"


def test_a_tombstone_flood_is_held_until_the_owner_confirms(two):
    practice, remote, folder = two
    a = build_agenda(practice)
    for i in range(12):
        practice.messages.send(MessageInput(f"Message {i}", patient_id=a.patients[0]))
    _exchange(practice, remote, folder)
    with remote.store.unit_of_work(actor_id=remote.user_id) as uow:
        for row in uow.session.scalars(select(Message)):
            row.deleted_at = uow.now
    sync(remote, folder)
    held = sync(practice, folder).peers[0]
    assert held.held is not None and held.held.deletions[kinds.MESSAGE] >= 12
    assert all(r["deleted_at"] is None for r in rows(practice, kinds.MESSAGE).values())
    with practice.store.reader() as s:
        assert "confirm-deletions" in peers.by_node_id(s, remote.store.node_id).ledger.last_error
    again = sync(practice, folder).peers[0]
    assert again.held is not None  # still held, round after round
    confirmed = sync(practice, folder, confirm_deletions=frozenset({"quimper"})).peers[0]
    assert confirmed.held is None and confirmed.received
    assert all(r["deleted_at"] is not None for r in rows(practice, kinds.MESSAGE).values())
    del a


def test_a_revoked_workstation_is_refused_then_told_and_wipes_its_copy(two):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.models import AuditEntry
    from app.sync.batch import RevokedSender
    from app.sync.revocation import AUDIT_WIPE, NOTICE_NAME

    practice, remote, folder = two
    a = build_agenda(practice)
    practice.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 9), None,
                                      a.patients[0], a.consult))
    _exchange(practice, remote, folder)
    assert a.patients[0] in rows(remote, kinds.PATIENT)
    # A notice not signed by the practice is ignored.
    forged = folder / remote.store.node_id / practice.store.node_id / NOTICE_NAME
    forged.write_bytes(b'{"format":"permanence-revocation"}\n'
                       + __import__("base64").b64encode(
                           Ed25519PrivateKey.generate().sign(b"x")) + b"\n")
    assert sync(remote, folder).wiped == ""
    assert a.patients[0] in rows(remote, kinds.PATIENT)

    sharing(practice).revoke("quimper")
    remote.messages.send(MessageInput("Après la révocation", patient_id=a.patients[0]))
    sync(remote, folder)  # it does not know yet: its batch goes out
    got = sync(practice, folder)
    assert got.notified == ["quimper"]
    (refused,) = got.peers
    assert isinstance(refused.refused_batch, RevokedSender)
    assert not any(m["body"] == "Après la révocation" for m in rows(practice,
                                                                     kinds.MESSAGE).values())
    told = sync(remote, folder)
    assert told.wiped and not told.peers
    for kind in (kinds.PATIENT, kinds.APPOINTMENT, kinds.MESSAGE, kinds.PATIENT_PHONE,
                 kinds.CONSIGNE, kinds.PRACTITIONER):
        assert rows(remote, kind) == {}, kind
    with remote.store.reader() as s:
        assert peers.by_node_id(s, practice.store.node_id).revoked
        assert AUDIT_WIPE in set(s.scalars(select(AuditEntry.action)))
    # Nothing more is exchanged.
    assert sync(remote, folder).peers == []
    assert sync(practice, folder).notified == []


def test_a_batch_after_a_missing_one_waits_for_it(two, tmp_path):
    practice, remote, folder = two
    a = build_agenda(practice)
    sync(practice, folder)
    mailbox = folder / remote.store.node_id / practice.store.node_id
    aside = tmp_path / "aside"
    aside.mkdir()
    for part in mailbox.glob("0000000001.*"):
        part.rename(aside / part.name)
    practice.messages.send(MessageInput("Deuxième lot", patient_id=None,
                                        caller_name="Durand"))
    sync(practice, folder)
    waiting = sync(remote, folder).peers[0]
    assert waiting.waiting == [2] and waiting.received == [] and waiting.refused_batch is None
    assert a.patients[0] not in rows(remote, kinds.PATIENT)
    for part in aside.iterdir():
        part.rename(mailbox / part.name)
    got = sync(remote, folder).peers[0]
    assert got.received == [1, 2]
    assert any(m["body"] == "Deuxième lot" for m in rows(remote, kinds.MESSAGE).values())


def test_a_batch_sealed_but_not_posted_is_posted_at_the_next_round(two):
    from app.sync.transport import UnsafeEntry

    practice, remote, folder = two
    build_agenda(practice)
    mailbox = folder / remote.store.node_id / practice.store.node_id
    (mailbox / "0000000001.header").mkdir(parents=True)  # something in the way
    with pytest.raises(UnsafeEntry):
        sync(practice, folder)
    (mailbox / "0000000001.header").rmdir()
    again = sync(practice, folder).peers[0]
    assert again.sent == [1]  # the same batch: no second one, no gap
    assert sync(remote, folder).peers[0].received == [1]
