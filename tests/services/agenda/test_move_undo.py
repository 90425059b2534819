"""Putting a moved appointment back: one more move in its history, refused when the old
time has been taken since or the appointment has changed."""

from __future__ import annotations

import pytest

from app.services.agenda.move_undo import MoveUndo, UndoRefused
from app.services.agenda.views import BookingInput
from tests.agenda_fixtures import MONDAY


def _book(agenda, hour, minute=0, *, patient=0):
    return agenda.service.book(BookingInput(
        agenda.morel, agenda.at(MONDAY, hour, minute), patient_id=agenda.patients[patient],
        type_id=agenda.consult)).appointment


def _move(agenda, undo, a, hour, minute=0, practitioner_id=None):
    result = agenda.service.move(a.id, agenda.at(MONDAY, hour, minute),
                                 practitioner_id=practitioner_id)
    undo.remember(a, result.appointment)
    return result.appointment


def test_undo_puts_the_appointment_back_as_one_more_history_entry(agenda):
    undo = MoveUndo(agenda.service)
    a = _book(agenda, 9)
    moved = _move(agenda, undo, a, 10, 30, practitioner_id=agenda.faure)
    assert undo.last is not None and undo.last.version == moved.version
    back = undo.undo().appointment
    assert (back.starts_at, back.ends_at, back.practitioner_id) == (
        a.starts_at, a.ends_at, agenda.morel)
    assert [h.action for h in agenda.service.history(a.id)] == ["create", "move", "move"]
    assert undo.last is None
    with pytest.raises(UndoRefused):
        undo.undo()  # only once


def test_undo_is_refused_when_the_old_time_has_been_taken_since(agenda):
    undo = MoveUndo(agenda.service)
    a = _book(agenda, 9)
    moved = _move(agenda, undo, a, 11)
    _book(agenda, 9, patient=1)  # someone else takes 09:00
    with pytest.raises(UndoRefused) as exc:
        undo.undo()
    assert "09:00" in exc.value.user_message
    assert "pris" in exc.value.user_message  # said in French, the user's language
    still = agenda.service.get(a.id)
    assert still.starts_at == moved.starts_at
    assert [h.action for h in agenda.service.history(a.id)] == ["create", "move"]


def test_undo_is_refused_when_the_appointment_changed_since(agenda):
    undo = MoveUndo(agenda.service)
    a = _book(agenda, 9)
    moved = _move(agenda, undo, a, 11)
    agenda.service.set_status(a.id, "confirmed")
    with pytest.raises(UndoRefused):
        undo.undo()
    assert agenda.service.get(a.id).starts_at == moved.starts_at
    assert undo.last is None


def test_nothing_is_remembered_when_nothing_moved(agenda):
    undo = MoveUndo(agenda.service)
    a = _book(agenda, 9)
    assert not undo.remember(a, a)
    assert undo.last is None
