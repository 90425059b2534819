"""The Agenda screen driven as a secretary would (mouse drags, clicks and keys on the real
page, offscreen) over a real encrypted profile; what is stored is read back through the
service, in practice time and as UTC instants."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.clock import FrozenClock
from app.i18n import _
from app.models import AppointmentStatus, Patient, kinds
from app.services.agenda.service import AgendaService
from app.services.agenda.setup import AbsenceInput, HoursRange
from app.services.agenda.views import BookingInput
from app.services.directory import ContactInput
from app.services.patients import PatientInput
from app.ui.agenda import (
    BAND_ABSENCE,
    BAND_HOLIDAY,
    BAND_OPEN,
    FLAG_ALERT,
    FLAG_NEW_PATIENT,
    FLAG_OVERRIDE,
    FLAG_SAME_PATIENT,
)
from app.ui.agenda.adapter import CUT_MARK, absence_label, holiday_label
from app.ui.agenda.cancel_dialog import CancelDialog
from app.i18n import capitalise_first
from app.ui.agenda.page import AgendaPage, week_caption
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import MONDAY, build_agenda

AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # Monday 09:30 in Paris
TUESDAY = MONDAY + timedelta(days=1)
LEFT = Qt.MouseButton.LeftButton
NO = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def agenda(workspace):
    workspace.clock = FrozenClock(AT)  # before any agenda service is made
    return build_agenda(workspace)


@pytest.fixture
def bus(agenda):
    return ChangeBus(agenda.ws.store, agenda.ws.initiator)


@pytest.fixture
def page(qtbot, agenda, bus):
    widget = AgendaPage(agenda.ws, bus)
    qtbot.addWidget(widget)
    widget.resize(1200, 820)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    if widget.appointment_actions.dialog is not None:
        widget.appointment_actions.dialog.done(0)


@pytest.fixture
def published(bus):
    """What the bus told, as (kind, id, what happened) for each row written."""
    seen: list[tuple[str, str, str]] = []

    def heard(changes) -> None:
        for kind, rows in changes.kinds.items():
            seen.extend((kind, i, "inserted") for i in rows.inserted)
            seen.extend((kind, i, "updated") for i in rows.updated)
            seen.extend((kind, i, "tombstoned") for i in rows.tombstoned)

    bus.changed.connect(heard)
    return seen


def book(agenda, pid, hour, minute=0, *, day=MONDAY, patient=0, override=False):
    return agenda.service.book(BookingInput(
        pid, agenda.at(day, hour, minute), patient_id=agenda.patients[patient],
        type_id=agenda.consult), override=override).appointment


def stored(agenda, appointment_id):
    first, last = MONDAY - timedelta(days=7), MONDAY + timedelta(days=14)
    found = [a for a in agenda.service.appointments([agenda.morel, agenda.faure], first, last)
             if a.id == appointment_id]
    assert len(found) == 1
    return found[0]


def drag(grid, start: QPoint, end: QPoint) -> None:
    vp = grid.viewport()
    QTest.mousePress(vp, LEFT, NO, start)
    for i in range(1, 5):  # as a hand moves: the first step crosses the drag distance
        QTest.mouseMove(vp, start + (end - start) * (i / 4))
    QTest.mouseRelease(vp, LEFT, NO, end)


def drag_item(page, item_id, column, day, minute) -> None:
    """Grab a box 5 px below its top and drop it so its top lands on ``minute``."""
    grid = page.grid
    rect = grid.item_rect(item_id)
    assert rect is not None
    start = QPoint(rect.center().x(), rect.top() + 5)
    target = grid.position_of(column, day, minute)
    drag(grid, start, QPoint(target.x(), target.y() + 5))


def answer_message(role: QMessageBox.ButtonRole) -> dict:
    """Click the button of ``role`` in the next message box; what it showed."""
    seen: dict = {}

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen["text"] = box.text()
        seen["buttons"] = [(b.text(), box.buttonRole(b)) for b in box.buttons()]
        buttons = [b for b in box.buttons() if box.buttonRole(b) == role]
        (buttons[0] if buttons else box.buttons()[-1]).click()

    QTimer.singleShot(0, answer)
    return seen


def items(page):
    return {i.id: i for i in page.grid.data().items}


# -- the main window -----------------------------------------------------------------


def test_the_main_window_opens_on_todays_agenda_with_a_column_per_practitioner(
        qtbot, agenda, main_window):
    assert main_window.nav.item(0).text() == _("Agenda")
    assert main_window.pages.currentWidget() is main_window.agenda
    page = main_window.agenda
    assert page.current_view() == "day"
    today = agenda.ws.zone.today(agenda.ws.clock.now())
    assert page.current_day() == today
    assert page.grid.data().days == (today,)
    assert {c.key for c in page.grid.data().columns} == {agenda.morel, agenda.faure}
    assert page.selected_practitioners() == [agenda.faure, agenda.morel]  # by last name
    # The global search shows its results over the agenda, which stays.
    qtbot.keyClick(main_window, Qt.Key.Key_K, CTRL)
    qtbot.keyClicks(main_window.search, "dup")
    assert main_window.pages.currentWidget() is page
    assert main_window.search_overlay.results.count() == 1


def test_the_status_bar_gives_both_times_when_the_zones_differ():
    from zoneinfo import ZoneInfo

    from app.ui.main_window import zone_caption

    now = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)
    bucharest = now.astimezone(ZoneInfo("Europe/Bucharest"))
    text = zone_caption("Europe/Paris", bucharest)
    assert text == _("Practice time ({zone}): {time} — here {local} ({diff})").format(
        zone="Europe/Paris", time="09:30", local="10:30",
        diff=_("{sign}{hours} h").format(sign="+", hours=1))
    assert zone_caption("Europe/Paris", now.astimezone(ZoneInfo("Europe/Paris"))) == "Europe/Paris"
    kolkata = now.astimezone(ZoneInfo("Asia/Kolkata"))  # +4 h 30 from Paris in March
    assert "14:00" in zone_caption("Europe/Paris", kolkata)
    assert _("{sign}{hours} h {minutes}").format(sign="+", hours=4, minutes="30") in \
        zone_caption("Europe/Paris", kolkata)


# -- what is shown --------------------------------------------------------------------


def test_the_day_shows_hours_appointments_and_their_marks(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 9, 0, patient=0)
    b = book(agenda, agenda.faure, 9, 0, patient=0)  # the same patient, same time
    c = book(agenda, agenda.morel, 12, 30, patient=1, override=True)  # closed: forced
    page.load()
    shown = items(page)
    assert set(shown) == {a.id, b.id, c.id}
    assert shown[a.id].title == "LEFÈVRE Jeanne" and shown[a.id].subtitle == "Consultation"
    assert (shown[a.id].start_min, shown[a.id].end_min) == (540, 555)
    assert shown[a.id].colour == "#3b7dd8"
    assert FLAG_SAME_PATIENT in shown[a.id].flags and FLAG_SAME_PATIENT in shown[b.id].flags
    assert shown[c.id].flags == frozenset({FLAG_OVERRIDE, FLAG_NEW_PATIENT})  # Paul's first
    open_bands = sorted((b.start_min, b.end_min) for b in page.grid.data().bands
                        if b.kind == BAND_OPEN and b.column_key == agenda.morel)
    assert open_bands == [(510, 720), (840, 1140)]
    # 08:30–19:00 plus half an hour each side.
    assert page.grid.visible_range() == (8 * 60, 19 * 60 + 30)


def test_holidays_and_absences_are_labelled_bands(qtbot, page, agenda):
    ws = agenda.ws
    ws.agenda_setup.add_absence(AbsenceInput(
        agenda.faure, ws.zone.at(TUESDAY, 0), ws.zone.at(TUESDAY + timedelta(days=1), 0),
        replacement_id=agenda.morel))
    easter_monday = date(2026, 4, 6)
    page.go_to(TUESDAY)
    (absence,) = [b for b in page.grid.data().bands if b.kind == BAND_ABSENCE]
    assert absence.column_key == agenda.faure and (absence.start_min, absence.end_min) == (0, 1440)
    assert absence.label == absence_label("holiday", "Dr Claire Morel")
    assert "Dr Claire Morel" in absence.label
    assert not [b for b in page.grid.data().bands
                if b.kind == BAND_OPEN and b.column_key == agenda.faure]
    page.go_to(easter_monday)
    name = ws.agenda.schedule([agenda.morel], easter_monday, easter_monday).holiday(easter_monday)
    assert name
    (holiday,) = [b for b in page.grid.data().bands if b.kind == BAND_HOLIDAY]
    assert holiday.column_key == "" and holiday.label == holiday_label(name)
    assert not [b for b in page.grid.data().bands if b.kind == BAND_OPEN]


def test_views_captions_and_keyboard_navigation(qtbot, page, agenda):
    grid = page.grid
    grid.setFocus()
    assert page.navigation.caption.text() == "Lundi 16 mars 2026"
    qtbot.keyClick(grid, Qt.Key.Key_Right, ALT)
    assert page.navigation.caption.text() == "Mardi 17 mars 2026"
    qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert page.current_day() == date(2026, 3, 18)
    qtbot.keyClick(grid, Qt.Key.Key_PageUp)
    qtbot.keyClick(grid, Qt.Key.Key_Left, ALT)
    assert page.navigation.caption.text() == "Lundi 16 mars 2026"
    qtbot.keyClick(grid, Qt.Key.Key_2, CTRL)
    assert page.current_view() == "week"
    assert page.navigation.caption.text() == week_caption(MONDAY)
    assert page.navigation.caption.text() == capitalise_first(_("week of {first} to {last}").format(
        first="16", last="22 mars 2026"))
    # Monday to Saturday: nobody works or is booked on Sunday.
    assert page.shown_days() == [MONDAY + timedelta(days=i) for i in range(6)]
    # One agenda a week (two side by side are too narrow to read).
    assert len(grid.data().columns) == 1 and len(grid.data().days) == 6
    qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert page.navigation.caption.text() == capitalise_first(_("week of {first} to {last}").format(
        first="23", last="29 mars 2026"))
    qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert page.navigation.caption.text() == capitalise_first(_("week of {first} to {last}").format(
        first="30 mars", last="5 avril 2026"))
    qtbot.keyClick(grid, Qt.Key.Key_Home)
    assert page.navigation.caption.text() == week_caption(MONDAY)
    qtbot.keyClick(grid, Qt.Key.Key_3, CTRL)
    assert page.current_view() == "month" and page.navigation.caption.text() == "Mars 2026"
    month = page.month
    assert month.isVisible() and month.month() == (2026, 3)
    qtbot.keyClick(month, Qt.Key.Key_PageDown)
    assert page.navigation.caption.text() == "Avril 2026"
    assert month.selected_day() == date(2026, 4, 16)
    qtbot.keyClick(month, Qt.Key.Key_T, CTRL)
    assert page.navigation.caption.text() == "Mars 2026"
    # A click on a day opens it in the day view.
    rect = month.day_rect(date(2026, 3, 18))
    qtbot.mouseClick(month, LEFT, pos=rect.center())
    assert page.current_view() == "day"
    assert page.navigation.caption.text() == "Mercredi 18 mars 2026"
    # Ctrl+G: type a date, Enter.
    qtbot.keyClick(grid, Qt.Key.Key_G, CTRL)
    assert page.navigation.date_edit.hasFocus()
    qtbot.keyClicks(page.navigation.date_edit, "02042026")
    qtbot.keyClick(page.navigation.date_edit, Qt.Key.Key_Return)
    assert page.navigation.caption.text() == "Jeudi 2 avril 2026"
    qtbot.keyClick(grid, Qt.Key.Key_T, CTRL)
    assert page.current_day() == MONDAY


def test_the_week_shows_sunday_only_when_someone_is_booked_or_works_then(qtbot, page, agenda):
    sunday = MONDAY + timedelta(days=6)
    book(agenda, agenda.morel, 10, 0, day=sunday, override=True)
    page.show_week(MONDAY, [agenda.morel])
    assert page.shown_days()[-1] == sunday
    assert [c.key for c in page.grid.data().columns] == [agenda.morel]
    assert len(page.selected_practitioners()) == 1
    assert page.navigation.practitioner_button.text() == "Dr Claire Morel"


def test_the_month_shows_each_days_load(qtbot, page, agenda):
    for hour in (9, 10, 11):
        book(agenda, agenda.morel, hour, 0)
    page.show_month(2026, 3)
    assert page.month.isVisible()
    loads = {d.day: d for d in page.month._days.values()}  # noqa: SLF001 - what it was given
    assert loads[MONDAY].booked_count == 3 and loads[MONDAY].booked_minutes == 45
    assert loads[MONDAY].open_minutes == 2 * (210 + 300)


def test_choosing_practitioners_from_the_menu(qtbot, page, agenda):
    actions = page.navigation.practitioner_actions
    actions[agenda.faure].trigger()  # untick Dr Faure
    assert len(page.selected_practitioners()) == 1
    assert [c.key for c in page.grid.data().columns] == [agenda.morel]
    actions[agenda.morel].trigger()  # the last one stays: somebody is always shown
    assert len(page.selected_practitioners()) == 1
    page.navigation.all_action.trigger()
    assert page.selected_practitioners() == [agenda.faure, agenda.morel]
    assert page.navigation.practitioner_button.text() == _("All practitioners")


# -- moving ---------------------------------------------------------------------------


def test_dragging_an_appointment_from_nine_to_half_past_ten_moves_it(qtbot, page, agenda,
                                                                     published):
    a = book(agenda, agenda.morel, 9, 0)
    page.load()
    drag_item(page, a.id, agenda.morel, MONDAY, 10 * 60 + 30)
    moved = stored(agenda, a.id)
    assert agenda.ws.zone.wall_minute(moved.starts_at) == 630
    assert agenda.ws.zone.wall_minute(moved.ends_at) == 645
    assert moved.starts_at == datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)  # UTC+1 in March
    assert (kinds.APPOINTMENT, a.id, "updated") in published
    assert (items(page)[a.id].start_min, items(page)[a.id].end_min) == (630, 645)
    assert page.grid.selected_item() == a.id


def test_a_drag_to_the_other_practitioner_moves_it_there(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 10, 0)
    page.load()
    drag_item(page, a.id, agenda.faure, MONDAY, 11 * 60)
    moved = stored(agenda, a.id)
    assert moved.practitioner_id == agenda.faure
    assert agenda.ws.zone.wall_minute(moved.starts_at) == 660


def test_a_drag_onto_another_appointment_is_refused_then_the_owner_moves_it_anyway(
        qtbot, page, agenda):
    a = book(agenda, agenda.morel, 9, 0, patient=0)
    other = book(agenda, agenda.morel, 10, 30, patient=1)
    page.load()
    seen = answer_message(QMessageBox.ButtonRole.RejectRole)  # Cancel
    drag_item(page, a.id, agenda.morel, MONDAY, 10 * 60 + 30)
    reason = _("Overlaps another appointment: {label}.").format(label="10:30–10:45 Consultation")
    assert reason in seen["text"]
    # A move refused is moved anyway ("Déplacer quand même"), not booked.
    assert _("Move anyway (recorded)") in [text for text, _role in seen["buttons"]]
    assert _("Book anyway (recorded)") not in [text for text, _role in seen["buttons"]]
    unchanged = stored(agenda, a.id)
    assert agenda.ws.zone.wall_minute(unchanged.starts_at) == 540 and not unchanged.override_note
    assert items(page)[a.id].start_min == 540  # back where it was

    seen = answer_message(QMessageBox.ButtonRole.AcceptRole)  # Move anyway (recorded)
    drag_item(page, a.id, agenda.morel, MONDAY, 10 * 60 + 30)
    assert reason in seen["text"]
    forced = stored(agenda, a.id)
    assert agenda.ws.zone.wall_minute(forced.starts_at) == 630
    assert reason in forced.override_note
    assert stored(agenda, other.id).starts_at == agenda.at(MONDAY, 10, 30)
    assert FLAG_OVERRIDE in items(page)[a.id].flags
    assert [h.action for h in agenda.service.history(a.id)][-1] == "override"


def test_without_the_owner_role_a_refusal_only_says_why(qtbot, agenda, bus):
    ws = agenda.ws
    secretary = dataclasses.replace(ws.principal, role="secretary")
    ws.__dict__["agenda"] = AgendaService(ws.store, principal=secretary, clock=ws.clock,
                                          zone=ws.zone, holiday_region="")
    page = AgendaPage(ws, bus)
    qtbot.addWidget(page)
    page.resize(1200, 820)
    page.show()
    qtbot.waitExposed(page)
    a = book(agenda, agenda.morel, 9, 0, patient=0)
    book(agenda, agenda.morel, 10, 30, patient=1)
    page.load()
    seen = answer_message(QMessageBox.ButtonRole.RejectRole)
    drag_item(page, a.id, agenda.morel, MONDAY, 10 * 60 + 30)
    assert [text for text, _role in seen["buttons"]] == [_("OK")]
    assert agenda.ws.zone.wall_minute(stored(agenda, a.id).starts_at) == 540


def test_a_move_to_closed_hours_says_so(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 11, 0)
    page.load()
    seen = answer_message(QMessageBox.ButtonRole.RejectRole)
    drag_item(page, a.id, agenda.morel, MONDAY, 12 * 60 + 30)
    assert _("{start}–{end} is outside {who}'s opening hours.").format(
        start="12:30", end="12:45", who="Dr Claire Morel") in seen["text"]
    assert agenda.ws.zone.wall_minute(stored(agenda, a.id).starts_at) == 660


# -- booking --------------------------------------------------------------------------


def test_a_click_on_free_time_books_with_the_keyboard(qtbot, page, agenda, published):
    grid = page.grid
    point = grid.position_of(agenda.morel, MONDAY, 11 * 60 + 2)
    qtbot.mouseClick(grid.viewport(), LEFT, pos=point)
    dialog = page.appointment_actions.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.practitioner.currentData() == agenda.morel
    assert dialog.start.text() == "11:00" and dialog.duration.value() == 15
    assert dialog.type.currentData() == agenda.consult
    picker = dialog.patient
    qtbot.waitUntil(picker.edit.hasFocus, timeout=3000)
    qtbot.keyClicks(picker.edit, "ndia")
    assert picker.results.isVisible() and picker.results.count() == 2  # two N'Diaye Awa
    qtbot.keyClick(picker.edit, Qt.Key.Key_Down)
    assert picker.results.currentRow() == 1
    qtbot.keyClick(picker.edit, Qt.Key.Key_Up)
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert picker.patient_id() and not picker.results.isVisible()
    assert dialog.isVisible()  # Enter in the search picks, it does not save
    qtbot.keyClick(picker.edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.note, "Certificat sport")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)  # Enter saves
    assert not dialog.isVisible()
    [booked] = [a for a in agenda.service.appointments([agenda.morel], MONDAY, MONDAY)]
    assert booked.patient_id == picker.patient_id()
    assert booked.note == "Certificat sport" and booked.type_id == agenda.consult
    assert booked.starts_at == datetime(2026, 3, 16, 10, 0, tzinfo=timezone.utc)
    assert booked.minutes == 15
    assert (kinds.APPOINTMENT, booked.id, "inserted") in published
    shown = items(page)[booked.id]
    assert shown.title == "N'DIAYE Awa" and shown.start_min == 660
    assert page.grid.selected_item() == booked.id


def test_a_booking_for_a_patient_already_booked_elsewhere_warns_without_stopping(
        qtbot, page, agenda):
    book(agenda, agenda.faure, 11, 0, patient=0)
    dialog = page.open_booking(agenda.patients[0])
    dialog.practitioner.setCurrentIndex(dialog.practitioner.findData(agenda.morel))
    dialog.start.setText("11:00")
    assert dialog.warnings.isVisible()
    assert "Dr Julien Faure" in dialog.warnings.text()
    assert dialog.save()
    assert "Dr Julien Faure" in page.message()
    assert len(agenda.service.appointments([agenda.morel], MONDAY, MONDAY)) == 1


def test_enter_on_an_appointment_opens_it(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 9, 0)
    page.load()
    page.grid.select_item(a.id)
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    dialog = page.appointment_actions.dialog
    assert dialog is not None and dialog.appointment.id == a.id
    assert dialog.patient.patient_name() == "LEFÈVRE Jeanne"
    dialog.done(0)


# -- cancelling, statuses -------------------------------------------------------------


def test_delete_cancels_with_a_reason_chosen_with_the_keyboard(qtbot, page, agenda, published):
    a = book(agenda, agenda.morel, 10, 0)
    page.load()
    cancelled: list[str] = []
    page.appointment_cancelled.connect(cancelled.append)
    seen: dict = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CancelDialog) or not dialog.reasons["patient"].hasFocus():
            QTimer.singleShot(10, answer)  # shown, and the keyboard there
            return
        try:
            first = dialog.reasons["patient"]
            seen["first"] = (first.isChecked(), first.hasFocus())
            qtbot.keyClick(first, Qt.Key.Key_Down)  # by the practice
            seen["practice"] = dialog.reasons["practice"].isChecked()
            qtbot.keyClick(dialog.reasons["practice"], Qt.Key.Key_Tab)
            seen["note_focus"] = dialog.note.hasFocus()
            qtbot.keyClicks(dialog.note, "Docteur en formation")
            qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
        finally:
            if dialog.isVisible():  # never leave it open
                dialog.reject()

    page.grid.select_item(a.id)
    page.grid.setFocus()
    QTimer.singleShot(0, answer)
    qtbot.keyClick(page.grid, Qt.Key.Key_Delete)
    assert seen == {"first": (True, True), "practice": True, "note_focus": True}
    gone = stored(agenda, a.id)
    assert gone.status == AppointmentStatus.CANCELLED.value
    assert gone.cancel_reason == "practice" and gone.cancel_note == "Docteur en formation"
    assert cancelled == [a.id]
    assert (kinds.APPOINTMENT, a.id, "updated") in published
    # Hidden by default, so the freed time looks free; the toggle draws it struck through.
    assert a.id not in items(page)
    page.navigation.cancelled_action.trigger()
    assert items(page)[a.id].status == "cancelled" and not items(page)[a.id].movable


def test_escape_keeps_the_appointment(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 10, 0)
    page.load()

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CancelDialog):
            QTimer.singleShot(10, answer)
            return
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, answer)
    assert not page.cancel_appointment(a.id)
    assert stored(agenda, a.id).status == AppointmentStatus.BOOKED.value


def test_the_context_menu_sets_a_status_and_offers_booking_on_free_time(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 9, 0)
    page.load()
    menu = page.context_menu(a.id, agenda.morel, MONDAY, 540)
    texts = [x.text() for x in menu.actions() if x.text()]
    assert texts[0] == _("Open…")
    assert _("In consultation") in texts and _("No-show") in texts
    assert _("Cancel the appointment…") in texts and _("Cut") in texts
    (arrived,) = [x for x in menu.actions() if x.text() == _("In the waiting room")]
    arrived.trigger()
    assert stored(agenda, a.id).status == AppointmentStatus.ARRIVED.value
    assert items(page)[a.id].status == AppointmentStatus.ARRIVED.value
    free = page.context_menu("", agenda.morel, MONDAY, 600)
    new, paste = [x for x in free.actions() if x.text()]
    assert new.text() == _("New appointment here…") and not paste.isEnabled()
    new.trigger()
    assert page.appointment_actions.dialog.start.text() == "10:00"
    page.appointment_actions.dialog.done(0)


# -- cut and paste --------------------------------------------------------------------


def test_cut_then_paste_on_another_day_keeps_the_length(qtbot, page, agenda, published):
    a = book(agenda, agenda.morel, 9, 0)
    page.load()
    grid = page.grid
    grid.select_item(a.id)
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_X, CTRL)
    assert page.cut_pending() == a.id
    assert items(page)[a.id].title == CUT_MARK + "LEFÈVRE Jeanne"
    assert page.message()
    qtbot.keyClick(grid, Qt.Key.Key_Right, ALT)  # Tuesday: the cut stays pending
    assert page.current_day() == TUESDAY and page.cut_pending() == a.id
    assert grid.set_cursor(agenda.faure, TUESDAY, 10 * 60 + 15)
    qtbot.keyClick(grid, Qt.Key.Key_V, CTRL)
    moved = stored(agenda, a.id)
    assert moved.practitioner_id == agenda.faure
    assert moved.starts_at == agenda.at(TUESDAY, 10, 15) and moved.minutes == 15
    assert page.cut_pending() == "" and not page.message()
    assert items(page)[a.id].title == "LEFÈVRE Jeanne"
    assert (kinds.APPOINTMENT, a.id, "updated") in published


def test_escape_drops_a_cut(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 9, 0)
    page.load()
    page.cut(a.id)
    assert page.cut_pending() == a.id
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_Escape)
    assert page.cut_pending() == "" and items(page)[a.id].title == "LEFÈVRE Jeanne"
    assert stored(agenda, a.id).starts_at == agenda.at(MONDAY, 9)


def test_a_click_then_enter_pastes_where_clicked(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 9, 0)
    page.load()
    page.cut(a.id)
    grid = page.grid
    qtbot.mouseClick(grid.viewport(), LEFT, pos=grid.position_of(agenda.morel, MONDAY, 11 * 60 + 2))
    assert page.appointment_actions.dialog is None  # a click places the cursor, it does not book
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert stored(agenda, a.id).starts_at == agenda.at(MONDAY, 11)


# -- the change bus and the page API --------------------------------------------------


def test_the_page_follows_changes_made_elsewhere(qtbot, page, agenda):
    page.show_week(MONDAY)
    saturday = MONDAY + timedelta(days=5)
    assert not [b for b in page.grid.data().bands if b.kind == BAND_OPEN and b.day == saturday]
    agenda.ws.agenda_setup.set_hours(agenda.morel, [HoursRange(5, "09:00", "12:00")])
    assert [(b.start_min, b.end_min) for b in page.grid.data().bands
            if b.kind == BAND_OPEN and b.day == saturday] == [(540, 720)]
    a = book(agenda, agenda.faure, 9, 0)
    assert a.id in items(page)
    # A plain unit of work on the store, as the command line writes: a card renamed.
    with agenda.ws.store.unit_of_work(actor_id=agenda.ws.user_id) as uow:
        uow.session.get(Patient, agenda.patients[0]).birth_name = "Lefèvre-Durand"
    assert "Lefèvre-Durand".upper() in items(page)[a.id].title.upper()


def test_a_new_holiday_region_is_drawn_at_once(qtbot, page, agenda):
    good_friday = date(2026, 4, 3)  # a public holiday in Alsace-Moselle only
    page.go_to(good_friday)
    assert not [b for b in page.grid.data().bands if b.kind == BAND_HOLIDAY]
    agenda.ws.set_holiday_region("57")  # as the holidays tab saves it
    (holiday,) = [b for b in page.grid.data().bands if b.kind == BAND_HOLIDAY]
    assert holiday.day == good_friday


def test_the_page_reads_again_only_when_what_it_shows_changed(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 9, 0, patient=0)
    assert a.id in items(page)
    loads = []
    original = page.load
    page.load = lambda **kw: (loads.append(1), original(**kw))
    agenda.ws.directory.create(ContactInput(name="Martin", category="gp"))
    agenda.ws.patients.create(PatientInput(birth_name="Personne", first_names="Jean"))
    with agenda.ws.store.unit_of_work(actor_id=agenda.ws.user_id) as uow:
        uow.session.get(Patient, agenda.patients[2]).city = "Tours"  # nobody on the page
    assert loads == []
    with agenda.ws.store.unit_of_work(actor_id=agenda.ws.user_id) as uow:
        uow.session.get(Patient, agenda.patients[0]).city = "Tours"  # shown at 9:00
    assert loads == [1]


def test_the_page_api_for_the_agenda_tools(qtbot, page, agenda):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLabel

    action = QAction("Outil", page)
    page.add_toolbar_action(action)
    assert page.navigation.toolbar.actions()[-1] is action
    assert not page.panels.side.isVisible()
    panel = QLabel("panneau")
    page.add_side_panel("Liste d'attente", panel)
    assert page.panels.side.isVisible() and page.panels.side.tabText(0) == "Liste d'attente"
    later = book(agenda, agenda.faure, 15, 0, day=MONDAY + timedelta(days=3))
    assert page.select_appointment(later.id)
    assert page.current_day() == MONDAY + timedelta(days=3)
    assert page.grid.selected_item() == later.id
    page.go_to(MONDAY, "week")
    assert page.current_view() == "week" and page.current_day() == MONDAY
    assert page.select_appointment(later.id)  # in the week shown: selected in place
    assert page.current_view() == "week"
    page.refresh()
    assert later.id in items(page)
    dialog = page.open_booking(agenda.patients[2])
    assert dialog.patient.patient_id() == agenda.patients[2]
    assert dialog.patient.patient_name() == "N'DIAYE Awa"
    dialog.done(0)


def test_left_open_overnight_the_page_moves_to_the_new_day(qtbot, page, agenda):
    assert page.current_day() == MONDAY
    agenda.ws.clock.advance(hours=24)
    page._now_timer.timeout.emit()  # noqa: SLF001 - the minute tick, without waiting for it
    assert page.current_day() == TUESDAY
    assert page.navigation.caption.text() == "Mardi 17 mars 2026"
    page.go_to(MONDAY + timedelta(days=10))  # a day looked at on purpose stays shown
    agenda.ws.clock.advance(hours=24)
    page._now_timer.timeout.emit()  # noqa: SLF001
    assert page.current_day() == MONDAY + timedelta(days=10)


def test_cancelled_appointments_are_hidden_until_asked_for(qtbot, page, agenda):
    a = book(agenda, agenda.morel, 10, 0)
    kept = book(agenda, agenda.morel, 10, 30)
    agenda.service.cancel(a.id, "patient")
    page.load()
    assert set(items(page)) == {kept.id}
    action = page.navigation.cancelled_action
    assert action.isVisible() and action.isCheckable() and not action.isChecked()
    action.trigger()
    assert set(items(page)) == {a.id, kept.id}
    action.trigger()
    assert set(items(page)) == {kept.id}
    # The month draws no boxes: neither the toggle nor the legend of their marks.
    assert page.legend.isVisible()
    page.set_view("month")
    assert not action.isVisible() and not page.legend.isVisible()
    page.set_view("day")
    assert action.isVisible() and page.legend.isVisible()


def test_boxes_mark_an_alert_and_a_new_patient(qtbot, page, agenda):
    from app.services.patients import PatientInput

    ws = agenda.ws
    lefevre = agenda.patients[0]
    card = ws.patients.get(lefevre)
    ws.patients.update(lefevre, PatientInput(birth_name=card.birth_name,
                                             first_names=card.first_names,
                                             alert="Allergie à la pénicilline"),
                       expected_version=card.version)
    earlier = book(agenda, agenda.morel, 9, 0, day=MONDAY - timedelta(days=7), patient=0)
    again = book(agenda, agenda.morel, 9, 0, patient=0)
    first = book(agenda, agenda.morel, 9, 30, patient=1)
    page.load()
    shown = items(page)
    assert FLAG_ALERT in shown[again.id].flags and FLAG_NEW_PATIENT not in shown[again.id].flags
    assert shown[first.id].flags == frozenset({FLAG_NEW_PATIENT})
    # A cancelled first visit does not count: the next one is the patient's first.
    agenda.service.cancel(earlier.id, "patient")
    page.load()
    assert FLAG_NEW_PATIENT in items(page)[again.id].flags
    # The marks are explained under the grid.
    assert "\u26a0" in page.legend.text() and "\u2605" in page.legend.text()


def test_the_week_of_several_agendas_shows_one_and_the_day_gets_them_back(qtbot, page, agenda):
    a = book(agenda, agenda.faure, 9, 0)
    page.show_day(MONDAY, [agenda.morel, agenda.faure])
    page.grid.select_item(a.id)
    page.navigation.view_actions["week"].trigger()
    assert page.selected_practitioners() == [agenda.faure]  # where the selection was
    assert len(page.grid.data().columns) == 1
    page.navigation.view_actions["day"].trigger()
    assert set(page.selected_practitioners()) == {agenda.morel, agenda.faure}
    # Chosen in the week view, several agendas stay as chosen.
    page.set_view("week")
    page.set_practitioners([agenda.morel, agenda.faure])
    page.set_view("day")
    page.set_view("week")
    assert len(page.selected_practitioners()) == 1
