"""The month overview driven by mouse and keyboard on the real widget (offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from app import i18n
from app.ui.agenda import MonthDay, MonthOverview
from app.ui.agenda.month import day_summary, duration_text, month_weeks

TODAY = date(2025, 11, 5)


def _november():
    days = []
    for d in range(1, 31):
        day = date(2025, 11, d)
        if day.weekday() >= 5:
            days.append(MonthDay(day))  # closed at the weekend
        elif d == 11:
            days.append(MonthDay(day, holiday_name="Armistice"))
        else:
            days.append(MonthDay(day, booked_count=d, booked_minutes=d * 15, open_minutes=480))
    return days


@pytest.fixture
def month(qtbot):
    widget = MonthOverview()
    qtbot.addWidget(widget)
    widget.resize(840, 560)
    widget.set_month(2025, 11, _november(), today=TODAY)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_month_shows_whole_weeks_from_monday():
    weeks = month_weeks(2025, 11)
    assert weeks[0] == date(2025, 10, 27) and weeks[-1] == date(2025, 11, 24)
    assert len(month_weeks(2021, 2)) == 4  # 1 February 2021 was a Monday
    assert len(month_weeks(2026, 3)) == 6


def test_opening_on_the_current_month_selects_today(month):
    assert month.selected_day() == TODAY


def test_a_click_on_a_day_activates_it(qtbot, month):
    cell = month.day_rect(date(2025, 11, 12))
    with qtbot.waitSignal(month.day_activated) as blocker:
        QTest.mouseClick(month, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         cell.center())
    assert blocker.args == [date(2025, 11, 12)]
    assert month.selected_day() == date(2025, 11, 12)


def test_arrows_move_the_selection_and_enter_activates(qtbot, month):
    month.setFocus()
    QTest.keyClick(month, Qt.Key.Key_Right)
    assert month.selected_day() == date(2025, 11, 6)
    QTest.keyClick(month, Qt.Key.Key_Down)
    assert month.selected_day() == date(2025, 11, 13)
    QTest.keyClick(month, Qt.Key.Key_Left)
    QTest.keyClick(month, Qt.Key.Key_Up)
    assert month.selected_day() == date(2025, 11, 5)
    with qtbot.waitSignal(month.day_activated) as blocker:
        QTest.keyClick(month, Qt.Key.Key_Return)
    assert blocker.args == [date(2025, 11, 5)]


def test_moving_past_the_month_asks_for_the_next_one_and_keeps_the_day(qtbot, month):
    month.setFocus()
    month.select_day(date(2025, 11, 28))
    with qtbot.waitSignal(month.month_step_requested) as blocker:
        QTest.keyClick(month, Qt.Key.Key_Down)  # 5 December: not among the weeks shown
    assert blocker.args == [1]
    month.set_month(2025, 12, [], today=TODAY)
    assert month.selected_day() == date(2025, 12, 5)
    with qtbot.waitSignal(month.month_step_requested) as blocker:
        QTest.keyClick(month, Qt.Key.Key_PageUp)
    assert blocker.args == [-1]
    month.set_month(2025, 11, _november(), today=TODAY)
    assert month.selected_day() == date(2025, 11, 5)


def test_weekday_names_and_tooltips_are_french(qtbot, month):
    assert [n.lower() for n in month._weekday_names(120)][:2] == ["lundi", "mardi"]
    point = month.day_rect(date(2025, 11, 11)).center()
    QApplication.sendEvent(month, QHelpEvent(QEvent.Type.ToolTip, point, month.mapToGlobal(point)))
    assert "mardi 11 novembre 2025" in QToolTip.text()
    assert "Armistice" in QToolTip.text()


def test_a_day_summary_gives_the_load():
    i18n.set_language("en")
    text = day_summary(MonthDay(date(2025, 11, 12), 23, 390, 480))
    assert "23 appointments" in text
    assert "6 h 30 booked of 8 h open (81 %)" in text
    assert duration_text(45) == "45 min"
    assert day_summary(MonthDay(date(2025, 11, 16))).endswith("Closed")


def test_today_is_highlighted_and_the_load_bar_is_drawn(month):
    accent = QColor("#1d4ed8")
    today = month.day_rect(TODAY)
    busy = month.day_rect(date(2025, 11, 28))   # 28 × 15 min of 8 h: a longer bar
    quiet = month.day_rect(date(2025, 11, 3))

    def accent_pixels(rect):
        return sum(image.pixelColor(x, y) == accent
                   for x in range(rect.left(), rect.right(), 2)
                   for y in range(rect.top(), rect.bottom(), 2))

    month.select_day(date(2025, 11, 20))  # the selection's frame is accent too
    image = month.grab().toImage()
    # Today's number sits in a disc; the day before has the same load bar, no disc.
    assert accent_pixels(today) > accent_pixels(month.day_rect(date(2025, 11, 4))) + 20
    assert accent_pixels(busy) > accent_pixels(quiet)
