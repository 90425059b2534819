"""The store announces each committed unit of work as one change set, to its listeners."""

from __future__ import annotations

import dataclasses
import logging
import threading

import pytest
from sqlalchemy import select

from app.models import ChangeJournal, Contact, Patient, PatientPhone, Practitioner, kinds
from app.models.base import Base, Syncable
from app.services.patients import PatientInput
from app.storage.changes import ChangeSet, Initiator, KindChanges
from app.storage.uow import WriteRefused


@pytest.fixture
def heard(workspace):
    """Every change set the store announces from now on, in order."""
    got: list[ChangeSet] = []
    unsubscribe = workspace.store.subscribe(got.append)
    yield got
    unsubscribe()


def patient(name: str, **kw) -> Patient:
    return Patient(birth_name=name, first_names="Anne", sort_key=name.lower(), **kw)


def test_a_commit_announces_what_it_wrote_once(workspace, heard):
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        p = patient("Lefèvre")
        uow.session.add(p)
        uow.session.flush()
        uow.session.add(PatientPhone(patient_id=p.id, raw="06 12 34 56 78",
                                     e164="+33612345678"))
        assert heard == []  # nothing before the commit
    (changes,) = heard
    assert changes is uow.change_set
    assert changes.initiator == Initiator(workspace.user_id)
    assert changes.from_peer is None
    assert set(changes.kinds) == {kinds.PATIENT, kinds.PATIENT_PHONE}
    assert changes.of(kinds.PATIENT) == KindChanges(inserted=frozenset({p.id}))
    assert len(changes.of(kinds.PATIENT_PHONE).inserted) == 1
    with workspace.store.reader() as s:
        tx_ids = set(s.execute(select(ChangeJournal.tx_id).where(
            ChangeJournal.entity_id == p.id)).scalars())
    assert tx_ids == {changes.transaction_id}  # the journal's transaction id


def test_updated_and_tombstoned_ids_each_in_their_set(workspace, heard):
    store = workspace.store
    with store.unit_of_work(actor_id=workspace.user_id) as uow:
        a, b, c = patient("A"), patient("B"), patient("C")
        uow.session.add_all([a, b, c])
    with store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.get(Patient, a.id).city = "Tours"
        uow.session.get(Patient, b.id).deleted_at = uow.now
        d = patient("D")
        uow.session.add(d)
        uow.session.flush()
        d.city = "Blois"  # inserted then changed in the same transaction: still inserted
    changes = heard[-1]
    assert changes.of(kinds.PATIENT) == KindChanges(
        inserted=frozenset({d.id}), updated=frozenset({a.id}), tombstoned=frozenset({b.id}))
    assert changes.ids(kinds.PATIENT) == {a.id, b.id, d.id}
    assert changes.touches(kinds.PATIENT) and not changes.touches(kinds.CONTACT)
    assert changes.transaction_id != heard[0].transaction_id


def test_a_rolled_back_write_announces_nothing(workspace, heard):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
            uow.session.add(patient("Martin"))
            uow.session.flush()
            raise Boom
    with pytest.raises(WriteRefused):
        with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
            uow.session.delete(uow.session.execute(select(Practitioner)).scalars().first())
    assert heard == []


def test_an_audited_read_writes_no_row_and_announces_nothing(workspace, heard):
    created = workspace.patients.create(PatientInput(birth_name="Martin", first_names="Paul"))
    heard.clear()
    workspace.patients.get(created.id)  # an audit entry, no row
    assert heard == []


def test_bulk_inserts_are_in_the_change_set(workspace, heard):
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        fast = uow.bulk_insert(Contact, [{"name": f"Dr {i}", "sort_key": f"dr {i}",
                                          "category": "gp"} for i in range(3)])
        core = uow._bulk_insert_core(Contact, [{"name": "Labo", "sort_key": "labo"}])  # noqa: SLF001
    (changes,) = heard
    assert changes.of(kinds.CONTACT) == KindChanges(inserted=frozenset(fast + core))


def test_a_failing_listener_breaks_neither_the_write_nor_the_others(workspace, heard, caplog):
    secret = "Zéphyrine Quintal-Bérard"

    def broken(changes: ChangeSet) -> None:
        raise RuntimeError(f"cannot show {secret}")

    after: list[ChangeSet] = []
    store = workspace.store
    store.subscribe(broken)
    store.subscribe(after.append)
    with caplog.at_level(logging.ERROR, logger="permanence"):
        with store.unit_of_work(actor_id=workspace.user_id) as uow:
            p = patient(secret)
            uow.session.add(p)
    with store.reader() as s:
        assert s.get(Patient, p.id) is not None  # committed
    assert [c.transaction_id for c in heard] == [c.transaction_id for c in after]
    assert len(after) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "broken" in logged and "RuntimeError" in logged
    assert secret not in logged and "Zéphyrine" not in logged


def test_unsubscribed_listeners_hear_nothing_more(workspace):
    got: list[ChangeSet] = []
    unsubscribe = workspace.store.subscribe(got.append)
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.add(patient("A"))
    unsubscribe()
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.add(patient("B"))
    assert len(got) == 1


def test_listeners_are_called_in_the_committing_thread(workspace, heard):
    threads: list[str] = []
    workspace.store.subscribe(lambda _c: threads.append(threading.current_thread().name))

    def write() -> None:
        with workspace.store.unit_of_work(actor_id="worker") as uow:
            uow.session.add(patient("Fil"))

    worker = threading.Thread(target=write, name="writer-thread")
    worker.start()
    worker.join()
    assert threads == ["writer-thread"]
    assert heard[-1].initiator == Initiator("worker")


def test_a_change_set_cannot_be_altered(workspace, heard):
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.add(patient("A"))
    changes = heard[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        changes.from_peer = "elsewhere"
    with pytest.raises(TypeError):
        changes.kinds[kinds.CONTACT] = KindChanges()  # type: ignore[index]
    with pytest.raises(AttributeError):
        changes.of(kinds.PATIENT).inserted.add("x")  # type: ignore[attr-defined]


def test_every_syncable_model_has_a_kind_of_the_vocabulary():
    models = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, Syncable)]
    names = [m.__sync_entity__ for m in models]
    assert len(names) == len(set(names))
    assert set(names) == kinds.ALL
