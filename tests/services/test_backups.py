"""Backups of a real profile: made while it is open, verified, restored elsewhere, and
every exported record of the restored practice equal to the original's."""

from __future__ import annotations

import tarfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from app.clock import FrozenClock
from app.demo import generate_demo
from app.demo.sizes import DemoSize
from app.services.backups import (
    RESTORE_ACTION,
    BackupRefused,
    Secret,
    backup_profile,
    make_backup,
    profile_files,
    restore_backup,
    verify_backup,
)
from app.services.check import run_checks
from app.services.practice import list_practitioners
from app.services.workspace import open_workspace
from app.storage.backup_file import MANIFEST, SEAL, BackupDamaged, open_archive
from app.storage.errors import ProfileExistsError, WrongSecretError
from app.storage.profile import ProfilePaths, unlock_key
from tests.conftest import FAST_KDF

AT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
PASS = "une phrase de passe"
SECRET = Secret(passphrase=PASS, kdf_floor=FAST_KDF)


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    """A small generated practice (patients, directory, agenda) and one backup of it,
    made while the practice is open."""
    base = tmp_path_factory.mktemp("backups")
    paths = ProfilePaths(base / "cabinet")
    ws = generate_demo(paths, size=DemoSize(practitioners=2, patients=60, contacts=15,
                                            appointments=300, months_back=1, months_ahead=1),
                       seed=3, passphrase=PASS, clock=FrozenClock(AT), kdf=FAST_KDF)
    # A file kept beside the envelope (signed checkpoints, per-account keys...) travels too.
    (paths.root / "checkpoints.json").write_bytes(b'{"signed": "ABC"}')
    out = base / "out"
    out.mkdir()
    raw = ws.store.engine.raw_connection()
    try:
        backup = make_backup(raw, paths, out, now=AT)
    finally:
        raw.close()
    ws.close()
    return paths, backup, base


def exported(paths: ProfilePaths, out: Path) -> dict[str, bytes]:
    """Every exported record: patients and directory as CSV, each practitioner's agenda
    as iCalendar over the whole generated span."""
    clock = FrozenClock(AT)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASS, kdf_floor=FAST_KDF),
                        clock=clock)
    out.mkdir()
    try:
        ws.exports.export_patients_csv(out / "patients.csv")
        ws.exports.export_directory_csv(out / "directory.csv")
        ics = ws.agenda_export
        for p in list_practitioners(ws.store):
            ics.export(out / f"{p.id}.ics", practitioner_id=p.id, first=date(2025, 12, 1),
                       last=date(2026, 5, 1), patient_names=True, include_cancelled=True)
    finally:
        ws.close()
    return {f.name: f.read_bytes() for f in sorted(out.iterdir())}


def test_a_restored_practice_exports_exactly_the_same_records(practice, tmp_path):
    paths, backup, _ = practice
    target = ProfilePaths(tmp_path / "elsewhere" / "restored")
    manifest = restore_backup(backup, target, SECRET, clock=FrozenClock(AT))
    assert manifest.created_at == "2026-03-02T09:30:00+00:00"
    assert (target.root / "checkpoints.json").read_bytes() == b'{"signed": "ABC"}'
    original = exported(paths, tmp_path / "original")
    restored = exported(target, tmp_path / "restored-exports")
    assert len(original) == 4 and original.keys() == restored.keys()
    assert original["patients.csv"].count(b"\n") > 60
    for name in original:
        assert restored[name] == original[name], name
    ws = open_workspace(target, unlock_key(target, passphrase=PASS, kdf_floor=FAST_KDF),
                        clock=FrozenClock(AT))
    try:
        assert all(item.ok for item in run_checks(ws.store))
        from sqlalchemy import select

        from app.models import AuditEntry
        with ws.store.reader() as s:
            restores = s.execute(select(AuditEntry).where(AuditEntry.action == RESTORE_ACTION)
                                 ).scalars().all()
        assert [r.detail for r in restores] == ["backup of 2026-03-02T09:30:00+00:00"]
    finally:
        ws.close()


def test_the_backup_carries_the_profile_files_and_not_this_workstations(practice):
    paths, backup, _ = practice
    with tarfile.open(backup) as tar:
        names = tar.getnames()
    # The audit trail's signed checkpoints travel with it, as any other file of the profile.
    assert names == [MANIFEST, "permanence.db", "keys.json", "audit-checkpoints.log",
                     "checkpoints.json", SEAL]
    assert backup.stat().st_mode & 0o777 == 0o600
    assert [name for name, _ in profile_files(paths)] == [
        "keys.json", "audit-checkpoints.log", "checkpoints.json"]
    manifest = open_archive(backup).manifest
    assert manifest.schema_revision and manifest.practice_id


def test_verify_without_and_with_the_secret(practice, tmp_path):
    _, backup, _ = practice
    assert verify_backup(backup).practice_id
    assert verify_backup(backup, SECRET).practice_id
    with pytest.raises(WrongSecretError):
        verify_backup(backup, Secret(passphrase="pas la bonne", kdf_floor=FAST_KDF))


@pytest.mark.parametrize("where", [0, 100, 600, 3000, 70_000, -3000, -1100, -1024, -600, -1])
def test_a_single_flipped_byte_anywhere_is_detected(practice, tmp_path, where):
    _, backup, _ = practice
    data = bytearray(backup.read_bytes())
    data[where] ^= 0x01
    flipped = tmp_path / "flipped.permanence-backup"
    flipped.write_bytes(bytes(data))
    with pytest.raises(BackupDamaged):
        verify_backup(flipped)


