"""Exports of the patient file and of the directory: CSV for spreadsheets, vCard 4.0
for address books.

Only live rows are exported (tombstoned ones are not). Each export that completes is
recorded in the audit trail with its format and row count, never a name or a path.
``progress(done, total)`` is called after each batch; ``cancel()`` is asked before each
batch and once more inside the audit transaction, just before the file is put in place:
a cancelled export writes nothing and leaves no audit entry.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from app.models.principal import Principal
from app.clock import Clock
from app.models import kinds
from app.services import access
from app.services.errors import Cancelled
from app.services.exporting import csv_format, vcard
from app.services.exporting.files import (
    TempFile,
    TempFolder,
    cannot_write,
    check_file_destination,
    check_folder_destination,
)
from app.services.exporting.sources import (
    BATCH,
    contact_batches,
    count_contacts,
    count_patients,
    patient_batches,
)
from app.storage.private import open_private
from app.storage.store import Store

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

PATIENTS = kinds.PATIENT  # what is exported, named as the journal and the audit name it
CONTACTS = kinds.CONTACT


@dataclass(frozen=True)
class ExportResult:
    entity: str  # "patient" or "contact"
    format: str  # "csv" or "vcard"
    rows: int
    path: Path
    files: int  # 1, or one per contact in a folder


def _never() -> bool:
    return False


class ExportService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock,
                 batch_size: int = BATCH) -> None:
        self._store = store
        self.principal = principal
        self._actor_id = principal.user_id
        self._clock = clock
        self._batch = batch_size

    # -- public operations -------------------------------------------------------------
    # ``overwrite``: replace an existing file (a dialog asked, or --force); otherwise an
    # existing file is refused. Nothing is ever written into the profile folder.
    def export_patients_csv(self, path: Path | str, *, overwrite: bool = False,
                            progress: ProgressFn | None = None,
                            cancel: CancelFn | None = None) -> ExportResult:
        access.require(self.principal, access.EXPORT)
        return self._csv(PATIENTS, Path(path), csv_format.PATIENT_HEADERS,
                         csv_format.patient_cells, overwrite, progress, cancel)

    def export_directory_csv(self, path: Path | str, *, overwrite: bool = False,
                             progress: ProgressFn | None = None,
                             cancel: CancelFn | None = None) -> ExportResult:
        access.require(self.principal, access.EXPORT)
        return self._csv(CONTACTS, Path(path), csv_format.DIRECTORY_HEADERS,
                         csv_format.contact_cells, overwrite, progress, cancel)

    def export_patients_vcard(self, path: Path | str, *, one_per_contact: bool = False,
                              overwrite: bool = False, progress: ProgressFn | None = None,
                              cancel: CancelFn | None = None) -> ExportResult:
        access.require(self.principal, access.EXPORT)
        return self._vcard(PATIENTS, Path(path), vcard.patient_card, one_per_contact,
                           overwrite, progress, cancel)

    def export_directory_vcard(self, path: Path | str, *, one_per_contact: bool = False,
                               overwrite: bool = False, progress: ProgressFn | None = None,
                               cancel: CancelFn | None = None) -> ExportResult:
        access.require(self.principal, access.EXPORT)
        return self._vcard(CONTACTS, Path(path), vcard.contact_card, one_per_contact,
                           overwrite, progress, cancel)

    def suggested_name(self, entity: str, fmt: str) -> str:
        """A default file name that says what and when, and nothing about anyone."""
        stem = "patients" if entity == PATIENTS else "annuaire"
        day = self._clock.now().date().isoformat()
        return f"{stem}-{day}.{'csv' if fmt == 'csv' else 'vcf'}"

    # -- the two shapes -------------------------------------------------------------------
    @property
    def _profile_folder(self) -> Path:
        return Path(self._store.path).parent

    def _csv(self, entity, path, headers, cells, overwrite, progress, cancel) -> ExportResult:
        check_file_destination(path, protected=self._profile_folder, overwrite=overwrite)
        temp = TempFile(path, overwrite=overwrite)
        try:
            with self._store.reader() as session:
                with self._open(temp.path, csv_format.ENCODING) as fh:
                    writer = csv.writer(fh, delimiter=csv_format.DELIMITER,
                                        lineterminator=csv_format.LINE_END)
                    writer.writerow(headers)
                    rows = 0
                    for batch in self._batches(entity, session, progress, cancel):
                        writer.writerows(cells(r) for r in batch)
                        rows += len(batch)
                    self._sync(fh)
            self._finish(entity, "csv", rows, temp, cancel)
        except OSError as exc:  # disk full, removed drive…: nothing is left behind
            temp.discard()
            raise cannot_write(path.parent, exc) from exc
        except BaseException:
            temp.discard()
            raise
        return ExportResult(entity, "csv", rows, path, 1)

    def _vcard(self, entity, path, card, one_per_contact, overwrite, progress,
               cancel) -> ExportResult:
        if one_per_contact:
            check_folder_destination(path, protected=self._profile_folder)
            temp: TempFile | TempFolder = TempFolder(path)
        else:
            check_file_destination(path, protected=self._profile_folder, overwrite=overwrite)
            temp = TempFile(path, overwrite=overwrite)
        try:
            rows = 0
            with self._store.reader() as session:
                batches = self._batches(entity, session, progress, cancel)
                if one_per_contact:
                    # Files are named by the contact's UUID, not by a name: unique
                    # (homonyms do not collide), stable (a second export replaces the
                    # same card), and no patient name shows in folder listings, recent
                    # file lists or sync-tool logs.
                    for batch in batches:
                        for r in batch:
                            with self._open(temp.path / f"{r.id}.vcf", "utf-8") as fh:
                                fh.write(card(r))
                        rows += len(batch)
                else:
                    with self._open(temp.path, "utf-8") as fh:
                        for batch in batches:
                            fh.write("".join(card(r) for r in batch))
                            rows += len(batch)
                        self._sync(fh)
            self._finish(entity, "vcard", rows, temp, cancel, folder=one_per_contact)
        except OSError as exc:
            temp.discard()
            raise cannot_write(path.parent, exc) from exc
        except BaseException:
            temp.discard()
            raise
        return ExportResult(entity, "vcard", rows, path, rows if one_per_contact else 1)

    # -- shared steps ---------------------------------------------------------------------
    def _batches(self, entity, session, progress, cancel) -> Iterator[list]:
        cancel = cancel or _never
        total = (count_patients if entity == PATIENTS else count_contacts)(session)
        batches: Iterable[list] = (patient_batches if entity == PATIENTS else contact_batches)(
            session, self._batch)
        done = 0
        if progress:
            progress(0, total)
        if cancel():
            raise Cancelled()
        for batch in batches:
            yield batch
            done += len(batch)
            if progress:
                progress(done, total)
            if cancel():
                raise Cancelled()

    @staticmethod
    def _open(path: Path, encoding: str) -> TextIO:
        try:  # an export is patient data: owner-only, whatever the umask
            return open(open_private(path), "w", encoding=encoding, newline="")
        except OSError as exc:
            raise cannot_write(path.parent, exc) from exc

    @staticmethod
    def _sync(fh: TextIO) -> None:
        fh.flush()
        os.fsync(fh.fileno())

    def _finish(self, entity, fmt, rows, temp, cancel, *, folder: bool = False) -> None:
        detail = f"format={fmt} rows={rows}" + (f" files={rows}" if folder else "")
        # The audit entry and the file go together: the rename happens inside the
        # transaction, which rolls back if the rename fails; if the commit fails after
        # the rename, the exported file is taken back.
        placed = False
        try:
            with self._store.unit_of_work(actor_id=self._actor_id) as uow:
                if cancel is not None and cancel():
                    raise Cancelled()
                uow.audit("export", entity, "", detail=detail)
                temp.place()
                placed = True
        except BaseException:
            if placed:
                temp.withdraw()
            raise
