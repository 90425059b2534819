"""Possible duplicates (homonyms, shared phone numbers) and reversible merges of two cards.

Two live cards are *possible duplicates* when they share an ``identity_key`` (folded
birth name, first first name and birth date) or a phone number (E.164). A user may
dismiss a pair as "not duplicates"; the dismissal is a syncable row.

A merge keeps one card, copies onto it the fields the user chose from the other one,
adds the other card's phone numbers it lacks, moves every link (phones today;
appointments, calls and messages register their own ``LinkMover``) and tombstones the
other card with ``merged_into_id``. A ``PatientMerge`` row remembers the kept card's
values before and each moved link, so the merge can be undone exactly, as long as the
kept card was not edited since. Each merge or undo is one unit of work.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import groupby

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from app.models.principal import Principal
from app.clock import Clock
from app.i18n import _
from app.models import DuplicateDismissal, Patient, PatientMerge, PatientPhone
from app.models.base import BOOKKEEPING, Syncable
from app.models.patient import patient_display_name, patient_identity_key
from app.models.text import sort_key
from app.services import access
from app.services.dates import InvalidDate, parse_french_date
from app.services.errors import ConcurrentEdit, NotFound, ServiceError
from app.services.patients import PatientDetails, PatientInput, PhoneView, patient_card
from app.services.phones import InvalidPhone, display_phone, parse_phone
from app.services.search_index import remove_from_index, write_index
from app.services.search_terms import index_terms
from app.storage.store import Store

SAME_IDENTITY = "same_identity"
SAME_PHONE = "same_phone"

KEPT = "kept"
MERGED = "merged"

# The card's fields as the merge dialog offers them: one choice per entry, some
# entries covering several columns that only make sense together.
MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "civility": ("civility",),
    "birth_name": ("birth_name",),
    "used_name": ("used_name",),
    "first_names": ("first_names",),
    "birth_date": ("birth_date",),
    "sex": ("sex",),
    "email": ("email",),
    "email_other": ("email_other",),
    "address": ("address_line", "postal_code", "city"),
    "referring_doctor": ("referring_doctor", "referring_contact_id"),
    "preferred_channel": ("preferred_channel",),
    "call_hours": ("call_not_before", "call_not_after"),
    "reminder_consent": ("reminder_consent",),
    "alert": ("alert",),
    "admin_note": ("admin_note",),
}

# Columns recomputed from the others, and the merge's own bookkeeping.
DERIVED_COLUMNS = ("sort_key", "identity_key")
_NOT_CARD = {"id", "deleted_at", "merged_into_id", "erased_at", *BOOKKEEPING}

# A number shared by more cards than this is a switchboard (nursing home, school), not
# a sign of a duplicate: it would list every pair of its residents.
MAX_PHONE_GROUP = 10
MAX_IDENTITY_GROUP = 50
MAX_SIMILAR = 20


def card_columns() -> list[str]:
    """Every column of a card that a merge may change and an undo restores."""
    return [a.key for a in inspect(Patient).column_attrs if a.key not in _NOT_CARD]


# -- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarPatient:
    """An existing card that looks like the one being typed, and why."""

    id: str
    display_name: str
    birth_date: date | None
    phone: str  # the first number, for display
    city: str
    reasons: tuple[str, ...]  # SAME_IDENTITY and/or SAME_PHONE


@dataclass(frozen=True)
class PairSide:
    id: str
    display_name: str
    birth_date: date | None
    phones: tuple[str, ...]  # for display, in the card's order
    city: str
    sort_key: str


@dataclass(frozen=True)
class DuplicatePair:
    """``a`` is the older card (ids are time-ordered): the one kept by default."""

    a: PairSide
    b: PairSide
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MergePreview:
    kept: PatientDetails
    merged: PatientDetails
    differing: tuple[str, ...]  # MERGE_FIELDS keys where the two cards differ
    phones_added: tuple[PhoneView, ...]  # the merged card's numbers the kept one lacks
    moves: dict[str, int]  # entity -> how many rows will move to the kept card


@dataclass(frozen=True)
class MergeResult:
    merge_id: str
    kept: PatientDetails
    merged_id: str
    changed_fields: tuple[str, ...]
    moved: dict[str, int]


@dataclass(frozen=True)
class UndoResult:
    merge_id: str
    kept: PatientDetails
    restored: PatientDetails


@dataclass(frozen=True)
class MergeInfo:
    id: str
    at: datetime
    kept_id: str
    merged_id: str
    kept_name: str
    merged_name: str
    undone_at: datetime | None
    can_undo: bool


class MergeRefused(ServiceError):
    """A merge or an undo that cannot be done; nothing was written. ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def user_message(self) -> str:
        messages = {
            "same_card": _("A card cannot be merged with itself."),
            "card_gone": _("One of the two cards no longer exists (deleted or already merged). "
                           "Reload the list."),
            "already_undone": _("This merge has already been undone."),
            "kept_gone": _("The kept card was itself merged or deleted since. Undo that "
                           "first."),
            "merged_restored": _("The merged card is no longer part of this merge."),
            "kept_edited": _("The kept card was changed after the merge: undoing it would "
                             "lose those changes. Correct the cards by hand instead."),
        }
        return messages.get(self.code, _("This merge cannot be done."))


