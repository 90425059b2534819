"""The urgent messages left on a call and still unread after the practice's delay: a red
line above every screen until the practitioner has read them (or someone opens them)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout

from app.errors import PermanenceError
from app.i18n import _, ngettext
from app.models import kinds
from app.services import access
from app.storage.changes import ChangeSet
from app.ui.widgets import label

CHECK_MS = 30_000  # minutes are the unit of the delay: twice a minute is on time


class EscalationBanner(QFrame):
    """``open_requested()`` when the secretary asks to see the messages."""

    open_requested = Signal()

    def __init__(self, workspace, bus, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("EscalationBanner")
        self._ws = workspace
        self.title = label("", "EscalationTitle")
        self.text = label("", "EscalationText", wrap=True)
        self.open_button = QPushButton(_("Open the messages"))
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_requested)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.title)
        texts.addWidget(self.text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 6)
        layout.addLayout(texts, 1)
        layout.addWidget(self.open_button)
        self.late: list = []
        self._enabled = workspace.may(access.MESSAGES)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.refresh)
        if self._enabled:
            self._timer.start()
            bus.changed.connect(self._on_changed)
        self.refresh()

    def refresh(self) -> None:
        if not self._enabled:
            self.hide()
            return
        try:
            self.late = self._ws.call_desk.escalations()
        except PermanenceError:
            self.late = []
        now = self._ws.clock.now()
        n = len(self.late)
        self.title.setText(ngettext("An urgent message is still unread",
                                    "{n} urgent messages are still unread", n).format(n=n))
        lines = []
        for m in self.late:
            minutes = int((now - m.created_at).total_seconds() // 60)
            lines.append(_("{who}, for {minutes} min: {about}").format(
                who=m.recipient_name or _("the practice"), minutes=minutes,
                about=m.about or " ".join(m.body.split())[:60]))
        self.text.setText("\n".join(lines))
        self.setVisible(bool(self.late))

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(kinds.MESSAGE, kinds.CALL_STEP):
            self.refresh()
