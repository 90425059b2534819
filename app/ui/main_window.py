"""The main window: navigation on the left, a global search box, a status bar."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, ngettext
from app.models import ContactCategory, kinds
from app.services import access
from app.ui.policy_gate import PolicyGates
from app.services.agenda.day_queries import DayQueries
from app.services.patient_prefill import prefill_from_search
from app.services.exporting import CONTACTS, PATIENTS
from app.services.settings import WorkstationSettings
from app.services.workspace import Workspace
from app.ui.agenda import booking_tools, confirm_tools, day_tools
from app.ui.agenda.page import AgendaPage
from app.ui.agenda.setup_hint import GUIDE, HOURS, PRACTITIONERS
from app.ui.agenda_settings.starter import AgendaGuide, created_message, open_agenda_guide
from app.ui.backups import BackupRunner
from app.ui.calls.escalation import EscalationBanner
from app.ui.calls.page import CallsPage
from app.ui.calls.panel import CallPanel, PanelHost
from app.ui.calls.statistics import StatisticsPage
from app.ui.data_protection import RetentionRunner
from app.ui.break_glass import EmergencyDialog
from app.ui.change_bus import ChangeBus
from app.ui.consignes.banner import ConsigneBanner
from app.ui.consignes.page import ConsignesPage
from app.ui.directory.picker import ContactPicker
from app.ui.directory.view import DirectoryView
from app.ui.exporting import ExportActions
from app.ui.messages.compose import MessageDialog
from app.ui.messages.page import MessagesPage, UnreadCounter, unread_caption
from app.ui.patients.import_wizard import ImportWizard
from app.ui.patients.new_patient_dialog import NewPatientDialog
from app.ui.patients.view import PatientsView
from app.ui.search_overlay import BOOK, MOVE, OPEN, SearchOverlay
from app.ui.plain import button_text, tooltip
from app.ui.settings_view import SettingsView
from app.ui.sync_runner import SyncRunner
from app.ui.widgets import label


NAV_URGENT = "#fca5a5"  # the Messages entry while an urgent message is unread


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
    lock_requested = Signal()
    # What the signed-in person may do changed (an emergency access opened or ended):
    # the screens are built again, showing what the role may now do.
    rights_changed = Signal()

    renamed = Signal(str)  # the practice's new name (Réglages › Cabinet)

    def __init__(self, workspace: Workspace, settings: WorkstationSettings, bus: ChangeBus,
                 window_state: QSettings, parent=None, *, colour: str = "") -> None:
        """``colour``: the practice's colour when the window holds several practices: a
        band of it with the practice's name tops every page."""
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
                                     # "Who viewed this card?": for who reads the trail.
                                     access_trail=workspace.audit_trail if workspace.may(
                                         access.AUDIT_READ) else None,
                                     rights=workspace.rights if workspace.may(
                                         access.PATIENT_RIGHTS) else None,
                                     pick_contact=lambda parent: ContactPicker.pick(
                                         workspace.directory, parent, category=ContactCategory.GP.value))
        self.directory = DirectoryView(workspace.directory, bus, load_now=False)
        self.messages = MessagesPage(workspace, bus)
        self.messages.new_message_requested.connect(
            lambda pid: self.new_message(recipient_id=pid or None))
        self.consignes = ConsignesPage(workspace, bus)
        self.calls = CallsPage(workspace, bus)
        self.statistics = StatisticsPage(workspace, bus)
        self.backups = BackupRunner(workspace, self)
        self.sync = SyncRunner(workspace, self)
        self.settings = SettingsView(workspace, settings, self.backups, sync_runner=self.sync)
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
        # Exports the role may not do are hidden; those a remote workstation's policy
        # forbids are greyed, saying why, and follow the policy each sync round brings.
        self.gates = PolicyGates(workspace.principal)
        for exports in (self.patient_exports, self.directory_exports):
            for action in (exports.csv_action, exports.vcard_action):
                self.gates.add(action, access.EXPORT)
        self.directory.tools_menu.setToolTipsVisible(True)
        self.sync.status_changed.connect(self.refresh_policy)
        for title, page in ((_("Agenda"), self.agenda), (_("Patients"), self.patients),
                            (_("Directory"), self.directory), (_("Messages"), self.messages),
                            (_("Instructions"), self.consignes), (_("Calls"), self.calls),
                            (_("Statistics"), self.statistics), (_("Settings"), self.settings)):
            self.nav.addItem(title)
            self.pages.addWidget(page)
        # Pages the role may not read are not offered.
        self.nav.setRowHidden(self.pages.indexOf(self.calls),
                              not workspace.may(access.CALLS_LOOKUP))
        self.nav.setRowHidden(self.pages.indexOf(self.statistics),
                              not workspace.may(access.REPORTS))
        # Alt+1…7 go from page to page, in the order of the list (Ctrl+1/2/3 are the
        # agenda's day, week and month).
        for number, page in enumerate((self.agenda, self.patients, self.directory,
                                       self.messages, self.consignes, self.calls,
                                       self.statistics), start=1):
            if self.nav.isRowHidden(self.pages.indexOf(page)):
                continue
            keys = f"Alt+{number}"
            item = self.nav.item(self.pages.indexOf(page))
            item.setToolTip(_("{page} ({keys})").format(page=item.text(), keys=keys))
            QShortcut(QKeySequence(keys), self, activated=lambda p=page: self.show_page(p))
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
        # Leaving the desk, and the emergency access: at the foot of the navigation.
        self.lock_button = QPushButton(_("Lock (Ctrl+L)"))
        self.lock_button.setObjectName("LockButton")
        self.lock_button.setToolTip(_("Hide everything until you type your passphrase again; "
                                      "another person may sign in instead"))
        self.lock_button.clicked.connect(self.lock_requested)
        self._nav_layout = nav_layout

        self.search = QLineEdit()
        self.search.setObjectName("GlobalSearch")
        self.search.setPlaceholderText(_("Search a patient: name, phone, birth date  (Ctrl+K)"))
        self.search.setToolTip(_("Search a patient from any page (Ctrl+K): the results show "
                                 "over the page, Esc goes back"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self._search_enter)
        self.search.installEventFilter(self)
        self._focus_before: QWidget | None = None
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
        self.practice_band = label(workspace.practice.name, "PracticeBand")
        self.practice_band.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.practice_band.setStyleSheet(
            f"background: {colour}; color: white; font-weight: bold; padding: 4px;"
            if colour else "")
        self.practice_band.setVisible(bool(colour))
        content_layout.addWidget(self.practice_band)
        content_layout.addWidget(top)
        # New or changed consignes stay above every screen until this user has read them.
        self.consigne_banner = ConsigneBanner(workspace.consignes, bus)
        content_layout.addWidget(self.consigne_banner)
        # Urgent messages left on a call, unread after the practice's delay.
        self.escalation = EscalationBanner(workspace, bus)
        self.escalation.open_requested.connect(self.show_messages)
        content_layout.addWidget(self.escalation)
        content_layout.addWidget(self.pages, 1)
        # On top of the page shown, over the other widgets of ``content``.
        self.search_overlay = SearchOverlay(workspace.patients, self.search, content)
        self.search_overlay.chosen.connect(self._search_action)
        self.search_overlay.create_requested.connect(self.create_patient_from)
        self.search_overlay.closed.connect(self._restore_focus)
        # The call panel, over the page too (F2, or a call the phone system announces).
        self.call_panel = CallPanel(workspace, PanelHost(
            open_finder=self._finder_for_call, open_mover=self.move_from_card,
            cancel=lambda aid, parent: self.agenda.cancel_appointment(aid, parent),
            new_message=lambda **preset: self.new_message(**preset),
            new_patient=lambda typed, parent: NewPatientDialog(workspace, typed, parent)),
            content)
        self.call_panel.finished.connect(self._call_closed)
        bus.changed.connect(self._call_changes)
        self._waiting_calls: list[str] = []
        self.nav.currentRowChanged.connect(lambda _row: self.search_overlay.hide())
        self.pages.installEventFilter(self)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        central = QWidget()
        central_layout = QHBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(nav_panel)
        central_layout.addWidget(content, 1)
        # While the session is locked the frame shows a blank page instead (idle_lock).
        self.frame = QStackedWidget()
        self.frame.addWidget(central)
        self.locked_page = QWidget()
        self.locked_page.setObjectName("LockedPage")
        locked_layout = QVBoxLayout(self.locked_page)
        locked_layout.addWidget(label(_("Permanence is locked"), "PageTitle"), 0,
                                Qt.AlignmentFlag.AlignCenter)
        self.frame.addWidget(self.locked_page)
        self.setCentralWidget(self.frame)
        self._body = central

        self._build_status_bar()
        for seq in ("Ctrl+K", "Ctrl+F"):
            QShortcut(QKeySequence(seq), self, activated=self.focus_search)
        self.message_dialog: MessageDialog | None = None
        self.new_message_shortcut = QShortcut(QKeySequence("Ctrl+M"), self,
                                              activated=self.new_message)
        self.new_message_shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        self.new_call_shortcut = QShortcut(QKeySequence("F2"), self, activated=self.new_call)
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

    def refresh_policy(self, *_status) -> None:
        """A sync round may have brought a new policy from the practice: the actions it
        governs follow it at once (the services read it at each call anyway)."""
        from app.ui.agenda.day_tools import tools_of

        tools = tools_of(self.agenda)
        for gates in (self.gates, self.patients.gates, self.calls.gates,
                      getattr(tools, "gates", None)):
            if gates is not None:
                gates.refresh()

    def _practice_renamed(self, practice) -> None:
        if not self.is_locked:
            self.setWindowTitle(f"Permanence — {practice.name}")
        self.practice_name.setText(practice.name)
        self.practice_band.setText(practice.name)
        self.renamed.emit(practice.name)

    @property
    def is_locked(self) -> bool:
        return self.frame.currentWidget() is self.locked_page

    def set_locked(self, locked: bool) -> None:
        """Locked: a blank page, no status bar and only "Permanence" as the title (no
        patient, no practice in the task bar); unlocked: the pages as they were."""
        self.search_overlay.hide()
        self.frame.setCurrentWidget(self.locked_page if locked else self._body)
        self.statusBar().setVisible(not locked)
        self.setWindowTitle("Permanence" if locked
                            else f"Permanence — {self._workspace.practice.name}")

    def hold_lock_dialog(self, dialog) -> None:
        """The lock dialog of a practice among several: on its locked page, not over the
        window, so that the other practices stay usable."""
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setParent(self.locked_page, Qt.WindowType.Widget)
        self.locked_page.layout().addWidget(dialog, 0, Qt.AlignmentFlag.AlignHCenter)

    def end_session(self) -> None:
        """Close for good without asking (another person signed in at the lock): what
        was not saved is dropped, and the day's backup is left to the next session."""
        self._ending = True
        self.close()

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
        self.unread_label = label("", "UnreadMessages")
        bar.addPermanentWidget(self.unread_label)
        # The backups' warning: too old, the folder unreachable, none chosen.
        self.backup_warning = QPushButton()
        self.backup_warning.setObjectName("BackupWarning")
        self.backup_warning.setFlat(True)
        self.backup_warning.clicked.connect(self.show_backup_settings)
        bar.addPermanentWidget(self.backup_warning)
        self.backups.status_changed.connect(self._show_backup_status)
        self._show_backup_status(self.backups.status())
        self.backups.start_schedule()
        # The retention rules, once a day (the owner's rules, whoever is signed in).
        self.retention = RetentionRunner(self._workspace, self)
        self.retention.start()
        # The last sync and any problem; a click opens Réglages → Partage.
        self.sync_label = QPushButton()
        self.sync_label.setObjectName("SyncStatus")
        self.sync_label.setFlat(True)
        self.sync_label.clicked.connect(self.show_sharing_settings)
        bar.addPermanentWidget(self.sync_label)
        self.sync.status_changed.connect(self._show_sync_status)
        self._show_sync_status(self.sync.status)
        self.sync.start_schedule()
        self.zone_label = label("")
        bar.addPermanentWidget(self.zone_label)
        self._build_emergency_widgets(bar)
        # The unread count, in the navigation and the status bar, from every screen.
        self.unread = UnreadCounter(self._workspace.messages, self.bus, self)
        self.unread.changed.connect(self._show_unread)
        self._show_unread(self.unread.count.total, self.unread.count.urgent)
        self._zone_timer = QTimer(self)
        self._zone_timer.setSingleShot(True)
        self._zone_timer.timeout.connect(self._update_zone_label)
        self._update_zone_label()

    def _build_emergency_widgets(self, bar) -> None:
        """Break-glass: the button that opens an emergency access (roles that may), the
        access in force with its end and a way to end it, and for the owner how many
        accesses are still to review."""
        ws = self._workspace
        glass = ws.break_glass
        self.emergency_button = QPushButton(_("Emergency access…"))
        self.emergency_button.setObjectName("EmergencyButton")
        self.emergency_button.setToolTip(_("Open, with a reason, what your role may not, "
                                           "for a limited time; the owner sees it"))
        self.emergency_button.clicked.connect(self.open_emergency)
        self.emergency_state = QPushButton()
        self.emergency_state.setObjectName("EmergencyState")
        self.emergency_state.setToolTip(_("Click to end the emergency access now"))
        self.emergency_state.clicked.connect(self.end_emergency)
        current = glass.current()
        self.emergency_button.setVisible(glass.may_open() and current is None)
        self.emergency_state.setVisible(current is not None)
        self._emergency_timer = QTimer(self)
        self._emergency_timer.setSingleShot(True)
        self._emergency_timer.timeout.connect(self.rights_changed)
        if current is not None:
            until = ws.zone.local(current.until)
            self.emergency_state.setText(_("⚠ Emergency until {time}").format(
                time=until.strftime("%H:%M")))
            remaining = (current.until - ws.clock.now()).total_seconds()
            self._emergency_timer.start(max(1000, int(remaining * 1000) + 500))
        self._nav_layout.addWidget(self.emergency_button)
        self._nav_layout.addWidget(self.emergency_state)
        self._nav_layout.addWidget(self.lock_button)
        self.emergency_review = QPushButton()
        self.emergency_review.setObjectName("EmergencyReview")
        self.emergency_review.setFlat(True)
        self.emergency_review.clicked.connect(self.show_rights_settings)
        bar.addPermanentWidget(self.emergency_review)
        if self.settings.rights_tab is not None:
            self.settings.rights_tab.reviewed.connect(self._show_emergency_review)
        self._show_emergency_review()

    def _show_emergency_review(self) -> None:
        count = self._workspace.break_glass.unreviewed()
        self.emergency_review.setText(ngettext(
            "⚠ {n} emergency access to review", "⚠ {n} emergency accesses to review",
            count).format(n=count))
        self.emergency_review.setVisible(bool(count))

    def open_emergency(self) -> EmergencyDialog:
        dialog = EmergencyDialog(self._workspace.break_glass, self)
        dialog.opened.connect(lambda _e: self.rights_changed.emit())
        dialog.open()
        return dialog

    def end_emergency(self) -> None:
        self._workspace.break_glass.end()
        self.rights_changed.emit()

    def show_rights_settings(self):
        self.nav.setCurrentRow(self.pages.indexOf(self.settings))
        return self.settings.show_rights()

    def _show_backup_status(self, status) -> None:
        # Short in the status bar (it shares the line); what to do is in its tooltip.
        self.backup_warning.setText(button_text("⚠ " + status.warning) if status.warning else "")
        self.backup_warning.setToolTip(tooltip(
            _("Backups need attention: click to open Settings › Backups.")))
        # Only to whoever may act on it (Réglages › Sauvegardes is theirs).
        self.backup_warning.setVisible(bool(status.warning)
                                       and self._workspace.may(access.BACKUPS))

    def _show_sync_status(self, status) -> None:
        self.sync_label.setText(button_text(status.text))
        self.sync_label.setToolTip(tooltip("\n".join(status.notices + status.problems)
                                           or _("Synchronisation: Settings › Sharing.")))
        self.sync_label.setVisible(bool(status.text))

    def show_sharing_settings(self):
        self.nav.setCurrentRow(self.pages.indexOf(self.settings))
        return self.settings.show_sharing()

    def show_backup_settings(self):
        self.nav.setCurrentRow(self.pages.indexOf(self.settings))
        return self.settings.show_backups()

    def _update_zone_label(self) -> None:
        """The practice's time, and this workstation's when its clock shows another one;
        refreshed as each minute begins."""
        now = self._workspace.clock.now().astimezone()
        self.zone_label.setText(zone_caption(self._workspace.practice.timezone, now))
        self._zone_timer.start(max(1_000, (60 - now.second) * 1000 - now.microsecond // 1000))

    def _show_unread(self, total: int, urgent: int) -> None:
        item = self.nav.item(self.pages.indexOf(self.messages))
        item.setText(_("Messages ({n})").format(n=total) if total else _("Messages"))
        font = item.font()
        font.setBold(bool(total))
        item.setFont(font)
        if urgent:  # a light red: the navigation is dark
            item.setForeground(QColor(NAV_URGENT))
        else:
            item.setData(Qt.ItemDataRole.ForegroundRole, None)
        caption = unread_caption(self.unread.count)
        self.unread_label.setText(caption)
        self.unread_label.setStyleSheet("color: #b91c1c; font-weight: bold;" if urgent else "")
        self.unread_label.setVisible(bool(caption))

    def show_messages(self) -> None:
        self.nav.setCurrentRow(self.pages.indexOf(self.messages))

    def new_message(self, **preset) -> MessageDialog:
        """"New message" (Ctrl+M, from any screen); an open one is brought back."""
        if self.message_dialog is not None:
            self.message_dialog.raise_()
            self.message_dialog.activateWindow()
            return self.message_dialog
        dialog = MessageDialog(self._workspace, self, **preset)
        dialog.finished.connect(self._message_dialog_closed)
        self.message_dialog = dialog
        dialog.open()
        return dialog

    def _message_dialog_closed(self, *args) -> None:
        if self.message_dialog is not None:
            self.message_dialog.deleteLater()
        self.message_dialog = None

    # -- calls --------------------------------------------------------------------
    def new_call(self) -> bool:
        """F2 "Nouvel appel": a call answered now, the panel open on its caller field.
        With a call already on the panel, F2 brings the panel back instead."""
        if self.call_panel.isVisible() and self.call_panel.call_id:
            self.call_panel.raise_()
            self.call_panel.caller_edit.setFocus()
            return False
        if not (self._workspace.may(access.CALLS_EVENT)
                and self._workspace.may(access.PATIENTS_READ)):
            return False
        call = self._workspace.call_desk.start()
        return self.show_call(call.id)

    def show_call(self, call_id: str) -> bool:
        """The panel on a call already recorded (the phone system's path: its local
        messages call this). A call arriving while another is on the panel waits its
        turn: it opens when that one is closed."""
        panel = self.call_panel
        if panel.isVisible() and panel.call_id and panel.call_id != call_id:
            if call_id not in self._waiting_calls:
                self._waiting_calls.append(call_id)
            return False
        self.search_overlay.hide()
        panel.place(self.pages.geometry())
        return panel.show_call(call_id)

    def _call_closed(self, _call_id: str) -> None:
        while self._waiting_calls:
            if self.show_call(self._waiting_calls.pop(0)):
                return
        self._restore_focus()

    def _finder_for_call(self, patient_id: str | None, **presets):
        """The slot finder for the panel: the agenda under it, the finder preset."""
        self.nav.setCurrentRow(self.pages.indexOf(self.agenda))
        return self.agenda.booking_tools.open_finder(patient_id, **presets)

    def _call_changes(self, changes) -> None:
        # What the panel shows may change elsewhere (a card saved, a message treated).
        if self.call_panel.isVisible() and changes.touches(
                kinds.PATIENT, kinds.PATIENT_PHONE, kinds.APPOINTMENT, kinds.MESSAGE,
                kinds.CALLBACK, kinds.CONSIGNE, kinds.CALL_SETTINGS):
            self.call_panel.refresh()

    def import_patients(self) -> ImportWizard:
        """The CSV import wizard; once it has imported, the store tells the lists."""
        ws = self._workspace
        importer = ws.importer()
        self.import_wizard = ImportWizard(importer, parent=self)
        self.import_wizard.open()
        return self.import_wizard

    # -- pages --------------------------------------------------------------------
    def show_page(self, page: QWidget) -> None:
        self.nav.setCurrentRow(self.pages.indexOf(page))

    def show_patients(self) -> None:
        self.show_page(self.patients)

    # -- search -------------------------------------------------------------------
    def focus_search(self) -> None:
        """Ctrl+K from any page: the search box, its results over the page shown."""
        self.search.setFocus()
        self.search.selectAll()
        if self.pages.currentWidget() is not self.patients and self.search.text().strip():
            self._place_overlay()
            self.search_overlay.search(self.search.text())

    def _search_changed(self, text: str) -> None:
        # The Patients page lists the results itself; any other page keeps its place
        # under the overlay, and the Patients page reads them when it is shown next.
        if self.pages.currentWidget() is self.patients:
            self.patients.set_query(text)
            return
        self.patients.set_query(text, now=False)
        self._place_overlay()
        self.search_overlay.search(text)

    def _search_enter(self) -> None:
        if self.pages.currentWidget() is not self.patients:
            return
        if self.patients.model.rowCount() == 0 and self.search.text().strip():
            self.create_patient_from(self.search.text())  # as over any other page
        else:
            self.patients.open_current()

    def _place_overlay(self) -> None:
        self.search_overlay.place(self.pages.geometry())

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        overlay = self.search_overlay
        if new is self.search and old is not None and not overlay.isAncestorOf(old):
            self._focus_before = old  # where Esc goes back to
        elif (new is not None and new is not self.search and not overlay.isAncestorOf(new)
              and overlay.isVisible() and new.window() is self):
            overlay.hide()  # clicked elsewhere on the page: the results step aside

    def _restore_focus(self) -> None:
        before = self._focus_before
        if before is not None and shiboken6.isValid(before) and before.isVisible():
            before.setFocus()
        else:
            self.pages.currentWidget().setFocus()

    def _search_action(self, action: str, patient_id: str) -> None:
        if action == MOVE:
            self.move_next_appointment(patient_id)
            return
        self.search_overlay.hide()
        if action == BOOK:
            self.book_for_patient(patient_id)
        elif action == OPEN:
            self.open_patient(patient_id)

    def open_patient(self, patient_id: str) -> None:
        """The patient's card, on the Patients page (listing the search's results)."""
        self.show_patients()
        self.patients.open_patient(patient_id)

    def move_next_appointment(self, patient_id: str) -> bool:
        """"Déplacer son prochain RDV": the agenda on the patient's next appointment,
        selected, and the slot finder to move it (Esc leaves it selected, to drag)."""
        upcoming = DayQueries.of(self._workspace).patient_agenda(
            patient_id, upcoming=1, past=0).upcoming
        if not upcoming:
            self.search_overlay.show_message(
                _("{name} has no appointment to come.").format(
                    name=self.search_overlay.current_name()))
            return False
        self.search_overlay.hide()
        self.show_page(self.agenda)
        if not self.agenda.select_appointment(upcoming[0].id):
            return False
        self.agenda.find_new_slot(upcoming[0].id)
        return True

    def create_patient_from(self, text: str) -> None:
        """"Créer ce patient": a new card on the Patients page, prefilled with what was
        typed (a name, a phone number, a birth date)."""
        self.search_overlay.hide()
        self.show_patients()
        today = self._workspace.zone.today(self._workspace.clock.now())
        self.patients.new_patient(prefill_from_search(text, today=today))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.search and event.type() == QEvent.Type.KeyPress:
            on_patients = self.pages.currentWidget() is self.patients
            if on_patients and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                self.patients.focus_results()
                return True
            if (not on_patients and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return,
                                                    Qt.Key.Key_Enter)
                    and self.search.text().strip() and not self.search_overlay.isVisible()):
                self._place_overlay()  # results closed by a click: the keys open them again
                self.search_overlay.search(self.search.text())
                return True
        if obj is self.pages and event.type() == QEvent.Type.Resize:
            self._place_overlay()
            self.call_panel.place(self.pages.geometry())
        return super().eventFilter(obj, event)

    def closeEvent(self, event) -> None:
        if getattr(self, "_ending", False):
            self.backups.timer.stop()
            self.sync.stop()
            self.retention.stop()
            super().closeEvent(event)
            return
        if self.call_panel.keep_open():  # a call is closed only with its outcome
            event.ignore()
            return
        if not self.patients.confirm_leave() or not self.directory.confirm_leave():
            event.ignore()
            return
        # The day's backup, if due, before the profile closes (this is closed again after).
        if self.backups.finish_before_close(self.close, self):
            event.ignore()
            return
        self.sync.stop()
        self.retention.stop()
        self._window_state.setValue("main/geometry", self.saveGeometry())
        super().closeEvent(event)
