"""What one peer shares: its scope, set by the practice's owner, and the three pure
functions the batches use to keep to it.

A ``Scope`` says which practitioners' agendas, which time window (days back and ahead
of now), which patient fields, and whether the directory, consignes, calls, messages
and callbacks travel. The patients concerned are those with an appointment (in a
practitioner's agenda shared) or a call in the window, or named by a callback or a
message shared: only they travel, with the fields the scope names (their identity
always, so that homonyms can be told apart).

- ``outgoing_in_scope``: of the changes the journal holds for a peer, those it may
  receive, stripped of the fields it does not get. A change that may bring a row into
  the peer's scope (a new appointment, one moved into the window or to a practitioner
  shared) travels as the whole row, after the whole row of its patient: the peer may
  never have received them. A whole row applied twice changes nothing.
- ``snapshot``: every row in scope now, whole, for the first batch to a new peer (and
  after its scope changed).
- ``entered_scope``: the rows the sliding window brought in since the last batch.
- ``refused_incoming``: the changes a peer sent that fall outside its scope or beyond
  its role's rights, each with its reason; the practice's own changes, received at a
  remote workstation, are never refused.

A reference to a row outside the scope (a call's appointment outside the window, a
patient's referring contact without the directory) is left out of what is sent; a row
that cannot exist without a row outside the scope (a phone of a patient not shared) is
not sent at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.i18n import _
from app.models import kinds
from app.models.agenda import Appointment, AppointmentType
from app.models.base import BOOKKEEPING, Syncable
from app.models.calls import Call, Callback, CallerKind
from app.models.ids import uuid7
from app.models.messages import Message
from app.models.sync import PEER_ROLE_PRACTICE
from app.models.user import ROLE_REMOTE_SECRETARY
from app.services import access
from app.services.errors import ValidationError
from app.storage import versions
from app.storage.changes import DELETE, INSERT
from app.storage.erasure import ERASED
from app.storage.remote import RemoteChange, _from_json, python_type, syncable_models

# -- patient fields ---------------------------------------------------------------------
PHONES = "phones"  # the patient's phone numbers (rows of their own)
IDENTITY_FIELDS = ("civility", "birth_name", "used_name", "first_names", "birth_date", "sex")
PATIENT_FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "identity": IDENTITY_FIELDS,
    "contact": ("email", "email_other", "preferred_channel", "call_not_before",
                "call_not_after", "address_line", "postal_code", "city", "reminder_consent",
                PHONES),
    "alert": ("alert",),
    "referrer": ("referring_doctor", "referring_contact_id"),
    "admin_note": ("admin_note",),
}
PATIENT_FIELDS = frozenset(f for group in PATIENT_FIELD_GROUPS.values() for f in group)
# Kept with every patient sent: what the peer's search and merges need, and the mark of
# an erased card (which no column holds: the peer erases its own copies).
_PATIENT_ALWAYS = frozenset({"id", "deleted_at", "erased_at", "sort_key", "identity_key",
                             "merged_into_id", ERASED})
DEFAULT_PATIENT_FIELDS = frozenset(PATIENT_FIELD_GROUPS["identity"]
                                   + PATIENT_FIELD_GROUPS["contact"]
                                   + PATIENT_FIELD_GROUPS["alert"])
DEFAULT_DAYS_BACK = 30
DEFAULT_DAYS_AHEAD = 183  # six months
_WINDOW_MAX_DAYS = 3660


class ScopeError(ValidationError):
    """A scope the owner asked for that cannot be: nothing is changed."""


@dataclass(frozen=True)
class Scope:
    """``practitioners``: ids of the agendas shared, None for every one (those added
    later too). ``days_back``/``days_ahead``: the window around now; None on both for
    no window (the practice, as seen from a remote workstation)."""

    practitioners: frozenset[str] | None = None
    days_back: int | None = DEFAULT_DAYS_BACK
    days_ahead: int | None = DEFAULT_DAYS_AHEAD
    patient_fields: frozenset[str] = DEFAULT_PATIENT_FIELDS
    directory: bool = True
    consignes: bool = True
    calls: bool = True
    messages: bool = True
    callbacks: bool = True

    @classmethod
    def everything(cls) -> Scope:
        """What a remote workstation shares with its practice: all it holds."""
        return cls(None, None, None, PATIENT_FIELDS)

    def window(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        start = None if self.days_back is None else now - timedelta(days=self.days_back)
        end = None if self.days_ahead is None else now + timedelta(days=self.days_ahead)
        return start, end

    def shares_practitioner(self, practitioner_id: str | None) -> bool:
        return self.practitioners is None or practitioner_id in self.practitioners

    def with_changes(self, **changes) -> Scope:
        return replace(self, **changes)

    # -- JSON ------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({
            "practitioners": None if self.practitioners is None else sorted(self.practitioners),
            "days_back": self.days_back, "days_ahead": self.days_ahead,
            "patient_fields": sorted(self.patient_fields), "directory": self.directory,
            "consignes": self.consignes, "calls": self.calls, "messages": self.messages,
            "callbacks": self.callbacks}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Scope:
        """The scope a peer row holds; ``{}`` or nothing is the default scope."""
        raw = json.loads(text) if text else {}
        default = cls()
        practitioners = raw.get("practitioners", None)
        return cls(
            practitioners=None if practitioners is None else frozenset(practitioners),
            days_back=raw.get("days_back", default.days_back),
            days_ahead=raw.get("days_ahead", default.days_ahead),
            patient_fields=frozenset(raw.get("patient_fields", default.patient_fields)),
            **{k: bool(raw.get(k, getattr(default, k)))
               for k in ("directory", "consignes", "calls", "messages", "callbacks")})

    def check(self, role: str) -> Scope:
        """This scope, if a peer of ``role`` may have it; else ``ScopeError``."""
        errors: dict[str, str] = {}
        unknown = self.patient_fields - PATIENT_FIELDS
        if unknown:
            errors["patient_fields"] = _("Unknown patient fields: {names}.").format(
                names=", ".join(sorted(unknown)))
        if not set(IDENTITY_FIELDS) <= self.patient_fields:
            errors["identity"] = _("A patient's identity is always shared, so that homonyms "
                                   "can be told apart.")
        if "admin_note" in self.patient_fields and role == ROLE_REMOTE_SECRETARY:
            errors["admin_note"] = _("A remote secretary never receives the administrative "
                                     "note.")
        if "referring_contact_id" in self.patient_fields and not self.directory:
            errors["referrer"] = _("The referring doctor comes from the directory: share "
                                   "the directory too.")
        for name in ("days_back", "days_ahead"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= _WINDOW_MAX_DAYS:
                errors[name] = _("A number of days between 0 and {n}.").format(
                    n=_WINDOW_MAX_DAYS)
        if errors:
            raise ScopeError(errors)
        return self


def default_scope(role: str) -> Scope:
    """A remote secretary's: every practitioner, 30 days back to six months ahead, the
    patients concerned with identity, contact and alert (never the administrative
    note), the directory, consignes, calls, messages and callbacks."""
    if role == PEER_ROLE_PRACTICE:
        return Scope.everything()
    return Scope()


# -- which rows -------------------------------------------------------------------------
# The fields whose change may bring a row into a peer's scope: such a change travels as
# the whole row.
_SCOPE_FIELDS: dict[str, frozenset[str]] = {
    kinds.APPOINTMENT: frozenset({"practitioner_id", "starts_at", "patient_id", "deleted_at"}),
    kinds.CALL: frozenset({"practitioner_id", "started_at", "caller_id", "caller_kind"}),
    kinds.CALLBACK: frozenset({"practitioner_id", "caller_id", "caller_kind"}),
    kinds.MESSAGE: frozenset({"recipient_id", "patient_id"}),
    kinds.FREED_SLOT: frozenset({"practitioner_id", "starts_at"}),
    kinds.SLOT_OFFER: frozenset({"practitioner_id", "starts_at"}),
    kinds.CONSIGNE: frozenset({"practitioner_id"}),
    kinds.CONSIGNE_VERSION: frozenset({"practitioner_id"}),
    kinds.OPENING_HOURS: frozenset({"practitioner_id"}),
    kinds.ABSENCE: frozenset({"practitioner_id"}),
    kinds.APPOINTMENT_SERIES: frozenset({"practitioner_id"}),
    kinds.WAITING_LIST_ENTRY: frozenset({"patient_id"}),
}
# The order a first batch writes kinds in: a row after the rows it refers to.
SNAPSHOT_ORDER = (
    kinds.PRACTICE, kinds.PRACTITIONER, kinds.USER, kinds.APPOINTMENT_TYPE,
    kinds.OPENING_HOURS, kinds.ABSENCE, kinds.HOLIDAY_OPENING, kinds.CONTACT, kinds.PATIENT,
    kinds.PATIENT_PHONE, kinds.APPOINTMENT_SERIES, kinds.APPOINTMENT, kinds.WAITING_LIST_ENTRY,
    kinds.FREED_SLOT, kinds.SLOT_OFFER, kinds.CALLBACK, kinds.CALL, kinds.CALLBACK_ATTEMPT,
    kinds.MESSAGE, kinds.CONSIGNE, kinds.CONSIGNE_VERSION, kinds.CONSIGNE_ACK,
)
_NEVER = frozenset({kinds.PATIENT_MERGE, kinds.DUPLICATE_DISMISSAL})  # the practice's own work


def _within(moment: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    if moment is None:
        return False
    return (start is None or moment >= start) and (end is None or moment < end)


class _Judge:
    """Which rows a scope takes, now; what it learns about rows is kept for the call."""

    def __init__(self, session: Session, scope: Scope, now: datetime) -> None:
        self.session = session
        self.scope = scope
        self.start, self.end = scope.window(now)
        self.models = syncable_models()
        self._tables = {m.__tablename__: kind for kind, m in self.models.items()}
        self._memo: dict[tuple[str, str], bool] = {}
        self._patients: set[str] | None = None

    # The patients concerned, computed once.
    @property
    def patients(self) -> set[str]:
        if self._patients is None:
            self._patients = self._patients_concerned()
        return self._patients

    def _patients_concerned(self) -> set[str]:
        s, scope = self.session, self.scope
        ids: set[str] = set()
        query = select(Appointment.patient_id, Appointment.practitioner_id).where(
            Appointment.patient_id.is_not(None))
        if self.start is not None:
            query = query.where(Appointment.starts_at >= self.start)
        if self.end is not None:
            query = query.where(Appointment.starts_at < self.end)
        ids |= {p for p, who in s.execute(query) if scope.shares_practitioner(who)}
        if scope.calls:
            query = select(Call.caller_id, Call.practitioner_id).where(
                Call.caller_kind == CallerKind.PATIENT.value, Call.caller_id.is_not(None))
            if self.start is not None:
                query = query.where(Call.started_at >= self.start)
            ids |= {p for p, who in s.execute(query)
                    if who is None or scope.shares_practitioner(who)}
        if scope.callbacks:
            query = select(Callback.caller_id, Callback.practitioner_id).where(
                Callback.caller_kind == CallerKind.PATIENT.value,
                Callback.caller_id.is_not(None))
            if self.start is not None:
                query = query.where(or_(Callback.done_at.is_(None),
                                        Callback.done_at >= self.start))
            ids |= {p for p, who in s.execute(query)
                    if who is None or scope.shares_practitioner(who)}
        if scope.messages:
            query = select(Message.patient_id, Message.recipient_id).where(
                Message.patient_id.is_not(None))
            ids |= {p for p, who in s.execute(query)
                    if who is None or scope.shares_practitioner(who)}
        return ids

    def row(self, kind: str, entity_id: str | None):
        if entity_id is None or kind not in self.models:
            return None
        return self.session.get(self.models[kind], entity_id)

    def takes_id(self, kind: str, entity_id: str | None) -> bool:
        key = (kind, entity_id or "")
        if key not in self._memo:
            self._memo[key] = False  # a cycle of references does not take a row
            row = self.row(kind, entity_id)
            self._memo[key] = row is not None and self.takes(kind, row)
        return self._memo[key]

    def takes(self, kind: str, row) -> bool:
        """Whether ``row`` (a row, or its state as a namespace) is in scope."""
        if not self._own_rule(kind, row):
            return False
        # A row that needs a row outside the scope cannot exist on the peer.
        for column, target in self.references(kind):
            if not column.nullable:
                if not self.takes_id(target, getattr(row, column.key, None)):
                    return False
        return True

    def _own_rule(self, kind: str, row) -> bool:
        scope, k = self.scope, kinds
        if kind in _NEVER or kind not in self.models:
            return False
        if kind in (k.PRACTICE, k.USER, k.APPOINTMENT_TYPE):
            return True
        if kind == k.PRACTITIONER:
            return scope.shares_practitioner(row.id)
        if kind in (k.OPENING_HOURS, k.ABSENCE, k.APPOINTMENT_SERIES):
            return scope.shares_practitioner(row.practitioner_id)
        if kind == k.HOLIDAY_OPENING:
            return row.practitioner_id is None or scope.shares_practitioner(row.practitioner_id)
        if kind in (k.APPOINTMENT, k.FREED_SLOT, k.SLOT_OFFER):
            return (scope.shares_practitioner(row.practitioner_id)
                    and _within(row.starts_at, self.start, self.end))
        if kind == k.WAITING_LIST_ENTRY:
            return row.patient_id in self.patients
        if kind == k.PATIENT:
            return row.id in self.patients
        if kind == k.PATIENT_PHONE:
            return PHONES in scope.patient_fields and row.patient_id in self.patients
        if kind == k.CONTACT:
            return scope.directory
        if kind == k.CALL:
            return (scope.calls and _within(row.started_at, self.start, None)
                    and (row.practitioner_id is None
                         or scope.shares_practitioner(row.practitioner_id)))
        if kind == k.CALLBACK:
            return scope.callbacks and (row.practitioner_id is None
                                        or scope.shares_practitioner(row.practitioner_id))
        if kind == k.CALLBACK_ATTEMPT:
            return scope.callbacks
        if kind == k.MESSAGE:
            return scope.messages and (row.recipient_id is None
                                       or scope.shares_practitioner(row.recipient_id))
        if kind in (k.CONSIGNE, k.CONSIGNE_VERSION):
            return scope.consignes and (row.practitioner_id is None
                                        or scope.shares_practitioner(row.practitioner_id))
        if kind == k.CONSIGNE_ACK:
            return scope.consignes
        return False

    def references(self, kind: str):
        """(column, kind referred to) for each foreign key of ``kind``'s table."""
        table = self.models[kind].__table__
        out = []
        for fk in table.foreign_keys:
            target = self._tables.get(fk.column.table.name)
            if target is not None:
                out.append((fk.parent, target))
        return out

    def carries(self, kind: str, row) -> bool:
        """Whether rows of ``kind`` travel to the peer at all (any time, any patient):
        where an erasure of ``row`` must reach, whatever the window and the patients
        concerned now. (The agenda's rows keep their practitioner when erased.)"""
        scope, k = self.scope, kinds
        if kind in _NEVER or kind not in self.models:
            return False
        practitioner = getattr(row, "recipient_id" if kind == k.MESSAGE
                               else "practitioner_id", None)
        if practitioner is not None and kind != k.PRACTITIONER \
                and not scope.shares_practitioner(practitioner):
            return False
        if kind == k.PATIENT_PHONE:
            return PHONES in scope.patient_fields
        if kind == k.CONTACT:
            return scope.directory
        if kind == k.CALL:
            return scope.calls
        if kind in (k.CALLBACK, k.CALLBACK_ATTEMPT):
            return scope.callbacks
        if kind == k.MESSAGE:
            return scope.messages
        if kind in (k.CONSIGNE, k.CONSIGNE_VERSION, k.CONSIGNE_ACK):
            return scope.consignes
        if kind == k.PRACTITIONER:
            return scope.shares_practitioner(row.id)
        return True

    # -- what of a row travels ---------------------------------------------------------
    def kept_fields(self, kind: str, row, names: Iterable[str]) -> set[str]:
        """Of ``names``, the fields of ``row`` the peer gets."""
        names = set(names)
        if kind == kinds.PATIENT:
            names &= self.scope.patient_fields | _PATIENT_ALWAYS | BOOKKEEPING
        for column, target in self.references(kind):
            if column.key in names and column.nullable:
                value = getattr(row, column.key, None)
                if value is not None and not self.takes_id(target, value):
                    names.discard(column.key)
        return names


