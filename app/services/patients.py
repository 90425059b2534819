"""Patients: search, read, create and update, through the unit of work."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlcipher3.dbapi2 import Connection

from app.models.principal import Principal
from app.clock import Clock
from app.i18n import _, format_date
from app.models import Civility, Contact, ContactChannel, Patient, PatientPhone, PhoneKind, Sex
from app.models.patient import patient_display_name, patient_identity_key
from app.models.phonetic import (MAX_TYPO_WORD, MIN_TYPO_WORD, guessable, one_letter_off,
                                 phonetic_key, within_one_edit)
from app.services import access
from app.services.dates import InvalidDate, parse_french_date
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.phones import InvalidPhone, display_phone, parse_phone
from app.services.search_index import write_index
from app.services.search_terms import (PhoneSearch, fts_query, index_terms, name_words,
                                       phone_search)
from app.models.text import clean_name, name_tokens, sort_key
from app.storage.store import Store

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTAL = re.compile(r"^(\d{5}|)$")
MAX_RESULTS = 100
# The accepted codes, checked for every row of an import.
_CIVILITIES = frozenset(c.value for c in Civility)
_SEXES = frozenset(s.value for s in Sex)
_CHANNELS = frozenset(c.value for c in ContactChannel)
_PHONE_KINDS = frozenset(k.value for k in PhoneKind)


@dataclass
class PhoneEntry:
    number: str
    kind: str = PhoneKind.MOBILE.value


@dataclass
class PatientInput:
    """What a form, an import or a test hands to the service; validated there."""

    birth_name: str
    first_names: str
    used_name: str = ""
    civility: str = Civility.NONE.value
    birth_date: date | str | None = None
    sex: str = Sex.UNKNOWN.value
    phones: list[PhoneEntry] = field(default_factory=list)
    email: str = ""
    email_other: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    referring_doctor: str = ""
    referring_contact_id: str | None = None
    admin_note: str = ""
    reminder_consent: bool = False
    preferred_channel: str = ContactChannel.ANY.value
    call_not_before: time | str | None = None  # practice time, "HH:MM" accepted
    call_not_after: time | str | None = None
    alert: str = ""


@dataclass(frozen=True)
class PatientSummary:
    id: str
    display_name: str
    birth_date: date | None
    phone: str
    city: str
    alert: str = ""


@dataclass(frozen=True)
class PhoneView:
    kind: str
    raw: str
    e164: str

    @property
    def display(self) -> str:
        return display_phone(self.e164)


@dataclass(frozen=True)
class PatientDetails:
    id: str
    version: int
    display_name: str
    civility: str
    birth_name: str
    used_name: str
    first_names: str
    birth_date: date | None
    sex: str
    phones: tuple[PhoneView, ...]
    email: str
    email_other: str
    address_line: str
    postal_code: str
    city: str
    referring_doctor: str
    referring_contact_id: str | None
    referring_contact_name: str  # the directory entry's name, "" if none or removed
    admin_note: str
    reminder_consent: bool
    preferred_channel: str
    call_not_before: time | None
    call_not_after: time | None
    alert: str


_TIME = re.compile(r"^(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?$")


def parse_time_of_day(value: time | str | None) -> time | None:
    """"9", "9h", "09:30", "9h30", "9.30" -> a time; empty -> None; ValueError otherwise."""
    if value is None or isinstance(value, time):
        return value
    text = value.strip()
    if not text:
        return None
    m = _TIME.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
        raise ValueError(text)
    return time(int(m.group(1)), int(m.group(2) or 0))


def _clean(value: str) -> str:
    return clean_name(value)


class PatientService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock) -> None:
        self._store = store
        self.principal = principal
        self._actor_id = principal.user_id
        self._clock = clock

    # -- validation ---------------------------------------------------------------
    def validate(self, data: PatientInput) -> tuple[dict, list]:
        """Cleaned column values and parsed phones, or ValidationError listing every problem."""
        errors: dict[str, str] = {}
        values = {
            "birth_name": _clean(data.birth_name),
            "used_name": _clean(data.used_name),
            "first_names": _clean(data.first_names),
            "civility": data.civility if data.civility in _CIVILITIES else "",
            "sex": data.sex if data.sex in _SEXES else "",
            "email": data.email.strip(),
            "email_other": data.email_other.strip(),
            "preferred_channel": data.preferred_channel
            if data.preferred_channel in _CHANNELS else "",
            "alert": _clean(data.alert),
            "referring_contact_id": data.referring_contact_id or None,
            "address_line": _clean(data.address_line),
            "postal_code": data.postal_code.strip(),
            "city": _clean(data.city),
            "referring_doctor": _clean(data.referring_doctor),
            "admin_note": data.admin_note.strip(),
            "reminder_consent": bool(data.reminder_consent),
        }
        if not name_tokens(values["birth_name"]):
            errors["birth_name"] = _("The birth name is required.")
        if not name_tokens(values["first_names"]):
            errors["first_names"] = _("At least one first name is required.")
        today = self._clock.now().date()
        birth = data.birth_date
        if isinstance(birth, str):
            birth = birth.strip() or None
            if birth is not None:
                try:
                    birth = parse_french_date(birth, today=today)
                except InvalidDate as exc:
                    errors["birth_date"] = exc.user_message
                    birth = None
        if isinstance(birth, date):
            if birth > today:
                errors["birth_date"] = _("The birth date cannot be in the future.")
            elif birth.year < today.year - 130:
                errors["birth_date"] = _("This birth date is more than 130 years ago.")
        values["birth_date"] = birth if isinstance(birth, date) else None
        for key in ("email", "email_other"):
            if values[key] and not _EMAIL.match(values[key]):
                errors[key] = _("This e-mail address is not valid.")
        for key in ("call_not_before", "call_not_after"):
            try:
                values[key] = parse_time_of_day(getattr(data, key))
            except ValueError:
                errors[key] = _("Type a time such as 9:00 or 18h30.")
                values[key] = None
        if (values["call_not_before"] and values["call_not_after"]
                and values["call_not_before"] >= values["call_not_after"]):
            errors["call_not_after"] = _("The latest time to call must be later than the earliest.")
        if len(values["alert"]) > 300:
            errors["alert"] = _("The alert is limited to 300 characters.")
        if not _POSTAL.match(values["postal_code"]):
            errors["postal_code"] = _("A French postal code has five digits.")
        phones = []
        for i, entry in enumerate(data.phones):
            if not entry.number.strip():
                continue
            kind = entry.kind if entry.kind in _PHONE_KINDS else PhoneKind.OTHER.value
            try:
                phones.append((kind, parse_phone(entry.number)))
            except InvalidPhone:
                errors[f"phone{i}"] = _("“{number}” is not a valid phone number.").format(
                    number=entry.number.strip())
        if errors:
            raise ValidationError(errors)
        values["sort_key"] = sort_key(values["used_name"] or values["birth_name"], values["first_names"])
        values["identity_key"] = patient_identity_key(values["birth_name"], values["first_names"],
                                                      values["birth_date"])
        return values, phones

    # -- writes -------------------------------------------------------------------
    def _note_rule(self, data: PatientInput) -> bool:
        """Whether ``data``'s administrative note is to be written: a role that may not
        change it may only leave it empty (its form never had it), and then the note on
        the card stays as it is."""
        if access.allowed(self.principal, access.PATIENTS_NOTE_EDIT):
            return True
        if data.admin_note.strip():
            access.require(self.principal, access.PATIENTS_NOTE_EDIT)
        return False

    def create(self, data: PatientInput) -> PatientDetails:
        access.require(self.principal, access.PATIENTS_EDIT)
        self._note_rule(data)
        values, phones = self.validate(data)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            _check_contact(uow.session, values["referring_contact_id"])
            patient = Patient(**values)
            uow.session.add(patient)
            uow.session.flush()
            self._replace_phones(uow.session, patient.id, phones)
            self._reindex(uow.session, patient)
            details = self._details(uow.session, patient)
        return details

    def update(self, patient_id: str, data: PatientInput, *, expected_version: int) -> PatientDetails:
        access.require(self.principal, access.PATIENTS_EDIT)
        keep_note = not self._note_rule(data)
        values, phones = self.validate(data)
        if keep_note:
            del values["admin_note"]
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            patient = uow.session.get(Patient, patient_id)
            if patient is None or patient.deleted_at is not None:
                raise NotFound(patient_id)
            if patient.version != expected_version:
                raise ConcurrentEdit(patient_id)
            if values["referring_contact_id"] != patient.referring_contact_id:
                _check_contact(uow.session, values["referring_contact_id"])
            for key, value in values.items():
                if getattr(patient, key) != value:
                    setattr(patient, key, value)
            self._replace_phones(uow.session, patient.id, phones)
            uow.session.flush()
            self._reindex(uow.session, patient)
            details = self._details(uow.session, patient)
        return details

    def create_many(self, rows: list[PatientInput], *, uow=None,
                    prepared: list[tuple[dict, list]] | None = None) -> int:
        """Validated bulk creation in one transaction (demo data, imports).

        ``prepared``: what ``validate`` returned for each of ``rows``, in order, when the
        caller has just validated them (an import reports per-row errors first); the
        rows are then not validated a second time.
        """
        access.require(self.principal, access.PATIENTS_EDIT)
        if prepared is None:
            prepared = [self.validate(r) for r in rows]
        elif len(prepared) != len(rows):
            raise ValueError("one validation result per row")
        scope = nullcontext(uow) if uow is not None else self._store.unit_of_work(
            actor_id=self._actor_id)
        with scope as uow:
            ids = uow.bulk_insert(Patient, [values for values, _ in prepared])
            phone_rows, index_rows = [], []
            for pid, (values, phones) in zip(ids, prepared):
                for pos, (kind, parsed) in enumerate(phones):
                    phone_rows.append({"patient_id": pid, "kind": kind, "raw": parsed.raw,
                                       "e164": parsed.e164, "position": pos})
                index_rows.append((pid, index_terms(
                    names=[values["birth_name"], values["used_name"], values["first_names"]],
                    phones_e164=[p.e164 for _, p in phones], birth_date=values["birth_date"])))
            uow.bulk_insert(PatientPhone, phone_rows)
            write_index(uow.session, "patient", index_rows)
        return len(ids)

    def _replace_phones(self, session: Session, patient_id: str, phones: list) -> None:
        existing = session.execute(
            select(PatientPhone).where(PatientPhone.patient_id == patient_id,
                                       PatientPhone.deleted_at.is_(None))
            .order_by(PatientPhone.position)
        ).scalars().all()
        wanted = [(kind, p.raw, p.e164, pos) for pos, (kind, p) in enumerate(phones)]
        # Keep rows that did not change so the journal only carries real edits.
        for row, want in zip(existing, wanted):
            kind, raw, e164, pos = want
            if (row.kind, row.raw, row.e164, row.position) != want:
                row.kind, row.raw, row.e164, row.position = kind, raw, e164, pos
        for row in existing[len(wanted):]:
            row.deleted_at = self._clock.now()
        for kind, raw, e164, pos in wanted[len(existing):]:
            session.add(PatientPhone(patient_id=patient_id, kind=kind, raw=raw, e164=e164,
                                     position=pos))
        session.flush()

    def _reindex(self, session: Session, patient: Patient) -> None:
        phones = session.execute(
            select(PatientPhone.e164).where(PatientPhone.patient_id == patient.id,
                                            PatientPhone.deleted_at.is_(None))
        ).scalars().all()
        terms = index_terms(names=[patient.birth_name, patient.used_name, patient.first_names],
                            phones_e164=phones, birth_date=patient.birth_date)
        write_index(session, "patient", [(patient.id, terms)])

    # -- reads --------------------------------------------------------------------
    def copy_list(self, rows: Sequence[PatientSummary]) -> str:
        """The patients a list shows, as tab-separated lines for the clipboard (name,
        birth date, phone, town). Copying a list takes patient data out of the
        application: its own right (``PATIENTS_COPY``, which a remote workstation's policy
        may forbid), and audited (how many, never who)."""
        access.require(self.principal, access.PATIENTS_COPY)
        lines = ["\t".join(clean_name(value) for value in (
            row.display_name, format_date(row.birth_date) if row.birth_date else "",
            row.phone, row.city)) for row in rows]
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            uow.audit("copy", Patient.__sync_entity__, "", f"rows={len(rows)}")
        return "\n".join(lines) + ("\n" if lines else "")

    def get(self, patient_id: str) -> PatientDetails:
        """The full card. Opening a card is a read of patient data: it is audited."""
        access.require(self.principal, access.PATIENTS_READ)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            patient = uow.session.get(Patient, patient_id)
            if patient is None or patient.deleted_at is not None:
                raise NotFound(patient_id)
            uow.audit("read", Patient.__sync_entity__, patient_id)
            return self._details(uow.session, patient)

    def count(self) -> int:
        access.require(self.principal, access.PATIENTS_READ)
        with self._store.reader() as s:
            return s.execute(select(func.count()).select_from(Patient)
                             .where(Patient.deleted_at.is_(None))).scalar_one()

    def summary(self, patient_id: str) -> PatientSummary:
        """The patient as a result list shows it (a card just made, to choose it)."""
        with self._store.reader() as s:
            found = _summaries(_driver(s), [patient_id])
        if not found:
            raise NotFound(patient_id)
        return found[0]

    def search(self, query: str, *, limit: int = MAX_RESULTS) -> list[PatientSummary]:
        """Type-ahead search; an empty query lists patients in alphabetical order.

        Ranking: patients whose name in use starts with what was typed come first
        (so "martin" lists MARTIN before MARTINEZ), then every other match (birth
        names, first names, phones, dates), then, while the page is not full, names
        that sound like a word typed ("lefebvre" finds LEFÈVRE), or else names one
        letter off ("acour" finds ACHOUR); each group in alphabetical order. The start
        of a number shared by more patients than the page holds lists them in the
        order of the number (see ``_phone_ids_in_number_order``).
        """
        access.require(self.principal, access.PATIENTS_READ)
        match = fts_query(query)
        with self._store.reader() as s:
            db = _driver(s)
            if match is None:
                if query.strip():
                    return []
                return [_summary(r) for r in db.execute(_LIST_SQL, {"limit": limit})]
            ids: list[str] = []
            words = query.split()
            year = _birth_year(words)
            phone = phone_search(query)
            by_number = None if phone is None else _phone_ids_in_number_order(db, phone, limit)
            if by_number is not None:
                return _summaries(db, by_number)
            if year is not None:
                # A year: birth dates first, from an index in name order; phones
                # ending with these four digits follow.
                ids = [r[0] for r in db.execute(_YEAR_IDS_SQL, {
                    "lo": date(year, 1, 1).isoformat(), "hi": date(year + 1, 1, 1).isoformat(),
                    "limit": limit})]
            one_name = len(words) == 1 and not any(ch.isdigit() for ch in words[0])
            if one_name:
                # One name prefix, the broad first keystrokes: walk the sort index in
                # order and stop at the limit instead of sorting every match.
                prefix = " ".join(name_tokens(words[0]))
                ids = [r[0] for r in db.execute(_PREFIX_IDS_SQL, {
                    "lo": prefix, "hi": prefix + "\uffff", "limit": limit})]
            if len(ids) < limit:
                tokens = [t for t in name_tokens(query) if not t.isdigit()]
                ids = _more_ids(db, ids, match, tokens[0] if tokens else "", limit)
            if len(ids) < limit:
                ids = _by_ear(db, query, ids, limit, one_name=one_name)
            return _summaries(db, ids)

    def _details(self, session: Session, patient: Patient) -> PatientDetails:
        return patient_card(session, patient, with_note=access.sees_admin_note(self.principal))


def patient_card(session: Session, patient: Patient, *, with_note: bool) -> PatientDetails:
    """The full card; the administrative note only ``with_note`` (the read-scope rule)."""
    phones = session.execute(
        select(PatientPhone).where(PatientPhone.patient_id == patient.id,
                                   PatientPhone.deleted_at.is_(None))
        .order_by(PatientPhone.position)
    ).scalars().all()
    return PatientDetails(
        id=patient.id, version=patient.version, display_name=patient.display_name,
        civility=patient.civility, birth_name=patient.birth_name, used_name=patient.used_name,
        first_names=patient.first_names, birth_date=patient.birth_date, sex=patient.sex,
        phones=tuple(PhoneView(p.kind, p.raw, p.e164) for p in phones), email=patient.email,
        email_other=patient.email_other,
        address_line=patient.address_line, postal_code=patient.postal_code, city=patient.city,
        referring_doctor=patient.referring_doctor,
        referring_contact_id=patient.referring_contact_id,
        referring_contact_name=_contact_name(session, patient.referring_contact_id),
        admin_note=patient.admin_note if with_note else "",
        reminder_consent=patient.reminder_consent, preferred_channel=patient.preferred_channel,
        call_not_before=patient.call_not_before, call_not_after=patient.call_not_after,
        alert=patient.alert,
    )


def _driver(session: Session) -> Connection:
    """The DBAPI connection under ``session``, inside its transaction. The search runs
    its fixed statements on it directly: on a page of a hundred rows, SQLAlchemy's
    statement and row handling took as long as SQLite's own work (bench.patient_search)."""
    return session.connection().connection.driver_connection


