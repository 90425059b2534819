"""The search indexes of what a batch brought: patients and directory contacts are found
by name and number through their own FTS indexes, which the services write beside each
local edit; rows applied from a peer get theirs here, in the same transaction (a
tombstoned row is left as it is: searches never show one)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Contact, Patient, PatientPhone, kinds
from app.services.directory import _terms as contact_terms
from app.services.search_index import write_index
from app.services.search_terms import index_terms
from app.storage.remote import RemoteChange

_CHUNK = 500


def _chunks(ids: set[str]) -> Iterable[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start:start + _CHUNK]


def reindex(session: Session, changes: Iterable[RemoteChange]) -> None:
    patients: set[str] = set()
    phones: set[str] = set()
    contacts: set[str] = set()
    for change in changes:
        if change.kind == kinds.PATIENT:
            patients.add(change.entity_id)
        elif change.kind == kinds.PATIENT_PHONE:
            phones.add(change.entity_id)
        elif change.kind == kinds.CONTACT:
            contacts.add(change.entity_id)
    session.flush()
    for chunk in _chunks(phones):
        patients.update(session.execute(select(PatientPhone.patient_id).where(
            PatientPhone.id.in_(chunk))).scalars())
    for chunk in _chunks(patients):
        numbers: dict[str, list[str]] = {}
        for pid, e164 in session.execute(select(PatientPhone.patient_id, PatientPhone.e164)
                                         .where(PatientPhone.patient_id.in_(chunk),
                                                PatientPhone.deleted_at.is_(None))
                                         .order_by(PatientPhone.position)):
            numbers.setdefault(pid, []).append(e164)
        write_index(session, "patient", [
            (p.id, index_terms(names=[p.birth_name, p.used_name, p.first_names],
                               phones_e164=numbers.get(p.id, []), birth_date=p.birth_date))
            for p in session.execute(select(Patient).where(
                Patient.id.in_(chunk), Patient.deleted_at.is_(None))).scalars()])
    for chunk in _chunks(contacts):
        rows = session.execute(select(Contact).where(
            Contact.id.in_(chunk), Contact.deleted_at.is_(None))).scalars()
        write_index(session, "contact", [
            (c.id, contact_terms({col.key: getattr(c, col.key) for col in Contact.__table__.c}))
            for c in rows])
