"""The practice's directory of professional contacts ("Annuaire"): search, read, write.

Built like the patient service: validation reports every problem at once with
translatable per-field messages, every write goes through the unit of work, and the
search uses the FTS5 index (``contact_search``), never a ``LIKE '%…%'`` scan.

Index terms for one contact: folded words of its name, first name, organisation and
specialty (searched by prefix), ``_p``/``_l`` terms for its phone, second phone and
fax, exactly as for patients (see ``app.services.search_terms``), and ``_c<category>``
so that a search within one category is narrowed by the index itself.

Deleting a contact sets its tombstone and removes it from the search index. Patients
whose ``referring_contact_id`` points to it keep the link (the row is still there, so
the foreign key holds and sync sees one change only); ``reference()`` tells the patient
card the contact was removed, so it can show it as such.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from app.models.principal import Principal
from app.clock import Clock
from app.i18n import _, pgettext
from app.models import Contact, ContactCategory, Patient, contact_display_name
from app.models.text import clean_name, name_tokens, sort_key
from app.services import access
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.phones import InvalidPhone, display_phone, parse_phone
from app.services.search_index import remove_from_index, write_index
from app.services.search_terms import fts_query, index_terms
from app.storage.store import Store

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTAL = re.compile(r"^(\d{5}|)$")
MAX_RESULTS = 100
MAX_NAME = 200

# Every MSSanté address is in the mssante.fr domain (…@medecin.mssante.fr, …@ch-x.mssante.fr).
_MSSANTE_DOMAIN = ".mssante.fr"

# The three numbers of a contact: form field -> (raw column, E.164 column).
PHONE_FIELDS = {"phone": ("phone_raw", "phone_e164"), "phone2": ("phone2_raw", "phone2_e164"),
                "fax": ("fax_raw", "fax_e164")}


def category_label(value: str) -> str:
    """The category's name in the user's language ("Laboratoire", "Pharmacie"…)."""
    labels = {
        ContactCategory.GP.value: _("General practitioner"),
        ContactCategory.SPECIALIST.value: _("Specialist"),
        ContactCategory.LAB.value: _("Laboratory"),
        ContactCategory.RADIOLOGY.value: _("Radiology"),
        ContactCategory.PHARMACY.value: _("Pharmacy"),
        ContactCategory.HOSPITAL.value: _("Hospital, clinic"),
        ContactCategory.NURSE.value: _("Nurse"),
        ContactCategory.PHYSIO.value: _("Physiotherapist"),
        ContactCategory.AMBULANCE.value: _("Ambulance"),
        ContactCategory.PRACTICE.value: _("Medical practice"),
        ContactCategory.OTHER.value: pgettext("contact category", "Other"),
    }
    return labels.get(value, value)


def categories() -> list[tuple[str, str]]:
    """(value, label) of every category, in the order a form lists them."""
    return [(c.value, category_label(c.value)) for c in ContactCategory]


@dataclass
class ContactInput:
    """What a form, an import or a test hands to the service; validated there.

    Phones and fax are given as typed; they are stored as typed and in E.164.
    """

    name: str
    category: str = ContactCategory.OTHER.value
    title: str = ""
    first_name: str = ""
    organisation: str = ""
    specialty: str = ""
    phone: str = ""
    phone2: str = ""
    fax: str = ""
    email: str = ""
    mssante: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    note: str = ""


@dataclass(frozen=True)
class ContactSummary:
    id: str
    display_name: str
    category: str
    specialty: str
    phone: str  # display form of the first number
    city: str
    organisation: str = ""


@dataclass(frozen=True)
class ContactDetails:
    id: str
    version: int
    display_name: str
    category: str
    title: str
    name: str
    first_name: str
    organisation: str
    specialty: str
    phone: str  # as typed
    phone_e164: str
    phone2: str
    phone2_e164: str
    fax: str
    fax_e164: str
    email: str
    mssante: str
    address_line: str
    postal_code: str
    city: str
    note: str

    @property
    def phone_display(self) -> str:
        return display_phone(self.phone_e164) if self.phone_e164 else ""

    @property
    def phone2_display(self) -> str:
        return display_phone(self.phone2_e164) if self.phone2_e164 else ""

    @property
    def fax_display(self) -> str:
        return display_phone(self.fax_e164) if self.fax_e164 else ""


@dataclass(frozen=True)
class ContactReference:
    """What a patient card shows for its referring contact, even once it was removed."""

    id: str
    display_name: str
    removed: bool


def _clean(value: str) -> str:
    return clean_name(value)


def _terms(values: dict) -> str:
    terms = index_terms(
        names=[values["name"], values["first_name"], values["organisation"], values["specialty"]],
        phones_e164=[values[e164] for _raw, e164 in PHONE_FIELDS.values() if values[e164]],
        birth_date=None)
    return f"{terms} {_CATEGORY_TERM}{values['category']}".strip()


class DirectoryService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock) -> None:
        self._store = store
        self.principal = principal
        self._actor_id = principal.user_id
        self._clock = clock

    # -- validation ---------------------------------------------------------------
    def validate(self, data: ContactInput) -> dict:
        """Cleaned column values, or ValidationError listing every problem."""
        errors: dict[str, str] = {}
        category = (data.category or "").strip() or ContactCategory.OTHER.value
        values = {
            "category": category,
            "title": _clean(data.title),
            "name": _clean(data.name),
            "first_name": _clean(data.first_name),
            "organisation": _clean(data.organisation),
            "specialty": _clean(data.specialty),
            "email": data.email.strip(),
            "mssante": data.mssante.strip(),
            "address_line": _clean(data.address_line),
            "postal_code": data.postal_code.strip(),
            "city": _clean(data.city),
            "note": data.note.strip(),
        }
        if category not in {c.value for c in ContactCategory}:
            errors["category"] = _("Choose a category from the list.")
        if not name_tokens(values["name"]):
            errors["name"] = _("The name is required (a person's surname or an "
                               "organisation's name).")
        elif len(values["name"]) > MAX_NAME:
            errors["name"] = _("The name is limited to {n} characters.").format(n=MAX_NAME)
        for key in ("email", "mssante"):
            if values[key] and not _EMAIL.match(values[key]):
                errors[key] = _("This e-mail address is not valid.")
        if ("mssante" not in errors and values["mssante"]
                and not values["mssante"].lower().endswith(_MSSANTE_DOMAIN)):
            errors["mssante"] = _("An MSSanté address ends with “.mssante.fr”.")
        if not _POSTAL.match(values["postal_code"]):
            errors["postal_code"] = _("A French postal code has five digits.")
        for key, (raw_col, e164_col) in PHONE_FIELDS.items():
            typed = getattr(data, key).strip()
            values[raw_col], values[e164_col] = typed, ""
            if not typed:
                continue
            try:
                values[e164_col] = parse_phone(typed).e164
            except InvalidPhone:
                errors[key] = _("“{number}” is not a valid phone number.").format(number=typed)
        if errors:
            raise ValidationError(errors)
        values["sort_key"] = sort_key(values["name"], values["first_name"])
        return values

    # -- writes -------------------------------------------------------------------
    def create(self, data: ContactInput) -> ContactDetails:
        access.require(self.principal, access.DIRECTORY_EDIT)
        values = self.validate(data)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            contact = Contact(**values)
            uow.session.add(contact)
            uow.session.flush()
            write_index(uow.session, "contact", [(contact.id, _terms(values))])
            details = _details(contact)
        return details

    def update(self, contact_id: str, data: ContactInput, *,
               expected_version: int) -> ContactDetails:
        access.require(self.principal, access.DIRECTORY_EDIT)
        values = self.validate(data)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            contact = self._live(uow.session, contact_id)
            if contact.version != expected_version:
                raise ConcurrentEdit(contact_id)
            changed = False
            for key, value in values.items():
                if getattr(contact, key) != value:
                    setattr(contact, key, value)
                    changed = True
            if changed:  # an unchanged card writes nothing, not even its index
                uow.session.flush()
                write_index(uow.session, "contact", [(contact.id, _terms(values))])
            details = _details(contact)
        return details

    def delete(self, contact_id: str, *, expected_version: int | None = None) -> None:
        """Tombstone the contact and forget its search terms.

        Patients referring to it keep the link; ``reference()`` reports it as removed.
        """
        access.require(self.principal, access.DIRECTORY_EDIT)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            contact = self._live(uow.session, contact_id)
            if expected_version is not None and contact.version != expected_version:
                raise ConcurrentEdit(contact_id)
            contact.deleted_at = uow.now
            uow.session.flush()
            remove_from_index(uow.session, "contact", [contact_id])

    def create_many(self, rows: list[ContactInput], *, uow=None) -> list[str]:
        """Validated bulk creation in one transaction (demo data, imports); the new ids,
        in the order of ``rows``. Nothing is written if any row is invalid."""
        access.require(self.principal, access.DIRECTORY_EDIT)
        prepared = [self.validate(r) for r in rows]
        scope = nullcontext(uow) if uow is not None else self._store.unit_of_work(
            actor_id=self._actor_id)
        with scope as uow:
            ids = uow.bulk_insert(Contact, prepared)
            write_index(uow.session, "contact",
                        [(cid, _terms(values)) for cid, values in zip(ids, prepared)])
        return ids

    @staticmethod
    def _live(session: Session, contact_id: str) -> Contact:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.deleted_at is not None:
            raise NotFound(contact_id)
        return contact

    # -- reads --------------------------------------------------------------------
    def get(self, contact_id: str) -> ContactDetails:
        """The full card (a professional's details, not patient data: not audited)."""
        access.require(self.principal, access.DIRECTORY_READ)
        with self._store.reader() as s:
            return _details(self._live(s, contact_id))

    def reference(self, contact_id: str) -> ContactReference:
        """Name and state of a contact a patient refers to, removed or not."""
        access.require(self.principal, access.DIRECTORY_READ)
        with self._store.reader() as s:
            contact = s.get(Contact, contact_id)
            if contact is None:
                raise NotFound(contact_id)
            return ContactReference(contact.id, contact.display_name,
                                    contact.deleted_at is not None)

    def referring_patients(self, contact_id: str) -> int:
        """How many current patients name this contact as their referring doctor."""
        access.require(self.principal, access.DIRECTORY_READ)
        with self._store.reader() as s:
            return s.execute(select(func.count()).select_from(Patient).where(
                Patient.referring_contact_id == contact_id,
                Patient.deleted_at.is_(None))).scalar_one()

    def count(self, *, category: str | None = None) -> int:
        access.require(self.principal, access.DIRECTORY_READ)
        with self._store.reader() as s:
            q = select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None))
            if category:
                q = q.where(Contact.category == category)
            return s.execute(q).scalar_one()

    def search(self, query: str, *, category: str | None = None,
               limit: int = MAX_RESULTS) -> list[ContactSummary]:
        """Type-ahead search; an empty query lists contacts in alphabetical order.

        Ranking as for patients: for one word, contacts whose name starts with it come
        first (so "martin" lists MARTIN before MARTINEZ), for several words the exact
        name first; then every other match (first names, organisations, specialties,
        phones), each group in alphabetical order (equal names in the order of their
        ids). ``category`` keeps only the contacts of that category.
        """
        access.require(self.principal, access.DIRECTORY_READ)
        match = fts_query(query)
        if (match is None and query.strip()) or (
                category is not None and category not in _CATEGORIES):
            return []
        params = {"limit": limit, "category": category}
        with self._store.reader() as s:
            if match is None:
                sql = _LIST_SQL if category is None else _LIST_CATEGORY_SQL
                return [_summary(r) for r in s.execute(text(sql), params)]
            ids: list[str] = []
            words = query.split()
            tokens = [t for t in name_tokens(query) if not t.isdigit()]
            lo = hi = ""
            if len(words) == 1 and tokens and not any(ch.isdigit() for ch in words[0]):
                # One name prefix, the broad first keystrokes: the names starting with
                # it, walked from the sort index (of the category) up to the limit.
                prefix = " ".join(tokens)
                walk = _PREFIX_IDS_SQL if category is None else _PREFIX_CATEGORY_IDS_SQL
                ids = list(s.execute(text(walk), {**params, "lo": prefix,
                                                  "hi": prefix + "\uffff"}).scalars())
                # They are all the first group: the other matches follow in name order.
            elif tokens:
                lo, hi = tokens[0], tokens[0] + " \uffff"  # several words: exact name first
            if len(ids) < limit:
                if category is not None:
                    match = f'({match}) AND "{_CATEGORY_TERM}{category}"'
                taken = set(ids)
                more = _match_ids(s, match, lo=lo, hi=hi, category=category,
                                  limit=limit + len(ids))
                ids.extend(i for i in more if i not in taken)
                ids = ids[:limit]
            if not ids:
                return []
            rows = {r[0]: r for r in s.execute(
                text(_ROWS_SQL).bindparams(bindparam("ids", expanding=True)), {"ids": ids})}
        return [_summary(rows[i]) for i in ids if i in rows]


