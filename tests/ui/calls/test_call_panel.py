"""The call panel end to end, real widgets over a real encrypted practice: a call the
phone system announced opens the panel on its caller, the slot finder books for them,
the call closes with its outcome; F2 for an unknown caller; a family phone; the urgent
protocol that refuses to close without its referral."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import Call, CallStep
from app.services.patients import PatientInput, PhoneEntry
from app.ui.calls.panel import BOOK
from tests.agenda_fixtures import build_agenda


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


def _row(ws, call_id) -> Call:
    with ws.store.reader() as s:
        return s.get(Call, call_id)


def _steps(ws, call_id) -> list[str]:
    with ws.store.reader() as s:
        return list(s.execute(select(CallStep.kind).where(CallStep.call_id == call_id)
                              .order_by(CallStep.at, CallStep.id)).scalars())


def test_a_ringing_call_is_booked_through_the_slot_finder_and_closed(main_window, qtbot,
                                                                     workspace, agenda):
    ws = workspace
    # As `permanence call ringing --from "+33 6 98 76 54 32" --id pbx-7` records it.
    rang = ws.calls.ringing("+33 6 98 76 54 32", call_id="pbx-7")
    ws.calls.answered("pbx-7")
    assert main_window.show_call(rang.call.id)
    panel = main_window.call_panel
    qtbot.waitUntil(panel.isVisible)
    assert "MARTIN Paul" in panel.card.text()
    assert "06 98 76 54 32" in panel.number.text()
    assert panel.unknown.isHidden() and panel.members.isHidden()

    qtbot.mouseClick(panel.buttons[BOOK], Qt.MouseButton.LeftButton)
    finder = main_window.agenda.booking_tools.finder
    qtbot.waitUntil(lambda: finder is not None and finder.isVisible())
    assert finder.patient.patient_id() == agenda.patients[1]
    finder.search()
    qtbot.waitUntil(lambda: finder.highlighted() is not None)
    finder.book_highlighted()
    booked = finder.result.appointment
    # The booking set the reason and the outcome; the note is the secretary's.
    assert panel.reason.currentData() == "appointment"
    assert panel.outcome.currentData() == "booked"
    assert "Next:" in panel.card.text() or "Prochain" in panel.card.text()
    panel.note.setText("Préfère le matin")
    panel.close_button.click()
    assert panel.isHidden()
    row = _row(ws, rang.call.id)
    assert (row.reason, row.outcome, row.appointment_id, row.handled_by, row.note) == (
        "appointment", "booked", booked.id, ws.user_id, "Préfère le matin")
    assert row.ended_at is None  # the phone system's "ended" will say when
    assert _steps(ws, rang.call.id) == ["booked", "closed"]


def test_f2_for_an_unknown_caller_offers_a_prefilled_card(main_window, qtbot, workspace,
                                                          agenda):
    main_window.activateWindow()
    qtbot.keyClick(main_window.agenda.grid, Qt.Key.Key_F2)
    panel = main_window.call_panel
    qtbot.waitUntil(panel.isVisible)
    # One key, and the secretary is typing the caller.
    assert panel.caller_edit.hasFocus()
    qtbot.keyClicks(panel.caller_edit, "12")  # not a number: said, and nothing written
    qtbot.keyClick(panel.caller_edit, Qt.Key.Key_Return)
    assert not panel.caller_error.isHidden() and "12" in panel.caller_error.text()
    assert _row(workspace, panel.call_id).number == ""
    panel.caller_edit.clear()
    qtbot.keyClicks(panel.caller_edit, "07 61 00 11 22")
    qtbot.keyClick(panel.caller_edit, Qt.Key.Key_Return)
    assert panel.unknown.isVisible() and panel.create_button.isVisible()
    call_id = panel.call_id
    assert _row(workspace, call_id).number == "+33761001122"
    # Closing without an outcome is refused, and says so.
    assert not panel.close_call()
    assert panel.isVisible() and panel.close_error.text()
    dialog = panel.create_patient()
    assert dialog.form.phone_rows[0].number.text().replace(" ", "") == "0761001122"
    dialog.form.birth_name.setText("Nouveau")
    dialog.form.first_names.setText("Patient")
    assert dialog.form.save()
    qtbot.waitUntil(lambda: "NOUVEAU Patient" in panel.card.text())
    panel.set_outcome("information", "informed")
    assert panel.close_call()
    row = _row(workspace, call_id)
    assert (row.caller_kind, row.outcome) == ("patient", "informed")
    assert row.ended_at is not None and row.answered_at == row.started_at


def test_a_family_phone_lists_each_member_with_birth_date(main_window, qtbot, workspace,
                                                         agenda):
    ws = workspace
    lea = ws.patients.create(PatientInput(
        birth_name="Lefèvre", first_names="Léa", birth_date=date(2015, 4, 3),
        alert="Allergie pénicilline", phones=[PhoneEntry("06 12 34 56 78")])).id
    rang = ws.calls.ringing("0033612345678", call_id="pbx-8")
    main_window.show_call(rang.call.id)
    panel = main_window.call_panel
    assert panel.members.isVisible() and panel.members.count() == 2
    lines = [panel.members.item(i).text() for i in range(2)]
    assert any("LEFÈVRE Léa" in line and "03/04/2015" in line for line in lines)
    assert panel.members.hasFocus()
    row = next(i for i, line in enumerate(lines) if "Léa" in line)
    assert panel.choose_member(row)
    assert "LEFÈVRE Léa" in panel.card.text()
    assert panel.alert.isVisible() and "pénicilline" in panel.alert.text()
    assert _row(ws, rang.call.id).caller_id == lea


def test_the_urgent_protocol_does_not_close_without_its_referral(main_window, qtbot,
                                                                 workspace, agenda):
    ws = workspace
    rang = ws.calls.ringing("06 12 34 56 78", call_id="pbx-9")
    ws.calls.answered("pbx-9")
    main_window.show_call(rang.call.id)
    panel = main_window.call_panel
    main_window.activateWindow()
    qtbot.keyClick(panel.reason, Qt.Key.Key_F9)  # one key, from anywhere on the panel
    assert panel.urgent.isVisible()
    assert panel.reason.currentData() == "urgent"
    panel.urgent.tick(0)  # chest pain: the 15
    assert panel.urgent.call_15_box.isVisible()
    assert panel.urgent.number_15.text() == "15"
    panel.outcome.setCurrentIndex(panel.outcome.findData("sent_to_15"))
    assert not panel.close_call()
    assert panel.isVisible() and "15" in panel.close_error.text()
    assert _row(ws, rang.call.id).outcome == ""
    panel.urgent.buttons["call_15"].click()
    assert panel.outcome.currentData() == "sent_to_15"
    # The urgent message to the practitioner comes written: checked, then sent.
    message = main_window.message_dialog
    assert message is not None and message.urgent.isChecked()
    assert "Chest pain" in message.body.toPlainText() or \
        "Douleur thoracique" in message.body.toPlainText()
    assert message.send()
    assert panel.close_call()
    assert _steps(ws, rang.call.id) == ["urgent_started", "red_flag", "referral",
                                        "urgent_message", "closed"]
    [sent] = ws.messages.inbox()
    assert sent.urgent and sent.call_id == rang.call.id
    report = ws.call_desk.urgent_calls(ws.zone.today(ws.clock.now()))
    assert [r.call.id for r in report] == [rang.call.id]


def test_a_second_call_waits_for_the_first_to_close(main_window, qtbot, workspace, agenda):
    ws = workspace
    first = ws.calls.ringing("06 98 76 54 32", call_id="a").call.id
    second = ws.calls.ringing("02 47 11 22 33", call_id="b").call.id
    assert main_window.show_call(first)
    assert not main_window.show_call(second)
    panel = main_window.call_panel
    assert panel.call_id == first
    panel.set_outcome("information", "informed")
    assert panel.close_call()
    assert panel.call_id == second and "N'DIAYE Awa" in panel.card.text()
    # Quitting waits for the call's outcome, and says so.
    assert not main_window.close()
    assert main_window.isVisible() and "Ctrl" in panel.close_error.text()
    panel.set_outcome("information", "no_follow_up")
    assert panel.close_call()
    assert main_window.close()


def test_every_action_of_the_panel_is_a_step_of_the_call(main_window, qtbot, workspace,
                                                         agenda):
    from datetime import timedelta

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.models import AppointmentStatus
    from app.services.agenda.views import BookingInput
    from app.ui.agenda.cancel_dialog import CancelDialog
    from tests.agenda_fixtures import MONDAY

    ws = workspace
    first = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY + timedelta(days=1), 9),
                                        None, agenda.patients[1], agenda.consult)).appointment
    rang = ws.calls.ringing("06 98 76 54 32", call_id="acts")
    main_window.show_call(rang.call.id)
    panel = main_window.call_panel
    # Message to the practitioner: the form preset with the patient and the call.
    dialog = panel.leave_message()
    assert dialog.patient.patient_id() == agenda.patients[1]
    dialog.body.setPlainText("Demande un certificat")
    assert dialog.send()
    assert panel.outcome.currentData() == "message"
    # A callback, and a transfer to whom.
    callback = panel.plan_callback()
    callback.reason.setText("avec les résultats")
    assert callback.save()
    transfer = panel.transfer()
    transfer.to.setEditText("")
    assert not transfer.save() and transfer.error.text()  # to whom, first
    transfer.to.setEditText("Dr Julien Faure")
    assert transfer.save()
    # Move the next appointment in the slot finder, then cancel the new one.
    mover = panel.move_next()
    qtbot.waitUntil(lambda: mover.highlighted() is not None)
    mover.book_highlighted()
    moved = ws.agenda.get(first.id)
    assert moved.starts_at != first.starts_at

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, CancelDialog):
            QTimer.singleShot(10, answer)
            return
        box.reasons["patient"].setChecked(True)
        box.accept()

    QTimer.singleShot(0, answer)
    assert panel.cancel_next()
    assert ws.agenda.get(first.id).status == AppointmentStatus.CANCELLED.value
    panel.set_outcome("reschedule", "callback")
    assert panel.close_call()
    assert _steps(ws, rang.call.id) == ["message", "callback", "transferred", "moved",
                                        "cancelled", "closed"]
    row = _row(ws, rang.call.id)
    assert row.appointment_id == first.id and row.outcome == "callback"
    [open_callback] = ws.callbacks.open_list()
    assert open_callback.reason == "avec les résultats"
    [message] = ws.messages.inbox()
    assert message.call_id == rang.call.id


def test_the_same_day_urgent_slot_is_a_reserved_one_booked_from_the_protocol(
        main_window, qtbot, workspace, agenda):
    from app.services.agenda.setup import TypeInput
    from tests.services.calls.test_desk import _reserve

    ws = workspace
    urgent = ws.agenda_setup.save_type(TypeInput("Urgence", 15, urgent_only=True))
    _reserve(ws, agenda, urgent.id)
    # The ordinary slot finder does not offer the reserved motif.
    finder = main_window.agenda.booking_tools.open_finder(agenda.patients[0])
    assert finder.type.findData(urgent.id) == -1
    finder.close()
    rang = ws.calls.ringing("06 12 34 56 78", call_id="same-day")
    main_window.show_call(rang.call.id)
    panel = main_window.call_panel
    panel.open_urgent()
    panel.urgent.tick(7)  # high fever, worsening: a same-day slot
    finder = panel.refer("same_day")
    assert finder.type.currentData() == urgent.id and finder.type.count() == 1
    qtbot.waitUntil(lambda: finder.highlighted() is not None)
    slot = finder.highlighted()
    assert ws.zone.day_of(slot.starts_at) == ws.zone.today(ws.clock.now())
    finder.book_highlighted()
    assert main_window.message_dialog is not None  # the urgent message, written
    main_window.message_dialog.reject()
    assert panel.close_call()
    row = _row(ws, rang.call.id)
    assert (row.outcome, row.reason) == ("booked", "urgent")
    assert ws.agenda.get(row.appointment_id).type_id == urgent.id
    assert _steps(ws, rang.call.id) == ["urgent_started", "red_flag", "booked", "referral",
                                        "closed"]
