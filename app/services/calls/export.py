"""The call log to CSV for spreadsheets: one row per call that started on the practice
days asked for, in time order.

Each row: start, answer and end in practice time (ISO 8601 with the offset), direction,
number (E.164), caller kind and id, patient name (a patient caller), practitioner,
reason, outcome, who handled it, the linked appointment (its start), the state of the
callback the call made or joined. Headers and words are French whatever the interface
language, as the other CSV exports (``app.services.exporting.csv_format``): UTF-8 with
a byte-order mark, ``;``, CRLF, every cell cleaned of control characters and protected
from being run as a formula.

The destination rules and the write are those of the other exports
(``app.services.exporting.files``): nothing in the profile folder, no symbolic link,
an existing file replaced only when asked, a hidden temporary file renamed into place
in the transaction of the audit entry (which says how many rows and which days, never
a name or a path).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, text

from app.clock import Clock
from app.i18n import _
from app.models import kinds
from app.models.base import UTCDateTime
from app.models.patient import patient_display_name
from app.models.principal import Principal
from app.models.text import plain_text
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.services.calls.labels import DONE, FRENCH, OPEN, OVERDUE
from app.services.exporting import csv_format
from app.services.exporting.files import (
    ExportError,
    TempFile,
    cannot_write,
    check_file_destination,
)
from app.storage.private import open_private
from app.storage.store import Store

HEADERS = ("Début", "Décroché", "Fin", "Sens", "Numéro", "Type d'appelant", "Id appelant",
           "Patient", "Praticien", "Motif", "Issue", "Traité par", "RDV lié", "Rappel")
BATCH = 2_000

_ROWS_SQL = text("""SELECT c.id, c.started_at, c.answered_at, c.ended_at, c.direction,
  c.number, c.caller_kind, c.caller_id, p.birth_name, p.used_name, p.first_names,
  pr.title, pr.first_name, pr.last_name, c.reason, c.outcome, u.display_name,
  a.starts_at, cb.done_at, cb.due_at
FROM call c INDEXED BY ix_call_started
LEFT JOIN patient p ON c.caller_kind = 'patient' AND p.id = c.caller_id
LEFT JOIN practitioner pr ON pr.id = c.practitioner_id
LEFT JOIN app_user u ON u.id = c.handled_by
LEFT JOIN appointment a ON a.id = c.appointment_id
LEFT JOIN callback cb ON cb.id = c.callback_id AND cb.deleted_at IS NULL
WHERE c.started_at >= :start AND c.started_at < :end AND c.deleted_at IS NULL
  AND (c.started_at > :after OR (c.started_at = :after AND c.id > :after_id))
ORDER BY c.started_at, c.id LIMIT :limit""").bindparams(
    bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime),
    bindparam("after", type_=UTCDateTime))

_INSTANT = UTCDateTime()


class InvalidCallRange(ExportError):
    code = "invalid_range"

    def __init__(self, first: date, last: date) -> None:
        super().__init__(_("The first day ({first}) is after the last day ({last}).").format(
            first=first.isoformat(), last=last.isoformat()))


@dataclass(frozen=True)
class CallExportResult:
    path: Path
    rows: int


class CallExporter:
    def __init__(self, store: Store, *, actor_id: str, clock: Clock, zone: PracticeTime,
                 principal: Principal | None = None) -> None:
        self._store = store
        self._principal = principal
        self._actor_id = actor_id
        self._clock = clock
        self._zone = zone

    def export(self, path: Path | str, *, first: date, last: date,
               overwrite: bool = False) -> CallExportResult:
        access.require_for(self._principal, access.CALLS_EXPORT)
        path = Path(path)
        if first > last:
            raise InvalidCallRange(first, last)
        check_file_destination(path, protected=Path(self._store.path).parent,
                               overwrite=overwrite)
        start = self._zone.day_start(first)
        end = self._zone.day_start(last + timedelta(days=1))
        now = self._clock.now()
        temp = TempFile(path, overwrite=overwrite)
        try:
            rows = 0
            with open(open_private(temp.path), "w", encoding=csv_format.ENCODING,
                      newline="") as fh:
                writer = csv.writer(fh, delimiter=csv_format.DELIMITER,
                                    lineterminator=csv_format.LINE_END)
                writer.writerow(HEADERS)
                with self._store.reader() as s:
                    after, after_id = start - timedelta(microseconds=1), ""
                    while True:
                        batch = s.execute(_ROWS_SQL, {
                            "start": start, "end": end, "after": after,
                            "after_id": after_id, "limit": BATCH}).all()
                        if not batch:
                            break
                        writer.writerows(self._cells(r, now) for r in batch)
                        rows += len(batch)
                        after, after_id = _read(batch[-1][1]), batch[-1][0]
                fh.flush()
                os.fsync(fh.fileno())
            detail = f"format=csv rows={rows} from={first.isoformat()} to={last.isoformat()}"
            self._finish(detail, temp)
        except OSError as exc:
            temp.discard()
            raise cannot_write(path.parent, exc) from exc
        except BaseException:
            temp.discard()
            raise
        return CallExportResult(path, rows)

    def _cells(self, r, now: datetime) -> list[str]:
        (_id, started, answered, ended, direction, number, caller_kind, caller_id, birth,
         used, first_names, title, p_first, p_last, reason, outcome, handler, appointment,
         cb_done, cb_due) = r
        patient = patient_display_name(birth, used or "", first_names or "") if birth else ""
        practitioner = " ".join(x for x in (title, p_first, p_last) if x)
        if cb_due is None:
            callback = ""
        elif cb_done is not None:
            callback = FRENCH["callback"][DONE]
        else:
            callback = FRENCH["callback"][OVERDUE if _read(cb_due) < now else OPEN]
        cells = [
            self._iso(started), self._iso(answered), self._iso(ended),
            FRENCH["direction"].get(direction, direction), number,
            FRENCH["caller"].get(caller_kind, caller_kind), caller_id or "", patient,
            practitioner, FRENCH["reason"].get(reason, reason),
            FRENCH["outcome"].get(outcome, outcome), handler or "", self._iso(appointment),
            callback,
        ]
        # Cleaned first: a control character before "=" would hide it from the check.
        return [csv_format.neutralise(plain_text(c)) for c in cells]

    def _iso(self, stored) -> str:
        if stored is None:
            return ""
        return self._zone.local(_read(stored)).isoformat(timespec="seconds")

    def _finish(self, detail: str, temp: TempFile) -> None:
        placed = False
        try:
            with self._store.unit_of_work(actor_id=self._actor_id) as uow:
                uow.audit("export", kinds.CALL, "", detail=detail)
                temp.place()
                placed = True
        except BaseException:
            if placed:
                temp.withdraw()
            raise


def _read(stored) -> datetime:
    """An instant as the driver returns it from raw SQL (text), made aware."""
    if isinstance(stored, datetime):
        return _INSTANT.process_result_value(stored, None)
    return _INSTANT.process_result_value(datetime.fromisoformat(stored), None)