def test_every_flipped_byte_of_a_small_backup_is_detected(tmp_path, workspace):
    """Exhaustive over the headers, the manifest, the seal and the trailing blocks of a
    backup (the database pages in between are sampled)."""
    raw = workspace.store.engine.raw_connection()
    try:
        backup = make_backup(raw, workspace.paths, tmp_path, now=AT)
    finally:
        raw.close()
    data = backup.read_bytes()
    positions = list(range(0, 2048)) + list(range(len(data) - 4096, len(data))) \
        + list(range(2048, len(data) - 4096, 997))
    flipped = tmp_path / "f.permanence-backup"
    for at in positions:
        changed = bytearray(data)
        changed[at] ^= 0x80
        flipped.write_bytes(bytes(changed))
        with pytest.raises(BackupDamaged):
            open_archive(flipped)
    flipped.write_bytes(data + b"\0" * 512)  # a block added at the end
    with pytest.raises(BackupDamaged):
        open_archive(flipped)
    flipped.write_bytes(data[:-1])  # cut short
    with pytest.raises(BackupDamaged):
        open_archive(flipped)


def test_a_restore_never_overwrites_a_profile(practice, tmp_path):
    paths, backup, _ = practice
    before = (paths.db.read_bytes(), paths.envelope.read_bytes())
    with pytest.raises(ProfileExistsError):
        restore_backup(backup, paths, SECRET, clock=FrozenClock(AT))
    assert (paths.db.read_bytes(), paths.envelope.read_bytes()) == before


def test_a_wrong_secret_restores_nothing(practice, tmp_path):
    _, backup, _ = practice
    target = ProfilePaths(tmp_path / "restored")
    with pytest.raises(WrongSecretError):
        restore_backup(backup, target, Secret(passphrase="pas la bonne", kdf_floor=FAST_KDF),
                       clock=FrozenClock(AT))
    assert list(tmp_path.iterdir()) == []


def test_the_recovery_key_restores_too(tmp_path, practice_factory):
    created = practice_factory()
    ws = created.workspace
    raw = ws.store.engine.raw_connection()
    try:
        backup = make_backup(raw, ws.paths, tmp_path, now=AT)
    finally:
        raw.close()
    target = ProfilePaths(tmp_path / "restored")
    restore_backup(backup, target, Secret(recovery_key=created.recovery_key),
                   clock=FrozenClock(AT))
    assert target.is_profile()


@pytest.mark.parametrize("inside", ["", "backups", "sub/deeper"])
def test_a_backup_into_the_profile_folder_is_refused(workspace, inside):
    out = workspace.paths.root / inside
    out.mkdir(parents=True, exist_ok=True)
    before = sorted(p.name for p in out.iterdir())
    raw = workspace.store.engine.raw_connection()
    try:
        with pytest.raises(BackupRefused):
            make_backup(raw, workspace.paths, out, now=AT)
    finally:
        raw.close()
    assert sorted(p.name for p in out.iterdir()) == before


def test_a_missing_folder_is_refused(workspace, tmp_path):
    raw = workspace.store.engine.raw_connection()
    try:
        with pytest.raises(BackupRefused):
            make_backup(raw, workspace.paths, tmp_path / "usb-key", now=AT)
    finally:
        raw.close()


def test_a_backup_from_outside_while_the_practice_is_open(workspace, tmp_path, passphrase):
    """The command line backs up a profile the application holds: no lock needed."""
    key = unlock_key(workspace.paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    out = tmp_path / "out"
    out.mkdir()
    first = backup_profile(workspace.paths, key, out, now=AT)
    second = backup_profile(workspace.paths, key, out, now=AT)  # same second
    assert first != second and first.exists() and second.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([first.name, second.name])
    assert second.name.endswith("-2.permanence-backup")


def test_with_the_secret_verify_finds_a_damaged_database_under_a_good_seal(practice, tmp_path):
    """A backup sealed over an already damaged database copy: the seal and checksums
    hold, so only opening the copy with the secret finds it."""
    from app.storage.backup_file import Manifest, Member, file_digest, write_archive

    _, backup, _ = practice
    opened = open_archive(backup)
    parts = tmp_path / "parts"
    parts.mkdir()
    files = []
    for member in opened.manifest.members:
        data = b"".join(opened.read_member(member.name))
        if member.name == "permanence.db":
            data = bytearray(data)
            data[3 * 4096 + 100] ^= 0x10  # inside page 4
            data = bytes(data)
        (parts / member.name).write_bytes(data)
        files.append((member.name, parts / member.name))
    m = opened.manifest
    manifest = Manifest(m.created_at, m.schema_revision, m.practice_id,
                        tuple(Member(name, *file_digest(path)) for name, path in files))
    resealed = tmp_path / "resealed.permanence-backup"
    with open(resealed, "wb") as fh:
        write_archive(fh, manifest, files)
    verify_backup(resealed)  # whole as a file
    with pytest.raises(BackupDamaged, match="integrity|opens|ouvre|intégrité"):
        verify_backup(resealed, SECRET)
    with pytest.raises(BackupDamaged):
        restore_backup(resealed, ProfilePaths(tmp_path / "restored"), SECRET,
                       clock=FrozenClock(AT))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parts", resealed.name]

