"""Small widgets shared by several screens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QScrollArea,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, ngettext
from app.ui.plain import PlainLabel, message_box


def label(text: str, name: str | None = None, *, wrap: bool = False) -> QLabel:
    """A label whose text is shown literally: any of ours may one day show user data."""
    w = PlainLabel(text)
    if name:
        w.setObjectName(name)
    w.setWordWrap(wrap)
    return w


class FieldError(PlainLabel):
    """A red message under a field; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FieldError")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))


def mark_invalid(edit: QLineEdit, invalid: bool) -> None:
    edit.setProperty("invalid", "true" if invalid else "false")
    edit.style().unpolish(edit)
    edit.style().polish(edit)


def menu_button(text: str, tooltip: str, parent: QWidget) -> tuple[QToolButton, QMenu]:
    """A button opening a menu: the place for a screen's less frequent actions."""
    menu = QMenu(parent)
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tooltip)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setMenu(menu)
    return button, menu


def result_table(model, *, row_height: int | None = 28) -> QTableView:
    """A read-only list of results: whole rows, one at a time, first column stretched."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.verticalHeader().hide()
    if row_height is not None:
        table.verticalHeader().setDefaultSectionSize(row_height)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


def ask_unsaved(parent: QWidget, message: str) -> str:
    """"save", "discard" or "cancel": what to do with a card's unsaved edits."""
    box = message_box(QMessageBox.Icon.Question, _("Unsaved changes"), message, parent)
    save = box.addButton(_("Save"), QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(_("Discard"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "cancel"


def card_frame(owner: QWidget, above: list[QWidget], form, buttons) -> None:
    """Lay out a record card on ``owner``: headings and banners, then the form, in a
    white body that scrolls down (never sideways), with the buttons kept below it."""
    body = QWidget()
    body.setObjectName("CardBody")
    body_layout = QVBoxLayout(body)
    for widget in above:
        body_layout.addWidget(widget)
    body_layout.addLayout(form)
    body_layout.addStretch()
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(body)
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    outer.addLayout(buttons)


def results_caption(query: str, shown: int, limit: int, count: Callable[[], int],
                    of: Callable[[int], str]) -> str:
    """What a result list says above itself. With nothing typed the list shows the first
    records: ``count()`` is their total and ``of(n)`` names it ("2 000 patients")."""
    if not query.strip():
        total = count()
        text = of(total)
        if total > shown:
            text += " · " + _("the first {shown} in alphabetical order; type to search").format(
                shown=shown)
        return text
    if shown >= limit:
        return _("first {n} results").format(n=limit)
    return ngettext("{n} result", "{n} results", shown).format(n=shown)


def select_first_row(table: QTableView) -> None:
    model = table.model()
    if model.rowCount():
        table.selectionModel().setCurrentIndex(
            model.index(0, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def reselect(table: QTableView, kept_id: str | None) -> None:
    """After a list is read again: the row that was selected if it is still there (the
    model has ``row_of``), else the first one."""
    row = table.model().row_of(kept_id) if kept_id else -1
    if row >= 0:
        table.selectRow(row)
    else:
        select_first_row(table)
