"""Where things are on the agenda grid: slots, lanes, pixels, hits, keyboard moves.

Pure Python (no Qt) so it is unit-tested directly and stays cheap: the index is built
once per ``set_data``; the geometry is a small value rebuilt on resize or scroll.

A *slot* is one painted column: one practitioner on one day. Slots run day by day,
the practitioners in order within each day (slot = day_index × columns + column).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date

from app.ui.agenda.grid_data import BAND_OPEN, GridBand, GridData, GridItem

MIN_ITEM_HEIGHT = 4    # px: a 5-minute appointment at a small scale is still visible
RESIZE_EDGE = 5        # px at the bottom of a box that grab its end instead of moving it
MIN_RESIZE_HEIGHT = 14  # boxes smaller than this can only be moved


def snap(minute: float, step: int) -> int:
    """The nearest multiple of ``step``."""
    return int(round(minute / step)) * step


def snap_down(minute: float, step: int) -> int:
    return int(minute // step) * step


@dataclass(frozen=True, slots=True)
class Placed:
    """An item with its lane among the items it overlaps (lane < lanes)."""
    item: GridItem
    slot: int
    lane: int
    lanes: int


class SlotContent:
    """One slot's items sorted by start (ties: longer first), with bisect keys."""

    __slots__ = ("placed", "starts", "max_length", "open_ranges", "marked")

    def __init__(self) -> None:
        self.placed: list[Placed] = []
        self.starts: list[int] = []
        self.max_length = 0
        self.open_ranges: list[tuple[int, int]] = []
        self.marked: list[GridBand] = []

    def between(self, first_min: float, last_min: float) -> list[Placed]:
        """Items that may show between two minutes (those starting before and still
        running included)."""
        lo = bisect_left(self.starts, first_min - self.max_length)
        hi = bisect_right(self.starts, last_min)
        return self.placed[lo:hi]


def _lay_out_lanes(items: list[GridItem], slot: int) -> list[Placed]:
    """Side-by-side lanes for overlapping items (a double booking), like a calendar."""
    placed: list[Placed] = []
    cluster: list[tuple[GridItem, int]] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def flush() -> None:
        lanes = max(1, len(lane_ends))
        placed.extend(Placed(item, slot, lane, lanes) for item, lane in cluster)

    for item in items:
        end = max(item.end_min, item.start_min + 1)
        if item.start_min >= cluster_end and cluster:
            flush()
            cluster, lane_ends = [], []
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= item.start_min:
                lane_ends[lane] = end
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(end)
        cluster.append((item, lane))
        cluster_end = max(cluster_end, end)
    if cluster:
        flush()
    return placed


