"""The agenda grid driven as a secretary would: mouse drags, clicks and keys on the real
widget (offscreen), and its layout arithmetic checked directly."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QHelpEvent, QImage, QPainter, QPdfWriter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from app.models import AppointmentStatus
from app.ui.agenda import (
    BAND_ABSENCE,
    BAND_HOLIDAY,
    FLAG_OVERRIDE,
    FLAG_SERIES,
    STATUS_ARRIVED,
    STATUS_CANCELLED,
    STATUSES,
    AgendaGrid,
    GridBand,
    GridColumn,
    GridData,
    GridItem,
    item_summary,
    paint_grid,
)
from app.ui.agenda.grid_data import flag_label, status_label
from app.ui.agenda.grid_layout import (
    Cursor,
    GridGeometry,
    GridIndex,
    drag_range,
    hit_test,
    snap,
    step_selection,
)

MON = date(2025, 11, 3)
TUE = MON + timedelta(days=1)
PPM = 1.5
LEFT = Qt.MouseButton.LeftButton


def _items():
    return [
        GridItem("a1", "A", MON, 9 * 60, 9 * 60 + 15, "Dupont Jean", "Consultation", "#2563eb"),
        GridItem("a2", "A", MON, 9 * 60 + 15, 9 * 60 + 45, "Lefèvre Hélène", "Première consultation",
                 "#16a34a", STATUS_ARRIVED, frozenset({FLAG_SERIES})),
        GridItem("b1", "B", MON, 10 * 60, 10 * 60 + 20, "Martin Paul", "Urgence", "#dc2626"),
        GridItem("c1", "A", MON, 11 * 60, 11 * 60 + 15, "Zoé Martinez", "Consultation", "#2563eb",
                 STATUS_CANCELLED, movable=False),
    ]


def _bands():
    bands = [GridBand(key, MON, 8 * 60, 12 * 60 + 30) for key in ("A", "B")]
    bands.append(GridBand("", TUE, 0, 24 * 60, "Férié — Toussaint", BAND_HOLIDAY))
    bands.append(GridBand("B", MON, 14 * 60, 18 * 60, "Absent — congés, remplacé par Dr X",
                          BAND_ABSENCE))
    return bands


COLUMNS = [GridColumn("A", "Dr Claire Morel", "Médecine générale", "#2563eb"),
           GridColumn("B", "Dr Paul Garnier", "Pédiatrie", "#059669")]


@pytest.fixture
def grid(qtbot):
    widget = AgendaGrid(start_min=7 * 60, end_min=20 * 60, px_per_min=PPM)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.set_data([MON, TUE], COLUMNS, _items(), _bands())
    widget.show()
    qtbot.waitExposed(widget)
    widget.scroll_to_minute(8 * 60)
    return widget


def _vp(grid):
    return grid.viewport()


def _drag(qtbot, grid, start: QPoint, end: QPoint, *, release: bool = True) -> None:
    vp = _vp(grid)
    QTest.mousePress(vp, LEFT, Qt.KeyboardModifier.NoModifier, start)
    # Several steps, as a hand moves: the first one crosses the drag distance.
    for i in range(1, 5):
        QTest.mouseMove(vp, start + (end - start) * (i / 4))
    if release:
        QTest.mouseRelease(vp, LEFT, Qt.KeyboardModifier.NoModifier, end)


def test_dragging_an_appointment_to_another_practitioner_and_time_asks_to_move_it(qtbot, grid):
    rect = grid.item_rect("a1")
    start = QPoint(rect.center().x(), rect.top() + 5)
    target = grid.position_of("B", MON, 10 * 60 + 30)
    # Grab 5 px below the box's top and drop 1 minute off the 10:30 line: snapped to 10:30.
    end = QPoint(target.x(), target.y() + 5 + int(1 * PPM))
    with qtbot.waitSignal(grid.move_requested) as blocker:
        _drag(qtbot, grid, start, end)
    assert blocker.args == ["a1", "B", MON, 10 * 60 + 30, 10 * 60 + 45]


def test_a_move_snaps_to_the_configured_step(qtbot, grid):
    grid.set_snap_minutes(15)
    rect = grid.item_rect("a1")
    start = QPoint(rect.center().x(), rect.top() + 2)
    end = start + QPoint(0, int(round(37 * PPM)))  # 37 minutes later: 09:37 → 09:30
    with qtbot.waitSignal(grid.move_requested) as blocker:
        _drag(qtbot, grid, start, end)
    assert blocker.args == ["a1", "A", MON, 9 * 60 + 30, 9 * 60 + 45]


def test_dragging_onto_another_day_moves_it_there(qtbot, grid):
    rect = grid.item_rect("b1")
    start = QPoint(rect.center().x(), rect.top() + 4)
    target = grid.position_of("A", TUE, 14 * 60)
    with qtbot.waitSignal(grid.move_requested) as blocker:
        _drag(qtbot, grid, start, QPoint(target.x(), target.y() + 4))
    assert blocker.args == ["b1", "A", TUE, 14 * 60, 14 * 60 + 20]


def test_dragging_the_bottom_edge_changes_the_end_only(qtbot, grid):
    rect = grid.item_rect("b1")
    edge = QPoint(rect.center().x(), rect.bottom() - 1)
    QTest.mouseMove(_vp(grid), edge)
    assert _vp(grid).cursor().shape() == Qt.CursorShape.SizeVerCursor
    QTest.mouseMove(_vp(grid), rect.center() - QPoint(0, 6))
    assert _vp(grid).cursor().shape() != Qt.CursorShape.SizeVerCursor
    end = QPoint(edge.x(), grid.position_of("B", MON, 10 * 60 + 41).y())
    with qtbot.waitSignal(grid.move_requested) as blocker:
        _drag(qtbot, grid, edge, end)
    assert blocker.args == ["b1", "B", MON, 10 * 60, 10 * 60 + 40]


def test_escape_during_a_drag_cancels_it(qtbot, grid):
    rect = grid.item_rect("a1")
    start = QPoint(rect.center().x(), rect.top() + 4)
    end = grid.position_of("B", MON, 15 * 60)
    with qtbot.assertNotEmitted(grid.move_requested), qtbot.assertNotEmitted(grid.create_requested):
        _drag(qtbot, grid, start, end, release=False)
        QTest.keyClick(grid, Qt.Key.Key_Escape)
        QTest.mouseRelease(_vp(grid), LEFT, Qt.KeyboardModifier.NoModifier, end)
    assert grid.item_rect("a1") == rect


def test_an_appointment_that_cannot_move_is_not_dragged(qtbot, grid):
    rect = grid.item_rect("c1")
    with qtbot.assertNotEmitted(grid.move_requested):
        _drag(qtbot, grid, rect.center(), rect.center() + QPoint(0, 90))
    assert grid.selected_item() == "c1"


def test_a_click_on_free_time_asks_for_a_booking_of_the_default_length(qtbot, grid):
    grid.set_default_length(20)
    point = grid.position_of("B", MON, 8 * 60 + 12)
    with qtbot.waitSignal(grid.create_requested) as blocker:
        QTest.mouseClick(_vp(grid), LEFT, Qt.KeyboardModifier.NoModifier, point)
    assert blocker.args == ["B", MON, 8 * 60 + 10, 8 * 60 + 30]
    assert grid.cursor() == ("B", MON, 8 * 60 + 10)
    assert grid.selected_item() == ""


def test_clicks_outside_the_hours_shown_do_nothing(qtbot, qapp):
    grid = AgendaGrid(start_min=8 * 60, end_min=12 * 60, px_per_min=1.0)
    qtbot.addWidget(grid)
    grid.resize(600, 700)  # taller than the four hours shown
    grid.set_data([MON], COLUMNS)
    grid.show()
    qtbot.waitExposed(grid)
    below = grid.position_of("A", MON, 12 * 60 + 30)
    header = QPoint(below.x(), 5)
    with qtbot.assertNotEmitted(grid.create_requested):
        for point in (below, header):
            QTest.mouseClick(_vp(grid), LEFT, Qt.KeyboardModifier.NoModifier, point)
    assert grid.cursor() is None


def test_press_dragging_over_free_time_asks_for_that_range(qtbot, grid):
    start = grid.position_of("A", MON, 14 * 60 + 1)
    end = grid.position_of("A", MON, 15 * 60 - 1)
    with qtbot.waitSignal(grid.create_requested) as blocker:
        _drag(qtbot, grid, start, end)
    assert blocker.args == ["A", MON, 14 * 60, 15 * 60]


def test_a_read_only_grid_selects_but_neither_books_nor_moves(qtbot, grid):
    grid.set_editable(False)
    rect = grid.item_rect("a1")
    with qtbot.assertNotEmitted(grid.move_requested), qtbot.assertNotEmitted(grid.create_requested):
        _drag(qtbot, grid, rect.center(), rect.center() + QPoint(0, 100))
        QTest.mouseClick(_vp(grid), LEFT, Qt.KeyboardModifier.NoModifier,
                         grid.position_of("B", MON, 8 * 60))
    assert grid.cursor() == ("B", MON, 8 * 60)


def test_a_click_selects_and_a_double_click_opens(qtbot, grid):
    rect = grid.item_rect("a2")
    with qtbot.waitSignal(grid.selection_changed) as blocker:
        QTest.mouseClick(_vp(grid), LEFT, Qt.KeyboardModifier.NoModifier, rect.center())
    assert blocker.args == ["a2"]
    with qtbot.waitSignal(grid.open_requested) as blocker:
        QTest.mouseDClick(_vp(grid), LEFT, Qt.KeyboardModifier.NoModifier, rect.center())
    assert blocker.args == ["a2"]


def test_keyboard_walks_items_and_free_time_then_opens_cancels_cuts_and_pastes(qtbot, grid):
    grid.setFocus()
    assert grid.select_item("a1")
    QTest.keyClick(grid, Qt.Key.Key_Down)            # the next appointment, right after
    assert grid.selected_item() == "a2"
    QTest.keyClick(grid, Qt.Key.Key_Up)
    assert grid.selected_item() == "a1"
    QTest.keyClick(grid, Qt.Key.Key_Right)           # Dr Garnier at 09:00 is free
    assert (grid.selected_item(), grid.cursor()) == ("", ("B", MON, 9 * 60))
    for _ in range(3):
        QTest.keyClick(grid, Qt.Key.Key_Down)        # 09:15, 09:30, 09:45
    assert grid.cursor() == ("B", MON, 9 * 60 + 45)
    QTest.keyClick(grid, Qt.Key.Key_Down)            # reaches the 10:00 appointment
    assert grid.selected_item() == "b1"
    with qtbot.waitSignal(grid.open_requested) as blocker:
        QTest.keyClick(grid, Qt.Key.Key_Return)
    assert blocker.args == ["b1"]
    with qtbot.waitSignal(grid.cancel_requested) as blocker:
        QTest.keyClick(grid, Qt.Key.Key_Delete)
    assert blocker.args == ["b1"]
    with qtbot.waitSignal(grid.cut_requested) as blocker:
        QTest.keyClick(grid, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["b1"]
    QTest.keyClick(grid, Qt.Key.Key_Left)            # Dr Morel at 10:00 is free
    assert grid.cursor() == ("A", MON, 10 * 60)
    with qtbot.waitSignal(grid.paste_requested) as blocker:
        QTest.keyClick(grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["A", MON, 10 * 60]
    with qtbot.waitSignal(grid.create_requested) as blocker:
        QTest.keyClick(grid, Qt.Key.Key_Enter)       # Enter on free time books it
    assert blocker.args == ["A", MON, 10 * 60, 10 * 60 + 15]


def test_arrows_cross_into_the_next_day(qtbot, grid):
    grid.setFocus()
    grid.select_item("b1")
    QTest.keyClick(grid, Qt.Key.Key_Right)
    assert grid.cursor() == ("A", TUE, 10 * 60)
    QTest.keyClick(grid, Qt.Key.Key_Left)
    assert grid.selected_item() == "b1"


def test_delete_and_paste_need_something_to_act_on(qtbot, grid):
    grid.setFocus()
    with qtbot.assertNotEmitted(grid.cancel_requested), qtbot.assertNotEmitted(grid.paste_requested):
        QTest.keyClick(grid, Qt.Key.Key_Delete)
        QTest.keyClick(grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_while_an_appointment_is_cut_a_click_places_the_cursor_and_enter_pastes(qtbot, grid):
    grid.set_pending_paste(30)
    point = grid.position_of("B", MON, 11 * 60)
    with qtbot.assertNotEmitted(grid.create_requested):
        QTest.mouseClick(_vp(grid), LEFT, Qt.KeyboardModifier.NoModifier, point)
    with qtbot.waitSignal(grid.paste_requested) as blocker:
        QTest.keyClick(grid, Qt.Key.Key_Return)
    assert blocker.args == ["B", MON, 11 * 60]


def test_context_menu_request_names_the_item_or_the_free_time(qtbot, grid):
    vp = _vp(grid)
    rect = grid.item_rect("a2")
    with qtbot.waitSignal(grid.context_requested) as blocker:
        QApplication.sendEvent(vp, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, rect.center(),
                                                     vp.mapToGlobal(rect.center())))
    item_id, key, day, minute, where = blocker.args
    assert (item_id, key, day, minute) == ("a2", "A", MON, 9 * 60 + 15)
    assert where == vp.mapToGlobal(rect.center())
    free = grid.position_of("B", MON, 8 * 60 + 31)
    with qtbot.waitSignal(grid.context_requested) as blocker:
        QApplication.sendEvent(vp, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, free,
                                                     vp.mapToGlobal(free)))
    assert blocker.args[:4] == ["", "B", MON, 8 * 60 + 30]
    assert grid.cursor() == ("B", MON, 8 * 60 + 30)


def test_the_menu_key_asks_for_the_context_menu_of_the_selection(qtbot, grid):
    grid.setFocus()
    grid.select_item("b1")
    with qtbot.waitSignal(grid.context_requested) as blocker:
        QApplication.sendEvent(grid, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard,
                                                       QPoint(0, 0), grid.mapToGlobal(QPoint(0, 0))))
    item_id, key, day, minute, where = blocker.args
    assert (item_id, key, day, minute) == ("b1", "B", MON, 10 * 60)
    assert where == _vp(grid).mapToGlobal(grid.item_rect("b1").center())


def test_tooltips_tell_what_the_box_elides(qtbot, grid):
    vp = _vp(grid)
    rect = grid.item_rect("a2")
    QApplication.sendEvent(vp, QHelpEvent(QEvent.Type.ToolTip, rect.center(),
                                          vp.mapToGlobal(rect.center())))
    text = QToolTip.text()
    assert "Lefèvre Hélène" in text and "09:15–09:45" in text
    assert "lundi 3 novembre" in text and "Dr Claire Morel" in text
    band_point = grid.position_of("B", MON, 15 * 60)
    QApplication.sendEvent(vp, QHelpEvent(QEvent.Type.ToolTip, band_point,
                                          vp.mapToGlobal(band_point)))
    assert "remplacé par Dr X" in QToolTip.text()


def test_item_summary_lists_status_and_flags():
    item = GridItem("x", "A", MON, 600, 630, "Dupont", "Urgence", status=STATUS_CANCELLED,
                    flags=frozenset({FLAG_OVERRIDE}))
    text = item_summary(item)
    assert "10:00–10:30" in text
    assert status_label(STATUS_CANCELLED) in text and flag_label(FLAG_OVERRIDE) in text


def test_selection_and_cursor_survive_a_reload_while_they_exist(qtbot, grid):
    grid.select_item("b1")
    moved = [i if i.id != "b1" else GridItem("b1", "A", TUE, 600, 620, i.title) for i in _items()]
    grid.set_data([MON, TUE], COLUMNS, moved, _bands())
    assert grid.selected_item() == "b1"
    assert grid.item_rect("b1").left() > grid.position_of("A", MON, 600).x()
    with qtbot.waitSignal(grid.selection_changed) as blocker:
        grid.set_data([MON, TUE], COLUMNS, [i for i in moved if i.id != "b1"], _bands())
    assert blocker.args == [""]
    grid.set_cursor("B", MON, 700)
    grid.set_data([MON], COLUMNS, [], [])
    assert grid.cursor() == ("B", MON, 700)
    grid.set_data([TUE], COLUMNS, [], [])
    assert grid.cursor() is None


def test_geometry_queries_and_scrolling(qtbot, grid):
    grid.scroll_to_minute(9 * 60)
    top = grid.position_of("A", MON, 9 * 60).y()
    assert grid.minute_at(top) == 9 * 60
    assert grid.minute_at(top + int(30 * PPM)) == 9 * 60 + 30
    assert grid.column_at(grid.position_of("B", TUE, 600).x()) == ("B", TUE)
    assert grid.column_at(2) is None  # the time ruler
    assert grid.item_rect("nope") is None
    assert not grid.select_item("nope")


def test_narrow_columns_scroll_sideways_past_a_minimum_width(qtbot, grid):
    assert grid.horizontalScrollBar().maximum() == 0
    grid.set_min_column_width(400)
    assert grid.horizontalScrollBar().maximum() > 0
    grid.setFocus()
    grid.set_cursor("A", MON, 600)
    for _ in range(3):
        QTest.keyClick(grid, Qt.Key.Key_Right)
    assert grid.cursor() == ("B", TUE, 600)
    assert grid.viewport().rect().contains(grid.position_of("B", TUE, 600))


def _big_week(n_practitioners=10, per_day=40, seed=7):
    rnd = random.Random(seed)
    days = [MON + timedelta(days=i) for i in range(5)]
    columns = [GridColumn(f"p{i}", f"Dr Praticien {i}", "", "#2563eb") for i in range(n_practitioners)]
    items, bands = [], []
    for day in days:
        for column in columns:
            bands.append(GridBand(column.key, day, 8 * 60, 19 * 60))
            minute = 8 * 60
            for _ in range(per_day):
                length = rnd.choice((10, 15, 20))
                items.append(GridItem(f"i{len(items)}", column.key, day, minute, minute + length,
                                      f"Patient {len(items)}", "Consultation", "#16a34a",
                                      rnd.choice(STATUSES)))
                minute += length
    return days, columns, items, bands


def test_two_thousand_appointments_paint_into_an_image(qtbot):
    grid = AgendaGrid(px_per_min=1.0)
    qtbot.addWidget(grid)
    grid.resize(1600, 900)
    days, columns, items, bands = _big_week()
    assert len(items) == 2000
    grid.set_data(days, columns, items, bands)
    grid.show()
    qtbot.waitExposed(grid)
    grid.scroll_to_minute(8 * 60)
    image = QImage(grid.viewport().size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("black"))
    grid.viewport().render(image)
    # Each box is painted: the middle of one far into the week is tinted, not background.
    rect = grid.item_rect(items[-25].id)
    colour = image.pixelColor(rect.center())
    assert colour != QColor("black") and colour != QColor("#ffffff")
    assert colour.green() > colour.red()


def test_the_grid_prints_to_a_pdf_page(tmp_path, qtbot):
    days, columns, items, bands = _big_week(n_practitioners=3, per_day=30)
    path = tmp_path / "semaine.pdf"
    writer = QPdfWriter(str(path))
    painter = QPainter(writer)
    paint_grid(painter, painter.viewport(), GridData(tuple(days), tuple(columns), tuple(items),
                                                     tuple(bands)),
               start_min=8 * 60, end_min=19 * 60, title="Semaine du 3 novembre 2025")
    painter.end()
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000


def test_the_printed_page_is_white_with_black_ink(qtbot):
    image = QImage(800, 1000, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    painter = QPainter(image)
    paint_grid(painter, image.rect(), GridData((MON,), tuple(COLUMNS), tuple(_items()),
                                               tuple(_bands())), title="Lundi")
    painter.end()
    assert image.pixelColor(790, 990) == QColor("#ffffff")  # below the legend: paper
    reds = sum(image.pixelColor(x, y) == QColor("red") for x in range(0, 800, 20)
               for y in range(0, 1000, 20))
    assert reds == 0


# ---------------------------------------------------------------------- layout, no widget

def test_grid_statuses_are_the_domain_statuses():
    assert set(STATUSES) == {s.value for s in AppointmentStatus}


def test_overlapping_appointments_share_the_width_in_lanes():
    items = [GridItem("x", "A", MON, 540, 600, "x"), GridItem("y", "A", MON, 550, 570, "y"),
             GridItem("z", "A", MON, 575, 590, "z"), GridItem("w", "A", MON, 600, 615, "w")]
    index = GridIndex(GridData((MON,), (COLUMNS[0],), tuple(items)))
    lanes = {i: (index.placed(i).lane, index.placed(i).lanes) for i in "xyzw"}
    assert lanes == {"x": (0, 2), "y": (1, 2), "z": (1, 2), "w": (0, 1)}
    geom = GridGeometry.fit(slot_count=1, left=50, top=40, width=450, height=800,
                            start_min=420, end_min=1200, px_per_min=2.0, scroll_y=100)
    placed = index.slots[0].placed
    assert geom.boxes(placed) == [geom.box(p) for p in placed]
    x, y, w, h = geom.box(index.placed("y"))
    assert hit_test(index, geom, x + 2, y + 2).placed.item.id == "y"
    assert hit_test(index, geom, x + 2, y + h - 2).zone == "bottom"
    assert hit_test(index, geom, 445, y + 2).placed is None  # the margin left free


def test_snapping_and_minutes_to_pixels():
    assert snap(542, 5) == 540 and snap(543, 5) == 545 and snap(637, 15) == 630
    geom = GridGeometry.fit(slot_count=4, left=60, top=30, width=460, height=600,
                            start_min=420, end_min=1200, px_per_min=1.5, scroll_y=90)
    assert geom.minute_at(geom.y_at(600)) == 600
    assert geom.slot_at(59) is None and geom.slot_at(60) == 0 and geom.slot_at(459) == 3
    assert geom.slot_at(1000, clamp=True) == 3


def test_keyboard_steps_stop_in_free_time_between_items():
    items = [GridItem("a", "A", MON, 540, 555, "a"), GridItem("b", "A", MON, 600, 615, "b")]
    index = GridIndex(GridData((MON,), tuple(COLUMNS), tuple(items)))
    kw = {"step": 15, "start_min": 420, "end_min": 1200}
    assert step_selection(index, "a", "down", **kw) == Cursor(0, 555)
    assert step_selection(index, Cursor(0, 570), "down", **kw) == Cursor(0, 585)
    assert step_selection(index, Cursor(0, 585), "down", **kw) == "b"
    assert step_selection(index, "b", "up", **kw) == Cursor(0, 585)
    assert step_selection(index, Cursor(0, 560), "up", **kw) == "a"
    assert step_selection(index, "a", "right", **kw) == Cursor(1, 540)
    assert step_selection(index, Cursor(1, 540), "right", **kw) == Cursor(1, 540)  # the last
    assert step_selection(index, Cursor(0, 420), "up", **kw) == Cursor(0, 420)  # the first


def test_drag_ranges_snap_and_stay_within_the_visible_hours():
    item = GridItem("a", "A", MON, 540, 560, "a")
    kw = {"step": 5, "start_min": 420, "end_min": 1200}
    assert drag_range("move", press_minute=545, minute=636.9, item=item, **kw) == (630, 650)
    assert drag_range("move", press_minute=545, minute=2000, item=item, **kw) == (1180, 1200)
    assert drag_range("resize", press_minute=559, minute=541, item=item, **kw) == (540, 545)
    assert drag_range("create", press_minute=602, minute=633, **kw) == (600, 635)
    assert drag_range("create", press_minute=602, minute=571, **kw) == (570, 605)