def _summaries(db: Connection, ids: list[str]) -> list[PatientSummary]:
    if not ids:
        return []
    rows = {r[0]: r for r in db.execute(_ROWS_SQL, (json.dumps(ids),))}
    return [_summary(rows[i]) for i in ids if i in rows]


def _phone_ids_in_number_order(db: Connection, phone: PhoneSearch,
                               limit: int) -> list[str] | None:
    """When more numbers start so than the page holds: the numbers ending with the four
    digits typed (few) in alphabetical order, then those starting so in the order of the
    digits still to come, read from the phone index in order instead of sorting thousands
    of names (a local area code, the first two pairs of a mobile). None when they are
    fewer: the usual search lists them."""
    if len(phone.e164_start) > 9:  # "06 12 34 5…": a few numbers at most, not worth a look
        return None
    wanted = limit + 8
    starts = _numbers_starting(db, phone, wanted)
    if len(starts) <= limit:
        return None
    ids: list[str] = []
    if phone.last_four:
        ids = [r[0] for r in db.execute(_MATCH_IDS_SQL, {
            "match": f'"_l{phone.last_four}"', "first": "", "limit": limit})]
    while True:
        found = list(dict.fromkeys([*ids, *starts]))[:limit]
        if len(found) == limit or len(starts) < wanted:
            return found
        wanted *= 2  # cards holding several such numbers: read further
        starts = _numbers_starting(db, phone, wanted)