# -- links ------------------------------------------------------------------------------


class LinkMover:
    """Moves the rows of ``model`` pointing at the merged card (``column``) to the kept one.

    Each moved row is recorded as ``{"entity", "id", "before": {column: old value}}``
    so an undo puts back exactly those values.
    """

    def __init__(self, model: type[Syncable], column: str) -> None:
        self.model = model
        self.column = column

    @property
    def entity(self) -> str:
        return self.model.__sync_entity__

    def planned(self, session: Session, *, kept_id: str, merged_id: str) -> list:
        col = getattr(self.model, self.column)
        return list(session.execute(
            select(self.model).where(col == merged_id, self.model.deleted_at.is_(None))
        ).scalars())

    def move(self, session: Session, *, kept_id: str, merged_id: str) -> list[dict]:
        moved = []
        for row in self.planned(session, kept_id=kept_id, merged_id=merged_id):
            moved.append({"entity": self.entity, "id": row.id,
                          "before": {self.column: getattr(row, self.column)}})
            setattr(row, self.column, kept_id)
        return moved


class PhoneMover(LinkMover):
    """Phones: the union of both cards, without repeating a number (by E.164).

    A number the kept card already has stays on the merged (tombstoned) card.
    """

    def __init__(self) -> None:
        super().__init__(PatientPhone, "patient_id")

    def planned(self, session: Session, *, kept_id: str, merged_id: str) -> list:
        have = {p.e164 for p in _live_phones(session, kept_id)}
        rows = []
        for row in _live_phones(session, merged_id):
            if row.e164 not in have:
                have.add(row.e164)
                rows.append(row)
        return rows

    def move(self, session: Session, *, kept_id: str, merged_id: str) -> list[dict]:
        positions = [p.position for p in _live_phones(session, kept_id)]
        next_pos = max(positions) + 1 if positions else 0
        moved = []
        for row in self.planned(session, kept_id=kept_id, merged_id=merged_id):
            moved.append({"entity": self.entity, "id": row.id,
                          "before": {"patient_id": row.patient_id, "position": row.position}})
            row.patient_id, row.position = kept_id, next_pos
            next_pos += 1
        return moved


LINK_MOVERS: list[LinkMover] = [PhoneMover()]


def register_link_mover(mover: LinkMover) -> None:
    """For features whose rows point at a patient (appointments, calls, messages)."""
    if all(m.entity != mover.entity for m in LINK_MOVERS):
        LINK_MOVERS.append(mover)


def _live_phones(session: Session, patient_id: str) -> list[PatientPhone]:
    return list(session.execute(
        select(PatientPhone).where(PatientPhone.patient_id == patient_id,
                                   PatientPhone.deleted_at.is_(None))
        .order_by(PatientPhone.position)
    ).scalars())


# -- values kept for an undo --------------------------------------------------------------


def _encode(value):
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def _decode(column: str, value):
    if value is None:
        return None
    kind = inspect(Patient).columns[column].type.python_type
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    return value


