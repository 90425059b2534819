"""Consignes: the practice's standing instructions to the secretaries.

A consigne is for one practitioner or the whole practice (``practitioner_id`` None): a
text, a priority (normal, important), when it applies (from, until, or permanent) and,
optionally, the motifs it concerns ("pas de nouveau patient le vendredi" for the motif
"Nouveau patient"). Every save is a new revision kept whole with who and when
(``versions``); withdrawing one is a revision too. Each user acknowledges the current
revision of each consigne once (``unacknowledged``, ``acknowledge``): a new or changed
consigne waits on her screen until she has. The author of a revision has read it.

``for_day`` is what the booking dialog and the call panel show for a practitioner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.clock import Clock
from app.i18n import _, format_date, pgettext
from app.models import (
    AppointmentType,
    Consigne,
    ConsigneAck,
    ConsignePriority,
    ConsigneVersion,
    Practitioner,
    User,
)
from app.models.agenda import id_set, id_set_text
from app.models.principal import Principal
from app.models.text import plain_text
from app.services import access
from app.services.agenda.zone import PracticeTime
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.storage.store import Store

MAX_TEXT = 1000


def priority_labels() -> dict[str, str]:
    return {ConsignePriority.NORMAL.value: pgettext("priority", "Normal"),
            ConsignePriority.IMPORTANT.value: pgettext("priority", "Important")}


@dataclass(frozen=True)
class ConsigneInput:
    text: str
    practitioner_id: str | None = None  # None: the whole practice
    priority: str = ConsignePriority.NORMAL.value
    valid_from: date | None = None
    valid_until: date | None = None  # inclusive; None: permanent
    motif_ids: frozenset[str] = frozenset()  # empty: every motif


@dataclass(frozen=True)
class ConsigneView:
    id: str
    practitioner_id: str | None
    practitioner_name: str  # "" for the practice
    text: str
    priority: str
    valid_from: date | None
    valid_until: date | None
    motif_ids: frozenset[str]
    motif_names: tuple[str, ...]
    revision: int
    author_name: str
    changed_at: datetime
    withdrawn: bool

    @property
    def important(self) -> bool:
        return self.priority == ConsignePriority.IMPORTANT.value

    def applies_on(self, day: date) -> bool:
        return (not self.withdrawn and (self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))

    def concerns(self, motif_id: str | None) -> bool:
        """True for a consigne about every motif, or about this one (any, if None)."""
        return not self.motif_ids or motif_id is None or motif_id in self.motif_ids


@dataclass(frozen=True)
class ConsigneVersionView:
    revision: int
    text: str
    priority: str
    practitioner_id: str | None
    valid_from: date | None
    valid_until: date | None
    motif_ids: frozenset[str]
    withdrawn: bool
    author_name: str
    at: datetime


def validity_text(valid_from: date | None, valid_until: date | None) -> str:
    """"Permanent", "From 03/04/2026", "Until 30/04/2026", "From … to …"."""
    if valid_from and valid_until:
        return _("From {first} to {last}").format(first=format_date(valid_from),
                                                  last=format_date(valid_until))
    if valid_from:
        return _("From {first}").format(first=format_date(valid_from))
    if valid_until:
        return _("Until {last}").format(last=format_date(valid_until))
    return _("Permanent")


class ConsigneService:
    def __init__(self, store: Store, *, actor_id: str, clock: Clock, zone: PracticeTime,
                 principal: Principal | None = None) -> None:
        self._store = store
        self._principal = principal
        self._actor = actor_id
        self._clock = clock
        self.zone = zone

    def today(self) -> date:
        return self.zone.today(self._clock.now())

    # -- writing ---------------------------------------------------------------------------
    def save(self, data: ConsigneInput, *, consigne_id: str | None = None,
             expected_revision: int | None = None) -> ConsigneView:
        """A new consigne, or a new revision of ``consigne_id`` (ConcurrentEdit if it was
        changed since ``expected_revision``). ValidationError: nothing written."""
        access.require_for(self._principal, access.CONSIGNES_EDIT)
        text = plain_text(data.text).strip()
        errors: dict[str, str] = {}
        if not text:
            errors["text"] = _("Write the instruction.")
        elif len(text) > MAX_TEXT:
            errors["text"] = _("The instruction is too long ({n} characters at most).").format(
                n=MAX_TEXT)
        if data.priority not in priority_labels():
            errors["priority"] = _("Choose the priority.")
        if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
            errors["valid_until"] = _("The end date is before the start date.")
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            s = uow.session
            if data.practitioner_id is not None:
                p = s.get(Practitioner, data.practitioner_id)
                if p is None or p.deleted_at is not None:
                    errors["practitioner"] = _("Choose a practitioner.")
            for tid in data.motif_ids:
                t = s.get(AppointmentType, tid)
                if t is None or t.deleted_at is not None:
                    errors["motifs"] = _("This appointment type no longer exists.")
            if errors:
                raise ValidationError(errors)
            if consigne_id is None:
                c = Consigne(revision=1)
                s.add(c)
            else:
                c = self._consigne(s, consigne_id, expected_revision)
                c.revision += 1
            c.practitioner_id, c.text, c.priority = data.practitioner_id, text, data.priority
            c.valid_from, c.valid_until = data.valid_from, data.valid_until
            c.motif_ids, c.author_id, c.withdrawn = id_set_text(data.motif_ids), self._actor, False
            s.flush()
            self._version(s, c)
            return self._read(s, c.id)

    def withdraw(self, consigne_id: str, *, expected_revision: int | None = None
                 ) -> ConsigneView:
        """No longer in force (kept, with its versions); a revision like any edit."""
        access.require_for(self._principal, access.CONSIGNES_EDIT)
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            c = self._consigne(uow.session, consigne_id, expected_revision)
            if not c.withdrawn:
                c.revision += 1
                c.withdrawn, c.author_id = True, self._actor
                uow.session.flush()
                self._version(uow.session, c)
            return self._read(uow.session, consigne_id)

    def _version(self, s: Session, c: Consigne) -> None:
        s.add(ConsigneVersion(consigne_id=c.id, revision=c.revision,
                              practitioner_id=c.practitioner_id, text=c.text,
                              priority=c.priority, valid_from=c.valid_from,
                              valid_until=c.valid_until, motif_ids=c.motif_ids,
                              withdrawn=c.withdrawn, author_id=self._actor))
        # Whoever wrote it has read it.
        s.add(ConsigneAck(consigne_id=c.id, revision=c.revision, user_id=self._actor))
        s.flush()

    def acknowledge(self, seen: Iterable[tuple[str, int]]) -> int:
        """This user has read these (consigne id, revision) pairs: the revisions shown to
        her, so a revision saved meanwhile still waits. Returns how many were recorded."""
        access.require_for(self._principal, access.CONSIGNES_ACK)
        wanted = dict(seen)
        if not wanted:
            return 0
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            s = uow.session
            done = set(s.execute(select(ConsigneAck.consigne_id, ConsigneAck.revision).where(
                ConsigneAck.user_id == self._actor, ConsigneAck.consigne_id.in_(wanted),
                ConsigneAck.deleted_at.is_(None))).all())
            n = 0
            for cid, revision in wanted.items():
                c = s.get(Consigne, cid)
                if c is None or c.deleted_at is not None or (cid, revision) in done:
                    continue
                s.add(ConsigneAck(consigne_id=cid, revision=revision, user_id=self._actor))
                n += 1
            return n

    # -- reading ---------------------------------------------------------------------------
    def all(self, *, include_withdrawn: bool = False) -> list[ConsigneView]:
        """For the editor: the practice's first, then by practitioner; important first."""
        with self._store.reader() as s:
            views = self._views(s, None if include_withdrawn else Consigne.withdrawn.is_(False))
        return sorted(views, key=lambda v: (v.withdrawn, v.practitioner_id is not None,
                                            v.practitioner_name, not v.important,
                                            v.changed_at))

    def get(self, consigne_id: str) -> ConsigneView:
        with self._store.reader() as s:
            return self._read(s, consigne_id)

    def for_day(self, practitioner_id: str | None, day: date | None = None, *,
                motif_id: str | None = None) -> list[ConsigneView]:
        """What applies to booking with this practitioner on ``day`` (today if None): the
        practice's consignes and the practitioner's, those about another motif left out
        when ``motif_id`` is given. Important first."""
        day = day or self.today()
        who = [Consigne.practitioner_id.is_(None)]
        if practitioner_id:
            who.append(Consigne.practitioner_id == practitioner_id)
        with self._store.reader() as s:
            views = self._views(s, Consigne.withdrawn.is_(False), or_(*who))
        return sorted((v for v in views if v.applies_on(day) and v.concerns(motif_id)),
                      key=lambda v: (not v.important, v.practitioner_id is None, v.changed_at))

    def unacknowledged(self) -> list[ConsigneView]:
        """Consigne revisions in force or to come that this user has not acknowledged."""
        today = self.today()
        with self._store.reader() as s:
            acked = set(s.execute(select(ConsigneAck.consigne_id, ConsigneAck.revision).where(
                ConsigneAck.user_id == self._actor, ConsigneAck.deleted_at.is_(None))).all())
            views = self._views(s, Consigne.withdrawn.is_(False),
                                or_(Consigne.valid_until.is_(None),
                                    Consigne.valid_until >= today))
        return sorted((v for v in views if (v.id, v.revision) not in acked),
                      key=lambda v: (not v.important, v.changed_at))

    def versions(self, consigne_id: str) -> list[ConsigneVersionView]:
        """Every saved revision, the newest first."""
        with self._store.reader() as s:
            rows = s.execute(select(ConsigneVersion, User.display_name)
                             .join(User, User.id == ConsigneVersion.author_id, isouter=True)
                             .where(ConsigneVersion.consigne_id == consigne_id,
                                    ConsigneVersion.deleted_at.is_(None))
                             .order_by(ConsigneVersion.revision.desc())).all()
            if not rows and s.get(Consigne, consigne_id) is None:
                raise NotFound(consigne_id)
        return [ConsigneVersionView(v.revision, v.text, v.priority, v.practitioner_id,
                                    v.valid_from, v.valid_until, id_set(v.motif_ids),
                                    v.withdrawn, name or "", v.created_at) for v, name in rows]

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _consigne(s: Session, consigne_id: str, expected_revision: int | None) -> Consigne:
        c = s.get(Consigne, consigne_id)
        if c is None or c.deleted_at is not None:
            raise NotFound(consigne_id)
        if expected_revision is not None and c.revision != expected_revision:
            raise ConcurrentEdit(consigne_id)
        return c

    def _read(self, s: Session, consigne_id: str) -> ConsigneView:
        views = self._views(s, Consigne.id == consigne_id)
        if not views:
            raise NotFound(consigne_id)
        return views[0]

    @staticmethod
    def _views(s: Session, *where) -> list[ConsigneView]:
        clauses = [w for w in where if w is not None]
        rows = s.execute(select(Consigne, Practitioner, User.display_name)
                         .join(Practitioner, Practitioner.id == Consigne.practitioner_id,
                               isouter=True)
                         .join(User, User.id == Consigne.author_id, isouter=True)
                         .where(Consigne.deleted_at.is_(None), *clauses)).all()
        types = dict(s.execute(select(AppointmentType.id, AppointmentType.name)).all())
        out = []
        for c, p, author in rows:
            motifs = id_set(c.motif_ids)
            out.append(ConsigneView(
                c.id, c.practitioner_id, p.display_name if p is not None else "", c.text,
                c.priority, c.valid_from, c.valid_until, motifs,
                tuple(sorted(types.get(t, "?") for t in motifs)), c.revision, author or "",
                c.updated_at, c.withdrawn))
        return out