def _numbers_starting(db: Connection, phone: PhoneSearch, limit: int) -> list[str]:
    """The patient of each of the first ``limit`` current numbers starting with what was
    typed, in the order of the numbers (a card holding two of them comes twice)."""
    return [r[0] for r in db.execute(_PHONE_ORDER_SQL, {
        "lo": phone.e164_start, "hi": phone.e164_start + "~", "limit": limit})]


def _by_ear(db: Connection, query: str, ids: list[str], limit: int, *,
            one_name: bool) -> list[str]:
    """``ids`` followed by the patients found when the name words typed also stand for
    the words of the index that sound alike; if that finds no one more, also for those
    one letter off (a typo rather than a name heard)."""
    words = [w for w in name_words(query) if guessable(w)]
    tried = {w: {w} for w in words}
    found_before = len(ids)
    exact = fts_query(query)
    for alternatives in (_sounding_alike, _one_letter_off):
        if len(ids) > found_before or len(ids) >= limit:
            break
        new = False
        for word, alts in alternatives(db, words).items():
            new |= not tried[word].issuperset(alts)
            tried[word].update(alts)
        if not new:
            continue  # nothing that the stage before did not look for
        found = {w: sorted(alts - {w}) for w, alts in tried.items() if len(alts) > 1}
        if one_name and len(words) == 1 and len(name_tokens(query)) == 1:
            # As for the exact prefix: names in use first, from the sort index.
            ids = _more_in_use(db, ids, found[words[0]], limit)
        if len(ids) < limit:
            # Only those the exact words did not find: they are on the page already.
            ids = _more_ids(db, ids, f"({fts_query(query, found)}) NOT ({exact})", "",
                            limit, disjoint=True)
    return ids


