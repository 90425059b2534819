"""Réglages: language, the practice, how the database is protected, integrity check;
the agenda's settings in their own tab."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, current_language
from app.services.settings import WorkstationSettings
from app.services.workspace import Workspace
from app.storage.keys import KeyEnvelope
from app.services import access
from app.ui.accounts_tab import AccountsTab
from app.ui.agenda_settings.page import AgendaSettingsPage
from app.ui.tasks import run_in_background
from app.ui.widgets import label
from app.ui.failures import failure_text

LANGUAGES = (("fr", "Français"), ("en", "English"))


class SettingsView(QWidget):
    language_changed = Signal(str)

    def __init__(self, workspace: Workspace, settings: WorkstationSettings, parent=None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._settings = settings
        self._task = None

        self.language = QComboBox()
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(current_language()))
        self.language.currentIndexChanged.connect(self._language_chosen)

        practice = workspace.practice
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
        self.tabs.addTab(general, _("General"))
        # What the role may not change is not shown (the services refuse it anyway).
        if workspace.may(access.SETTINGS):
            self.tabs.addTab(self.agenda_tab, _("Agenda"))
        self.accounts_tab: AccountsTab | None = None
        if workspace.may(access.ACCOUNTS):
            self.accounts_tab = AccountsTab(workspace)
            self.tabs.addTab(self.accounts_tab, _("Accounts"))
        self.tabs.currentChanged.connect(
            lambda i: self.agenda if self.tabs.widget(i) is self.agenda_tab else None)
        outer.addWidget(self.tabs)
        layout = QVBoxLayout(general)

        # One form for every section, so the label column lines up.
        self.language.setMaximumWidth(220)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.addRow(label(_("This workstation"), "SectionTitle"))
        form.addRow(_("Language"), self.language)
        form.addRow(label(_("Practice"), "SectionTitle"))
        form.addRow(_("Name"), label(practice.name))
        form.addRow(_("Time zone"), label(practice.timezone))
        form.addRow(_("Address"), label(practice.address or "—"))
        form.addRow(label(_("Security"), "SectionTitle"))
        principal = workspace.principal
        form.addRow(_("Signed in as"), label(_("{name} ({role})").format(
            name=principal.name, role=access.role_label(principal.role))))
        form.addRow(_("Encryption"), label(_("SQLCipher 4, 256-bit AES key")))
        form.addRow(_("Opens with"), label(", ".join(ways)))
        folder = label(str(workspace.paths.root))
        folder.setWordWrap(True)
        form.addRow(_("Profile folder"), folder)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(self.check_result)
        layout.addStretch()

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