def _match_ids(s: Session, match: str, *, lo: str, hi: str, category: str | None,
               limit: int) -> list[str]:
    """Ids of the contacts matching ``match``: those whose sort key is in [lo, hi)
    first, then the others, each group in (sort key, id) order; at most ``limit``.

    Up to ``_SORT_AT_MOST`` matches are sorted whole (ids and sort keys from a covering
    index). More (a specialty word such as "médecine", a common first-name prefix) are
    taken by walking the sort index (of the category) in order, keeping the rows the
    search index holds, until the limit: a few thousand index entries read instead of
    thousands of matches sorted. A walk that finds too few within ``_WALK_AT_MOST``
    rows leaves the answer to the sort.
    """
    params = {"match": match, "lo": lo, "hi": hi, "limit": limit}
    if not s.execute(text(_MANY_SQL), {"match": match, "cap": _SORT_AT_MOST + 1}).scalar_one():
        return list(s.execute(text(_MATCH_IDS_SQL), params).scalars())
    walk = {**params, "category": category, "scan": _WALK_AT_MOST}
    ids: list[str] = []
    if lo:
        # The first group whole (no bound: it only holds the names sharing one word),
        # so that nothing of it is left for after the others.
        ids = list(s.execute(text(_WALK_SQL[category is not None, True]),
                             {**walk, "scan": -1}).scalars())
    if len(ids) < limit:
        taken = set(ids)
        more = s.execute(text(_WALK_SQL[category is not None, False]),
                         {**walk, "limit": limit + len(ids)}).scalars()
        ids.extend(i for i in more if i not in taken)
    if len(ids) >= limit:
        return ids[:limit]
    # Too few within the walk (matches far down the alphabet): sort them all.
    return list(s.execute(text(_MATCH_IDS_SQL), params).scalars())


