"""The Messages page, and the unread count that the navigation shows from every screen.

The page: whose messages (everyone's, the practice's, one practitioner's, who reads
hers there with the practice's), then three tabs: to treat, treated (the archive), sent
by me. "New message" (Ctrl+M from anywhere) writes one.

``UnreadCounter`` counts the new messages and says so (``changed(total, urgent)``) each
time the store commits a change to messages, wherever it comes from: the count follows
at once (on the Qt thread, before the call that wrote returns).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from app.i18n import _, ngettext
from app.models import kinds
from app.services.messages import MessageService, UnreadCount
from app.storage.changes import ChangeSet
from app.ui.change_bus import ChangeBus
from app.ui.messages.inbox import INBOX, SENT, TREATED, MessageList
from app.ui.widgets import label

EVERYONE = "*"
PRACTICE = ""


class UnreadCounter(QObject):
    changed = Signal(int, int)  # total, urgent

    def __init__(self, service: MessageService, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self.count = UnreadCount(0, 0)
        bus.changed.connect(self._on_changed)
        self.refresh()

    def refresh(self) -> None:
        count = self._service.unread_count()
        if count != self.count:
            self.count = count
            self.changed.emit(count.total, count.urgent)

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(kinds.MESSAGE):
            self.refresh()


def unread_caption(count: UnreadCount) -> str:
    """"3 unread messages, 1 urgent"; "" when there is none."""
    if not count.total:
        return ""
    text = ngettext("{n} unread message", "{n} unread messages", count.total).format(
        n=count.total)
    if count.urgent:
        text += ", " + ngettext("{n} urgent", "{n} urgent", count.urgent).format(n=count.urgent)
    return text


class MessagesPage(QWidget):
    """``new_message_requested(recipient_id)`` asks the window for the composer, for the
    practitioner whose messages are shown ("" otherwise)."""

    new_message_requested = Signal(str)

    def __init__(self, workspace, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("MessagesPage")
        self.whose = QComboBox()
        self.whose.setAccessibleName(_("Whose messages"))
        self.whose.addItem(_("Everyone's messages"), EVERYONE)
        self.whose.addItem(_("The practice's"), PRACTICE)
        for p in workspace.practitioners():
            self.whose.addItem(p.display_name, p.id)
        self.new_button = QPushButton(_("New message (Ctrl+M)"))
        self.new_button.setObjectName("Primary")
        self.new_button.clicked.connect(self._new_message)
        self.caption = label("", "Muted")

        service, zone = workspace.messages, workspace.zone
        self.inbox = MessageList(service, bus, zone, kind=INBOX, recipients=self.recipients)
        self.treated = MessageList(service, bus, zone, kind=TREATED, recipients=self.recipients)
        self.sent = MessageList(service, bus, zone, kind=SENT)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.inbox, _("To treat"))
        self.tabs.addTab(self.treated, _("Treated (archive)"))
        self.tabs.addTab(self.sent, _("Sent"))
        self.inbox.count_changed.connect(self._inbox_counted)
        self.whose.currentIndexChanged.connect(self._whose_changed)

        top = QHBoxLayout()
        top.addWidget(label(_("Messages"), "PageTitle"))
        top.addSpacing(16)
        top.addWidget(self.whose)
        top.addWidget(self.caption)
        top.addStretch()
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

    def recipients(self) -> list[str | None] | None:
        """The recipients chosen: a practitioner reads hers and the practice's."""
        whose = self.whose.currentData()
        if whose == EVERYONE:
            return None
        if whose == PRACTICE:
            return [None]
        return [whose, None]

    def set_practitioner(self, practitioner_id: str) -> None:
        index = self.whose.findData(practitioner_id)
        if index >= 0:
            self.whose.setCurrentIndex(index)

    def _new_message(self) -> None:
        whose = self.whose.currentData()
        self.new_message_requested.emit(whose if whose not in (EVERYONE, PRACTICE) else "")

    def _whose_changed(self, *args) -> None:
        for lst in (self.inbox, self.treated):
            lst.refresh()

    def _inbox_counted(self, n: int) -> None:
        self.tabs.setTabText(0, _("To treat ({n})").format(n=n) if n else _("To treat"))
