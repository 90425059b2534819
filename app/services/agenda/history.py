"""An appointment's history, read back from the change journal and the audit trail."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import _
from app.models import Appointment, AppointmentType, AuditEntry, ChangeJournal, User
from app.services.agenda.labels import (
    cancel_reason_labels,
    confirmation_labels,
    field_labels,
    practitioner_names,
    status_labels,
)
from app.services.agenda.views import HistoryEntry
from app.services.agenda.zone import PracticeTime
from app.storage.erasure import erased_why


def appointment_history(s: Session, zone: PracticeTime,
                        appointment_id: str) -> list[HistoryEntry]:
    """Every change of the appointment, oldest first: who, when, which field from what to
    what, and the explicit actions (move, cancel, status, override) by name."""
    labels = field_labels()
    journal = s.execute(select(ChangeJournal.at, ChangeJournal.op, ChangeJournal.payload)
                        .where(ChangeJournal.entity == Appointment.__sync_entity__,
                               ChangeJournal.entity_id == appointment_id)
                        .order_by(ChangeJournal.seq)).all()
    audits = s.execute(select(AuditEntry.at, AuditEntry.action, AuditEntry.detail,
                              User.display_name)
                       .join(User, User.id == AuditEntry.user_id, isouter=True)
                       .where(AuditEntry.entity_id == appointment_id)
                       .order_by(AuditEntry.seq)).all()
    names = practitioner_names(s)
    type_names = dict(s.execute(select(AppointmentType.id, AppointmentType.name)).all())
    who = {at: name or "" for at, _a, _d, name in audits}
    # The explicit actions (move, cancel, status, override) name what happened.
    actions: dict[datetime, tuple[str, str]] = {}
    for at, action, detail, _name in audits:
        if action not in ("create", "update", "delete", "read"):
            actions[at] = (action, detail)
    state: dict[str, object] = {}
    out: list[HistoryEntry] = []
    for at, op, payload in journal:
        values = json.loads(payload)
        why = erased_why(values)
        if op == "insert" and why is not None:
            # An erased appointment's one entry: booked then, erased now, nothing between.
            created = values.get("created_at")
            if created:
                made = datetime.fromisoformat(created)
                out.append(HistoryEntry(made, who.get(made, ""), "create", ()))
            out.append(HistoryEntry(at, who.get(at, ""), "erase", (), why))
            state = values
            continue
        if op == "insert":
            state = values
            action, detail = actions.get(at, ("create", ""))
            out.append(HistoryEntry(at, who.get(at, ""), "create" if action != "override"
                                    else "override", (), detail))
            continue
        changes = []
        for key, label in labels.items():
            if key in values and values[key] != state.get(key):
                changes.append((label, _render(zone, key, state.get(key), names, type_names),
                                _render(zone, key, values[key], names, type_names)))
        state.update(values)
        action, detail = actions.get(at, ("update", ""))
        out.append(HistoryEntry(at, who.get(at, ""), action, tuple(changes), detail))
    return out


def _render(zone: PracticeTime, key: str, value, names: dict[str, str],
            type_names: dict[str, str]) -> str:
    if value in (None, ""):
        return ""
    if key in ("starts_at", "ends_at"):
        instant = datetime.fromisoformat(str(value))
        return zone.local(instant).strftime("%d/%m/%Y %H:%M")
    if key == "practitioner_id":
        return names.get(str(value), "")
    if key == "type_id":
        return type_names.get(str(value), "")
    if key == "status":
        return status_labels().get(str(value), str(value))
    if key == "cancel_reason":
        return cancel_reason_labels().get(str(value), str(value))
    if key == "confirmation":
        return confirmation_labels().get(str(value), str(value))
    if key == "patient_id":
        return _("another patient")
    return str(value)
