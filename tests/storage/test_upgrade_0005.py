"""A schema-0005 practice upgrades to the sync-ready journal: every entry gains a
transaction id (one per unit of work, recognised by the instant it stamped), nothing
else changes meaning, and the practice is written to and merged as before."""

from __future__ import annotations

from sqlalchemy import select

from app.models import ChangeJournal, Patient
from app.services.agenda.service import BookingInput
from app.services.check import run_checks
from app.services.directory import ContactInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.workspace import open_workspace
from app.storage import versions
from app.storage.engine import make_engine
from app.storage.migrate import head_revision
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.storage.schema_steps import SYNCABLE_TABLES, undo_after

OLD_COLUMNS = "seq, entity, entity_id, op, version, origin_node, at, payload"


def test_a_0005_journal_gains_transaction_ids_and_keeps_its_meaning(workspace, passphrase, clock):
    ws = workspace
    agenda = build_agenda(ws)
    clock.advance(minutes=1)
    pid = ws.patients.create(PatientInput(birth_name="Lefèvre", first_names="Hélène",
                                          phones=[PhoneEntry("06 12 34 56 78")])).id
    clock.advance(minutes=1)
    ws.directory.create(ContactInput(name="Martin", first_name="Sophie", category="gp"))
    clock.advance(minutes=1)
    ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 10), None, pid, agenda.consult))
    paths = ws.paths
    ws.close()

    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            undo_after(conn, "0005")
            journal = conn.exec_driver_sql(
                f"SELECT {OLD_COLUMNS} FROM change_journal ORDER BY seq").all()
            # The columns the patient table had then (later migrations add others).
            then = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(patient)")]
            patients = conn.exec_driver_sql("SELECT * FROM patient ORDER BY id").all()
    finally:
        engine.dispose()
    assert len({row.at for row in journal}) >= 4

    reopened = open_workspace(paths, key, clock=clock)
    try:
        with reopened.store.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar() == head_revision()
            assert conn.exec_driver_sql(
                f"SELECT {OLD_COLUMNS} FROM change_journal ORDER BY seq").all() == journal
            added = conn.exec_driver_sql(
                "SELECT at, tx_id, peer_node, field_versions FROM change_journal "
                "ORDER BY seq").all()
            for table in SYNCABLE_TABLES:
                assert conn.exec_driver_sql(
                    f"SELECT count(*) FROM {table} WHERE field_versions IS NOT NULL").scalar() == 0
            kept = ", ".join(c for c in then if c != "field_versions")
            assert conn.exec_driver_sql(f"SELECT {kept} FROM patient ORDER BY id").all() == patients
        # One transaction id per instant stamped, in the order of the instants.
        tx_of = {}
        for at, tx_id, peer, field_versions in added:
            assert tx_id and peer is None and field_versions is None
            assert tx_of.setdefault(at, tx_id) == tx_id
        assert len(set(tx_of.values())) == len(tx_of)
        assert [tx_of[at] for at in sorted(tx_of)] == sorted(tx_of.values())
        assert all(item.ok for item in run_checks(reopened.store))

        # Written to as before: an edit stamps only the changed field, the rest keep the
        # version they had.
        with reopened.store.reader() as s:
            old_version = s.get(Patient, pid).version
        clock.advance(minutes=1)
        with reopened.store.unit_of_work(actor_id=reopened.user_id) as uow:
            uow.session.get(Patient, pid).city = "Tours"
        with reopened.store.reader() as s:
            p = s.get(Patient, pid)
            last = s.execute(select(ChangeJournal).order_by(ChangeJournal.seq.desc())
                             .limit(1)).scalar_one()
        held = versions.parse(p.field_versions, p.version)
        assert versions.of_field(held, "birth_name") == old_version
        assert versions.of_field(held, "city") == p.version > old_version
        assert last.tx_id not in tx_of.values() and last.tx_id == uow.tx_id
    finally:
        reopened.close()
    assert list(paths.backups.glob("*-before-upgrade.db"))  # backed up first
