"""Réglages › Appels, the practice's section: what the call panel offers (the greeting
line to read, the reasons offered, the urgent protocol's red flags with the action for
each, and after how many minutes an unread urgent message escalates on screen); and the
tab itself, with this workstation's sections (``app.ui.telephony_settings``) below."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import PermanenceError
from app.i18n import _
from app.models.call_desk import GREETING_MAX
from app.services.calls.desk import ESCALATE_MAX, ESCALATE_MIN, RedFlag, action_labels
from app.services.calls.labels import reasons
from app.ui.failures import failure_text
from app.ui.widgets import FieldError, label


class CallSettingsTab(QWidget):
    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._desk = workspace.call_desk
        self.greeting = QLineEdit()
        self.greeting.setMaxLength(GREETING_MAX)
        self.greeting.setPlaceholderText(_("e.g. Cabinet des Tilleuls, bonjour"))
        self.greeting.setAccessibleName(_("Greeting line"))
        self.reasons = QListWidget()
        self.reasons.setAccessibleName(_("Reasons offered"))
        self.flags = QTableWidget(0, 2)
        self.flags.setHorizontalHeaderLabels([_("Red flag"), _("Action")])
        self.flags.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.flags.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents)
        self.flags.verticalHeader().hide()
        self.flags.setAccessibleName(_("Red flags"))
        self.flags.setMinimumHeight(220)  # in a scrolled tab: rows to see, not a sliver
        add = QPushButton(_("Add a red flag"))
        add.clicked.connect(lambda: self.add_flag(RedFlag("", "call_15")))
        remove = QPushButton(_("Remove the selected one"))
        remove.clicked.connect(self._remove_flag)
        self.escalate = QSpinBox()
        self.escalate.setRange(ESCALATE_MIN, ESCALATE_MAX)
        self.escalate.setSuffix(_(" min"))
        self.escalate.setAccessibleName(_("Escalate an unread urgent message after"))
        self.error = FieldError()
        self.saved = label("", "Muted")
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("Primary")
        self.save_button.clicked.connect(self.save)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(_("Greeting line"), self.greeting)
        form.addRow(_("Reasons offered"), self.reasons)
        form.addRow(_("Escalate an unread urgent message after"), self.escalate)
        flag_buttons = QHBoxLayout()
        flag_buttons.addWidget(add)
        flag_buttons.addWidget(remove)
        flag_buttons.addStretch()
        save_row = QHBoxLayout()
        save_row.addWidget(self.saved, 1)
        save_row.addWidget(self.save_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox(_("Call panel (the whole practice)"))
        outer.addWidget(box)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(label(_("Urgent protocol: the red flags to ask about, and what to do "
                                 "for each"), "SectionTitle", wrap=True))
        layout.addWidget(self.flags, 1)
        layout.addLayout(flag_buttons)
        layout.addWidget(self.error)
        layout.addLayout(save_row)
        self.load()

    def load(self) -> None:
        current = self._desk.settings()
        self.greeting.setText(current.greeting)
        self.reasons.clear()
        offered = set(current.reasons)
        for code, text in reasons():
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if code in offered
                               else Qt.CheckState.Unchecked)
            self.reasons.addItem(item)
        self.reasons.setFixedHeight(self.reasons.count() * self.reasons.sizeHintForRow(0) + 6)
        self.flags.setRowCount(0)
        for flag in current.red_flags:
            self.add_flag(flag)
        self.escalate.setValue(current.escalate_after_min)

    def add_flag(self, flag: RedFlag) -> None:
        row = self.flags.rowCount()
        self.flags.insertRow(row)
        self.flags.setItem(row, 0, QTableWidgetItem(flag.label))
        combo = QComboBox()
        for code, text in action_labels().items():
            combo.addItem(text, code)
        combo.setCurrentIndex(max(0, combo.findData(flag.action)))
        self.flags.setCellWidget(row, 1, combo)

    def _remove_flag(self) -> None:
        row = self.flags.currentRow()
        if row >= 0:
            self.flags.removeRow(row)

    def red_flags(self) -> list[RedFlag]:
        out = []
        for row in range(self.flags.rowCount()):
            item = self.flags.item(row, 0)
            out.append(RedFlag(item.text() if item is not None else "",
                               self.flags.cellWidget(row, 1).currentData()))
        return out

    def save(self) -> bool:
        codes = [self.reasons.item(i).data(Qt.ItemDataRole.UserRole)
                 for i in range(self.reasons.count())
                 if self.reasons.item(i).checkState() == Qt.CheckState.Checked]
        try:
            self._desk.save_settings(greeting=self.greeting.text(), reason_codes=codes,
                                     red_flags=self.red_flags(),
                                     escalate_after_min=self.escalate.value())
        except PermanenceError as exc:
            self.error.show_message(failure_text(exc))
            self.saved.setText("")
            return False
        self.error.show_message("")
        self.saved.setText(_("Saved: the call panel uses these from the next call."))
        self.load()
        return True


class CallsSettingsPage(QScrollArea):
    """The Calls tab: the call panel's settings (``panel``, for who may change the
    practice's settings) and this workstation's dialling and listener (``telephony``,
    for who takes calls), each in its group, one under the other, scrolled."""

    def __init__(self, panel: CallSettingsTab | None, telephony: QWidget | None,
                 parent=None) -> None:
        super().__init__(parent)
        self.panel, self.telephony = panel, telephony
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        layout = QVBoxLayout(body)
        for part in (panel, telephony):
            if part is not None:
                layout.addWidget(part)
        layout.addStretch()
        self.setWidget(body)
