"""The tabbed side area at the right of the agenda's grid, where the tools put their
panels (waiting room, waiting list), and the "Panels" toggle that hides or shows it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from app.i18n import _

SIDE_PANEL_WIDTH = 390  # a name, the urgency and the waiting time; the three tabs in full


class SidePanels(QObject):
    """``splitter``: ``main`` at the left, the panels at the right; ``action``: the
    toggle, for the navigation bar (shown once a panel is added)."""

    def __init__(self, main: QWidget, parent: QWidget) -> None:
        super().__init__(parent)
        self.side = QTabWidget()
        self.side.setObjectName("AgendaSidePanels")
        self.side.setDocumentMode(True)
        self.side.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(main)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setCollapsible(0, False)
        self.splitter.setCollapsible(1, True)
        self.action = QAction(_("Panels"), parent)
        self.action.setCheckable(True)
        self.action.setChecked(True)
        self.action.setToolTip(_("Show or hide the side panels"))
        self.action.toggled.connect(self._toggled)
        self.action.setVisible(False)

    def add(self, title: str, widget: QWidget) -> None:
        """A tool's panel (the area shows once it holds one)."""
        self.side.addTab(widget, title)
        self.action.setVisible(True)
        self.action.setChecked(True)
        self.side.show()
        if self.splitter.sizes()[1] == 0:
            total = max(400, self.splitter.width())
            self.splitter.setSizes([total - SIDE_PANEL_WIDTH, SIDE_PANEL_WIDTH])

    def _toggled(self, shown: bool) -> None:
        self.side.setVisible(shown and self.side.count() > 0)
