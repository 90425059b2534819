"""The "Appointments" pane of the patient card: next and past appointments in practice
time, the no-show count, "Book…", and nothing read until the pane is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from app.i18n import format_date
from app.models import AppointmentStatus
from app.services.agenda.day_queries import DayQueries
from app.services.agenda.views import BookingInput
from app.ui.change_bus import ChangeBus
from app.ui.patients.view import PatientsView
from tests.agenda_fixtures import MONDAY, build_agenda

S = AppointmentStatus


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


@pytest.fixture
def martin(agenda):
    """MARTIN Paul: three no-shows and a visit seen in the past; three appointments to
    come (one cancelled) and one with another patient."""
    ws = agenda.ws
    pid = agenda.patients[1]

    def book(who, day, hour, minute=0, status=None, patient=pid):
        aid = ws.agenda.book(BookingInput(who, agenda.at(day, hour, minute), None, patient,
                                          agenda.consult), override=True).appointment.id
        if status is not None:
            ws.agenda.set_status(aid, status)
        return aid

    ids = {
        "absent1": book(agenda.morel, MONDAY - timedelta(days=21), 9, 0, S.NO_SHOW.value),
        "absent2": book(agenda.morel, MONDAY - timedelta(days=14), 9, 0, S.NO_SHOW.value),
        "seen": book(agenda.faure, MONDAY - timedelta(days=7), 10, 0, S.SEEN.value),
        "absent3": book(agenda.morel, MONDAY - timedelta(days=6), 9, 0, S.NO_SHOW.value),
        "earlier_today": book(agenda.morel, MONDAY, 8, 45),  # before 09:30: past
        "today": book(agenda.morel, MONDAY, 10, 15),
        "tomorrow": book(agenda.faure, MONDAY + timedelta(days=1), 14, 30),
        "cancelled": book(agenda.morel, MONDAY + timedelta(days=2), 9, 0),
        "next_week": book(agenda.morel, MONDAY + timedelta(days=7), 11, 0),
        "someone_else": book(agenda.morel, MONDAY, 11, 0, patient=agenda.patients[0]),
    }
    ws.agenda.cancel(ids["cancelled"], "patient")
    return pid, ids


@pytest.fixture
def view(qtbot, agenda):
    ws = agenda.ws
    widget = PatientsView(ws.patients, ChangeBus(ws.store, ws.initiator), timeline=ws.timeline,
                          zone=ws.practice.timezone, appointments=DayQueries.of(ws))
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def open_card(qtbot, view, patient_id: str) -> None:
    row = view.model.row_of(patient_id)
    assert row >= 0
    view.table.setFocus()
    view.table.selectRow(row)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.form.current_id == patient_id


def when(agenda, day, hour, minute=0) -> str:
    return f"{format_date(day, 'EEE d MMM y')} {hour:02d}:{minute:02d}"


def test_the_pane_is_a_tab_of_the_card_read_only_when_shown(qtbot, view, agenda, martin):
    pid, _ids = martin
    panel = view.agenda_panel
    assert view.card_tabs.indexOf(panel) == 1  # after the card, before the history
    open_card(qtbot, view, pid)
    assert panel.patient_id == pid
    assert panel._stale and panel.data.upcoming == () and panel.data.no_shows == 0  # not read
    view.card_tabs.setCurrentWidget(panel)
    assert not panel._stale and len(panel.data.upcoming) == 3


def test_next_and_past_appointments_and_the_no_shows(qtbot, view, agenda, martin):
    pid, ids = martin
    open_card(qtbot, view, pid)
    panel = view.agenda_panel
    view.card_tabs.setCurrentWidget(panel)
    assert [e.id for e in panel.data.upcoming] == [ids["today"], ids["tomorrow"],
                                                    ids["next_week"]]
    upcoming = panel.lines(panel.upcoming)
    assert upcoming[0].startswith(when(agenda, MONDAY, 10, 15) + " · Dr Claire Morel · "
                                  "Consultation")
    assert upcoming[1].startswith(when(agenda, MONDAY + timedelta(days=1), 14, 30)
                                  + " · Dr Julien Faure")
    assert len(upcoming) == 3
    assert [e.id for e in panel.data.past] == [ids["earlier_today"], ids["absent3"],
                                                ids["seen"], ids["absent2"], ids["absent1"]]
    past = panel.lines(panel.past)
    assert past[0].startswith(when(agenda, MONDAY, 8, 45))
    assert panel.past.item(1).foreground().color().name() == "#b45309"  # a no-show, in amber
    assert panel.no_shows.isVisible() and "3" in panel.no_shows.text()
    assert "#b45309" in panel.no_shows.styleSheet()


def test_book_emits_the_patient_id(qtbot, view, agenda, martin):
    pid, _ids = martin
    open_card(qtbot, view, pid)
    panel = view.agenda_panel
    view.card_tabs.setCurrentWidget(panel)
    assert panel.book_button.isEnabled()
    with qtbot.waitSignal(view.book_requested) as signal:
        qtbot.mouseClick(panel.book_button, Qt.MouseButton.LeftButton)
    assert signal.args == [pid]


def test_a_patient_without_appointments_and_a_new_card(qtbot, view, agenda, martin):
    panel = view.agenda_panel
    view.card_tabs.setCurrentWidget(panel)
    open_card(qtbot, view, agenda.patients[2])  # N'DIAYE Awa: nothing booked
    assert panel.data.upcoming == () and panel.data.past == ()
    assert not panel.no_shows.isVisible()
    assert panel.upcoming.count() == 1 and not panel.upcoming.item(0).flags()  # the hint line
    view.new_patient()
    assert panel.patient_id is None and not panel.book_button.isEnabled()
    assert panel.hint.isVisible() and not panel.upcoming.isVisible()


def test_the_pane_follows_the_agenda(qtbot, view, agenda, martin):
    pid, ids = martin
    open_card(qtbot, view, pid)
    panel = view.agenda_panel
    view.card_tabs.setCurrentWidget(panel)
    agenda.ws.agenda.set_status(ids["today"], S.NO_SHOW.value)  # from the agenda's screens
    assert panel.data.no_shows == 4 and "4" in panel.no_shows.text()
