"""The Consignes page: the practice's standing instructions, written and kept.

The list on the left (the practice's first, then each practitioner's; withdrawn ones on
request), the selected consigne's form on the right: for whom, the text, its priority,
from and until when (or permanent), the motifs it concerns (none ticked: every motif).
Saving makes a new version; every version stays readable below the form, with who
wrote it and when. "Withdraw" ends a consigne (kept, as a version too).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.models import kinds
from app.services.consignes import (
    ConsigneInput, ConsigneView, priority_labels, validity_text,
)
from app.services.errors import ServiceError, ValidationError
from app.storage.changes import ChangeSet
from app.ui.change_bus import ChangeBus
from app.ui.consignes.notes import IMPORTANT_MARK
from app.ui.failures import failure_text
from app.ui.plain import tooltip
from app.ui.table_model import RowTableModel
from app.ui.widgets import FieldError, label, reselect, result_table

READ_FROM = (kinds.CONSIGNE, kinds.PRACTITIONER, kinds.APPOINTMENT_TYPE, kinds.USER)
WHOM, TEXT, VALIDITY, REVISION = range(4)  # importance: the mark and the colour
FORM_WIDTH = 430  # px


def _qdate(d) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class ConsigneModel(RowTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([_("For"), _("Instruction"), _("Validity"), _("Version")], parent)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        c: ConsigneView | None = self.row_at(index.row())
        if c is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == WHOM:
                return c.practitioner_name or _("Practice")
            if col == TEXT:
                text = " ".join(c.text.split())
                if c.motif_names:
                    text += " ({})".format(", ".join(c.motif_names))
                return (IMPORTANT_MARK if c.important else "") + text
            if col == VALIDITY:
                return _("Withdrawn") if c.withdrawn else validity_text(c.valid_from,
                                                                         c.valid_until)
            if col == REVISION:
                return str(c.revision)
        if role == Qt.ItemDataRole.ToolTipRole and col == TEXT:
            return tooltip(c.text)
        if role == Qt.ItemDataRole.ForegroundRole:
            if c.withdrawn:
                return QColor("#6b7280")
            if c.important and col == TEXT:
                return QColor("#b91c1c")
        return None


class ConsignesPage(QWidget):
    def __init__(self, workspace, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ConsignesPage")
        self._ws = workspace
        self._service = workspace.consignes
        self._stale = True
        self.current: ConsigneView | None = None

        self.model = ConsigneModel(self)
        self.table = result_table(self.model)
        self.table.setAccessibleName(_("Instructions"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WHOM, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
        for col in (VALIDITY, REVISION):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.show_withdrawn = QCheckBox(_("Show withdrawn instructions"))
        self.show_withdrawn.toggled.connect(lambda *_a: self.refresh())
        self.new_button = QPushButton(_("New instruction"))
        self.new_button.clicked.connect(self.start_new)

        self.whom = QComboBox()
        self.whom.setAccessibleName(_("For"))
        self.whom.addItem(_("The whole practice"), "")
        self.text = QPlainTextEdit()
        self.text.setObjectName("ConsigneTextEdit")
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(_("e.g. No new patient on Fridays"))
        self.text.setAccessibleName(_("Instruction"))
        self.text.setMaximumHeight(110)
        self.priority = QComboBox()
        for value, name in priority_labels().items():
            self.priority.addItem(name, value)
        self.has_from = QCheckBox(_("From"))
        self.valid_from = QDateEdit()
        self.has_until = QCheckBox(_("Until"))
        self.valid_until = QDateEdit()
        for check, edit in ((self.has_from, self.valid_from), (self.has_until, self.valid_until)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)
        self.motifs = QListWidget()
        self.motifs.setAccessibleName(_("Motifs"))
        self.motifs.setMaximumHeight(120)
        self.errors = FieldError()
        self.state = label("", "Muted", wrap=True)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("Primary")
        self.save_button.setToolTip(_("Save (Ctrl+S): a new version, the older ones are kept"))
        self.save_button.clicked.connect(self.save)
        self.withdraw_button = QPushButton(_("Withdraw"))
        self.withdraw_button.setToolTip(_("No longer in force; it stays readable with its "
                                          "versions"))
        self.withdraw_button.clicked.connect(self.withdraw)
        self.versions = QTreeWidget()
        self.versions.setObjectName("ConsigneVersions")
        self.versions.setRootIsDecorated(False)
        self.versions.setHeaderLabels([_("Version"), _("When"), _("Who"), _("Instruction"),
                                       _("Validity")])

        validity = QHBoxLayout()
        for w in (self.has_from, self.valid_from, self.has_until, self.valid_until):
            validity.addWidget(w)
        validity.addStretch()
        form = QFormLayout()
        form.addRow(_("For"), self.whom)
        form.addRow(_("Instruction"), self.text)
        form.addRow(_("Priority"), self.priority)
        form.addRow(_("Validity"), validity)
        form.addRow(_("Motifs"), self.motifs)
        form_buttons = QHBoxLayout()
        form_buttons.addWidget(self.withdraw_button)
        form_buttons.addStretch()
        form_buttons.addWidget(self.save_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.state)
        right_layout.addLayout(form)
        right_layout.addWidget(label(_("With no motif ticked, it concerns every motif; with no "
                                       "date, it is permanent."), "Hint", wrap=True))
        right_layout.addWidget(self.errors)
        right_layout.addLayout(form_buttons)
        right_layout.addWidget(label(_("Versions"), "SectionTitle"))
        right_layout.addWidget(self.versions, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_top = QHBoxLayout()
        left_top.addWidget(self.show_withdrawn)
        left_top.addStretch()
        left_top.addWidget(self.new_button)
        left_layout.addLayout(left_top)
        left_layout.addWidget(self.table, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        right.setMaximumWidth(FORM_WIDTH + 120)
        right.setMinimumWidth(FORM_WIDTH)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(label(_("Instructions"), "PageTitle"))
        layout.addWidget(label(_("What the secretaries must know when they answer and book: "
                                 "shown in the booking dialog for the practitioner concerned; "
                                 "a new or changed instruction is shown to each user until she "
                                 "has read it."), "Muted", wrap=True))
        layout.addWidget(splitter, 1)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        bus.changed.connect(self._on_changed)
        self.start_new()

    # -- reading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self._stale = False
        self._fill_choices()
        kept = self.current.id if self.current else None
        self.model.set_rows(self._service.all(include_withdrawn=self.show_withdrawn.isChecked()))
        if kept and self.model.row_of(kept) >= 0:
            reselect(self.table, kept)
        elif kept:
            self.start_new()

    def _fill_choices(self) -> None:
        whom = self.whom.currentData()
        self.whom.blockSignals(True)
        while self.whom.count() > 1:
            self.whom.removeItem(1)
        for p in self._ws.practitioners():
            self.whom.addItem(p.display_name, p.id)
        self.whom.setCurrentIndex(max(0, self.whom.findData(whom)))
        self.whom.blockSignals(False)
        ticked = self._ticked()
        self.motifs.clear()
        for t in self._ws.agenda.types():
            item = QListWidgetItem(t.name)
            item.setData(Qt.ItemDataRole.UserRole, t.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if t.id in ticked
                               else Qt.CheckState.Unchecked)
            self.motifs.addItem(item)

    def _ticked(self) -> frozenset[str]:
        return frozenset(self.motifs.item(i).data(Qt.ItemDataRole.UserRole)
                         for i in range(self.motifs.count())
                         if self.motifs.item(i).checkState() == Qt.CheckState.Checked)

    def _tick(self, ids: frozenset[str]) -> None:
        for i in range(self.motifs.count()):
            item = self.motifs.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in ids
                               else Qt.CheckState.Unchecked)

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.touches(*READ_FROM):
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    # -- the form --------------------------------------------------------------------------
    def start_new(self) -> None:
        self.current = None
        self.table.clearSelection()
        self.table.setCurrentIndex(QModelIndex())
        today = self._service.today()
        self.whom.setCurrentIndex(0)
        self.text.setPlainText("")
        self.priority.setCurrentIndex(0)
        for check, edit in ((self.has_from, self.valid_from), (self.has_until, self.valid_until)):
            check.setChecked(False)
            edit.setDate(_qdate(today))
        self._tick(frozenset())
        self.state.setText(_("New instruction"))
        self.versions.clear()
        self.errors.show_message("")
        self.withdraw_button.setEnabled(False)
        self.text.setFocus()

    def _selected(self, index: QModelIndex, _previous=None) -> None:
        c = self.model.row_at(index.row()) if index.isValid() else None
        if c is None:
            return
        self.current = c
        self.whom.setCurrentIndex(max(0, self.whom.findData(c.practitioner_id or "")))
        self.text.setPlainText(c.text)
        self.priority.setCurrentIndex(max(0, self.priority.findData(c.priority)))
        today = self._service.today()
        self.has_from.setChecked(c.valid_from is not None)
        self.valid_from.setDate(_qdate(c.valid_from or today))
        self.has_until.setChecked(c.valid_until is not None)
        self.valid_until.setDate(_qdate(c.valid_until or today))
        self._tick(c.motif_ids)
        self.state.setText(_("Version {n}, by {who}").format(n=c.revision,
                                                             who=c.author_name or "—")
                           + (" — " + _("Withdrawn") if c.withdrawn else ""))
        self.withdraw_button.setEnabled(not c.withdrawn)
        self.errors.show_message("")
        self._fill_versions(c)

    def _fill_versions(self, c: ConsigneView) -> None:
        self.versions.clear()
        zone = self._ws.zone
        for v in self._service.versions(c.id):
            what = _("Withdrawn") if v.withdrawn else validity_text(v.valid_from, v.valid_until)
            item = QTreeWidgetItem([str(v.revision), zone.local(v.at).strftime("%d/%m/%Y %H:%M"),
                                    v.author_name or "—", " ".join(v.text.split()), what])
            item.setToolTip(3, tooltip(v.text))
            self.versions.addTopLevelItem(item)
        for col in (0, 1, 2):
            self.versions.resizeColumnToContents(col)

    def values(self) -> ConsigneInput:
        return ConsigneInput(
            text=self.text.toPlainText(), practitioner_id=self.whom.currentData() or None,
            priority=self.priority.currentData(),
            valid_from=_pydate(self.valid_from.date()) if self.has_from.isChecked() else None,
            valid_until=_pydate(self.valid_until.date()) if self.has_until.isChecked() else None,
            motif_ids=self._ticked())

    def save(self) -> bool:
        c = self.current
        try:
            saved = self._service.save(self.values(), consigne_id=c.id if c else None,
                                       expected_revision=c.revision if c else None)
        except ValidationError as exc:
            self.errors.show_message(exc.user_message)
            return False
        except ServiceError as exc:
            self.errors.show_message(failure_text(exc))
            return False
        self.current = saved
        self.refresh()
        reselect(self.table, saved.id)
        self._selected(self.table.currentIndex())
        return True

    def withdraw(self) -> bool:
        c = self.current
        if c is None:
            return False
        try:
            self.current = self._service.withdraw(c.id, expected_revision=c.revision)
        except ServiceError as exc:
            self.errors.show_message(failure_text(exc))
            return False
        self.refresh()
        if self.model.row_of(c.id) < 0:
            self.start_new()
        return True
