"""The audit trail as people read it: who did what to which record, and when.

Listing it (filtered by person, patient, action and period), the entries of one
patient ("Qui a consulté cette fiche ?"), exporting it to CSV, checking that it is
whole (``verify``, see ``app.storage.trail_verify``) and how long it is kept. The
trail holds ids only; names of people and patients are looked up when shown, so a
patient erased later leaves the chain untouched.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import or_, select

from app.clock import Clock
from app.i18n import _, ngettext
from app.models import Patient
from app.models.journal import AuditEntry
from app.models.patient import patient_display_name
from app.models.principal import Principal
from app.models.user import User
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.services.errors import MessageError
from app.services.exporting import csv_format
from app.services.exporting.files import TempFile, cannot_write, check_file_destination
from app.storage import trail_retention
from app.storage.private import open_private
from app.storage.store import Store
from app.storage.trail_verify import (
    BEHIND,
    CUT_UNSIGNED,
    DIFFERS,
    EDITED,
    EMPTIED,
    FILE_ALTERED,
    FILE_MISSING,
    MIRROR_AHEAD,
    MISSING,
    UNANCHORED,
    TrailReport,
    verify_trail,
)

PATIENT_ENTITIES = ("patient",)
MAX_ROWS = 2000  # a screen lists at most this many entries; the export has them all
EXPORT_HEADERS = ("Date", "Heure", "Personne", "Identifiant personne", "Action", "Type",
                  "Identifiant", "Détail", "N°", "Poste", "Identifiant poste")


class RetentionError(MessageError):
    code = "bad_retention"


@dataclass(frozen=True)
class TrailFilter:
    person: str | None = None  # a user id
    patient: str | None = None  # a patient id
    action: str | None = None
    first: date | None = None  # days in the practice's time zone, both included
    last: date | None = None


@dataclass(frozen=True)
class TrailRow:
    seq: int
    at: datetime
    user_id: str
    person: str
    action: str
    entity: str
    entity_id: str
    detail: str
    workstation: str | None = None  # the node id; None on entries from before it was kept
    workstation_name: str | None = None

    @property
    def station(self) -> str:
        """The workstation as people read it: its name, else the start of its node id;
        "" for an entry written before workstations were recorded."""
        if self.workstation_name:
            return self.workstation_name
        return (self.workstation or "")[:8]


def action_label(action: str) -> str:
    """The words for an action, in the user's language (the code itself if unknown)."""
    labels = {
        "read": _("opened"), "create": _("created"), "update": _("changed"),
        "delete": _("removed"), "erase": _("erased"), "print": _("printed"), "export": _("exported"),
        "lookup": _("phone lookup"), "import": _("imported"), "merge": _("merged"),
        "unmerge": _("unmerged"), "override": _("guard overridden"), "move": _("moved"),
        "cancel": _("cancelled"), "status": _("status changed"),
        "trail_export": _("audit trail exported"), "trail_read": _("access list viewed"),
        "setting": _("setting changed"),
        "break_glass": _("emergency access opened"),
        "break_glass_end": _("emergency access ended"),
        "break_glass_review": _("emergency access seen by the owner"),
        "passphrase_change": _("own passphrase changed"),
        "key_change": _("practice's keys changed"), "rekey": _("re-encrypted under a new key"),
    }
    return labels.get(action, action)


def entity_label(entity: str) -> str:
    """The words for a kind of record, in the user's language (the code if unknown)."""
    labels = {
        "patient": _("patient card"), "patient_phone": _("patient's phone"),
        "appointment": _("appointment"), "appointment_series": _("series of appointments"),
        "waiting_list_entry": _("waiting list"), "contact": _("directory contact"),
        "practitioner": _("practitioner"), "practice": _("practice"), "user": _("account"),
        "audit_trail": _("audit trail"), "absence": _("absence"),
        "appointment_type": _("appointment type"), "opening_hours": _("opening hours"),
        "emergency_access": _("emergency access"), "practice_setting": _("practice setting"),
        "practice_keys": _("practice's keys"),
    }
    return labels.get(entity, entity)


