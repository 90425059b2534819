"""Opening refuses a bad secret or a bad file with a clear French message and changes no file.

Each test hashes every file of the profile folder before the attempt and compares after:
same names (no file created or removed), same bytes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.services.check import run_checks
from app.services.patients import PatientInput, PhoneEntry
from app.services.workspace import open_workspace
from app.storage.engine import PAGE_SIZE, connect_raw
from app.storage.errors import (
    CorruptDatabaseError,
    EnvelopeError,
    NewerSchemaError,
    NoPassphraseError,
    PlainDatabaseError,
    ProfileNotFoundError,
    StorageError,
    WrongSecretError,
)
from app.storage.profile import ProfilePaths, unlock_key
from app.clock import FrozenClock
from tests.conftest import FAST_KDF, FROZEN_AT, PASSPHRASE, TEST_PRACTICE
from tests.practice_template import practice_from_template

# Words a French reader must see in each refusal.
CORRUPT_WORDS = ("endommagée", "tronquée", "corrompue")


@pytest.fixture(scope="module")
def pristine_profile(tmp_path_factory) -> tuple[ProfilePaths, bytes]:
    """A practice with a few patients (so the file has many pages), closed; made once for
    the module, never changed: each test damages a copy of its own."""
    paths = ProfilePaths(tmp_path_factory.mktemp("pristine") / "profile")
    ws = practice_from_template(paths, TEST_PRACTICE, passphrase=PASSPHRASE,
                                clock=FrozenClock(FROZEN_AT), kdf=FAST_KDF).workspace
    for i in range(25):
        ws.patients.create(PatientInput(
            birth_name=f"Durand{i}", first_names="Élodie", birth_date="02/04/1981",
            phones=[PhoneEntry(f"06 12 34 56 {i:02d}")], admin_note="rappeler " * 40))
    ws.close()
    assert not Path(f"{paths.db}-wal").exists()
    return paths, unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)


@pytest.fixture
def closed_profile(pristine_profile, tmp_path) -> tuple[ProfilePaths, bytes]:
    """A copy of the pristine practice, this test's own, closed."""
    source, key = pristine_profile
    paths = ProfilePaths(tmp_path / "profile")
    shutil.copytree(source.root, paths.root)
    return paths, key


def _open_and_close(paths: ProfilePaths, key: bytes, clock) -> None:
    ws = open_workspace(paths, key, clock=clock)
    ws.close()


def _refused(paths, key, clock, error: type[StorageError], snapshot) -> StorageError:
    before = snapshot(paths.root)
    with pytest.raises(error) as info:
        _open_and_close(paths, key, clock)
    assert snapshot(paths.root) == before, "a refused open modified the profile folder"
    return info.value


def test_control_the_intact_profile_opens_and_leaves_no_trace(closed_profile, clock,
                                                             profile_snapshot):
    paths, key = closed_profile
    before = profile_snapshot(paths.root)
    _open_and_close(paths, key, clock)
    assert profile_snapshot(paths.root) == before


def test_wrong_passphrase(closed_profile, profile_snapshot, french_message):
    paths, _key = closed_profile
    before = profile_snapshot(paths.root)
    with pytest.raises(WrongSecretError) as info:
        unlock_key(paths, passphrase="correct horse battery", kdf_floor=FAST_KDF)
    with pytest.raises(WrongSecretError):
        unlock_key(paths, recovery_key="AAAA-" * 7 + "AAAA")
    assert profile_snapshot(paths.root) == before
    french_message(lambda: info.value.user_message, "phrase de passe")


def test_no_secret_given(closed_profile, french_message):
    paths, _key = closed_profile
    with pytest.raises(NoPassphraseError) as info:
        unlock_key(paths)
    french_message(lambda: info.value.user_message, "phrase de passe")


def test_missing_key_file(closed_profile, profile_snapshot, french_message):
    paths, _key = closed_profile
    paths.envelope.unlink()
    before = profile_snapshot(paths.root)
    with pytest.raises(EnvelopeError) as info:
        unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)
    assert profile_snapshot(paths.root) == before
    french_message(lambda: info.value.user_message, "keys.json")