def _details(c: Contact) -> ContactDetails:
    return ContactDetails(
        id=c.id, version=c.version, display_name=c.display_name, category=c.category,
        title=c.title, name=c.name, first_name=c.first_name, organisation=c.organisation,
        specialty=c.specialty, phone=c.phone_raw, phone_e164=c.phone_e164,
        phone2=c.phone2_raw, phone2_e164=c.phone2_e164, fax=c.fax_raw, fax_e164=c.fax_e164,
        email=c.email, mssante=c.mssante, address_line=c.address_line,
        postal_code=c.postal_code, city=c.city, note=c.note)


_CATEGORIES = frozenset(c.value for c in ContactCategory)
# The category is indexed as "_c<value>": the underscore never comes from typed words.
_CATEGORY_TERM = "_c"
# Up to this many matches, sorting them all is cheaper than walking the sort index.
_SORT_AT_MOST = 2_000
# Rows of the sort index a walk looks at before leaving the answer to the sort.
_WALK_AT_MOST = 8_000

_COLUMNS = """c.id, c.title, c.name, c.first_name, c.category, c.specialty, c.city,
  c.organisation, CASE WHEN c.phone_e164 != '' THEN c.phone_e164 ELSE c.phone2_e164 END"""

# Current contacts in name order: ix_contact_live_sort (deleted_at, sort_key, id) and,
# within one category, ix_contact_category_sort (category, deleted_at, sort_key, id).
_LIST_SQL = f"""SELECT {_COLUMNS} FROM contact c INDEXED BY ix_contact_live_sort
WHERE c.deleted_at IS NULL ORDER BY c.sort_key, c.id LIMIT :limit"""