def _jsonable(value: Any) -> Any:
    """As the journal writes a value (``app.storage.uow``): dates and instants in ISO."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def _whole(kind: str, row: Syncable, tx_id: str, judge: _Judge) -> RemoteChange:
    """``row`` as it is now, as one change a peer can apply whether it holds the row or
    not (an insert; applied over a row it holds, each field keeps the newer stamp)."""
    columns = [c.key for c in row.__table__.columns if c.key not in ("field_versions",)]
    kept = judge.kept_fields(kind, row, columns)
    payload = {k: _jsonable(getattr(row, k)) for k in columns if k in kept}
    held = versions.parse(row.field_versions, row.version)
    stamps = {k: versions.of_field(held, k) for k in payload
              if k not in BOOKKEEPING and k != "id"}
    spread = {k: v for k, v in stamps.items() if v != row.version}
    return RemoteChange(tx_id, kind, row.id, INSERT, row.version, row.origin_node,
                        row.updated_at, payload, {**stamps} if spread else None)


def _patient_with_phones(judge: _Judge, patient_id: str, tx_id: str) -> list[RemoteChange]:
    patient = judge.row(kinds.PATIENT, patient_id)
    if patient is None or not judge.takes(kinds.PATIENT, patient):
        return []
    out = [_whole(kinds.PATIENT, patient, tx_id, judge)]
    if PHONES in judge.scope.patient_fields:
        phone_model = judge.models[kinds.PATIENT_PHONE]
        for phone in judge.session.scalars(select(phone_model).where(
                phone_model.patient_id == patient_id).order_by(phone_model.id)):
            out.append(_whole(kinds.PATIENT_PHONE, phone, tx_id, judge))
    return out


def _patient_named(kind: str, row) -> str | None:
    if kind in (kinds.APPOINTMENT, kinds.WAITING_LIST_ENTRY, kinds.MESSAGE):
        return getattr(row, "patient_id", None)
    if kind in (kinds.CALL, kinds.CALLBACK) and row.caller_kind == CallerKind.PATIENT.value:
        return row.caller_id
    return None


def outgoing_in_scope(session: Session, scope: Scope, changes: Sequence[RemoteChange],
                      now: datetime) -> list[RemoteChange]:
    """Of ``changes`` (the journal's, in order: ``app.storage.remote.outgoing``), those
    the peer may receive, as it may receive them; in the same order, transaction ids
    kept. Rows are judged as they are now in ``session``."""
    judge = _Judge(session, scope, now)
    out: list[RemoteChange] = []
    whole_sent: set[tuple[str, str]] = set()
    # Erasures in the earlier shape: the card's tombstone and those of its rows, updates.
    earlier = {c.tx_id for c in changes if ERASED not in c.payload and erased(c)}
    for change in changes:
        row = judge.row(change.kind, change.entity_id)
        final = erased(change) or (change.tx_id in earlier and change.op != INSERT
                                   and change.payload.get("deleted_at") is not None)
        if row is not None and final and change.kind in judge.models \
                and change.kind not in _NEVER:
            # Final: it reaches every peer that may hold the row, in the window or not
            # (a call the rules erase left it long ago; an erased patient is no longer
            # concerned), and in its scope or not (it keeps what it received before the
            # owner narrowed it). Out of its scope, only what says nothing goes: the
            # erasure's blanks. A peer that does not hold the row ignores it.
            kept = (judge.kept_fields(change.kind, row, change.payload)
                    if judge.carries(change.kind, row) else {"id", "deleted_at", ERASED})
            kept |= {k for k, v in change.payload.items() if v is None or v == ""
                     or v is False}
            out.append(change if kept == set(change.payload) else _reduced(change, kept))
            continue
        if row is None or not judge.takes(change.kind, row):
            continue
        scoping = _SCOPE_FIELDS.get(change.kind, frozenset())
        brings_in = change.op == INSERT or bool(scoping & set(change.payload))
        if brings_in:
            patient = _patient_named(change.kind, row)
            if patient is not None and (kinds.PATIENT, patient) not in whole_sent:
                for extra in _patient_with_phones(judge, patient, change.tx_id):
                    whole_sent.add((extra.kind, extra.entity_id))
                    out.append(extra)
            if (change.kind, change.entity_id) in whole_sent:
                continue
            if change.op != INSERT:  # moved into scope maybe: the peer may lack the row
                whole_sent.add((change.kind, change.entity_id))
                out.append(_whole(change.kind, row, change.tx_id, judge))
                continue
        kept = judge.kept_fields(change.kind, row, change.payload)
        if change.op != INSERT and not (kept - BOOKKEEPING - {"id"}):
            continue  # only fields the peer does not get were changed
        if kept == set(change.payload):
            out.append(change)
            continue
        out.append(_reduced(change, kept))
    return out


def erased(change: RemoteChange) -> bool:
    """A row erased for good: its one entry, the whole blank row (``erasure.ERASED``),
    or a patient's erasure as it was journaled before (a tombstone with ``erased_at``)."""
    return ERASED in change.payload or (change.kind == kinds.PATIENT
                                        and bool(change.payload.get("erased_at")))


def _reduced(change: RemoteChange, kept: set[str]) -> RemoteChange:
    """``change`` with only the fields ``kept`` (and their stamps)."""
    stamps = None
    if change.field_versions is not None:
        stamps = {k: v for k, v in change.field_versions.items() if k in kept}
    return replace(change, payload={k: v for k, v in change.payload.items() if k in kept},
                   field_versions=stamps)


def snapshot(session: Session, scope: Scope, now: datetime) -> list[RemoteChange]:
    """Every row in scope now (tombstones of rows in scope too), whole, parents before
    the rows that refer to them, as one transaction: a new peer's first batch."""
    judge = _Judge(session, scope, now)
    tx_id = uuid7()
    out: list[RemoteChange] = []
    for kind in SNAPSHOT_ORDER:
        if kind in _NEVER:
            continue
        model = judge.models[kind]
        for row in session.scalars(select(model).order_by(model.id)):
            # Parents come first: what is learnt of each row now spares reading it again
            # when its children name it.
            taken = judge._memo[(kind, row.id)] = judge.takes(kind, row)
            if taken:
                out.append(_whole(kind, row, tx_id, judge))
    return out


def entered_scope(session: Session, scope: Scope, since: datetime, now: datetime
                  ) -> list[RemoteChange]:
    """The rows the window brought into scope between ``since`` (when the peer was last
    sent a batch) and ``now``, with no change of their own: appointments, freed slots and
    offers whose day the window's front edge reached, whole, each after its patient's
    whole row; as one transaction. (What leaves the window at its back stays with the
    peer, as history.)"""
    if scope.days_ahead is None or since >= now:
        return []
    judge = _Judge(session, scope, now)
    ahead = timedelta(days=scope.days_ahead)
    tx_id = uuid7()
    out: list[RemoteChange] = []
    patients_sent: set[str] = set()
    for kind in (kinds.APPOINTMENT, kinds.FREED_SLOT, kinds.SLOT_OFFER):
        model = judge.models[kind]
        rows = session.scalars(select(model).where(
            model.starts_at >= since + ahead, model.starts_at < now + ahead)
            .order_by(model.starts_at, model.id))
        for row in rows:
            if not judge.takes(kind, row):
                continue
            patient = _patient_named(kind, row)
            if patient is not None and patient not in patients_sent:
                patients_sent.add(patient)
                out.extend(_patient_with_phones(judge, patient, tx_id))
            out.append(_whole(kind, row, tx_id, judge))
    return out


# -- what comes in ----------------------------------------------------------------------
@dataclass(frozen=True)
class Refusal:
    """An incoming change refused, and why: ``reason`` is one of ``OUT_OF_SCOPE``,
    ``FIELD``, ``ROLE``; ``message`` says it to a person."""

    change: RemoteChange
    reason: str
    message: str = field(compare=False)


OUT_OF_SCOPE, FIELD, ROLE = "out_of_scope", "field", "role"

# The action a change of each kind needs of the sender's role.
_KIND_ACTIONS: dict[str, str] = {
    kinds.PRACTICE: access.SETTINGS, kinds.PRACTITIONER: access.SETTINGS,
    kinds.USER: access.ACCOUNTS, kinds.APPOINTMENT_TYPE: access.SETTINGS,
    kinds.OPENING_HOURS: access.SETTINGS, kinds.ABSENCE: access.SETTINGS,
    kinds.HOLIDAY_OPENING: access.SETTINGS, kinds.PATIENT: access.PATIENTS_EDIT,
    kinds.PATIENT_PHONE: access.PATIENTS_EDIT, kinds.PATIENT_MERGE: access.PATIENTS_MERGE,
    kinds.DUPLICATE_DISMISSAL: access.PATIENTS_MERGE, kinds.CONTACT: access.DIRECTORY_EDIT,
    kinds.APPOINTMENT_SERIES: access.APPOINTMENTS_BOOK,
    kinds.WAITING_LIST_ENTRY: access.APPOINTMENTS_BOOK,
    kinds.FREED_SLOT: access.APPOINTMENTS_MOVE, kinds.SLOT_OFFER: access.APPOINTMENTS_BOOK,
    kinds.CALL: access.CALLS_EVENT, kinds.CALLBACK: access.CALLBACKS,
    kinds.CALLBACK_ATTEMPT: access.CALLBACKS, kinds.MESSAGE: access.MESSAGES,
    kinds.CONSIGNE: access.CONSIGNES_EDIT, kinds.CONSIGNE_VERSION: access.CONSIGNES_EDIT,
    kinds.CONSIGNE_ACK: access.CONSIGNES_ACK,
}


def _appointment_action(change: RemoteChange) -> str:
    if change.op == INSERT:
        return access.APPOINTMENTS_BOOK
    if change.op == DELETE or change.payload.get("status") == "cancelled":
        return access.APPOINTMENTS_CANCEL
    return access.APPOINTMENTS_MOVE


def _check_type(column, value) -> None:
    """``ValueError`` unless ``value`` is what ``column`` holds (a peer's batch is read
    as untrusted input, even signed)."""
    expected = python_type(column)
    if value is None or expected is None:
        return
    if not isinstance(value, expected):
        raise ValueError(f"{column.key}: not a {expected.__name__}")
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError(f"{column.key}: an instant without its offset")


def _state(judge: _Judge, change: RemoteChange):
    """The row as it would be once ``change`` is applied (the local row, or nothing,
    under the incoming fields)."""
    model = judge.models[change.kind]
    columns = model.__table__.c
    row = judge.row(change.kind, change.entity_id)
    values: dict[str, Any] = {c.key: (getattr(row, c.key) if row is not None else None)
                              for c in columns}
    for name, value in change.payload.items():
        if name in columns:
            values[name] = _from_json(columns[name], value)
            _check_type(columns[name], values[name])
    values["id"] = change.entity_id
    return SimpleNamespace(**values)


def refused_incoming(session: Session, scope: Scope, role: str,
                     changes: Sequence[RemoteChange], *, now: datetime | None = None
                     ) -> list[Refusal]:
    """The changes of ``changes`` a peer of ``role`` with ``scope`` may not make, each
    with its reason; empty when all may be applied. Judged against the rows as they are
    in ``session`` (before the batch), the batch's own new patients counting as shared.
    Changes from the practice (at a remote workstation) are never refused; an erasure
    for good from a workstation always is. ``now``:
    where the window stands (default: the latest change's time)."""
    if role == PEER_ROLE_PRACTICE:
        return []
    rights = access.MATRIX.get(role, frozenset())
    now = now or max((c.at for c in changes), default=None)
    judge = _Judge(session, scope, now) if now is not None else None
    refused: list[Refusal] = []
    if judge is None:
        return refused
    # Patients the batch creates, or names in changes in scope, are shared from now on.
    for change in changes:
        if change.kind == kinds.PATIENT and change.op == INSERT and \
                judge.row(kinds.PATIENT, change.entity_id) is None:
            judge.patients.add(change.entity_id)
    states = {}
    for change in changes:
        if change.kind not in judge.models:
            refused.append(Refusal(change, OUT_OF_SCOPE, _("Unknown kind of record.")))
            continue
        if erased(change):
            # Erasing for good is the practice's alone (its owner, its retention rules):
            # applied here it would overwrite every field whatever its stamp and delete
            # the row's history and conflicts.
            refused.append(Refusal(change, ROLE, _("Only the practice erases records for "
                                                   "good.")))
            continue
        try:
            states[id(change)] = state = _state(judge, change)
        except (ValueError, TypeError):
            refused.append(Refusal(change, OUT_OF_SCOPE, _("A value of this record cannot "
                                                           "be read.")))
            continue
        patient = _patient_named(change.kind, state)
        if patient is not None and judge._own_rule(change.kind, state):
            judge.patients.add(patient)
    for change in changes:
        state = states.get(id(change))
        if state is None:
            continue  # already refused
        action = (_appointment_action(change) if change.kind == kinds.APPOINTMENT
                  else _KIND_ACTIONS.get(change.kind))
        if action is None or action not in rights:
            refused.append(Refusal(change, ROLE, _("This role may not make this change "
                                                   "({action}).").format(
                action=access.action_label(action) if action else change.kind)))
            continue
        if change.kind == kinds.PATIENT:
            fields = set(change.payload) - BOOKKEEPING - _PATIENT_ALWAYS
            if "admin_note" in fields and access.PATIENTS_NOTE_EDIT not in rights:
                refused.append(Refusal(change, ROLE, _("This role may not change the "
                                                       "administrative note.")))
                continue
            outside = fields - scope.patient_fields
            if outside:
                refused.append(Refusal(change, FIELD, _("Patient fields not shared with this "
                                                        "workstation: {names}.").format(
                    names=", ".join(sorted(outside)))))
                continue
        if change.kind == kinds.APPOINTMENT and role == ROLE_REMOTE_SECRETARY:
            motif = judge.row(kinds.APPOINTMENT_TYPE, state.type_id)
            if not isinstance(motif, AppointmentType) or not motif.remote_bookable:
                refused.append(Refusal(change, ROLE, _("This motif is not bookable "
                                                       "remotely.")))
                continue
        if not judge._own_rule(change.kind, state):
            refused.append(Refusal(change, OUT_OF_SCOPE, _("Outside what is shared with this "
                                                           "workstation.")))
    return refused


