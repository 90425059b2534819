"""The freed-slots list ("Créneaux libérés"): time freed by a cancellation, a move or a
shortened appointment, kept until it is filled or past, and offered on the phone to
waiting-list patients.

Nothing is kept that the data does not already say: the cancelled appointments give
the time they freed, the ``FreedSlot`` rows the time a move or a shortening left
(``freed_time.record_move``). Reading the list merges the freed time of each
practitioner, takes away what is booked again (so a slot filled by any means leaves
the list), what is past and what cannot be booked (outside the opening hours, during
an absence or a holiday), and keeps the pieces of at least ``MIN_MINUTES``.

An offer is one call to one waiting patient with its outcome (``SlotOffer``): accepted
books the patient there and marks the entry booked, in the same unit of work; refused
takes the patient off this slot's candidates; no answer puts them after the others.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.clock import Clock
from app.i18n import _
from app.models import (
    Appointment, AppointmentStatus, FreedSlot, OfferOutcome, Practitioner, SlotOffer,
    WaitingListEntry, WaitingStatus,
)
from app.models.agenda import HOLDING_STATUSES, MAX_APPOINTMENT_MINUTES
from app.services.agenda.freed_time import subtract
from app.services.agenda.schedule import Schedule, load_schedule
from app.services.agenda.service import AgendaService
from app.services.agenda.views import BookingInput, BookingResult
from app.services.agenda.waiting_list import WaitingEntry, WaitingListService
from app.services.errors import NotFound, ValidationError
from app.storage.store import Store

HORIZON_DAYS = 14  # how far ahead the list looks
MIN_MINUTES = 5    # the shortest appointment
CANCELLED = "cancelled"  # the cause of time freed by a cancellation
_SCAN_BACK = timedelta(minutes=MAX_APPOINTMENT_MINUTES)
_STEP = 5 * 60  # seconds: a piece under way starts again at the next 5 minutes


def cause_labels() -> dict[str, str]:
    """What freed the time, as a noun (the list's "Freed by" column)."""
    return {CANCELLED: _("cancellation"), "moved": _("move"), "shortened": _("shortening")}


def outcome_labels() -> dict[str, str]:
    return {OfferOutcome.ACCEPTED.value: _("Accepted"),
            OfferOutcome.REFUSED.value: _("Refused"),
            OfferOutcome.NO_ANSWER.value: _("No answer")}


@dataclass(frozen=True)
class FreedTime:
    """A stretch of freed time still free, with one practitioner."""
    practitioner_id: str
    practitioner_name: str
    starts_at: datetime
    ends_at: datetime
    causes: tuple[str, ...]  # "cancelled", "moved", "shortened", in that order

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def key(self) -> tuple[str, datetime]:
        return self.practitioner_id, self.starts_at


@dataclass(frozen=True)
class Candidate:
    """A waiting patient the freed time suits, and the last answer about it, if any."""
    entry: WaitingEntry
    last_outcome: str = ""  # "" or "no_answer" (the refusals are left out)
    last_at: datetime | None = None


def _ceil_step(instant: datetime) -> datetime:
    seconds = instant.timestamp()
    rounded = -(-seconds // _STEP) * _STEP
    return datetime.fromtimestamp(rounded, timezone.utc)


class FreedSlotService:
    def __init__(self, store: Store, *, agenda: AgendaService,
                 waiting_list: WaitingListService, actor_id: str, clock: Clock) -> None:
        self._store = store
        self._agenda = agenda
        self._waiting = waiting_list
        self._actor = actor_id
        self._clock = clock
        self.zone = waiting_list.zone

    # -- the list ------------------------------------------------------------------------
    def open_slots(self, *, days: int = HORIZON_DAYS) -> list[FreedTime]:
        """The freed time still free from now to ``days`` ahead, by start."""
        now = self._clock.now()
        start = _ceil_step(now)
        horizon = now + timedelta(days=days)
        freed: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
        with self._store.reader() as s:
            names = {p.id: p.display_name for p in s.execute(select(Practitioner).where(
                Practitioner.deleted_at.is_(None))).scalars()}
            pids = list(names)
            # Per practitioner and by start: the (practitioner, start) indexes answer both.
            for pid, s_at, e_at in s.execute(
                    select(Appointment.practitioner_id, Appointment.starts_at,
                           Appointment.ends_at)
                    .where(Appointment.practitioner_id.in_(pids),
                           Appointment.starts_at >= now - _SCAN_BACK,
                           Appointment.starts_at < horizon,
                           Appointment.status == AppointmentStatus.CANCELLED.value,
                           Appointment.deleted_at.is_(None))):
                freed[pid].append((s_at, e_at, CANCELLED))
            for pid, s_at, e_at, cause in s.execute(
                    select(FreedSlot.practitioner_id, FreedSlot.starts_at, FreedSlot.ends_at,
                           FreedSlot.cause)
                    .where(FreedSlot.practitioner_id.in_(pids),
                           FreedSlot.starts_at >= now - _SCAN_BACK,
                           FreedSlot.starts_at < horizon, FreedSlot.deleted_at.is_(None))):
                freed[pid].append((s_at, e_at, cause))
            out: list[FreedTime] = []
            # Only time that can be booked: not the hours of an absence, a holiday or a
            # closed day (a day cancelled because the practitioner is ill frees nothing).
            schedule = load_schedule(s, self.zone, self._agenda.holiday_region, list(freed),
                                     self.zone.day_of(start), self.zone.day_of(horizon)) \
                if freed else None
            for pid, spans in freed.items():
                spans = [(max(a, start), min(b, horizon), c) for a, b, c in spans
                         if b > start]
                if not spans:
                    continue
                held = s.execute(
                    select(Appointment.starts_at, Appointment.ends_at)
                    .where(Appointment.practitioner_id == pid,
                           Appointment.starts_at >= min(a for a, _b, _c in spans) - _SCAN_BACK,
                           Appointment.starts_at < max(b for _a, b, _c in spans),
                           Appointment.status.in_(HOLDING_STATUSES),
                           Appointment.deleted_at.is_(None))).all()
                for a, b, causes in _merge(spans):
                    for piece_s, piece_e in subtract(a, b, held):
                        for open_s, open_e in _open_parts(schedule, pid, piece_s, piece_e):
                            if open_e - open_s >= timedelta(minutes=MIN_MINUTES):
                                out.append(FreedTime(pid, names[pid], open_s, open_e, causes))
        out.sort(key=lambda f: (f.starts_at, f.practitioner_name))
        return out

    def slot_at(self, practitioner_id: str, instant: datetime) -> FreedTime | None:
        """The freed time with this practitioner that holds ``instant`` (or starts at it)."""
        for slot in self.open_slots():
            if slot.practitioner_id == practitioner_id and \
                    slot.starts_at <= instant < slot.ends_at:
                return slot
        # A piece under way starts at the next 5 minutes: the instant may be just before.
        for slot in self.open_slots():
            if slot.practitioner_id == practitioner_id and \
                    instant < slot.starts_at < instant + timedelta(seconds=_STEP):
                return slot
        return None

    # -- offering it ---------------------------------------------------------------------
    def candidates(self, slot: FreedTime) -> list[Candidate]:
        """Whom to call, in order: the waiting list's order for this time (most urgent,
        then the longest waiting), those who did not answer last, those who refused it
        left out."""
        entries = self._waiting.candidates_for(slot.practitioner_id, slot.starts_at,
                                               slot.ends_at)
        if not entries:
            return []
        last: dict[str, tuple[str, datetime]] = {}
        with self._store.reader() as s:
            for entry_id, outcome, at in s.execute(
                    select(SlotOffer.waiting_entry_id, SlotOffer.outcome, SlotOffer.created_at)
                    .where(SlotOffer.practitioner_id == slot.practitioner_id,
                           SlotOffer.starts_at < slot.ends_at,
                           SlotOffer.starts_at >= slot.starts_at - _SCAN_BACK,
                           SlotOffer.ends_at > slot.starts_at,
                           SlotOffer.deleted_at.is_(None))
                    .order_by(SlotOffer.created_at, SlotOffer.id)):
                last[entry_id] = (outcome, at)
        fresh, unanswered = [], []
        for e in entries:
            outcome, at = last.get(e.id, ("", None))
            if outcome == OfferOutcome.REFUSED.value:
                continue
            if outcome == OfferOutcome.NO_ANSWER.value:
                unanswered.append(Candidate(e, outcome, at))
            else:
                fresh.append(Candidate(e))
        unanswered.sort(key=lambda c: c.last_at)
        return fresh + unanswered

    def record_offer(self, slot: FreedTime, entry_id: str,
                     outcome: str) -> BookingResult | None:
        """The answer of the patient of ``entry_id`` to the offer of ``slot``. Accepted:
        booked at the slot's start with the entry's type, the entry marked booked and the
        offer recorded, all or nothing (the guard may refuse: BookingRefused)."""
        if outcome not in {o.value for o in OfferOutcome}:
            raise ValidationError({"outcome": _("Choose what the patient answered.")})
        with self._store.unit_of_work(actor_id=self._actor) as uow:
            entry = uow.session.get(WaitingListEntry, entry_id)
            if entry is None or entry.deleted_at is not None:
                raise NotFound(entry_id)
            if entry.status != WaitingStatus.WAITING.value:
                raise ValidationError({"status": _(
                    "This patient is no longer on the waiting list.")})
            result = None
            appointment_id = None
            if outcome == OfferOutcome.ACCEPTED.value:
                result = self._waiting.book_for_entry(entry_id, BookingInput(
                    slot.practitioner_id, slot.starts_at, None, entry.patient_id,
                    entry.type_id), uow=uow)
                appointment_id = result.appointment.id
            uow.session.add(SlotOffer(practitioner_id=slot.practitioner_id,
                                      starts_at=slot.starts_at, ends_at=slot.ends_at,
                                      waiting_entry_id=entry_id, outcome=outcome,
                                      appointment_id=appointment_id))
        return result


def _open_parts(schedule: Schedule, practitioner_id: str, start: datetime,
                end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of ``[start, end)`` inside the practitioner's open time (adjacent open
    ranges make one part)."""
    parts: list[tuple[datetime, datetime]] = []
    day, last = schedule.zone.day_of(start), schedule.zone.day_of(end)
    while day <= last:
        for r in schedule.open_ranges(practitioner_id, day):
            a, b = max(start, r.starts_at), min(end, r.ends_at)
            if a < b:
                if parts and parts[-1][1] == a:
                    parts[-1] = (parts[-1][0], b)
                else:
                    parts.append((a, b))
        day += timedelta(days=1)
    return parts


def _merge(spans: list[tuple[datetime, datetime, str]]
           ) -> list[tuple[datetime, datetime, tuple[str, ...]]]:
    """Overlapping or touching spans as one, with the causes of all."""
    order = {CANCELLED: 0, "moved": 1, "shortened": 2}
    out: list[list] = []
    for a, b, cause in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
            out[-1][2].add(cause)
        else:
            out.append([a, b, {cause}])
    return [(a, b, tuple(sorted(c, key=lambda x: order.get(x, 9)))) for a, b, c in out]
