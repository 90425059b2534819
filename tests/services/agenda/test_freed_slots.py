"""The freed-slots list: time freed by a cancellation, a move or a shortening stays
listed until filled or past, also after the practice is reopened; offering it to a
waiting-list patient records the answer and books only on acceptance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import OfferOutcome, SlotOffer, WaitingStatus
from app.services.agenda.freed_slots import FreedSlotService
from app.services.agenda.service import BookingRefused
from app.services.agenda.setup import AbsenceInput
from app.services.agenda.views import BookingInput
from app.services.agenda.waiting_list import WaitingInput
from app.services.errors import ValidationError
from app.services.workspace import open_workspace
from app.storage.profile import unlock_key
from tests.agenda_fixtures import MONDAY
from tests.conftest import FAST_KDF

THURSDAY = MONDAY + timedelta(days=3)


def _book(agenda, pid, day, hour, minute=0, *, patient=0, end=None):
    ends = agenda.at(day, *end) if end else None
    return agenda.service.book(BookingInput(pid, agenda.at(day, hour, minute), ends,
                                            agenda.patients[patient],
                                            agenda.consult)).appointment


def _spans(agenda, slots=None):
    zone = agenda.ws.zone
    slots = agenda.ws.freed_slots.open_slots() if slots is None else slots

    def hm(t):
        m = zone.wall_minute(t)
        return f"{m // 60:02d}:{m % 60:02d}"
    return [(s.practitioner_name.split()[-1], zone.day_of(s.starts_at), hm(s.starts_at),
             hm(s.ends_at), s.causes) for s in slots]


def _wait(agenda, patient, urgency=0):
    return agenda.ws.waiting_list.add(WaitingInput(
        agenda.patients[patient], agenda.consult, MONDAY, MONDAY + timedelta(days=30),
        frozenset(), urgency))


def test_cancelled_moved_and_shortened_time_is_listed_until_filled(agenda):
    service = agenda.service
    a = _book(agenda, agenda.morel, THURSDAY, 10)
    b = _book(agenda, agenda.morel, THURSDAY, 10, 15, patient=1)
    c = _book(agenda, agenda.faure, THURSDAY, 15, end=(16, 0), patient=2)
    d = _book(agenda, agenda.faure, THURSDAY, 17)
    assert agenda.ws.freed_slots.open_slots() == []
    service.cancel(a.id, "patient")
    service.move(b.id, agenda.at(THURSDAY, 11))                      # moved: 10:15 free
    service.move(c.id, agenda.at(THURSDAY, 15), agenda.at(THURSDAY, 15, 30))  # shortened
    service.move(d.id, agenda.at(THURSDAY, 17), practitioner_id=agenda.morel)  # other column
    assert _spans(agenda) == [
        ("Morel", THURSDAY, "10:00", "10:30", ("cancelled", "moved")),
        ("Faure", THURSDAY, "15:30", "16:00", ("shortened",)),
        ("Faure", THURSDAY, "17:00", "17:15", ("moved",))]
    # Filled by any means: part of it, then all of it.
    _book(agenda, agenda.morel, THURSDAY, 10, patient=2)
    assert _spans(agenda)[0][2:4] == ("10:15", "10:30")
    _book(agenda, agenda.morel, THURSDAY, 10, 15, patient=2)
    assert [s[0] for s in _spans(agenda)] == ["Faure", "Faure"]


def test_only_time_that_can_be_booked_is_listed(agenda):
    """A day cancelled because the practitioner is away frees nothing; time booked over
    the lunch break frees only what is inside the opening hours."""
    a = _book(agenda, agenda.morel, THURSDAY, 9)
    b = agenda.service.book(BookingInput(agenda.faure, agenda.at(THURSDAY, 11, 30),
                                         agenda.at(THURSDAY, 12, 30), agenda.patients[1],
                                         None), override=True).appointment
    for appt in (a, b):
        agenda.service.cancel(appt.id, "practice")
    assert [s[:4] for s in _spans(agenda)] == [("Morel", THURSDAY, "09:00", "09:15"),
                                               ("Faure", THURSDAY, "11:30", "12:00")]
    agenda.ws.agenda_setup.add_absence(AbsenceInput(
        agenda.morel, agenda.at(THURSDAY, 0), agenda.at(THURSDAY + timedelta(days=1), 0)))
    assert [s[:4] for s in _spans(agenda)] == [("Faure", THURSDAY, "11:30", "12:00")]


def test_past_time_leaves_the_list_and_time_under_way_starts_at_the_next_five_minutes(
        agenda, clock):
    a = _book(agenda, agenda.morel, MONDAY, 10, end=(11, 0))
    agenda.service.cancel(a.id, "patient")
    assert _spans(agenda)[0][2:4] == ("10:00", "11:00")
    clock.advance(minutes=40, seconds=20)   # 10:10:20 in Paris
    assert _spans(agenda)[0][2:4] == ("10:15", "11:00")
    clock.advance(minutes=50)
    assert _spans(agenda) == []


def test_the_list_survives_a_restart(agenda, passphrase, clock):
    b = _book(agenda, agenda.morel, THURSDAY, 10)
    agenda.service.move(b.id, agenda.at(THURSDAY, 11))
    before = _spans(agenda)
    paths = agenda.ws.paths
    agenda.ws.close()
    reopened = open_workspace(paths, unlock_key(paths, passphrase=passphrase,
                                                kdf_floor=FAST_KDF), clock=clock)
    try:
        assert _spans(agenda, reopened.freed_slots.open_slots()) == before != []
    finally:
        reopened.close()


def test_offers_record_the_answer_and_book_only_on_acceptance(agenda, clock):
    ws = agenda.ws
    slots: FreedSlotService = ws.freed_slots
    a = _book(agenda, agenda.morel, THURSDAY, 10)
    agenda.service.cancel(a.id, "patient")
    first = _wait(agenda, 1, urgency=2)
    clock.advance(minutes=1)
    second = _wait(agenda, 2)
    clock.advance(minutes=1)
    third = _wait(agenda, 0)
    [slot] = slots.open_slots()
    assert [c.entry.id for c in slots.candidates(slot)] == [first.id, second.id, third.id]

    assert slots.record_offer(slot, first.id, OfferOutcome.NO_ANSWER.value) is None
    clock.advance(minutes=1)
    assert slots.record_offer(slot, second.id, OfferOutcome.REFUSED.value) is None
    # No answer: called again after the others; refused: not called again for this time.
    candidates = slots.candidates(slot)
    assert [(c.entry.id, c.last_outcome) for c in candidates] == [
        (third.id, ""), (first.id, "no_answer")]
    assert ws.agenda.appointments([agenda.morel], THURSDAY, THURSDAY,
                                  include_cancelled=False) == []
    assert ws.waiting_list.get(first.id).status == WaitingStatus.WAITING.value

    clock.advance(minutes=1)
    result = slots.record_offer(slot, third.id, OfferOutcome.ACCEPTED.value)
    new = result.appointment
    assert (new.patient_id, new.starts_at, new.type_id) == (
        agenda.patients[0], agenda.at(THURSDAY, 10), agenda.consult)
    assert ws.waiting_list.get(third.id).status == WaitingStatus.BOOKED.value
    assert slots.open_slots() == []
    with ws.store.reader() as s:
        offers = s.execute(select(SlotOffer.waiting_entry_id, SlotOffer.outcome,
                                  SlotOffer.appointment_id)
                           .order_by(SlotOffer.created_at)).all()
    assert offers == [(first.id, "no_answer", None), (second.id, "refused", None),
                      (third.id, "accepted", new.id)]


def test_an_acceptance_the_guard_refuses_writes_nothing(agenda):
    ws = agenda.ws
    a = _book(agenda, agenda.morel, THURSDAY, 10)
    agenda.service.cancel(a.id, "patient")
    entry = _wait(agenda, 1)
    [slot] = ws.freed_slots.open_slots()
    _book(agenda, agenda.morel, THURSDAY, 10, patient=2)   # taken meanwhile
    with pytest.raises(BookingRefused):
        ws.freed_slots.record_offer(slot, entry.id, OfferOutcome.ACCEPTED.value)
    with pytest.raises(ValidationError):
        ws.freed_slots.record_offer(slot, entry.id, "perhaps")
    assert ws.waiting_list.get(entry.id).status == WaitingStatus.WAITING.value
    with ws.store.reader() as s:
        assert s.execute(select(SlotOffer.id)).all() == []
