"""The conflicts met by sync, for a person to resolve (Réglages → Partage).

A field conflict is one field edited on two installations at once: the later edit is
in the record, the other value is in the conflict. Resolving it either keeps the value
in the record, or takes the other one: a normal edit through the unit of work, stamped
now, that every peer then receives (and, its writer having seen both values, records no
new conflict). An overlap (two appointments of one practitioner) is marked as seen; the
agenda is then changed the usual way. Each resolution is audited. The owner and the
secretaries may see and resolve conflicts (``access.SYNC_CONFLICTS``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.clock import Clock
from app.i18n import _
from app.models import Appointment, Patient, Practitioner, SyncConflict, kinds
from app.models.conflict import FIELD, KEPT, OVERLAP, SEEN, TOOK_OTHER
from app.models.patient import patient_display_name
from app.models.principal import Principal
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.services.errors import ConcurrentEdit, MessageError, NotFound
from app.services.timeline import field_labels
from app.storage import remote, versions
from app.storage.store import Store

AUDIT_ACTION = "resolve"


@dataclass(frozen=True)
class ConflictView:
    id: str
    conflict: str  # FIELD | OVERLAP
    kind: str
    entity_id: str
    field: str
    record: str  # what the record is, for a person: a patient's name, an appointment
    what: str  # the field's label, or "overlapping appointments"
    kept: str  # the value in the record (for display)
    other: str  # the value that lost, or the other appointment
    kept_stamp: int | None
    other_stamp: int | None
    kept_node: str | None
    other_node: str | None
    other_entity_id: str | None
    detected_at: datetime

    @property
    def choices(self) -> tuple[str, ...]:
        return (KEPT, TOOK_OTHER) if self.conflict == FIELD else (SEEN,)


def kind_label(kind: str) -> str:
    return {kinds.PATIENT: _("patient"), kinds.PATIENT_PHONE: _("patient's phone"),
            kinds.APPOINTMENT: _("appointment"), kinds.CONTACT: _("contact"),
            kinds.MESSAGE: _("message"), kinds.CONSIGNE: _("instruction"),
            kinds.CALL: _("call"), kinds.CALLBACK: _("callback"),
            kinds.PRACTITIONER: _("practitioner")}.get(kind, kind)


def display_value(text: str | None) -> str:
    """A value as journaled (JSON), as a person reads it; empty shows as "(empty)"."""
    value = json.loads(text) if text is not None else None
    if value is None or value == "":
        return _("(empty)")
    if value is True or value is False:
        return _("yes") if value else _("no")
    return str(value)


class SyncConflictService:
    def __init__(self, store: Store, *, principal: Principal | None, clock: Clock,
                 zone: PracticeTime) -> None:
        self._store = store
        self._principal = principal
        self._clock = clock
        self._zone = zone

    def _actor(self) -> str:
        return self._principal.user_id if self._principal is not None else "system"

    def count_open(self) -> int:
        access.require_for(self._principal, access.SYNC_CONFLICTS)
        with self._store.reader() as s:
            return s.execute(select(func.count()).select_from(SyncConflict)
                             .where(SyncConflict.resolved_at.is_(None))).scalar_one()

    def open_conflicts(self) -> list[ConflictView]:
        """The conflicts not resolved yet, oldest first."""
        access.require_for(self._principal, access.SYNC_CONFLICTS)
        with self._store.reader() as s:
            rows = s.execute(select(SyncConflict).where(SyncConflict.resolved_at.is_(None))
                             .order_by(SyncConflict.detected_at, SyncConflict.id)).scalars()
            return [self._view(s, c) for c in rows]

    def _view(self, s, c: SyncConflict) -> ConflictView:
        if c.conflict == OVERLAP:
            what = _("overlapping appointments")
            kept = _appointment(s, c.entity_id, self._zone)
            other = _appointment(s, c.other_entity_id, self._zone)
        else:
            what = field_labels().get(c.field, c.field) if c.kind == kinds.PATIENT else c.field
            kept, other = display_value(c.kept_value), display_value(c.other_value)
        return ConflictView(c.id, c.conflict, c.kind, c.entity_id, c.field,
                            _record(s, c.kind, c.entity_id, self._zone), what, kept, other, c.kept_stamp,
                            c.other_stamp, c.kept_node, c.other_node, c.other_entity_id,
                            c.detected_at)

    def resolve(self, conflict_id: str, choice: str) -> None:
        """``KEPT``: the record stays as it is; ``TOOK_OTHER``: the other value is written
        (``ConcurrentEdit`` if that field changed again since the conflict); ``SEEN``
        for an overlap."""
        access.require_for(self._principal, access.SYNC_CONFLICTS)
        with self._store.unit_of_work(actor_id=self._actor()) as uow:
            c = uow.session.get(SyncConflict, conflict_id)
            if c is None:
                raise NotFound(conflict_id)
            if c.resolved_at is not None:
                raise MessageError(_("This conflict was already resolved."),
                                   code="conflict_resolved")
            if choice not in (KEPT, TOOK_OTHER) if c.conflict == FIELD else choice != SEEN:
                raise ValueError(f"{choice!r} does not resolve a {c.conflict} conflict")
            if choice == TOOK_OTHER:
                self._take_other(uow, c)
            c.resolved_at = uow.now
            c.resolved_by = uow.actor_id
            c.resolution = choice
            uow.audit(AUDIT_ACTION, c.kind, c.entity_id, f"sync conflict {c.field}: {choice}")

    @staticmethod
    def _take_other(uow, c: SyncConflict) -> None:
        model = remote.syncable_models().get(c.kind)
        row = uow.session.get(model, c.entity_id) if model is not None else None
        if row is None or row.deleted_at is not None:
            raise NotFound(c.entity_id)
        held = versions.parse(row.field_versions, row.version)
        if versions.of_field(held, c.field) != c.kept_stamp:
            raise ConcurrentEdit(c.entity_id)
        column = type(row).__table__.c[c.field]
        setattr(row, c.field, remote.value_of(column, json.loads(c.other_value)))


def _record(s, kind: str, entity_id: str, zone: PracticeTime) -> str:
    if kind == kinds.PATIENT:
        p = s.get(Patient, entity_id)
        if p is not None:
            return patient_display_name(p.birth_name, p.used_name or "", p.first_names or "",
                                        p.sex or "")
    if kind == kinds.APPOINTMENT:
        return _appointment(s, entity_id, zone)
    return kind_label(kind)


def _appointment(s, appointment_id: str | None, zone: PracticeTime) -> str:
    a = s.get(Appointment, appointment_id) if appointment_id else None
    if a is None:
        return _("appointment")
    who = s.get(Practitioner, a.practitioner_id)
    name = " ".join(p for p in (who.title, who.first_name, who.last_name) if p) if who else ""
    start, end = zone.local(a.starts_at), zone.local(a.ends_at)
    return _("{practitioner}, {day} {start}–{end}").format(
        practitioner=name, day=start.strftime("%d/%m/%Y"), start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"))