def _more_in_use(db: Connection, ids: list[str], names: list[str], limit: int) -> list[str]:
    """``ids`` followed by the patients whose name in use is one of ``names`` (whole
    words), in alphabetical order, up to ``limit``."""
    parts, params = [], {"limit": limit + len(ids)}
    for i, name in enumerate(names):
        parts.append(f"SELECT * FROM (SELECT p.id, p.sort_key FROM patient p "
                     f"INDEXED BY ix_patient_sort_live "
                     f"WHERE p.sort_key >= :lo{i} AND p.sort_key < :hi{i} "
                     f"AND p.deleted_at IS NULL ORDER BY p.sort_key LIMIT :limit)")
        params[f"lo{i}"], params[f"hi{i}"] = name + " ", name + " \uffff"
    more = [r[0] for r in db.execute(" UNION ALL ".join(parts) + " ORDER BY 2 LIMIT :limit",
                                     params)]
    taken = set(ids)
    return (ids + [i for i in dict.fromkeys(more) if i not in taken])[:limit]


def _more_ids(db: Connection, ids: list[str], match: str, first: str,
              limit: int, *, disjoint: bool = False) -> list[str]:
    """``ids`` followed by the other patients matching ``match``, up to ``limit``;
    ``disjoint``: ``match`` finds none of ``ids``."""
    taken = set(ids)
    more = db.execute(_MATCH_IDS_SQL, {
        "match": match, "first": first,
        "limit": limit - len(ids) if disjoint else limit + len(ids)})
    return (ids + [i for (i,) in more if i not in taken])[:limit]


