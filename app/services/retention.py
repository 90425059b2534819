"""Keeping data no longer than needed: the owner's retention rules, applied once a day
and on demand (``permanence retention apply [--dry-run]``), with a summary.

The rules, with their French defaults (the owner changes them in Settings):
- a patient with no activity (card unchanged, no appointment, call, callback or
  message) for ``patient_years`` (20: the retention period of a medical file after the
  last visit, art. R1112-7 of the Code de la santé publique) is erased, with that
  activity, as ``app.services.rgpd`` erases on request; 0 keeps every patient;
- calls and callbacks are erased after ``call_months`` (12: the CNIL's guidance for
  telephone logs), messages after ``message_months`` (12);
- the change journal's old updates keep which fields changed, not their values, after
  ``journal_days`` (365): the history still says what changed and when, the database
  stops growing with the values of every edit, and a peer that syncs more often than
  that has long received them (inserts keep their values: a row's first copy); never
  before the longest a sync peer may stay offline (``app.storage.sync_limits``);
- the audit trail: its own rule (``app.storage.trail_retention``, a year by default).

At a remote workstation (``peer join``) the rules erase nothing: it holds the practice's
rows, which the practice erases under its own rules, and those erasures reach every
workstation that may hold the rows (``app.sync.scope``); erasures of its own would only
travel back to the practice as duplicates. It still compacts its journal and trims its
audit trail, which are its own.

Erased rows are blanked and tombstoned through the unit of work (sync carries it), and
their older values leave the journal and the file (``app.storage.erasure``): each keeps
one journal entry, the blank row. Each batch is audited once per kind of row erased
("erase", the kind, "retention count=N") and each application with its counts, never
a name.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, fields, replace
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import exists, func, not_, or_, select

from app.clock import Clock
from app.i18n import _, ngettext
from app.models import Patient
from app.models.agenda import Appointment, AppointmentSeries
from app.models.calls import Call, Callback, CallerKind
from app.models.journal import PracticeSetting
from app.models.messages import Message
from app.models.patient import patient_display_name
from app.models.principal import Principal
from app.services import access
from app.services.calls.lines import is_remote_workstation
from app.errors import PermanenceError
from app.services.rgpd import blank_rows, erase_patient, erasure_rows
from app.storage import erasure, sync_limits, trail_retention
from app.storage.erasure import COMPACTED
from app.storage.store import Store

PREFIX = "retention."
LAST_APPLIED = "retention.last_applied_at"
EVERY = timedelta(days=1)
# Rows per unit of work: each holds the write lock about 0.7 ms a row (the unit of
# work stamps, journals and audits each one), well under a quarter of a second.
BATCH = 100
# Between two batches: a writer kept waiting by one (SQLite retries every 25 to 50 ms
# after its first tenth of a second) gets the database before the next.
PAUSE = 0.05
# Journal keys whose values are kept by compaction: stamps and links, no one's data.
_KEPT_KEYS = ("deleted_at", "erased_at", "updated_at", "created_at")


@dataclass(frozen=True)
class RetentionRules:
    patient_years: int = 20
    call_months: int = 12
    message_months: int = 12
    journal_days: int = 365


BOUNDS = {"patient_years": (0, 100), "call_months": (1, 240), "message_months": (1, 240),
          "journal_days": (30, 3650)}


class RuleOutOfRange(PermanenceError):
    code = "bad_rule"

    def __init__(self, value: int, low: int, high: int) -> None:
        super().__init__(f"{value} not in {low}..{high}")
        self.value, self.low, self.high = value, low, high

    @property
    def user_message(self) -> str:
        return _("{value} is outside the allowed range ({low} to {high}); nothing was "
                 "changed.").format(value=self.value, low=self.low, high=self.high)


@dataclass(frozen=True)
class RetentionSummary:
    """What was removed (or, with ``dry_run``, would be)."""

    dry_run: bool
    patients: tuple[tuple[str, str], ...]  # (id, name), erased
    calls: int
    callbacks: int
    messages: int
    journal_entries: int  # compacted
    audit_entries: int  # summarised away
    by_practice: bool = False  # a remote workstation: its practice erases (by sync)

    @property
    def nothing(self) -> bool:
        return not (self.patients or self.calls or self.callbacks or self.messages
                    or self.journal_entries or self.audit_entries)


def summary_lines(summary: RetentionSummary) -> list[str]:
    """The summary in the user's language: a heading, then one line per kind of record."""
    counts = [
        ngettext("{n} patient without activity", "{n} patients without activity",
                 len(summary.patients)).format(n=len(summary.patients)),
        ngettext("{n} call", "{n} calls", summary.calls).format(n=summary.calls),
        ngettext("{n} callback", "{n} callbacks", summary.callbacks).format(
            n=summary.callbacks),
        ngettext("{n} message", "{n} messages", summary.messages).format(n=summary.messages),
        ngettext("{n} old change compacted in the journal",
                 "{n} old changes compacted in the journal", summary.journal_entries).format(
                     n=summary.journal_entries),
        ngettext("{n} audit entry summarised", "{n} audit entries summarised",
                 summary.audit_entries).format(n=summary.audit_entries),
    ]
    head = (_("The retention rules would remove:") if summary.dry_run
            else _("The retention rules removed:"))
    lines = [head, *("  " + line for line in counts)]
    if summary.by_practice:
        lines.append(_("This is a remote workstation: its practice applies the rules to "
                       "patients, calls, callbacks and messages, and their erasure reaches "
                       "this workstation by sync."))
    return lines


