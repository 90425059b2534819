"""The waiting room panel ("Salle d'attente") on a real profile with a frozen clock:
who arrived, in arrival order, for how long, and the keys that send them in."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from app.models import AppointmentStatus
from app.services.agenda.day_queries import DayQueries
from app.services.agenda.views import BookingInput
from app.services.patients import PatientInput
from app.ui.agenda.waiting_room import WaitingRoomPanel, waited
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.ui.conftest import FROZEN_AT



@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


@pytest.fixture
def day(agenda):
    """Three bookings this morning; they arrive in another order than booked."""
    ws = agenda.ws
    alerted = ws.patients.create(PatientInput(birth_name="Roux", first_names="Léa",
                                              alert="Malentendante : parler lentement")).id

    def book(pid, hour, minute, patient):
        return ws.agenda.book(BookingInput(pid, agenda.at(MONDAY, hour, minute), None, patient,
                                           agenda.consult)).appointment.id

    early = book(agenda.morel, 9, 0, agenda.patients[0])     # LEFÈVRE Jeanne
    earlier = book(agenda.morel, 8, 45, agenda.patients[1])  # MARTIN Paul
    faure = book(agenda.faure, 9, 15, alerted)              # ROUX Léa, with an alert
    later = book(agenda.morel, 10, 0, agenda.patients[2])    # not arrived
    clock = ws.clock
    for aid, minutes in ((faure, 5), (early, 7), (earlier, 0)):
        ws.agenda.set_status(aid, AppointmentStatus.ARRIVED.value)
        clock.advance(minutes=minutes)
    # now 08:42 UTC = 09:42 in Paris: Roux waits 12 min, Lefèvre 7, Martin 0
    return {"early": early, "earlier": earlier, "faure": faure, "later": later}


@pytest.fixture
def panel(qtbot, agenda, day):
    bus = ChangeBus(agenda.ws.store, agenda.ws.initiator)
    widget = WaitingRoomPanel(agenda.ws, bus)
    qtbot.addWidget(widget)
    widget.resize(420, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def status_of(agenda, appointment_id: str) -> str:
    [a] = [a for a in agenda.ws.agenda.appointments([agenda.morel, agenda.faure], MONDAY, MONDAY)
           if a.id == appointment_id]
    return a.status


def test_arrived_patients_are_listed_in_arrival_order_with_their_waiting_time(panel, day):
    assert [e.id for e in panel.entries] == [day["faure"], day["early"], day["earlier"]]
    assert day["later"] not in [e.id for e in panel.entries]
    assert panel.list.count() == 3
    first = panel._labels[0].text()
    assert "09:30" in first and "12 min" in first       # arrived at 09:30, waits 12 min
    assert "ROUX Léa" in first and "Dr Julien Faure" in first and "Consultation" in first
    assert "Malentendante" in first and "#b45309" in first  # the alert, in amber
    assert "7 min" in panel._labels[1].text() and "LEFÈVRE Jeanne" in panel._labels[1].text()
    assert "Malentendante" not in panel._labels[1].text()
    assert not panel.empty_hint.isVisible()
    assert "3" in panel.caption.text()


def test_waiting_times_move_on_every_minute_without_reading(panel, agenda):
    assert panel.timer.isActive() and panel.timer.interval() == 60_000
    agenda.ws.clock.advance(minutes=60)
    panel.timer.timeout.emit()
    assert "1 h 12" in panel._labels[0].text()
    assert "1 h 07" in panel._labels[1].text()


def test_waited_reads_minutes_then_hours():
    start = FROZEN_AT
    assert "0 min" in waited(start, start)
    assert "59 min" in waited(start + timedelta(minutes=59, seconds=59), start)
    assert "1 h 00" in waited(start + timedelta(minutes=60), start)
    assert "2 h 05" in waited(start + timedelta(hours=2, minutes=5), start)


def test_keys_send_the_patient_in_then_mark_them_seen(qtbot, panel, agenda, day):
    panel.list.setFocus()
    panel.select(day["early"])
    qtbot.keyClick(panel.list, Qt.Key.Key_C)
    assert status_of(agenda, day["early"]) == AppointmentStatus.IN_CONSULTATION.value
    # No longer waiting: listed after those who wait, as in consultation.
    assert [e.id for e in panel.entries] == [day["faure"], day["earlier"], day["early"]]
    assert "2" in panel.caption.text()
    assert panel.current_entry().id == day["early"]
    assert not panel.consult_button.isEnabled() and panel.seen_button.isEnabled()
    qtbot.keyClick(panel.list, Qt.Key.Key_V)
    assert status_of(agenda, day["early"]) == AppointmentStatus.SEEN.value
    assert day["early"] not in [e.id for e in panel.entries]


def test_buttons_change_the_status_and_back_undoes_an_arrival(qtbot, panel, agenda, day):
    panel.select(day["earlier"])
    qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)  # arrived by mistake
    assert status_of(agenda, day["earlier"]) == AppointmentStatus.BOOKED.value
    assert [e.id for e in panel.entries] == [day["faure"], day["early"]]
    panel.select(day["faure"])
    qtbot.mouseClick(panel.consult_button, Qt.MouseButton.LeftButton)
    assert status_of(agenda, day["faure"]) == AppointmentStatus.IN_CONSULTATION.value
    panel.select(day["faure"])
    assert panel.back_button.isEnabled()
    qtbot.keyClick(panel.list, Qt.Key.Key_R)  # called in too soon: back to the waiting room
    assert status_of(agenda, day["faure"]) == AppointmentStatus.ARRIVED.value
    panel.select(day["faure"])
    qtbot.mouseClick(panel.seen_button, Qt.MouseButton.LeftButton)
    panel.select(day["early"])
    qtbot.mouseClick(panel.seen_button, Qt.MouseButton.LeftButton)
    assert panel.entries == []
    assert panel.empty_hint.isVisible() and not panel.list.isVisible()


def test_the_panel_follows_changes_made_elsewhere(qtbot, panel, agenda, day):
    # Another screen's service call: the store tells the panel at once.
    agenda.ws.agenda.set_status(day["later"], AppointmentStatus.ARRIVED.value)
    assert [e.id for e in panel.entries][-1] == day["later"]
    # A plain unit of work on the store (as the command line writes) from another thread:
    # told through the event loop.
    writer = threading.Thread(target=lambda: agenda.ws.agenda.set_status(
        day["earlier"], AppointmentStatus.IN_CONSULTATION.value))
    writer.start()
    writer.join()
    assert [e.status for e in panel.entries if e.id == day["earlier"]] == ["arrived"]
    qtbot.waitUntil(lambda: [e.status for e in panel.entries if e.id == day["earlier"]]
                    == ["in_consultation"])


def test_a_stale_version_is_reported_and_the_list_reloaded(qtbot, panel, agenda, day):
    panel.select(day["early"])
    # Written on another thread: the panel is told only once the event loop runs, and the
    # secretary acts before that on the row as shown.
    writer = threading.Thread(target=lambda: agenda.ws.agenda.set_status(
        day["early"], AppointmentStatus.IN_CONSULTATION.value))
    writer.start()
    writer.join()
    assert [e.status for e in panel.entries if e.id == day["early"]] == ["arrived"]
    assert not panel.set_current_status(AppointmentStatus.SEEN.value)
    assert panel.error.isVisible() and panel.error.text()
    assert status_of(agenda, day["early"]) == AppointmentStatus.IN_CONSULTATION.value
    assert [e.status for e in panel.entries if e.id == day["early"]] == ["in_consultation"]


def test_enter_shows_the_appointment(qtbot, panel, day):
    panel.select(day["faure"])
    with qtbot.waitSignal(panel.appointment_activated) as signal:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert signal.args == [day["faure"]]


def test_the_service_and_the_panel_agree_on_who_waits(agenda, day):
    ws = agenda.ws
    waiting = DayQueries.of(ws).waiting_room(MONDAY, with_consultations=False)
    assert [e.id for e in waiting] == [a.id for a in ws.agenda.waiting_room(MONDAY)]
    assert waiting[0].arrived_at == FROZEN_AT