def describe(report: TrailReport) -> str:
    """What ``verify`` found, in the user's language, naming the first entry concerned."""
    seq = report.seq
    texts = {
        EDITED: _("entry {seq} was altered (it no longer chains to the one before)"),
        MISSING: _("entry {seq} is missing (deleted)"),
        DIFFERS: _("entry {seq} was rewritten: it differs from the signed checkpoint"),
        BEHIND: _("entries from {seq} on are missing: the signed checkpoints are ahead of "
                  "the database (entries deleted, or an older copy of the database put back)"),
        EMPTIED: _("the trail was emptied while the database holds data (entry {seq} "
                   "missing)"),
        CUT_UNSIGNED: _("entries up to {seq} were removed without a signed summary"),
        FILE_ALTERED: _("the checkpoint file was altered (line {line})"),
        FILE_MISSING: _("the checkpoint file is missing or was started again"),
        UNANCHORED: _("the database no longer records its checkpoints (it was replaced "
                      "or altered)"),
        MIRROR_AHEAD: _("the keychain holds a checkpoint the file lacks: the checkpoint "
                        "file was put back to an older copy"),
    }
    if report.ok:
        return _intact_text(report.entries, report.checkpoints)
    return texts[report.problem].format(seq=seq if seq is not None else "-", line=report.line)


def _intact_text(entries: int, checkpoints: int) -> str:
    return ngettext("{n} entry, chain intact", "{n} entries, chain intact", entries).format(
        n=entries) + "; " + ngettext("{n} signed checkpoint", "{n} signed checkpoints",
                                     checkpoints).format(n=checkpoints)


