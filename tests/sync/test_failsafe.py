"""The fail-safe: a batch that would tombstone too much waits for the owner."""

from __future__ import annotations

from datetime import datetime, timezone

from app.models import Patient, kinds
from app.services.patients import PatientInput
from app.storage.remote import RemoteChange
from app.sync.failsafe import alive_counts, check_tombstones

AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)
GONE = {"deleted_at": AT.isoformat()}


def change(kind: str, n: int, op: str = "delete", payload=GONE) -> RemoteChange:
    return RemoteChange("tx", kind, f"{kind}-{n}", op, 1, "node", AT, payload)


def tombstones(kind: str, count: int) -> list[RemoteChange]:
    return [change(kind, n) for n in range(count)]


def test_a_fifth_of_a_kind_or_two_hundred_rows_needs_the_owner():
    alive = {kinds.PATIENT: 1000, kinds.CONTACT: 100, kinds.CONSIGNE: 3}
    assert not check_tombstones(tombstones(kinds.PATIENT, 200), alive).needs_confirmation
    over = check_tombstones(tombstones(kinds.PATIENT, 201), alive)
    assert over.needs_confirmation and over.kinds_over == (kinds.PATIENT,)
    assert not check_tombstones(tombstones(kinds.CONTACT, 20), alive).needs_confirmation
    contacts = check_tombstones(tombstones(kinds.CONTACT, 21), alive)
    assert contacts.needs_confirmation and contacts.tombstones == {kinds.CONTACT: 21}
    # Deleting one of three consignes is no mass deletion.
    assert not check_tombstones(tombstones(kinds.CONSIGNE, 1), alive).needs_confirmation
    # 201 rows in all, none past its share.
    mixed = tombstones(kinds.PATIENT, 181) + tombstones(kinds.CONTACT, 20)
    assert mixed and check_tombstones(mixed, {kinds.PATIENT: 10_000, kinds.CONTACT: 1000}
                                      ).needs_confirmation
    # A peer emptied: everything it had deleted, and an unknown kind of rows here.
    assert check_tombstones(tombstones(kinds.CALL, 10), {}).needs_confirmation


def test_edits_and_rows_arriving_already_deleted_are_no_tombstones():
    alive = {kinds.PATIENT: 10}
    edits = [change(kinds.PATIENT, n, "update", {"city": "Tours"}) for n in range(50)]
    snapshot = [change(kinds.PATIENT, n, "insert") for n in range(50)]
    result = check_tombstones(edits + snapshot, alive)
    assert result.total == 0 and not result.needs_confirmation
    # The same row tombstoned twice counts once.
    twice = check_tombstones(tombstones(kinds.PATIENT, 1) * 12, {kinds.PATIENT: 1000})
    assert twice.tombstones == {kinds.PATIENT: 1}


def test_rows_alive_are_counted_per_kind(workspace):
    ids = [workspace.patients.create(PatientInput(birth_name=f"Nom{n}", first_names="Léa")).id
           for n in range(3)]
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.get(Patient, ids[0]).deleted_at = AT
    with workspace.store.reader() as s:
        counts = alive_counts(s, [kinds.PATIENT, "nothing"])
        everything = alive_counts(s)
    assert counts == {kinds.PATIENT: 2}
    assert everything[kinds.PATIENT] == 2 and kinds.APPOINTMENT in everything
