"""The backup schedule: the settings in the database, when a backup is due, the
warning, and the rotation rule over a year of daily backups with a fixed clock."""

from __future__ import annotations

import shutil
from pathlib import Path
from datetime import datetime, timedelta, timezone

import pytest

from app.clock import FrozenClock
from app.services.backup_schedule import BackupSchedule, backups_to_keep, rotate
from app.services.backups import BackupRefused, backup_name, backup_time

START = datetime(2025, 1, 1, 18, 0, tzinfo=timezone.utc)


def schedule(ws, clock) -> BackupSchedule:
    return BackupSchedule(ws.store, ws.paths, actor_id=ws.user_id, clock=clock)


def test_a_year_of_daily_backups_keeps_7_daily_4_weekly_12_monthly(tmp_path):
    clock = FrozenClock(START)
    other = tmp_path / "notes.txt"
    other.write_text("not ours")
    for _day in range(400):
        (tmp_path / backup_name(clock.now())).write_bytes(b"x")
        rotate(tmp_path)
        clock.advance(days=1)
    kept = sorted(backup_time(p) for p in tmp_path.iterdir() if backup_time(p))
    every = [START + timedelta(days=n) for n in range(400)]
    last = every[-1]
    days = {last - timedelta(days=n) for n in range(7)}
    # The newest of each week: the Sundays (and today) of the last 4 ISO weeks.
    weeks = {max(d for d in every if d.isocalendar()[:2] == w)
             for w in sorted({d.isocalendar()[:2] for d in every})[-4:]}
    months = {max(d for d in every if (d.year, d.month) == m)
              for m in sorted({(d.year, d.month) for d in every})[-12:]}
    assert set(kept) == days | weeks | months
    assert all(d.day in (28, 29, 30, 31) for d in months - {last})
    assert len(kept) <= 7 + 4 + 12
    assert other.read_text() == "not ours"


def test_the_rotation_counts_days_with_a_backup_not_calendar_days(tmp_path):
    paths = [tmp_path / f"b{n}" for n in range(10)]
    times = [(p, START - timedelta(days=40 * n)) for n, p in enumerate(paths)]
    assert backups_to_keep(times) == set(paths)  # one a month or so: all within 12 months
    two_a_day = [(tmp_path / f"c{n}", START + timedelta(hours=6 * n)) for n in range(8)]
    # 18:00 on the 1st, then every 6 hours to 12:00 on the 3rd: the newest of each day.
    assert backups_to_keep(two_a_day) == {tmp_path / "c0", tmp_path / "c4", tmp_path / "c7"}


def test_settings_due_and_warning(workspace, tmp_path):
    clock = FrozenClock(START)
    s = schedule(workspace, clock)
    assert s.folder() is None and not s.due()
    assert s.status().warning == "Aucun dossier de sauvegarde"  # short: the status bar
    with pytest.raises(BackupRefused):
        s.set_folder(workspace.paths.root / "backups")
    with pytest.raises(BackupRefused):
        s.set_folder(tmp_path / "absent")
    out = tmp_path / "nas"
    out.mkdir()
    s.set_folder(out)
    assert s.folder() == out and s.due()
    raw = workspace.store.engine.raw_connection()
    try:
        path = s.run(raw)
    finally:
        raw.close()
    s.record_good(path)
    assert s.last_good() == START and not s.due() and s.status().warning is None
    clock.advance(hours=7)  # the next day (01:00)
    assert s.due() and s.status().warning is None
    clock.advance(days=3)
    assert s.status().warning is not None and "01/01/2025" in s.status().warning
    shutil.rmtree(out)  # the USB key is unplugged
    assert s.status().folder_missing and str(out) in s.status().warning
    # The settings are the practice's: in its database, read again after reopening.
    assert schedule(workspace, clock).folder() == out


def test_in_portable_mode_a_backup_folder_on_the_same_drive_follows_the_drive(workspace):
    from app.storage import locations
    from app.storage.profile import ProfilePaths

    clock = FrozenClock(START)
    out = workspace.paths.root.parent / "Sauvegardes"
    out.mkdir()
    installed = schedule(workspace, clock)
    installed.set_folder(out)
    assert installed._get("backup.folder") == str(out)  # noqa: SLF001 - what is stored
    try:
        locations.use(locations.Locations(workspace.paths.root, portable=True))
        s = schedule(workspace, clock)
        s.set_folder(out)
        assert s.folder() == out
        assert s._get("backup.folder") == str(Path("..", "Sauvegardes"))  # noqa: SLF001
    finally:
        locations.use(locations.user_locations())
    # The drive under another letter (E: → F:): the same profile seen from elsewhere.
    elsewhere = out.parent.parent / "F" / workspace.paths.root.name
    moved = BackupSchedule(workspace.store, ProfilePaths(elsewhere), actor_id=workspace.user_id,
                           clock=clock)
    assert moved.folder() == elsewhere.parent / "Sauvegardes"
