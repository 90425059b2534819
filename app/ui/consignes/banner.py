"""The consignes banner on the main window: new or changed consignes this user has not
acknowledged yet. It stays until she presses "I have read them" (recorded per user and
per version); a consigne saved meanwhile is not acknowledged with the ones she saw."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout

from app.i18n import _, ngettext
from app.models import kinds
from app.services.consignes import ConsigneService, ConsigneView
from app.services.errors import ServiceError
from app.storage.changes import ChangeSet
from app.ui.change_bus import ChangeBus
from app.ui.consignes.notes import consigne_line
from app.ui.failures import failure_text
from app.ui.widgets import label

READ_FROM = (kinds.CONSIGNE, kinds.CONSIGNE_ACK, kinds.PRACTITIONER, kinds.APPOINTMENT_TYPE)


class ConsigneBanner(QFrame):
    def __init__(self, service: ConsigneService, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ConsigneBanner")
        self.setStyleSheet("#ConsigneBanner { background: #fff3cd; border-bottom: 2px solid "
                           "#e0a800; }")
        self._service = service
        self.shown: list[ConsigneView] = []
        self.title = label("", "SectionTitle")
        self.text = label("", "ConsigneBannerText", wrap=True)
        self.error = label("", "FieldError", wrap=True)
        self.error.hide()
        self.ack_button = QPushButton(_("I have read them"))
        self.ack_button.setObjectName("Primary")
        self.ack_button.setToolTip(_("Recorded with your name: the banner comes back when an "
                                     "instruction is added or changed"))
        self.ack_button.clicked.connect(self.acknowledge)
        texts = QVBoxLayout()
        texts.addWidget(self.title)
        texts.addWidget(self.text)
        texts.addWidget(self.error)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 6)
        layout.addLayout(texts, 1)
        layout.addWidget(self.ack_button)
        bus.changed.connect(self._on_changed)
        self.refresh()

    def refresh(self) -> None:
        self.shown = self._service.unacknowledged()
        n = len(self.shown)
        self.title.setText(ngettext("A new or changed instruction", "{n} new or changed instructions",
                                    n).format(n=n))
        self.text.setText("\n".join(consigne_line(c) for c in self.shown))
        self.setVisible(bool(self.shown))

    def acknowledge(self) -> bool:
        """Record that this user read the versions shown."""
        try:
            self._service.acknowledge((c.id, c.revision) for c in self.shown)
        except ServiceError as exc:
            self.error.setText(failure_text(exc))
            self.error.show()
            return False
        self.error.hide()
        self.refresh()
        return True

    def lines(self) -> list[str]:
        return self.text.text().splitlines() if not self.isHidden() else []

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(*READ_FROM):
            self.refresh()
