"""The global search's results, over the page the secretary is on (the agenda, mostly).

The keys stay in the search box: typing searches, Down and Up move through the
results, Enter on a patient opens a small chooser (book, open the card, move the next
appointment, each with its own key), Escape closes the chooser, then the results. When
nothing matches, Enter offers to create the patient from what was typed. What to do with
the choice is the main window's: the overlay only says ``chosen(action, patient_id)`` or
``create_requested(text)``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, pgettext
from app.services.patients import PatientService, PatientSummary
from app.ui.patients.lines import picker_line
from app.ui.plain import button_text, tooltip
from app.ui.widgets import label

RESULTS = 12
BOOK, OPEN, MOVE = "book", "open", "move"
_RETURN = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_ID_ROLE = Qt.ItemDataRole.UserRole


def actions() -> list[tuple[str, str, str]]:
    """(action, label, key): the chooser's entries, each with its key in the language."""
    return [
        (BOOK, _("Book an appointment"), pgettext("key to book", "B")),
        (OPEN, _("Open the card"), pgettext("key to open the card", "O")),
        (MOVE, _("Move the next appointment"), pgettext("key to move", "M")),
    ]


class ActionChooser(QFrame):
    """What to do with the patient chosen: a button per action; its key, the arrows and
    Enter choose, Escape goes back to the results."""

    chosen = Signal(str)
    cancelled = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ActionChooser")
        self.title = label("", "SectionTitle", wrap=True)
        self.buttons: dict[str, QPushButton] = {}
        self._keys: dict[str, str] = {}
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for action, text, key in actions():
            button = QPushButton(button_text(_("{action} ({key})").format(action=text, key=key)))
            button.setObjectName("Primary" if action == BOOK else "")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, a=action: self.chosen.emit(a))
            button.installEventFilter(self)
            row.addWidget(button)
            self.buttons[action] = button
            self._keys[key.lower()] = action
        row.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(row)

    def start(self, patient: str) -> None:
        self.title.setText(_("{name}: what to do?").format(name=patient))
        self.show()
        self.buttons[BOOK].setFocus()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(obj, event)
        key = event.key()
        action = self._keys.get(event.text().lower()) if event.text() else None
        if action is not None:
            self.chosen.emit(action)
            return True
        if key in _RETURN:
            chosen = next((a for a, b in self.buttons.items() if b is obj), BOOK)
            self.chosen.emit(chosen)
            return True
        if key == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return True
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            order = list(self.buttons.values())
            step = 1 if key in (Qt.Key.Key_Right, Qt.Key.Key_Down) else -1
            at = order.index(obj) if obj in order else 0
            order[(at + step) % len(order)].setFocus()
            return True
        return super().eventFilter(obj, event)


