"""Recurring series: every date and its collisions are listed before anything is
written; "Create (without the appointments in conflict)" writes the free ones only;
the actions on an appointment of a series cancel or move it or the rest."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.i18n import _
from app.services.agenda.booking_queries import appointment_brief
from app.services.agenda.views import BookingInput
from app.ui.agenda.series_dialog import (
    SeriesCancelDialog,
    SeriesDialog,
    SeriesMoveDialog,
    series_actions_for,
    series_rule,
)
from tests.agenda_fixtures import MONDAY, build_agenda

LEFT = Qt.MouseButton.LeftButton
EASTER_MONDAY = date(2026, 4, 6)


@pytest.fixture
def agenda(practice_factory):
    return build_agenda(practice_factory().workspace)


def booked(agenda, patient=None, first=MONDAY, last=MONDAY + timedelta(days=40)):
    rows = agenda.service.appointments([agenda.morel], first, last, include_cancelled=False)
    return [a for a in rows if patient is None or a.patient_id == patient]


def local(agenda, appt) -> tuple[date, str]:
    at = agenda.ws.zone.local(appt.starts_at)
    return at.date(), f"{at:%H:%M}"


def open_series(qtbot, agenda, **presets) -> SeriesDialog:
    dialog = SeriesDialog(agenda.ws, **presets)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_rule_of_the_choices():
    assert series_rule([3, 1], 1, count=10) == "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10"
    assert series_rule([0], 2, until=date(2026, 6, 30)) == \
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20260630"


def test_collisions_are_listed_before_anything_is_created(qtbot, agenda):
    other = agenda.service.book(BookingInput(agenda.morel, agenda.at(MONDAY + timedelta(7), 10),
                                             None, agenda.patients[1], agenda.consult)).appointment
    patient = agenda.patients[0]
    dialog = open_series(qtbot, agenda, patient_id=patient, practitioner_id=agenda.morel,
                         type_id=agenda.consult)
    assert dialog.weekdays[0].isChecked()   # the first day's weekday (today, a Monday)
    dialog.start.setText("10:00")
    dialog.count.setValue(4)                # 16, 23 and 30 March, 6 April (Easter Monday)
    assert not dialog.create_button.isEnabled()
    qtbot.mouseClick(dialog.check_button, LEFT)

    rows = [[dialog.model.index(r, c).data() for c in range(4)]
            for r in range(dialog.model.rowCount())]
    assert [r[1] for r in rows] == ["lun. 16/03/2026", "lun. 23/03/2026", "lun. 30/03/2026",
                                    "lun. 06/04/2026"]
    assert {r[2] for r in rows} == {"10:00"}
    assert rows[0][3] == _("Free") and rows[2][3] == _("Free")
    assert "10:00–10:15" in rows[1][3]      # the booking in the way
    assert rows[3][3] != _("Free")          # a public holiday
    assert [bool(o.blocking) for o in dialog.plan.occurrences] == [False, True, False, True]
    assert dialog.table.currentIndex().row() == 1   # the first collision is highlighted
    # Nothing is written by checking.
    assert [a.id for a in booked(agenda)] == [other.id]
    assert dialog.create_button.isEnabled()
    assert dialog.force_button.isVisible() and dialog.force_button.isEnabled()  # owner

    created = []
    dialog.created.connect(created.append)
    qtbot.mouseClick(dialog.create_button, LEFT)
    assert not dialog.isVisible()
    mine = booked(agenda, patient)
    assert [local(agenda, a) for a in mine] == [(MONDAY, "10:00"),
                                                (MONDAY + timedelta(14), "10:00")]
    assert len({a.series_id for a in mine}) == 1 and mine[0].series_id
    assert [a.patient_id for a in booked(agenda, first=MONDAY + timedelta(7),
                                         last=MONDAY + timedelta(7))] == [agenda.patients[1]]
    assert len(created[0].skipped) == 2


def test_a_change_after_checking_asks_for_another_check(qtbot, agenda):
    # Ten Tuesdays from 17 March: no public holiday falls on them.
    dialog = open_series(qtbot, agenda, patient_id=agenda.patients[0],
                         practitioner_id=agenda.morel, type_id=agenda.consult,
                         first_day=MONDAY + timedelta(1))
    assert dialog.weekdays[1].isChecked()
    dialog.start.setText("10:00")
    qtbot.mouseClick(dialog.check_button, LEFT)
    assert dialog.model.rowCount() == 10 and dialog.create_button.isEnabled()
    assert not dialog.force_button.isEnabled()   # nothing to force
    dialog.start.setFocus()
    qtbot.keyClick(dialog.start, Qt.Key.Key_Backspace)
    assert dialog.plan is None and dialog.model.rowCount() == 0
    assert not dialog.create_button.isEnabled()
    assert booked(agenda) == []


def test_a_series_without_a_patient_is_not_planned(qtbot, agenda):
    dialog = open_series(qtbot, agenda, practitioner_id=agenda.morel)
    qtbot.mouseClick(dialog.check_button, LEFT)
    assert dialog.plan is None
    assert dialog.patient.error.text() == _("Choose the patient.")


def _make_series(agenda, count=3):
    dialog = SeriesDialog(agenda.ws, patient_id=agenda.patients[0],
                          practitioner_id=agenda.morel, type_id=agenda.consult)
    dialog.start.setText("10:00")
    dialog.count.setValue(count)
    dialog.check()
    result = dialog.create(force=False)
    dialog.deleteLater()
    return [a.id for a in result.appointments]


def _dialog(parent, kind):
    found = [d for d in parent.findChildren(kind) if d.isVisible()]
    assert len(found) == 1
    return found[0]


def test_cancel_one_occurrence_or_the_rest(qtbot, agenda):
    ids = _make_series(agenda)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    freed = []
    single = agenda.service.book(BookingInput(agenda.morel, agenda.at(MONDAY, 11), None,
                                              agenda.patients[1], agenda.consult)).appointment
    assert series_actions_for(agenda.ws, single.id, parent) == []

    cancel_one, cancel_rest, move_rest = series_actions_for(agenda.ws, ids[0], parent,
                                                            on_cancelled=freed.append)
    cancel_one.trigger()
    dialog = _dialog(parent, SeriesCancelDialog)
    qtbot.mouseClick(dialog.confirm, LEFT)
    assert freed == [ids[0]]
    assert [a.id for a in booked(agenda, agenda.patients[0])] == ids[1:]

    _one, cancel_rest, _move = series_actions_for(agenda.ws, ids[1], parent)
    cancel_rest.trigger()
    dialog = _dialog(parent, SeriesCancelDialog)
    assert "2" in dialog.summary.text()      # this one and the one after it
    qtbot.mouseClick(dialog.confirm, LEFT)
    assert booked(agenda, agenda.patients[0]) == []
    series_id = appointment_brief(agenda.ws.store, ids[0]).series_id
    cancelled = agenda.ws.series.occurrences(series_id)
    assert [a.id for a in cancelled] == ids
    assert {(a.status, a.cancel_reason) for a in cancelled} == {("cancelled", "patient")}


def test_move_the_rest_of_the_series(qtbot, agenda):
    ids = _make_series(agenda)
    # The third date at 11:00 is taken: moving the rest there collides.
    agenda.service.book(BookingInput(agenda.morel, agenda.at(MONDAY + timedelta(14), 11), None,
                                     agenda.patients[1], agenda.consult))
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    _one, _rest, move_rest = series_actions_for(agenda.ws, ids[1], parent)
    move_rest.trigger()
    dialog = _dialog(parent, SeriesMoveDialog)
    assert dialog.start.text() == "10:00"
    dialog.start.setText("11:00")
    qtbot.mouseClick(dialog.confirm, LEFT)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "11:00–11:15" in dialog.error.text()
    assert dialog.force.isVisible()          # the owner may move over it
    dialog.start.setText("11:30")
    qtbot.mouseClick(dialog.confirm, LEFT)
    assert not dialog.isVisible()
    assert [local(agenda, a)[1] for a in booked(agenda, agenda.patients[0])] == [
        "10:00", "11:30", "11:30"]
    assert QApplication.activeModalWidget() is None


def test_enter_checks_and_ctrl_enter_creates(qtbot, agenda):
    dialog = open_series(qtbot, agenda, patient_id=agenda.patients[1],
                         practitioner_id=agenda.faure, type_id=agenda.consult,
                         first_day=MONDAY + timedelta(1))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.start.setFocus()
    dialog.start.selectAll()
    qtbot.keyClicks(dialog.start, "11:15")
    qtbot.keyClick(dialog.start, Qt.Key.Key_Return)
    assert dialog.plan is not None and len(dialog.plan.occurrences) == 10
    assert booked(agenda) == []
    qtbot.keyClick(dialog.start, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible()
    mine = agenda.service.appointments([agenda.faure], MONDAY, MONDAY + timedelta(days=80))
    assert len(mine) == 10
    assert {local(agenda, a)[1] for a in mine} == {"11:15"}
    assert {agenda.ws.zone.day_of(a.starts_at).weekday() for a in mine} == {1}