def _fingerprint(session: Session, patient: Patient) -> dict:
    """What an edit of the card would change: its version and its phone rows' versions."""
    session.flush()
    return {"version": patient.version,
            "phones": sorted([p.id, p.version] for p in _live_phones(session, patient.id))}


def _reindex(session: Session, patient: Patient) -> None:
    phones = [p.e164 for p in _live_phones(session, patient.id)]
    terms = index_terms(names=[patient.birth_name, patient.used_name, patient.first_names],
                        phones_e164=phones, birth_date=patient.birth_date)
    write_index(session, "patient", [(patient.id, terms)])


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _details(session: Session, patient: Patient) -> PatientDetails:
    # The same card the patient service shows, read in this unit of work.
    # Merging is for roles that read the administrative note (app.services.access).
    return patient_card(session, patient, with_note=True)


# -- SQL ------------------------------------------------------------------------------------

# Duplicated keys from a walk of ix_patient_identity_key (no table read), then their cards.
_IDENTITY_PAIRS_SQL = """SELECT p.identity_key, p.id, p.sort_key FROM patient p
WHERE p.deleted_at IS NULL AND p.identity_key IN (
  SELECT identity_key FROM patient
  WHERE identity_key > '' AND deleted_at IS NULL
  GROUP BY identity_key HAVING count(*) > 1)
ORDER BY p.identity_key, p.id"""

_PHONE_PAIRS_SQL = """SELECT DISTINCT ph.e164, p.id, p.sort_key
FROM patient_phone ph JOIN patient p ON p.id = ph.patient_id
WHERE ph.deleted_at IS NULL AND p.deleted_at IS NULL AND ph.e164 IN (
  SELECT e164 FROM patient_phone WHERE deleted_at IS NULL
  GROUP BY e164 HAVING min(patient_id) <> max(patient_id))
ORDER BY ph.e164, p.id"""