class SearchOverlay(QFrame):
    """``chosen(action, patient_id)``; ``create_requested(text)``; ``closed()`` when
    Escape closes it (the window puts the focus back where it was)."""

    chosen = Signal(str, str)
    create_requested = Signal(str)
    closed = Signal()

    def __init__(self, patients: PatientService, box: QLineEdit, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("SearchOverlay")
        self._box = box
        self._area: QRect | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._patients = patients
        self._rows: list[PatientSummary] = []
        self._text = ""

        self.caption = label("", "Muted", wrap=True)
        self.results = QListWidget()
        self.results.setObjectName("SearchResults")
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay in the box
        self.results.itemClicked.connect(lambda item: self.results.setCurrentItem(item))
        self.results.itemDoubleClicked.connect(lambda _item: self.choose_current())
        self.create_button = QPushButton(_("Create this patient (Enter)"))
        self.create_button.setObjectName("Primary")
        self.create_button.setAutoDefault(False)
        self.create_button.clicked.connect(lambda: self.create_requested.emit(self._text))
        self.message = label("", "WarnText", wrap=True)
        self.message.hide()
        self.chooser = ActionChooser()
        self.chooser.chosen.connect(self._action)
        self.chooser.cancelled.connect(self.close_chooser)
        self.chooser.hide()
        self.hint = label(_("↑ ↓ to move, Enter to choose, Esc to go back"), "Muted")

        create_row = QHBoxLayout()
        create_row.addWidget(self.create_button)
        create_row.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.caption)
        layout.addWidget(self.results)
        layout.addLayout(create_row)
        layout.addWidget(self.message)
        layout.addWidget(self.chooser)
        layout.addWidget(self.hint)
        self.hide()
        box.installEventFilter(self)

    # -- results ---------------------------------------------------------------------
    def search(self, text: str) -> None:
        """Show the patients matching ``text`` (hidden when it is empty)."""
        self._text = text.strip()
        self.chooser.hide()
        self.message.hide()
        if not self._text:
            self.hide()
            return
        self._rows = self._patients.search(self._text, limit=RESULTS)
        self.results.clear()
        for row in self._rows:
            item = QListWidgetItem(picker_line(row))
            item.setData(_ID_ROLE, row.id)
            if row.alert:
                item.setToolTip(tooltip(row.alert))
            self.results.addItem(item)
        if self._rows:
            self.results.setCurrentRow(0)
            self.caption.setText(_("Patients matching “{query}”").format(query=self._text))
        else:
            self.caption.setText(_("No patient matches “{query}”. Check the spelling, or "
                                   "search by phone or birth date.").format(query=self._text))
        self.results.setVisible(bool(self._rows))
        self.create_button.setVisible(not self._rows)
        self._fit()
        self.show()
        self.raise_()

    def current_id(self) -> str | None:
        row = self.results.currentRow()
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def current_name(self) -> str:
        row = self.results.currentRow()
        return self._rows[row].display_name if 0 <= row < len(self._rows) else ""

    def move(self, step: int) -> None:
        """One row (round from the last to the first), or a page (stopping at the ends)."""
        if not self._rows:
            return
        row = self.results.currentRow() + step
        count = len(self._rows)
        self.results.setCurrentRow(row % count if abs(step) == 1 else max(0, min(row, count - 1)))

    def choose_current(self) -> None:
        """Enter: the chooser for the highlighted patient, or "Créer ce patient"."""
        if not self._rows:
            if self._text:
                self.create_requested.emit(self._text)
            return
        self.message.hide()
        # The whole line: two patients may share a name.
        self.chooser.start(picker_line(self._rows[max(0, self.results.currentRow())]))
        self._fit()

    def close_chooser(self) -> None:
        """Back to the results, the keys to the search box (first: the focus must not
        leave the overlay with the hidden button)."""
        self._box.setFocus()
        self.chooser.hide()
        self._fit()

    def show_message(self, text: str) -> None:
        """A word on the chosen action that could not be done; the results stay."""
        self._box.setFocus()
        self.chooser.hide()
        self.message.setText(text)
        self.message.show()
        self._fit()

    def _action(self, action: str) -> None:
        patient_id = self.current_id()
        if patient_id is not None:
            self.chosen.emit(action, patient_id)

    # -- keys from the search box ----------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._box and event.type() == QEvent.Type.KeyPress and self.isVisible():
            if self.key(event.key()):
                return True
        return super().eventFilter(obj, event)

    def key(self, key: int) -> bool:
        """A key typed in the search box while the results are shown; True if used."""
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.move(1 if key == Qt.Key.Key_Down else -1)
            return True
        if key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            self.move(5 if key == Qt.Key.Key_PageDown else -5)
            return True
        if key in _RETURN:
            self.choose_current()
            return True
        if key == Qt.Key.Key_Escape:
            self.hide()
            self.closed.emit()
            return True
        return False

    # -- place -----------------------------------------------------------------------
    def place(self, area: QRect) -> None:
        """Over ``area`` (of the parent: the page), from its top left."""
        self._area = area
        self._fit()

    def _fit(self) -> None:
        area = self._area
        if area is None:
            return
        width = min(760, max(300, area.width() - 32))
        # isVisibleTo: the overlay itself may still be hidden (its first search).
        rows = self.results.count() if self.results.isVisibleTo(self) else 0
        row_height = self.results.sizeHintForRow(0) if rows else 0
        self.results.setFixedHeight(min(rows, RESULTS) * max(row_height, 1) + 6 if rows else 0)
        self.setFixedWidth(width)
        self.adjustSize()
        height = min(self.sizeHint().height(), max(120, area.height() - 16))
        self.setGeometry(area.x() + 16, area.y() + 4, width, height)
