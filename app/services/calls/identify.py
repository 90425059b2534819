"""Who is calling: the patients and directory contacts who have a number.

Patients are found through the phone index ``ix_patient_phone_e164`` (a shared family
phone lists each member, with their birth date), directory contacts through their
search index (the term ``_p<national digits>`` of ``app.services.search_terms``), kept
only if the number is their phone or second phone (a fax does not call). A withheld
number, or one nobody has, is an unknown caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.models import kinds
from app.models.calls import CallerKind
from app.models.directory import contact_display_name
from app.models.patient import patient_display_name
from app.models.principal import Principal
from app.services import access
from app.services.calls.numbers import WITHHELD, call_number
from app.services.phones import national_digits
from app.storage.store import Store

MAX_MATCHES = 30  # more people than this on one number is a switchboard, not a family


@dataclass(frozen=True)
class CallerMatch:
    kind: str  # CallerKind.PATIENT or CallerKind.CONTACT
    id: str
    name: str
    birth_date: date | None = None  # patients only
    detail: str = ""  # contacts: specialty or organisation


@dataclass(frozen=True)
class Identification:
    number: str  # E.164, or "" when withheld
    matches: tuple[CallerMatch, ...]

    @property
    def withheld(self) -> bool:
        return self.number == WITHHELD

    @property
    def caller_kind(self) -> str:
        """Patient if any patient has the number, else contact if any contact, else unknown."""
        if not self.matches:
            return CallerKind.UNKNOWN.value
        return self.matches[0].kind

    @property
    def caller_id(self) -> str | None:
        """The caller when the number is one person's; None when several share it (the
        panel asks which) or nobody has it."""
        return self.matches[0].id if len(self.matches) == 1 else None


_CONTACTS_SQL = (
    "SELECT c.id, c.title, c.name, c.first_name, c.specialty, c.organisation, "
    "c.phone_e164, c.phone2_e164 FROM contact_search s "
    "JOIN contact_search_key k ON k.rowid = s.rowid JOIN contact c ON c.id = k.contact_id "
    "WHERE contact_search MATCH ? AND c.deleted_at IS NULL "
    "ORDER BY c.sort_key, c.id LIMIT ?")


_PATIENTS_SQL = (
    "SELECT DISTINCT p.id, p.birth_name, p.used_name, p.first_names, p.birth_date, p.sort_key "
    "FROM patient_phone ph INDEXED BY ix_patient_phone_e164 "
    "JOIN patient p ON p.id = ph.patient_id "
    "WHERE ph.e164 = ? AND ph.deleted_at IS NULL AND p.deleted_at IS NULL "
    "ORDER BY p.sort_key, p.id LIMIT ?")


def patients_with(session: Session, e164: str) -> list[CallerMatch]:
    # Raw SQL: the caller must be on screen while the phone rings.
    rows = session.connection().exec_driver_sql(_PATIENTS_SQL, (e164, MAX_MATCHES))
    return [CallerMatch(CallerKind.PATIENT.value, pid, patient_display_name(b, u, f),
                        date.fromisoformat(birth) if birth else None)
            for pid, b, u, f, birth, _key in rows]


def contacts_with(session: Session, e164: str) -> list[CallerMatch]:
    match = f'"_p{national_digits(e164)}"'
    rows = session.connection().exec_driver_sql(_CONTACTS_SQL, (match, MAX_MATCHES))
    return [CallerMatch(CallerKind.CONTACT.value, cid, contact_display_name(title, name, first),
                        detail=specialty or organisation)
            for cid, title, name, first, specialty, organisation, phone, phone2 in rows
            if e164 in (phone, phone2)]


def identify_in(session: Session, e164: str) -> Identification:
    if e164 == WITHHELD:
        return Identification(WITHHELD, ())
    return Identification(e164, tuple(patients_with(session, e164) + contacts_with(session, e164)))


class CallerIdentifier:
    def __init__(self, store: Store, *, principal: Principal | None = None) -> None:
        self._store = store
        self._principal = principal

    def identify(self, number: str | None) -> Identification:
        """The matches for a number in any format; raises ``InvalidCallNumber`` for
        something that is not a number, gives no match for a withheld one. Finding
        patients reads their cards: each one found is an audited ``lookup``, by id only
        (never the number), as when a call rings."""
        access.require_for(self._principal, access.CALLS_LOOKUP)
        e164 = call_number(number)
        if e164 == WITHHELD:
            return Identification(WITHHELD, ())
        with self._store.reader() as s:
            found = identify_in(s, e164)
        patients = [m.id for m in found.matches if m.kind == CallerKind.PATIENT.value]
        if patients:
            actor = self._principal.user_id if self._principal is not None else "system"
            with self._store.unit_of_work(actor_id=actor) as uow:
                for patient_id in patients:
                    uow.audit("lookup", kinds.PATIENT, patient_id)
        return found