class DuplicateService:
    def __init__(self, store: Store, *, principal: Principal, clock: Clock) -> None:
        self._store = store
        self.principal = principal
        self._actor_id = principal.user_id
        self._clock = clock

    # -- while typing a card ----------------------------------------------------------
    def similar(self, data: PatientInput, *, exclude_id: str | None = None,
                limit: int = MAX_SIMILAR) -> list[SimilarPatient]:
        """Live cards with the same identity as ``data``, or one of its phone numbers.

        Lenient: a half-typed card (no valid birth date yet, a wrong number) is probed
        on what is already valid.
        """
        access.require(self.principal, access.PATIENTS_READ)
        key, numbers = self._probe(data)
        if not key and not numbers:
            return []
        reasons: dict[str, list[str]] = {}
        with self._store.reader() as s:
            if key:
                stmt = select(Patient.id).where(Patient.identity_key == key,
                                                Patient.deleted_at.is_(None))
                if exclude_id:
                    stmt = stmt.where(Patient.id != exclude_id)
                for pid in s.execute(stmt.limit(limit)).scalars():
                    reasons.setdefault(pid, []).append(SAME_IDENTITY)
            if numbers:
                stmt = (select(PatientPhone.patient_id).distinct()
                        .join(Patient, Patient.id == PatientPhone.patient_id)
                        .where(PatientPhone.e164.in_(numbers), PatientPhone.deleted_at.is_(None),
                               Patient.deleted_at.is_(None)))
                if exclude_id:
                    stmt = stmt.where(PatientPhone.patient_id != exclude_id)
                for pid in s.execute(stmt.limit(limit)).scalars():
                    reasons.setdefault(pid, []).append(SAME_PHONE)
            sides = _sides(s, list(reasons))
        found = [SimilarPatient(id=pid, display_name=side.display_name,
                                birth_date=side.birth_date,
                                phone=side.phones[0] if side.phones else "", city=side.city,
                                reasons=tuple(reasons[pid]))
                 for pid, side in sides.items()]
        found.sort(key=lambda r: (-len(r.reasons), r.reasons[0] != SAME_IDENTITY,
                                  sides[r.id].sort_key, r.id))
        return found[:limit]

    def _probe(self, data: PatientInput) -> tuple[str, list[str]]:
        birth = data.birth_date
        if isinstance(birth, str):
            try:
                birth = (parse_french_date(birth.strip(), today=self._clock.now().date())
                         if birth.strip() else None)
            except InvalidDate:
                birth = None
        key = patient_identity_key(data.birth_name, data.first_names,
                                   birth if isinstance(birth, date) else None)
        numbers = []
        for entry in data.phones:
            if entry.number.strip():
                try:
                    numbers.append(parse_phone(entry.number).e164)
                except InvalidPhone:
                    pass
        return key, list(dict.fromkeys(numbers))

    # -- the list of possible duplicates ------------------------------------------------
    def list_pairs(self, limit: int = 500) -> list[DuplicatePair]:
        """Pairs of live cards sharing an identity or a number, not dismissed.

        Cards sharing both come first, then homonyms, then shared numbers; each group
        in name order.
        """
        access.require(self.principal, access.PATIENTS_MERGE)
        with self._store.reader() as s:
            dismissed = set(map(tuple, s.execute(
                select(DuplicateDismissal.patient_a, DuplicateDismissal.patient_b)
                .where(DuplicateDismissal.deleted_at.is_(None)))))
            reasons: dict[tuple[str, str], list[str]] = {}
            keys: dict[str, str] = {}
            for reason, sql, cap in ((SAME_IDENTITY, _IDENTITY_PAIRS_SQL, MAX_IDENTITY_GROUP),
                                     (SAME_PHONE, _PHONE_PAIRS_SQL, MAX_PHONE_GROUP)):
                rows = s.execute(text(sql)).all()
                for _value, group in groupby(rows, key=lambda r: r[0]):
                    members = list(group)
                    if not 1 < len(members) <= cap:
                        continue
                    for i, (_v, a, key_a) in enumerate(members):
                        keys[a] = key_a
                        for _v2, b, key_b in members[i + 1:]:
                            keys[b] = key_b
                            pair = _ordered(a, b)
                            if pair not in dismissed:
                                got = reasons.setdefault(pair, [])
                                if reason not in got:
                                    got.append(reason)
            ranked = sorted(reasons.items(), key=lambda item: (
                -len(item[1]), item[1][0] != SAME_IDENTITY, keys[item[0][0]], keys[item[0][1]],
                item[0]))[:limit]
            sides = _sides(s, list({pid for pair, _r in ranked for pid in pair}))
        return [DuplicatePair(sides[a], sides[b], tuple(r)) for (a, b), r in ranked
                if a in sides and b in sides]

    def dismiss(self, a: str, b: str) -> None:
        """Remember that these two cards are different people."""
        access.require(self.principal, access.PATIENTS_MERGE)
        if a == b:
            raise MergeRefused("same_card")
        first, second = _ordered(a, b)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            for pid in (first, second):
                if s.get(Patient, pid) is None:
                    raise NotFound(pid)
            exists = s.execute(select(DuplicateDismissal.id).where(
                DuplicateDismissal.patient_a == first, DuplicateDismissal.patient_b == second,
                DuplicateDismissal.deleted_at.is_(None))).first()
            if exists is None:
                s.add(DuplicateDismissal(patient_a=first, patient_b=second))

    # -- merging --------------------------------------------------------------------------
    def preview(self, *, kept_id: str, merged_id: str) -> MergePreview:
        """Both cards side by side, and what a merge would move. An audited read of both."""
        access.require(self.principal, access.PATIENTS_MERGE)
        if kept_id == merged_id:
            raise MergeRefused("same_card")
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            kept, merged = _live_pair(s, kept_id, merged_id)
            differing = tuple(f for f, cols in MERGE_FIELDS.items()
                              if any(getattr(kept, c) != getattr(merged, c) for c in cols))
            added = tuple(PhoneView(p.kind, p.raw, p.e164)
                          for p in PhoneMover().planned(s, kept_id=kept_id, merged_id=merged_id))
            moves = {m.entity: len(m.planned(s, kept_id=kept_id, merged_id=merged_id))
                     for m in LINK_MOVERS}
            for pid in (kept_id, merged_id):
                uow.audit("read", Patient.__sync_entity__, pid)
            return MergePreview(kept=_details(s, kept), merged=_details(s, merged),
                                differing=differing, phones_added=added, moves=moves)

    def merge(self, *, kept_id: str, merged_id: str, choices: dict[str, str],
              expected_versions: tuple[int, int]) -> MergeResult:
        """Merge ``merged_id`` into ``kept_id``; ``choices[field]`` is KEPT or MERGED.

        A field left out of ``choices`` keeps the kept card's value.
        """
        access.require(self.principal, access.PATIENTS_MERGE)
        if kept_id == merged_id:
            raise MergeRefused("same_card")
        unknown = set(choices) - set(MERGE_FIELDS)
        if unknown:
            raise ValueError(f"unknown merge fields: {sorted(unknown)}")
        if any(v not in (KEPT, MERGED) for v in choices.values()):
            raise ValueError("a merge choice is 'kept' or 'merged'")
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            kept, merged = _live_pair(s, kept_id, merged_id)
            for patient, expected in zip((kept, merged), expected_versions):
                if patient.version != expected:
                    raise ConcurrentEdit(patient.id)
            before = {c: _encode(getattr(kept, c)) for c in card_columns()}
            changed = []
            for fld, columns in MERGE_FIELDS.items():
                if choices.get(fld, KEPT) != MERGED:
                    continue
                for c in columns:
                    if getattr(kept, c) != getattr(merged, c):
                        setattr(kept, c, getattr(merged, c))
                        if fld not in changed:
                            changed.append(fld)
            _refresh_derived(kept)
            moved: list[dict] = []
            for mover in LINK_MOVERS:
                moved.extend(mover.move(s, kept_id=kept_id, merged_id=merged_id))
            merged.deleted_at = uow.now
            merged.merged_into_id = kept_id
            s.flush()
            remove_from_index(s, "patient", [merged_id])
            _reindex(s, kept)
            record = PatientMerge(
                kept_id=kept_id, merged_id=merged_id,
                kept_before=json.dumps(before, ensure_ascii=False, sort_keys=True),
                moved_links=json.dumps({"links": moved, "kept_after": _fingerprint(s, kept)},
                                       sort_keys=True))
            s.add(record)
            s.flush()
            counts = _counts(moved)
            detail = f"merge={record.id} kept={kept_id} merged={merged_id} links={len(moved)}"
            for pid in (kept_id, merged_id):
                uow.audit("merge", Patient.__sync_entity__, pid, detail)
            details = _details(s, kept)
        return MergeResult(merge_id=record.id, kept=details, merged_id=merged_id,
                           changed_fields=tuple(changed), moved=counts)

    def undo_merge(self, merge_id: str) -> UndoResult:
        """Put both cards back as they were before the merge."""
        access.require(self.principal, access.PATIENTS_MERGE)
        with self._store.unit_of_work(actor_id=self._actor_id) as uow:
            s = uow.session
            record = s.get(PatientMerge, merge_id)
            if record is None or record.deleted_at is not None:
                raise NotFound(merge_id)
            kept, merged, links = _undo_check(s, record)
            before = json.loads(record.kept_before)
            for column, value in before.items():
                value = _decode(column, value)
                if getattr(kept, column) != value:
                    setattr(kept, column, value)
            models = {m.entity: m.model for m in LINK_MOVERS}
            for link in links["links"]:
                row = s.get(models[link["entity"]], link["id"])
                if row is None:
                    continue
                for attr, value in link["before"].items():
                    if getattr(row, attr) != value:
                        setattr(row, attr, value)
            merged.deleted_at = None
            merged.merged_into_id = None
            record.undone_at = uow.now
            s.flush()
            _reindex(s, kept)
            _reindex(s, merged)
            detail = f"merge={record.id} kept={kept.id} merged={merged.id}"
            for pid in (kept.id, merged.id):
                uow.audit("unmerge", Patient.__sync_entity__, pid, detail)
            result = UndoResult(merge_id=record.id, kept=_details(s, kept),
                                restored=_details(s, merged))
        return result

    # -- history ----------------------------------------------------------------------------
    def merges_for(self, patient_id: str) -> list[MergeInfo]:
        """Merges this card took part in (kept or merged), newest first."""
        access.require(self.principal, access.PATIENTS_READ)
        with self._store.reader() as s:
            records = s.execute(
                select(PatientMerge).where(
                    (PatientMerge.kept_id == patient_id) | (PatientMerge.merged_id == patient_id),
                    PatientMerge.deleted_at.is_(None))
                .order_by(PatientMerge.created_at.desc(), PatientMerge.id.desc())).scalars()
            return _infos(s, list(records))

    def recent_merges(self, limit: int = 20) -> list[MergeInfo]:
        access.require(self.principal, access.PATIENTS_MERGE)
        with self._store.reader() as s:
            records = s.execute(
                select(PatientMerge).where(PatientMerge.deleted_at.is_(None))
                .order_by(PatientMerge.created_at.desc(), PatientMerge.id.desc())
                .limit(limit)).scalars()
            return _infos(s, list(records))


