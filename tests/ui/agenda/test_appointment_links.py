"""From an appointment to its patient and back in time: the phones and "Ouvrir la fiche
patient" in the tooltip, the context menu and the dialog; moving with the slot finder;
"Annuler le déplacement" and Ctrl+Z after a drag, a paste or the finder."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip

from app.clock import FrozenClock
from app.services.agenda.views import BookingInput
from app.ui.agenda import booking_tools
from app.ui.agenda.page import AgendaPage
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.ui.agenda.test_agenda_page import answer_message, drag_item, stored

AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # Monday 09:30 in Paris
CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def agenda(workspace):
    workspace.clock = FrozenClock(AT)
    return build_agenda(workspace)


@pytest.fixture
def page(qtbot, agenda):
    widget = AgendaPage(agenda.ws, ChangeBus(agenda.ws.store, agenda.ws.initiator))
    booking_tools.install(widget)
    qtbot.addWidget(widget)
    widget.resize(1200, 820)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    if widget.appointment_actions.dialog is not None:
        widget.appointment_actions.dialog.done(0)
    if widget.booking_tools.finder is not None:
        widget.booking_tools.finder.done(0)


def book(agenda, hour, minute=0, *, patient=0, day=MONDAY, pid=None):
    return agenda.service.book(BookingInput(
        pid or agenda.morel, agenda.at(day, hour, minute), patient_id=agenda.patients[patient],
        type_id=agenda.consult)).appointment



def history(agenda, appointment_id):
    return [h.action for h in agenda.service.history(appointment_id)]


# -- phones and the patient's card ----------------------------------------------------

def test_the_tooltip_gives_the_patients_phone(qtbot, page, agenda):
    a = book(agenda, 10)
    page.load()
    rect = page.grid.item_rect(a.id)
    pos = rect.center()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, page.grid.viewport().mapToGlobal(pos))
    QApplication.sendEvent(page.grid.viewport(), event)
    text = QToolTip.text()
    assert "LEFÈVRE Jeanne" in text
    assert "06 12 34 56 78 (portable)" in text  # national form, the kind in French


def test_the_context_menu_lists_the_phones_and_opens_the_card(qtbot, page, agenda):
    a = book(agenda, 10)
    page.load()
    menu = page.context_menu(a.id, agenda.morel, MONDAY, 600)
    texts = [x.text() for x in menu.actions() if x.text()]
    assert "☎ 06 12 34 56 78 (portable)" in texts
    (open_card,) = [x for x in menu.actions() if x.text() == "Ouvrir la fiche patient"]
    with qtbot.waitSignal(page.patient_requested) as asked:
        open_card.trigger()
    assert asked.args == [agenda.patients[0]]


def test_the_dialog_shows_the_phones_and_opens_the_card(qtbot, page, agenda):
    a = book(agenda, 10)
    page.load()
    dialog = page.open_appointment(a.id)
    assert dialog.phones.isVisible() and dialog.phones.text() == "06 12 34 56 78 (portable)"
    assert dialog.open_card_button.text() == "Ouvrir la fiche patient"
    with qtbot.waitSignal(page.patient_requested) as asked:
        qtbot.mouseClick(dialog.open_card_button, LEFT)
    assert asked.args == [agenda.patients[0]]
    assert not dialog.isVisible()


# -- undoing a move -------------------------------------------------------------------

def test_after_a_drag_the_message_line_puts_it_back(qtbot, page, agenda):
    a = book(agenda, 9)
    page.load()
    drag_item(page, a.id, agenda.morel, MONDAY, 10 * 60 + 30)
    assert stored(agenda, a.id).starts_at == agenda.at(MONDAY, 10, 30)
    assert page.message_action() == "Annuler le déplacement"
    assert "lundi 16 mars à 09:00" in page.message()
    qtbot.mouseClick(page.banner.action_button, LEFT)
    back = stored(agenda, a.id)
    assert (back.starts_at, back.ends_at) == (a.starts_at, a.ends_at)
    assert history(agenda, a.id) == ["create", "move", "move"]  # the undo is one more entry
    assert page.message_action() == ""
    assert page.grid.selected_item() == a.id


def test_ctrl_z_after_a_paste_puts_it_back(qtbot, page, agenda):
    a = book(agenda, 9)
    page.load()
    page.cut(a.id)
    assert page.paste(agenda.faure, MONDAY, 11 * 60)
    assert stored(agenda, a.id).practitioner_id == agenda.faure
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_Z, CTRL)
    back = stored(agenda, a.id)
    assert (back.practitioner_id, back.starts_at) == (agenda.morel, a.starts_at)
    assert history(agenda, a.id) == ["create", "move", "move"]
    qtbot.keyClick(page.grid, Qt.Key.Key_Z, CTRL)  # once only: nothing more happens
    assert history(agenda, a.id) == ["create", "move", "move"]


def test_the_undo_is_refused_when_the_old_time_was_taken_since(qtbot, page, agenda):
    a = book(agenda, 9)
    page.load()
    drag_item(page, a.id, agenda.morel, MONDAY, 11 * 60)
    book(agenda, 9, patient=1)  # someone else takes 09:00 meanwhile
    seen = answer_message(QMessageBox.ButtonRole.AcceptRole)
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_Z, CTRL)
    assert "pris depuis" in seen["text"] and "09:00" in seen["text"]
    assert stored(agenda, a.id).starts_at == agenda.at(MONDAY, 11)
    assert history(agenda, a.id) == ["create", "move"]


# -- moving with the slot finder ------------------------------------------------------

def test_the_menu_moves_with_the_slot_finder_preset_and_enter_moves(qtbot, page, agenda):
    a = book(agenda, 10)
    page.load()
    menu = page.context_menu(a.id, agenda.morel, MONDAY, 600)
    (find,) = [x for x in menu.actions()
               if x.text() == "Déplacer avec la recherche de créneau…"]
    find.trigger()
    finder = page.booking_tools.finder
    qtbot.waitUntil(lambda: finder.isVisible())
    assert finder.windowTitle() == "Déplacer un rendez-vous"
    assert finder.patient.patient_id() == agenda.patients[0]
    assert finder.patient.edit.isReadOnly()
    assert finder.type.currentData() == agenda.consult and not finder.type.isEnabled()
    assert finder.practitioners.checked() == [agenda.morel]
    assert "LEFÈVRE Jeanne" in finder.moving_label.text()
    slot = finder.highlighted()
    assert slot is not None
    finder.table.setFocus()
    qtbot.keyClick(finder.table, Qt.Key.Key_Return)
    moved = stored(agenda, a.id)
    assert (moved.starts_at, moved.practitioner_id) == (slot.starts_at, agenda.morel)
    assert moved.minutes == 15 and moved.patient_id == agenda.patients[0]
    assert history(agenda, a.id) == ["create", "move"]  # one entry for the move
    assert agenda.service.count() == 1  # moved, not booked again
    assert page.grid.selected_item() == a.id
    assert page.message_action() == "Annuler le déplacement"
    assert page.undo_move()
    assert stored(agenda, a.id).starts_at == a.starts_at


def test_the_dialog_offers_to_move_with_the_slot_finder(qtbot, page, agenda):
    a = book(agenda, 10)
    page.load()
    dialog = page.open_appointment(a.id)
    assert dialog.move_button.isVisible() and dialog.move_button.text() == "Déplacer…"
    qtbot.mouseClick(dialog.move_button, LEFT)
    assert not dialog.isVisible()
    finder = page.booking_tools.finder
    qtbot.waitUntil(lambda: finder is not None and finder.isVisible())
    assert finder.moving is not None and finder.moving.id == a.id


def test_a_move_in_the_dialog_can_be_undone_too(qtbot, page, agenda):
    a = book(agenda, 10)
    page.load()
    dialog = page.open_appointment(a.id)
    dialog.start.setText("11:15")
    assert dialog.save()
    assert stored(agenda, a.id).starts_at == agenda.at(MONDAY, 11, 15)
    assert page.message_action() == "Annuler le déplacement"
    assert page.undo_move()
    assert stored(agenda, a.id).starts_at == a.starts_at
    assert page.message_action() == ""
