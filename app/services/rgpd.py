"""The patient's rights under the RGPD: access (everything held about one patient) and
erasure.

Access: the card, its phones, the patient's appointments and waiting-list requests,
calls, callbacks and messages, and who opened or changed the card (the audit trail),
as one JSON file and, when the caller gives a renderer (``app.ui.rgpd_pdf``), a
readable PDF. The export is recorded in the audit trail, without a name or a path.

Erasure: the card's personal fields are blanked and the card tombstoned with
``erased_at`` (a normal journaled change: sync carries it, and a peer that applies it
erases its own copies, see ``app.storage.remote``); its phones, waiting-list
requests, merges and dismissed duplicates likewise. Every older copy of the values
goes from the change journal, the search index and the database file
(``app.storage.erasure``). What remains: the blank tombstone (ids and times) as the
journal's one entry for each row, the older audit entries, which hold ids only, and one
more saying who erased, when and why.

A retention duty can forbid it: the owner's rule (``activity_years``) says which
activity keeps a patient. By default any appointment, call or message does, and the
refusal says which; with N years, only activity of the last N years does, and older
activity is erased with the card (its notes and links blanked, tombstoned).
Backups made before keep the card until they are rotated away.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.clock import Clock
from app.i18n import _, ngettext
from app.models import Patient, PatientPhone
from app.models.agenda import Appointment, AppointmentSeries, AppointmentType, WaitingListEntry
from app.models.calls import Call, Callback, CallerKind
from app.models.duplicate import DuplicateDismissal
from app.models.journal import AuditEntry, PracticeSetting
from app.models.merge import PatientMerge
from app.models.messages import Message
from app.models.practice import Practice, Practitioner
from app.models.principal import Principal
from app.models.text import one_line
from app.models.user import User
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.errors import PermanenceError
from app.services.errors import MessageError, NotFound
from app.services.exporting.files import TempFile, cannot_write, check_file_destination
from app.storage import erasure
from app.storage.private import open_private
from app.storage.store import Store

FORMAT = "permanence-rgpd-export"
FORMAT_VERSION = 1
RULE_SETTING = "erasure_activity_years"
MAX_ACTIVITY_YEARS = 50
REASON_MAX = 200  # the audit entry's detail

# Per kind of row: the fields an erasure blanks, and their blank value.
_CARD_FIELDS = {
    "civility": "", "birth_name": "", "used_name": "", "first_names": "", "birth_date": None,
    "sex": "", "email": "", "email_other": "", "preferred_channel": "",
    "call_not_before": None, "call_not_after": None, "alert": "", "address_line": "",
    "postal_code": "", "city": "", "referring_doctor": "", "referring_contact_id": None,
    "admin_note": "", "reminder_consent": False, "sort_key": "", "identity_key": "",
}
_BLANKS: dict[type, dict[str, Any]] = {
    Patient: _CARD_FIELDS,
    PatientPhone: {"raw": "", "e164": ""},
    WaitingListEntry: {"note": ""},
    PatientMerge: {"kept_before": "{}", "moved_links": "[]"},
    DuplicateDismissal: {},
    Appointment: {"patient_id": None, "note": "", "cancel_note": "", "override_note": ""},
    AppointmentSeries: {"patient_id": None, "note": ""},
    Call: {"number": "", "caller_kind": CallerKind.UNKNOWN.value, "caller_id": None,
           "note": ""},
    Callback: {"number": "", "caller_kind": CallerKind.UNKNOWN.value, "caller_id": None,
               "reason": ""},
    Message: {"patient_id": None, "caller_name": "", "caller_phone": "", "callback_phone": "",
              "body": ""},
}


class ErasureRefused(PermanenceError):
    """A retention duty keeps the patient; nothing was changed."""

    code = "erasure_refused"

    def __init__(self, appointments: int, calls: int, messages: int, years: int) -> None:
        super().__init__(f"kept: {appointments} appointments, {calls} calls, "
                         f"{messages} messages; rule {years} years")
        self.appointments, self.calls, self.messages = appointments, calls, messages
        self.years = years

    @property
    def user_message(self) -> str:
        parts = []
        if self.appointments:
            parts.append(ngettext("{n} appointment", "{n} appointments", self.appointments)
                         .format(n=self.appointments))
        if self.calls:
            parts.append(ngettext("{n} call or callback", "{n} calls or callbacks", self.calls)
                         .format(n=self.calls))
        if self.messages:
            parts.append(ngettext("{n} message", "{n} messages", self.messages)
                         .format(n=self.messages))
        rule = (_("the practice keeps every patient with an appointment, a call or a "
                  "message") if self.years == 0 else
                ngettext("the practice keeps the activity of the last {n} year",
                         "the practice keeps the activity of the last {n} years", self.years)
                .format(n=self.years))
        return _("This patient cannot be erased: {held} must be kept ({rule}; the owner "
                 "sets this rule in Settings). Nothing was changed.").format(
                     held=", ".join(parts), rule=rule)


@dataclass(frozen=True)
class ErasureResult:
    patient_id: str
    rows: int  # rows blanked and tombstoned, the card included
    journal_entries: int  # older journal entries deleted or rewritten


def read_activity_years(store: Store) -> int:
    """The erasure rule as the owner set it (0, the default: any activity keeps)."""
    with store.reader() as s:
        row = s.get(PracticeSetting, RULE_SETTING)
    try:
        years = int(row.value) if row is not None else 0
    except ValueError:
        return 0
    return min(max(years, 0), MAX_ACTIVITY_YEARS)


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


class PatientRightsService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock,
                 zone: PracticeTime) -> None:
        self._store = store
        self.principal = principal
        self._clock = clock
        self._zone = zone

    # -- the rule ---------------------------------------------------------------------
    def activity_years(self) -> int:
        """0: any appointment, call or message keeps a patient (the default); N: only
        activity of the last N years does."""
        return read_activity_years(self._store)

    def set_activity_years(self, years: int) -> None:
        access.require(self.principal, access.PATIENT_RIGHTS)
        if not 0 <= years <= MAX_ACTIVITY_YEARS:
            raise MessageError(_("The years of activity that keep a patient are between 0 "
                                 "and {high}; {years} is outside.").format(
                                     high=MAX_ACTIVITY_YEARS, years=years), code="bad_rule")
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            uow.session.merge(PracticeSetting(key=RULE_SETTING, value=str(years)))
            uow.audit("setting", "patient", "", f"{RULE_SETTING}={years}")

    # -- access -----------------------------------------------------------------------
    def dossier(self, patient_id: str) -> dict:
        """Everything held about the patient, as JSON values; times in the practice's
        time zone. Not audited by itself: ``export`` is."""
        access.require(self.principal, access.PATIENT_RIGHTS)
        with self._store.reader() as s:
            patient = s.get(Patient, patient_id)
            if patient is None or patient.erased_at is not None:
                raise NotFound(patient_id)
            practice = s.execute(select(Practice.name).where(Practice.deleted_at.is_(None))
                                 ).scalars().first() or ""
            doctors = {p.id: p.display_name for p in s.execute(select(Practitioner)).scalars()}
            people = dict(s.execute(select(User.id, User.display_name)).all())
            types = dict(s.execute(select(AppointmentType.id, AppointmentType.name)).all())
            return {
                "format": FORMAT, "version": FORMAT_VERSION,
                "exported_at": self._local(self._clock.now()), "practice": practice,
                "patient": self._card(s, patient),
                "appointments": self._appointments(s, patient_id, doctors, types),
                "waiting_list": self._waiting(s, patient_id, types),
                "calls": self._calls(s, patient_id, doctors, people),
                "callbacks": self._callbacks(s, patient_id, people),
                "messages": self._messages(s, patient_id, doctors, people),
                "access": self._trail(s, patient_id, people),
            }

    def export(self, patient_id: str, json_path: Path, *, pdf_path: Path | None = None,
               render_pdf: Callable[[dict, Path], None] | None = None,
               overwrite: bool = False) -> dict:
        """Write the dossier to ``json_path`` (and to ``pdf_path`` with ``render_pdf``),
        whole or not at all, with the rules of every export; recorded in the audit
        trail. Returns the dossier."""
        access.require(self.principal, access.PATIENT_RIGHTS)
        access.require(self.principal, access.EXPORT)  # a file: a remote policy may forbid it
        targets = [Path(json_path)] + ([Path(pdf_path)] if pdf_path is not None else [])
        if pdf_path is not None and render_pdf is None:
            raise ValueError("a PDF needs a renderer")
        protected = Path(self._store.path).parent
        for target in targets:
            check_file_destination(target, protected=protected, overwrite=overwrite)
        dossier = self.dossier(patient_id)
        temps = [TempFile(t, overwrite=overwrite) for t in targets]
        placed: list[TempFile] = []
        try:
            with open(open_private(temps[0].path), "w", encoding="utf-8") as fh:
                json.dump(dossier, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            if pdf_path is not None:
                render_pdf(dossier, temps[1].path)
            with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
                uow.audit("rgpd_export", "patient", patient_id,
                          "pdf" if pdf_path is not None else "json")
                for temp in temps:
                    temp.place()
                    placed.append(temp)
        except OSError as exc:
            for temp in placed:
                temp.withdraw()
            for temp in temps:
                temp.discard()
            raise cannot_write(targets[0].parent, exc) from exc
        except BaseException:
            for temp in placed:
                temp.withdraw()
            for temp in temps:
                temp.discard()
            raise
        return dossier

    def _local(self, instant: datetime | None) -> str | None:
        if instant is None:
            return None
        return self._zone.local(instant).replace(tzinfo=None).isoformat(timespec="minutes")

    def _card(self, s: Session, p: Patient) -> dict:
        card = {name: _json_value(getattr(p, name)) for name in _CARD_FIELDS
                if name not in ("sort_key", "identity_key", "referring_contact_id")}
        card["id"] = p.id
        card["created_at"] = self._local(p.created_at)
        card["updated_at"] = self._local(p.updated_at)
        card["deleted"] = p.deleted_at is not None
        card["phones"] = [{"kind": ph.kind, "number": ph.raw, "e164": ph.e164}
                          for ph in s.execute(select(PatientPhone).where(
                              PatientPhone.patient_id == p.id,
                              PatientPhone.deleted_at.is_(None))
                              .order_by(PatientPhone.position)).scalars()]
        return card

    def _appointments(self, s, pid, doctors, types) -> list[dict]:
        rows = s.execute(select(Appointment).where(Appointment.patient_id == pid)
                         .order_by(Appointment.starts_at)).scalars()
        return [{"starts_at": self._local(a.starts_at), "ends_at": self._local(a.ends_at),
                 "practitioner": doctors.get(a.practitioner_id, ""),
                 "type": types.get(a.type_id, "") if a.type_id else "", "status": a.status,
                 "cancel_reason": a.cancel_reason, "cancel_note": a.cancel_note,
                 "note": a.note, "remote": a.remote, "deleted": a.deleted_at is not None,
                 "booked_at": self._local(a.created_at)} for a in rows]

    def _waiting(self, s, pid, types) -> list[dict]:
        rows = s.execute(select(WaitingListEntry).where(WaitingListEntry.patient_id == pid)
                         .order_by(WaitingListEntry.created_at)).scalars()
        return [{"from": w.window_from.isoformat(), "until": w.window_until.isoformat(),
                 "type": types.get(w.type_id, "") if w.type_id else "", "note": w.note,
                 "status": w.status, "created_at": self._local(w.created_at)} for w in rows]

    def _calls(self, s, pid, doctors, people) -> list[dict]:
        rows = s.execute(select(Call).where(Call.caller_kind == CallerKind.PATIENT.value,
                                            Call.caller_id == pid)
                         .order_by(Call.started_at)).scalars()
        return [{"started_at": self._local(c.started_at), "direction": c.direction,
                 "number": c.number, "answered_at": self._local(c.answered_at),
                 "ended_at": self._local(c.ended_at), "reason": c.reason,
                 "outcome": c.outcome, "note": c.note,
                 "practitioner": doctors.get(c.practitioner_id, "") if c.practitioner_id else "",
                 "handled_by": people.get(c.handled_by, "") if c.handled_by else ""}
                for c in rows]

    def _callbacks(self, s, pid, people) -> list[dict]:
        rows = s.execute(select(Callback).where(Callback.caller_kind == CallerKind.PATIENT.value,
                                                Callback.caller_id == pid)
                         .order_by(Callback.due_at)).scalars()
        return [{"due_at": self._local(c.due_at), "number": c.number, "reason": c.reason,
                 "source": c.source, "done_at": self._local(c.done_at),
                 "done_by": people.get(c.done_by, "") if c.done_by else ""} for c in rows]

    def _messages(self, s, pid, doctors, people) -> list[dict]:
        rows = s.execute(select(Message).where(Message.patient_id == pid)
                         .order_by(Message.created_at)).scalars()
        return [{"created_at": self._local(m.created_at),
                 "recipient": doctors.get(m.recipient_id, "") if m.recipient_id else "",
                 "author": people.get(m.author_id, ""), "caller_name": m.caller_name,
                 "caller_phone": m.caller_phone, "callback_phone": m.callback_phone,
                 "priority": m.priority, "body": m.body, "state": m.state} for m in rows]

    def _trail(self, s, pid, people) -> list[dict]:
        rows = s.execute(select(AuditEntry.at, AuditEntry.user_id, AuditEntry.action)
                         .where(AuditEntry.entity == "patient", AuditEntry.entity_id == pid)
                         .order_by(AuditEntry.seq)).all()
        return [{"at": self._local(at), "person": people.get(user, user), "action": action}
                for at, user, action in rows]

    # -- erasure ----------------------------------------------------------------------
    def erasure_refusal(self, patient_id: str) -> ErasureRefused | None:
        """Why the patient cannot be erased under the practice's rule (its
        ``user_message`` says it), or None."""
        access.require(self.principal, access.PATIENT_RIGHTS)
        with self._store.reader() as s:
            if s.get(Patient, patient_id) is None:
                raise NotFound(patient_id)
            return self._refusal(s, patient_id)

    def erase(self, patient_id: str, reason: str) -> ErasureResult:
        """Erase the patient's personal data for good, or refuse (``ErasureRefused``,
        nothing changed) where a retention duty applies. ``reason`` is recorded."""
        access.require(self.principal, access.PATIENT_RIGHTS)
        reason = " ".join(one_line(reason or "").split())
        if not reason:
            raise MessageError(_("Say why the patient's data is erased (the patient's "
                                 "request, for example); nothing was changed."),
                               code="reason_missing")
        cutoff = self._cutoff()
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            s = uow.session
            patient = s.get(Patient, patient_id)
            if patient is None or patient.erased_at is not None:
                raise NotFound(patient_id)
            kept = activity(s, patient_id, cutoff, recent=True)
            if any(kept.values()):
                raise _refused(kept, self.activity_years())
            rows, entries = erase_patient(uow, patient, cutoff)
            uow.audit("erase", "patient", patient_id, reason[:REASON_MAX])
        erasure.flush_to_file(self._store)
        return ErasureResult(patient_id, rows, entries)

    def _cutoff(self) -> datetime | None:
        years = self.activity_years()
        return None if years == 0 else self._clock.now() - timedelta(days=365 * years + years // 4)

    def _refusal(self, s: Session, pid: str) -> ErasureRefused | None:
        kept = activity(s, pid, self._cutoff(), recent=True)
        return _refused(kept, self.activity_years()) if any(kept.values()) else None


def _refused(kept: dict[type, list], years: int) -> ErasureRefused:
    return ErasureRefused(len(kept[Appointment]) + len(kept[AppointmentSeries]),
                          len(kept[Call]) + len(kept[Callback]), len(kept[Message]), years)


def activity(s: Session, pid: str, cutoff: datetime | None, *, recent: bool
             ) -> dict[type, list]:
    """The patient's appointments, series, calls, callbacks and messages: with
    ``recent``, those at or after ``cutoff`` (all of them without one), which keep the
    patient; otherwise those before it (none without one), erased with the card."""
    by_patient = CallerKind.PATIENT.value
    queries = {
        Appointment: (Appointment.patient_id == pid, Appointment.starts_at),
        AppointmentSeries: (AppointmentSeries.patient_id == pid, AppointmentSeries.created_at),
        Call: ((Call.caller_kind == by_patient) & (Call.caller_id == pid), Call.started_at),
        Callback: ((Callback.caller_kind == by_patient) & (Callback.caller_id == pid),
                   Callback.due_at),
        Message: (Message.patient_id == pid, Message.created_at),
    }
    found: dict[type, list] = {}
    for model, (where, when) in queries.items():
        query = select(model).where(where)
        if cutoff is not None:
            query = query.where(when >= cutoff if recent else when < cutoff)
        elif not recent:
            found[model] = []
            continue
        found[model] = list(s.execute(query).scalars())
    return found


def blank_rows(uow, rows: list, *, why: str = erasure.REQUEST,
               audit_kinds: bool = False) -> int:
    """Blank the personal fields of ``rows`` and tombstone them, in ``uow``, erased for
    good (``UnitOfWork.erase``: ``why`` and ``audit_kinds`` as there): each keeps one
    journal entry, the blank row. The older journal entries deleted."""
    for row in rows:
        for name, blank in _BLANKS[type(row)].items():
            setattr(row, name, blank)
        if row.deleted_at is None:
            row.deleted_at = uow.now
    return uow.erase(rows, why=why, audit_kinds=audit_kinds)


def erase_patient(uow, patient: Patient, cutoff: datetime | None, *,
                  why: str = erasure.REQUEST) -> tuple[int, int]:
    """Erase the card and what goes with it: its phones, waiting-list requests, merges,
    dismissed duplicates, and its activity before ``cutoff``. The caller has checked
    that nothing keeps the patient. Erased on request (``why``), the caller audits who
    erased and why; by the retention rules, each kind is audited once per unit of work.
    (rows, journal entries touched)."""
    names = [patient.birth_name, patient.used_name, patient.first_names]
    rows = erasure_rows(uow.session, patient, cutoff)
    patient.erased_at = uow.now
    entries = blank_rows(uow, rows, why=why, audit_kinds=why == erasure.RETENTION)
    erasure.scrub_patient_search(uow.session, patient.id, names)
    return len(rows), entries


def erasure_rows(s: Session, patient: Patient, cutoff: datetime | None) -> list:
    """The card and every row erased with it (see ``erase_patient``)."""
    pid = patient.id
    rows: list = [patient]
    rows += s.execute(select(PatientPhone).where(PatientPhone.patient_id == pid)).scalars()
    rows += s.execute(select(WaitingListEntry).where(WaitingListEntry.patient_id == pid)
                      ).scalars()
    rows += s.execute(select(PatientMerge).where(or_(PatientMerge.kept_id == pid,
                                                     PatientMerge.merged_id == pid))).scalars()
    rows += s.execute(select(DuplicateDismissal).where(or_(
        DuplicateDismissal.patient_a == pid, DuplicateDismissal.patient_b == pid))).scalars()
    for found in activity(s, pid, cutoff, recent=False).values():
        rows += found
    return rows
