"""The waiting list: the panel (most urgent first, then the longest waiting), adding and
withdrawing, booking from an entry through the slot finder; and, on the real agenda
page with the booking tools installed, the patients to call once an appointment is
cancelled, "Accepted" booking the highlighted one there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.i18n import _, ngettext
from app.models import WaitingStatus
from app.services.agenda.views import BookingInput
from app.services.agenda.waiting_list import WaitingInput
from app.services.patients import PatientInput, PhoneEntry
from app.ui.agenda.booking_tools import install
from app.ui.agenda.cancel_dialog import CancelDialog
from app.ui.agenda.page import AgendaPage
from app.ui.agenda.series_dialog import SeriesCancelDialog, SeriesDialog
from app.ui.agenda.slot_finder import SlotFinderDialog
from app.ui.agenda.waiting_list_panel import FreedSlotWindow, WaitingListPanel, window_text
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import MONDAY, build_agenda

THURSDAY = MONDAY + timedelta(days=3)
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def agenda(practice_factory):
    return build_agenda(practice_factory().workspace)


@pytest.fixture
def bus(agenda):
    return ChangeBus(agenda.ws.store, agenda.ws.initiator)


@pytest.fixture
def page(qtbot, agenda, bus):
    page = AgendaPage(agenda.ws, bus)
    qtbot.addWidget(page)
    install(page)
    page.resize(1300, 800)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    yield page
    for window in list(page.booking_tools.panel.freed_windows):
        window.close()


def new_patient(agenda, name, first, phone):
    return agenda.ws.patients.create(PatientInput(birth_name=name, first_names=first,
                                                  phones=[PhoneEntry(phone)])).id


def wait(agenda, patient, urgency, *, who=(), type_id=None, hours_later=0):
    if hours_later:
        agenda.ws.clock.advance(hours=hours_later)
    return agenda.ws.waiting_list.add(WaitingInput(
        patient, type_id or agenda.consult, MONDAY, MONDAY + timedelta(days=30),
        frozenset(who), urgency))


def cells(model, columns):
    return [[model.index(r, c).data() for c in columns] for r in range(model.rowCount())]


def focused():
    return QApplication.focusWidget()


def answer_modal(kind, act) -> list:
    """Run ``act(dialog)`` on the next modal dialog of ``kind`` (shown with exec)."""
    seen = []

    def poll():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, poll)
            return
        seen.append(dialog)
        act(dialog)

    QTimer.singleShot(0, poll)
    return seen


@pytest.fixture
def waiting(agenda):
    """Five entries; the freed Thursday 10:00–10:15 with Dr Morel suits three of them."""
    lefevre, martin, ndiaye = agenda.patients
    roux = new_patient(agenda, "Roux", "Camille", "06 11 22 33 44")
    blanc = new_patient(agenda, "Blanc", "Louis", "06 55 66 77 88")
    return {
        "old_normal": wait(agenda, martin, 0, who=[agenda.morel]),
        "urgent": wait(agenda, ndiaye, 2, hours_later=1),
        "new_normal": wait(agenda, roux, 0, hours_later=1),
        "faure_only": wait(agenda, blanc, 2, who=[agenda.faure]),
        "too_long": wait(agenda, lefevre, 2, type_id=agenda.visit),
    }


def test_the_panel_lists_the_most_urgent_first_then_the_longest_waiting(qtbot, agenda, bus,
                                                                        waiting):
    panel = WaitingListPanel(agenda.ws, bus)
    qtbot.addWidget(panel)
    panel.show()
    names = [r[0] for r in cells(panel.model, [0])]
    assert names == ["N'DIAYE Awa", "BLANC Louis", "LEFÈVRE Jeanne", "MARTIN Paul",
                     "ROUX Camille"]
    row = cells(panel.model, range(6))[2]
    assert row[1:] == [_("Urgent"), _("today"), "Visite à domicile", _("Anyone"),
                       window_text(MONDAY, MONDAY + timedelta(days=30))]
    assert "15/04/2026" in row[5]
    assert cells(panel.model, [4])[3] == ["Dr Claire Morel"]
    assert panel.table.currentIndex().row() == 0
    assert "02 47 11 22 33" in panel.details.text()   # the highlighted one's phone
    assert panel.details.text().startswith("N'DIAYE Awa · ")  # in full, unlike its cell
    agenda.ws.clock.advance(days=2)
    panel.refresh()
    assert cells(panel.model, [2])[0] == [ngettext("{n} day", "{n} days", 2).format(n=2)]

    # Withdraw with the Delete key.
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert [e.id for e in agenda.ws.waiting_list.waiting()][0] == waiting["faure_only"].id
    assert "N'DIAYE" in panel.status.text()
    assert panel.model.rowCount() == 4


def test_adding_an_entry_with_the_keyboard(qtbot, agenda, bus):
    panel = WaitingListPanel(agenda.ws, bus)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.caption.text() == _("Nobody is waiting for an earlier slot.")
    qtbot.mouseClick(panel.add_button, LEFT)
    dialog = panel.entry_dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: focused() is dialog.patient.edit)
    qtbot.keyClicks(focused(), "ndia")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert dialog.patient.patient_id() == agenda.patients[2]
    assert focused() is dialog.type
    qtbot.keyClick(focused(), Qt.Key.Key_Down)     # "Any type" -> Consultation
    dialog.practitioners.boxes[agenda.morel].setChecked(True)
    dialog.urgency.setCurrentIndex(1)
    dialog.note.setText("Préfère le matin")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    [entry] = agenda.ws.waiting_list.waiting()
    assert (entry.patient_id, entry.type_id, entry.practitioner_ids, entry.urgency) == (
        agenda.patients[2], agenda.consult, frozenset({agenda.morel}), 1)
    assert entry.window_from == MONDAY and entry.window_until == MONDAY + timedelta(days=31)
    assert cells(panel.model, [0, 1]) == [["N'DIAYE Awa", _("Soon")]]


def test_booking_from_an_entry_opens_the_finder_preset_and_marks_it_booked(qtbot, agenda,
                                                                          bus, waiting):
    panel = WaitingListPanel(agenda.ws, bus)
    qtbot.addWidget(panel)
    panel.show()
    booked = []
    panel.booked.connect(booked.append)
    panel.table.selectRow(3)                  # MARTIN Paul, with Dr Morel only
    assert panel.selected().id == waiting["old_normal"].id
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    finder = panel.finder
    assert isinstance(finder, SlotFinderDialog)
    qtbot.waitExposed(finder)
    assert finder.patient.patient_id() == agenda.patients[1]
    assert finder.type.currentData() == agenda.consult
    assert finder.practitioners.checked() == [agenda.morel]
    assert finder.last.text() == "15/04/2026"
    slot = finder.highlighted()
    finder.table.setFocus()
    qtbot.keyClick(finder.table, Qt.Key.Key_Return)
    [appt] = booked
    assert (appt.patient_id, appt.practitioner_id, appt.starts_at) == (
        agenda.patients[1], agenda.morel, slot.starts_at)
    entry = agenda.ws.waiting_list.get(waiting["old_normal"].id)
    assert (entry.status, entry.appointment_id) == (WaitingStatus.BOOKED.value, appt.id)
    assert panel.model.row_of(entry.id) == -1  # no longer waiting


def test_after_a_cancellation_the_patients_to_call_and_propose_books(qtbot, agenda, waiting,
                                                                     page):
    tools = page.booking_tools
    assert page.panels.side.count() == 1 and page.panels.side.tabText(0) == _("Waiting list")
    assert tools.panel.model.rowCount() == 5
    appt = agenda.service.book(BookingInput(agenda.morel, agenda.at(THURSDAY, 10), None,
                                            agenda.patients[0], agenda.consult)).appointment
    page.go_to(THURSDAY, "day")
    assert page.select_appointment(appt.id)
    page.grid.setFocus()
    answer_modal(CancelDialog, lambda d: d.confirm.click())
    qtbot.keyClick(page.grid, Qt.Key.Key_Delete)   # the page's own cancellation

    qtbot.waitUntil(lambda: len(tools.panel.freed_windows) == 1)
    window = tools.panel.freed_windows[0]
    assert isinstance(window, FreedSlotWindow) and window.isVisible() and not window.isModal()
    assert "10:00" in window.heading.text() and "10:15" in window.heading.text()
    # Urgent first; then the longest waiting. Not Dr Faure's patient, not a 30-minute visit.
    assert cells(window.model, [0, 1, 2]) == [
        ["N'DIAYE Awa", "02 47 11 22 33", _("Urgent")],
        ["MARTIN Paul", "06 98 76 54 32", _("Normal")],
        ["ROUX Camille", "06 11 22 33 44", _("Normal")]]
    assert window.highlighted().id == waiting["urgent"].id

    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)   # "Accepted: book"
    assert not window.isVisible()
    [new] = agenda.service.appointments([agenda.morel], THURSDAY, THURSDAY,
                                        include_cancelled=False)
    assert (new.patient_id, new.type_id, new.starts_at) == (
        agenda.patients[2], agenda.consult, agenda.at(THURSDAY, 10))
    assert agenda.ws.waiting_list.get(waiting["urgent"].id).status == WaitingStatus.BOOKED.value
    assert page.grid.selected_item() == new.id
    assert tools.panel.model.row_of(waiting["urgent"].id) == -1


def test_propose_when_the_slot_was_taken_meanwhile(qtbot, agenda, page, waiting):
    tools = page.booking_tools
    appt = agenda.service.book(BookingInput(agenda.morel, agenda.at(THURSDAY, 10), None,
                                            agenda.patients[0], agenda.consult)).appointment
    agenda.service.cancel(appt.id, "patient")
    page.appointment_cancelled.emit(appt.id)
    window = tools.panel.freed_windows[0]
    agenda.service.book(BookingInput(agenda.morel, agenda.at(THURSDAY, 10), None,
                                     agenda.patients[1], agenda.consult))
    qtbot.mouseClick(window.accept_button, LEFT)
    assert window.isVisible() and window.banner.isVisible()
    assert "10:00–10:15" in window.banner.text()
    assert window.model.rowCount() == 0 and not window.accept_button.isEnabled()
    assert agenda.ws.waiting_list.get(waiting["urgent"].id).status == WaitingStatus.WAITING.value
    qtbot.mouseClick(window.dismiss_button, LEFT)
    assert not window.isVisible()


def test_no_window_when_nobody_suits_the_freed_time(qtbot, agenda, page):
    appt = agenda.service.book(BookingInput(agenda.morel, agenda.at(THURSDAY, 10), None,
                                            agenda.patients[0], agenda.consult)).appointment
    agenda.service.cancel(appt.id, "patient")
    page.appointment_cancelled.emit(appt.id)
    assert page.booking_tools.panel.freed_windows == []


def test_ctrl_f_in_the_page_opens_the_finder_and_a_booking_is_shown_on_the_page(
        qtbot, agenda, bus):
    from PySide6.QtGui import QKeySequence, QShortcut
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    # A window with its own Ctrl+F (as the main window's search box has).
    window = QWidget()
    qtbot.addWidget(window)
    searched = []
    QShortcut(QKeySequence("Ctrl+F"), window, activated=lambda: searched.append(True))
    search_box = QLineEdit()
    page = AgendaPage(agenda.ws, bus)
    layout = QVBoxLayout(window)
    layout.addWidget(search_box)
    layout.addWidget(page)
    install(page)
    window.resize(1300, 800)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    page.grid.setFocus()
    qtbot.waitUntil(lambda: focused() is page.grid)
    assert page.booking_tools.find_action in page.navigation.toolbar.actions()

    qtbot.keyClick(page.grid, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    finder = page.booking_tools.finder
    assert isinstance(finder, SlotFinderDialog) and searched == []
    qtbot.waitExposed(finder)
    finder.activateWindow()
    qtbot.waitUntil(lambda: focused() is finder.patient.edit)
    qtbot.keyClicks(focused(), "martin")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)       # the type: Consultation
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    slot = finder.highlighted()
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    [appt] = agenda.service.appointments([agenda.morel, agenda.faure], MONDAY,
                                         MONDAY + timedelta(days=90), include_cancelled=False)
    assert (appt.patient_id, appt.practitioner_id, appt.starts_at) == (
        agenda.patients[1], slot.practitioner_id, slot.starts_at)
    assert page.current_day() == MONDAY
    assert page.grid.selected_item() == appt.id

    # Outside the page, Ctrl+F is the window's own again.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    search_box.setFocus()
    qtbot.waitUntil(lambda: focused() is search_box)
    qtbot.keyClick(search_box, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert searched == [True]
    assert page.booking_tools.finder is None or not page.booking_tools.finder.isVisible()


def test_open_booking_is_the_slot_finder_for_the_patient(qtbot, agenda, page):
    dialog = page.open_booking(agenda.patients[2])
    assert isinstance(dialog, SlotFinderDialog)
    assert dialog.patient.patient_id() == agenda.patients[2]
    assert dialog.parent() is page


def test_the_series_menu_acts_on_the_selected_appointment(qtbot, agenda, page, waiting):
    tools = page.booking_tools
    # A new series from the toolbar, with nothing selected.
    tools.series_action.trigger()
    dialog = tools.series_dialog
    assert isinstance(dialog, SeriesDialog)
    dialog.patient.set_patient(agenda.patients[0])
    dialog.practitioner.setCurrentIndex(dialog.practitioner.findData(agenda.morel))
    dialog.first_day.setText("19/03/2026")
    dialog.weekdays[0].setChecked(False)
    dialog.weekdays[3].setChecked(True)
    dialog.start.setText("10:00")
    dialog.count.setValue(2)
    qtbot.mouseClick(dialog.check_button, LEFT)
    qtbot.mouseClick(dialog.create_button, LEFT)
    first = agenda.service.appointments([agenda.morel], THURSDAY, THURSDAY)[0]
    assert page.current_day() == THURSDAY and page.grid.selected_item() == first.id

    tools.fill_series_menu()
    texts = [a.text() for a in tools.series_menu.actions() if not a.isSeparator()]
    assert texts[0] == _("New series…")
    assert _("Cancel this appointment only…") in texts
    [cancel_one] = [a for a in tools.series_menu.actions()
                    if a.text() == _("Cancel this appointment only…")]
    cancel_one.trigger()
    confirm = [d for d in page.findChildren(SeriesCancelDialog) if d.isVisible()][0]
    qtbot.mouseClick(confirm.confirm, LEFT)
    # Cancelling one date of the series frees its time like any cancellation.
    qtbot.waitUntil(lambda: len(tools.panel.freed_windows) == 1)
    assert tools.panel.freed_windows[0].highlighted().id == waiting["urgent"].id
    assert [a.status for a in agenda.ws.series.occurrences(first.series_id)] == [
        "cancelled", "booked"]