# Alternatives per typed word: enough for the spellings of one sound, few enough to
# keep the index query short.
MAX_ALTERNATIVES = 16


def _sounding_alike(db: Connection, words: list[str]) -> dict[str, list[str]]:
    """Words of the index with the French phonetic key of each typed word; a key of four
    sounds or more also stands for the keys it begins ("fili" finds PHILIPPE)."""
    parts, params = [], {"limit": MAX_ALTERNATIVES}
    for i, word in enumerate(words):
        key = phonetic_key(word)
        if not key:
            continue
        # Not much longer: "martinbailly" (Martin-Bailly) is found by its own words.
        high, longest = (key + "~", len(key) + 2) if len(key) >= 4 else (key, len(key))
        parts.append(f"SELECT * FROM (SELECT {i}, word FROM patient_search_word "
                     f"INDEXED BY ix_patient_search_word_sound WHERE sound >= :lo{i} "
                     f"AND sound <= :hi{i} AND length(sound) <= :longest{i} "
                     f"ORDER BY sound, word LIMIT :limit)")
        params.update({f"lo{i}": key, f"hi{i}": high, f"longest{i}": longest})
    found: dict[str, list[str]] = {}
    if parts:  # one statement for every word
        for i, alt in db.execute(" UNION ALL ".join(parts), params):
            if not alt.startswith(words[i]):  # else the prefix typed finds it already
                found.setdefault(words[i], []).append(alt)
    return found


