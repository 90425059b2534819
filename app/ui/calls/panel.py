"""The call panel ("Appel en cours"), over whatever page is shown.

It opens on a call already recorded (the phone system rang, or F2 "Nouvel appel" made
one), keeps its start time and shows how long it has lasted (computed, never typed).
The caller is identified from the number; a call started by hand takes the number or a
name typed at once in its first field. It shows what the secretary needs while the
caller waits, and one key does each action, every one linked to the call:

F3 book (the slot finder, preset with the patient), F4 move and F5 cancel the next
appointment, F6 leave a message for the practitioner, F7 plan a callback, F8 transfer
(to whom), F9 the urgent protocol. The panel is closed only by choosing the reason and
the outcome (Ctrl+Enter); Esc does not close it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.errors import PermanenceError
from app.i18n import _, pgettext
from app.models.call_desk import StepKind, UrgentAction
from app.models.calls import CallerKind, CallOutcome, CallReason
from app.services.calls.desk import PanelContext, RedFlag, action_labels, outcome_choices
from app.services.calls.labels import label as code_label
from app.ui.calls.dialogs import CallbackDialog, TransferDialog
from app.ui.calls.text import (
    appointment_text, birth_text, call_window_text, duration_text, no_shows_text,
    number_text, started_text, step_text,
)
from app.ui.calls.urgent import UrgentSection
from app.ui.consignes.notes import consigne_line
from app.ui.failures import failure_text
from app.ui.patients.lines import picker_line
from app.ui.plain import button_text, tooltip
from app.ui.widgets import FieldError, label

_ID = Qt.ItemDataRole.UserRole
NAME_RESULTS = 8
_NUMBER = re.compile(r"[\d\s+().\-/]*\d[\d\s+().\-/]*")


def looks_like_number(text: str) -> bool:
    """Digits (and the signs numbers are written with): a number, not a name."""
    return bool(_NUMBER.fullmatch(text))

# (action, key): the panel's keys, the same in every language.
BOOK, MOVE, CANCEL, MESSAGE, CALLBACK, TRANSFER, URGENT = (
    "book", "move", "cancel", "message", "callback", "transfer", "urgent")
KEYS = {BOOK: "F3", MOVE: "F4", CANCEL: "F5", MESSAGE: "F6", CALLBACK: "F7", TRANSFER: "F8",
        URGENT: "F9"}


def action_words() -> dict[str, tuple[str, str]]:
    """(button, tooltip) of each action."""
    return {BOOK: (_("Book"), _("Book an appointment: the slot finder, for this patient")),
            MOVE: (_("Move"), _("Move the next appointment")),
            CANCEL: (_("Cancel"), _("Cancel the next appointment")),
            MESSAGE: (_("Message"), _("Leave a message for the practitioner")),
            CALLBACK: (_("Callback"), _("Plan a callback")),
            TRANSFER: (_("Transfer"), _("Transfer the call (to whom is recorded)")),
            URGENT: (_("Urgent"), _("The urgent-call protocol"))}


@dataclass
class PanelHost:
    """What the panel asks of the window: the agenda's dialogs and the message form."""
    open_finder: Callable[..., object]  # (patient_id, **presets) -> SlotFinderDialog
    open_mover: Callable[[str], object]  # appointment id -> SlotFinderDialog | None
    cancel: Callable[[str, QWidget], bool]
    new_message: Callable[..., object]  # (**preset) -> MessageDialog
    new_patient: Callable[[str, QWidget], object]  # (typed, parent) -> NewPatientDialog