# -- helpers -------------------------------------------------------------------------------


def _refresh_derived(patient: Patient) -> None:
    key = sort_key(patient.used_name or patient.birth_name, patient.first_names)
    identity = patient_identity_key(patient.birth_name, patient.first_names, patient.birth_date)
    if patient.sort_key != key:
        patient.sort_key = key
    if patient.identity_key != identity:
        patient.identity_key = identity


def _live_pair(session: Session, kept_id: str, merged_id: str) -> tuple[Patient, Patient]:
    kept, merged = session.get(Patient, kept_id), session.get(Patient, merged_id)
    if kept is None or merged is None or kept.deleted_at or merged.deleted_at:
        raise MergeRefused("card_gone")
    return kept, merged


def _undo_check(session: Session, record: PatientMerge) -> tuple[Patient, Patient, dict]:
    """The two cards and the moved links, or MergeRefused saying why not."""
    if record.undone_at is not None:
        raise MergeRefused("already_undone")
    kept = session.get(Patient, record.kept_id)
    merged = session.get(Patient, record.merged_id)
    if kept is None or kept.deleted_at is not None:
        raise MergeRefused("kept_gone")
    if merged is None or merged.deleted_at is None or merged.merged_into_id != kept.id:
        raise MergeRefused("merged_restored")
    links = json.loads(record.moved_links)
    current = json.loads(json.dumps(_fingerprint(session, kept)))
    if current != links["kept_after"]:
        raise MergeRefused("kept_edited")
    return kept, merged, links


