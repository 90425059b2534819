"""The Appels page: the day's call log and the callbacks list ("Rappels").

Above both: the day (today by default, ◀ ▶ to step), the practitioner, the direction,
missed calls only, and the day report of what is chosen ("Compte rendu de la journée":
PDF or printer). The log reads its rows page by page as the list scrolls
(``CallLogModel``: ``canFetchMore``/``fetchMore`` over the service's keyset pages), so
a busy day of a large practice shows at once. Missed calls are in red.

The callbacks list: every callback not done, the earliest due first (the overdue ones
in red and bold, their state says so), then those done on the day shown; the attempts
of each with their outcomes. "No answer", "Message left", "Reached" record an attempt
(reaching the person makes it done); "Done" closes it. Above it, the share of the
day's callbacks returned within the target. Both lists read themselves again when the
store says calls or callbacks changed, whoever changed them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, ngettext
from app.models import kinds
from app.services import access
from app.ui.policy_gate import PolicyGates
from app.services.calls import labels
from app.services.calls.log import IN, OUT, PAGE, CallbackRow, LogFilter, LogRow
from app.services.errors import ServiceError
from app.services.phones import display_phone
from app.storage.changes import ChangeSet
from app.ui.change_bus import ChangeBus
from app.ui.agenda.printing import AskPrinter, ask_printer
from app.ui.exporting import ChoosePath, ask_save_path
from app.ui.failures import failure_text, show_failure
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import label, menu_button, result_table

MISSED_COLOUR = "#b91c1c"
DONE_COLOUR = "#6b7280"
READ_FROM = (kinds.CALL, kinds.CALLBACK, kinds.CALLBACK_ATTEMPT, kinds.PATIENT, kinds.CONTACT)
ALL = ""

TIME, DIRECTION, CALLER, NUMBER, PRACTITIONER, REASON, OUTCOME, DURATION, HANDLED = range(9)


def qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _number(e164: str) -> str:
    return display_phone(e164) if e164 else _("withheld")


class CallLogModel(QAbstractTableModel):
    """The day's calls, read ``PAGE`` rows at a time as the view asks for more."""

    def __init__(self, read_page: Callable[[LogFilter, LogRow | None], list[LogRow]], zone,
                 parent=None) -> None:
        super().__init__(parent)
        self._read_page = read_page
        self._zone = zone
        self._filter: LogFilter | None = None
        self._rows: list[LogRow] = []
        self._more = False
        self._headers = [_("Time"), _("Direction"), _("Caller"), _("Number"),
                         _("Practitioner"), _("Reason"), _("Outcome"), _("Durations"),
                         _("Handled by")]
        self._reasons, self._outcomes = dict(labels.reasons()), dict(labels.outcomes())

    def load(self, f: LogFilter) -> None:
        self.beginResetModel()
        self._filter = f
        self._rows = self._read_page(f, None)
        self._more = len(self._rows) >= PAGE
        self.endResetModel()

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or self._filter is None:
            return
        rows = self._read_page(self._filter, self._rows[-1] if self._rows else None)
        self._more = len(rows) >= PAGE
        if rows:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def filter(self) -> LogFilter | None:
        return self._filter

    def row_at(self, row: int) -> LogRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, call_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == call_id), -1)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole
                and section == DURATION):
            return _("Ringing until the answer (or the hang-up) / talk")
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        c = self.row_at(index.row())
        if c is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == TIME:
                return self._zone.local(c.started_at).strftime("%H:%M")
            if col == DIRECTION:
                if c.missed:
                    return _("Missed")
                return _("Incoming") if c.direction == IN else _("Outgoing")
            if col == CALLER:
                return c.caller_name or (_("Unknown") if c.number else _("Withheld number"))
            if col == NUMBER:
                return _number(c.number)
            if col == PRACTITIONER:
                return c.practitioner_name
            if col == REASON:
                return self._reasons.get(c.reason, c.reason)
            if col == OUTCOME:
                return self._outcomes.get(c.outcome, c.outcome)
            if col == DURATION:
                if c.ended_at is None:
                    return _("in progress")
                ring = _duration(c.ring_seconds)
                return ring if c.talk_seconds is None else f"{ring} / {_duration(c.talk_seconds)}"
            if col == HANDLED:
                return c.handled_by
        if role == Qt.ItemDataRole.ForegroundRole and c.missed:
            return QColor(MISSED_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole and col in (CALLER, REASON, OUTCOME) and c.note:
            return tooltip(c.note)
        return None


class CallbackModel(RowTableModel):
    DUE, WHO, NUMBER, PRACTITIONER, REASON, ATTEMPTS, STATE = range(7)

    def __init__(self, zone, now: Callable[[], object], parent=None) -> None:
        super().__init__([_("Due"), _("Caller"), _("Number"), _("Practitioner"), _("Reason"),
                          _("Attempts"), _("State")], parent)
        self._zone = zone
        self._now = now
        self._attempts = dict(labels.attempt_outcomes())
        self._states = dict(labels.callback_states())

    def _when(self, at) -> str:
        local = self._zone.local(at)
        today = self._zone.today(self._now())
        return local.strftime("%H:%M") if local.date() == today else local.strftime("%d/%m %H:%M")

    def state(self, c: CallbackRow) -> str:
        return (labels.DONE if c.done else labels.OVERDUE if c.overdue(self._now())
                else labels.OPEN)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        c: CallbackRow | None = self.row_at(index.row())
        if c is None:
            return None
        col = index.column()
        state = self.state(c)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.DUE:
                return self._when(c.due_at)
            if col == self.WHO:
                who = c.caller_name or (_("Unknown") if c.number else _("Withheld number"))
                if c.missed_calls > 1:
                    who += " " + ngettext("({n} missed call)", "({n} missed calls)",
                                          c.missed_calls).format(n=c.missed_calls)
                return who
            if col == self.NUMBER:
                return _number(c.number)
            if col == self.PRACTITIONER:
                return c.practitioner_name
            if col == self.REASON:
                return c.reason or (_("Missed call") if c.source == "missed_call" else "")
            if col == self.ATTEMPTS:
                return " · ".join(f"{self._when(a.at)} {self._attempts.get(a.outcome, a.outcome)}"
                                  for a in c.attempts)
            if col == self.STATE:
                text = self._states.get(state, state)
                return f"{text} {self._when(c.done_at)}" if c.done else text
        # Overdue: its due time and state in red and bold, so that they stand out even
        # when many are late; done ones greyed.
        late_cell = state == labels.OVERDUE and col in (self.DUE, self.STATE)
        if role == Qt.ItemDataRole.ForegroundRole:
            if late_cell:
                return QColor(MISSED_COLOUR)
            if state == labels.DONE:
                return QColor(DONE_COLOUR)
        if role == Qt.ItemDataRole.FontRole and late_cell:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and col in (self.REASON, self.ATTEMPTS):
            return tooltip(self.data(index))
        return None


class CallsPage(QWidget):
    """The file and print dialogs are dependencies (``choose_path``, ``ask_printer``) so
    that tests give a path and a printer without them."""

    def __init__(self, workspace, bus: ChangeBus, parent=None, *,
                 choose_path: ChoosePath = ask_save_path,
                 ask_printer: AskPrinter = ask_printer) -> None:
        super().__init__(parent)
        self.setObjectName("CallsPage")
        self._ws = workspace
        self._choose_path = choose_path
        self._ask_printer = ask_printer
        self.last_failure = None
        self._log = workspace.call_log
        self._stale = True
        zone = workspace.zone
        today = zone.today(workspace.clock.now())

        self.day = QDateEdit(qdate(today))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setAccessibleName(_("Day"))
        self.previous_day = QPushButton("◀")
        self.previous_day.setAccessibleName(_("Previous day"))
        self.previous_day.setToolTip(_("Previous day"))
        self.next_day = QPushButton("▶")
        self.next_day.setAccessibleName(_("Next day"))
        self.next_day.setToolTip(_("Next day"))
        self.today_button = QPushButton(_("Today"))
        for b in (self.previous_day, self.next_day):
            b.setMinimumWidth(40)
        self.previous_day.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(-1)))
        self.next_day.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(1)))
        self.today_button.clicked.connect(
            lambda: self.day.setDate(qdate(zone.today(workspace.clock.now()))))
        self.practitioner = QComboBox()
        self.practitioner.setAccessibleName(_("Practitioner"))
        self.practitioner.addItem(_("All practitioners"), ALL)
        for p in workspace.practitioners():
            self.practitioner.addItem(p.display_name, p.id)
        self.direction = QComboBox()
        self.direction.setAccessibleName(_("Direction"))
        for text, value in ((_("Both directions"), ""), (_("Incoming"), IN),
                            (_("Outgoing"), OUT)):
            self.direction.addItem(text, value)
        self.missed_only = QCheckBox(_("Missed calls only"))
        self.report_button, report_menu = menu_button(
            _("Day report"), _("The day report of the day and practitioner chosen"), self)
        self.report_button.setObjectName("Primary")
        self.report_pdf_action = report_menu.addAction(_("Save as PDF…"))
        self.report_print_action = report_menu.addAction(_("Print…"))
        self.report_pdf_action.triggered.connect(self.save_report_pdf)
        self.report_print_action.triggered.connect(self.print_report)
        self.report_button.setVisible(workspace.may(access.REPORTS) and (
            workspace.may(access.PRINT)
            or access.forbidden_by_policy(workspace.principal, access.PRINT)))
        report_menu.setToolTipsVisible(True)
        self.gates = PolicyGates(workspace.principal)
        self.gates.add(self.report_print_action, access.PRINT)
        self.gates.add(self.report_pdf_action, access.EXPORT)

        self.model = CallLogModel(lambda f, after: self._log.page(f, after=after), zone, self)
        self.table = result_table(self.model)
        self.table.setObjectName("CallLog")
        self.table.setAccessibleName(_("The day's calls"))
        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(CALLER, QHeaderView.ResizeMode.Stretch)
        for col, width in ((TIME, 52), (DIRECTION, 80), (NUMBER, 112), (PRACTITIONER, 130),
                           (REASON, 130), (OUTCOME, 145), (DURATION, 90), (HANDLED, 110)):
            header.resizeSection(col, width)
        self.caption = label("", "Muted")
        self.empty_hint = label(_("No call on this day."), "Hint", wrap=True)

        self.callbacks = CallbackModel(zone, workspace.clock.now, self)
        self.callback_table = result_table(self.callbacks)
        self.callback_table.setObjectName("CallbackList")
        self.callback_table.setAccessibleName(_("Callbacks"))
        cb_header = self.callback_table.horizontalHeader()
        for col in range(self.callbacks.columnCount()):
            cb_header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        cb_header.setSectionResizeMode(CallbackModel.ATTEMPTS, QHeaderView.ResizeMode.Stretch)
        for col, width in ((CallbackModel.DUE, 95), (CallbackModel.WHO, 220),
                           (CallbackModel.NUMBER, 125), (CallbackModel.PRACTITIONER, 140),
                           (CallbackModel.REASON, 170), (CallbackModel.STATE, 120)):
            cb_header.resizeSection(col, width)
        self.target_caption = label("", "CallbackTarget")
        self.callbacks_caption = label("", "Muted")
        self.callbacks_hint = label(_("No callback to make."), "Hint", wrap=True)
        self.error = label("", "Banner", wrap=True)
        self.error.hide()
        self.attempt_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(label(_("Attempt:"), "Muted"))
        for code, text in labels.attempt_outcomes():
            b = QPushButton(text)
            b.setAutoDefault(False)
            b.clicked.connect(lambda _checked=False, code=code: self.record_attempt(code))
            self.attempt_buttons[code] = b
            buttons.addWidget(b)
        self.done_button = QPushButton(_("Mark done"))
        self.done_button.setAutoDefault(False)
        self.done_button.clicked.connect(self.mark_done)
        buttons.addSpacing(12)
        buttons.addWidget(self.done_button)
        buttons.addStretch()

        log_tab = QWidget()
        log_layout = QVBoxLayout(log_tab)
        log_layout.setContentsMargins(0, 6, 0, 0)
        log_layout.addWidget(self.caption)
        log_layout.addWidget(self.empty_hint)
        log_layout.addWidget(self.table, 1)
        callbacks_tab = QWidget()
        cb_layout = QVBoxLayout(callbacks_tab)
        cb_layout.setContentsMargins(0, 6, 0, 0)
        top_line = QHBoxLayout()
        top_line.addWidget(self.callbacks_caption)
        top_line.addStretch()
        top_line.addWidget(self.target_caption)
        cb_layout.addLayout(top_line)
        cb_layout.addWidget(self.error)
        cb_layout.addWidget(self.callbacks_hint)
        cb_layout.addWidget(self.callback_table, 1)
        cb_layout.addLayout(buttons)
        self.tabs = QTabWidget()
        self.tabs.addTab(log_tab, _("Call log"))
        self.tabs.addTab(callbacks_tab, _("Callbacks"))
        self.may_callbacks = workspace.may(access.CALLBACKS)
        self.tabs.setTabVisible(1, self.may_callbacks)

        top = QHBoxLayout()
        top.addWidget(label(_("Calls"), "PageTitle"))
        top.addSpacing(16)
        for w in (self.previous_day, self.day, self.next_day, self.today_button):
            top.addWidget(w)
        top.addStretch()
        top.addWidget(self.report_button)
        filters = QHBoxLayout()
        filters.addWidget(self.practitioner)
        filters.addWidget(self.direction)
        filters.addWidget(self.missed_only)
        filters.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.tabs, 1)

        for signal in (self.day.dateChanged, self.practitioner.currentIndexChanged,
                       self.direction.currentIndexChanged, self.missed_only.toggled):
            signal.connect(self.refresh)
        self.callback_table.selectionModel().currentRowChanged.connect(self._sync_buttons)
        bus.changed.connect(self._on_changed)
        self._sync_buttons()

    # -- what is shown ---------------------------------------------------------------------
    def current_day(self) -> date:
        return pydate(self.day.date())

    def practitioner_id(self) -> str | None:
        return self.practitioner.currentData() or None

    def log_filter(self) -> LogFilter:
        return LogFilter(self.current_day(), practitioner_id=self.practitioner_id(),
                         direction=self.direction.currentData() or None,
                         missed_only=self.missed_only.isChecked())

    def set_day(self, day: date) -> None:
        self.day.setDate(qdate(day))

    def show_callbacks(self) -> None:
        self.tabs.setCurrentIndex(1)

    def refresh(self, *args) -> None:
        self._stale = False
        f = self.log_filter()
        # Read again in place: as many rows as were read, the selected call and the
        # scrolled position kept (calls keep coming in while the list is read).
        same = f == self.model.filter()
        shown = self.model.rowCount() if same else 0
        current = self.model.row_at(self.table.currentIndex().row()) if same else None
        scrolled = self.table.verticalScrollBar().value() if same else 0
        self.model.load(f)
        while self.model.rowCount() < shown and self.model.canFetchMore():
            self.model.fetchMore()
        if current is not None and (row := self.model.row_of(current.id)) >= 0:
            self.table.selectRow(row)
        self.table.verticalScrollBar().setValue(scrolled)
        count = self._log.count(f)
        self.caption.setText(
            ngettext("{n} call", "{n} calls", count.calls).format(n=count.calls) + " · "
            + ngettext("{n} missed", "{n} missed", count.missed).format(n=count.missed)
            + " — " + format_date(f.day, "EEEE d MMMM y"))
        self.empty_hint.setVisible(count.calls == 0)
        self.next_day.setEnabled(f.day < self._ws.zone.today(self._ws.clock.now()))
        if self.may_callbacks:
            self._refresh_callbacks()

    def _refresh_callbacks(self) -> None:
        current = self.current_callback()
        rows = self._log.callbacks(self.current_day(), practitioner_id=self.practitioner_id())
        self.callbacks.set_rows(rows)
        now = self._ws.clock.now()
        still = [c for c in rows if not c.done]
        late = sum(1 for c in still if c.overdue(now))
        self.callbacks_caption.setText(
            ngettext("{n} to call back", "{n} to call back", len(still)).format(n=len(still))
            + " · " + ngettext("{n} overdue", "{n} overdue", late).format(n=late))
        self.callbacks_hint.setVisible(not rows)
        self.tabs.setTabText(1, _("Callbacks ({n})").format(n=len(still)) if still
                             else _("Callbacks"))
        rate = self._log.within_target_rate(self.current_day(),
                                            practitioner_id=self.practitioner_id())
        self.target_caption.setText(
            _("Called back within the target, this day: {rate}").format(
                rate="—" if rate is None else f"{round(rate * 100)} %"))
        if current is not None:
            row = self.callbacks.row_of(current.id)
            if row >= 0:
                self.callback_table.selectRow(row)
        self._sync_buttons()

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(*READ_FROM):
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    # -- callbacks -------------------------------------------------------------------------
    def current_callback(self) -> CallbackRow | None:
        index = self.callback_table.currentIndex()
        return self.callbacks.row_at(index.row()) if index.isValid() else None

    def _sync_buttons(self, *args) -> None:
        c = self.current_callback()
        for b in (*self.attempt_buttons.values(), self.done_button):
            b.setEnabled(c is not None and not c.done)

    def _act(self, act: Callable[[str], object]) -> bool:
        c = self.current_callback()
        if c is None or c.done:
            return False
        try:
            act(c.id)
        except ServiceError as exc:
            self.error.setText(failure_text(exc))
            self.error.show()
            self.refresh()
            return False
        self.error.hide()
        if self._stale or not self.isVisible():
            self.refresh()
        return True

    def record_attempt(self, outcome: str) -> bool:
        return self._act(lambda cid: self._ws.callbacks.attempt(cid, outcome))

    def mark_done(self) -> bool:
        return self._act(self._ws.callbacks.mark_done)

    # -- the day report ----------------------------------------------------------------------
    def _report(self):
        return self._ws.day_reports.build(self.current_day(),
                                          practitioner_id=self.practitioner_id())

    def save_report_pdf(self) -> Path | None:
        """The day report of what is shown, to a PDF file chosen by the user."""
        from app.services.exporting import ExportError
        from app.ui.calls.report_pdf import suggested_name, write_report_pdf

        try:
            report = self._report()
            path = self._choose_path(self, _("Save the day report as a PDF"),
                                     suggested_name(report), _("PDF files (*.pdf)"))
            if path is None:
                return None
            # The file dialog has already asked before replacing a file.
            write_report_pdf(self._ws, report, path, overwrite=path.exists())
        except (ServiceError, ExportError) as exc:
            self.last_failure = show_failure(self, exc)
            return None
        return path

    def print_report(self) -> bool:
        from PySide6.QtPrintSupport import QPrinter

        from app.ui.calls.report_pdf import print_report

        try:
            report = self._report()
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            if not self._ask_printer(self, printer):
                return False
            print_report(self._ws, report, printer)
        except ServiceError as exc:
            self.last_failure = show_failure(self, exc)
            return False
        return True