_LIST_CATEGORY_SQL = f"""SELECT {_COLUMNS} FROM contact c INDEXED BY ix_contact_category_sort
WHERE c.category = :category AND c.deleted_at IS NULL
ORDER BY c.sort_key, c.id LIMIT :limit"""

_PREFIX_IDS_SQL = """SELECT c.id FROM contact c INDEXED BY ix_contact_live_sort
WHERE c.deleted_at IS NULL AND c.sort_key >= :lo AND c.sort_key < :hi
ORDER BY c.sort_key, c.id LIMIT :limit"""

_PREFIX_CATEGORY_IDS_SQL = """SELECT c.id FROM contact c INDEXED BY ix_contact_category_sort
WHERE c.category = :category AND c.deleted_at IS NULL AND c.sort_key >= :lo
  AND c.sort_key < :hi
ORDER BY c.sort_key, c.id LIMIT :limit"""

# More than :cap - 1 matches? Counted no further than :cap.
_MANY_SQL = """SELECT count(*) >= :cap FROM (
  SELECT 1 FROM contact_search WHERE contact_search MATCH :match LIMIT :cap)"""

# The FTS index narrows the rows (no LIKE scan); ids and sort keys come from a covering
# index, so only the final page of rows is read in full. The first group (names starting
# with the word typed, or the exact name) first, then alphabetical.
_MATCH_IDS_SQL = """SELECT c.id
FROM contact_search s
JOIN contact_search_key k ON k.rowid = s.rowid
JOIN contact c INDEXED BY ix_contact_search_cover ON c.id = k.contact_id
WHERE contact_search MATCH :match AND c.deleted_at IS NULL
ORDER BY (c.sort_key >= :lo AND c.sort_key < :hi) DESC, c.sort_key, c.id
LIMIT :limit"""


