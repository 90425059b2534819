"""The Patients screen: type-ahead results on the left, the card on the right.

The selected row and the card shown are always the same patient: choosing a row (a
click, the arrows, Enter) opens its card, read-only, and asks first when the card on
screen holds unsaved edits (declining keeps both where they were); after the list is
read again the card's own row is selected, or none when it is not listed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import PermanenceError
from app.i18n import _, format_number, ngettext
from app.services import access
from app.services.errors import NotFound
from app.models import DEFAULT_TIMEZONE, kinds
from app.services.agenda.zone import PracticeTime
from app.services.duplicates import DuplicateService
from app.services.patients import MAX_RESULTS, PatientInput, PatientService
from app.services.timeline import TimelineService
from app.storage.changes import ChangeSet
from app.ui.access_trail import AccessDialog
from app.ui.change_bus import ChangeBus
from app.ui.patients.agenda_panel import PatientAgendaPanel, agenda_summary
from app.ui.patients.duplicates_dialog import DuplicatesDialog
from app.ui.patients.form import EDIT_KEYS, PatientForm
from app.ui.patients.item_model import ID_ROLE, PatientTableModel
from app.ui.patients.rights import PatientRights
from app.ui.patients.timeline_view import TimelineView
from app.ui.failures import show_failure
from app.ui.policy_gate import PolicyGates
from app.ui.widgets import (
    ask_unsaved,
    label,
    menu_button,
    result_table,
    results_caption,
)


class PatientsView(QWidget):
    """``timeline`` shows the card's history in a second tab; ``pick_contact`` lets the
    card link its referring doctor to the directory (see PatientForm); ``appointments``
    (a DayQueries) shows the patient's appointments in a tab, whose "Book…" button emits
    ``book_requested(patient_id)``, and each appointment's "Open in the agenda",
    "Move…" and "Cancel…" emit ``appointment_open_requested``,
    ``appointment_move_requested`` and ``appointment_cancel_requested`` (its id); it
    also gives the card's header its next appointment and unexcused absences."""

    book_requested = Signal(str)
    appointment_open_requested = Signal(str)
    appointment_move_requested = Signal(str)
    appointment_cancel_requested = Signal(str)

    def __init__(self, service: PatientService, bus: ChangeBus, parent=None, *,
                 timeline: TimelineService | None = None, zone: str = DEFAULT_TIMEZONE,
                 pick_contact=None, duplicates: DuplicateService | None = None,
                 appointments=None, load_now: bool = True, access_trail=None,
                 rights=None) -> None:
        super().__init__(parent)
        self._loaded = False
        self._service = service
        self._duplicates = duplicates
        self.duplicates_dialog: DuplicatesDialog | None = None
        self._bus = bus
        self._query = ""
        self._appointments = appointments
        self._syncing = False  # the list's selection set by the screen, not the user

        self.title = label(_("Patients"), "PageTitle")
        self.count_label = label("", "Muted", wrap=True)  # wraps rather than widen the window
        self.new_button = QPushButton(_("New patient"))
        self.new_button.setObjectName("Primary")
        self.new_button.setToolTip(_("New patient (Ctrl+N)"))
        self.new_button.clicked.connect(lambda: self.new_patient())
        # Less frequent work on the patient file (import, export, duplicates): one menu.
        self.tools_button, self.tools_menu = menu_button(
            _("More"), _("Import, export, possible duplicates"), self)
        if duplicates is not None:
            self.duplicates_action = self.tools_menu.addAction(_("Possible duplicates…"))
            self.duplicates_action.triggered.connect(self.open_duplicates)

        # The list shown, to the clipboard (Ctrl+C from the list too): a right of its
        # own, which a remote workstation's policy may forbid.
        self.copy_action = self.tools_menu.addAction(_("Copy the list"))
        self.copy_action.triggered.connect(self.copy_list)
        self.tools_menu.setToolTipsVisible(True)
        self.gates = PolicyGates(service.principal)
        self.gates.add(self.copy_action, access.PATIENTS_COPY)

        self.model = PatientTableModel(self)
        self.table = result_table(self.model)
        header = self.table.horizontalHeader()
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        # Long town names must not squeeze the patient's name: the town is elided.
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(3, 125)
        self.table.activated.connect(self._open_index)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.table.installEventFilter(self)

        self.empty_hint = label("", "InfoBanner", wrap=True)
        self.empty_hint.hide()

        self.form = PatientForm(service, pick_contact=pick_contact,
                                similar=duplicates.similar if duplicates is not None else None,
                                **({"today": appointments.today} if appointments is not None
                                   else {}))
        self.form.loaded.connect(self._show_agenda_summary)
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
            self.agenda_panel.open_requested.connect(self.appointment_open_requested)
            self.agenda_panel.move_requested.connect(self.appointment_move_requested)
            self.agenda_panel.cancel_requested.connect(self.appointment_cancel_requested)

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
        # The patient's rights (owner-only): export everything held, or erase.
        self.rights = PatientRights(rights, self) if rights is not None else None
        self.rights_button, rights_menu = menu_button(
            _("Patient's data (RGPD)"), _("Export everything held about the patient, or "
                                          "erase it"), self)
        self.rights_button.setEnabled(False)
        self.rights_button.setVisible(rights is not None)
        self.rights_export_action = rights_menu.addAction(_("Export the data (PDF and JSON)…"))
        self.rights_export_action.triggered.connect(self.export_rights)
        rights_menu.setToolTipsVisible(True)
        if rights is not None:  # the export is a file: a remote policy may forbid it
            self.gates.add(self.rights_export_action, access.EXPORT)
        self.rights_erase_action = rights_menu.addAction(_("Erase the data for good…"))
        self.rights_erase_action.triggered.connect(self.erase_rights)

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
        access_row.addWidget(self.rights_button)
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

        QShortcut(QKeySequence("Ctrl+N"), self, activated=lambda: self.new_patient())
        bus.changed.connect(self._on_changed)
        if load_now:
            self.refresh()

    def copy_list(self) -> bool:
        """The patients listed, to the clipboard; refused (and said) when the role or
        the practice's policy forbids it: the clipboard is left as it was."""
        try:
            text = self._service.copy_list(list(self.model.rows()))
        except PermanenceError as exc:
            show_failure(self, exc)
            return False
        QApplication.clipboard().setText(text)
        return True

    def _card_loaded(self, patient_id) -> None:
        self._card_id = patient_id or None
        self.access_button.setEnabled(self._card_id is not None)
        self.rights_button.setEnabled(self._card_id is not None)

    def export_rights(self):
        """The card's patient: everything held, as a PDF and JSON (the PDF's path)."""
        if self.rights is None or self._card_id is None:
            return None
        return self.rights.export(self._card_id)

    def erase_rights(self) -> bool:
        """The card's patient erased for good, unless the rule keeps them or the card
        holds unsaved edits."""
        if self.rights is None or self._card_id is None or not self.confirm_leave():
            return False
        erased = self._card_id
        if not self.rights.erase(erased):
            return False
        self._cards_merged([erased])  # the card is gone: an empty one
        return True

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
    def set_query(self, text: str, *, now: bool = True) -> None:
        """Search ``text``; with ``now=False`` (the page is hidden) when next shown."""
        self._query = text
        if now:
            self.refresh()
        else:
            self._loaded = False

    def refresh(self) -> None:
        """Search again; the card's patient stays selected if listed, else no row is
        (the card is never swapped behind the user's back: Enter opens the first row)."""
        self._loaded = True
        rows = self._service.search(self._query, limit=MAX_RESULTS)
        self._syncing = True
        try:
            self.model.set_rows(rows)
            self._select_card_row()
        finally:
            self._syncing = False
        self.count_label.setText(results_caption(
            self._query, len(rows), MAX_RESULTS, self._service.count,
            lambda n: ngettext("{n} patient", "{n} patients", n).format(n=format_number(n))))
        self._update_empty_hint(bool(rows))

    def _select_card_row(self) -> None:
        """Select the card's own row, or none when it is not listed."""
        current = self.form.current_id
        row = self.model.row_of(current) if current else -1
        self._syncing, was = True, self._syncing
        try:
            if row >= 0:
                self.table.selectRow(row)
            else:
                self.table.selectionModel().clear()
        finally:
            self._syncing = was

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
                "(any format, or its last 4 digits) or birth date (dd/mm/yyyy). Press Enter "
                "to create the patient from what was typed.").format(query=self._query.strip()))
        else:
            self.empty_hint.setText(_("No patient yet. Create the first one with “New patient” "
                                      "(Ctrl+N)."))
        self.empty_hint.show()

    def focus_results(self) -> None:
        """Into the list (from the search box): on the card's row, else the first one."""
        if self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)

    def open_current(self) -> None:
        """Enter: the selected row's card, or the first row's when none is selected."""
        index = self.table.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
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
        if choice == "discard":
            self.form.revert()
            return True
        return False

    def _row_chosen(self, current, _previous) -> None:
        if self._syncing or not current.isValid():
            return
        self._open_index(current, focus_card=False)

    def _open_index(self, index, *, focus_card: bool = True) -> None:
        # A row chosen by the user opens its card: each opening is an audited read.
        patient_id = self.model.index(index.row(), 0).data(ID_ROLE)
        if patient_id == self.form.current_id:
            self._select_card_row()
            if focus_card:
                self.form.setFocus()
            return
        if not self.confirm_leave():
            self._select_card_row()  # the card stays: so does its row
            return
        try:
            self.form.load(self._service.get(patient_id))
        except NotFound:
            self.refresh()
            return
        self._select_card_row()
        if focus_card:
            self.form.setFocus()  # read-only: the keys go to the card, not into a field

    def show_patient(self, patient_id: str) -> bool:
        """Open this patient's card (from the agenda) and select its row; False when the
        card stays (unsaved edits kept) or is gone."""
        if patient_id != self.form.current_id:
            if not self.confirm_leave():
                return False
            try:
                self.form.load(self._service.get(patient_id))
            except NotFound:
                return False
        if hasattr(self, "card_tabs"):
            self.card_tabs.setCurrentWidget(self.form)
        self._select_card_row()
        self.form.setFocus()
        return True

    def card_listed(self) -> bool:
        """Whether the card shown has its row in the list."""
        current = self.form.current_id
        return bool(current) and self.model.row_of(current) >= 0

    def _show_agenda_summary(self, patient_id: str) -> None:
        """The card's header: next appointment and unexcused absences."""
        if self._appointments is None or not patient_id:
            self.form.set_agenda_summary("")
            return
        data = self._appointments.patient_agenda(patient_id, upcoming=1, past=0)
        self.form.set_agenda_summary(agenda_summary(data, self._appointments.zone))

    def _open_existing(self, patient_id: str) -> None:
        """From the "may already have a card" warning: the draft is dropped on purpose."""
        try:
            details = self._service.get(patient_id)
        except NotFound:
            return
        self.form.load(details)
        self._select_card_row()
        self.form.setFocus()

    def open_patient(self, patient_id: str) -> bool:
        """The search's way to a card: the list is loaded first, so that the card's row
        is selected; False when the card on screen keeps its unsaved edits or is gone."""
        if not self._loaded:
            self.refresh()
        return self.show_patient(patient_id)

    def new_patient(self, prefill: PatientInput | None = None) -> bool:
        """An empty card, or one ``prefill``-ed from a search that found no one; False
        when the card on screen keeps its unsaved edits."""
        if not self.confirm_leave():
            return False
        self.form.new_patient(prefill)
        self._select_card_row()  # no row: the card is not listed yet
        (self.form.first_empty_field() if prefill is not None else self.form.birth_name).setFocus()
        return True

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
        self._select_card_row()

    def _saved(self, patient_id: str) -> None:
        # The store has told the list already (it is up to date): show where the card is.
        self._select_card_row()

    def _on_changed(self, changes: ChangeSet) -> None:
        if not changes.touches(kinds.PATIENT, kinds.PATIENT_PHONE):
            return
        if self._loaded:
            self.refresh()
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
            if event.matches(QKeySequence.StandardKey.Copy):
                self.copy_list()
                return True
            if QKeySequence(event.keyCombination()) == QKeySequence(EDIT_KEYS):
                self.form.start_editing()  # from the list too: Ctrl+E edits the card shown
                return True
        return super().eventFilter(obj, event)
