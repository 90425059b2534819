"""The agenda's settings (Réglages › Agenda), driven with the keyboard over a real profile:
appointment types, weekly hours, absences, public holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.easter import easter
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from app.i18n import _, format_date
from app.models import HolidayOpening
from app.services.agenda.setup import HoursRange, TypeInput
from app.services.practice import get_practice
from app.models import kinds
from app.storage.changes import KindChanges
from app.ui.agenda_settings.common import weekday_name
from app.ui.agenda_settings.hours_editor import read_time
from app.ui.agenda_settings.page import AgendaSettingsPage
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import build_agenda

CTRL = Qt.KeyboardModifier.ControlModifier
TYPES, HOURS, ABSENCES, HOLIDAYS = range(4)


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


@pytest.fixture
def window(agenda, main_window):
    """The main window on Réglages › Agenda (the agenda is set up before it opens)."""
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.settings))
    main_window.settings.show_agenda()
    main_window.activateWindow()
    yield main_window
    page = main_window.settings.agenda
    page.types.form.revert()
    page.hours.revert()


def section(window, index: int):
    page = window.settings.agenda
    page.show_section(index)
    return page.editor(index)


def focused():
    return QApplication.focusWidget()


def tab(qtbot, times: int = 1) -> None:
    for _i in range(times):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)


def answer_next_question(role: QMessageBox.ButtonRole) -> list[str]:
    """Click the button of ``role`` in the next modal question; returns [its text]."""
    seen: list[str] = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        buttons = [b for b in box.buttons() if box.buttonRole(b) == role]
        (buttons[0] if buttons else box.buttons()[-1]).click()
        assert len(buttons) == 1

    QTimer.singleShot(0, answer)
    return seen


# -- embedding -------------------------------------------------------------------------


def test_the_agenda_settings_are_a_tab_of_the_settings_page(window):
    settings = window.settings
    assert [settings.tabs.tabText(i) for i in range(settings.tabs.count())] == \
        [_("General"), _("Agenda"), _("Practice"), _("Calls"), _("Backups"),
         _("Accounts"), _("Rights"), _("Sharing"), _("Data protection"), _("Access trail")]
    # (from Accounts on, the owner's)
    page = settings.agenda
    assert [page.sections.tabText(i) for i in range(4)] == [
        _("Appointment types"), _("Weekly hours"), _("Absences"), _("Public holidays")]
    assert settings.tabs.widget(0).isAncestorOf(settings.language)  # the general settings
    assert settings.tabs.widget(1).isAncestorOf(page)


# -- appointment types ---------------------------------------------------------------------


def test_a_new_type_typed_at_the_keyboard_is_saved(qtbot, window, agenda):
    editor = section(window, TYPES)
    form = editor.form
    assert editor.model.rowCount() == 2
    qtbot.keyClick(editor.table, Qt.Key.Key_N, CTRL)
    assert form.current_id is None and focused() is form.name
    qtbot.keyClicks(form.name, "Vaccination")
    tab(qtbot)
    assert focused() is form.duration
    qtbot.keyClicks(form.duration, "20")      # Tab selected the 15: typing replaces it
    tab(qtbot)
    qtbot.keyClicks(form.buffer, "5")
    tab(qtbot)
    assert focused() is form.colour
    qtbot.keyClick(form.colour, Qt.Key.Key_Down)  # the second colour of the palette
    tab(qtbot)
    assert focused() is form.remote
    qtbot.keyClick(form.remote, Qt.Key.Key_Space)  # not bookable from outside
    tab(qtbot)
    assert focused() is form.urgent_only  # left as it is: not reserved for urgent calls
    tab(qtbot)
    names = list(form.practitioner_checks)
    assert focused() is form.practitioner_checks[names[0]]
    if names[0] != agenda.morel:
        tab(qtbot)
    qtbot.keyClick(focused(), Qt.Key.Key_Space)  # only Dr Morel offers it
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)

    saved = {t.name: t for t in agenda.ws.agenda.types(include_inactive=True)}
    vaccine = saved["Vaccination"]
    assert (vaccine.duration_min, vaccine.buffer_after_min) == (20, 5)
    assert vaccine.colour == "#2e9e6b"
    assert vaccine.remote_bookable is False and vaccine.active is True
    assert vaccine.practitioner_ids == frozenset({agenda.morel})
    # The list shows it, selected, and the card is that type's now.
    assert editor.model.rowCount() == 3
    assert editor.table.currentIndex().row() == editor.model.row_of(vaccine.id)
    assert form.current_id == vaccine.id and not form.is_dirty
    row = editor.model.row_of(vaccine.id)
    assert editor.model.index(row, 3).data() == "Dr Claire Morel"
    # Its duration and the time kept free after it share one column.
    assert editor.model.index(row, 1).data() == "20 min + 5 min"


def test_a_type_offered_by_several_practitioners_counts_them_in_the_list(qtbot, window,
                                                                         agenda):
    editor = section(window, TYPES)
    form = editor.form
    qtbot.keyClick(editor.table, Qt.Key.Key_N, CTRL)
    form.name.setText("Bilan de prévention")  # keyClicks types ASCII only
    for box in form.practitioner_checks.values():
        box.setChecked(True)
    qtbot.keyClick(form.name, Qt.Key.Key_S, CTRL)
    saved = {t.name: t for t in agenda.ws.agenda.types(include_inactive=True)}
    n = len(form.practitioner_checks)
    assert n > 1 and len(saved["Bilan de prévention"].practitioner_ids) == n
    cell = editor.model.index(editor.model.row_of(saved["Bilan de prévention"].id), 3)
    assert cell.data() == f"{n} praticiens"
    assert "Dr Claire Morel" in cell.data(Qt.ItemDataRole.ToolTipRole)


def test_a_type_without_a_name_is_refused_inline(qtbot, window, agenda):
    editor = section(window, TYPES)
    form = editor.form
    editor.table.selectRow(editor.model.row_of(agenda.consult))
    assert form.current_id == agenda.consult
    form.name.selectAll()
    qtbot.keyClick(form.name, Qt.Key.Key_Delete)
    qtbot.keyClick(form.name, Qt.Key.Key_S, CTRL)
    assert form.errors["name"].isVisible()
    assert form.errors["name"].text() == _("The appointment type needs a name.")
    assert form.name.property("invalid") == "true"
    assert form.banner.isVisible()
    names = [t.name for t in agenda.ws.agenda.types(include_inactive=True)]
    assert "Consultation" in names  # nothing written


def test_retiring_a_type_greys_it_and_keeps_it_listed(qtbot, window, agenda):
    editor = section(window, TYPES)
    form = editor.form
    editor.table.selectRow(editor.model.row_of(agenda.visit))
    form.active.setFocus()
    qtbot.keyClick(form.active, Qt.Key.Key_Space)
    assert form.is_dirty and form.save_button.isEnabled()
    qtbot.keyClick(form.active, Qt.Key.Key_S, CTRL)
    ws = agenda.ws
    assert agenda.visit not in {t.id for t in ws.agenda.types()}
    row = editor.model.row_of(agenda.visit)
    assert row >= 0
    assert editor.model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole) is not None


def test_leaving_an_edited_type_asks_first(qtbot, window, agenda):
    editor = section(window, TYPES)
    form = editor.form
    editor.table.selectRow(editor.model.row_of(agenda.consult))
    qtbot.keyClicks(form.name, " longue")
    asked = answer_next_question(QMessageBox.ButtonRole.RejectRole)  # Cancel
    editor.table.selectRow(editor.model.row_of(agenda.visit))
    assert asked
    assert form.current_id == agenda.consult and form.name.text() == "Consultation longue"
    assert editor.table.currentIndex().row() == editor.model.row_of(agenda.consult)


def test_no_type_yet_says_how_to_add_one(qtbot, workspace):
    page = AgendaSettingsPage(workspace)
    qtbot.addWidget(page)
    page.show()
    assert page.types.empty_hint.isVisible()
    assert "Ctrl+N" in page.types.empty_hint.text()


# -- weekly hours ---------------------------------------------------------------------


def choose_practitioner(editor, pid: str) -> None:
    editor.practitioner.setCurrentIndex(editor.practitioner.findData(pid))
    assert editor.practitioner.currentData() == pid


def test_a_saturday_morning_added_at_the_keyboard_is_saved(qtbot, window, agenda):
    editor = section(window, HOURS)
    choose_practitioner(editor, agenda.morel)
    saturday = editor.days[5]
    assert saturday.rows == [] and saturday.closed.isVisible()
    saturday.add_button.setFocus()
    qtbot.keyClick(saturday.add_button, Qt.Key.Key_Space)
    row = saturday.rows[0]
    assert focused() is row.start
    qtbot.keyClicks(row.start, "9h")
    tab(qtbot)
    assert row.start.text() == "09:00"  # tidied on leaving
    qtbot.keyClicks(row.end, "1230")
    tab(qtbot)
    assert row.end.text() == "12:30"
    row.types.type_actions[agenda.consult].trigger()  # consultations only
    assert row.types.chosen == frozenset({agenda.consult})
    assert _("{day}: {ranges}").format(day=weekday_name(5), ranges="09:00–12:30 (Consultation)") \
        in editor.preview.text().splitlines()
    assert editor.save_button.isEnabled()
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)

    sets = agenda.ws.agenda_setup.hours(agenda.morel)
    assert len(sets) == 1 and sets[0].valid_from is None
    assert (5, 540, 750, frozenset({agenda.consult})) in sets[0].ranges
    assert len(sets[0].ranges) == 10 + 1  # the week as it was, plus Saturday
    assert not editor.is_dirty and not editor.save_button.isEnabled()
    # Dr Faure's hours are untouched.
    assert not any(r[0] == 5 for r in
                   agenda.ws.agenda_setup.hours(agenda.faure)[0].ranges)


def test_a_range_ending_before_it_starts_is_flagged_and_nothing_is_written(qtbot, window,
                                                                            agenda):
    editor = section(window, HOURS)
    choose_practitioner(editor, agenda.morel)
    before = agenda.ws.agenda_setup.hours(agenda.morel)
    sunday = editor.days[6]
    row = sunday.add_range()
    qtbot.keyClicks(row.start, "14:00")
    qtbot.keyClicks(row.end, "12:00")
    qtbot.keyClick(row.end, Qt.Key.Key_S, CTRL)
    assert row.error.isVisible()
    assert row.error.text() == _("A range ends after it starts.")
    assert row.start.property("invalid") == "true"
    assert editor.banner.isVisible() and editor.is_dirty
    assert agenda.ws.agenda_setup.hours(agenda.morel) == before


def test_overlapping_ranges_are_flagged_under_the_second(qtbot, window, agenda):
    editor = section(window, HOURS)
    choose_practitioner(editor, agenda.morel)
    before = agenda.ws.agenda_setup.hours(agenda.morel)
    monday = editor.days[0]
    row = monday.add_range()
    qtbot.keyClicks(row.start, "11:00")
    qtbot.keyClicks(row.end, "13:00")
    assert editor.save() is False
    assert row.error.text() == _("Two ranges of the same day overlap.")
    assert all(not r.error.isVisible() for r in monday.rows if r is not row)
    assert agenda.ws.agenda_setup.hours(agenda.morel) == before


def test_a_time_that_is_no_time_is_flagged_on_leaving_it(qtbot, window, agenda):
    editor = section(window, HOURS)
    row = editor.days[6].add_range()
    qtbot.keyClicks(row.start, "25h")
    tab(qtbot)
    assert row.error.isVisible() and row.error.text() == _("Write times as 08:30.")
    assert row.start.property("invalid") == "true"
    row.start.clear()
    qtbot.keyClicks(row.start, "8:30")
    qtbot.keyClick(row.start, Qt.Key.Key_Return)
    assert row.start.text() == "08:30"
    assert not row.error.isVisible() and row.start.property("invalid") == "false"


def test_removing_a_range_and_copying_a_day(qtbot, window, agenda):
    editor = section(window, HOURS)
    choose_practitioner(editor, agenda.faure)
    monday = editor.days[0]
    afternoon = monday.rows[1]
    qtbot.mouseClick(afternoon.remove_button, Qt.MouseButton.LeftButton)
    assert len(monday.rows) == 1
    editor.copy_day(0, [1, 2, 3, 4])   # "Copy to… › every other weekday"
    editor.days[6].add_range()          # left empty: ignored
    assert editor.save()
    ranges = agenda.ws.agenda_setup.hours(agenda.faure)[0].ranges
    assert [(r[0], r[1], r[2]) for r in ranges] == [(d, 510, 720) for d in range(5)]


def test_a_summer_set_is_added_then_removed(qtbot, window, agenda):
    editor = section(window, HOURS)
    choose_practitioner(editor, agenda.morel)
    year = date.today().year + 1
    qtbot.mouseClick(editor.new_set_button, Qt.MouseButton.LeftButton)
    assert editor.dates_row.isVisible() and focused() is editor.valid_from
    assert len(editor.days[2].rows) == 2  # a copy of the usual week to start from
    qtbot.keyClicks(editor.valid_from, f"01/07/{year}")
    tab(qtbot)
    qtbot.keyClicks(editor.valid_until, f"31/08/{year}")
    for row in list(editor.days[2].rows):   # closed on Wednesdays in summer
        editor.days[2].remove_range(row)
    qtbot.keyClick(editor.valid_until, Qt.Key.Key_S, CTRL)

    setup = agenda.ws.agenda_setup
    sets = setup.hours(agenda.morel)
    assert [(s.valid_from, s.valid_until) for s in sets] == [
        (None, None), (date(year, 7, 1), date(year, 8, 31))]
    assert not any(r[0] == 2 for r in sets[1].ranges) and len(sets[1].ranges) == 8
    assert len(sets[0].ranges) == 10  # the usual week is untouched
    assert editor.set_choice.currentText().startswith(
        _("From {first} to {last}").format(first=format_date(date(year, 7, 1)),
                                          last=format_date(date(year, 8, 31))))

    asked = answer_next_question(QMessageBox.ButtonRole.DestructiveRole)
    assert editor.remove_set()
    assert asked
    assert [(s.valid_from, s.valid_until) for s in setup.hours(agenda.morel)] == [(None, None)]
    assert editor.set_choice.count() == 1


def test_a_dated_set_needs_a_date(qtbot, window, agenda):
    editor = section(window, HOURS)
    choose_practitioner(editor, agenda.morel)
    editor.new_set()
    assert editor.save() is False
    assert editor.from_error.isVisible()
    assert len(agenda.ws.agenda_setup.hours(agenda.morel)) == 1


def test_switching_practitioner_with_unsaved_hours_asks(qtbot, window, agenda):
    editor = section(window, HOURS)
    choose_practitioner(editor, agenda.morel)
    row = editor.days[5].add_range()
    qtbot.keyClicks(row.start, "9:00")
    asked = answer_next_question(QMessageBox.ButtonRole.RejectRole)  # Cancel
    editor.practitioner.setCurrentIndex(editor.practitioner.findData(agenda.faure))
    assert asked
    assert editor.practitioner.currentData() == agenda.morel and editor.is_dirty
    assert read_time(editor.days[5].rows[0].start.text()) == 9 * 60


def test_saved_hours_are_told_to_the_agenda(qtbot, workspace, agenda):
    bus = ChangeBus(workspace.store, workspace.initiator)
    page = AgendaSettingsPage(workspace)
    qtbot.addWidget(page)
    page.show_section(HOURS)
    choose_practitioner(page.hours, agenda.faure)
    row = page.hours.days[2].add_range()
    row.start.setText("14:00")
    row.end.setText("17:00")
    page.hours._mark_dirty()
    with qtbot.waitSignal(bus.changed) as signal:
        assert page.hours.save()
    [changes] = signal.args  # told by the store, not by the screen
    assert set(changes.kinds) == {kinds.OPENING_HOURS}
    assert changes.of(kinds.OPENING_HOURS).inserted and changes.of(kinds.OPENING_HOURS).tombstoned
    assert workspace.agenda.schedule([agenda.faure], date(2026, 3, 18), date(2026, 3, 18)) \
        .hours_for(agenda.faure, date(2026, 3, 18))[-1].start_min == 14 * 60


# -- absences ---------------------------------------------------------------------------


def test_an_absence_with_a_replacement_is_added_then_removed(qtbot, window, agenda):
    editor = section(window, ABSENCES)
    ws = agenda.ws
    choose_practitioner(editor, agenda.morel)
    assert editor.empty_hint.isVisible()
    first = date.today() + timedelta(days=40)
    last = first + timedelta(days=4)
    qtbot.keyClick(editor.table, Qt.Key.Key_N, CTRL)
    assert focused() is editor.from_day
    qtbot.keyClicks(editor.from_day, first.strftime("%d/%m/%Y"))
    tab(qtbot)
    assert focused() is editor.to_day   # whole days: no time fields in the way
    qtbot.keyClicks(editor.to_day, last.strftime("%d/%m/%Y"))
    tab(qtbot)
    assert focused() is editor.kind
    qtbot.keyClick(editor.kind, Qt.Key.Key_Down)  # training
    tab(qtbot)
    assert focused() is editor.replacement
    assert editor.replacement.findData(agenda.morel) < 0  # not themselves
    qtbot.keyClick(editor.replacement, Qt.Key.Key_Down)
    assert editor.replacement.currentData() == agenda.faure
    tab(qtbot)
    qtbot.keyClicks(editor.note, "Formation DPC")
    qtbot.keyClick(editor.note, Qt.Key.Key_S, CTRL)

    (absence,) = ws.agenda_setup.absences(agenda.morel)
    assert absence.starts_at == ws.zone.to_utc(first, 0)
    assert absence.ends_at == ws.zone.to_utc(last + timedelta(days=1), 0)
    assert (absence.kind, absence.replacement_id, absence.note) == \
        ("training", agenda.faure, "Formation DPC")
    assert editor.model.rowCount() == 1 and not editor.empty_hint.isVisible()
    assert editor.model.index(0, 3).data() == "Dr Julien Faure"
    assert first.strftime("%d/%m/%Y") in editor.model.index(0, 0).data()
    assert last.strftime("%d/%m/%Y") in editor.model.index(0, 1).data()
    assert editor.from_day.text() == ""  # the card is ready for the next one

    editor.table.selectRow(0)
    asked = answer_next_question(QMessageBox.ButtonRole.DestructiveRole)
    qtbot.keyClick(editor.table, Qt.Key.Key_Delete)
    assert asked and "Dr Claire Morel" in asked[0]
    assert ws.agenda_setup.absences(agenda.morel) == []
    assert editor.model.rowCount() == 0


def test_an_afternoon_absence_is_in_practice_time(qtbot, window, agenda):
    editor = section(window, ABSENCES)
    ws = agenda.ws
    choose_practitioner(editor, agenda.faure)
    day = date.today() + timedelta(days=10)
    editor.all_day.setChecked(False)
    assert editor.from_time.isVisible()
    qtbot.keyClicks(editor.from_day, day.strftime("%d/%m/%Y"))
    qtbot.keyClicks(editor.from_time, "14h")
    qtbot.keyClicks(editor.to_time, "1730")   # the last day defaults to the first
    assert editor.add()
    (absence,) = ws.agenda_setup.absences(agenda.faure)
    assert absence.starts_at == ws.zone.at(day, 14)
    assert absence.ends_at == ws.zone.at(day, 17, 30)
    assert editor.model.index(0, 0).data().endswith("14:00")
    assert editor.model.index(0, 1).data().endswith("17:30")


def test_an_absence_ending_before_it_starts_is_refused_inline(qtbot, window, agenda):
    editor = section(window, ABSENCES)
    ws = agenda.ws
    choose_practitioner(editor, agenda.morel)
    day = date.today() + timedelta(days=10)
    qtbot.keyClicks(editor.from_day, day.strftime("%d/%m/%Y"))
    qtbot.keyClicks(editor.to_day, (day - timedelta(days=3)).strftime("%d/%m/%Y"))
    assert editor.add() is False
    assert editor.errors["end"].text() == _("The absence ends after it starts.")
    assert editor.to_day.property("invalid") == "true"
    editor.to_day.setText("31/02/2030")
    assert editor.add() is False
    assert editor.errors["end"].isVisible()
    assert ws.agenda_setup.absences(agenda.morel) == []


def test_adding_an_absence_tells_the_agenda(qtbot, workspace, agenda):
    bus = ChangeBus(workspace.store, workspace.initiator)
    page = AgendaSettingsPage(workspace)
    qtbot.addWidget(page)
    page.show_section(ABSENCES)
    choose_practitioner(page.absences, agenda.faure)
    page.absences.from_day.setText((date.today() + timedelta(days=3)).strftime("%d/%m/%Y"))
    with qtbot.waitSignal(bus.changed) as signal:
        assert page.absences.add()
    (absence,) = workspace.agenda_setup.absences(agenda.faure)
    [changes] = signal.args
    assert dict(changes.kinds) == {kinds.ABSENCE: KindChanges(inserted=frozenset({absence.id}))}


# -- public holidays ----------------------------------------------------------------


def holiday_rows(editor) -> dict[date, str]:
    return {editor.model.row_at(r).day: editor.model.row_at(r).name
            for r in range(editor.model.rowCount())}


def test_moselle_lists_st_stephen_and_good_friday(qtbot, window, agenda):
    editor = section(window, HOLIDAYS)
    ws = agenda.ws
    year = ws.zone.today(ws.clock.now()).year
    metropolitan = holiday_rows(editor)
    assert date(year, 12, 25) in metropolitan and date(year, 12, 26) not in metropolitan
    editor.region.setCurrentIndex(editor.region.findData("57"))
    rows = holiday_rows(editor)
    for y in (year, year + 1):
        assert rows[date(y, 12, 26)] == "Saint-Étienne"
        assert rows[easter(y) - timedelta(days=2)] == "Vendredi saint"
    row = editor.model.row_of(date(year, 12, 26).isoformat())
    assert "26" in editor.model.index(row, 0).data()
    assert get_practice(ws.store).holiday_region == "57"
    assert ws.agenda.holiday_region == "57" and ws.practice.holiday_region == "57"
    # The agenda follows at once: St Stephen's Day is a holiday there now.
    day = date(year + 1, 12, 26)
    assert ws.agenda.schedule([agenda.morel], day, day).holiday(day) == "Saint-Étienne"
    editor.region.setCurrentIndex(editor.region.findData(""))
    assert date(year, 12, 26) not in holiday_rows(editor)


def test_open_anyway_writes_a_practice_wide_opening(qtbot, window, agenda):
    editor = section(window, HOLIDAYS)
    ws = agenda.ws
    year = ws.zone.today(ws.clock.now()).year
    # Next year's Whit Monday: a Monday, so the usual hours apply when open.
    whit_monday = easter(year + 1) + timedelta(days=50)
    row = editor.model.row_of(whit_monday.isoformat())
    assert editor.model.index(row, 2).data(Qt.ItemDataRole.CheckStateRole) == \
        Qt.CheckState.Unchecked
    schedule = ws.agenda.schedule([agenda.morel], whit_monday, whit_monday)
    assert schedule.open_ranges(agenda.morel, whit_monday) == []  # closed by default
    editor.table.setFocus()
    editor.table.setCurrentIndex(editor.model.index(row, 2))
    qtbot.keyClick(editor.table, Qt.Key.Key_Space)

    with ws.store.reader() as s:
        rows = s.execute(select(HolidayOpening.day, HolidayOpening.practitioner_id).where(
            HolidayOpening.deleted_at.is_(None))).all()
    assert rows == [(whit_monday, None)]
    assert editor.model.index(row, 2).data(Qt.ItemDataRole.CheckStateRole) == \
        Qt.CheckState.Checked
    schedule = ws.agenda.schedule([agenda.morel], whit_monday, whit_monday)
    assert len(schedule.open_ranges(agenda.morel, whit_monday)) == 2

    qtbot.keyClick(editor.table, Qt.Key.Key_Space)  # and closed again
    with ws.store.reader() as s:
        assert s.execute(select(HolidayOpening).where(
            HolidayOpening.deleted_at.is_(None))).all() == []
    editor.reload()
    assert editor.model.row_at(row).is_open is False


def test_past_holidays_cannot_be_opened(qtbot, window, agenda):
    editor = section(window, HOLIDAYS)
    past = [r for r in range(editor.model.rowCount())
            if editor.model.row_at(r).day < date.today()]
    if not past:
        pytest.skip("run on the 1st of January: no holiday behind us yet")
    index = editor.model.index(past[0], 2)
    assert not editor.model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    assert editor.model.setData(index, Qt.CheckState.Checked.value,
                                Qt.ItemDataRole.CheckStateRole) is False


def test_types_saved_reach_the_bus_and_the_hours_menus(qtbot, workspace, agenda):
    bus = ChangeBus(workspace.store, workspace.initiator)
    page = AgendaSettingsPage(workspace)
    qtbot.addWidget(page)
    page.types.new_type()
    page.types.form.name.setText("Urgence")
    with qtbot.waitSignal(bus.changed) as signal:
        assert page.types.form.save()
    urgent = next(t.id for t in workspace.agenda.types() if t.name == "Urgence")
    [changes] = signal.args
    assert dict(changes.kinds) == {
        kinds.APPOINTMENT_TYPE: KindChanges(inserted=frozenset({urgent}))}
    page.hours.practitioner.setCurrentIndex(page.hours.practitioner.findData(agenda.morel))
    assert urgent in page.hours.days[0].rows[0].types.type_actions


def test_a_type_offered_by_one_practitioner_is_not_offered_in_the_others_ranges(
        qtbot, workspace, agenda):
    workspace.agenda_setup.save_type(TypeInput("Pédiatrie", 20,
                                               practitioner_ids=frozenset({agenda.faure})))
    workspace.agenda_setup.set_hours(agenda.morel, [HoursRange(0, "08:00", "12:00")])
    page = AgendaSettingsPage(workspace)
    qtbot.addWidget(page)
    page.hours.practitioner.setCurrentIndex(page.hours.practitioner.findData(agenda.morel))
    offered = page.hours.days[0].rows[0].types.type_actions
    names = {a.text() for a in offered.values()}
    assert "Pédiatrie" not in names and "Consultation" in names


def test_the_agenda_settings_are_built_only_when_their_tab_is_shown(main_window):
    settings = main_window.settings
    assert settings._agenda_page is None  # noqa: SLF001 - nothing read at start
    settings.show_agenda()
    assert settings._agenda_page is not None and settings.agenda_tab.isAncestorOf(settings.agenda)  # noqa: SLF001
