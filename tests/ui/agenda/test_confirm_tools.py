"""The follow-up tools on a real agenda page: the practice-wide "À confirmer" list driven
by its keys (checked in the database), the "non confirmés" filter of the grid, and the
freed-slots panel whose calls record each answer and book only on acceptance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.i18n import _
from app.models import Appointment, SlotOffer, WaitingStatus
from app.services.agenda.views import BookingInput
from app.services.agenda.waiting_list import WaitingInput
from app.services.patients import PatientInput, PhoneEntry
from app.ui.agenda.confirm_list import CALL, PHONES, ConfirmListDialog
from app.ui.agenda.confirm_tools import install
from app.ui.agenda.page import AgendaPage
from app.ui.agenda.waiting_list_panel import FreedSlotWindow
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import MONDAY, build_agenda

TUESDAY = MONDAY + timedelta(days=1)
THURSDAY = MONDAY + timedelta(days=3)


@pytest.fixture
def agenda(practice_factory):
    return build_agenda(practice_factory().workspace)


@pytest.fixture
def page(qtbot, agenda):
    page = AgendaPage(agenda.ws, ChangeBus(agenda.ws.store, agenda.ws.initiator))
    qtbot.addWidget(page)
    install(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    yield page
    tools = page.confirm_tools
    for window in list(tools.freed_panel.windows):
        window.close()
    if tools.confirm_list is not None:
        tools.confirm_list.close()


def book(agenda, pid, day, hour, minute=0, patient=0):
    return agenda.service.book(BookingInput(pid, agenda.at(day, hour, minute), None,
                                            agenda.patients[patient],
                                            agenda.consult)).appointment.id


def stored(agenda, appointment_id):
    with agenda.ws.store.reader() as s:
        a = s.get(Appointment, appointment_id)
        return a.status, a.confirmation


@pytest.fixture
def tuesday(agenda):
    """Tuesday: Dr Morel 09:00 and 10:00, Dr Faure 09:30 (a patient with two phones)."""
    roux = agenda.ws.patients.create(PatientInput(
        birth_name="Roux", first_names="Camille",
        phones=[PhoneEntry("06 11 22 33 44"), PhoneEntry("0590 12 34 56")])).id
    agenda.patients.append(roux)
    return [book(agenda, agenda.morel, TUESDAY, 9, patient=0),
            book(agenda, agenda.faure, TUESDAY, 9, 30, patient=3),
            book(agenda, agenda.morel, TUESDAY, 10, patient=1)]


def test_the_confirm_list_records_one_outcome_per_key(qtbot, agenda, page, tuesday):
    tools = page.confirm_tools
    tools.confirm_action.trigger()
    dialog = tools.confirm_list
    assert isinstance(dialog, ConfirmListDialog) and dialog.isVisible()
    assert dialog.day == TUESDAY  # tomorrow, every practitioner
    model = dialog.model
    assert model.rowCount() == 3
    assert model.index(1, PHONES).data() == "06 11 22 33 44 · 0590 12 34 56"
    # The phones are whole on screen.
    table = dialog.table
    width = table.horizontalHeader().sectionSize(PHONES)
    assert width >= table.fontMetrics().horizontalAdvance(model.index(1, PHONES).data())
    assert table.horizontalHeader().sectionViewportPosition(PHONES) + width \
        <= table.viewport().width()

    table.setFocus()
    assert dialog.current().id == tuesday[0]
    qtbot.keyClick(table, Qt.Key.Key_C)
    assert stored(agenda, tuesday[0]) == ("confirmed", "confirmed")
    assert dialog.current().id == tuesday[1]           # on to the next one to call
    qtbot.keyClick(table, Qt.Key.Key_I)
    assert stored(agenda, tuesday[1]) == ("booked", "unreachable")
    assert model.index(1, CALL).data() == _("{outcome} at {time}").format(
        outcome=_("Unreachable"), time="09:30")
    assert dialog.current().id == tuesday[2]
    qtbot.keyClick(table, Qt.Key.Key_M)
    assert stored(agenda, tuesday[2]) == ("booked", "message_left")

    # Cancelled by phone: the key twice; the first press only asks.
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_A)
    assert dialog.prompt.isVisible() and "ROUX Camille" in dialog.prompt.text()
    assert stored(agenda, tuesday[1]) == ("booked", "unreachable")
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    assert not dialog.prompt.isVisible() and dialog.isVisible()
    qtbot.keyClick(table, Qt.Key.Key_A)
    qtbot.keyClick(table, Qt.Key.Key_A)
    assert stored(agenda, tuesday[1]) == ("cancelled", "cancelled")
    assert model.row_of(tuesday[1]) == 1  # still listed, as cancelled by phone
    # Its time went to the freed slots.
    [freed] = tools.freed_panel.model.rows()
    assert (freed.practitioner_id, freed.starts_at) == (agenda.faure, agenda.at(TUESDAY, 9, 30))
    # The history says who called and what came of it.
    history = [e for e in agenda.service.history(tuesday[1]) if e.action == "confirm"]
    assert len(history) == 2


def test_the_unconfirmed_filter_shows_only_what_is_left_to_confirm(qtbot, agenda, page,
                                                                   tuesday):
    agenda.ws.confirmations.record(tuesday[0], "confirmed")
    agenda.ws.confirmations.record(tuesday[1], "message_left")
    page.go_to(TUESDAY, "day")
    shown = lambda: {item.id for item in page.grid.data().items}  # noqa: E731
    assert shown() == set(tuesday)
    action = page.confirm_tools.unconfirmed_action
    assert action in page.navigation.nav_bar.actions() and action.isCheckable()
    button = page.navigation.nav_bar.widgetForAction(action)
    assert button.isVisible() and button.text() == _("Unconfirmed only")
    action.trigger()
    assert shown() == {tuesday[1], tuesday[2]}     # a message left is still to confirm
    agenda.ws.confirmations.record(tuesday[2], "confirmed")   # elsewhere: the bus redraws
    assert shown() == {tuesday[1]}
    action.trigger()
    assert shown() == set(tuesday)


def test_a_freed_slot_is_offered_call_after_call_and_booked_on_acceptance(qtbot, agenda, page):
    ws = agenda.ws
    lefevre, martin, ndiaye = agenda.patients
    first = ws.waiting_list.add(WaitingInput(ndiaye, agenda.consult, MONDAY,
                                             MONDAY + timedelta(days=30), urgency=2))
    ws.clock.advance(minutes=1)
    second = ws.waiting_list.add(WaitingInput(martin, agenda.consult, MONDAY,
                                              MONDAY + timedelta(days=30)))
    appt = book(agenda, agenda.morel, THURSDAY, 10)
    agenda.service.move(appt, agenda.at(THURSDAY, 11))   # a move frees 10:00 too
    panel = page.confirm_tools.freed_panel
    assert page.panels.side.tabText(page.panels.side.indexOf(panel)) == _("Freed slots")
    assert panel.model.rowCount() == 1
    assert "10:00–10:15" in panel.model.index(0, 0).data()

    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    [window] = panel.windows
    assert isinstance(window, FreedSlotWindow) and window.isVisible() and not window.isModal()
    assert window.highlighted().id == first.id
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_P)     # no answer: the next one
    assert window.highlighted().id == second.id
    assert [c.entry.id for c in window.model.rows()] == [second.id, first.id]
    ws.clock.advance(minutes=1)
    qtbot.keyClick(window.table, Qt.Key.Key_R)     # refused: off this slot's list
    assert [c.entry.id for c in window.model.rows()] == [first.id]
    assert ws.agenda.appointments([agenda.morel], THURSDAY, THURSDAY,
                                  include_cancelled=False)[0].id == appt  # nothing booked
    ws.clock.advance(minutes=1)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)   # called again: accepted
    assert not window.isVisible()
    booked = [a for a in ws.agenda.appointments([agenda.morel], THURSDAY, THURSDAY)
              if a.id != appt]
    assert [(a.patient_id, a.starts_at) for a in booked] == [(ndiaye, agenda.at(THURSDAY, 10))]
    assert ws.waiting_list.get(first.id).status == WaitingStatus.BOOKED.value
    assert ws.waiting_list.get(second.id).status == WaitingStatus.WAITING.value
    with ws.store.reader() as s:
        assert s.execute(select(SlotOffer.outcome).order_by(
            SlotOffer.created_at)).scalars().all() == ["no_answer", "refused", "accepted"]
    assert panel.model.rowCount() == 0                 # filled: off the list
    assert page.grid.selected_item() == booked[0].id   # shown in the agenda