def test_missing_database(tmp_path, french_message):
    with pytest.raises(ProfileNotFoundError) as info:
        unlock_key(ProfilePaths(tmp_path / "nowhere"), passphrase="x")
    french_message(lambda: info.value.user_message, "aucune base", "introuvable")


@pytest.mark.parametrize("cut", ["half-pages", "mid-page", "one-page-short", "one-byte-short"])
def test_truncated_database(closed_profile, clock, profile_snapshot, french_message, cut):
    paths, key = closed_profile
    data = paths.db.read_bytes()
    pages = len(data) // PAGE_SIZE
    assert pages > 20
    size = {"half-pages": (pages // 2) * PAGE_SIZE,
            "mid-page": len(data) // 2 + 100,
            "one-page-short": len(data) - PAGE_SIZE,
            "one-byte-short": len(data) - 1}[cut]
    paths.db.write_bytes(data[:size])
    exc = _refused(paths, key, clock, CorruptDatabaseError, profile_snapshot)
    french_message(lambda: exc.user_message, *CORRUPT_WORDS)


def test_empty_database_file(closed_profile, clock, profile_snapshot):
    paths, key = closed_profile
    paths.db.write_bytes(b"")
    _refused(paths, key, clock, CorruptDatabaseError, profile_snapshot)


def _flip(path: Path, offset: int, n: int = 4) -> None:
    data = bytearray(path.read_bytes())
    for i in range(n):
        data[offset + i] ^= 0xA5
    path.write_bytes(bytes(data))


def _root_pages(paths: ProfilePaths, key: bytes) -> dict[str, int]:
    conn = connect_raw(paths.db, key, mode="immutable")
    try:
        return dict(conn.execute(
            "SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0").fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize("where", [
    "header-page", "middle-of-file", "last-page", "local_meta", "change_journal",
    "app_user", "practice", "audit_trail", "patient", "patient_search_config",
])
def test_flipped_bytes_are_refused_at_open_or_reported_by_check(
        closed_profile, clock, profile_snapshot, french_message, where):
    """SQLCipher authenticates each page when it is read. A damaged page the open path
    reads must be refused at open (CorruptDatabaseError, a French message, not a raw
    driver error); one it does not read must be reported by ``permanence check``."""
    paths, key = closed_profile
    size = paths.db.stat().st_size
    if where == "header-page":
        offset = 200
    elif where == "middle-of-file":
        offset = (size // PAGE_SIZE // 2) * PAGE_SIZE + 1500
    elif where == "last-page":
        offset = size - 700
    else:
        offset = (_root_pages(paths, key)[where] - 1) * PAGE_SIZE + 1000
    _flip(paths.db, offset)
    before = profile_snapshot(paths.root)
    refusal: CorruptDatabaseError | None = None
    try:
        ws = open_workspace(paths, key, clock=clock)
    except CorruptDatabaseError as exc:
        refusal = exc
    else:
        try:
            items = run_checks(ws.store)
        finally:
            ws.close()
        assert not all(i.ok for i in items), "a damaged page went unnoticed by the checks"
        cipher = next(i for i in items if "cipher_integrity_check" in i.label)
        assert not cipher.ok
        assert "page" in cipher.detail  # says which page
    assert profile_snapshot(paths.root) == before
    if refusal is not None:
        french_message(lambda: refusal.user_message, *CORRUPT_WORDS)


def test_plain_sqlite_file_is_refused(closed_profile, clock, profile_snapshot, french_message):
    paths, key = closed_profile
    paths.db.unlink()
    plain = sqlite3.connect(paths.db)
    plain.execute("CREATE TABLE patient (id TEXT PRIMARY KEY, birth_name TEXT)")
    plain.execute("INSERT INTO patient VALUES ('1', 'Dupont')")
    plain.commit()
    plain.close()
    exc = _refused(paths, key, clock, PlainDatabaseError, profile_snapshot)
    french_message(lambda: exc.user_message, "non chiffrée", "pas chiffrée", "en clair")


@pytest.mark.parametrize("size", [16 * PAGE_SIZE, 16 * PAGE_SIZE + 123])
def test_random_bytes_are_refused(closed_profile, clock, profile_snapshot, french_message, size):
    paths, key = closed_profile
    paths.db.write_bytes(os.urandom(size))
    exc = _refused(paths, key, clock, CorruptDatabaseError, profile_snapshot)
    french_message(lambda: exc.user_message, *CORRUPT_WORDS)


def test_database_of_another_profile_is_refused(closed_profile, practice_factory, clock,
                                                profile_snapshot):
    """keys.json and permanence.db that do not belong together: the key does not open it."""
    paths, key = closed_profile
    other = practice_factory("other").workspace
    other_db = other.paths.db
    other.close()
    shutil.copyfile(other_db, paths.db)
    _refused(paths, key, clock, CorruptDatabaseError, profile_snapshot)


def test_newer_schema_is_refused(closed_profile, clock, profile_snapshot, french_message):
    paths, key = closed_profile
    conn = connect_raw(paths.db, key, mode="rw")
    try:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm", "-journal"):
        assert not Path(f"{paths.db}{suffix}").exists()
    exc = _refused(paths, key, clock, NewerSchemaError, profile_snapshot)
    french_message(lambda: exc.user_message, "plus récente", "version")
    # Nothing was downgraded or rewritten: the revision is still the future one.
    conn = connect_raw(paths.db, key, mode="immutable")
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == \
            "9999_from_the_future"
    finally:
        conn.close()


def test_missing_schema_version_is_refused(closed_profile, clock, profile_snapshot):
    paths, key = closed_profile
    conn = connect_raw(paths.db, key, mode="rw")
    try:
        conn.execute("DELETE FROM alembic_version")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    _refused(paths, key, clock, CorruptDatabaseError, profile_snapshot)


@pytest.fixture
def crashed_copy(workspace, tmp_path, passphrase) -> tuple[ProfilePaths, bytes]:
    """A copy of a profile taken while it was open after writes: what a crash leaves
    (committed transactions still in the -wal file, a -shm index)."""
    for i in range(5):
        workspace.patients.create(PatientInput(birth_name=f"Wal{i}", first_names="Ida"))
    live = workspace.paths
    assert Path(f"{live.db}-wal").stat().st_size > 0
    copy = tmp_path / "crashed"
    shutil.copytree(live.root, copy)
    paths = ProfilePaths(copy)
    return paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)


def _data_files(snapshot: dict[str, str]) -> dict[str, str]:
    # The -shm file is SQLite's rebuildable WAL index, not data: a read-only reader
    # of a hot WAL may rewrite it.
    return {k: v for k, v in snapshot.items() if not k.endswith("-shm")}


def test_control_crashed_copy_opens_with_its_committed_data(crashed_copy, clock):
    paths, key = crashed_copy
    ws = open_workspace(paths, key, clock=clock)
    try:
        assert ws.patients.count() == 5
    finally:
        ws.close()


def test_wrong_key_on_a_hot_wal_changes_no_data_file(crashed_copy, clock, profile_snapshot):
    from app.storage.keys import new_database_key

    paths, _key = crashed_copy
    before = profile_snapshot(paths.root)
    with pytest.raises(CorruptDatabaseError):
        _open_and_close(paths, new_database_key(), clock)
    after = profile_snapshot(paths.root)
    assert set(after) == set(before)
    assert _data_files(after) == _data_files(before)


def test_newer_schema_in_a_hot_wal_is_refused_unchanged(workspace, tmp_path, passphrase, clock,
                                                        profile_snapshot):
    workspace.patients.create(PatientInput(birth_name="Futur", first_names="Ana"))
    live = workspace.paths
    key = unlock_key(live, passphrase=passphrase, kdf_floor=FAST_KDF)
    conn = connect_raw(live.db, key, mode="rw")
    try:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    finally:
        conn.close()
    copy = tmp_path / "crashed"
    shutil.copytree(live.root, copy)
    paths = ProfilePaths(copy)
    assert Path(f"{paths.db}-wal").stat().st_size > 0
    before = profile_snapshot(paths.root)
    with pytest.raises(NewerSchemaError):
        _open_and_close(paths, key, clock)
    after = profile_snapshot(paths.root)
    assert set(after) == set(before)
    assert _data_files(after) == _data_files(before)