def _never() -> bool:
    return False


def _months(n: int) -> timedelta:
    return timedelta(days=round(n * 30.44))


class RetentionService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock) -> None:
        self._store = store
        self.principal = principal
        self._clock = clock

    # -- rules ------------------------------------------------------------------------
    def rules(self) -> RetentionRules:
        with self._store.reader() as s:
            stored = dict(s.execute(select(PracticeSetting.key, PracticeSetting.value)
                                    .where(PracticeSetting.key.startswith(PREFIX))).all())
        rules = RetentionRules()
        for f in fields(RetentionRules):
            try:
                value = int(stored[PREFIX + f.name])
            except (KeyError, ValueError):
                continue
            low, high = BOUNDS[f.name]
            if low <= value <= high:
                rules = replace(rules, **{f.name: value})
        return rules

    def set_rules(self, rules: RetentionRules) -> None:
        access.require(self.principal, access.RETENTION)
        for f in fields(RetentionRules):
            low, high = BOUNDS[f.name]
            value = getattr(rules, f.name)
            if not low <= value <= high:
                raise RuleOutOfRange(value, low, high)
        with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
            for f in fields(RetentionRules):
                uow.session.merge(PracticeSetting(key=PREFIX + f.name,
                                                  value=str(getattr(rules, f.name))))
            uow.audit("setting", "retention", "", " ".join(
                f"{f.name}={getattr(rules, f.name)}" for f in fields(RetentionRules)))

    def export_record(self, path, *, overwrite: bool = False):
        """The record of processing (``app.services.processing_record``) at ``path``."""
        from app.services.processing_record import export_record
        from app.services.rgpd import read_activity_years

        return export_record(self._store, self.principal, path, rules=self.rules(),
                             trail_days=trail_retention.retention_days(self._store),
                             erasure_years=read_activity_years(self._store),
                             now=self._clock.now(), overwrite=overwrite)

    # -- applying ---------------------------------------------------------------------
    def due(self) -> bool:
        with self._store.reader() as s:
            row = s.get(PracticeSetting, LAST_APPLIED)
        if row is None:
            return True
        try:
            last = datetime.fromisoformat(row.value)
        except ValueError:
            return True
        return self._clock.now() - last >= EVERY

    def apply_if_due(self, *, stop: Callable[[], bool] = _never) -> RetentionSummary | None:
        """The daily run (the application's, whoever is signed in: the rules are the
        owner's). None when it ran less than a day ago. ``stop``: asked between batches
        (the application closes or locks); what was done stays done."""
        if not self.due():
            return None
        return self._apply(dry_run=False, stop=stop)

    def apply(self, *, dry_run: bool = False, stop: Callable[[], bool] = _never,
              batch: int = BATCH) -> RetentionSummary:
        """Apply the rules now, or with ``dry_run`` say what they would remove."""
        access.require(self.principal, access.RETENTION)
        return self._apply(dry_run=dry_run, stop=stop, batch=batch)

    def _apply(self, *, dry_run: bool, stop: Callable[[], bool] = _never,
               batch: int = BATCH) -> RetentionSummary:
        now = self._clock.now()
        rules = self.rules()
        erases = not is_remote_workstation(self._store)  # see the module's docstring
        patient_cut = (now - timedelta(days=round(rules.patient_years * 365.25))
                       if rules.patient_years and erases else None)
        call_cut, message_cut = now - _months(rules.call_months), now - _months(
            rules.message_months)
        # A peer may stay offline this long and still get every change whole.
        journal_cut = now - timedelta(days=max(rules.journal_days,
                                               sync_limits.max_offline_of(self._store)))
        trail_cut = now - timedelta(days=trail_retention.retention_days(self._store))
        if dry_run:
            with self._store.reader() as s:
                patients = _inactive_patients(s, patient_cut)  # listed in the summary
                # What the erasures remove from the journal is not compacted after them.
                erased = {r.id for p in patients for r in erasure_rows(s, p, patient_cut)}
                old = [(q(cut), model) for q, cut, model in (
                    (_old_calls, call_cut, Call), (_old_callbacks, call_cut, Callback),
                    (_old_messages, message_cut, Message))] if erases else []
                calls, callbacks, messages = (
                    s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
                    for q, _model in old) if old else (0, 0, 0)
                compacted, after = 0, ""
                while ids := _compactable(s, journal_cut, after, batch):
                    after = ids[-1]
                    gone = erased.intersection(ids)
                    for q, model in old:
                        gone.update(s.execute(q.with_only_columns(model.id)
                                              .where(model.id.in_(ids))).scalars())
                    compacted += _compact(s, journal_cut, write=False,
                                          ids=[i for i in ids if i not in gone])
                return RetentionSummary(
                    True, tuple((p.id, _name(p)) for p in patients), calls, callbacks,
                    messages, compacted, _old_audit(s, trail_cut), not erases)
        # Many small units of work, not one: between them the phone system and the
        # screens write. Candidates are read a page at a time outside the write lock
        # (by id, after the last page), then checked again under it. A run stopped
        # between batches keeps what it did; the next one finds what is left.
        listed: list[tuple[str, str, str]] = []  # (sort key, id, name)

        def erase_patients(uow, ids) -> int:
            for patient in _inactive_patients(uow.session, patient_cut, ids):
                listed.append((patient.sort_key or "", patient.id, _name(patient)))
                erase_patient(uow, patient, patient_cut, why=erasure.RETENTION)
            return 0

        def blank(query):
            def run(uow, ids) -> int:
                rows = query(uow.session, ids)
                blank_rows(uow, rows, why=erasure.RETENTION, audit_kinds=True)
                return len(rows)
            return run

        counts = {"calls": 0, "callbacks": 0, "messages": 0}
        if patient_cut is not None:
            # A patient is many rows: fewer per batch.
            self._batches(lambda s, after, n: _inactive_patient_ids(s, patient_cut, after, n),
                          erase_patients, max(1, batch // 20), stop)
        for name, model, query, cut in (
                ("calls", Call, _old_calls, call_cut),
                ("callbacks", Callback, _old_callbacks, call_cut),
                ("messages", Message, _old_messages, message_cut)) if erases else ():
            counts[name] = self._batches(
                lambda s, after, n, q=query, c=cut, m=model: _page(s, q(c), m, after, n),
                blank(lambda s, ids, q=query, c=cut, m=model: list(
                    s.execute(q(c).where(m.id.in_(ids))).scalars())), batch, stop)
        compacted = self._batches(
            lambda s, after, n: _compactable(s, journal_cut, after, n),
            lambda uow, ids: _compact(uow.session, journal_cut, ids=ids), batch, stop)
        listed.sort()
        patients = tuple((pid, name) for _key, pid, name in listed)
        stopped = stop()
        if not stopped:
            with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
                uow.session.merge(PracticeSetting(key=LAST_APPLIED, value=now.isoformat()))
                uow.audit("retention", "retention", "",
                          f"patients={len(patients)} calls={counts['calls']} "
                          f"callbacks={counts['callbacks']} messages={counts['messages']} "
                          f"journal={compacted}")
        elif patients or any(counts.values()) or compacted:
            # Stopped: what was done is audited; the rules run again to finish.
            with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
                uow.audit("retention", "retention", "",
                          f"patients={len(patients)} calls={counts.get('calls', 0)} "
                          f"callbacks={counts.get('callbacks', 0)} "
                          f"messages={counts.get('messages', 0)} journal={compacted} stopped")
        trail = (trail_retention.apply_configured(self._store, stop=stop) if not stopped
                 else None)
        erasure.flush_to_file(self._store)
        return RetentionSummary(False, patients, counts.get("calls", 0),
                                counts.get("callbacks", 0), counts.get("messages", 0),
                                compacted, trail.removed if trail is not None else 0,
                                not erases)

    def _batches(self, page: Callable, work: Callable, size: int,
                 stop: Callable[[], bool]) -> int:
        """``page(reader session, after id, size)``: the next ids (in order); ``work(uow,
        ids)`` does them in a unit of work of its own. The sum of what ``work`` returns."""
        done, after = 0, ""
        while not stop():
            with self._store.reader() as s:
                ids = page(s, after, size)
            if not ids:
                break
            with self._store.unit_of_work(actor_id=self.principal.user_id) as uow:
                done += work(uow, ids)
            after = ids[-1]
            if len(ids) == size:
                time.sleep(PAUSE)
        return done


def _name(p: Patient) -> str:
    return patient_display_name(p.birth_name, p.used_name, p.first_names, p.sex, p.civility)


def _inactive_patients(s, cutoff: datetime | None, ids=None) -> list[Patient]:
    """The patients to erase (among ``ids`` if given), by name."""
    if cutoff is None:
        return []
    query = _inactive_query(cutoff)
    if ids is not None:
        query = query.where(Patient.id.in_(ids))
    return list(s.execute(query.order_by(Patient.sort_key)).scalars())


def _inactive_patient_ids(s, cutoff: datetime, after: str, n: int) -> list[str]:
    return _page(s, _inactive_query(cutoff), Patient, after, n)


def _page(s, query, model, after: str, n: int) -> list[str]:
    """The next ``n`` ids the query selects after ``after``, in order: a batch read by
    the primary key's index, whatever the size of the practice."""
    return list(s.execute(query.with_only_columns(model.id).where(model.id > after)
                          .order_by(model.id).limit(n)).scalars())


def _inactive_query(cutoff: datetime):
    pid = Patient.id
    by_patient = CallerKind.PATIENT.value
    recent = [
        exists().where(Appointment.patient_id == pid, Appointment.starts_at >= cutoff),
        exists().where(AppointmentSeries.patient_id == pid,
                       AppointmentSeries.created_at >= cutoff),
        exists().where(Call.caller_kind == by_patient, Call.caller_id == pid,
                       Call.started_at >= cutoff),
        exists().where(Callback.caller_kind == by_patient, Callback.caller_id == pid,
                       Callback.due_at >= cutoff),
        exists().where(Message.patient_id == pid, Message.created_at >= cutoff),
    ]
    return select(Patient).where(
        Patient.erased_at.is_(None), Patient.updated_at < cutoff, not_(or_(*recent)))


def _not_erased(*columns):
    """A row some of whose personal fields still hold something, or not tombstoned."""
    model_deleted = columns[0]
    return or_(model_deleted.is_(None), *[c != "" for c in columns[1:]])


def _old_calls(cutoff: datetime):
    return select(Call).where(
        Call.started_at < cutoff,
        or_(_not_erased(Call.deleted_at, Call.number, Call.note), Call.caller_id.isnot(None)))


def _old_callbacks(cutoff: datetime):
    return select(Callback).where(
        Callback.due_at < cutoff,
        or_(_not_erased(Callback.deleted_at, Callback.number, Callback.reason),
            Callback.caller_id.isnot(None)))


def _old_messages(cutoff: datetime):
    return select(Message).where(
        Message.created_at < cutoff,
        or_(_not_erased(Message.deleted_at, Message.body, Message.caller_name,
                        Message.caller_phone, Message.callback_phone),
            Message.patient_id.isnot(None)))


def _stored(moment: datetime) -> str:
    """An instant as the journal's and the trail's ``at`` columns hold it (naive UTC
    text), to compare in SQL."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _old_audit(s, cutoff: datetime) -> int:
    return s.connection().exec_driver_sql(
        "SELECT count(*) FROM audit_trail WHERE at < ?",
        (_stored(cutoff),)).scalar_one()


# Updates and deletions before the cut whose payload holds a value that is no stamp
# and no link (an id): the entries compaction rewrites.
_COMPACTABLE = """
FROM change_journal
WHERE at < ? AND op != 'insert' AND EXISTS (
    SELECT 1 FROM json_each(change_journal.payload) AS j
    WHERE j.type != 'null' AND j.key NOT IN ({kept})
      AND j.key != 'id' AND j.key NOT LIKE '%\\_id' ESCAPE '\\')
""".format(kept=", ".join(f"'{k}'" for k in (*_KEPT_KEYS, COMPACTED)))


def _kept(key: str) -> bool:
    return key in _KEPT_KEYS or key == "id" or key.endswith("_id")


def _compactable(s, cutoff: datetime, after: str = "", n: int = -1) -> list[str]:
    """The ids of the rows with entries to compact, after ``after``, ``n`` at most
    (-1: all), in order."""
    conn = s.connection()
    return conn.exec_driver_sql(
        "SELECT DISTINCT entity_id " + _COMPACTABLE + " AND entity_id > ? "
        "ORDER BY entity_id LIMIT ?", (_stored(cutoff), after, n)).scalars().all()


def _compact(s, cutoff: datetime, *, write: bool = True, ids: list[str] | None = None) -> int:
    """Old updates keep the names of the fields they changed, not the values; each
    row's insert, when old too, takes the values as they were after them, so that a
    peer paired later still builds the row as it is. The entries compacted."""
    conn = s.connection()
    at = _stored(cutoff)
    compacted, rewrites = 0, []
    for entity_id in _compactable(s, cutoff) if ids is None else ids:
        state, insert_seq = None, None
        for seq, op, payload in conn.exec_driver_sql(
                "SELECT seq, op, payload FROM change_journal WHERE entity_id = ? AND at < ? "
                "ORDER BY seq", (entity_id, at)):
            values = json.loads(payload)
            if op == "insert":
                state, insert_seq = values, seq
                continue
            names = sorted({*values.get(COMPACTED, ()),
                            *(k for k in values if k != COMPACTED and not _kept(k))})
            if state is not None:
                state.update({k: v for k, v in values.items() if k != COMPACTED})
            short = {k: v for k, v in values.items() if _kept(k)}
            short[COMPACTED] = names
            if short != values:
                rewrites.append((json.dumps(short, ensure_ascii=False, sort_keys=True), seq))
                compacted += 1
        if insert_seq is not None:
            rewrites.append((json.dumps(state, ensure_ascii=False, sort_keys=True), insert_seq))
    if rewrites and write:
        conn.exec_driver_sql("UPDATE change_journal SET payload = ? WHERE seq = ?", rewrites)
    return compacted

