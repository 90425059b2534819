"""A schema-0008 practice upgrades to a practice phone number: empty, then editable."""

from __future__ import annotations

from app.services.practice import PracticeDetails, get_practice
from app.services.workspace import open_workspace
from app.storage.engine import make_engine
from app.storage.migrate import head_revision, known_revisions
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF
from tests.storage.schema_steps import undo_after


def test_a_0008_practice_gains_an_empty_phone_it_can_set(workspace, passphrase, clock):
    assert {"0008", "0009"} <= known_revisions()
    paths = workspace.paths
    workspace.close()
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            undo_after(conn, "0008")
    finally:
        engine.dispose()

    ws = open_workspace(paths, key, clock=clock)  # upgrades on open
    try:
        with ws.store.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar() == head_revision()
        before = get_practice(ws.store)
        assert before.phone == "" and before.name == "Cabinet médical des Tilleuls"
        saved = ws.save_practice(PracticeDetails(name=before.name, timezone=before.timezone,
                                                 phone="04 78 12 34 56"))
        assert saved.phone == "+33478123456" == get_practice(ws.store).phone
    finally:
        ws.close()
