"""Reading what an export writes: live (non-tombstoned) rows, streamed in batches.

One read transaction per export, so the count, the rows and the phones all come from
the same snapshot while other workstations keep writing. Patients are walked in
alphabetical order along the ``sort_key`` index (no sort of the whole table), and their
phones are fetched per batch: memory stays bounded by the batch size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from app.models.directory import contact_display_name
from app.models.patient import patient_display_name

BATCH = 1_000


@dataclass(frozen=True, slots=True)
class PatientRow:
    id: str
    civility: str
    birth_name: str
    used_name: str
    first_names: str
    birth_date: date | None
    sex: str
    phones: tuple[tuple[str, str], ...]  # (kind, e164), in the card's order
    email: str
    email_other: str
    address_line: str
    postal_code: str
    city: str
    referring_doctor: str  # the linked directory contact's name when there is one
    admin_note: str
    alert: str
    preferred_channel: str
    call_not_before: time | None
    call_not_after: time | None
    reminder_consent: bool

    @property
    def display_name(self) -> str:
        return patient_display_name(self.birth_name, self.used_name, self.first_names,
                                    self.sex, self.civility)


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: str
    category: str
    title: str
    name: str
    first_name: str
    organisation: str
    specialty: str
    phone: str   # E.164, or as typed when it could not be normalised
    phone2: str
    fax: str
    email: str
    mssante: str
    address_line: str
    postal_code: str
    city: str
    note: str

    @property
    def display_name(self) -> str:
        return contact_display_name(self.title, self.name, self.first_name)


_PATIENT_COUNT = "SELECT count(*) FROM patient WHERE deleted_at IS NULL"
_PATIENTS = """SELECT p.id, p.civility, p.birth_name, p.used_name, p.first_names,
  p.birth_date, p.sex, p.email, p.email_other, p.address_line, p.postal_code, p.city,
  p.referring_doctor, c.title, c.name, c.first_name, p.admin_note, p.alert,
  p.preferred_channel, p.call_not_before, p.call_not_after, p.reminder_consent
FROM patient p INDEXED BY ix_patient_sort_key
LEFT JOIN contact c ON c.id = p.referring_contact_id AND c.deleted_at IS NULL
WHERE p.deleted_at IS NULL
ORDER BY p.sort_key"""
_PHONES = text("""SELECT patient_id, kind, e164 FROM patient_phone
WHERE deleted_at IS NULL AND patient_id IN :ids ORDER BY patient_id, position""").bindparams(
    bindparam("ids", expanding=True))

_CONTACT_COUNT = "SELECT count(*) FROM contact WHERE deleted_at IS NULL"
_CONTACTS = """SELECT id, category, title, name, first_name, organisation, specialty,
  phone_e164, phone_raw, phone2_e164, phone2_raw, fax_e164, fax_raw, email, mssante,
  address_line, postal_code, city, note
FROM contact INDEXED BY ix_contact_sort_key
WHERE deleted_at IS NULL
ORDER BY sort_key"""


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _as_time(value) -> time | None:
    if value is None or isinstance(value, time):
        return value
    return time.fromisoformat(value)


def count_patients(session: Session) -> int:
    return session.execute(text(_PATIENT_COUNT)).scalar_one()


def count_contacts(session: Session) -> int:
    return session.execute(text(_CONTACT_COUNT)).scalar_one()


def patient_batches(session: Session, batch: int = BATCH) -> Iterator[list[PatientRow]]:
    conn = session.connection()
    result = conn.execution_options(yield_per=batch).execute(text(_PATIENTS))
    for rows in result.partitions(batch):
        ids = [r[0] for r in rows]
        phones: dict[str, list[tuple[str, str]]] = {}
        for pid, kind, e164 in conn.execute(_PHONES, {"ids": ids}).all():
            phones.setdefault(pid, []).append((kind, e164))
        out = []
        for r in rows:
            (pid, civility, birth_name, used_name, first_names, birth_date, sex, email,
             email_other, address, postal, city, referring, c_title, c_name, c_first,
             note, alert, channel, not_before, not_after, consent) = r
            if c_name is not None:  # the directory link is authoritative
                referring = contact_display_name(c_title, c_name, c_first)
            out.append(PatientRow(
                id=pid, civility=civility, birth_name=birth_name, used_name=used_name,
                first_names=first_names, birth_date=_as_date(birth_date), sex=sex,
                phones=tuple(phones.get(pid, ())), email=email, email_other=email_other,
                address_line=address, postal_code=postal, city=city,
                referring_doctor=referring, admin_note=note, alert=alert,
                preferred_channel=channel, call_not_before=_as_time(not_before),
                call_not_after=_as_time(not_after), reminder_consent=bool(consent)))
        yield out


def contact_batches(session: Session, batch: int = BATCH) -> Iterator[list[ContactRow]]:
    result = session.connection().execution_options(yield_per=batch).execute(text(_CONTACTS))
    for rows in result.partitions(batch):
        yield [ContactRow(
            id=r[0], category=r[1], title=r[2], name=r[3], first_name=r[4],
            organisation=r[5], specialty=r[6], phone=r[7] or r[8], phone2=r[9] or r[10],
            fax=r[11] or r[12], email=r[13], mssante=r[14], address_line=r[15],
            postal_code=r[16], city=r[17], note=r[18]) for r in rows]
