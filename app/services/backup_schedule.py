"""Scheduled backups: the folder the owner chose, when one is due, rotation, and what
to say when the last good backup is too old.

The settings are the practice's, kept in its database (``practice_setting``, local to
this installation, never replicated): the folder, and when the last good backup was
made there.

Rotation, after each good scheduled backup, among the backups in the folder (named by
Permanence; nothing else there is touched): the newest backup of each of the last 7
days that have one is kept, and of each of the last 4 weeks, and of each of the last
12 months; the others are removed. A practice closed for a month loses nothing: the
days counted are days with a backup, not calendar days.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

from sqlalchemy import select

from app.i18n import _
from app.models.journal import PracticeSetting
from app.services.backups import Progress, backup_time, check_destination, make_backup
from app.storage import locations
from app.storage.profile import ProfilePaths

FOLDER_KEY = "backup.folder"
LAST_GOOD_KEY = "backup.last_good_at"
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
TOO_OLD = timedelta(days=3)


def backups_to_keep(times: Iterable[tuple[Path, datetime]], *, zone: tzinfo = timezone.utc,
                    daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY,
                    monthly: int = KEEP_MONTHLY) -> set[Path]:
    """The backups the rotation keeps (see the module's docstring)."""
    newest_first = sorted(times, key=lambda item: item[1], reverse=True)
    keep: set[Path] = set()
    for count, bucket in ((daily, lambda d: d.date()),
                          (weekly, lambda d: d.isocalendar()[:2]),
                          (monthly, lambda d: (d.year, d.month))):
        seen: set = set()
        for path, at in newest_first:
            b = bucket(at.astimezone(zone))
            if b in seen:
                continue
            if len(seen) == count:
                break
            seen.add(b)
            keep.add(path)
    return keep


def rotate(folder: Path, *, zone: tzinfo = timezone.utc) -> list[Path]:
    """Remove the backups of ``folder`` that the rotation does not keep; those removed."""
    times = [(p, t) for p in Path(folder).iterdir()
             if p.is_file() and not p.is_symlink() and (t := backup_time(p)) is not None]
    keep = backups_to_keep(times, zone=zone)
    removed = []
    for path, _at in times:
        if path not in keep:
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass  # kept one too many: the next rotation tries again
    return sorted(removed)


@dataclass(frozen=True)
class BackupStatus:
    folder: Path | None
    last_good: datetime | None
    folder_missing: bool
    warning: str | None  # for the status bar; None when all is well


class BackupSchedule:
    """The practice's backup settings and the scheduled backup itself."""

    def __init__(self, store, paths: ProfilePaths, *, actor_id: str, clock,
                 zone: tzinfo = timezone.utc) -> None:
        self._store = store
        self._paths = paths
        self._actor_id = actor_id
        self._clock = clock
        self._zone = zone

    # -- settings -----------------------------------------------------------------
    def _get(self, key: str) -> str | None:
        with self._store.reader() as s:
            return s.execute(select(PracticeSetting.value).where(PracticeSetting.key == key)
                             ).scalar()

    def _set(self, key: str, value: str) -> None:
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            uow.session.merge(PracticeSetting(key=key, value=value))

    def folder(self) -> Path | None:
        value = self._get(FOLDER_KEY)
        # A relative folder (portable mode) is the profile's neighbour on its drive.
        return Path(os.path.normpath(Path(self._paths.root, value))) if value else None

    def set_folder(self, folder: Path) -> None:
        """Refused (``BackupRefused``) for a folder that is missing or inside the
        profile folder. In portable mode a folder on the profile's own drive is kept
        relative to it: it follows the drive to another letter or mount point."""
        folder = Path(folder).expanduser().absolute()
        check_destination(folder, self._paths)
        self._set(FOLDER_KEY, locations.portable_path(folder, self._paths.root))

    def last_good(self) -> datetime | None:
        value = self._get(LAST_GOOD_KEY)
        try:
            return datetime.fromisoformat(value) if value else None
        except ValueError:
            return None

    # -- schedule -----------------------------------------------------------------
    def due(self) -> bool:
        """Daily: a folder is chosen and no good backup was made there today."""
        if self.folder() is None:
            return False
        last = self.last_good()
        now = self._clock.now()
        return last is None or last.astimezone(self._zone).date() < now.astimezone(
            self._zone).date()

    def status(self) -> BackupStatus:
        folder, last = self.folder(), self.last_good()
        missing = folder is not None and not folder.is_dir()
        if folder is None:
            warning = _("No backup folder")
        elif missing:
            warning = _("Backup folder unreachable: {folder}").format(folder=folder)
        elif last is None:
            warning = _("No backup yet")
        elif self._clock.now() - last > TOO_OLD:
            warning = _("Last backup: {date}").format(
                date=last.astimezone(self._zone).strftime("%d/%m/%Y"))
        else:
            warning = None
        return BackupStatus(folder, last, missing, warning)

    def run_on_own_connection(self, *, progress: Progress | None = None) -> Path:
        """``run`` on a connection of the pool of its own (from a worker thread: the
        practice goes on writing meanwhile)."""
        raw = self._store.engine.raw_connection()
        try:
            return self.run(raw, progress=progress)
        finally:
            raw.close()

    def run(self, conn, *, progress: Progress | None = None) -> Path:
        """Make a backup now into the chosen folder (``conn``: a keyed connection of
        the application's, used from the calling thread), then rotate. The caller
        records it as good with ``record_good`` (from the thread that writes)."""
        folder = self.folder()
        if folder is None:
            from app.services.backups import BackupRefused

            raise BackupRefused(_("Choose a backup folder first."))
        path = make_backup(conn, self._paths, folder, now=self._clock.now(), progress=progress)
        rotate(folder, zone=self._zone)
        return path

    def record_good(self, path: Path) -> None:
        at = backup_time(path) or self._clock.now()
        self._set(LAST_GOOD_KEY, at.astimezone(timezone.utc).isoformat(timespec="seconds"))
