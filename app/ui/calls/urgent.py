"""The urgent-call protocol on the call panel: the practice's red flags, each with its
action; a red flag that calls for the 15 shows the number in large; the referral is one
button per action, and the urgent message to the practitioner one more. What is done
is a time-stamped step of the call (the panel records it through the service)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFrame, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout

from app.i18n import _
from app.models.call_desk import UrgentAction
from app.services.calls.desk import EMERGENCY_NUMBER, RedFlag, action_labels
from app.ui.plain import button_text
from app.ui.widgets import label


class UrgentSection(QFrame):
    """``flagged(RedFlag)`` when a red flag is ticked; ``referred(action)`` for a
    referral button; ``message_requested()`` for the urgent message."""

    flagged = Signal(object)
    referred = Signal(str)
    message_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("UrgentSection")
        self.title = label(_("Urgent protocol"), "UrgentTitle")
        self.hint = label(_("Ask about each red flag; tick what the caller describes."),
                          "Hint", wrap=True)
        self.flags_box = QGridLayout()
        self.flags_box.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[tuple[QCheckBox, RedFlag]] = []
        self.call_15 = label(_("Refer to the 15"), "Call15")
        self.number_15 = label(EMERGENCY_NUMBER, "Call15Number")
        self.call_15_box = QFrame()
        self.call_15_box.setObjectName("Call15Box")
        box_row = QHBoxLayout(self.call_15_box)
        box_row.addWidget(self.number_15)
        box_row.addWidget(self.call_15, 1)
        self.call_15_box.hide()
        labels = action_labels()
        self.buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        for action in (a.value for a in UrgentAction):
            button = QPushButton(button_text(labels[action]))
            button.setAutoDefault(False)
            button.setObjectName("UrgentAction")
            button.clicked.connect(lambda _c=False, a=action: self.referred.emit(a))
            buttons.addWidget(button)
            self.buttons[action] = button
        self.message_button = QPushButton(_("Urgent message to the practitioner"))
        self.message_button.setAutoDefault(False)
        self.message_button.clicked.connect(self.message_requested)
        self.referral = label("", "UrgentDone", wrap=True)
        self.referral.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addLayout(self.flags_box)
        layout.addWidget(self.call_15_box)
        layout.addWidget(label(_("Referral (required to close the call)"), "SectionTitle"))
        layout.addLayout(buttons)
        layout.addWidget(self.referral)
        row = QHBoxLayout()
        row.addWidget(self.message_button)
        row.addStretch()
        layout.addLayout(row)

    def set_flags(self, flags: tuple[RedFlag, ...], ticked: set[str] = frozenset()) -> None:
        for box, _flag in self.boxes:
            self.flags_box.removeWidget(box)
            box.deleteLater()
        self.boxes = []
        labels = action_labels()
        for i, flag in enumerate(flags):
            box = QCheckBox(button_text(_("{flag} → {action}").format(
                flag=flag.label, action=labels.get(flag.action, flag.action))))
            box.setChecked(flag.label in ticked)
            box.setEnabled(flag.label not in ticked)  # a step once recorded stays
            box.toggled.connect(lambda on, f=flag: self._ticked(on, f))
            self.flags_box.addWidget(box, i, 0)
            self.boxes.append((box, flag))
        self._show_15()

    def set_referral(self, text: str) -> None:
        self.referral.setText(text)
        self.referral.setVisible(bool(text))

    def _ticked(self, on: bool, flag: RedFlag) -> None:
        if on:
            self.flagged.emit(flag)
        self._show_15()

    def _show_15(self) -> None:
        self.call_15_box.setVisible(any(
            box.isChecked() and flag.action == UrgentAction.CALL_15.value
            for box, flag in self.boxes))

    def tick(self, index: int) -> None:
        self.boxes[index][0].setChecked(True)
