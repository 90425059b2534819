"""The appointment dialog on a real profile: the guard's live feedback, booking through a
refusal (the owner's recorded override), changing an appointment, its statuses, its
cancellation and its history; the patient search from the keyboard."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.clock import FrozenClock
from app.i18n import _
from app.models import AppointmentStatus
from app.services.agenda.service import status_labels
from app.services.agenda.views import BookingInput
from app.services.patients import PatientInput, PhoneEntry
from app.ui.agenda.appointment_dialog import AppointmentDialog, parse_start
from app.ui.agenda.cancel_dialog import CancelDialog
from tests.agenda_fixtures import MONDAY, build_agenda

AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # Monday 09:30 in Paris
TUESDAY = MONDAY + timedelta(days=1)
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def agenda(workspace):
    workspace.clock = FrozenClock(AT)
    return build_agenda(workspace)


_OPEN: list[AppointmentDialog] = []


@pytest.fixture(autouse=True)
def close_dialogs(qtbot):
    """A failed test must not leave a dialog whose close asks a question."""
    yield
    while _OPEN:  # (qtbot's own closing would ask about unsaved changes)
        dialog = _OPEN.pop()
        dialog.done(0)
        dialog.deleteLater()


def dialog_for(qtbot, agenda, **kwargs) -> AppointmentDialog:
    dialog = AppointmentDialog(agenda.ws, **kwargs)
    _OPEN.append(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)  # its shortcuts work from then on
    return dialog


def new_dialog(qtbot, agenda, hour, minute=0, *, pid=None, day=TUESDAY, **kwargs):
    return dialog_for(qtbot, agenda, practitioner_id=pid or agenda.morel, day=day,
                      start_min=hour * 60 + minute, **kwargs)


def book(agenda, pid, hour, minute=0, *, day=TUESDAY, patient=0, override=False):
    return agenda.service.book(BookingInput(
        pid, agenda.at(day, hour, minute), patient_id=agenda.patients[patient],
        type_id=agenda.consult), override=override).appointment


def answer_message(role: QMessageBox.ButtonRole) -> dict:
    seen: dict = {}

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen["text"] = box.text()
        seen["buttons"] = [b.text() for b in box.buttons()]
        buttons = [b for b in box.buttons() if box.buttonRole(b) == role]
        (buttons[0] if buttons else box.buttons()[-1]).click()

    QTimer.singleShot(0, answer)
    return seen


def choose_patient(qtbot, dialog, text: str) -> None:
    qtbot.keyClicks(dialog.patient.edit, text)
    qtbot.keyClick(dialog.patient.edit, Qt.Key.Key_Return)
    assert dialog.patient.patient_id()


def test_times_are_typed_as_a_secretary_types_them():
    assert [parse_start(t) for t in ("9", "9h", "09:30", "9h30", "930", "1030", "14H05")] == [
        540, 540, 570, 570, 570, 630, 845]
    for bad in ("25", "9h75", "midi", "", "24:00"):
        with pytest.raises(ValueError):
            parse_start(bad)


def test_the_guard_answers_as_the_fields_change(qtbot, agenda):
    dialog = new_dialog(qtbot, agenda, 12, 30)
    closed = _("{start}–{end} is outside {who}'s opening hours.").format(
        start="12:30", end="12:45", who="Dr Claire Morel")
    assert dialog.blocking.isVisible() and closed in dialog.blocking_reasons()
    dialog.start.selectAll()
    qtbot.keyClicks(dialog.start, "10h")
    assert dialog.blocking_reasons() == [] and not dialog.blocking.isVisible()
    assert dialog.end_label.text() == _("ends at {time}").format(time="10:15")
    # The home visit is offered in the afternoon only; choosing it sets its length.
    dialog.type.setCurrentIndex(dialog.type.findData(agenda.visit))
    assert dialog.duration.value() == 30
    assert [r for r in dialog.blocking_reasons() if r.startswith(_(
        "This appointment type is not offered in these hours ({start}–{end}).").split("(")[0])]
    dialog.start.selectAll()
    qtbot.keyClicks(dialog.start, "15:00")
    assert dialog.blocking_reasons() == []
    # Another booking there: said at once, with its time and motif.
    book(agenda, agenda.morel, 15, 15)
    dialog.duration.setValue(45)
    assert _("Overlaps another appointment: {label}.").format(
        label="15:15–15:30 Consultation") in dialog.blocking_reasons()
    dialog.done(0)


def test_the_same_patient_elsewhere_is_a_warning_in_amber(qtbot, agenda):
    book(agenda, agenda.faure, 9, 0, patient=0)
    dialog = new_dialog(qtbot, agenda, 9, 0)
    assert not dialog.warnings.isVisible()
    choose_patient(qtbot, dialog, "jeanne")
    assert dialog.patient.patient_id() == agenda.patients[0]
    assert dialog.warnings.isVisible()
    assert dialog.warnings.objectName() == "WarnText"
    assert "Dr Julien Faure" in dialog.warnings.text()
    assert dialog.blocking_reasons() == []
    assert dialog.save()
    [mine] = agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY)
    assert mine.patient_id == agenda.patients[0]


def test_a_refused_booking_is_booked_only_by_the_owners_explicit_choice(qtbot, agenda):
    dialog = new_dialog(qtbot, agenda, 12, 30)
    choose_patient(qtbot, dialog, "lefe")
    seen = answer_message(QMessageBox.ButtonRole.RejectRole)
    assert not dialog.save()
    closed = _("{start}–{end} is outside {who}'s opening hours.").format(
        start="12:30", end="12:45", who="Dr Claire Morel")
    assert closed in seen["text"]
    assert seen["buttons"] == [_("Book anyway (recorded)"), _("Cancel")]
    assert dialog.isVisible()
    assert agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY) == []

    seen = answer_message(QMessageBox.ButtonRole.AcceptRole)
    written: list = []
    dialog.written.connect(lambda ids, warnings: written.append(ids))
    assert dialog.save()
    [booked] = agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY)
    assert closed in booked.override_note
    assert written == [[booked.id]]

    opened = dialog_for(qtbot, agenda, appointment_id=booked.id)
    assert opened.override_note.isVisible() and closed in opened.override_note.text()
    history = opened.history
    assert history.topLevelItemCount() == 1
    row = history.topLevelItem(0)
    assert row.text(2) == _("Booked over a refusal")
    assert _("outside opening hours") in row.text(3)
    [entry] = agenda.service.history(booked.id)
    assert row.text(0) == agenda.ws.zone.local(entry.at).strftime("%d/%m/%Y %H:%M")
    opened.done(0)


def test_changing_the_time_moves_it_and_the_history_shows_from_and_to(qtbot, agenda):
    a = book(agenda, agenda.morel, 9, 0)
    dialog = dialog_for(qtbot, agenda, appointment_id=a.id)
    assert dialog.windowTitle() == _("Appointment — {name}").format(name="LEFÈVRE Jeanne")
    assert dialog.start.text() == "09:00" and dialog.patient.patient_name() == "LEFÈVRE Jeanne"
    assert dialog.status_row[AppointmentStatus.BOOKED.value].isChecked()
    assert not dialog.is_dirty
    dialog.start.selectAll()
    qtbot.keyClicks(dialog.start, "1100")
    qtbot.keyClicks(dialog.note, "Rappeler la veille")
    assert dialog.is_dirty
    qtbot.keyClick(dialog.start, Qt.Key.Key_S, CTRL)
    assert not dialog.isVisible()
    moved = agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY)[0]
    assert moved.starts_at == agenda.at(TUESDAY, 11, 0) and moved.minutes == 15
    assert moved.note == "Rappeler la veille"

    again = dialog_for(qtbot, agenda, appointment_id=a.id)
    rows = [again.history.topLevelItem(i) for i in range(again.history.topLevelItemCount())]
    assert [r.text(2) for r in rows] == [_("Booked"), _("Moved"), _("Changed")]
    assert _("{field}: {before} → {after}").format(
        field=_("start"), before="17/03/2026 09:00", after="17/03/2026 11:00") in rows[1].text(3)
    assert _("{field}: {before} → {after}").format(
        field=_("note"), before="—", after="Rappeler la veille") in rows[2].text(3)
    again.done(0)


def test_status_buttons_apply_at_once(qtbot, agenda):
    a = book(agenda, agenda.morel, 9, 0)
    dialog = dialog_for(qtbot, agenda, appointment_id=a.id)
    written: list = []
    dialog.written.connect(lambda ids, warnings: written.append(ids))
    arrived = dialog.status_row[AppointmentStatus.ARRIVED.value]
    assert arrived.text() == status_labels()[AppointmentStatus.ARRIVED.value]
    arrived.click()
    assert agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY)[0].status == "arrived"
    assert arrived.isChecked()
    assert not dialog.status_row[AppointmentStatus.BOOKED.value].isChecked()
    assert written == [[a.id]]
    assert dialog.history.topLevelItem(1).text(2) == _("Status changed")
    dialog.done(0)


def test_cancelling_from_the_dialog_asks_who_cancelled(qtbot, agenda):
    a = book(agenda, agenda.morel, 9, 0)
    dialog = dialog_for(qtbot, agenda, appointment_id=a.id)
    cancelled: list[str] = []
    dialog.cancelled.connect(cancelled.append)

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, CancelDialog):
            QTimer.singleShot(10, answer)
            return
        box.choose("no_show")
        box.confirm.click()

    QTimer.singleShot(0, answer)
    dialog.cancel_button.click()
    gone = agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY)[0]
    assert gone.status == AppointmentStatus.NO_SHOW.value and gone.cancel_reason == "no_show"
    assert cancelled == [a.id] and not dialog.isVisible()
    # Opened again: cancelled, said so; a cancelled one cannot be changed.
    agenda.service.cancel(book(agenda, agenda.morel, 10, 0).id, "patient")
    [_no_show, cancelled_one] = agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY)
    view = dialog_for(qtbot, agenda, appointment_id=cancelled_one.id)
    assert _("Cancelled by the patient") in view.status_label.text()
    assert not view.save_button.isEnabled() and not view.cancel_button.isEnabled()
    view.done(0)


def test_escape_with_unsaved_changes_asks_first(qtbot, agenda):
    dialog = new_dialog(qtbot, agenda, 10, 0)
    qtbot.keyClicks(dialog.note, "Reunion")
    asked = answer_message(QMessageBox.ButtonRole.RejectRole)  # Cancel: stay
    qtbot.keyClick(dialog.note, Qt.Key.Key_Escape)
    assert asked["text"] == _("This appointment has unsaved changes.")
    assert dialog.isVisible()
    answer_message(QMessageBox.ButtonRole.DestructiveRole)  # Discard
    qtbot.keyClick(dialog.note, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY) == []
    untouched = new_dialog(qtbot, agenda, 10, 0)
    qtbot.keyClick(untouched.note, Qt.Key.Key_Escape)  # nothing typed: closes at once
    assert not untouched.isVisible()


def test_a_note_without_a_patient_books_a_block_of_time(qtbot, agenda):
    dialog = new_dialog(qtbot, agenda, 11, 0)
    assert not dialog.save()
    assert dialog.errors.isVisible()
    qtbot.keyClicks(dialog.note, "Reunion d'equipe")
    dialog.duration.setValue(45)
    assert dialog.save()
    [block] = agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY)
    assert block.patient_id is None and block.note == "Reunion d'equipe" and block.minutes == 45


def test_a_start_that_is_not_a_time_is_refused_before_the_guard(qtbot, agenda):
    dialog = new_dialog(qtbot, agenda, 11, 0)
    choose_patient(qtbot, dialog, "lefe")
    dialog.start.selectAll()
    qtbot.keyClicks(dialog.start, "onze")
    assert dialog.errors.isVisible()
    assert not dialog.save()
    assert agenda.service.appointments([agenda.morel], TUESDAY, TUESDAY) == []


def test_the_patient_shows_its_alert_and_missed_appointments(qtbot, agenda):
    ws = agenda.ws
    pid = ws.patients.create(PatientInput(birth_name="Garnier", first_names="Lucie",
                                          birth_date="04/05/1950", alert="Malentendante",
                                          phones=[PhoneEntry("06 11 22 33 44")])).id
    missed = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 9), patient_id=pid,
                                         type_id=agenda.consult)).appointment
    ws.agenda.cancel(missed.id, "no_show")
    dialog = new_dialog(qtbot, agenda, 10, 0)
    picker = dialog.patient
    qtbot.keyClicks(picker.edit, "garn")
    assert picker.results.count() == 1
    assert picker.results.item(0).text() == "⚠ GARNIER Lucie · 04/05/1950 · 06 11 22 33 44"
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert picker.patient_id() == pid
    assert picker.alert.isVisible() and picker.alert.text() == "Malentendante"
    assert picker.alert.objectName() == "AlertBanner"
    assert picker.no_shows.isVisible() and "1" in picker.no_shows.text()
    assert picker.info.text() == "04/05/1950 · 06 11 22 33 44"
    # Typing again drops the choice and searches anew.
    qtbot.keyClicks(picker.edit, "x")
    assert picker.patient_id() == "" and not picker.alert.isVisible()
    dialog.done(0)


def test_the_workstation_time_is_shown_when_its_zone_differs(qtbot, agenda):
    dialog = new_dialog(qtbot, agenda, 9, 0)
    instant = agenda.at(TUESDAY, 9)
    here = instant.astimezone()
    if here.utcoffset() == agenda.ws.zone.local(instant).utcoffset():
        assert dialog.local_time.text() == ""
    else:
        assert here.strftime("%H:%M") in dialog.local_time.text()
    dialog.done(0)