def _one_letter_off(db: Connection, words: list[str]) -> dict[str, list[str]]:
    """Words of the index one letter missing, extra, wrong or swapped from a typed word
    that is not itself a name of the practice (then it is no typo)."""
    found: dict[str, list[str]] = {}
    for word in words:
        if not MIN_TYPO_WORD <= len(word) <= MAX_TYPO_WORD:
            continue
        near = [r[0] for r in db.execute(_VARIANT_SQL, {
            "variants": json.dumps(sorted(one_letter_off(word))),
            "limit": 4 * MAX_ALTERNATIVES})]
        if word in near:
            continue
        alts = [w for w in near if not w.startswith(word) and within_one_edit(word, w)]
        if alts:
            found[word] = alts[:MAX_ALTERNATIVES]
    return found


def _contact_name(session: Session, contact_id: str | None) -> str:
    contact = session.get(Contact, contact_id) if contact_id else None
    if contact is None or contact.deleted_at is not None:
        return ""
    return contact.display_name


def _check_contact(session: Session, contact_id: str | None) -> None:
    if contact_id is None:
        return
    contact = session.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise ValidationError({"referring_contact_id": _(
            "This contact is no longer in the directory; choose another one.")})


_COLUMNS = """p.id, p.birth_name, p.used_name, p.first_names, p.birth_date, p.city, p.alert,
  p.sex, p.civility,
  (SELECT ph.e164 FROM patient_phone ph WHERE ph.patient_id = p.id AND ph.deleted_at IS NULL
   ORDER BY ph.position LIMIT 1) AS phone"""

