"""Possible duplicates: pairs of cards that look like one person, to merge or dismiss.

Also lists the recent merges, each with "Undo merge" while the kept card is unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from app.i18n import _, format_date, ngettext
from app.services.duplicates import (
    SAME_IDENTITY,
    SAME_PHONE,
    DuplicatePair,
    DuplicateService,
    MergeInfo,
    MergeRefused,
    PairSide,
)
from app.services.errors import NotFound
from app.ui.patients.merge_dialog import MergeDialog
from app.ui.plain import tooltip
from app.ui.tasks import run_in_background
from app.ui.table_model import RowTableModel
from app.ui.widgets import label, result_table
from app.ui.failures import failure_text

MERGE_ROLE = Qt.ItemDataRole.UserRole + 1


def reason_text(reasons: tuple[str, ...]) -> str:
    words = {SAME_IDENTITY: _("same name and birth date"), SAME_PHONE: _("same phone number")}
    return ", ".join(words.get(r, r) for r in reasons)


def side_text(side: PairSide) -> str:
    bits = [side.display_name]
    if side.birth_date:
        bits.append(format_date(side.birth_date))
    if side.phones:
        bits.append(", ".join(side.phones))
    return " · ".join(bits)


class DuplicatePairModel(RowTableModel):
    """Rows are the pairs the service found; nothing is read here."""

    def __init__(self, parent=None) -> None:
        super().__init__([_("Card"), _("Possible duplicate"), _("Why")], parent)

    def pair(self, row: int) -> DuplicatePair | None:
        return self.row_at(row)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        pair = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = (side_text(pair.a), side_text(pair.b), reason_text(pair.reasons))[index.column()]
            return tooltip(text) if role == Qt.ItemDataRole.ToolTipRole else text
        return None


class DuplicatesDialog(QDialog):
    """``loaded`` is emitted each time the list of pairs has been read; ``cards_changed``
    after a merge or an undo (the store tells the other views)."""

    loaded = Signal()
    cards_changed = Signal(list)  # ids of the cards a merge or an undo wrote

    def __init__(self, service: DuplicateService, parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self._task = None
        self._generation = 0  # a slow read finishing after a newer one is ignored
        self._closing = False
        self.loading = False
        self.merge_dialog: MergeDialog | None = None
        self.setWindowTitle(_("Possible duplicates"))
        self.resize(980, 620)

        self.status = label("", "Muted", wrap=True)
        self.empty_hint = label(_(
            "No possible duplicates. Cards are listed here when they share the birth name, "
            "the first first name and the birth date (whatever the accents or capitals), or a "
            "phone number. A warning also appears when you create such a card."),
            "InfoBanner", wrap=True)
        self.empty_hint.hide()
        self.model = DuplicatePairModel(self)
        self.table = result_table(self.model, row_height=None)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(lambda _index: self.merge_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.merge_button = QPushButton(_("Merge…"))
        self.merge_button.setObjectName("Primary")
        self.merge_button.setToolTip(_("Compare the two cards and merge them (Enter)"))
        self.merge_button.clicked.connect(self.merge_selected)
        self.dismiss_button = QPushButton(_("Not duplicates"))
        self.dismiss_button.setToolTip(_("Two different people: stop listing this pair"))
        self.dismiss_button.clicked.connect(self.dismiss_selected)

        self.error = label("", "Banner", wrap=True)
        self.error.hide()
        self.merges_title = label(_("Recent merges"), "SectionTitle")
        self.merges = QListWidget()
        self.merges.setMaximumHeight(150)
        self.merges.currentItemChanged.connect(self._update_buttons)
        self.undo_button = QPushButton(_("Undo merge"))
        self.undo_button.setToolTip(_("Put both cards back as they were before the merge"))
        self.undo_button.clicked.connect(self.undo_selected)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.accept)

        pair_buttons = QHBoxLayout()
        pair_buttons.addWidget(self.merge_button)
        pair_buttons.addWidget(self.dismiss_button)
        pair_buttons.addStretch()
        merge_buttons = QHBoxLayout()
        merge_buttons.addWidget(self.undo_button)
        merge_buttons.addStretch()
        merge_buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Possible duplicates"), "PageTitle"))
        layout.addWidget(self.status)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(pair_buttons)
        layout.addWidget(self.error)
        layout.addWidget(self.merges_title)
        layout.addWidget(self.merges)
        layout.addLayout(merge_buttons)
        self.reload()

    # -- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the pairs off the UI thread (a large practice takes a moment)."""
        self.loading = True
        self.status.setText(_("Looking for possible duplicates…"))
        self.merge_button.setEnabled(False)
        self.dismiss_button.setEnabled(False)
        service = self._service
        self._generation += 1
        generation = self._generation
        self._task = run_in_background(lambda: (service.list_pairs(), service.recent_merges()),
                                       lambda result: self._show(result, generation),
                                       lambda exc: self._failed(exc, generation))

    def _show(self, result, generation: int) -> None:
        if self._closing or generation != self._generation:
            return
        self.loading = False
        pairs, merges = result
        self.model.set_rows(pairs)
        self.status.setText(ngettext("{n} pair of cards to check.",
                                     "{n} pairs of cards to check.", len(pairs))
                            .format(n=len(pairs)))
        self.status.setVisible(bool(pairs))
        self.empty_hint.setVisible(not pairs)
        self.table.setVisible(bool(pairs))
        if pairs:
            self.table.selectRow(0)
            self.table.setFocus()
        self._show_merges(merges)
        self._update_buttons()
        self.loaded.emit()

    def _failed(self, exc: Exception, generation: int) -> None:
        if self._closing or generation != self._generation:
            return
        self.loading = False
        self.status.setText(failure_text(exc, _("The possible duplicates could not be read.")))
        self.loaded.emit()

    def _show_merges(self, merges: list[MergeInfo]) -> None:
        self.merges.clear()
        for info in merges:
            text = _("{date}: {merged} merged into {kept}").format(
                date=format_date(info.at.date()), merged=info.merged_name, kept=info.kept_name)
            if info.undone_at is not None:
                text += " — " + _("undone")
            item = QListWidgetItem(text)
            item.setData(MERGE_ROLE, info)
            self.merges.addItem(item)
        has = bool(merges)
        self.merges_title.setVisible(has)
        self.merges.setVisible(has)
        self.undo_button.setVisible(has)
        if has:
            self.merges.setCurrentRow(0)

    def _update_buttons(self, *_args) -> None:
        has_pair = self.selected_pair() is not None
        self.merge_button.setEnabled(has_pair)
        self.dismiss_button.setEnabled(has_pair)
        info = self.selected_merge()
        self.undo_button.setEnabled(info is not None and info.can_undo)

    # -- selection ----------------------------------------------------------------------------
    def selected_pair(self) -> DuplicatePair | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.pair(rows[0].row()) if rows else None

    def selected_merge(self) -> MergeInfo | None:
        item = self.merges.currentItem()
        return item.data(MERGE_ROLE) if item is not None else None

    # -- actions ------------------------------------------------------------------------------
    def merge_selected(self) -> None:
        pair = self.selected_pair()
        if pair is None:
            return
        self._show_error("")
        # The older card is kept by default; the dialog can swap them.
        self.merge_dialog = MergeDialog(self._service, kept_id=pair.a.id, merged_id=pair.b.id,
                                        parent=self)
        self.merge_dialog.accepted.connect(self._merged)
        self.merge_dialog.open()

    def _merged(self) -> None:
        dialog = self.merge_dialog
        if dialog is None or dialog.result is None:
            return
        self.cards_changed.emit([dialog.result.kept.id, dialog.result.merged_id])
        self.reload()

    def dismiss_selected(self) -> None:
        pair = self.selected_pair()
        if pair is None:
            return
        try:
            self._service.dismiss(pair.a.id, pair.b.id)
        except (MergeRefused, NotFound):
            pass  # one card is gone: the reload drops the pair
        self.reload()

    def undo_selected(self) -> None:
        info = self.selected_merge()
        if info is None:
            return
        try:
            result = self._service.undo_merge(info.id)
        except MergeRefused as exc:
            self._show_error(exc.user_message)
            self.reload()
            return
        self._show_error("")
        self.cards_changed.emit([result.kept.id, result.restored.id])
        self.reload()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def done(self, result: int) -> None:
        self._closing = True
        super().done(result)