class CallPanel(QFrame):
    """``finished(call_id)`` once the call is closed with its outcome."""

    finished = Signal(str)

    def __init__(self, workspace, host: PanelHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("CallPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._ws = workspace
        self._desk = workspace.call_desk
        self._host = host
        self.context: PanelContext | None = None
        self.call_id = ""
        self.dialog = None  # the dialog an action opened, while open
        self._audited: set[str] = set()  # the cards read for this call (audited once)
        self._settings = self._desk.settings()

        self.title = label(_("Call in progress"), "PanelTitle")
        self.number = label("", "CallNumber", wrap=True)  # a long name goes to the next line
        self.clock = label("", "Muted")
        self.greeting = label("", "Greeting", wrap=True)
        self.caller_edit = QLineEdit()
        self.caller_edit.setObjectName("CallerEdit")
        self.caller_edit.setPlaceholderText(_("Caller's number or name, then Enter"))
        self.caller_edit.setAccessibleName(_("Caller"))
        self.caller_edit.textEdited.connect(self._typed)
        self.caller_edit.returnPressed.connect(self._caller_entered)
        self.caller_error = FieldError()
        self.name_results = QListWidget()
        self.name_results.setObjectName("NameResults")
        self.name_results.setMaximumHeight(150)
        self.name_results.itemActivated.connect(self._name_chosen)
        self.name_results.hide()
        self.members_title = label("", "SectionTitle")
        self.members = QListWidget()
        self.members.setObjectName("CallerMembers")
        self.members.itemActivated.connect(self._member_chosen)
        self.members.itemClicked.connect(self._member_chosen)
        self.alert = label("", "AlertBanner", wrap=True)
        self.card = label("", "CallerCard", wrap=True)
        self.unknown = label("", "InfoBanner", wrap=True)
        self.create_button = QPushButton(_("Create the patient card"))
        self.create_button.setAutoDefault(False)
        self.create_button.clicked.connect(self.create_patient)
        self.open_items = label("", "CallerCard", wrap=True)
        self.consignes_title = label(_("Today's instructions"), "SectionTitle")
        self.consignes = label("", "ConsigneLines", wrap=True)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        handlers = {BOOK: self.book, MOVE: self.move_next, CANCEL: self.cancel_next,
                    MESSAGE: self.leave_message, CALLBACK: self.plan_callback,
                    TRANSFER: self.transfer, URGENT: self.open_urgent}
        words = action_words()
        for i, (action, key) in enumerate(KEYS.items()):
            text, tip = words[action]
            button = QPushButton(button_text(f"{key}  {text}"))
            button.setToolTip(tooltip(f"{tip} ({key})"))
            button.setObjectName("UrgentButton" if action == URGENT else "")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, h=handlers[action]: h())
            grid.addWidget(button, i // 4, i % 4)
            self.buttons[action] = button
            shortcut = QShortcut(QKeySequence(key), self, activated=handlers[action])
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)

        self.urgent = UrgentSection()
        self.urgent.flagged.connect(self._red_flag)
        self.urgent.referred.connect(self.refer)
        self.urgent.message_requested.connect(lambda: self.leave_message(urgent=True))
        self.urgent.hide()
        self.steps = label("", "Muted", wrap=True)

        self.reason = QComboBox()
        self.reason.setAccessibleName(_("Reason"))
        self.outcome = QComboBox()
        self.outcome.setAccessibleName(_("Outcome"))
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.note.setAccessibleName(_("Note"))
        self.note.setPlaceholderText(_("Short administrative note"))
        self.note_hint = label(_("Clinical content belongs in the medical record, not here."),
                               "Hint", wrap=True)
        self.close_error = FieldError()
        self.close_button = QPushButton(_("Close the call (Ctrl+Enter)"))
        self.close_button.setObjectName("Primary")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close_call)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, activated=self.close_call).setContext(
                Qt.ShortcutContext.WindowShortcut)

        body = QWidget()
        body.setObjectName("CallPanelBody")
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 6, 0)
        inner.setSpacing(6)
        for w in (self.greeting, self.caller_edit, self.caller_error, self.name_results,
                  self.members_title, self.members, self.alert, self.card, self.unknown):
            inner.addWidget(w)
        create_row = QHBoxLayout()
        create_row.addWidget(self.create_button)
        create_row.addStretch()
        inner.addLayout(create_row)
        inner.addWidget(self.urgent)  # under the caller: the protocol comes first
        inner.addWidget(self.open_items)
        inner.addWidget(self.consignes_title)
        inner.addWidget(self.consignes)
        inner.addWidget(self.steps)
        inner.addStretch()
        self.scroll = scroll = QScrollArea()
        scroll.setObjectName("CallPanelScroll")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch()
        head.addWidget(self.clock)
        closing = QGridLayout()
        closing.addWidget(label(_("Reason"), "FormLabel"), 0, 0)
        closing.addWidget(self.reason, 0, 1)
        closing.addWidget(label(_("Outcome"), "FormLabel"), 0, 2)
        closing.addWidget(self.outcome, 0, 3)
        closing.addWidget(self.note, 1, 0, 1, 4)
        closing.setColumnStretch(1, 1)
        closing.setColumnStretch(3, 1)
        close_row = QHBoxLayout()
        close_row.addWidget(self.note_hint, 1)
        close_row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addWidget(self.number)
        layout.addWidget(scroll, 1)
        layout.addLayout(grid)
        layout.addLayout(closing)
        layout.addLayout(close_row)
        layout.addWidget(self.close_error)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show_clock)
        self.hide()

    # -- opening -------------------------------------------------------------------------
    def show_call(self, call_id: str) -> bool:
        """Open on a recorded call (False, and a message, if it cannot be read)."""
        try:
            context = self._desk.context(call_id)
        except PermanenceError as exc:
            self.call_id = ""
            self.close_error.show_message(failure_text(exc))
            return False
        self.call_id = call_id
        self._audited = {c.id for c in context.patients}
        self._settings = self._desk.settings()
        self._fill_closing()
        self._reset()
        self._show(context)
        self.show()
        self.raise_()
        self._tick.start()
        self._focus_first()
        return True

    def show_preview(self, context: PanelContext) -> None:
        """What the panel shows for a call not recorded (the screenshots)."""
        self.call_id = ""
        self._settings = self._desk.settings()
        self._fill_closing()
        self._reset()
        self._show(context)
        self.show()
        self.raise_()

    def _reset(self) -> None:
        self.caller_edit.clear()
        self.note.clear()
        self.close_error.show_message("")
        self.caller_error.show_message("")
        self.name_results.hide()
        self.urgent.hide()

    def place(self, area) -> None:
        """At the right of ``area`` (the page, in the parent's coordinates), its height."""
        width = min(620, max(480, area.width() * 55 // 100))
        self.setGeometry(area.right() - width + 1, area.top(), width, area.height())

    def refresh(self) -> None:
        if self.call_id and self.isVisible():
            try:
                self._show(self._desk.context(self.call_id, audited=self._audited))
            except PermanenceError as exc:
                self.close_error.show_message(failure_text(exc))

    def _fill_closing(self) -> None:
        self.reason.clear()
        self.reason.addItem(pgettext("call closing", "Choose…"), "")
        for code, text in self._settings.reason_choices():
            self.reason.addItem(text, code)
        self.outcome.clear()
        self.outcome.addItem(pgettext("call closing", "Choose…"), "")
        for code, text in outcome_choices():
            self.outcome.addItem(text, code)

    def _focus_first(self) -> None:
        ctx = self.context
        if ctx is not None and ctx.call.external_id is None and not ctx.call.number \
                and not ctx.call.caller_id:
            self.caller_edit.setFocus()  # F2: typing the caller at once
        elif ctx is not None and len(ctx.patients) > 1 and ctx.chosen is None:
            self.members.setFocus()
            self.members.setCurrentRow(0)
        else:
            self.reason.setFocus()

    # -- what is shown -------------------------------------------------------------------
    def _show(self, ctx: PanelContext) -> None:
        self.context = ctx
        self._audited.update(c.id for c in ctx.patients)
        zone = self._ws.zone
        call = ctx.call
        direction = _("Outgoing call") if call.direction == "out" else _("Incoming call")
        who = [ctx.chosen.name] if ctx.chosen is not None else [
            c.name for c in ctx.contacts[:1]]
        self.number.setText(" · ".join([direction, number_text(call.number), *who]))
        self.greeting.setText(_("To say: “{greeting}”").format(greeting=ctx.greeting))
        self.greeting.setVisible(bool(ctx.greeting))
        by_hand = call.external_id is None and not call.number
        self.caller_edit.setVisible(by_hand or (not ctx.patients and not ctx.contacts
                                                and call.external_id is None))
        self._show_members(ctx)
        chosen = ctx.chosen
        if chosen is not None:
            self.alert.setText(_("Alert: {text}").format(text=chosen.alert))
            self.alert.setVisible(bool(chosen.alert))
            lines = [f"{chosen.name} · {birth_text(chosen)}"]
            if chosen.upcoming:
                lines.append(_("Next: {appointment}").format(
                    appointment=appointment_text(chosen.upcoming[0], zone)))
                for more in chosen.upcoming[1:]:
                    lines.append(_("Then: {appointment}").format(
                        appointment=appointment_text(more, zone)))
            else:
                lines.append(_("No appointment to come"))
            if chosen.last is not None:
                lines.append(_("Last: {appointment}").format(
                    appointment=appointment_text(chosen.last, zone)))
            if chosen.no_shows:
                lines.append(no_shows_text(chosen.no_shows))
            window = call_window_text(chosen)
            if window:
                lines.append(window)
            self.card.setText("\n".join(lines))
        else:
            self.alert.hide()
            self.card.setText("")
        self.card.setVisible(chosen is not None or bool(ctx.contacts))
        if chosen is None and ctx.contacts:
            self.card.setText("\n".join(
                " · ".join(b for b in (_("Directory"), c.name, c.detail) if b)
                for c in ctx.contacts))
        unknown = not ctx.patients and not ctx.contacts
        self.unknown.setText(_("Unknown caller: no patient and no contact has this number.")
                             if call.number else _("Unknown caller: type the number or "
                                                   "the name above."))
        self.unknown.setVisible(unknown)
        self.create_button.setVisible(unknown and bool(call.number))
        self._show_open_items(ctx)
        consignes = [consigne_line(c, validity=False) for c in ctx.consignes]
        self.consignes.setText("\n".join(consignes) or _("No instruction today."))
        ticked = {s.detail for s in ctx.steps if s.kind == StepKind.RED_FLAG.value}
        if ctx.urgent:
            self.urgent.set_flags(self._settings.red_flags, ticked)
            referral = [step_text(s, zone) for s in ctx.steps
                        if s.kind == StepKind.REFERRAL.value]
            self.urgent.set_referral("\n".join(referral))
            self.urgent.show()
        self.steps.setText("\n".join(step_text(s, zone) for s in ctx.steps))
        self.steps.setVisible(bool(ctx.steps))
        patient = self._patient_id()
        has_next = chosen is not None and bool(chosen.upcoming)
        self.buttons[MOVE].setEnabled(has_next)
        self.buttons[CANCEL].setEnabled(has_next)
        self.buttons[BOOK].setEnabled(patient is not None or unknown)
        if call.reason and self.reason.currentData() == "":
            self.reason.setCurrentIndex(max(0, self.reason.findData(call.reason)))
        self._show_clock()

    def _show_members(self, ctx: PanelContext) -> None:
        self.members.clear()
        several = len(ctx.patients) > 1
        self.members_title.setText(_("Shared number: who is calling? (↑ ↓, Enter)") if several else "")
        self.members_title.setVisible(several)
        self.members.setVisible(several)
        if not several:
            return
        for card in ctx.patients:
            item = QListWidgetItem(f"{card.name} · {birth_text(card)}")
            item.setData(_ID, card.id)
            self.members.addItem(item)
            if card.id == ctx.call.caller_id:
                self.members.setCurrentItem(item)
        rows = min(self.members.count(), 5)  # as tall as the family, up to five lines
        self.members.setFixedHeight(rows * self.members.sizeHintForRow(0) + 6)

    def _show_open_items(self, ctx: PanelContext) -> None:
        lines = []
        for m in ctx.messages:
            lines.append(_("Open message ({state}) for {who}: {text}").format(
                state=_("urgent") if m.urgent else _("normal"),
                who=m.recipient_name or _("the practice"), text=" ".join(m.body.split())[:80]))
        for c in ctx.callbacks:
            local = self._ws.zone.local(c.due_at)
            lines.append(_("Callback due {time}{reason}").format(
                time=f"{local:%d/%m %H:%M}", reason=f" — {c.reason}" if c.reason else ""))
        self.open_items.setText("\n".join(lines))
        self.open_items.setVisible(bool(lines))

    def _show_clock(self) -> None:
        if self.context is None:
            return
        call = self.context.call
        end = call.ended_at or self._ws.clock.now()
        self.clock.setText(" · ".join((started_text(call.started_at, self._ws.zone),
                                       duration_text((end - call.started_at).total_seconds()))))

    def _patient_id(self) -> str | None:
        chosen = self.context.chosen if self.context is not None else None
        return chosen.id if chosen is not None else None

    # -- the caller ----------------------------------------------------------------------
    def _typed(self, text: str) -> None:
        text = text.strip()
        if not text or looks_like_number(text):
            self.name_results.hide()
            return
        rows = self._ws.patients.search(text, limit=NAME_RESULTS)
        self.name_results.clear()
        for row in rows:
            item = QListWidgetItem(picker_line(row))
            item.setData(_ID, row.id)
            self.name_results.addItem(item)
        if rows:
            self.name_results.setCurrentRow(0)
        self.name_results.setVisible(bool(rows))

    def _caller_entered(self) -> None:
        text = self.caller_edit.text().strip()
        if not text or not self.call_id:
            return
        if self.name_results.isVisible() and self.name_results.currentItem() is not None:
            self._name_chosen(self.name_results.currentItem())
            return
        try:
            self._desk.set_number(self.call_id, text)
        except PermanenceError as exc:
            self.caller_error.show_message(failure_text(exc))
            return
        self.caller_error.show_message("")
        self.caller_edit.clear()
        self.refresh()
        self._focus_first()

    def _name_chosen(self, item: QListWidgetItem) -> None:
        self._choose(item.data(_ID))
        self.caller_edit.clear()
        self.name_results.hide()

    def _member_chosen(self, item: QListWidgetItem) -> None:
        self._choose(item.data(_ID))

    def _choose(self, patient_id: str) -> bool:
        if not self.call_id:
            return False
        try:
            self._desk.choose_caller(self.call_id, CallerKind.PATIENT.value, patient_id)
        except PermanenceError as exc:
            self.caller_error.show_message(failure_text(exc))
            return False
        self.refresh()
        return True

    def choose_member(self, row: int) -> bool:
        item = self.members.item(row)
        return item is not None and self._choose(item.data(_ID))

    def create_patient(self):
        """"Inconnu": a new card prefilled with the number; saved, it is the caller."""
        if self.context is None or not self.call_id:
            return None
        dialog = self._host.new_patient(number_text(self.context.call.number), self)
        dialog.chosen.connect(self._choose)
        self.dialog = dialog
        dialog.open()
        return dialog

    # -- actions -------------------------------------------------------------------------
    def _step_failed(self, exc: PermanenceError) -> None:
        self.close_error.show_message(failure_text(exc))

    def _record(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except PermanenceError as exc:
            self._step_failed(exc)
            return False
        self.close_error.show_message("")
        self.refresh()
        return True

    def book(self, **presets):
        """Prendre RDV: the slot finder preset with the patient (or to find one)."""
        if not self.call_id:
            return None
        dialog = self._host.open_finder(self._patient_id(), **presets)
        dialog.booked.connect(self._booked)
        self.dialog = dialog
        return dialog

    def _booked(self, appointment) -> None:
        self._record(lambda: self._desk.appointment(self.call_id, StepKind.BOOKED.value,
                                                    appointment.id))
        if self.outcome.currentData() == "":
            self.outcome.setCurrentIndex(self.outcome.findData(CallOutcome.BOOKED.value))
        if self.reason.currentData() == "":
            self.reason.setCurrentIndex(max(0, self.reason.findData(
                CallReason.APPOINTMENT.value)))
        self.raise_()

    def _next_appointment(self) -> str | None:
        chosen = self.context.chosen if self.context is not None else None
        return chosen.upcoming[0].id if chosen is not None and chosen.upcoming else None

    def move_next(self):
        appointment = self._next_appointment()
        if appointment is None or not self.call_id:
            return None
        dialog = self._host.open_mover(appointment)
        if dialog is not None:
            dialog.moved.connect(lambda _before, after, _w: self._record(
                lambda: self._desk.appointment(self.call_id, StepKind.MOVED.value, after.id)))
        self.dialog = dialog
        return dialog

    def cancel_next(self) -> bool:
        appointment = self._next_appointment()
        if appointment is None or not self.call_id:
            return False
        if not self._host.cancel(appointment, self):
            return False
        return self._record(lambda: self._desk.appointment(
            self.call_id, StepKind.CANCELLED.value, appointment))

    def leave_message(self, urgent: bool = False, body: str = ""):
        if self.context is None or not self.call_id:
            return None
        ctx = self.context
        recipient = None
        chosen = ctx.chosen
        if chosen is not None and chosen.upcoming:
            recipient = chosen.upcoming[0].practitioner_id
        elif chosen is not None and chosen.last is not None:
            recipient = chosen.last.practitioner_id
        names = [c.name for c in ctx.contacts]
        dialog = self._host.new_message(
            recipient_id=recipient, patient_id=self._patient_id(),
            caller_name=names[0] if names and chosen is None else "",
            caller_phone=number_text(ctx.call.number) if ctx.call.number else "",
            call_id=self.call_id)
        if urgent:
            dialog.urgent.setChecked(True)
        if body and not dialog.body.toPlainText().strip():
            dialog.body.setPlainText(body)
        dialog.sent.connect(self._message_sent)
        self.dialog = dialog
        return dialog

    def _message_sent(self, message) -> None:
        kind = StepKind.URGENT_MESSAGE.value if message.urgent else StepKind.MESSAGE.value
        self._record(lambda: self._desk.record_step(
            self.call_id, kind, ref=message.id,
            detail=message.recipient_name or _("the practice")))
        if self.outcome.currentData() == "":
            self.outcome.setCurrentIndex(self.outcome.findData(CallOutcome.MESSAGE.value))

    def plan_callback(self) -> CallbackDialog | None:
        if not self.call_id:
            return None
        dialog = CallbackDialog(self._ws.clock.now(), self._ws.zone, self._callback, self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _callback(self, due_at, reason: str) -> None:
        self._desk.plan_callback(self.call_id, due_at=due_at, reason=reason)
        self.refresh()
        if self.outcome.currentData() == "":
            self.outcome.setCurrentIndex(self.outcome.findData(CallOutcome.CALLBACK.value))

    def transfer(self) -> TransferDialog | None:
        if not self.call_id:
            return None
        names = [p.display_name for p in self._ws.practitioners()]
        dialog = TransferDialog(names, self._transferred, self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _transferred(self, to: str) -> None:
        self._desk.transfer(self.call_id, to)
        self.refresh()
        if self.outcome.currentData() == "":
            self.outcome.setCurrentIndex(self.outcome.findData(CallOutcome.TRANSFERRED.value))

    # -- the urgent protocol ---------------------------------------------------------------
    def open_urgent(self) -> bool:
        """F9: the protocol, recorded as opened (the call's reason becomes "urgent")."""
        if self.context is None:
            return False
        if self.call_id and not self.context.urgent:
            if not self._record(lambda: self._desk.urgent_start(self.call_id)):
                return False
        self.reason.setCurrentIndex(max(0, self.reason.findData(CallReason.URGENT.value)))
        ticked = {s.detail for s in self.context.steps if s.kind == StepKind.RED_FLAG.value}
        self.urgent.set_flags(self._settings.red_flags, ticked)
        self.urgent.show()
        if self.urgent.boxes:
            self.urgent.boxes[0][0].setFocus()
        self.scroll.ensureWidgetVisible(self.urgent)
        return True

    def _red_flag(self, flag: RedFlag) -> None:
        # The number to give and the referral buttons come into view (after the layout).
        QTimer.singleShot(0, self.show_referral)
        if self.call_id:
            try:
                self._desk.red_flag(self.call_id, flag)
            except PermanenceError as exc:
                self._step_failed(exc)

    def show_referral(self) -> None:
        self.scroll.ensureWidgetVisible(self.urgent.message_button, 0, 8)

    def refer(self, action: str):
        """A referral of the urgent call: the 15 and a transfer are recorded at once; a
        same-day slot once booked in the slot finder (today only)."""
        if not self.call_id:
            return None
        if action == UrgentAction.SAME_DAY.value:
            today = self._ws.zone.today(self._ws.clock.now())
            dialog = self._host.open_finder(self._patient_id(), first=today, last=today,
                                            urgent=True)
            dialog.booked.connect(lambda appt: self._urgent_slot(appt))
            self.dialog = dialog
            return dialog
        done = self._record(lambda: self._desk.referral(self.call_id, action))
        outcome = (CallOutcome.SENT_TO_15 if action == UrgentAction.CALL_15.value
                   else CallOutcome.TRANSFERRED).value
        if done:
            if action == UrgentAction.TRANSFER.value:
                self._record(lambda: self._desk.transfer(self.call_id,
                                                         action_labels()[action]))
            self.outcome.setCurrentIndex(self.outcome.findData(outcome))
            self._tell_practitioner()
        return done

    def _tell_practitioner(self):
        """After the referral, the urgent message to the practitioner, written for the
        secretary (the red flags and the referral): she checks it and sends it."""
        ctx = self.context
        if ctx is None or any(s.kind == StepKind.URGENT_MESSAGE.value for s in ctx.steps):
            return None
        zone = self._ws.zone
        flags = [s.detail for s in ctx.steps if s.kind == StepKind.RED_FLAG.value]
        referral = [action_labels().get(s.ref, s.ref) for s in ctx.steps
                    if s.kind == StepKind.REFERRAL.value]
        body = _("Urgent call at {time}. Red flags: {flags}. Referral: {referral}.").format(
            time=f"{zone.local(ctx.call.started_at):%H:%M}",
            flags=", ".join(flags) or _("none ticked"), referral=", ".join(referral))
        return self.leave_message(urgent=True, body=body)

    def _urgent_slot(self, appointment) -> None:
        self._record(lambda: self._desk.appointment(self.call_id, StepKind.BOOKED.value,
                                                    appointment.id))
        self._record(lambda: self._desk.referral(self.call_id, UrgentAction.SAME_DAY.value))
        self.outcome.setCurrentIndex(self.outcome.findData(CallOutcome.BOOKED.value))
        self.raise_()
        self._tell_practitioner()

    # -- closing -------------------------------------------------------------------------
    def set_outcome(self, reason: str, outcome: str, note: str = "") -> None:
        self.reason.setCurrentIndex(max(0, self.reason.findData(reason)))
        self.outcome.setCurrentIndex(max(0, self.outcome.findData(outcome)))
        self.note.setText(note)

    def close_call(self) -> bool:
        """Closed only with a reason and an outcome (an urgent call: with its referral)."""
        if not self.isVisible() or not self.call_id:
            return False
        try:
            self._desk.close(self.call_id, reason=self.reason.currentData() or "",
                             outcome=self.outcome.currentData() or "",
                             note=self.note.text())
        except PermanenceError as exc:
            self.close_error.show_message(failure_text(exc))
            (self.reason if not self.reason.currentData() else self.outcome).setFocus()
            return False
        call_id, self.call_id = self.call_id, ""
        self._tick.stop()
        self.context = None
        self.hide()
        self.finished.emit(call_id)
        return True

    def keep_open(self) -> bool:
        """True (and the panel says why, in front) while a call awaits its outcome."""
        if not (self.isVisible() and self.call_id):
            return False
        self.close_error.show_message(_("A call is in progress: choose its reason and "
                                        "outcome, then close it (Ctrl+Enter), before "
                                        "quitting."))
        self.raise_()
        self.reason.setFocus()
        return True

    def outcome_text(self) -> str:
        return code_label(outcome_choices(), self.outcome.currentData() or "")
