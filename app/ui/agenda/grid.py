"""The agenda grid: a day or a week, one sub-column per practitioner, custom-painted.

``AgendaGrid`` takes plain values (``GridData``: days, ``GridColumn``, ``GridItem``,
``GridBand``) and answers with signals of plain types; it never reads or writes the
database. The page wires it: it turns service results into ``GridData``, and turns
``create_requested`` / ``move_requested`` / … into service calls, then calls
``set_data`` again with what changed (selection and cursor survive the reload).

Mouse: a click on free time asks for a booking of the default length there (press-drag
asks for the dragged range); dragging a box moves it (across practitioners and days),
dragging its bottom edge changes its end; Escape cancels a drag. Keyboard: arrows move
the selection between appointments and through free time, Enter opens (or books the
free time), Delete cancels, Ctrl+X cuts, Ctrl+V pastes at the selected free time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QEvent, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPainter
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QFrame, QToolTip

from app.i18n import _, format_date
from app.ui.agenda.grid_data import GridData, band_summary, hhmm, item_summary
from app.ui.agenda.grid_layout import (
    Cursor,
    GridGeometry,
    GridIndex,
    Placed,
    drag_range,
    hit_test,
    snap,
    snap_down,
    step_selection,
)
from app.ui.agenda.grid_paint import Ghost, GridStyle, PaintState, paint_body, paint_header, paint_ruler
from app.ui.plain import tooltip

DAY_END = 24 * 60
_AUTO_SCROLL_EDGE = 24  # px from the top or bottom of the body where a drag scrolls
_ARROWS = {Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down", Qt.Key.Key_Left: "left",
           Qt.Key.Key_Right: "right"}


@dataclass(slots=True)
class _Drag:
    kind: str                 # "move", "resize" or "create"
    press: QPoint
    press_minute: float
    slot: int
    placed: Placed | None = None
    active: bool = False      # past the drag distance: a drag, no longer a click
    pos: QPoint | None = None


# A quarter of an hour 32 px high: the patient's name and the motif on two lines.
DEFAULT_PX_PER_MIN = 32 / 15


class AgendaGrid(QAbstractScrollArea):
    """Signals (dates are ``datetime.date``, minutes are wall-clock minutes after
    midnight in the practice's time zone):

    - ``create_requested(column_key: str, day: date, start_min: int, end_min: int)``
    - ``move_requested(item_id: str, column_key: str, day: date, start_min: int, end_min: int)``
      (a move keeps the length; a resize keeps the start)
    - ``open_requested(item_id: str)``
    - ``selection_changed(item_id: str)`` ("" when no appointment is selected)
    - ``cursor_changed(column_key: str, day: object, minute: int)`` (the selected free
      time; ``("", None, -1)`` when there is none)
    - ``cancel_requested(item_id: str)``, ``cut_requested(item_id: str)``
    - ``paste_requested(column_key: str, day: date, start_min: int)``
    - ``context_requested(item_id: str, column_key: str, day: date, minute: int,
      global_pos: QPoint)``: over an item its id and start; over free time "" and the
      snapped minute (the free-time cursor moves there first)
    """

    create_requested = Signal(str, object, int, int)
    move_requested = Signal(str, str, object, int, int)
    open_requested = Signal(str)
    selection_changed = Signal(str)
    cursor_changed = Signal(str, object, int)
    cancel_requested = Signal(str)
    cut_requested = Signal(str)
    paste_requested = Signal(str, object, int)
    context_requested = Signal(str, str, object, int, QPoint)

    def __init__(self, parent=None, *, start_min: int = 7 * 60, end_min: int = 20 * 60,
                 px_per_min: float = DEFAULT_PX_PER_MIN, snap_min: int = 5,
                 default_length: int = 15,
                 min_column_width: int = 0) -> None:
        super().__init__(parent)
        self._start, self._end = start_min, end_min
        self._ppm = px_per_min
        self._snap = snap_min
        self._default_length = default_length
        self._min_column_width = min_column_width
        self._editable = True
        self._pending_paste: int | None = None
        self._data = GridData()
        self._index = GridIndex(self._data)
        self._style = GridStyle.for_widget(self.font())
        self._selected = ""
        self._cursor: Cursor | None = None
        self._now: tuple[date, int] | None = None
        self._drag: _Drag | None = None
        self._ghost: Ghost | None = None
        self._scene = None  # the prepared appointments, rebuilt when the layout changes
        self._item_details: Callable[[str], str] | None = None
        self._auto_scroll = QTimer(self)
        self._auto_scroll.setInterval(30)
        self._auto_scroll.timeout.connect(self._auto_scroll_step)

        self.setObjectName("AgendaGrid")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(_("Agenda"))
        self.viewport().setMouseTracking(True)
        self.viewport().setAutoFillBackground(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._update_scroll_range()

    # ------------------------------------------------------------------ data and settings

    def set_item_details(self, details: Callable[[str], str] | None) -> None:
        """``details(item_id)``: more lines for an appointment's tooltip (read when the
        tooltip shows, e.g. the patient's phones)."""
        self._item_details = details

    def set_data(self, days, columns, items=(), bands=()) -> None:
        """Replace everything shown: ``days`` (dates, in order), ``columns``
        (GridColumn, one sub-column per day each), ``items`` (GridItem) and ``bands``
        (GridBand: open hours, and closed / absent / holiday time). The selected item
        and the free-time cursor are kept when they still exist."""
        old_cursor = self.cursor()
        self._data = GridData(tuple(days), tuple(columns), tuple(items), tuple(bands))
        self._index = GridIndex(self._data)
        self._cancel_drag()
        if self._selected and self._selected not in self._index.position:
            self._set_selection("")
        if old_cursor is not None:
            slot = self._index.slot_of(old_cursor[0], old_cursor[1])
            self._set_cursor(None if slot is None else Cursor(slot, old_cursor[2]))
        self._update_scroll_range()
        self._update_accessible_description()
        self.viewport().update()

    def data(self) -> GridData:
        """What is shown, as given (for printing the same view with ``paint_grid``)."""
        return self._data

    def set_visible_range(self, start_min: int, end_min: int) -> None:
        """The hours shown, e.g. 7 * 60 to 20 * 60."""
        self._start, self._end = max(0, start_min), min(DAY_END, max(end_min, start_min + 60))
        self._update_scroll_range()
        self.viewport().update()

    def visible_range(self) -> tuple[int, int]:
        return self._start, self._end

    def set_pixels_per_minute(self, px_per_min: float) -> None:
        """The vertical zoom (DEFAULT_PX_PER_MIN: a quarter of an hour on two lines)."""
        top = self.minute_at(self._geometry().top)
        self._ppm = max(0.2, px_per_min)
        self._update_scroll_range()
        self.scroll_to_minute(int(top))
        self.viewport().update()

    def set_snap_minutes(self, minutes: int) -> None:
        """Drags and clicks land on multiples of this (5 by default)."""
        self._snap = max(1, minutes)

    def set_default_length(self, minutes: int) -> None:
        """The length a click on free time asks to book (the usual motif's)."""
        self._default_length = max(1, minutes)
        self.viewport().update()

    def set_min_column_width(self, pixels: int) -> None:
        """Below this width per sub-column the grid scrolls sideways instead."""
        self._min_column_width = max(0, pixels)
        self._update_scroll_range()
        self.viewport().update()

    def set_editable(self, editable: bool) -> None:
        """A read-only agenda (a practitioner's view, a share without booking rights):
        no drags and no booking; selection, open and the context menu still work."""
        self._editable = editable
        self._cancel_drag()

    def set_pending_paste(self, length_min: int | None) -> None:
        """While an appointment is cut, a click on free time only places the cursor
        (shown with the cut appointment's length) and Enter there pastes."""
        self._pending_paste = length_min
        self.viewport().update()

    def set_now(self, day: date | None, minute: int | None = None) -> None:
        """The practice's current day and wall minute (the page updates it each minute);
        None hides the line."""
        self._now = None if day is None or minute is None else (day, minute)
        self.viewport().update()

    # ------------------------------------------------------------------ selection

    def selected_item(self) -> str:
        return self._selected

    def select_item(self, item_id: str) -> bool:
        """Select an appointment and scroll it into view; False if it is not shown."""
        placed = self._index.placed(item_id)
        if placed is None:
            return False
        self._set_cursor(None)
        self._set_selection(item_id)
        self._ensure_minutes_visible(placed.item.start_min, placed.item.end_min)
        return True

    def cursor(self) -> tuple[str, date, int] | None:
        """The selected free time as (column key, day, minute), or None."""
        if self._cursor is None:
            return None
        key, day = self._index.slot_key(self._cursor.slot)
        return key, day, self._cursor.minute

    def set_cursor(self, column_key: str, day: date, minute: int) -> bool:
        """Select free time (e.g. a slot the finder proposed) and scroll to it."""
        slot = self._index.slot_of(column_key, day)
        if slot is None:
            return False
        self._set_selection("")
        self._set_cursor(Cursor(slot, minute))
        self._ensure_minutes_visible(minute, minute + self._cursor_length())
        return True

    # ------------------------------------------------------------------ geometry (tests, page)

    def scroll_to_minute(self, minute: int) -> None:
        """Scroll so that ``minute`` is at the top of the body (e.g. 8 * 60 on opening)."""
        self.verticalScrollBar().setValue(int(round((minute - self._start) * self._ppm)))

    def item_rect(self, item_id: str) -> QRect | None:
        """Where an appointment's box is, in viewport coordinates."""
        placed = self._index.placed(item_id)
        if placed is None:
            return None
        return QRect(*self._geometry().box(placed))

    def position_of(self, column_key: str, day: date, minute: float) -> QPoint | None:
        """The viewport point in the middle of a sub-column at a minute."""
        slot = self._index.slot_of(column_key, day)
        if slot is None:
            return None
        g = self._geometry()
        return QPoint((g.slot_left(slot) + g.slot_left(slot + 1)) // 2, g.y_at(minute))

    def minute_at(self, y: int) -> int:
        """The wall minute at a viewport y (not snapped)."""
        return int(self._geometry().minute_at(y) // 1)

    def column_at(self, x: int) -> tuple[str, date] | None:
        """(column key, day) of the sub-column at a viewport x."""
        slot = self._geometry().slot_at(x)
        return None if slot is None else self._index.slot_key(slot)

    def _geometry(self) -> GridGeometry:
        vp = self.viewport()
        return GridGeometry.fit(
            slot_count=self._index.slot_count, left=self._style.ruler_width,
            top=self._style.header_height(self._index), width=vp.width(), height=vp.height(),
            start_min=self._start, end_min=self._end, px_per_min=self._ppm,
            min_slot_width=self._min_column_width,
            scroll_x=self.horizontalScrollBar().value(),
            scroll_y=self.verticalScrollBar().value())

    def _update_scroll_range(self) -> None:
        g = self._geometry()
        v, h = self.verticalScrollBar(), self.horizontalScrollBar()
        v.setRange(0, max(0, g.content_height - g.body_height))
        v.setPageStep(max(1, g.body_height))
        v.setSingleStep(max(1, int(15 * self._ppm)))
        h.setRange(0, max(0, g.content_width - g.body_width))
        h.setPageStep(max(1, g.body_width))
        h.setSingleStep(max(1, int(g.slot_width)))

    def _ensure_minutes_visible(self, first: int, last: int) -> None:
        g = self._geometry()
        v = self.verticalScrollBar()
        y0 = (first - self._start) * self._ppm
        y1 = (last - self._start) * self._ppm
        if y0 < v.value():
            v.setValue(int(y0) - 8)
        elif y1 > v.value() + g.body_height:
            v.setValue(int(min(y0, y1 - g.body_height)) + 8)

    # ------------------------------------------------------------------ Qt events

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_scroll_range()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._style = GridStyle.for_widget(self.font())
            self._update_scroll_range()
        super().changeEvent(event)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.viewport().update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.viewport().update()

    def paintEvent(self, event) -> None:
        g = self._geometry()
        clip = event.rect()
        painter = QPainter(self.viewport())
        style = self._style
        state = PaintState(selected=self._selected, cursor=self._cursor,
                           cursor_length=self._cursor_length(), ghost=self._ghost,
                           now=self._now, focused=self.hasFocus())
        self._scene = paint_body(painter, self._index, g, style, state, clip, self._scene)
        if clip.top() < g.top:
            paint_header(painter, self._index, g, style, state)
        if clip.left() < g.left:
            paint_ruler(painter, g, style, state)
        painter.end()

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self._tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), tooltip(text), self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton or self._drag is not None:
            return
        pos = event.position().toPoint()
        g = self._geometry()
        hit = hit_test(self._index, g, pos.x(), pos.y())
        if hit.slot is None or not self._start <= hit.minute < self._end:
            return  # the header, the ruler, or below the last hour shown
        if hit.placed is not None:
            self._select(hit.placed.item.id)
            if self._editable and hit.placed.item.movable:
                kind = "resize" if hit.zone == "bottom" else "move"
                self._drag = _Drag(kind, pos, hit.minute, hit.slot, hit.placed)
        else:
            self._place_cursor(Cursor(hit.slot, snap_down(hit.minute, self._snap)))
            if self._editable:
                self._drag = _Drag("create", pos, hit.minute, hit.slot)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        drag = self._drag
        if drag is None:
            self._update_mouse_cursor(pos)
            return
        if not drag.active:
            if (pos - drag.press).manhattanLength() < QApplication.startDragDistance():
                return
            drag.active = True
            if drag.kind == "move":
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        drag.pos = pos
        self._update_ghost()
        g = self._geometry()
        near_edge = pos.y() < g.top + _AUTO_SCROLL_EDGE or pos.y() > g.height - _AUTO_SCROLL_EDGE
        if near_edge and not self._auto_scroll.isActive():
            self._auto_scroll.start()
        elif not near_edge:
            self._auto_scroll.stop()

    def mouseReleaseEvent(self, event) -> None:
        drag, ghost = self._drag, self._ghost
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._cancel_drag()
        if not drag.active:
            if drag.kind == "create" and self._pending_paste is None:
                key, day = self._index.slot_key(drag.slot)
                start = self._cursor.minute
                self.create_requested.emit(key, day, start, min(DAY_END, start + self._default_length))
            return
        if ghost is None:
            return
        key, day = self._index.slot_key(ghost.slot)
        if drag.kind == "create":
            self._place_cursor(Cursor(ghost.slot, ghost.start_min))
            self.create_requested.emit(key, day, ghost.start_min, ghost.end_min)
            return
        item = drag.placed.item
        if (key, day, ghost.start_min, ghost.end_min) != (item.column_key, item.day,
                                                          item.start_min, item.end_min):
            self.move_requested.emit(item.id, key, day, ghost.start_min, ghost.end_min)

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position().toPoint()
        hit = hit_test(self._index, self._geometry(), pos.x(), pos.y())
        if hit.placed is not None:
            self._select(hit.placed.item.id)
            self.open_requested.emit(hit.placed.item.id)
        # Over free time the first click already asked for a booking: nothing more.

    def contextMenuEvent(self, event) -> None:
        if event.reason() == event.Reason.Mouse:
            pos = event.pos()
            hit = hit_test(self._index, self._geometry(), pos.x(), pos.y())
            if hit.slot is None:
                return
            if hit.placed is not None:
                self._select(hit.placed.item.id)
            else:
                self._place_cursor(Cursor(hit.slot, snap_down(hit.minute, self._snap)))
            slot, global_pos = hit.slot, event.globalPos()
        else:
            rect = self._selection_rect()
            if rect is None:
                return
            slot = self._selection_place()[0]
            global_pos = self.viewport().mapToGlobal(rect.center())
        # The item's start, or the free time's snapped minute (where "book here" starts).
        key, day = self._index.slot_key(slot)
        minute = self._selection_place()[1]
        self.context_requested.emit(self._selected, key, day, minute, global_pos)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if self._drag is not None:
            if key == Qt.Key.Key_Escape:
                self._cancel_drag()
            event.accept()
            return
        if key in _ARROWS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self._arrow(_ARROWS[key])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._activate()
        elif key == Qt.Key.Key_Delete and self._selected:
            self.cancel_requested.emit(self._selected)
        elif event.matches(QKeySequence.StandardKey.Cut) and self._selected:
            self.cut_requested.emit(self._selected)
        elif event.matches(QKeySequence.StandardKey.Paste) and self._cursor is not None:
            key_, day, minute = self.cursor()
            self.paste_requested.emit(key_, day, minute)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ------------------------------------------------------------------ behaviour

    def _cursor_length(self) -> int:
        return self._pending_paste or self._default_length

    def _set_selection(self, item_id: str) -> None:
        if item_id != self._selected:
            self._update_area(self._selection_rect())
            self._selected = item_id
            self._update_area(self._selection_rect())
            self._update_accessible_description()
            self.selection_changed.emit(item_id)

    def _set_cursor(self, cursor: Cursor | None) -> None:
        if cursor != self._cursor:
            self._update_area(self._selection_rect())
            self._cursor = cursor
            self._update_area(self._selection_rect())
            self._update_accessible_description()
            where = self.cursor()
            self.cursor_changed.emit(*(where or ("", None, -1)))

    def _select(self, item_id: str) -> None:
        self._set_cursor(None)
        self._set_selection(item_id)

    def _place_cursor(self, cursor: Cursor) -> None:
        self._set_selection("")
        self._set_cursor(cursor)

    def _arrow(self, direction: str) -> None:
        if self._index.slot_count == 0:
            return
        current = self._selected or self._cursor
        if not current:
            g = self._geometry()
            slot = g.visible_slots().start
            top = max(self._start, snap(g.minute_at(g.top) + self._default_length / 2,
                                        self._default_length))
            covering = self._index.item_covering(slot, top)
            target = covering.item.id if covering else Cursor(slot, top)
        else:
            target = step_selection(self._index, current, direction,
                                    step=self._cursor_length(), start_min=self._start,
                                    end_min=self._end)
        if isinstance(target, str):
            self.select_item(target)
        else:
            self._place_cursor(target)
            self._ensure_minutes_visible(target.minute, target.minute + self._cursor_length())
            self._ensure_slot_visible(target.slot)

    def _ensure_slot_visible(self, slot: int) -> None:
        g = self._geometry()
        h = self.horizontalScrollBar()
        x0 = g.slot_left(slot) - g.left + h.value()
        x1 = g.slot_left(slot + 1) - g.left + h.value()
        if x0 < h.value():
            h.setValue(x0)
        elif x1 > h.value() + g.body_width:
            h.setValue(x1 - g.body_width)

    def _activate(self) -> None:
        if self._selected:
            self.open_requested.emit(self._selected)
        elif self._cursor is not None:
            key, day, minute = self.cursor()
            if self._pending_paste is not None:
                self.paste_requested.emit(key, day, minute)
            elif self._editable:
                self.create_requested.emit(key, day, minute,
                                           min(DAY_END, minute + self._default_length))

    def _update_ghost(self) -> None:
        drag = self._drag
        if drag is None or not drag.active or drag.pos is None:
            return
        g = self._geometry()
        pos = drag.pos
        minute = g.minute_at(pos.y())
        old = self._ghost
        item = drag.placed.item if drag.placed is not None else None
        start, end = drag_range(drag.kind, press_minute=drag.press_minute, minute=minute,
                                step=self._snap, start_min=self._start, end_min=self._end,
                                item=item)
        if item is None:
            self._ghost = Ghost(drag.slot, start, end, "#1d4ed8", "")
        else:
            slot = g.slot_at(pos.x(), clamp=True) if drag.kind == "move" else drag.slot
            self._ghost = Ghost(slot, start, end, item.colour, item.title, item.id)
            if old is None:
                self._update_area(self.item_rect(item.id))  # washed out under its preview
        # Only where the preview was and is: a drag repaints a little, not the week.
        self._update_area(self._ghost_rect(old))
        self._update_area(self._ghost_rect(self._ghost))

    def _auto_scroll_step(self) -> None:
        drag = self._drag
        if drag is None or not drag.active or drag.pos is None:
            self._auto_scroll.stop()
            return
        g = self._geometry()
        v = self.verticalScrollBar()
        step = max(2, int(5 * self._ppm))
        if drag.pos.y() < g.top + _AUTO_SCROLL_EDGE:
            v.setValue(v.value() - step)
        elif drag.pos.y() > g.height - _AUTO_SCROLL_EDGE:
            v.setValue(v.value() + step)
        # The press minute is in content minutes: the box follows the scrolled content.
        self._update_ghost()

    def _cancel_drag(self) -> None:
        if self._drag is not None and self._drag.pos is not None:
            self._update_mouse_cursor(self._drag.pos)
        self._drag = None
        self._auto_scroll.stop()
        if self._ghost is not None:
            ghost, self._ghost = self._ghost, None
            self._update_area(self._ghost_rect(ghost))
            if ghost.source_id:
                self._update_area(self.item_rect(ghost.source_id))

    def _ghost_rect(self, ghost: Ghost | None) -> QRect | None:
        if ghost is None:
            return None
        return QRect(*self._geometry().range_box(ghost.slot, ghost.start_min, ghost.end_min))

    def _update_area(self, rect: QRect | None) -> None:
        """Repaint around a box, its focus frame included (nothing for None)."""
        if rect is not None:
            self.viewport().update(rect.adjusted(-4, -4, 4, 4))

    def _update_mouse_cursor(self, pos: QPoint) -> None:
        shape = Qt.CursorShape.ArrowCursor
        if self._editable:
            hit = hit_test(self._index, self._geometry(), pos.x(), pos.y())
            if hit.placed is not None and hit.placed.item.movable:
                shape = (Qt.CursorShape.SizeVerCursor if hit.zone == "bottom"
                         else Qt.CursorShape.OpenHandCursor)
        if self.viewport().cursor().shape() != shape:
            self.viewport().setCursor(shape)

    def _selection_rect(self) -> QRect | None:
        if self._selected:
            return self.item_rect(self._selected)
        if self._cursor is not None:
            return QRect(*self._geometry().range_box(
                self._cursor.slot, self._cursor.minute, self._cursor.minute + self._cursor_length()))
        return None

    def _selection_place(self) -> tuple[int, int]:
        if self._selected:
            placed = self._index.placed(self._selected)
            return placed.slot, placed.item.start_min
        return self._cursor.slot, self._cursor.minute

    # ------------------------------------------------------------------ texts

    def _tooltip_at(self, pos: QPoint) -> str:
        g = self._geometry()
        if pos.y() < g.top:
            slot = g.slot_at(pos.x())
            if slot is None:
                return ""
            column = self._index.column(slot)
            lines = [format_date(self._index.day(slot), "EEEE d MMMM y"), column.title]
            return "\n".join(x for x in (*lines, column.subtitle) if x)
        hit = hit_test(self._index, g, pos.x(), pos.y())
        if hit.placed is not None:
            text = item_summary(hit.placed.item, self._index.column(hit.placed.slot))
            extra = self._item_details(hit.placed.item.id) if self._item_details else ""
            return f"{text}\n{extra}" if extra else text
        if hit.slot is not None:
            band = self._index.band_at(hit.slot, hit.minute)
            if band is not None and band.label:
                return band_summary(band)
        return ""

    def _update_accessible_description(self) -> None:
        if self._selected:
            placed = self._index.placed(self._selected)
            text = item_summary(placed.item, self._index.column(placed.slot)) if placed else ""
        elif self._cursor is not None:
            key, day, minute = self.cursor()
            text = _("Free time, {day} at {time}, {column}").format(
                day=format_date(day, "EEEE d MMMM"), time=hhmm(minute),
                column=self._index.column(self._cursor.slot).title)
        else:
            text = ""
        self.setAccessibleDescription(text)