def _walk_sql(*, in_category: bool, in_range: bool) -> str:
    """Walk the sort index (of one category; within [lo, hi)) in order, at most :scan
    rows (-1: no bound), keeping those among the matches (a set built once from the
    FTS index)."""
    index, where = (("ix_contact_category_sort", "c.category = :category AND ")
                    if in_category else ("ix_contact_live_sort", ""))
    where += "c.deleted_at IS NULL"
    if in_range:
        where += " AND c.sort_key >= :lo AND c.sort_key < :hi"
    return f"""SELECT id FROM (
  SELECT c.id, c.sort_key, k.rowid AS search_rowid FROM contact c INDEXED BY {index}
  JOIN contact_search_key k ON k.contact_id = c.id
  WHERE {where} ORDER BY c.sort_key, c.id LIMIT :scan)
WHERE search_rowid IN (SELECT rowid FROM contact_search WHERE contact_search MATCH :match)
ORDER BY sort_key, id LIMIT :limit"""


# (within one category, within [lo, hi)) -> SQL
_WALK_SQL = {(c, r): _walk_sql(in_category=c, in_range=r)
             for c in (False, True) for r in (False, True)}

_ROWS_SQL = f"SELECT {_COLUMNS} FROM contact c WHERE c.id IN :ids"


def _summary(row) -> ContactSummary:
    cid, title, name, first_name, category, specialty, city, organisation, phone = row
    return ContactSummary(id=cid, display_name=contact_display_name(title, name, first_name),
                          category=category, specialty=specialty,
                          phone=display_phone(phone) if phone else "", city=city,
                          organisation=organisation)
