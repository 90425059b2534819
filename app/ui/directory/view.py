"""The Directory screen: a search box and category filter over the results, the card beside."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_number, ngettext
from app.services.directory import MAX_RESULTS, DirectoryService
from app.services.errors import NotFound
from app.models import kinds
from app.storage.changes import ChangeSet
from app.ui.change_bus import ChangeBus
from app.ui.directory.form import ContactForm, category_combo
from app.ui.directory.item_model import ID_ROLE, ContactTableModel
from app.ui.widgets import (
    ask_unsaved,
    label,
    menu_button,
    result_table,
    results_caption,
    reselect,
)


class DirectoryView(QWidget):
    def __init__(self, service: DirectoryService, bus: ChangeBus, parent=None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self._loaded = False
        self._service = service
        self._bus = bus

        self.title = label(_("Directory"), "PageTitle")
        self.count_label = label("", "Muted", wrap=True)
        self.new_button = QPushButton(_("New contact"))
        self.new_button.setObjectName("Primary")
        self.new_button.setToolTip(_("New contact (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_contact)
        self.tools_button, self.tools_menu = menu_button(_("More"), _("Export the directory"), self)

        self.search = QLineEdit()
        self.search.setPlaceholderText(
            _("Search the directory: name, organisation, specialty, phone"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.search.returnPressed.connect(self.open_current)
        self.search.installEventFilter(self)
        self.category = category_combo(with_all=True)
        self.category.setToolTip(_("Show one category only"))
        self.category.currentIndexChanged.connect(self.refresh)

        self.model = ContactTableModel(self)
        self.table = result_table(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        # The name gets the room; categories, specialties and towns are elided.
        for col, width in ((1, 105), (2, 110), (4, 110)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, width)
        self.table.activated.connect(self._open_index)
        self.table.installEventFilter(self)

        self.empty_hint = label("", "InfoBanner", wrap=True)
        self.empty_hint.hide()

        self.form = ContactForm(service)
        self.form.saved.connect(self._saved)
        self.form.deleted.connect(self._saved)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count_label, 1, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.tools_button)
        top.addWidget(self.new_button)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.category)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(16, 12, 8, 12)
        left_layout.addLayout(top)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.empty_hint)
        left_layout.addWidget(self.table)
        right = QWidget()
        right.setObjectName("Card")
        right.setMinimumWidth(460)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(16, 12, 16, 12)
        right_layout.addWidget(self.form)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([610, 460])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 8)
        layout.addWidget(splitter)

        # Window-wide, but only while this screen is the one shown (hidden pages' shortcuts
        # do not fire), so Ctrl+N here is a new contact, on Patients a new patient.
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_contact)
        bus.changed.connect(self._on_changed)
        if load_now:
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:  # built hidden behind the agenda: the list is read when shown
            self.refresh()

    # -- search -------------------------------------------------------------------
    @property
    def query(self) -> str:
        return self.search.text()

    def refresh(self, *args, keep_selection: bool = False) -> None:
        """Search again; the first result is selected, or with ``keep_selection`` the
        contact selected before, if still listed."""
        self._loaded = True
        kept = self.selected_id() if keep_selection else None
        query, category = self.query, self.category.currentData()
        rows = self._service.search(query, category=category, limit=MAX_RESULTS)
        self.model.set_rows(rows)
        self.count_label.setText(results_caption(
            query, len(rows), MAX_RESULTS, lambda: self._service.count(category=category),
            lambda n: ngettext("{n} contact", "{n} contacts", n).format(n=format_number(n))))
        self._update_empty_hint(bool(rows))
        reselect(self.table, kept)

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.index(index.row(), 0).data(ID_ROLE) if index.isValid() else None

    def _update_empty_hint(self, has_rows: bool) -> None:
        if has_rows:
            self.empty_hint.hide()
            return
        query = self.query.strip()
        if query:
            self.empty_hint.setText(_(
                "No contact matches “{query}”. Search by name, first name, organisation or "
                "specialty, or by phone or fax number (any format, or its last 4 digits). "
                "Press Ctrl+N to add the contact.").format(query=query))
        elif self.category.currentData() is not None:
            self.empty_hint.setText(_("No contact in this category yet."))
        else:
            self.empty_hint.setText(_(
                "The directory is empty. Add the practice's usual correspondents (doctors, "
                "laboratories, pharmacies…) with “New contact” (Ctrl+N)."))
        self.empty_hint.show()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def focus_results(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._open_index(index)

    # -- card ---------------------------------------------------------------------
    def confirm_leave(self) -> bool:
        """Unsaved edits on the card may veto opening another contact or closing."""
        if not self.form.is_dirty:
            return True
        choice = ask_unsaved(self, _("The current contact card has unsaved changes."))
        if choice == "save":
            return self.form.save()
        if choice == "discard":
            self.form.revert()
            return True
        return False

    def _open_index(self, index) -> None:
        contact_id = self.model.index(index.row(), 0).data(ID_ROLE)
        if contact_id == self.form.current_id or not self.confirm_leave():
            return
        try:
            self.form.load(self._service.get(contact_id))
        except NotFound:
            self.refresh()
            return
        self.form.name.setFocus()

    def new_contact(self) -> None:
        if not self.confirm_leave():
            return
        self.form.new_contact(category=self.category.currentData())
        self.form.name.setFocus()

    def _saved(self, contact_id: str) -> None:
        # The store has told the list already (it is up to date): show where the card is.
        row = self.model.row_of(contact_id)
        if row >= 0:
            self.table.selectRow(row)

    def _on_changed(self, changes: ChangeSet) -> None:
        if not changes.touches(kinds.CONTACT):
            return
        if self._loaded:
            self.refresh(keep_selection=True)
        # The card on screen changed through someone else: show what it is now, unless
        # it holds edits of its own.
        current = self.form.current_id
        if (current and current in changes.ids(kinds.CONTACT) and not self.form.is_dirty
                and not self._bus.is_own(changes)):
            try:
                self.form.load(self._service.get(current))
            except NotFound:
                self.form.new_contact()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if obj is self.search and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                self.focus_results()
                return True
            if obj is self.table:
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.open_current()
                    return True
                if key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
                    self.focus_search()  # back up into the search box from the first row
                    return True
        return super().eventFilter(obj, event)
