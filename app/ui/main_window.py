"""The main window: navigation on the left, a global search box, a status bar."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.models import ContactCategory
from app.services.agenda.day_queries import DayQueries
from app.services.importing import PatientImporter
from app.services.exporting import CONTACTS, PATIENTS
from app.services.settings import WorkstationSettings
from app.services.workspace import Workspace
from app.ui.agenda import booking_tools, confirm_tools, day_tools
from app.ui.agenda.page import AgendaPage
from app.ui.agenda.setup_hint import GUIDE, HOURS, PRACTITIONERS
from app.ui.agenda_settings.starter import AgendaGuide, created_message, open_agenda_guide
from app.ui.backups import BackupRunner
from app.ui.change_bus import ChangeBus
from app.ui.directory.picker import ContactPicker
from app.ui.directory.view import DirectoryView
from app.ui.exporting import ExportActions
from app.ui.patients.import_wizard import ImportWizard
from app.ui.patients.view import PatientsView
from app.ui.plain import button_text
from app.ui.settings_view import SettingsView
from app.ui.widgets import label


def zone_differs(practice_zone: str, now: datetime | None = None) -> bool:
    now = now or datetime.now().astimezone()
    return now.utcoffset() != now.astimezone(ZoneInfo(practice_zone)).utcoffset()


def _offset_text(delta: timedelta) -> str:
    """"+1 h", "−2 h 30", "+30 min"."""
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    if not hours:
        return _("{sign}{minutes} min").format(sign=sign, minutes=rest)
    if not rest:
        return _("{sign}{hours} h").format(sign=sign, hours=hours)
    return _("{sign}{hours} h {minutes}").format(sign=sign, hours=hours, minutes=f"{rest:02d}")


def zone_caption(practice_zone: str, now: datetime) -> str:
    """The status bar's clock line: the practice's zone alone when this workstation
    keeps the same time, else both times and the difference
    ("Practice time (Europe/Paris): 09:30 — here 10:30 (+1 h)")."""
    if not zone_differs(practice_zone, now):
        return practice_zone
    practice_now = now.astimezone(ZoneInfo(practice_zone))
    diff = now.utcoffset() - practice_now.utcoffset()
    return _("Practice time ({zone}): {time} — here {local} ({diff})").format(
        zone=practice_zone, time=practice_now.strftime("%H:%M"), local=now.strftime("%H:%M"),
        diff=_offset_text(diff))


class MainWindow(QMainWindow):
    language_changed = Signal(str)

    def __init__(self, workspace: Workspace, settings: WorkstationSettings, bus: ChangeBus,
                 window_state: QSettings, parent=None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.bus = bus
        self._window_state = window_state
        self.setWindowTitle(f"Permanence — {workspace.practice.name}")
        self.resize(1280, 800)

        # Navigation: only screens that exist; later features add their entries here.
        self.nav = QListWidget()
        self.nav.setObjectName("NavList")
        self.pages = QStackedWidget()
        # The agenda first: the screen the practice lives in, open on today.
        self.agenda = AgendaPage(workspace, bus)
        self.patients = PatientsView(workspace.patients, bus, timeline=workspace.timeline,
                                     zone=workspace.practice.timezone,
                                     duplicates=workspace.duplicates,
                                     appointments=DayQueries.of(workspace), load_now=False,
                                     pick_contact=lambda parent: ContactPicker.pick(
                                         workspace.directory, parent, category=ContactCategory.GP.value))
        self.directory = DirectoryView(workspace.directory, bus, load_now=False)
        self.backups = BackupRunner(workspace, self)
        self.settings = SettingsView(workspace, settings, self.backups)
        self.settings.language_changed.connect(self.language_changed)
        self.import_wizard: ImportWizard | None = None
        self.import_action = self.patients.tools_menu.addAction(_("Import patients (CSV)…"))
        self.import_action.triggered.connect(self.import_patients)
        self.patient_exports = ExportActions(self.patients.tools_menu, workspace.exports,
                                             entity=PATIENTS, parent=self.patients)
        self.directory_exports = ExportActions(self.directory.tools_menu, workspace.exports,
                                               entity=CONTACTS, parent=self.directory)
        for title, page in ((_("Agenda"), self.agenda), (_("Patients"), self.patients),
                            (_("Directory"), self.directory), (_("Settings"), self.settings)):
            self.nav.addItem(title)
            self.pages.addWidget(page)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(self.pages.indexOf(self.agenda))

        nav_panel = QWidget()
        nav_panel.setObjectName("NavPanel")
        nav_panel.setFixedWidth(210)
        nav_layout = QVBoxLayout(nav_panel)
        nav_layout.setContentsMargins(0, 0, 0, 0)
        nav_layout.setSpacing(0)
        nav_layout.addWidget(label("Permanence", "AppTitle"))
        self.practice_name = label(workspace.practice.name, "PracticeName", wrap=True)
        nav_layout.addWidget(self.practice_name)
        nav_layout.addWidget(self.nav, 1)

        self.search = QLineEdit()
        self.search.setObjectName("GlobalSearch")
        self.search.setPlaceholderText(_("Search a patient: name, phone, birth date  (Ctrl+K)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self._search_enter)
        self.search.installEventFilter(self)
        top = QWidget()
        top.setObjectName("TopBar")
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(16, 8, 16, 8)
        top_layout.addWidget(self.search)
        top_layout.addStretch()

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(0)
        content_layout.addWidget(top)
        content_layout.addWidget(self.pages, 1)
        central = QWidget()
        central_layout = QHBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(nav_panel)
        central_layout.addWidget(content, 1)
        self.setCentralWidget(central)

        self._build_status_bar()
        for seq in ("Ctrl+K", "Ctrl+F"):
            QShortcut(QKeySequence(seq), self, activated=self.focus_search)
        geometry = window_state.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        # The agenda's tools plug in once the page exists; the card books through them.
        booking_tools.install(self.agenda)
        day_tools.install(self.agenda)
        confirm_tools.install(self.agenda)
        self.patients.book_requested.connect(self.book_for_patient)
        self.agenda.patient_requested.connect(self.open_patient_card)
        self.patients.appointment_open_requested.connect(self.open_in_agenda)
        self.patients.appointment_move_requested.connect(self.move_from_card)
        self.patients.appointment_cancel_requested.connect(
            lambda aid: self.agenda.cancel_appointment(aid, self.patients))
        self.agenda_guide: AgendaGuide | None = None
        self.agenda.setup_requested.connect(self.open_agenda_setup)
        self.settings.agenda_guide_requested.connect(self.open_agenda_guide)
        self.settings.practice_tab.details.saved.connect(self._practice_renamed)
        self.agenda.grid.setFocus()

    def _practice_renamed(self, practice) -> None:
        self.setWindowTitle(f"Permanence — {practice.name}")
        self.practice_name.setText(practice.name)

    def open_agenda_guide(self) -> AgendaGuide:
        """The guide to the agenda's types and hours, over the agenda it sets up."""
        if self.agenda_guide is not None:
            if self.agenda_guide.isVisible():
                self.agenda_guide.raise_()
                return self.agenda_guide
            self.agenda_guide.deleteLater()  # read again: the practice may have changed
        self.nav.setCurrentRow(self.pages.indexOf(self.agenda))
        guide = open_agenda_guide(self._workspace, self)
        guide.created.connect(lambda types, weeks: self.agenda.show_message(
            created_message(types, weeks)))
        self.agenda_guide = guide
        return guide

    def open_agenda_setup(self, target: str, practitioner_id: str = "") -> None:
        """Where a hint of what the agenda lacks leads: the guide, the agenda settings'
        types or weekly hours (of that practitioner), or the practitioners."""
        if target == GUIDE:
            self.open_agenda_guide()
            return
        self.nav.setCurrentRow(self.pages.indexOf(self.settings))
        if target == PRACTITIONERS:
            self.settings.show_practice()
            return
        page = self.settings.show_agenda()
        page.show_section(1 if target == HOURS else 0)
        if target == HOURS and practitioner_id:
            combo = page.hours.practitioner
            index = combo.findData(practitioner_id)
            if index >= 0:
                combo.setCurrentIndex(index)

    def book_for_patient(self, patient_id: str) -> None:
        """"Book…" on a patient card: the agenda, with the slot finder for that patient."""
        self.nav.setCurrentRow(self.pages.indexOf(self.agenda))
        self.agenda.open_booking(patient_id)

    def open_patient_card(self, patient_id: str) -> bool:
        """"Open the patient card" in the agenda: the Patients screen, that card shown and
        its row selected (the search is emptied when it hides the row)."""
        self.show_patients()
        if not self.patients.show_patient(patient_id):
            return False
        if not self.patients.card_listed() and self.search.text():
            self.search.clear()  # the list is read again, on the card's row
        return True

    def open_in_agenda(self, appointment_id: str) -> bool:
        """From a patient card: the appointment's day in the agenda, the appointment selected."""
        self.nav.setCurrentRow(self.pages.indexOf(self.agenda))
        return self.agenda.select_appointment(appointment_id)

    def move_from_card(self, appointment_id: str):
        """From a patient card: the agenda on the appointment, and the slot finder to move it."""
        self.open_in_agenda(appointment_id)
        return self.agenda.find_new_slot(appointment_id)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.lock_label = label(_("Encrypted database (SQLCipher), unlocked"))
        bar.addWidget(self.lock_label)
        # The backups' warning: too old, the folder unreachable, none chosen.
        self.backup_warning = QPushButton()
        self.backup_warning.setObjectName("BackupWarning")
        self.backup_warning.setFlat(True)
        self.backup_warning.clicked.connect(self.show_backup_settings)
        bar.addPermanentWidget(self.backup_warning)
        self.backups.status_changed.connect(self._show_backup_status)
        self._show_backup_status(self.backups.status())
        self.backups.start_schedule()
        self.zone_label = label("")
        bar.addPermanentWidget(self.zone_label)
        self._zone_timer = QTimer(self)
        self._zone_timer.setSingleShot(True)
        self._zone_timer.timeout.connect(self._update_zone_label)
        self._update_zone_label()

    def _show_backup_status(self, status) -> None:
        self.backup_warning.setText(button_text("⚠ " + status.warning) if status.warning else "")
        self.backup_warning.setVisible(bool(status.warning))

    def show_backup_settings(self):
        self.nav.setCurrentRow(self.pages.indexOf(self.settings))
        return self.settings.show_backups()

    def _update_zone_label(self) -> None:
        """The practice's time, and this workstation's when its clock shows another one;
        refreshed as each minute begins."""
        now = self._workspace.clock.now().astimezone()
        self.zone_label.setText(zone_caption(self._workspace.practice.timezone, now))
        self._zone_timer.start(max(1_000, (60 - now.second) * 1000 - now.microsecond // 1000))

    def import_patients(self) -> ImportWizard:
        """The CSV import wizard; once it has imported, the store tells the lists."""
        ws = self._workspace
        importer = PatientImporter(ws.store, actor_id=ws.user_id, clock=ws.clock)
        self.import_wizard = ImportWizard(importer, parent=self)
        self.import_wizard.open()
        return self.import_wizard

    # -- search -------------------------------------------------------------------
    def show_patients(self) -> None:
        self.nav.setCurrentRow(self.pages.indexOf(self.patients))

    def focus_search(self) -> None:
        self.show_patients()
        self.search.setFocus()
        self.search.selectAll()

    def _search_changed(self, text: str) -> None:
        self.show_patients()
        self.patients.set_query(text)

    def _search_enter(self) -> None:
        self.show_patients()
        self.patients.open_current()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.search and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                self.patients.focus_results()
                return True
        return super().eventFilter(obj, event)

    def closeEvent(self, event) -> None:
        if not self.patients.confirm_leave() or not self.directory.confirm_leave():
            event.ignore()
            return
        # The day's backup, if due, before the profile closes (this is closed again after).
        if self.backups.finish_before_close(self.close, self):
            event.ignore()
            return
        self._window_state.setValue("main/geometry", self.saveGeometry())
        super().closeEvent(event)
