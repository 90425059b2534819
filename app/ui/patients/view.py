"""The Patients screen: type-ahead results on the left, the card on the right."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_number, ngettext
from app.services.errors import NotFound
from app.models import DEFAULT_TIMEZONE, kinds
from app.services.agenda.zone import PracticeTime
from app.services.duplicates import DuplicateService
from app.services.patients import MAX_RESULTS, PatientService
from app.services.timeline import TimelineService
from app.storage.changes import ChangeSet
from app.ui.access_trail import AccessDialog
from app.ui.change_bus import ChangeBus
from app.ui.patients.agenda_panel import PatientAgendaPanel
from app.ui.patients.duplicates_dialog import DuplicatesDialog
from app.ui.patients.form import PatientForm
from app.ui.patients.item_model import ID_ROLE, PatientTableModel
from app.ui.patients.timeline_view import TimelineView
from app.ui.widgets import (
    ask_unsaved,
    label,
    menu_button,
    result_table,
    results_caption,
    reselect,
)


class PatientsView(QWidget):
    """``timeline`` shows the card's history in a second tab; ``pick_contact`` lets the
    card link its referring doctor to the directory (see PatientForm); ``appointments``
    (a DayQueries) shows the patient's appointments in a tab, whose "Book…" button emits
    ``book_requested(patient_id)``."""

    book_requested = Signal(str)

    def __init__(self, service: PatientService, bus: ChangeBus, parent=None, *,
                 timeline: TimelineService | None = None, zone: str = DEFAULT_TIMEZONE,
                 pick_contact=None, duplicates: DuplicateService | None = None,
                 appointments=None, load_now: bool = True, access_trail=None) -> None:
        super().__init__(parent)
        self._loaded = False
        self._service = service
        self._duplicates = duplicates
        self.duplicates_dialog: DuplicatesDialog | None = None
        self._bus = bus
        self._query = ""

        self.title = label(_("Patients"), "PageTitle")
        self.count_label = label("", "Muted", wrap=True)  # wraps rather than widen the window
        self.new_button = QPushButton(_("New patient"))
        self.new_button.setObjectName("Primary")
        self.new_button.setToolTip(_("New patient (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_patient)
        # Less frequent work on the patient file (import, export, duplicates): one menu.
        self.tools_button, self.tools_menu = menu_button(
            _("More"), _("Import, export, possible duplicates"), self)
        if duplicates is not None:
            self.duplicates_action = self.tools_menu.addAction(_("Possible duplicates…"))
            self.duplicates_action.triggered.connect(self.open_duplicates)

        self.model = PatientTableModel(self)
        self.table = result_table(self.model)
        header = self.table.horizontalHeader()
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        # Long town names must not squeeze the patient's name: the town is elided.
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(3, 125)
        self.table.activated.connect(self._open_index)
        self.table.installEventFilter(self)

        self.empty_hint = label("", "InfoBanner", wrap=True)
        self.empty_hint.hide()

        self.form = PatientForm(service, pick_contact=pick_contact,
                                similar=duplicates.similar if duplicates is not None else None)
        self.form.saved.connect(self._saved)
        self.form.open_requested.connect(self._open_existing)
        self.timeline = TimelineView(timeline, zone, merges=duplicates) \
            if timeline is not None else None
        if self.timeline is not None:
            self.form.loaded.connect(lambda pid: self.timeline.show_patient(pid or None))
            self.timeline.cards_changed.connect(self._cards_merged)
        self.agenda_panel = PatientAgendaPanel(appointments, bus) \
            if appointments is not None else None
        if self.agenda_panel is not None:
            self.form.loaded.connect(lambda pid: self.agenda_panel.show_patient(pid or None))
            self.agenda_panel.book_requested.connect(self.book_requested)

        # "Qui a consulté cette fiche ?": the card's entries of the audit trail.
        self._access_trail = access_trail
        self._zone = zone
        self._card_id: str | None = None
        self.access_dialog = None
        self.access_button = QPushButton(_("Who viewed this card?"))
        self.access_button.setEnabled(False)
        self.access_button.setVisible(access_trail is not None)
        self.access_button.clicked.connect(self.show_accesses)
        self.form.loaded.connect(self._card_loaded)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count_label, 1, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.tools_button)
        top.addWidget(self.new_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(16, 12, 8, 12)
        left_layout.addLayout(top)
        left_layout.addWidget(self.empty_hint)
        left_layout.addWidget(self.table)
        right = QWidget()
        right.setObjectName("Card")
        right.setMinimumWidth(500)  # the card is never squeezed into clipping
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(16, 12, 16, 12)
        if self.timeline is None and self.agenda_panel is None:
            right_layout.addWidget(self.form)
        else:
            self.card_tabs = QTabWidget()
            self.card_tabs.setDocumentMode(True)
            self.card_tabs.addTab(self.form, _("Card"))
            if self.agenda_panel is not None:
                self.card_tabs.addTab(self.agenda_panel, _("Appointments"))
            if self.timeline is not None:
                self.card_tabs.addTab(self.timeline, _("History"))
            right_layout.addWidget(self.card_tabs)
        access_row = QHBoxLayout()
        access_row.addStretch()
        access_row.addWidget(self.access_button)
        right_layout.addLayout(access_row)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([560, 510])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 8)
        layout.addWidget(splitter)

        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_patient)
        bus.changed.connect(self._on_changed)
        if load_now:
            self.refresh()

    def _card_loaded(self, patient_id) -> None:
        self._card_id = patient_id or None
        self.access_button.setEnabled(self._card_id is not None)

    def show_accesses(self):
        """The dialog listing who opened, changed or printed the card shown."""
        if self._access_trail is None or self._card_id is None:
            return None
        self.access_dialog = AccessDialog(self._access_trail, PracticeTime(self._zone),
                                          self._card_id, self)
        self.access_dialog.open()
        return self.access_dialog

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:  # built hidden behind the agenda: the list is read when shown
            self.refresh()

    # -- search -------------------------------------------------------------------
    def set_query(self, text: str) -> None:
        self._query = text
        self.refresh()

    def refresh(self, *, keep_selection: bool = False) -> None:
        """Search again; the first result is selected, or with ``keep_selection`` the
        patient selected before, if still listed."""
        self._loaded = True
        kept = self.selected_id() if keep_selection else None
        rows = self._service.search(self._query, limit=MAX_RESULTS)
        self.model.set_rows(rows)
        self.count_label.setText(results_caption(
            self._query, len(rows), MAX_RESULTS, self._service.count,
            lambda n: ngettext("{n} patient", "{n} patients", n).format(n=format_number(n))))
        self._update_empty_hint(bool(rows))
        reselect(self.table, kept)

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.index(index.row(), 0).data(ID_ROLE) if index.isValid() else None

    def _update_empty_hint(self, has_rows: bool) -> None:
        if has_rows:
            self.empty_hint.hide()
            return
        if self._query.strip():
            self.empty_hint.setText(_(
                "No patient matches “{query}”. Check the spelling, or search by phone number "
                "(any format, or its last 4 digits) or birth date (dd/mm/yyyy). Press Ctrl+N "
                "to create the patient.").format(query=self._query.strip()))
        else:
            self.empty_hint.setText(_("No patient yet. Create the first one with “New patient” "
                                      "(Ctrl+N)."))
        self.empty_hint.show()

    def focus_results(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._open_index(index)

    # -- card ---------------------------------------------------------------------
    def confirm_leave(self) -> bool:
        """Unsaved edits on the card may veto switching to another patient."""
        if not self.form.is_dirty:
            return True
        choice = ask_unsaved(self, _("The current patient card has unsaved changes."))
        if choice == "save":
            return self.form.save()
        return choice == "discard"

    def _open_index(self, index) -> None:
        # Only Enter or a double-click opens a card: each opening is an audited read.
        patient_id = self.model.index(index.row(), 0).data(ID_ROLE)
        if patient_id == self.form.current_id or not self.confirm_leave():
            return
        try:
            self.form.load(self._service.get(patient_id))
        except NotFound:
            self.refresh()
            return
        self.form.birth_name.setFocus()

    def _open_existing(self, patient_id: str) -> None:
        """From the "may already have a card" warning: the draft is dropped on purpose."""
        try:
            details = self._service.get(patient_id)
        except NotFound:
            return
        self.form.load(details)
        row = self.model.row_of(patient_id)
        if row >= 0:
            self.table.selectRow(row)
        self.form.birth_name.setFocus()

    def new_patient(self) -> None:
        if not self.confirm_leave():
            return
        self.form.new_patient()
        self.form.birth_name.setFocus()

    def open_duplicates(self) -> None:
        """Pairs of cards that may be one person: merge, dismiss, or undo a merge."""
        if self._duplicates is None or not self.confirm_leave():
            return
        self.duplicates_dialog = DuplicatesDialog(self._duplicates, parent=self)
        self.duplicates_dialog.cards_changed.connect(self._cards_merged)
        self.duplicates_dialog.open()

    def _cards_merged(self, ids: list) -> None:
        # The card on screen was merged or restored: show what it is now.
        current = self.form.current_id
        if current not in ids:
            return
        try:
            self.form.load(self._service.get(current))
        except NotFound:
            self.form.new_patient()

    def _saved(self, patient_id: str) -> None:
        # The store has told the list already (it is up to date): show where the card is.
        row = self.model.row_of(patient_id)
        if row >= 0:
            self.table.selectRow(row)

    def _on_changed(self, changes: ChangeSet) -> None:
        if not changes.touches(kinds.PATIENT, kinds.PATIENT_PHONE):
            return
        if self._loaded:
            self.refresh(keep_selection=True)
        # The card on screen changed through someone else (another user, a peer): show
        # what it is now, unless it holds edits of its own.
        current = self.form.current_id
        if (current and current in changes.ids(kinds.PATIENT) and not self.form.is_dirty
                and not self._bus.is_own(changes)):
            self._cards_merged([current])

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_current()
                return True
        return super().eventFilter(obj, event)
