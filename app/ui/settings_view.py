"""Réglages: language, the practice, how the database is protected, integrity check;
the agenda's settings and the backups in their own tabs; the access trail and data
protection (retention, erasure, keys) in others (the owner's)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import PermanenceError
from app.i18n import _, current_language
from app.services.security import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES
from app.services.settings import WorkstationSettings
from app.services.workspace import Workspace
from app.storage.keys import MIN_KDF, KeyEnvelope
from app.services import access
from app.ui.access_trail import AccessTrailPage
from app.ui.accounts_tab import AccountsTab
from app.ui.sharing_tab import SharingTab
from app.sync.node import fingerprint_of
from app.updates import how_to_update, version_text
from app.ui.agenda_settings.page import AgendaSettingsPage
from app.ui.backups import BackupRunner, BackupSettings
from app.ui.calls.settings_tab import CallSettingsTab, CallsSettingsPage
from app.ui.data_protection import DataProtectionSettings
from app.ui.practice_settings import PracticeSettings
from app.ui.own_passphrase import OwnPassphraseDialog
from app.ui.rights_tab import RightsTab
from app.ui.tasks import run_in_background
from app.ui.telephony_settings import TelephonySettings
from app.ui.widgets import FieldError, label
from app.ui.failures import failure_text

LANGUAGES = (("fr", "Français"), ("en", "English"))


class SettingsView(QWidget):
    """``agenda_guide_requested``: the guide to the agenda's types and hours."""

    language_changed = Signal(str)
    agenda_guide_requested = Signal()
    idle_minutes_changed = Signal(int)

    def __init__(self, workspace: Workspace, settings: WorkstationSettings,
                 backups: BackupRunner | None = None, parent=None, *,
                 sync_runner=None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._settings = settings
        self._task = None
        # The least Argon2 cost the current passphrase's wrap may have (tests lower it).
        self.kdf_floor = MIN_KDF

        self.language = QComboBox()
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(current_language()))
        self.language.currentIndexChanged.connect(self._language_chosen)

        envelope = KeyEnvelope.load(workspace.paths.envelope)
        ways = []
        if envelope.has_keychain:
            ways.append(_("system keychain"))
        if envelope.has_passphrase:
            ways.append(_("passphrase"))
        ways.append(_("recovery key"))

        self.check_button = QPushButton(_("Check the database"))
        self.check_button.clicked.connect(self._run_checks)
        self.check_result = label(_("Verifies encryption of every page, the database "
                                    "structure, the schema version and the audit trail."),
                                  "Hint", wrap=True)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.addWidget(label(_("Settings"), "PageTitle"))
        self.tabs = QTabWidget()
        general = QWidget()
        # The agenda's settings are built when their tab is first shown: they read every
        # motif, hour set and absence, which the start of the application does not need.
        self._agenda_page: AgendaSettingsPage | None = None
        self.agenda_tab = QWidget()
        agenda_layout = QVBoxLayout(self.agenda_tab)
        agenda_layout.setContentsMargins(0, 0, 0, 0)
        self.guide_button = QPushButton(_("Start from a specialty's templates…"))
        self.guide_button.setToolTip(_("The usual appointment types and weekly hours of a "
                                       "specialty, to tick and adjust"))
        self.guide_button.clicked.connect(self.agenda_guide_requested)
        guide_row = QHBoxLayout()
        guide_row.setContentsMargins(8, 8, 8, 0)
        guide_row.addWidget(label(_("Appointment types and weekly hours can start from those "
                                    "usual in each specialty."), "Hint", wrap=True), 1)
        guide_row.addWidget(self.guide_button)
        agenda_layout.addLayout(guide_row)
        self.practice_tab = PracticeSettings(workspace)
        # The agenda's settings list the practitioners: a change here reaches them.
        self.practice_tab.practitioners.changed.connect(
            lambda: self._agenda_page.reload() if self._agenda_page is not None else None)
        self.tabs.addTab(general, _("General"))
        # What the role may not change is not shown (the services refuse it anyway).
        if workspace.may(access.SETTINGS):
            self.tabs.addTab(self.agenda_tab, _("Agenda"))
            self.tabs.addTab(self.practice_tab, _("Practice"))
        # Calls: the call panel's settings (the practice's) and, below, how this
        # workstation dials (who takes calls) and the Action URL listener (the owner).
        self.calls_tab: CallSettingsTab | None = None
        if workspace.may(access.SETTINGS):
            self.calls_tab = CallSettingsTab(workspace)
        self.telephony_tab: TelephonySettings | None = None
        if workspace.may(access.CALLS_EVENT):
            self.telephony_tab = TelephonySettings(workspace, settings)
        self.calls_page: CallsSettingsPage | None = None
        if self.calls_tab is not None or self.telephony_tab is not None:
            self.calls_page = CallsSettingsPage(self.calls_tab, self.telephony_tab)
            self.tabs.addTab(self.calls_page, _("Calls"))
        self.backups_tab: BackupSettings | None = None
        if workspace.may(access.BACKUPS):
            self.backups_tab = BackupSettings(backups or BackupRunner(workspace, self))
            self.tabs.addTab(self.backups_tab, _("Backups"))
        self.accounts_tab: AccountsTab | None = None
        if workspace.may(access.ACCOUNTS):
            self.accounts_tab = AccountsTab(workspace)
            self.tabs.addTab(self.accounts_tab, _("Accounts"))
        self.rights_tab: RightsTab | None = None
        if workspace.may(access.ACCOUNTS):
            self.rights_tab = RightsTab(workspace)
            self.tabs.addTab(self.rights_tab, _("Rights"))
        self.sharing_tab: SharingTab | None = None
        if workspace.may(access.SYNC_PEERS):
            self.sharing_tab = SharingTab(workspace, runner=sync_runner)
            self.tabs.addTab(self.sharing_tab, _("Sharing"))
        self.data_protection_tab: DataProtectionSettings | None = None
        if workspace.may(access.RETENTION):
            self.data_protection_tab = DataProtectionSettings(workspace)
            self.tabs.addTab(self.data_protection_tab, _("Data protection"))
        # The access trail, the owner's: built when first shown, as the agenda's tab.
        self._trail_page: AccessTrailPage | None = None
        self.trail_tab: QWidget | None = None
        if workspace.may(access.AUDIT_READ):
            self.trail_tab = QWidget()
            QVBoxLayout(self.trail_tab).setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(self.trail_tab, _("Access trail"))
        self.tabs.currentChanged.connect(self._tab_shown)
        outer.addWidget(self.tabs)
        layout = QVBoxLayout(general)

        # One form for every section, so the label column lines up.
        self.language.setMaximumWidth(220)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.addRow(label(_("This workstation"), "SectionTitle"))
        form.addRow(_("Language"), self.language)
        form.addRow(label(_("Security"), "SectionTitle"))
        principal = workspace.principal
        form.addRow(_("Signed in as"), label(_("{name} ({role})").format(
            name=principal.name, role=access.role_label(principal.role))))
        self.own_passphrase_button = QPushButton(_("Change my passphrase…"))
        self.own_passphrase_button.clicked.connect(self.change_own_passphrase)
        self.own_passphrase_button.setVisible(envelope.has_passphrase or not principal.is_owner)
        own_row = QHBoxLayout()
        own_row.addWidget(self.own_passphrase_button)
        own_row.addStretch()
        form.addRow("", own_row)
        # How soon an idle session locks: the owner's to choose, everyone's to know.
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(MIN_IDLE_MINUTES, MAX_IDLE_MINUTES)
        self.idle_minutes.setSuffix(_(" min without use"))
        self.idle_minutes.setValue(workspace.security.idle_minutes())
        self.idle_minutes.setEnabled(workspace.may(access.ACCOUNTS))
        self.idle_minutes.setMaximumWidth(220)
        self.idle_minutes.editingFinished.connect(self._idle_minutes_chosen)
        self.idle_error = FieldError()
        form.addRow(_("Locks after"), self.idle_minutes)
        form.addRow(self.idle_error)
        form.addRow(_("Encryption"), label(_("SQLCipher 4, 256-bit AES key")))
        form.addRow(_("Opens with"), label(", ".join(ways)))
        # What another installation compares before sharing with this one (large in
        # Réglages → Partage, for the owner).
        self.fingerprint = label(fingerprint_of(workspace))
        form.addRow(_("Fingerprint for sharing"), self.fingerprint)
        folder = label(str(workspace.paths.root))
        folder.setWordWrap(True)
        form.addRow(_("Profile folder"), folder)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addStretch()
        form.addRow(row)
        form.addRow(self.check_result)
        # Which version runs, and how to get the next: asked for on the phone by whoever
        # supports the practice.
        form.addRow(label(_("About"), "SectionTitle"))
        self.version = label(version_text())
        form.addRow(_("Version"), self.version)
        self.update_hint = label(how_to_update(), "Hint", wrap=True)
        form.addRow(self.update_hint)
        layout.addLayout(form)
        layout.addStretch()

    def change_own_passphrase(self) -> OwnPassphraseDialog:
        dialog = OwnPassphraseDialog(self._workspace, kdf_floor=self.kdf_floor, parent=self)
        dialog.open()
        return dialog

    def _idle_minutes_chosen(self) -> None:
        minutes = self.idle_minutes.value()
        if minutes == self._workspace.security.idle_minutes():
            return
        try:
            self._workspace.security.set_idle_minutes(minutes)
        except PermanenceError as exc:
            self.idle_error.show_message(failure_text(exc, ""))
            return
        self.idle_error.show_message("")
        self.idle_minutes_changed.emit(minutes)

    def _language_chosen(self) -> None:
        code = self.language.currentData()
        if code != current_language():
            self._settings.set("language", code)
            self.language_changed.emit(code)

    @property
    def agenda(self) -> AgendaSettingsPage:
        if self._agenda_page is None:
            self._agenda_page = AgendaSettingsPage(self._workspace)
            self.agenda_tab.layout().addWidget(self._agenda_page)
        return self._agenda_page

    def show_practice(self) -> PracticeSettings:
        self.tabs.setCurrentWidget(self.practice_tab)
        return self.practice_tab

    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.agenda_tab:
            self.agenda  # noqa: B018 - built on first show
        elif widget is not None and widget is self.trail_tab:
            self.trail  # noqa: B018

    @property
    def trail(self) -> AccessTrailPage | None:
        if self.trail_tab is None:
            return None
        if self._trail_page is None:
            ws = self._workspace
            self._trail_page = AccessTrailPage(ws.audit_trail, ws.patients, ws.zone,
                                               ws.zone.today(ws.clock.now()))
            self.trail_tab.layout().addWidget(self._trail_page)
            self._trail_page.setVisible(self.trail_tab.isVisible())  # not at the next loop
        return self._trail_page

    def show_trail(self) -> AccessTrailPage | None:
        if self.trail_tab is not None:
            self.tabs.setCurrentWidget(self.trail_tab)
        return self.trail

    def show_rights(self) -> RightsTab | None:
        if self.rights_tab is not None:
            self.tabs.setCurrentWidget(self.rights_tab)
        return self.rights_tab

    def show_backups(self) -> BackupSettings | None:
        if self.backups_tab is not None:
            self.tabs.setCurrentWidget(self.backups_tab)
        return self.backups_tab

    def show_sharing(self) -> SharingTab | None:
        if self.sharing_tab is not None:
            self.tabs.setCurrentWidget(self.sharing_tab)
        return self.sharing_tab


    def show_data_protection(self) -> DataProtectionSettings | None:
        if self.data_protection_tab is not None:
            self.tabs.setCurrentWidget(self.data_protection_tab)
        return self.data_protection_tab

    def show_agenda(self) -> AgendaSettingsPage:
        self.tabs.setCurrentWidget(self.agenda_tab)
        return self.agenda

    def _run_checks(self) -> None:
        self.check_button.setEnabled(False)
        self.check_result.setText(_("Checking…"))
        workspace = self._workspace
        self._task = run_in_background(workspace.run_checks, self._show_checks,
                                       self._checks_failed)

    def _show_checks(self, items) -> None:
        self.check_button.setEnabled(True)
        lines = [("✔ " if i.ok else "✘ ") + f"{i.label} — {i.detail}" for i in items]
        lines.append(_("All checks passed.") if all(i.ok for i in items)
                     else _("Some checks failed."))
        self.check_result.setText("\n".join(lines))

    def _checks_failed(self, exc: Exception) -> None:
        self.check_button.setEnabled(True)
        self.check_result.setText(failure_text(exc, _("The check could not run.")))