def _counts(moved: Iterable[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for link in moved:
        counts[link["entity"]] = counts.get(link["entity"], 0) + 1
    return counts


def _sides(session: Session, ids: list[str]) -> dict[str, PairSide]:
    """Display rows for these cards (any state), keyed by id."""
    out: dict[str, PairSide] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        phones: dict[str, list[str]] = {}
        for pid, e164 in session.execute(
                select(PatientPhone.patient_id, PatientPhone.e164)
                .where(PatientPhone.patient_id.in_(chunk), PatientPhone.deleted_at.is_(None))
                .order_by(PatientPhone.patient_id, PatientPhone.position)):
            phones.setdefault(pid, []).append(display_phone(e164))
        for row in session.execute(
                select(Patient.id, Patient.birth_name, Patient.used_name, Patient.first_names,
                       Patient.birth_date, Patient.city, Patient.sort_key, Patient.sex,
                       Patient.civility)
                .where(Patient.id.in_(chunk))):
            out[row.id] = PairSide(
                id=row.id, display_name=patient_display_name(
                    row.birth_name, row.used_name, row.first_names, row.sex, row.civility),
                birth_date=row.birth_date, phones=tuple(phones.get(row.id, ())), city=row.city,
                sort_key=row.sort_key)
    return out


def _infos(session: Session, records: list[PatientMerge]) -> list[MergeInfo]:
    sides = _sides(session, list({pid for r in records for pid in (r.kept_id, r.merged_id)}))
    infos = []
    for r in records:
        try:
            _undo_check(session, r)
            can_undo = True
        except MergeRefused:
            can_undo = False
        infos.append(MergeInfo(
            id=r.id, at=r.created_at, kept_id=r.kept_id, merged_id=r.merged_id,
            kept_name=sides[r.kept_id].display_name if r.kept_id in sides else "",
            merged_name=sides[r.merged_id].display_name if r.merged_id in sides else "",
            undone_at=r.undone_at, can_undo=can_undo))
    return infos
