"""The free-slot finder driven with the keyboard over a real practice (frozen on Monday
16 March 2026, 09:30 in Paris): choose the patient, the type, move in the slots, Enter
books; what is booked is read back from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.i18n import _
from app.services.agenda.views import BookingInput
from app.ui.agenda.slot_finder import SlotFinderDialog, describe_constraints, hhmm
from app.models import kinds
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import MONDAY, build_agenda

TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def agenda(practice_factory):
    return build_agenda(practice_factory().workspace)


def open_finder(qtbot, agenda, **presets) -> SlotFinderDialog:
    dialog = SlotFinderDialog(agenda.ws, **presets)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()))
    return dialog


def focused():
    return QApplication.focusWidget()


def shown(dialog) -> list[tuple[str, str, str]]:
    """(day, time, practitioner) as the list reads."""
    m = dialog.model
    return [tuple(m.index(r, c).data() for c in range(3)) for r in range(m.rowCount())]


def starts(dialog) -> list[tuple[str, str]]:
    return [(s.practitioner_id, hhmm(s.start_min)) for s in dialog.model._rows]


def holding(agenda, day=MONDAY, last=None):
    return agenda.service.appointments([agenda.morel, agenda.faure], day, last or day,
                                       include_cancelled=False)


def test_booking_with_the_keyboard_only(qtbot, agenda):
    bus = ChangeBus(agenda.ws.store, agenda.ws.initiator)
    told = []
    bus.changed.connect(told.append)
    dialog = open_finder(qtbot, agenda)
    booked = []
    dialog.booked.connect(booked.append)
    assert focused() is dialog.patient.edit

    qtbot.keyClicks(focused(), "lefe")
    assert dialog.patient.matches.isVisible()
    qtbot.keyClick(focused(), Qt.Key.Key_Return)      # takes LEFÈVRE Jeanne
    assert dialog.patient.patient_id() == agenda.patients[0]
    assert focused() is dialog.type
    qtbot.keyClick(focused(), Qt.Key.Key_Down)        # Consultation -> Visite à domicile
    assert dialog.type.currentData() == agenda.visit
    qtbot.keyClick(focused(), Qt.Key.Key_Return)      # on to the slots
    assert focused() is dialog.table

    # Home visits are afternoon only; 30 minutes + 15 of buffer, so 45 minutes apart;
    # both practitioners by name (Faure, Morel) at each time; first row highlighted.
    assert starts(dialog)[:4] == [(agenda.faure, "14:00"), (agenda.morel, "14:00"),
                                  (agenda.faure, "14:45"), (agenda.morel, "14:45")]
    assert shown(dialog)[0] == ("Lundi 16 mars", "14:00", "Dr Julien Faure")
    assert dialog.table.currentIndex().row() == 0
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    slot = dialog.highlighted()
    assert (slot.practitioner_id, hhmm(slot.start_min)) == (agenda.faure, "14:45")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)

    assert not dialog.isVisible()
    [appt] = holding(agenda)
    assert (appt.practitioner_id, appt.patient_id, appt.type_id) == (
        agenda.faure, agenda.patients[0], agenda.visit)
    assert appt.starts_at == agenda.at(MONDAY, 14, 45)
    assert appt.ends_at == agenda.at(MONDAY, 15, 15)
    assert [a.id for a in booked] == [appt.id]
    # The store told the open views, once, with no word from the dialog.
    [changes] = told
    assert changes.ids(kinds.APPOINTMENT) == changes.of(kinds.APPOINTMENT).inserted == {appt.id}
    assert bus.is_own(changes)


def test_a_booked_time_is_never_proposed(qtbot, agenda):
    agenda.service.book(BookingInput(agenda.morel, agenda.at(MONDAY, 10, 0), None,
                                     agenda.patients[1], agenda.consult))
    dialog = open_finder(qtbot, agenda, practitioner_ids=[agenda.morel])
    assert list(dialog.practitioners.boxes) == [agenda.faure, agenda.morel]
    assert dialog.practitioners.checked() == [agenda.morel]
    times = [t for _pid, t in starts(dialog)]
    assert times[:4] == ["09:30", "09:45", "10:15", "10:30"]
    assert "10:00" not in times


def test_a_slot_taken_meanwhile_is_refused_with_the_reason_and_the_list_refreshed(
        qtbot, agenda):
    dialog = open_finder(qtbot, agenda, patient_id=agenda.patients[2],
                         practitioner_ids=[agenda.morel])
    assert focused() is dialog.table  # preset patient: straight to the slots
    assert starts(dialog)[0] == (agenda.morel, "09:30")
    # Another workstation books 09:30 before Enter is pressed here.
    agenda.service.book(BookingInput(agenda.morel, agenda.at(MONDAY, 9, 30), None,
                                     agenda.patients[1], agenda.consult))
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.banner.isVisible()
    assert "09:30–09:45" in dialog.banner.text()  # the guard's reason: the booking in the way
    assert starts(dialog)[0] == (agenda.morel, "09:45")
    assert [a.patient_id for a in holding(agenda)] == [agenda.patients[1]]
    qtbot.keyClick(focused(), Qt.Key.Key_Return)      # the next one goes through
    assert not dialog.isVisible()
    assert sorted(hhmm(agenda.ws.zone.wall_minute(a.starts_at)) for a in holding(agenda)) == [
        "09:30", "09:45"]


def test_wishes_narrow_the_slots_and_say_how_they_were_understood(qtbot, agenda):
    dialog = open_finder(qtbot, agenda, practitioner_ids=[agenda.morel])
    dialog.wishes.setFocus()
    qtbot.keyClicks(focused(), "mardi apres 17h")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)      # searches now, on to the slots
    assert focused() is dialog.table
    assert "mardi" in dialog.understood.text() and "17:00" in dialog.understood.text()
    first = dialog.model.row_at(0)
    assert (first.day, hhmm(first.start_min)) == (TUESDAY, "17:00")
    assert {s.day.weekday() for s in dialog.model._rows} == {1}
    assert all(s.start_min >= 17 * 60 for s in dialog.model._rows)

    dialog.wishes.setFocus()
    qtbot.keyClicks(focused(), " ou jeudi matin")
    qtbot.keyClick(focused(), Qt.Key.Key_Down)        # down into the slots, searched now
    assert focused() is dialog.table
    assert {s.day.weekday() for s in dialog.model._rows} == {1, 3}
    assert all(s.start_min >= 17 * 60 if s.day.weekday() == 1 else s.start_min < 12 * 60
               for s in dialog.model._rows)

    dialog.wishes.setFocus()
    qtbot.keyClicks(focused(), " zorglub")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert "zorglub" in dialog.wishes_error.text()
    assert dialog.model.rowCount() == 0
    assert dialog.empty_hint.isVisible()


def test_morning_chip_and_weekdays(qtbot, agenda):
    dialog = open_finder(qtbot, agenda, practitioner_ids=[agenda.faure])
    dialog.afternoon.setChecked(True)
    dialog.weekdays[2].setChecked(True)   # Wednesday: Dr Faure has no afternoon then
    dialog.weekdays[3].setChecked(True)
    assert {s.day.weekday() for s in dialog.model._rows} == {3}
    assert all(s.start_min >= 14 * 60 for s in dialog.model._rows)


def test_an_empty_list_says_how_to_widen_it_and_more_loads_the_next_twenty(
        qtbot, agenda):
    dialog = open_finder(qtbot, agenda, practitioner_ids=[agenda.morel])
    assert dialog.model.rowCount() == 20
    dialog.table.selectRow(19)
    last = dialog.highlighted()
    qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 40
    assert dialog.highlighted() == last      # the highlight stays where it was
    assert dialog.model.row_at(20).starts_at > last.starts_at

    dialog.first.setText("21/03/2026")        # a Saturday and a Sunday: closed
    dialog.last.setText("22/03/2026")
    dialog.search()
    assert dialog.model.rowCount() == 0
    assert dialog.empty_hint.isVisible()
    assert dialog.empty_hint.text() == _("No free slot matches these criteria. Widen the "
                                         "period or the practitioners, or loosen the wishes.")
    assert not dialog.book_button.isEnabled()


def test_enter_without_a_patient_asks_for_one(qtbot, agenda):
    dialog = open_finder(qtbot, agenda)
    dialog.table.setFocus()
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert focused() is dialog.patient.edit
    assert dialog.patient.error.text() == _("Choose the patient first.")
    assert holding(agenda) == []


def test_constraints_in_words():
    from app.services.agenda.slots import parse_constraints

    text = describe_constraints(parse_constraints("pas avant le 12 avril", today=MONDAY))
    assert "12 avril 2026" in text
    text = describe_constraints(parse_constraints("lundi ou vendredi matin", today=MONDAY))
    assert "lundi" in text and "vendredi" in text