class GridIndex:
    """The data arranged by slot. Items and bands of a day or column not shown are left
    out; a band with an empty column key applies to every column of its day."""

    def __init__(self, data: GridData) -> None:
        self.data = data
        self.days = tuple(data.days)
        self.columns = tuple(data.columns)
        self.columns_per_day = len(self.columns)
        self.slot_count = len(self.days) * self.columns_per_day
        self._day_index = {d: i for i, d in enumerate(self.days)}
        self._column_index = {c.key: i for i, c in enumerate(self.columns)}
        self.slots = [SlotContent() for _ in range(self.slot_count)]
        self.position: dict[str, tuple[int, int]] = {}  # item id → (slot, index in slot)

        by_slot: list[list[GridItem]] = [[] for _ in range(self.slot_count)]
        for item in data.items:
            slot = self.slot_of(item.column_key, item.day)
            if slot is not None:
                by_slot[slot].append(item)
        for slot, items in enumerate(by_slot):
            items.sort(key=lambda i: (i.start_min, -i.end_min, i.id))
            content = self.slots[slot]
            content.placed = _lay_out_lanes(items, slot)
            content.starts = [i.start_min for i in items]
            content.max_length = max((i.end_min - i.start_min for i in items), default=0)
            for pos, item in enumerate(items):
                self.position[item.id] = (slot, pos)

        for band in data.bands:
            if band.column_key:
                slot = self.slot_of(band.column_key, band.day)
                targets = [] if slot is None else [slot]
            else:
                day = self._day_index.get(band.day)
                targets = [] if day is None else [day * self.columns_per_day + c
                                                  for c in range(self.columns_per_day)]
            for slot in targets:
                if band.kind == BAND_OPEN:
                    self.slots[slot].open_ranges.append((band.start_min, band.end_min))
                else:
                    self.slots[slot].marked.append(band)

    def slot_of(self, column_key: str, day: date) -> int | None:
        d = self._day_index.get(day)
        c = self._column_index.get(column_key)
        if d is None or c is None:
            return None
        return d * self.columns_per_day + c

    def slot_key(self, slot: int) -> tuple[str, date]:
        """(column key, day) of a slot."""
        day, column = divmod(slot, self.columns_per_day)
        return self.columns[column].key, self.days[day]

    def column(self, slot: int):
        return self.columns[slot % self.columns_per_day]

    def day(self, slot: int) -> date:
        return self.days[slot // self.columns_per_day]

    def placed(self, item_id: str) -> Placed | None:
        where = self.position.get(item_id)
        if where is None:
            return None
        slot, pos = where
        return self.slots[slot].placed[pos]

    def item_covering(self, slot: int, minute: int) -> Placed | None:
        """The first item running at ``minute`` in ``slot``."""
        for p in self.slots[slot].between(minute, minute):
            if p.item.start_min <= minute < p.item.end_min:
                return p
        return None

    def band_at(self, slot: int, minute: float) -> GridBand | None:
        for band in self.slots[slot].marked:
            if band.start_min <= minute < band.end_min:
                return band
        return None

    def is_open(self, slot: int, minute: float) -> bool:
        return any(a <= minute < b for a, b in self.slots[slot].open_ranges)


@dataclass(frozen=True, slots=True)
class GridGeometry:
    """Pixel positions in viewport coordinates. The header (``top`` px high) and the
    time ruler (``left`` px wide) stay put; the body scrolls by ``scroll_x/scroll_y``."""

    slot_count: int
    left: int
    top: int
    width: int
    height: int
    start_min: int
    end_min: int
    px_per_min: float
    slot_width: float
    scroll_x: int = 0
    scroll_y: int = 0

    @classmethod
    def fit(cls, *, slot_count: int, left: int, top: int, width: int, height: int,
            start_min: int, end_min: int, px_per_min: float, min_slot_width: int = 0,
            scroll_x: int = 0, scroll_y: int = 0) -> GridGeometry:
        """Slots share the width; below ``min_slot_width`` they scroll sideways."""
        room = max(1, width - left)
        slot_width = max(float(min_slot_width), room / max(1, slot_count))
        return cls(slot_count, left, top, width, height, start_min, end_min, px_per_min,
                   slot_width, scroll_x, scroll_y)

    @property
    def content_width(self) -> int:
        return int(round(self.slot_width * self.slot_count))

    @property
    def content_height(self) -> int:
        return int(round((self.end_min - self.start_min) * self.px_per_min))

    @property
    def body_height(self) -> int:
        return max(0, self.height - self.top)

    @property
    def body_width(self) -> int:
        return max(0, self.width - self.left)

    def slot_left(self, slot: int) -> int:
        return self.left + int(round(slot * self.slot_width)) - self.scroll_x

    def y_at(self, minute: float) -> int:
        return self.top + int(round((minute - self.start_min) * self.px_per_min)) - self.scroll_y

    def minute_at(self, y: float) -> float:
        return self.start_min + (y - self.top + self.scroll_y) / self.px_per_min

    def slot_at(self, x: float, *, clamp: bool = False) -> int | None:
        """The slot under ``x``; with ``clamp`` the nearest one (a drag past the edge)."""
        if self.slot_count == 0:
            return None
        slot = int((x - self.left + self.scroll_x) // self.slot_width)
        if clamp:
            return min(max(slot, 0), self.slot_count - 1)
        if x < self.left or not 0 <= slot < self.slot_count:
            return None
        return slot

    def visible_slots(self, x0: int | None = None, x1: int | None = None) -> range:
        """Slots crossing the body between x0 and x1 (the whole body by default)."""
        if self.slot_count == 0:
            return range(0)
        x0 = self.left if x0 is None else max(x0, self.left)
        x1 = self.width if x1 is None else x1
        first = self.slot_at(x0, clamp=True)
        last = self.slot_at(max(x0, x1 - 1), clamp=True)
        return range(first, last + 1)

    def visible_minutes(self, y0: int | None = None, y1: int | None = None) -> tuple[float, float]:
        y0 = self.top if y0 is None else max(y0, self.top)
        y1 = self.height if y1 is None else y1
        return (max(self.start_min, self.minute_at(y0)),
                min(self.end_min, self.minute_at(y1)))

    def box(self, p: Placed) -> tuple[int, int, int, int]:
        """(x, y, w, h) of a placed item. A small right margin of each slot stays free
        so a click there can still book over a taken time."""
        return self.range_box(p.slot, p.item.start_min, p.item.end_min, p.lane, p.lanes)

    def boxes(self, placed: list[Placed]) -> list[tuple[int, int, int, int]]:
        """``box`` of many items at once (the same arithmetic, without a call per item:
        a week of ten agendas is two thousand boxes)."""
        out = []
        slot_w, ppm = self.slot_width, self.px_per_min
        x_base, y_base = self.left - self.scroll_x, self.top - self.scroll_y
        s0 = self.start_min
        last_slot, x0, margin, inner = -1, 0, 0, 1
        for p in placed:
            if p.slot != last_slot:
                last_slot = p.slot
                x0 = x_base + int(round(p.slot * slot_w))
                w = x_base + int(round((p.slot + 1) * slot_w)) - x0
                margin = min(10, w // 6)
                inner = max(1, w - 2 - margin)
            lane_w = inner / p.lanes
            a, b = int(p.lane * lane_w), int((p.lane + 1) * lane_w)
            y = y_base + int(round((p.item.start_min - s0) * ppm))
            h = y_base + int(round((p.item.end_min - s0) * ppm)) - y - 1
            out.append((x0 + 1 + a, y, max(1, b - a - 1), h if h > MIN_ITEM_HEIGHT else MIN_ITEM_HEIGHT))
        return out

    def range_box(self, slot: int, start: float, end: float, lane: int = 0,
                  lanes: int = 1) -> tuple[int, int, int, int]:
        x0 = self.slot_left(slot)
        w = self.slot_left(slot + 1) - x0
        margin = min(10, w // 6)
        inner = max(1, w - 2 - margin)
        lane_w = inner / lanes
        x = x0 + 1 + int(lane * lane_w)
        bw = max(1, int((lane + 1) * lane_w) - int(lane * lane_w) - 1)
        y = self.y_at(start)
        h = max(self.y_at(end) - y - 1, MIN_ITEM_HEIGHT)
        return x, y, bw, h


@dataclass(frozen=True, slots=True)
class Hit:
    """What is under a point: an item (``zone`` "body" or "bottom") or free time."""
    slot: int | None
    minute: float
    placed: Placed | None = None
    zone: str = ""


def hit_test(index: GridIndex, geom: GridGeometry, x: float, y: float) -> Hit:
    """The topmost item under (x, y), or the free slot and minute there."""
    slot = geom.slot_at(x)
    minute = geom.minute_at(y)
    if slot is None or y < geom.top:
        return Hit(None, minute)
    slack = MIN_ITEM_HEIGHT / geom.px_per_min
    for p in reversed(index.slots[slot].between(minute - slack, minute + slack)):
        bx, by, bw, bh = geom.box(p)
        if bx <= x < bx + bw and by <= y < by + bh + 1:
            bottom = bh >= MIN_RESIZE_HEIGHT and y >= by + bh - RESIZE_EDGE
            return Hit(slot, minute, p, "bottom" if bottom else "body")
    return Hit(slot, minute)


def drag_range(kind: str, *, press_minute: float, minute: float, step: int, start_min: int,
               end_min: int, item: GridItem | None = None) -> tuple[int, int]:
    """(start, end) a drag from ``press_minute`` to ``minute`` has reached, snapped to
    ``step`` and kept within the visible range: "move" keeps the item's length, "resize"
    its start; "create" spans the free time dragged over (at least one step)."""
    if kind == "create":
        anchor = snap_down(press_minute, step)
        if minute >= press_minute:
            start, end = anchor, max(snap(minute, step), anchor + step)
        else:
            start, end = min(snap(minute, step), anchor), anchor + step
        return max(start_min, start), min(end_min, end)
    if kind == "resize":
        return item.start_min, min(end_min, max(snap(minute, step), item.start_min + step))
    length = item.end_min - item.start_min
    start = snap(item.start_min + minute - press_minute, step)
    start = max(start_min, min(start, end_min - length))
    return start, start + length


@dataclass(frozen=True, slots=True)
class Cursor:
    """A selected free time: a slot and a minute (the keyboard's place in free time)."""
    slot: int
    minute: int


def step_selection(index: GridIndex, current: str | Cursor, direction: str, *,
                   step: int, start_min: int, end_min: int) -> str | Cursor:
    """Where an arrow key takes the selection. Up/down walk the items of a slot in time,
    stopping in the free time between them every ``step`` minutes; left/right go to the
    next slot at the same time (onto the item there, if any)."""
    if isinstance(current, str):
        placed = index.placed(current)
        if placed is None:
            return current
        slot, minute = placed.slot, placed.item.start_min
    else:
        placed, slot, minute = None, current.slot, current.minute

    if direction in ("left", "right"):
        target = slot + (1 if direction == "right" else -1)
        if not 0 <= target < index.slot_count:
            return current
        covering = index.item_covering(target, minute)
        if covering is None:
            content = index.slots[target]
            lo = bisect_left(content.starts, minute)
            if lo < len(content.starts) and content.starts[lo] < minute + step:
                covering = content.placed[lo]
        return covering.item.id if covering else Cursor(target, minute)

    content = index.slots[slot]
    if placed is not None:
        pos = index.position[placed.item.id][1]
        item = placed.item
        if direction == "down":
            if pos + 1 < len(content.placed) and content.placed[pos + 1].item.start_min <= item.end_min:
                return content.placed[pos + 1].item.id
            return Cursor(slot, item.end_min) if item.end_min < end_min else current
        if pos > 0 and content.placed[pos - 1].item.end_min >= item.start_min:
            return content.placed[pos - 1].item.id
        earlier = content.placed[pos - 1].item.end_min if pos > 0 else start_min
        target = max(item.start_min - step, earlier, start_min)
        return Cursor(slot, target) if target < item.start_min else current

    if direction == "down":
        nxt = bisect_right(content.starts, minute)
        if nxt < len(content.starts) and content.starts[nxt] <= minute + step:
            return content.placed[nxt].item.id
        target = minute + step
        return Cursor(slot, target) if target + min(step, 1) <= end_min else current
    prev = bisect_left(content.starts, minute) - 1
    if prev >= 0 and content.placed[prev].item.end_min > minute - step:
        # The latest-starting item that reaches into the step above: select it.
        return content.placed[prev].item.id
    target = minute - step
    return Cursor(slot, target) if target >= start_min else current
