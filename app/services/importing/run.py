"""Dry run and import of a patient CSV file.

Both read the file as a stream and validate each row with ``PatientService.validate``
(the rules of the patient card). The import writes in one unit of work, in chunks of
``create_many``: it is kept whole or not at all (invalid rows without
``skip_invalid``, a cancellation, any failure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.models.principal import Principal
from app.clock import Clock
from app.i18n import _, ngettext
from app.models import Patient, PatientPhone
from app.models.ids import uuid7
from app.services import access
from app.services.errors import Cancelled, ServiceError, ValidationError
from app.services.importing.mapping import Mapping, infer_mapping, mapping_problems
from app.services.importing.reading import CsvFormat, UnreadableFile, detect_format, read_records
from app.services.importing.values import convert_row
from app.services.patients import PatientInput, PatientService
from app.storage.store import Store

ProgressFn = Callable[[int, int], None]  # bytes read, file size
CancelledFn = Callable[[], bool]

CHUNK = 2_000  # rows per create_many call (all inside the one unit of work)
MAX_KEPT = 1_000  # errors and duplicates kept for display; the counts are always complete
_TICK = 500  # records between two progress reports and cancellation checks
_QUERY_SIZE = 500  # ids per IN (...) query


class UnusableMapping(ServiceError):
    """No usable column mapping (nothing recognised, a required field missing)."""

    code = "unusable_mapping"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems

    @property
    def user_message(self) -> str:
        return " ".join(self.problems)


@dataclass(frozen=True)
class RowError:
    line: int  # where the row starts in the file, 1 = the header line
    field: str  # field key; "" for the whole row
    column: str  # the column's header as in the file; "" for the whole row
    message: str


@dataclass(frozen=True)
class Duplicate:
    line: int
    reason: str  # "identity": same birth name, first first name, birth date; "phone"
    other_line: int | None  # the earlier row of the file; None: a patient already recorded

    @property
    def message(self) -> str:
        if self.reason == "identity":
            if self.other_line is None:
                return _("Same birth name, first name and birth date as a patient already "
                         "recorded.")
            return _("Same birth name, first name and birth date as line {line}.").format(
                line=self.other_line)
        if self.other_line is None:
            return _("Same phone number as a patient already recorded.")
        return _("Same phone number as line {line}.").format(line=self.other_line)


@dataclass(frozen=True)
class Preview:
    format: CsvFormat
    headers: list[str]
    mapping: Mapping  # as inferred from the headers
    rows: list[list[str]]  # the first rows, as read
    problems: list[str]  # what keeps the inferred mapping from being used


@dataclass
class ImportReport:
    format: CsvFormat
    headers: list[str]
    mapping: Mapping
    dry_run: bool
    rows: int = 0  # data rows read (not the header, not empty lines)
    valid: int = 0
    invalid: int = 0  # rows with at least one error
    imported: int = 0
    skipped_duplicates: int = 0
    error_count: int = 0
    duplicate_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_KEPT
    duplicates: list[Duplicate] = field(default_factory=list)  # the first MAX_KEPT

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_KEPT:
            self.errors.append(error)

    def add_duplicate(self, duplicate: Duplicate) -> None:
        self.duplicate_count += 1
        if len(self.duplicates) < MAX_KEPT:
            self.duplicates.append(duplicate)

    @property
    def audit_detail(self) -> str:
        """Counts only: never anything read from the file."""
        return (f"rows={self.rows} imported={self.imported} invalid={self.invalid} "
                f"duplicates={self.duplicate_count} skipped={self.skipped_duplicates}")


class ImportRefused(ServiceError):
    """Invalid rows and no ``skip_invalid``: nothing was written."""

    code = "import_refused"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{report.invalid} invalid rows")
        self.report = report

    @property
    def user_message(self) -> str:
        return ngettext(
            "Nothing was imported: {n} row is invalid. Correct the file, or choose to skip "
            "the invalid rows.",
            "Nothing was imported: {n} rows are invalid. Correct the file, or choose to skip "
            "the invalid rows.", self.report.invalid).format(n=self.report.invalid)


@dataclass
class _Valid:
    line: int
    data: PatientInput
    identity_key: str
    phones: list[str]  # E.164
    validated: tuple[dict, list]  # what PatientService.validate returned
    duplicate: Duplicate | None = None


class PatientImporter:
    """``preview`` a file, ``dry_run`` it (nothing written), then ``run`` the import."""

    def __init__(self, store: Store, *, principal: Principal, clock: Clock) -> None:
        self._store = store
        self._patients = PatientService(store, principal=principal, clock=clock)
        self.principal = principal
        self._actor_id = principal.user_id
        self._clock = clock

    def preview(self, path: Path, *, fmt: CsvFormat | None = None, encoding: str | None = None,
                delimiter: str | None = None, rows: int = 10) -> Preview:
        return preview_file(path, fmt=fmt, encoding=encoding, delimiter=delimiter, rows=rows)

    def dry_run(self, path: Path, *, fmt: CsvFormat | None = None,
                mapping: Mapping | None = None, progress: ProgressFn | None = None,
                cancelled: CancelledFn | None = None) -> ImportReport:
        """Every row checked, duplicates looked for; nothing is written, not even audit."""
        access.require(self.principal, access.PATIENTS_IMPORT)
        scan = self._scan(path, fmt, mapping, dry_run=True, progress=progress,
                          cancelled=cancelled)
        for batch in scan.batches():
            with self._store.reader() as session:
                scan.find_duplicates(session, batch)
        scan.finish()
        return scan.report

    def run(self, path: Path, *, fmt: CsvFormat | None = None, mapping: Mapping | None = None,
            skip_invalid: bool = False, skip_duplicates: bool = False,
            progress: ProgressFn | None = None,
            cancelled: CancelledFn | None = None) -> ImportReport:
        """Import in one transaction. ``ImportRefused`` if a row is invalid and not
        ``skip_invalid``; ``Cancelled`` when ``cancelled()`` turns true; in both cases
        nothing is kept. ``skip_duplicates`` leaves out rows with the birth name, first
        name and birth date of a recorded patient or of an earlier row (a shared phone
        number is only reported: families share one)."""
        access.require(self.principal, access.PATIENTS_IMPORT)
        scan = self._scan(path, fmt, mapping, dry_run=False, progress=progress,
                          cancelled=cancelled)
        report = scan.report
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            for batch in scan.batches():
                scan.find_duplicates(uow.session, batch)
                if report.invalid and not skip_invalid:
                    continue  # refused in the end: keep checking, stop writing
                kept = []
                for row in batch:
                    if (skip_duplicates and row.duplicate is not None
                            and row.duplicate.reason == "identity"):
                        report.skipped_duplicates += 1
                    else:
                        kept.append(row)
                if kept:
                    # Validated while scanning: handed over, not validated again.
                    report.imported += self._patients.create_many(
                        [r.data for r in kept], uow=uow, prepared=[r.validated for r in kept])
            scan.finish()
            if report.invalid and not skip_invalid:
                report.imported = report.skipped_duplicates = 0
                raise ImportRefused(report)
            uow.audit("import", Patient.__sync_entity__, uuid7(), report.audit_detail)
        return report

    def _scan(self, path: Path, fmt: CsvFormat | None, mapping: Mapping | None,
              **options) -> _Scan:
        return _Scan(Path(path), fmt, mapping, validate=self._patients.validate,
                     today=self._clock.now().date(), **options)


def preview_file(path: Path, *, fmt: CsvFormat | None = None, encoding: str | None = None,
                 delimiter: str | None = None, rows: int = 10) -> Preview:
    """The format (detected, or as ``encoding`` and ``delimiter`` choose), the headers,
    the inferred mapping and the first rows. ``MixedEncoding`` when the user must
    choose the encoding."""
    path = Path(path)
    fmt = fmt or detect_format(path, encoding=encoding, delimiter=delimiter)
    records = read_records(path, fmt)
    try:
        headers = _headers(records)
        shown = []
        for record in records:
            if len(shown) >= rows:
                break
            if record.cells is not None:
                shown.append(record.cells)
    finally:
        records.close()
    mapping = infer_mapping(headers)
    return Preview(fmt, headers, mapping, shown, mapping_problems(mapping))


def _headers(records: Iterator) -> list[str]:
    first = next(records, None)
    if first is None:
        raise UnreadableFile(_("The file has no header line (it holds only empty lines)."))
    if first.cells is None:
        raise UnreadableFile(_("The header line (line {line}) cannot be read: {reason}").format(
            line=first.line, reason=first.error))
    return [h.strip().lstrip("\ufeff") for h in first.cells]


class _Scan:
    def __init__(self, path: Path, fmt: CsvFormat | None, mapping: Mapping | None, *,
                 validate: Callable, today: date, dry_run: bool, progress: ProgressFn | None,
                 cancelled: CancelledFn | None) -> None:
        self._path = path
        self._validate, self._today = validate, today
        self._fmt = fmt or detect_format(self._path)
        self._records = read_records(self._path, self._fmt, bytes_read=self._set_counter)
        self._bytes_read: Callable[[], int] = lambda: 0
        try:
            self._size = self._path.stat().st_size
            headers = _headers(self._records)
        except BaseException:
            self._records.close()
            raise
        mapping = list(mapping) if mapping is not None else infer_mapping(headers)
        mapping = (mapping + [None] * len(headers))[:len(headers)]
        problems = mapping_problems(mapping)
        if problems:
            self._records.close()
            raise UnusableMapping(problems)
        self._headers, self._mapping = headers, mapping
        self._progress, self._cancelled = progress, cancelled
        self.report = ImportReport(self._fmt, headers, mapping, dry_run=dry_run)
        self._seen_keys: dict[str, int] = {}
        self._seen_phones: dict[str, int] = {}

    def _set_counter(self, counter: Callable[[], int]) -> None:
        self._bytes_read = counter

    def _column(self, index: int | None, key: str = "") -> str:
        if index is None:
            index = self._mapping.index(key) if key in self._mapping else None
        return self._headers[index] if index is not None else ""

    def _tick(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise Cancelled()
        if self._progress is not None:
            self._progress(min(self._bytes_read(), self._size), self._size)

    def batches(self) -> Iterator[list[_Valid]]:
        report, ncols = self.report, len(self._headers)
        validate = self._validate
        batch: list[_Valid] = []
        try:
            self._tick()
            for record in self._records:
                report.rows += 1
                if report.rows % _TICK == 0:
                    self._tick()
                if record.cells is None:
                    report.invalid += 1
                    report.add_error(RowError(record.line, "", "", record.error))
                    continue
                cells = record.cells
                if len(cells) > ncols and any(c.strip() for c in cells[ncols:]):
                    report.invalid += 1
                    report.add_error(RowError(record.line, "", "", _(
                        "This line has {found} columns, the header line {expected}: a value "
                        "may hold an unquoted delimiter.").format(found=len(cells),
                                                                 expected=ncols)))
                    continue
                converted = convert_row(cells, self._mapping, today=self._today)
                errors = {key: (converted.error_columns.get(key), message)
                          for key, message in converted.errors.items()}
                try:
                    values, phones = validate(converted.data)
                except ValidationError as exc:
                    for key, message in exc.errors.items():
                        if key.startswith("phone") and key[5:].isdigit():
                            column = converted.phone_columns[int(key[5:])]
                            errors.setdefault(f"{key}", (column, message))
                        else:
                            errors.setdefault(key, (None, message))
                if errors:
                    report.invalid += 1
                    for key, (column, message) in errors.items():
                        name = self._mapping[column] if column is not None else key
                        report.add_error(RowError(record.line, name,
                                                  self._column(column, key), message))
                    continue
                report.valid += 1
                batch.append(_Valid(record.line, converted.data, values["identity_key"],
                                    [p.e164 for _kind, p in phones], (values, phones)))
                if len(batch) >= CHUNK:
                    yield batch
                    batch = []
                    self._tick()
            if batch:
                yield batch
        finally:
            self._records.close()

    def find_duplicates(self, session, batch: list[_Valid]) -> None:
        """Same identity key or phone as an earlier row or a recorded patient; the
        earlier rows are looked up first, so a row written by this import is never
        mistaken for a patient already recorded."""
        for row in batch:
            if row.identity_key:
                first = self._seen_keys.setdefault(row.identity_key, row.line)
                if first != row.line:
                    row.duplicate = Duplicate(row.line, "identity", first)
        keys = [r.identity_key for r in batch if r.identity_key and r.duplicate is None]
        recorded = set()
        for part in _parts(keys):
            recorded.update(session.execute(
                select(Patient.identity_key).where(Patient.identity_key.in_(part),
                                                   Patient.deleted_at.is_(None))).scalars())
        for row in batch:
            if row.duplicate is None and row.identity_key in recorded:
                row.duplicate = Duplicate(row.line, "identity", None)
            for e164 in row.phones:
                first = self._seen_phones.setdefault(e164, row.line)
                if first != row.line and row.duplicate is None:
                    row.duplicate = Duplicate(row.line, "phone", first)
        numbers = list({e for r in batch if r.duplicate is None for e in r.phones})
        recorded = set()
        for part in _parts(numbers):
            recorded.update(session.execute(
                select(PatientPhone.e164).join(Patient, Patient.id == PatientPhone.patient_id)
                .where(PatientPhone.e164.in_(part), PatientPhone.deleted_at.is_(None),
                       Patient.deleted_at.is_(None))).scalars())
        for row in batch:
            if row.duplicate is None and any(e in recorded for e in row.phones):
                row.duplicate = Duplicate(row.line, "phone", None)
            if row.duplicate is not None:
                self.report.add_duplicate(row.duplicate)

    def finish(self) -> None:
        if self.report.rows == 0:
            raise UnreadableFile(_("The file has no rows under its header line."))
        if self._progress is not None:
            self._progress(self._size, self._size)


def _parts(values: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(values), _QUERY_SIZE):
        yield values[i:i + _QUERY_SIZE]
