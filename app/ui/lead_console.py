"""The secretariat lead's console: one row per practice open in the window, with what
waits in it (calls ringing, callbacks overdue, urgent messages unread). Counts and
practice names only, in large type, so it can stay on a screen the room sees. Each
count opens that practice's page; a row refreshes when its practice's change bus says
calls, callbacks or messages changed, and every minute (a callback falls overdue with
time alone)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from app.errors import PermanenceError
from app.i18n import _, ngettext
from app.models import kinds
from app.services.calls.console import PracticeCounts, practice_counts
from app.ui.plain import button_text
from app.ui.widgets import label

REFRESH_MS = 60_000
ALERT = "#b91c1c"


def count_text(what: str, n: int | None) -> str:
    if n is None:
        return "—"
    if what == "waiting":
        return ngettext("{n} call waiting", "{n} calls waiting", n).format(n=n)
    if what == "overdue":
        return ngettext("{n} callback overdue", "{n} callbacks overdue", n).format(n=n)
    return ngettext("{n} urgent message unread", "{n} urgent messages unread", n).format(n=n)


class LeadConsole(QWidget):
    open_requested = Signal(object, str)  # the session, "calls" or "messages"

    def __init__(self, shell, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("LeadConsole")
        self._shell = shell
        self._watched: dict[int, object] = {}  # id(session) → the bus watched
        self.counts: dict[int, PracticeCounts] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        self.title = label("", "PageTitle")
        self.explain = label("", "Muted", wrap=True)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        self.retranslate(refresh=False)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(12)
        layout.addWidget(self.grid_host)
        layout.addStretch()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def retranslate(self, *, refresh: bool = True) -> None:
        self.title.setText(_("Console of the secretariat"))
        self.explain.setText(_("What waits in each practice open in this window. Click "
                               "a count to open that practice."))
        if refresh:
            self.refresh()

    def watch(self, session) -> None:
        """Refresh on this practice's changes (its bus is new after a rebuild)."""
        bus = session.bus
        if self._watched.get(id(session)) is bus:
            return
        self._watched[id(session)] = bus
        bus.changed.connect(lambda changes: self._changed(changes))
        self.refresh()

    def _changed(self, changes) -> None:
        if changes.touches(kinds.CALL, kinds.CALLBACK, kinds.MESSAGE):
            self.refresh()

    def refresh(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.counts.clear()
        for row, session in enumerate(self._shell.sessions):
            ws = session.workspace
            try:
                counts = practice_counts(ws)
            except PermanenceError:  # closed meanwhile (a rekey under way): dashes
                counts = PracticeCounts(None, None, None)
            self.counts[id(session)] = counts
            name = label(ws.practice.name, "ConsolePractice")
            colour = self._shell.session_colour(session)
            name.setStyleSheet(f"font-size: 22px; font-weight: bold; color: white; "
                               f"background: {colour}; padding: 8px 14px; border-radius: 4px;")
            self.grid.addWidget(name, row, 0)
            for col, (what, n, page) in enumerate((
                    ("waiting", counts.waiting, "calls"),
                    ("overdue", counts.overdue, "calls"),
                    ("urgent", counts.urgent_unread, "messages")), start=1):
                button = QPushButton(button_text(count_text(what, n)))
                button.setObjectName("ConsoleCount")
                style = "font-size: 20px; padding: 10px 16px;"
                if n:
                    style += f" color: {ALERT}; font-weight: bold;"
                button.setStyleSheet(f"QPushButton {{ {style} }}")
                button.setEnabled(n is not None)
                button.clicked.connect(
                    lambda _c=False, s=session, p=page: self.open_requested.emit(s, p))
                self.grid.addWidget(button, row, col)
        self.grid.setColumnStretch(4, 1)

    def rows(self) -> list[list[str]]:
        """What each row says: the practice's name, then its counts."""
        return [[self.grid.itemAtPosition(r, c).widget().text() for c in range(4)]
                for r in range(len(self.counts))]