_LIST_SQL = f"""SELECT {_COLUMNS} FROM patient p WHERE p.deleted_at IS NULL
ORDER BY p.sort_key LIMIT :limit"""

def _birth_year(words: list[str]) -> int | None:
    if len(words) == 1 and len(words[0]) == 4 and words[0].isdigit() and words[0][0] in "12":
        return int(words[0])
    return None


_YEAR_IDS_SQL = """SELECT p.id FROM patient p INDEXED BY ix_patient_birth_sort
WHERE p.birth_date >= :lo AND p.birth_date < :hi AND p.deleted_at IS NULL
ORDER BY p.sort_key LIMIT :limit"""

_PREFIX_IDS_SQL = """SELECT p.id FROM patient p INDEXED BY ix_patient_sort_live
WHERE p.sort_key >= :lo AND p.sort_key < :hi AND p.deleted_at IS NULL
ORDER BY p.sort_key LIMIT :limit"""

# The FTS index narrows the rows (no LIKE scan); ids and sort keys come from a covering
# index, so only the final page of rows is read in full. Exact surname first.
_MATCH_IDS_SQL = """SELECT p.id
FROM patient_search s
JOIN patient_search_key k ON k.rowid = s.rowid
JOIN patient p INDEXED BY ix_patient_search_cover ON p.id = k.patient_id
WHERE patient_search MATCH :match AND p.deleted_at IS NULL
ORDER BY (p.sort_key = :first OR substr(p.sort_key, 1, length(:first) + 1) = :first || ' ') DESC,
         p.sort_key
LIMIT :limit"""

# Every column a result row shows is in the search's covering index, and the first
# phone in ix_patient_phone_first: a page of results reads two indexes small enough to
# stay in the page cache, never the wide patient and phone rows (schema 0019).
_ROWS_SQL = f"""SELECT {_COLUMNS} FROM patient p INDEXED BY ix_patient_search_cover
WHERE p.id IN (SELECT value FROM json_each(?))"""

_PHONE_ORDER_SQL = """SELECT ph.patient_id FROM patient_phone ph INDEXED BY ix_patient_phone_e164
JOIN patient p INDEXED BY ix_patient_search_cover ON p.id = ph.patient_id AND p.deleted_at IS NULL
WHERE ph.e164 >= :lo AND ph.e164 < :hi AND ph.deleted_at IS NULL
ORDER BY ph.e164, ph.patient_id LIMIT :limit"""

# The vocabulary of the index (see app/services/search_index.py), read by its keys.
_VARIANT_SQL = """SELECT DISTINCT word FROM patient_search_variant
WHERE variant IN (SELECT value FROM json_each(:variants)) LIMIT :limit"""


def _summary(row) -> PatientSummary:
    pid, birth_name, used_name, first_names, birth_date, city, alert, sex, civility, phone = row
    if isinstance(birth_date, str):
        birth_date = date.fromisoformat(birth_date)
    name = patient_display_name(birth_name, used_name, first_names, sex, civility)
    return PatientSummary(id=pid, display_name=name, birth_date=birth_date,
                          phone=display_phone(phone) if phone else "", city=city, alert=alert)
