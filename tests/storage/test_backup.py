"""Encrypted backups: consistent, encrypted, restorable on their own, refused when damaged."""

from __future__ import annotations

import shutil

import pytest

from app.services.patients import PatientInput, PhoneEntry
from app.services.workspace import open_workspace
from app.storage.backup import backup_database
from app.storage.engine import PAGE_SIZE, SQLITE_HEADER, connect_raw
from app.storage.errors import CorruptDatabaseError
from app.storage.profile import ProfilePaths, unlock_key
from tests.conftest import FAST_KDF


def _backup(ws, reason="manual"):
    raw = ws.store.engine.raw_connection()
    try:
        return backup_database(raw, ws.paths.backups, ws.paths.envelope, reason=reason,
                               now=ws.clock.now())
    finally:
        raw.close()


def _restore(backup, into) -> ProfilePaths:
    paths = ProfilePaths(into)
    into.mkdir()
    shutil.copyfile(backup, paths.db)
    shutil.copyfile(backup.with_suffix(".keys.json"), paths.envelope)
    return paths


def test_backup_restores_to_the_same_data(new_practice, tmp_path, clock, passphrase):
    ws = new_practice.workspace
    for i in range(5):
        ws.patients.create(PatientInput(birth_name=f"Sauvé{i}", first_names="Léa",
                                        phones=[PhoneEntry(f"06 12 34 56 7{i}")]))
    backup = _backup(ws)
    assert backup.parent == ws.paths.backups and backup.name.endswith("-manual.db")
    assert backup.read_bytes()[:16] != SQLITE_HEADER  # encrypted
    ws.patients.create(PatientInput(birth_name="Après", first_names="Coup"))  # not in it
    source = [(s.id, s.display_name, s.phone) for s in ws.patients.search("sauve")]

    for secret in ({"passphrase": passphrase}, {"recovery_key": new_practice.recovery_key}):
        paths = _restore(backup, tmp_path / f"restored-{next(iter(secret))}")
        restored = open_workspace(paths, unlock_key(paths, **secret, kdf_floor=FAST_KDF), clock=clock)
        try:
            assert [(s.id, s.display_name, s.phone)
                    for s in restored.patients.search("sauve")] == source
            assert restored.patients.count() == 5
            assert restored.store.node_id == ws.store.node_id
        finally:
            restored.close()


def test_backups_in_the_same_second_get_distinct_names(workspace):
    first, second = _backup(workspace), _backup(workspace)
    assert first != second and first.exists() and second.exists()


def test_damaged_database_is_never_backed_up(workspace, passphrase):
    paths = workspace.paths
    # Damage a data page (the patient table's root), not the schema, so the file still opens.
    with workspace.store.reader() as s:
        root = s.connection().exec_driver_sql(
            "SELECT rootpage FROM sqlite_master WHERE name = 'patient'").scalar()
    workspace.close()
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    data = bytearray(paths.db.read_bytes())
    middle = (root - 1) * PAGE_SIZE + 1000
    data[middle:middle + 4] = bytes(b ^ 0xFF for b in data[middle:middle + 4])
    paths.db.write_bytes(bytes(data))
    conn = connect_raw(paths.db, key, mode="immutable")
    try:
        with pytest.raises(CorruptDatabaseError):
            backup_database(conn, paths.backups, paths.envelope, reason="manual",
                            now=workspace.clock.now())
    finally:
        conn.close()
    assert not paths.backups.exists() or not any(paths.backups.iterdir())
