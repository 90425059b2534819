"""A schema-0013 practice upgrades to sync's tables, and gets its node keys at once,
under the node id its rows already carry."""

from __future__ import annotations

from sqlalchemy import select

from app.models.sync import NodeIdentity, SyncPeer
from app.services.workspace import open_workspace
from app.storage.engine import make_engine
from app.storage.profile import unlock_key
from app.sync.node import this_node
from tests.conftest import FAST_KDF
from tests.storage.schema_steps import undo_after


def test_a_0013_practice_gets_its_keys_at_the_upgrade(workspace, passphrase, clock):
    paths, node_id = workspace.paths, workspace.store.node_id
    workspace.close()
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            undo_after(conn, "0013")
    finally:
        engine.dispose()

    ws = open_workspace(paths, key, clock=clock)
    try:
        with ws.store.reader() as s:
            (identity,) = s.scalars(select(NodeIdentity)).all()
            assert s.scalars(select(SyncPeer)).all() == []
        assert identity.node_id == node_id
        assert identity.age_recipient.startswith("age1")
        assert this_node(ws.store).age_recipient == identity.age_recipient
    finally:
        ws.close()
    assert list((paths.backups).iterdir())  # the copy taken before the upgrade
