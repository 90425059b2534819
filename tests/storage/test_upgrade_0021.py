"""Audit entries record the workstation that wrote them (schema 0021): a trail written
before keeps its hashes and still verifies against its signed checkpoints; entries
written after carry the node id and the computer's name, and their hash covers both."""

from __future__ import annotations

from app.models.principal import this_workstation_name
from app.services.workspace import open_workspace
from app.storage import checkpoints
from app.storage.audit import entry_hash
from app.storage.engine import make_engine
from app.storage.profile import open_profile, unlock_key
from app.storage.trail_verify import DIFFERS, EDITED
from tests.conftest import FAST_KDF
from tests.storage.schema_steps import undo_after
from tests.storage.test_unit_of_work import add_practitioners


def _as_0020(paths, key, clock) -> int:
    """The practice as schema 0020 left it: entries without a workstation, hashed without
    one, and checkpoints signed over those hashes (``undo_0021`` leaves the trail
    unanchored; the first opening anchors it, before anything is written). The number
    of entries."""
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            undo_after(conn, "0020")
            count = conn.exec_driver_sql("SELECT count(*) FROM audit_trail").scalar()
    finally:
        engine.dispose()
    assert not (paths.root / checkpoints.FILE_NAME).exists()
    profile = open_profile(paths, key, clock=clock)  # migrates, anchors the old hashes
    profile.close()
    return count


def _old_trail(workspace, passphrase, clock):
    add_practitioners(workspace, "Anne", "Bruno")
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.audit("read", "patient", "some-id")
    paths = workspace.paths
    workspace.close()
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    return paths, key, _as_0020(paths, key, clock)


def _stations(ws):
    with ws.store.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT seq, workstation, workstation_name FROM audit_trail ORDER BY seq").all()


def test_an_upgraded_trail_verifies_and_new_entries_name_the_workstation(
        workspace, passphrase, clock):
    paths, key, old = _old_trail(workspace, passphrase, clock)
    ws = open_workspace(paths, key, clock=clock)
    try:
        report = ws.audit_trail.verify()
        assert report.ok and report.entries >= old, report
        add_practitioners(ws, "Chloé")
        rows = _stations(ws)
        assert all(station is None and name is None for _, station, name in rows[:old])
        new = rows[old:]
        assert new and all(station == ws.store.node_id for _, station, _ in new)
        assert {name for _, _, name in new} == {this_workstation_name()}
        assert ws.principal.workstation_name == this_workstation_name()
        assert ws.audit_trail.verify().ok
        shown = ws.audit_trail.entries()
        assert shown[0].workstation == ws.store.node_id
        assert shown[-1].workstation is None and shown[-1].station == ""
    finally:
        ws.close()
    # Reopened: the mixed trail verifies against its checkpoints too.
    ws = open_workspace(paths, key, clock=clock)
    try:
        assert ws.audit_trail.verify().ok
    finally:
        ws.close()


def _edit(paths, key, sql: str, *args) -> None:
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, args)
    finally:
        engine.dispose()


def test_the_workstation_is_covered_by_the_chain(workspace, passphrase, clock):
    paths, key, old = _old_trail(workspace, passphrase, clock)
    ws = open_workspace(paths, key, clock=clock)
    add_practitioners(ws, "Chloé")
    last = _stations(ws)[-1][0]
    ws.close()

    # Another computer's name on a new entry: the chain breaks there.
    _edit(paths, key, "UPDATE audit_trail SET workstation_name = 'AUTRE-PC' WHERE seq = ?",
          last)
    ws = open_workspace(paths, key, clock=clock)
    try:
        report = ws.audit_trail.verify()
        assert (report.problem, report.seq) == (EDITED, last)
    finally:
        ws.close()


def test_a_workstation_rewritten_with_its_hash_is_caught_by_the_checkpoints(
        workspace, passphrase, clock):
    paths, key, old = _old_trail(workspace, passphrase, clock)
    ws = open_workspace(paths, key, clock=clock)
    add_practitioners(ws, "Chloé")
    ws.close()
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            seq, prev, at, user_id, action, entity, entity_id, detail, station = (
                conn.exec_driver_sql(
                    "SELECT seq, prev_hash, at, user_id, action, entity, entity_id, detail, "
                    "workstation FROM audit_trail ORDER BY seq DESC LIMIT 1").first())
            from datetime import datetime, timezone

            when = datetime.fromisoformat(str(at)).replace(tzinfo=timezone.utc)
            forged = entry_hash(seq, prev, when, user_id, action, entity, entity_id, detail,
                                station, "AUTRE-PC")
            conn.exec_driver_sql("UPDATE audit_trail SET workstation_name = 'AUTRE-PC', "
                                 "hash = ? WHERE seq = ?", (forged, seq))
    finally:
        engine.dispose()
    ws = open_workspace(paths, key, clock=clock)
    try:
        report = ws.audit_trail.verify()
        assert (report.problem, report.seq) == (DIFFERS, seq), report
    finally:
        ws.close()


def test_an_old_entry_given_a_workstation_breaks_the_chain(workspace, passphrase, clock):
    paths, key, old = _old_trail(workspace, passphrase, clock)
    _edit(paths, key, "UPDATE audit_trail SET workstation = 'x', workstation_name = '' "
          "WHERE seq = 2")
    ws = open_workspace(paths, key, clock=clock)
    try:
        report = ws.audit_trail.verify()
        assert (report.problem, report.seq) == (EDITED, 2)
    finally:
        ws.close()
