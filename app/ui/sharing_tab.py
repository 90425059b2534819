"""Réglages → Partage (the owner only): this installation's fingerprint, shown large,
the workstations it shares with, and for each what it receives.

Below, the synchronisation: the folder or SFTP server (with its key file), every how
many seconds the application synchronises in the background, "Synchronise now", the
last round's outcome, and the conflicts to resolve (``SyncConflictsView``).

Inviting writes an invitation file (chosen in a save dialog); accepting reads a request
and shows its fingerprint large: the owner pairs only after confirming that the remote
workstation shows the same. Revoking asks first, and so does making new keys for this
installation (``app.sync.rotation``). Every change goes through
``app.sync.pairing.Sharing``, which checks the owner's right and audits it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHeaderView,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.models.sync import PEER_ACTIVE, PEER_INVITED, PEER_REVOKED, PEER_ROLE_REMOTE_SECRETARY
from app.services.access import role_label
from app.services.errors import ValidationError
from app.services.workspace import Workspace
from app.storage import sync_limits
from app.sync.pairing import REQUEST_KIND, read_file, sharing_of, write_new_file
from app.services.workstation_policy import (
    CLIPBOARD, EXPORTS, PRINTING, SCREENSHOTS, WorkstationPolicy,
)
from app.sync.rotation import RETIRED_FOR
from app.sync.scope import IDENTITY_FIELDS, PATIENT_FIELD_GROUPS, Scope
from app.sync.target import LEAST_INTERVAL, MOST_INTERVAL, SyncTarget
from app.ui.failures import failure_text
from app.ui.plain import message_box
from app.ui.sync_conflicts import SyncConflictsView
from app.ui.sync_runner import SyncRunner, SyncStatus
from app.ui.widgets import FieldError, label

# (question) -> True to go on; a dialog by default, tests answer for it.
Confirm = Callable[[str], bool]
# (caption, suggested name) -> a path, or None when the person gave up.
ChoosePath = Callable[[str, str], Path | None]
# (name, fingerprint) -> True once the person confirmed the fingerprints match.
ConfirmFingerprint = Callable[[str, str], bool]

OPTIONAL_GROUPS = (("contact", lambda: _("Contact (phones, e-mail, address)")),
                   ("alert", lambda: _("Alert")),
                   ("referrer", lambda: _("Referring doctor")))
SHARED_KINDS = (("directory", lambda: _("Directory")), ("consignes", lambda: _("Consignes")),
                ("calls", lambda: _("Calls")), ("messages", lambda: _("Messages")),
                ("callbacks", lambda: _("Callbacks")))


FINGERPRINT_POINTS = 22


def state_label(state: str) -> str:
    return {PEER_INVITED: _("invited"), PEER_ACTIVE: _("active"),
            PEER_REVOKED: _("revoked")}.get(state, state)


def fingerprint_label(text: str) -> QWidget:
    """A fingerprint shown large, in fixed-width digits, selectable to compare."""
    shown = label(text, "Fingerprint")
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(FINGERPRINT_POINTS)
    font.setBold(True)
    shown.setFont(font)
    # The theme's style sheet sets labels' fonts: this one says its own.
    shown.setStyleSheet(f"font-family: monospace; font-size: {FINGERPRINT_POINTS}pt; "
                        "font-weight: bold; letter-spacing: 1px; padding: 6px 0;")
    shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return shown


class FingerprintDialog(QDialog):
    """A request's fingerprint, large, to compare with the remote workstation's."""

    def __init__(self, name: str, fingerprint: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Pair with {name}").format(name=name))
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("The workstation {name} sent this fingerprint:").format(
            name=name), wrap=True))
        layout.addWidget(fingerprint_label(fingerprint))
        layout.addWidget(label(_("Check, by phone or in person, that the remote workstation "
                                 "shows exactly the same (Réglages → Partage, or 'permanence "
                                 "node show'). If one digit differs, do not pair."), "Hint",
                               wrap=True))
        buttons = QDialogButtonBox()
        self.match = buttons.addButton(_("The fingerprints match: pair"),
                                       QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def _ask(parent: QWidget) -> Confirm:
    def ask(question: str) -> bool:
        box = message_box(QMessageBox.Icon.Question, "Permanence", question, parent)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes
    return ask


def _save_dialog(parent: QWidget) -> ChoosePath:
    def choose(caption: str, suggested: str) -> Path | None:
        name, _chosen = QFileDialog.getSaveFileName(parent, caption, suggested,
                                                    _("Invitations (*.invite)"))
        return Path(name) if name else None
    return choose


def _open_dialog(parent: QWidget) -> ChoosePath:
    def choose(caption: str, suggested: str) -> Path | None:
        name, _chosen = QFileDialog.getOpenFileName(parent, caption, suggested,
                                                    _("Pairing requests (*.request)"))
        return Path(name) if name else None
    return choose


def _compare_dialog(parent: QWidget) -> ConfirmFingerprint:
    def confirm(name: str, fingerprint: str) -> bool:
        return FingerprintDialog(name, fingerprint, parent).exec() == QDialog.DialogCode.Accepted
    return confirm


class ScopeEditor(QGroupBox):
    """What one workstation receives."""

    def __init__(self, practitioners, parent=None) -> None:
        super().__init__(_("What this workstation receives"), parent)
        self.every_practitioner = QCheckBox(_("Every practitioner, those added later too"))
        self.every_practitioner.toggled.connect(self._every_toggled)
        self.practitioners = QListWidget()
        self.practitioners.setMaximumHeight(64)
        for p in practitioners:
            item = QListWidgetItem(p.display_name)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.practitioners.addItem(item)
        self.days_back = QSpinBox()
        self.days_back.setRange(0, 3660)
        self.days_back.setSuffix(_(" days back"))
        self.days_ahead = QSpinBox()
        self.days_ahead.setRange(0, 3660)
        self.days_ahead.setSuffix(_(" days ahead"))
        self.identity = QCheckBox(_("Identity (always, to tell homonyms apart)"))
        self.identity.setChecked(True)
        self.identity.setEnabled(False)
        self.groups = {key: QCheckBox(text()) for key, text in OPTIONAL_GROUPS}
        self.kinds = {key: QCheckBox(text()) for key, text in SHARED_KINDS}

        window = QHBoxLayout()
        window.addWidget(self.days_back)
        window.addWidget(self.days_ahead)
        window.addStretch()
        fields = QVBoxLayout()
        fields.addWidget(self.identity)
        optional = QHBoxLayout()
        for box in self.groups.values():
            optional.addWidget(box)
        optional.addWidget(label(_("Never the administrative note."), "Hint"))
        optional.addStretch()
        fields.addLayout(optional)
        shared = QHBoxLayout()
        for box in self.kinds.values():
            shared.addWidget(box)
        shared.addStretch()
        form = QFormLayout(self)
        form.addRow(_("Agendas"), self.every_practitioner)
        form.addRow("", self.practitioners)
        form.addRow(_("Window"), window)
        form.addRow(_("Patients' fields"), fields)
        form.addRow(_("Also"), shared)

    def _every_toggled(self, every: bool) -> None:
        self.practitioners.setEnabled(not every)

    def show_scope(self, scope: Scope) -> None:
        self.every_practitioner.setChecked(scope.practitioners is None)
        self._every_toggled(scope.practitioners is None)
        for row in range(self.practitioners.count()):
            item = self.practitioners.item(row)
            taken = scope.practitioners is None or \
                item.data(Qt.ItemDataRole.UserRole) in scope.practitioners
            item.setCheckState(Qt.CheckState.Checked if taken else Qt.CheckState.Unchecked)
        self.days_back.setValue(scope.days_back or 0)
        self.days_ahead.setValue(scope.days_ahead or 0)
        for key, box in self.groups.items():
            box.setChecked(set(PATIENT_FIELD_GROUPS[key]) <= scope.patient_fields)
        for key, box in self.kinds.items():
            box.setChecked(getattr(scope, key))

    def scope(self) -> Scope:
        practitioners = None
        if not self.every_practitioner.isChecked():
            practitioners = frozenset(
                self.practitioners.item(r).data(Qt.ItemDataRole.UserRole)
                for r in range(self.practitioners.count())
                if self.practitioners.item(r).checkState() == Qt.CheckState.Checked)
        fields = set(IDENTITY_FIELDS)
        for key, box in self.groups.items():
            if box.isChecked():
                fields |= set(PATIENT_FIELD_GROUPS[key])
        return Scope(practitioners=practitioners, days_back=self.days_back.value(),
                     days_ahead=self.days_ahead.value(), patient_fields=frozenset(fields),
                     **{key: box.isChecked() for key, box in self.kinds.items()})


def _policy_items():
    return ((EXPORTS, _("Export files (patients, directory, agenda, calls, RGPD, day report "
                        "PDF)")),
            (PRINTING, _("Print (agenda, day report)")),
            (CLIPBOARD, _("Copy a patient list to the clipboard")),
            (SCREENSHOTS, _("Take screenshots of the application")))


class PolicyEditor(QGroupBox):
    """What one workstation may do with what it receives: the owner's policy, enforced
    on that workstation (everything forbidden by default)."""

    def __init__(self, parent=None) -> None:
        super().__init__(_("What this workstation may do"), parent)
        self.boxes = {key: QCheckBox(text) for key, text in _policy_items()}
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Enforced on the workstation for every account there; it "
                                 "follows from its next sync. Unticked: forbidden."), "Hint",
                               wrap=True))
        for box in self.boxes.values():
            layout.addWidget(box)

    def show_policy(self, policy: WorkstationPolicy) -> None:
        for key, box in self.boxes.items():
            box.setChecked(getattr(policy, key))

    def policy(self) -> WorkstationPolicy:
        return WorkstationPolicy(**{key: box.isChecked() for key, box in self.boxes.items()})


class SharingTab(QWidget):
    def __init__(self, workspace: Workspace, *, confirm: Confirm | None = None,
                 choose_save: ChoosePath | None = None, choose_open: ChoosePath | None = None,
                 confirm_fingerprint: ConfirmFingerprint | None = None,
                 runner: SyncRunner | None = None, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.runner = runner or SyncRunner(workspace, self)
        self._sharing = sharing_of(workspace)
        self._confirm = confirm or _ask(self)
        self._choose_save = choose_save or _save_dialog(self)
        self._choose_open = choose_open or _open_dialog(self)
        self._confirm_fingerprint = confirm_fingerprint or _compare_dialog(self)
        self._peers = []

        node = self._sharing.node()
        self.fingerprint = fingerprint_label(node.fingerprint)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("Workstation"), _("Role"), _("State"),
                                              _("Fingerprint")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setMaximumHeight(120)
        self.table.itemSelectionChanged.connect(self._selected_changed)

        self.name = QLineEdit()
        self.name.setMaxLength(40)
        self.name.setPlaceholderText(_("e.g. secretariat-quimper"))
        self.invite_button = QPushButton(_("Invite a workstation…"))
        self.invite_button.setObjectName("Primary")
        self.invite_button.clicked.connect(self.invite)
        self.accept_button = QPushButton(_("Accept a request…"))
        self.accept_button.clicked.connect(self.accept_request)
        self.revoke_button = QPushButton(_("Revoke the selected workstation"))
        self.revoke_button.clicked.connect(self.revoke)
        self.scope_editor = ScopeEditor(workspace.practitioners())
        self.save_scope_button = QPushButton(_("Save what it receives"))
        self.save_scope_button.clicked.connect(self.save_scope)
        self.policy_editor = PolicyEditor()
        self.save_policy_button = QPushButton(_("Save what it may do"))
        self.save_policy_button.clicked.connect(self.save_policy)
        self.rotate_button = QPushButton(_("New keys for this installation…"))
        self.rotate_button.clicked.connect(self.rotate_keys)
        self.error = FieldError()
        self.done = label("", "Hint", wrap=True)

        top = QHBoxLayout()
        top.addWidget(label(_("This installation's fingerprint"), "SectionTitle"))
        top.addStretch()
        top.addWidget(self.rotate_button)
        # Pairing, scope, synchronisation and conflicts: taller than a small screen, the
        # page scrolls rather than squeezing its rows.
        body = QWidget()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        layout = QVBoxLayout(body)
        layout.addLayout(top)
        layout.addWidget(self.fingerprint)
        layout.addWidget(label(_("A remote secretary's workstation receives, encrypted and "
                                 "signed, only what you share with it. Before pairing, each "
                                 "side reads its fingerprint to the other."), "Hint",
                               wrap=True))
        invite_row = QHBoxLayout()
        invite_row.addWidget(label(_("Name")))
        invite_row.addWidget(self.name, 1)
        invite_row.addWidget(self.invite_button)
        invite_row.addWidget(self.accept_button)
        layout.addLayout(invite_row)
        layout.addWidget(self.table)
        revoke_row = QHBoxLayout()
        revoke_row.addStretch()
        revoke_row.addWidget(self.revoke_button)
        layout.addLayout(revoke_row)
        layout.addWidget(self.scope_editor)
        scope_row = QHBoxLayout()
        scope_row.addStretch()
        scope_row.addWidget(self.save_scope_button)
        layout.addLayout(scope_row)
        layout.addWidget(self.policy_editor)
        policy_row = QHBoxLayout()
        policy_row.addStretch()
        policy_row.addWidget(self.save_policy_button)
        layout.addLayout(policy_row)
        layout.addWidget(self.error)
        layout.addWidget(self.done)
        layout.addWidget(self._sync_box())
        self.conflicts = SyncConflictsView.of(workspace)
        conflicts_box = QGroupBox(_("Conflicts to resolve"))
        QVBoxLayout(conflicts_box).addWidget(self.conflicts)
        layout.addWidget(conflicts_box)
        layout.addStretch()
        self.runner.status_changed.connect(self._show_sync_status)
        self.runner.finished.connect(self._synchronised)
        self.reload()
        self._show_sync_status(self.runner.status)

    # -- synchronisation ---------------------------------------------------------------
    def _sync_box(self) -> QGroupBox:
        box = QGroupBox(_("Synchronisation"))
        target = self.runner.target
        self.via = QLineEdit(target.via)
        self.via.setPlaceholderText(_("a shared folder, or sftp://user@server:22/path"))
        self.identity = QLineEdit(target.identity)
        self.identity.setPlaceholderText(_("SFTP only: the private key file"))
        self.host_key = QLineEdit(target.host_key)
        self.host_key.setPlaceholderText(_("SFTP, optional: the server's public key file"))
        self.interval = QSpinBox()
        self.interval.setRange(LEAST_INTERVAL, MOST_INTERVAL)
        self.interval.setValue(target.interval)
        self.interval.setSuffix(_(" s"))
        self.max_offline = QSpinBox()
        self.max_offline.setRange(sync_limits.LEAST_DAYS, sync_limits.MOST_DAYS)
        self.max_offline.setValue(self._sharing.max_offline_days())
        self.max_offline.setSuffix(_(" days"))
        self.max_offline.setToolTip(_("A workstation that has not acknowledged what was sent "
                                      "to it for longer must be paired again."))
        self.save_sync_button = QPushButton(_("Save"))
        self.save_sync_button.clicked.connect(self.save_sync)
        self.sync_now_button = QPushButton(_("Synchronise now"))
        self.sync_now_button.clicked.connect(self.sync_now)
        self.confirm_button = QPushButton(_("Apply the held deletions…"))
        self.confirm_button.clicked.connect(self.confirm_deletions)
        self.sync_status = label("", "Hint", wrap=True)
        self.sync_problems = label("", "Hint", wrap=True)
        self.sync_error = FieldError()
        form = QFormLayout(box)
        form.addRow(_("Folder or server"), self.via)
        form.addRow(_("Key file"), self.identity)
        form.addRow(_("Server's key"), self.host_key)
        form.addRow(_("Every"), self.interval)
        form.addRow(_("Longest offline period"), self.max_offline)
        row = QHBoxLayout()
        row.addWidget(self.sync_status, 1)
        row.addWidget(self.save_sync_button)
        row.addWidget(self.sync_now_button)
        form.addRow(row)
        form.addRow(self.sync_problems)
        held_row = QHBoxLayout()
        held_row.addStretch()
        held_row.addWidget(self.confirm_button)
        form.addRow(held_row)
        form.addRow(self.sync_error)
        return box

    def save_sync(self) -> bool:
        try:
            self.runner.set_target(SyncTarget(self.via.text(), self.identity.text(),
                                              self.host_key.text(), self.interval.value()))
            if self.max_offline.value() != self._sharing.max_offline_days():
                self._sharing.set_max_offline_days(self.max_offline.value())
        except ValidationError as exc:
            self.sync_error.show_message("\n".join(exc.errors.values()))
            return False
        except Exception as exc:  # noqa: BLE001 - said beside the fields, nothing saved
            self.sync_error.show_message(failure_text(exc))
            return False
        self.sync_error.show_message("")
        return True

    def sync_now(self) -> bool:
        if not self.runner.target.via:
            self.sync_error.show_message(_("Choose the folder or server first, then save."))
            return False
        self.sync_error.show_message("")
        started = self.runner.run_now()
        if started:
            self.sync_status.setText(_("Synchronising…"))
        return started

    def confirm_deletions(self) -> bool:
        """The owner, having read what a batch would delete, applies it."""
        held = self.runner.status.held
        if not held or not self._confirm(_(
                "Apply the deletions sent by {peers}? The records will be deleted here too "
                "(the trail keeps who confirmed).").format(peers=", ".join(held))):
            return False
        started = self.runner.run_now(confirm_deletions=frozenset(held))
        if started:
            self.sync_status.setText(_("Synchronising…"))
        return started

    def _show_sync_status(self, status: SyncStatus) -> None:
        if not status.configured:
            self.sync_status.setText(_("Not synchronised: choose a folder or a server."))
        elif status.last_at is None and not status.problems:
            self.sync_status.setText(_("Not synchronised yet."))
        else:
            self.sync_status.setText(status.text)
        self.sync_problems.setText("\n".join(status.notices + status.problems))
        self.sync_now_button.setEnabled(status.configured)
        self.confirm_button.setVisible(bool(status.held))

    def _synchronised(self, _result) -> None:
        selected = self.selected()
        self.reload(select=selected.name if selected else None)
        self.conflicts.reload()

    # -- the list --------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        self._peers = self._sharing.list()
        self.table.setRowCount(len(self._peers))
        for row, p in enumerate(self._peers):
            for col, text in enumerate((p.name, _role(p.role), state_label(p.state),
                                        p.fingerprint or "—")):
                self.table.setItem(row, col, QTableWidgetItem(text))
        chosen = next((i for i, p in enumerate(self._peers) if p.name == select), None)
        if chosen is None and self._peers:
            chosen = 0
        if chosen is not None:
            self.table.selectRow(chosen)
        self._selected_changed()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self._peers[rows[0].row()] if rows else None

    def _selected_changed(self) -> None:
        peer = self.selected()
        editable = peer is not None and peer.state != PEER_REVOKED
        self.scope_editor.setEnabled(editable)
        self.save_scope_button.setEnabled(editable)
        self.revoke_button.setEnabled(editable)
        # The practice sets a workstation's policy, never the other way round.
        governed = editable and peer.role == PEER_ROLE_REMOTE_SECRETARY
        self.policy_editor.setEnabled(governed)
        self.save_policy_button.setEnabled(governed)
        if peer is not None:
            self.scope_editor.show_scope(peer.scope)
            self.policy_editor.show_policy(peer.policy)

    def _say(self, done: str = "", error: str = "") -> None:
        self.done.setText(done)
        self.error.show_message(error)

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError):
            self._say(error="\n".join(exc.errors.values()))
        else:
            self._say(error=failure_text(exc))

    # -- actions ---------------------------------------------------------------------
    def invite(self) -> bool:
        name = self.name.text().strip().lower()
        if not name:
            self._say(error=_("Give the workstation a name first."))
            return False
        path = self._choose_save(_("Save the invitation"), f"{name}.invite")
        if path is None:
            return False
        if path.exists():
            self._say(error=_("{path} exists already: Permanence never replaces it. Choose "
                              "another name.").format(path=path))
            return False
        try:
            data = self._sharing.invite(name, PEER_ROLE_REMOTE_SECRETARY)
            write_new_file(path, data)
        except Exception as exc:  # noqa: BLE001 - said under the form
            self._fail(exc)
            return False
        self.name.clear()
        self.reload(select=name)
        self._say(_("Invitation written to {path}. Send it to the remote workstation; it "
                    "expires in 7 days.").format(path=path))
        return True

    def accept_request(self) -> bool:
        path = self._choose_open(_("Open a pairing request"), "")
        if path is None:
            return False
        try:
            data = read_file(path, REQUEST_KIND)
            request = self._sharing.read_request(data, path=str(path))
        except Exception as exc:  # noqa: BLE001 - said under the form
            self._fail(exc)
            return False
        name = request.body["peer_name"]
        if not self._confirm_fingerprint(name, request.fingerprint):
            self._say(_("Not paired: nothing was changed."))
            return False
        try:
            peer = self._sharing.accept(data, request.fingerprint, path=str(path))
        except Exception as exc:  # noqa: BLE001 - said under the form
            self._fail(exc)
            return False
        self.reload(select=peer.name)
        self._say(_("Paired with {name}. Check what it receives below.").format(
            name=peer.name))
        return True

    def revoke(self) -> bool:
        peer = self.selected()
        if peer is None or peer.state == PEER_REVOKED:
            return False
        if not self._confirm(_("Revoke {name}? Nothing more will be exchanged with it; to "
                               "share again, it must be invited anew.").format(
                                   name=peer.name)):
            return False
        try:
            self._sharing.revoke(peer.name)
        except Exception as exc:  # noqa: BLE001 - said under the form
            self._fail(exc)
            return False
        self.reload(select=peer.name)
        self._say(_("{name} is revoked: nothing more is exchanged with it.").format(
            name=peer.name))
        return True

    def rotate_keys(self) -> bool:
        """New keys for this installation, once the owner confirms; the paired
        workstations learn them at their next sync."""
        if not self._confirm(_(
                "Make new keys for this installation? Its fingerprint changes; the paired "
                "workstations learn the new keys at their next sync, and a workstation "
                "not synchronised within {days} days must be paired again.").format(
                    days=RETIRED_FOR.days)):
            return False
        try:
            rotated = self._sharing.rotate_keys()
        except Exception as exc:  # noqa: BLE001 - said under the form
            self._fail(exc)
            return False
        self.fingerprint.setText(rotated.new_fingerprint)
        self._say(_("New keys made. Old fingerprint: {old}. New fingerprint: {new}.").format(
            old=rotated.old_fingerprint, new=rotated.new_fingerprint))
        return True

    def save_scope(self) -> bool:
        return self._save_for_selected(
            lambda name: self._sharing.set_scope(name, self.scope_editor.scope()),
            _("Saved: {name} receives this from its next sync."))

    def save_policy(self) -> bool:
        return self._save_for_selected(
            lambda name: self._sharing.set_policy(name, self.policy_editor.policy()),
            _("Saved: {name} follows this policy from its next sync."))

    def _save_for_selected(self, save, done: str) -> bool:
        """Save something of the selected workstation; said under the form either way."""
        peer = self.selected()
        if peer is None:
            return False
        try:
            save(peer.name)
        except Exception as exc:  # noqa: BLE001 - said under the form
            self._fail(exc)
            return False
        self.reload(select=peer.name)
        self._say(done.format(name=peer.name))
        return True


def _role(role: str) -> str:
    if role == PEER_ROLE_REMOTE_SECRETARY:
        return role_label(role)
    return _("practice")
