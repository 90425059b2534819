"""A list of messages with the selected one in full beside it.

Three kinds: the inbox (messages not yet treated: urgent first, new in bold), the
treated ones (the archive) and the sent ones (with where each stands). Keys on the list:
L marks the message read, T treated, O opens a treated one again; Enter shows it in full
(it is shown as soon as it is selected). The list reads itself again when the store says
messages changed, whoever changed them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.models import kinds
from app.services.errors import ServiceError
from app.services.messages import MessageService, MessageView, state_labels
from app.storage.changes import ChangeSet
from app.ui.change_bus import ChangeBus
from app.ui.failures import failure_text
from app.ui.letter_keys import action_for, letters
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import label, reselect, result_table

INBOX, TREATED, SENT = "inbox", "treated", "sent"
READ_FROM = (kinds.MESSAGE, kinds.PATIENT, kinds.PRACTITIONER, kinds.USER)
URGENT_COLOUR = "#b91c1c"
WHEN, PRIORITY, TO, ABOUT, TEXT, STATE = range(6)
DETAILS_MIN_WIDTH = 260  # px
DETAILS_MIN_HEIGHT = 140  # px, under the list of a side panel


class MessageModel(RowTableModel):
    def __init__(self, zone, parent=None) -> None:
        super().__init__([_("Received"), _("Priority"), _("Recipient"), _("About"),
                          _("Message"), _("State")], parent)
        self._zone = zone
        self._states = state_labels()

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        m: MessageView | None = self.row_at(index.row())
        if m is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == WHEN:
                return self._zone.local(m.created_at).strftime("%d/%m %H:%M")
            if col == PRIORITY:
                return _("URGENT") if m.urgent else ""
            if col == TO:
                return m.recipient_name or _("The practice")
            if col == ABOUT:
                return m.about
            if col == TEXT:
                return " ".join(m.body.split())
            if col == STATE:
                return self._states.get(m.state, m.state)
        if role == Qt.ItemDataRole.ForegroundRole and m.urgent and m.state != "treated":
            return QColor(URGENT_COLOUR)
        if role == Qt.ItemDataRole.FontRole and m.state == "new":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and col in (ABOUT, TEXT):
            return tooltip(m.body)
        return None


def details_text(m: MessageView, zone) -> str:
    """The message in full, as plain text: whom it is about, the text, who did what when."""
    when = lambda at: zone.local(at).strftime("%d/%m/%Y %H:%M")  # noqa: E731
    lines = [(_("URGENT") + " — " if m.urgent else "") + (m.about or "—")]
    if m.callback_phone:
        lines.append(_("Call back: {phone}").format(phone=m.callback_phone))
    lines += ["", m.body, ""]
    lines.append(_("To: {who}").format(who=m.recipient_name or _("The practice")))
    lines.append(_("Left by {who} on {when}").format(who=m.author_name or "—",
                                                     when=when(m.created_at)))
    if m.read_at:
        lines.append(_("Read by {who} on {when}").format(who=m.read_by_name or "—",
                                                         when=when(m.read_at)))
    if m.treated_at:
        lines.append(_("Treated by {who} on {when}").format(who=m.treated_by_name or "—",
                                                            when=when(m.treated_at)))
    return "\n".join(lines)


class MessageList(QWidget):
    """``kind``: INBOX, TREATED or SENT. ``recipients()`` says whose messages (None:
    everyone's; ignored for SENT). ``compact``: for a side panel, the message in full under
    the list, which shows when, whom about and the text (urgent in red, new in bold).
    ``count_changed(n)`` after each reading."""

    count_changed = Signal(int)

    def __init__(self, service: MessageService, bus: ChangeBus, zone, *, kind: str = INBOX,
                 recipients: Callable[[], Iterable[str | None] | None] = lambda: None,
                 compact: bool = False, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._zone = zone
        self.kind = kind
        self._recipients = recipients
        self._stale = True
        self.model = MessageModel(zone, self)
        self.table = result_table(self.model)
        self.table.setObjectName("MessageList")
        self.table.setAccessibleName({INBOX: _("Messages to treat"), TREATED: _("Treated messages"),
                                      SENT: _("Sent messages")}[kind])
        header = self.table.horizontalHeader()
        for col in (WHEN, PRIORITY, TO, STATE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ABOUT, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(ABOUT, 180)
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.details = label("", "MessageDetails", wrap=True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = label("", "Banner", wrap=True)
        self.error.hide()
        self.empty_hint = label({INBOX: _("No message to treat."),
                                 TREATED: _("No treated message."),
                                 SENT: _("No message sent.")}[kind], "Hint", wrap=True)

        keys = letters("inbox")
        self.read_button = QPushButton(_("Read ({key})").format(key=keys["read"]))
        self.read_button.clicked.connect(self.mark_read)
        self.treated_button = QPushButton(_("Treated ({key})").format(key=keys["treated"]))
        self.treated_button.clicked.connect(self.mark_treated)
        self.reopen_button = QPushButton(_("Open again ({key})").format(key=keys["reopen"]))
        self.reopen_button.clicked.connect(self.reopen)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for b in (self.read_button, self.treated_button, self.reopen_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch()
        self.read_button.setVisible(kind == INBOX)
        self.treated_button.setVisible(kind == INBOX)
        self.reopen_button.setVisible(kind == TREATED)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.empty_hint)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(buttons)
        # The message in full beside the list, wide enough to read its lines.
        details = QScrollArea()
        details.setWidgetResizable(True)
        details.setFrameShape(QFrame.Shape.NoFrame)
        details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        details.setWidget(self.details)
        details.setMinimumWidth(DETAILS_MIN_WIDTH)
        self.details.setContentsMargins(10, 4, 6, 4)
        splitter = QSplitter(Qt.Orientation.Vertical if compact else Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 3 if not compact else 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        if compact:
            details.setMinimumWidth(0)
            details.setMinimumHeight(DETAILS_MIN_HEIGHT)
            for col in (PRIORITY, TO, STATE):
                self.table.setColumnHidden(col, True)
            header.resizeSection(ABOUT, 150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)
        bus.changed.connect(self._on_changed)
        self._sync_buttons()

    # -- reading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self._stale = False
        current = self.current()
        if self.kind == INBOX:
            rows = self._service.inbox(self._recipients())
        elif self.kind == TREATED:
            rows = self._service.treated(self._recipients())
        else:
            rows = self._service.sent()
        self.model.set_rows(rows)
        self.empty_hint.setVisible(not rows)
        reselect(self.table, current.id if current else None)
        self._current_changed()
        self.count_changed.emit(len(rows))

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(*READ_FROM):
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def current(self) -> MessageView | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _current_changed(self, *args) -> None:
        m = self.current()
        self.details.setText(details_text(m, self._zone) if m else "")
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        m = self.current()
        self.read_button.setEnabled(m is not None and m.state == "new")
        self.treated_button.setEnabled(m is not None and m.state != "treated")
        self.reopen_button.setEnabled(m is not None and m.state == "treated")

    # -- acting ----------------------------------------------------------------------------
    def _act(self, act: Callable[[str], MessageView], allowed: bool) -> bool:
        m = self.current()
        if m is None or not allowed:
            return False
        row = self.table.currentIndex().row()
        try:
            act(m.id)
        except ServiceError as exc:
            self.error.setText(failure_text(exc))
            self.error.show()
            self.refresh()
            return False
        self.error.hide()
        if self._stale or not self.isVisible():
            self.refresh()
        if self.model.row_of(m.id) < 0 and self.model.rowCount():  # it left the list: the next
            self.table.selectRow(min(row, self.model.rowCount() - 1))
        return True

    def mark_read(self) -> bool:
        m = self.current()
        return self._act(self._service.mark_read, m is not None and m.state == "new")

    def mark_treated(self) -> bool:
        m = self.current()
        return self._act(self._service.mark_treated,
                         self.kind == INBOX and m is not None and m.state != "treated")

    def reopen(self) -> bool:
        m = self.current()
        return self._act(self._service.reopen, m is not None and m.state == "treated")

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            action = action_for("inbox", event.key())
            if action == "read" and self.kind == INBOX:
                self.mark_read()
                return True
            if action == "treated" and self.kind == INBOX:
                self.mark_treated()
                return True
            if action == "reopen" and self.kind == TREATED:
                self.reopen()
                return True
        return super().eventFilter(obj, event)
