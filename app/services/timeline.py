"""A patient's timeline: what happened to the card, newest first.

Built from the change journal (which already records every write, in commit order)
and the audit trail (who made it). Later features (appointments, calls, messages)
add their own sources: a source is a callable ``(session, patient_id) -> events``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import _
from app.storage.erasure import COMPACTED, RETENTION, REQUEST, erased_why
from app.models import AuditEntry, ChangeJournal, PatientMerge, PatientPhone, User, kinds
from app.models.principal import Principal
from app.services import access
from app.storage.store import Store

MAX_EVENTS = 200


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # created | changed | erased | phone | merged_in | merged_away | unmerged
    title: str
    detail: str = ""
    actor: str = ""
    ref_id: str = ""  # e.g. the merge, for "undo"


Source = Callable[[Session, str], Iterable[TimelineEvent]]


def field_labels() -> dict[str, str]:
    """Card fields as the secretary reads them (translated at call time)."""
    return {
        "civility": _("title"), "birth_name": _("birth name"), "used_name": _("used name"),
        "first_names": _("first names"), "birth_date": _("birth date"), "sex": _("sex"),
        "email": _("e-mail"), "email_other": _("other e-mail"), "address_line": _("address"),
        "postal_code": _("postal code"), "city": _("town"),
        "referring_doctor": _("referring doctor"), "referring_contact_id": _("referring doctor"),
        "admin_note": _("administrative note"), "reminder_consent": _("reminder consent"),
        "preferred_channel": _("preferred channel"), "call_not_before": _("call window"),
        "call_not_after": _("call window"), "alert": _("alert"),
    }


def _changed_fields(payload: str) -> str:
    values = json.loads(payload)
    # An old entry compacted by the retention rules names its fields without values.
    names = set(values) | set(values.get(COMPACTED, ()))
    # In the card's order, not the payload's alphabetical one.
    return ", ".join(dict.fromkeys(label for key, label in field_labels().items() if key in names))


def erased_detail(why: str) -> str:
    """Why a record was erased, as the history says it ("": not known)."""
    return {RETENTION: _("by the retention rules"),
            REQUEST: _("at the patient's request")}.get(why, "")


def _card_history(session: Session, patient_id: str) -> list[TimelineEvent]:
    phone_ids = set(session.execute(
        select(PatientPhone.id).where(PatientPhone.patient_id == patient_id)).scalars())
    ids = [patient_id, *phone_ids]
    rows = session.execute(
        select(ChangeJournal.entity, ChangeJournal.entity_id, ChangeJournal.op,
               ChangeJournal.at, ChangeJournal.payload)
        .where(ChangeJournal.entity_id.in_(ids),
               ChangeJournal.entity.in_((kinds.PATIENT, kinds.PATIENT_PHONE)))
        .order_by(ChangeJournal.seq.desc()).limit(MAX_EVENTS * 2)
    ).all()
    events: list[TimelineEvent] = []
    phone_writes: dict[datetime, int] = {}
    for entity, _entity_id, op, at, payload in rows:
        if entity == kinds.PATIENT_PHONE:
            phone_writes[at] = phone_writes.get(at, 0) + 1
            continue
        if op == "insert":
            values = json.loads(payload)
            why = erased_why(values)
            if why is None:
                events.append(TimelineEvent(at, "created", _("Card created")))
                continue
            # An erased card's one entry: when it was created, and when and why erased.
            created = values.get("created_at")
            if created:
                events.append(TimelineEvent(datetime.fromisoformat(created), "created",
                                            _("Card created")))
            events.append(TimelineEvent(at, "erased", _("Card erased"), erased_detail(why)))
        elif op == "delete":
            continue  # a merge tombstone; the merge source says it better
        else:
            fields = _changed_fields(payload)
            if fields:
                events.append(TimelineEvent(at, "changed", _("Card changed"), fields))
    # Phone rows are written with their card; a phone-only save is its own event.
    card_times = {e.at for e in events}
    for at in phone_writes:
        if at not in card_times:
            events.append(TimelineEvent(at, "phone", _("Phone numbers changed")))
        else:
            i = next(i for i, e in enumerate(events) if e.at == at)
            e = events[i]
            if e.kind == "changed":
                detail = ", ".join(p for p in (e.detail, _("phone numbers")) if p)
                events[i] = TimelineEvent(e.at, e.kind, e.title, detail)
    return events


def _merges(session: Session, patient_id: str) -> list[TimelineEvent]:
    events = []
    merges = session.execute(select(PatientMerge).where(
        (PatientMerge.kept_id == patient_id) | (PatientMerge.merged_id == patient_id))).scalars()
    for m in merges:
        if m.kept_id == patient_id:
            events.append(TimelineEvent(m.created_at, "merged_in",
                                        _("Another card was merged into this one"), ref_id=m.id))
        else:
            events.append(TimelineEvent(m.created_at, "merged_away",
                                        _("This card was merged into another one"), ref_id=m.id))
        if m.undone_at is not None:
            events.append(TimelineEvent(m.undone_at, "unmerged", _("Merge undone"), ref_id=m.id))
    return events


DEFAULT_SOURCES: tuple[Source, ...] = (_card_history, _merges)


class TimelineService:
    def __init__(self, store: Store, *, principal: Principal,
                 sources: tuple[Source, ...] = DEFAULT_SOURCES) -> None:
        self._store = store
        self.principal = principal
        self._sources = sources

    def for_patient(self, patient_id: str, *, limit: int = MAX_EVENTS) -> list[TimelineEvent]:
        access.require(self.principal, access.PATIENTS_READ)
        with self._store.reader() as s:
            events = [e for source in self._sources for e in source(s, patient_id)]
            events.sort(key=lambda e: e.at, reverse=True)
            events = events[:limit]
            return self._with_actors(s, patient_id, events)

    @staticmethod
    def _with_actors(session: Session, patient_id: str, events: list[TimelineEvent]):
        """Who: the audit entry written with the change (same record, same instant)."""
        if not events:
            return events
        ids = [patient_id, *session.execute(
            select(PatientPhone.id).where(PatientPhone.patient_id == patient_id)).scalars()]
        rows = session.execute(
            select(AuditEntry.at, User.display_name)
            .join(User, User.id == AuditEntry.user_id, isouter=True)
            .where(AuditEntry.entity_id.in_(ids), AuditEntry.action != "read")
        ).all()
        who = {at: name or "" for at, name in rows}
        return [TimelineEvent(e.at, e.kind, e.title, e.detail, who.get(e.at, ""), e.ref_id)
                for e in events]