class AuditTrailService:
    """Reading and exporting the trail is ``access.AUDIT_READ`` (the owner's by default),
    checked before anything is read or written; changing how long it is kept is the
    owner's (``access.ACCOUNTS``); verifying it is anyone's (``permanence check``)."""

    def __init__(self, store: Store, *, principal: Principal | None, clock: Clock,
                 zone: PracticeTime) -> None:
        self._store = store
        self._principal = principal
        self._actor_id = principal.user_id if principal is not None else "system"
        self._clock = clock
        self._zone = zone

    def _may_read(self) -> None:
        access.require_for(self._principal, access.AUDIT_READ)

    # -- checking -------------------------------------------------------------------------
    def verify(self) -> TrailReport:
        return verify_trail(self._store)

    # -- reading --------------------------------------------------------------------------
    def entries(self, where: TrailFilter = TrailFilter(), *, limit: int | None = MAX_ROWS
                ) -> list[TrailRow]:
        """Newest first."""
        self._may_read()
        with self._store.reader() as s:
            query = self._query(where).order_by(AuditEntry.seq.desc())
            if limit is not None:
                query = query.limit(limit)
            rows = s.execute(query).all()
            names = _people(s)
        return [_row(r, names) for r in rows]

    def who_viewed(self, patient_id: str) -> list[TrailRow]:
        """Every entry about one patient's card (opened, changed, printed...), newest
        first. Reading it is itself recorded."""
        self._may_read()
        rows = self.entries(TrailFilter(patient=patient_id), limit=None)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            uow.audit("trail_read", "patient", patient_id)
        return rows

    def people(self) -> list[tuple[str, str]]:
        """(id, name) of every account, disabled ones included (the trail keeps them)."""
        self._may_read()
        with self._store.reader() as s:
            return sorted(_people(s).items(), key=lambda item: item[1].casefold())

    def record_names(self, rows: list[TrailRow]) -> dict[str, str]:
        """The names of the patients these entries concern, looked up now (a card
        erased since is simply not there): for showing, never stored in the trail."""
        self._may_read()
        ids = sorted({r.entity_id for r in rows if r.entity in PATIENT_ENTITIES and r.entity_id})
        names: dict[str, str] = {}
        with self._store.reader() as s:
            for i in range(0, len(ids), 500):
                for pid, birth, used, first in s.execute(
                        select(Patient.id, Patient.birth_name, Patient.used_name,
                               Patient.first_names).where(Patient.id.in_(ids[i:i + 500]))):
                    names[pid] = patient_display_name(birth, used, first)
        return names

    def actions(self) -> list[str]:
        self._may_read()
        with self._store.reader() as s:
            return sorted(s.execute(select(AuditEntry.action).distinct()).scalars())

    def _query(self, where: TrailFilter):
        query = select(AuditEntry.seq, AuditEntry.at, AuditEntry.user_id, AuditEntry.action,
                       AuditEntry.entity, AuditEntry.entity_id, AuditEntry.detail,
                       AuditEntry.workstation, AuditEntry.workstation_name)
        if where.person:
            query = query.where(AuditEntry.user_id == where.person)
        if where.patient:
            # The card itself, and its phones (journaled under their own ids, which the
            # trail does not tie to the patient): the card's entries.
            query = query.where(AuditEntry.entity_id == where.patient,
                                or_(*(AuditEntry.entity == e for e in PATIENT_ENTITIES)))
        if where.action:
            query = query.where(AuditEntry.action == where.action)
        if where.first:
            query = query.where(AuditEntry.at >= self._zone.day_start(where.first))
        if where.last:
            query = query.where(AuditEntry.at < self._zone.day_bounds(where.last)[1])
        return query

    # -- exporting ------------------------------------------------------------------------
    def export_csv(self, path: Path | str, where: TrailFilter, *, overwrite: bool = False) -> int:
        """Write the entries (oldest first) to a CSV file readable by its owner only,
        with the export rules (never in the profile folder, never through a link, no
        replacing without ``overwrite``). The export is itself recorded. Rows written."""
        self._may_read()
        path = Path(path)
        check_file_destination(path, protected=Path(self._store.path).parent,
                               overwrite=overwrite)
        temp = TempFile(path, overwrite=overwrite)
        rows = 0
        try:
            with self._store.reader() as s:
                names = _people(s)
                result = s.execute(self._query(where).order_by(AuditEntry.seq))
                with open(open_private(temp.path), "w", encoding=csv_format.ENCODING,
                          newline="") as fh:
                    writer = csv.writer(fh, delimiter=csv_format.DELIMITER,
                                        lineterminator=csv_format.LINE_END)
                    writer.writerow(EXPORT_HEADERS)
                    for r in result:
                        writer.writerow(self._cells(_row(r, names)))
                        rows += 1
                    fh.flush()
                    _fsync(fh)
            detail = f"rows={rows}"
            placed = False
            try:
                with self._store.unit_of_work(actor_id=self._actor_id) as uow:
                    uow.audit("trail_export", "audit_trail", where.patient or "", detail)
                    temp.place()
                    placed = True
            except BaseException:
                if placed:
                    temp.withdraw()
                raise
        except OSError as exc:
            temp.discard()
            raise cannot_write(path.parent, exc) from exc
        except BaseException:
            temp.discard()
            raise
        return rows

    def _cells(self, row: TrailRow) -> list[str]:
        local = self._zone.local(row.at)
        cells = [local.strftime("%d/%m/%Y"), local.strftime("%H:%M:%S"), row.person,
                 row.user_id, row.action, row.entity, row.entity_id, row.detail, str(row.seq),
                 row.workstation_name or "", row.workstation or ""]
        return [csv_format.neutralise(c) for c in cells]

    # -- keeping --------------------------------------------------------------------------
    def retention_days(self) -> int:
        return trail_retention.retention_days(self._store)

    def set_retention_days(self, days: int) -> None:
        access.require_for(self._principal, access.ACCOUNTS)
        if not trail_retention.MIN_DAYS <= days <= trail_retention.MAX_DAYS:
            raise RetentionError(_("The trail is kept between {low} and {high} days; {days} "
                                   "is outside.").format(low=trail_retention.MIN_DAYS,
                                                         high=trail_retention.MAX_DAYS,
                                                         days=days))
        trail_retention.set_retention_days(self._store, days)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            uow.audit("setting", "audit_trail", "", f"retention_days={days}")

    def apply_retention(self) -> trail_retention.Summary | None:
        return trail_retention.apply_configured(self._store)


def _fsync(fh) -> None:
    os.fsync(fh.fileno())


def _people(session) -> dict[str, str]:
    return dict(session.execute(select(User.id, User.display_name)).all())


def _row(r, names: dict[str, str]) -> TrailRow:
    seq, at, user_id, action, entity, entity_id, detail, station, station_name = r
    return TrailRow(seq, at, user_id, names.get(user_id, user_id), action, entity, entity_id,
                    detail, station, station_name)

