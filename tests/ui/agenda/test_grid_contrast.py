"""Text in the agenda's boxes keeps a contrast of 4.5:1 (WCAG AA) on every fill the grid
paints: every motif colour the practice can choose or the demo uses, every status, the
no-show hatching, the selection, and the selected rows of the lists."""

from __future__ import annotations

import re
from datetime import date
from importlib.resources import files

import pytest
from PySide6.QtGui import QColor

from app.demo.agenda import MOTIFS
from app.ui.agenda.grid_data import STATUSES, GridColumn, GridData, GridItem
from app.ui.agenda.grid_layout import GridGeometry, GridIndex
from app.ui.agenda.grid_paint import MIN_CONTRAST, GridStyle, contrast_ratio
from app.ui.agenda.grid_scene import ItemScene
from app.ui.agenda_settings.types_editor import palette

DAY = date(2026, 12, 7)
# What a practice may pick besides the palette: the darkest and the most saturated.
EXTREMES = ("#000000", "#1d4e89", "#ff0000", "#00ff00", "#0000ff", "#ffff00", "#ffffff",
            "#8a94a6", "#5b8def")


def _colours() -> list[str]:
    return sorted({c for c, _name in palette()} | {m.colour for m in MOTIFS} | set(EXTREMES))


def _scene(style: GridStyle) -> ItemScene:
    """Every colour with every status, each a 30-minute box in a wide column."""
    items = []
    for i, colour in enumerate(_colours()):
        for j, status in enumerate(STATUSES):
            start = 8 * 60 + (i * len(STATUSES) + j) * 30
            items.append(GridItem(f"{i}-{j}", "p", DAY, start, start + 30, "DUPONT Jeanne",
                                  "Consultation", colour, status))
    end = max(i.end_min for i in items)
    index = GridIndex(GridData((DAY,), (GridColumn("p", "Dr Morel"),), tuple(items)))
    geom = GridGeometry.fit(slot_count=1, left=50, top=40, width=400, height=800,
                            start_min=8 * 60, end_min=end, px_per_min=2.0)
    return ItemScene(index, geom, style)


@pytest.mark.parametrize("for_print", [False, True])
def test_box_text_reads_on_every_fill_the_grid_paints(qapp, for_print):
    style = GridStyle(13, for_print=for_print)
    scene = _scene(style)
    fills = [colour for colour, _rects in scene.layers[1]]
    assert len(fills) >= len(_colours())  # every colour drawn, several statuses each
    texts = {"name": style.ink, "motif and cancelled": style.box_muted, "marks": style.ink}
    for fill in fills:
        for what, ink in texts.items():
            ratio = contrast_ratio(ink, fill)
            assert ratio >= MIN_CONTRAST, (what, ink.name(), fill.name(), round(ratio, 2))
    # A no-show's hatching runs under its text.
    for what, ink in texts.items():
        assert contrast_ratio(ink, style.no_show_lines) >= MIN_CONTRAST, what


def test_the_darkest_colour_is_lightened_only_as_far_as_needed(qapp):
    style = GridStyle(13)
    dark = style.box_fill("#000000", 0.6)
    assert contrast_ratio(style.box_muted, dark) >= MIN_CONTRAST
    assert dark != QColor("#ffffff")  # still a grey: the status tint shows
    light = style.box_fill("#3b7dd8", 0.14)
    assert light == style.tint("#3b7dd8", 0.14)  # already light enough: untouched


def test_the_selection_keeps_the_text_readable(qapp):
    style = GridStyle(13)
    # The free time selected: its time in the accent colour over the cursor's wash.
    wash = style.cursor_fill
    alpha = wash.alpha() / 255
    over_white = QColor(*(round(c * alpha + 255 * (1 - alpha))
                          for c in (wash.red(), wash.green(), wash.blue())))
    assert contrast_ratio(style.accent, over_white) >= MIN_CONTRAST
    # The selected rows of every list and table, from the style sheet.
    sheet = files("app.resources").joinpath("style.qss").read_text(encoding="utf-8")
    pairs = re.findall(r"selection-background-color:\s*(#[0-9a-fA-F]{6});\s*"
                       r"selection-color:\s*(#[0-9a-fA-F]{6})", sheet)
    assert pairs
    for background, text in pairs:
        assert contrast_ratio(QColor(text), QColor(background)) >= MIN_CONTRAST


def test_contrast_ratio_is_the_wcag_one():
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21)
    assert contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
