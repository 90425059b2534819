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
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.models import ContactCategory
from app.services import access
from app.services.agenda.day_queries import DayQueries
from app.services.exporting import CONTACTS, PATIENTS
from app.services.settings import WorkstationSettings
from app.services.workspace import Workspace
from app.ui.agenda import booking_tools, day_tools
from app.ui.agenda.page import AgendaPage
from app.ui.change_bus import ChangeBus
from app.ui.directory.picker import ContactPicker
from app.ui.directory.view import DirectoryView
from app.ui.exporting import ExportActions
from app.ui.patients.import_wizard import ImportWizard
from app.ui.patients.view import PatientsView
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
        self.settings = SettingsView(workspace, settings)
        self.settings.language_changed.connect(self.language_changed)
        self.import_wizard: ImportWizard | None = None
        self.import_action = self.patients.tools_menu.addAction(_("Import patients (CSV)…"))
        self.import_action.triggered.connect(self.import_patients)
        # What the role may not do is not offered (the services refuse it anyway).
        self.import_action.setVisible(workspace.may(access.PATIENTS_IMPORT))
        self.patient_exports = ExportActions(self.patients.tools_menu, workspace.exports,
                                             entity=PATIENTS, parent=self.patients)
        self.directory_exports = ExportActions(self.directory.tools_menu, workspace.exports,
                                               entity=CONTACTS, parent=self.directory)
        for exports in (self.patient_exports, self.directory_exports):
            for action in (exports.csv_action, exports.vcard_action):
                action.setVisible(workspace.may(access.EXPORT))
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
        practice_name = label(workspace.practice.name, "PracticeName", wrap=True)
        nav_layout.addWidget(practice_name)
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
        self.patients.book_requested.connect(self.book_for_patient)
        self.agenda.grid.setFocus()

    def book_for_patient(self, patient_id: str) -> None:
        """"Book…" on a patient card: the agenda, with the slot finder for that patient."""
        self.nav.setCurrentRow(self.pages.indexOf(self.agenda))
        self.agenda.open_booking(patient_id)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.lock_label = label(_("Encrypted database (SQLCipher), unlocked"))
        bar.addWidget(self.lock_label)
        self.zone_label = label("")
        bar.addPermanentWidget(self.zone_label)
        self._zone_timer = QTimer(self)
        self._zone_timer.setSingleShot(True)
        self._zone_timer.timeout.connect(self._update_zone_label)
        self._update_zone_label()

    def _update_zone_label(self) -> None:
        """The practice's time, and this workstation's when its clock shows another one;
        refreshed as each minute begins."""
        now = self._workspace.clock.now().astimezone()
        self.zone_label.setText(zone_caption(self._workspace.practice.timezone, now))
        self._zone_timer.start(max(1_000, (60 - now.second) * 1000 - now.microsecond // 1000))

    def import_patients(self) -> ImportWizard:
        """The CSV import wizard; once it has imported, the store tells the lists."""
        ws = self._workspace
        importer = ws.importer()
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
        self._window_state.setValue("main/geometry", self.saveGeometry())
        super().closeEvent(event)
