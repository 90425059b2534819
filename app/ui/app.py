"""GUI start-up, in order: display check, i18n, QApplication, unlock or first-run
setup, open and migrate, main window. (Logging, the exception hook and process
hardening are done by the CLI before this runs.)"""

from __future__ import annotations

import os
import sys
import time

from collections.abc import Callable
from pathlib import Path

import sqlcipher3
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from app import i18n
from app.i18n import _
from app.services import access
from app.clock import Clock
from app.logging_setup import configure as configure_logging
from app.services.practice import PracticeInput
from app.services.settings import WorkstationSettings
from app.services.workspace import PendingPractice, Workspace, open_workspace, prepare_practice
from app.storage.errors import ProfileLockedError, StorageError, WrongSecretError, write_failure
from app.storage.keychain import Keychain
from app.storage.keys import MIN_KDF, KdfParams
from app.storage.private import touch_private
from app.storage.signin import SignedIn, sign_in
from app.storage.lock import ProfileLock
from app.storage.profile import (
    ProfilePaths,
    exposure_warning,
    load_envelope,
    restore_keychain_entry,
    try_demo_unlock,
    try_keychain_unlock,
)
from app.ui.change_bus import ChangeBus
from app.ui.failures import failure_text, show_failure
from app.ui.idle_lock import RESUME, IdleWatcher, LockDialog, SessionLock
from app.ui.key_custody import RekeyProgress, RekeyRun, rekeyed_text
from app.ui.main_window import MainWindow
from app.ui.os_session import OsSessionWatcher
from app.ui.practice_shell import PracticeShell
from app.ui.plain import message_box
from app.ui.setup_wizard import SetupWizard
from app.ui.theme import apply_theme, install_qt_translations
from app.ui.telephony import Telephony, window_locked
from app.ui.unlock_dialog import UnlockDialog

BENCH_READY_ENV = "PERMANENCE_BENCH_READY"
_STARTED = time.perf_counter()


class GuiSession:
    """Owns the open workspace and the main window; rebuilds the window on a language
    change (every label is re-translated without reopening the database)."""

    def __init__(self, app: QApplication, workspace: Workspace, settings: WorkstationSettings,
                 *, kdf_floor: KdfParams = MIN_KDF, keychain: Keychain | None = None,
                 os_session: OsSessionWatcher | None = None, host=None) -> None:
        """``host``: the ``PracticeShell`` that holds this practice's window among
        others (its ``place(session, window)`` shows it); None: a window of its own."""
        self.app = app
        self.host = host
        self.workspace = workspace
        self.settings = settings
        self.kdf_floor = kdf_floor
        self.keychain = keychain
        self.bus = ChangeBus(workspace, workspace.initiator)
        ini = workspace.paths.root / "window.ini"
        try:
            touch_private(ini)  # Qt keeps the mode of an existing file
        except OSError:
            pass  # geometry is not worth a failed start
        self.window_state = QSettings(str(ini), QSettings.Format.IniFormat)
        self.window: MainWindow | None = None
        # The commands' channel, the Action URL listener and click-to-dial, with the
        # person signed in now; a ringing call opens the call panel of the window shown.
        self.telephony = Telephony(lambda: self.workspace, settings, workspace.paths.root,
                                   locked=lambda: window_locked(self.window))
        self.lock: SessionLock | None = None
        self._switching_to: tuple | None = None
        self._stale = False  # another practice changed the language while this one was locked
        self.watcher = IdleWatcher(workspace.clock, workspace.security.idle_minutes())
        self.watcher.idle.connect(self.lock_now)
        self.watcher.lock_requested.connect(self.lock_now)
        # The workstation's own lock or sleep locks the session too.
        self.os_session = os_session or OsSessionWatcher()
        self.os_session.locking.connect(self.lock_now)

    def show(self, *, first_start: bool = False) -> MainWindow:
        """``first_start``: the practice was just created by the setup assistant; its
        agenda has no types and no hours yet, so the guide to them opens over it."""
        colour = self.host.colour_of(self) if self.host is not None else ""
        self.window = MainWindow(self.workspace, self.settings, self.bus, self.window_state,
                                 colour=colour)
        self.window.language_changed.connect(self._switch_language)
        self.telephony.attach(self.window)
        self.window.lock_requested.connect(self.lock_now)
        self.window.rights_changed.connect(self._rebuild)
        self.window.settings.idle_minutes_changed.connect(self.watcher.set_minutes)
        self.window.settings.kdf_floor = self.kdf_floor
        keys_tab = self.window.settings.data_protection_tab
        if keys_tab is not None:
            keys_tab.keychain, keys_tab.kdf_floor = self.keychain, self.kdf_floor
            keys_tab.rekey_requested.connect(self.rekey)
        self.lock = SessionLock(self.window, self._lock_dialog, scoped=self.host is not None)
        self.lock.resumed.connect(self.watcher.start)
        self.lock.resumed.connect(self._resumed)
        self.lock.switch_requested.connect(self._switch_user)
        if self.host is not None:
            self.host.place(self, self.window)
        else:
            self.window.show()
            self.os_session.watch_window(self.window)
        self.watcher.start()
        if first_start:
            self.window.open_agenda_guide()
        return self.window

    # -- the lock -----------------------------------------------------------------
    def lock_now(self) -> None:
        """After the idle minutes, on Ctrl+L or the status bar's button."""
        self.watcher.pause()
        if self.window is not None:
            self.window.retention.interrupt()  # its batch ends; the next check goes on
        if self.lock is not None:
            self.lock.lock()

    def _lock_dialog(self, parent) -> LockDialog:
        ws = self.workspace
        person = ws.principal
        return LockDialog(self._unlock, profile_label=str(ws.paths.root), person=person.name,
                          person_label=_("{name} ({role})").format(
                              name=person.name, role=access.role_label(person.role)),
                          owner=person.is_owner,
                          has_passphrase=load_envelope(ws.paths).has_passphrase, parent=parent)

    def _unlock(self, name: str | None, secret: str, is_recovery: bool):
        """``RESUME`` for the secret of the person signed in; another person's sign-in
        (checked: an enabled account of this practice) to switch to."""
        ws = self.workspace
        if is_recovery:
            signed = sign_in(ws.paths, clock=ws.clock, recovery_key=secret)
        else:
            signed = sign_in(ws.paths, clock=ws.clock, name=name, passphrase=secret,
                             kdf_floor=self.kdf_floor)
        who = ws.check_sign_in(signed)
        return RESUME if who.user_id == ws.principal.user_id else signed

    def _switch_user(self, signed: SignedIn) -> None:
        """Another person signed in at the lock: the first session ends (its dialogs
        are cancelled, its window closed, the practice closed), then the practice opens
        for the new person. A backup under way is waited for first."""
        old_window = self.window
        self.watcher.pause()
        for window in QApplication.topLevelWidgets():
            if window is not old_window and isinstance(window, QDialog) and window.isVisible() \
                    and (self.host is None or self.lock._owned(window)):
                window.reject()
        self._switching_to = (signed, old_window, self.workspace)
        if old_window.backups.running:
            old_window.backups.done.connect(self._finish_switch)
            old_window.backups.failed.connect(self._finish_switch)
        else:
            # Once the cancelled dialogs' own event loops have returned.
            QTimer.singleShot(0, self._finish_switch)

    def _finish_switch(self, *_args) -> None:
        if self._switching_to is None:
            return
        signed, old_window, old = self._switching_to
        self._switching_to = None
        self.lock.release()
        old_window.end_session()
        old_window.deleteLater()
        old.close()
        try:
            self.workspace = open_workspace(old.paths, signed.key, clock=old.clock,
                                            keychain=self.keychain)
        except StorageError as exc:
            message_box(QMessageBox.Icon.Critical, "Permanence", exc.user_message).exec()
            self.app.quit()
            return
        self.bus = ChangeBus(self.workspace, self.workspace.initiator)
        self.watcher.set_minutes(self.workspace.security.idle_minutes())
        self.show()

    # -- a new database key -------------------------------------------------------------
    def rekey(self, request) -> RekeyProgress | None:
        """Re-encrypt the practice under a new key (``key_custody``): the window and
        the practice close, the rekey runs off the UI thread behind a progress dialog
        that cannot be closed, then the practice opens again under its new key (or,
        if the rekey failed before its swap, under the old one) with what happened."""
        old_window, old = self.window, self.workspace
        if old_window.backups.running:
            message_box(QMessageBox.Icon.Information, _("Re-encrypt under a new key"), _(
                "A backup is under way; try again once it is done."), old_window).open()
            return None
        self.watcher.pause()
        progress = RekeyProgress()
        progress.show()  # before the window closes: the application keeps a window
        for window in QApplication.topLevelWidgets():
            if window is not progress and isinstance(window, QDialog) and window.isVisible():
                window.reject()
        if self.lock is not None:
            self.lock.release()
        # The phone channel sees the practice as locked until it opens again.
        self.window = progress
        old_window.end_session()
        old_window.deleteLater()
        paths, key, clock, kdf = old.paths, old.profile.key, old.clock, old.kdf
        old.close()
        run = RekeyRun()
        run.step.connect(progress.show_step)
        run.done.connect(lambda result: self._rekeyed(progress, paths, result.key, clock,
                                                      rekeyed_text(result), None))
        run.failed.connect(lambda exc: self._rekeyed(progress, paths, key, clock, None, exc))
        run.start(paths, key, passphrase=request.passphrase, clock=clock,
                  keychain=self.keychain, kdf=kdf, kdf_floor=self.kdf_floor)
        self.rekey_run = run
        return progress

    def _rekeyed(self, progress, paths, key: bytes, clock, text: str | None,
                 failure: Exception | None) -> None:
        try:
            self.workspace = open_workspace(paths, key, clock=clock, keychain=self.keychain)
        except Exception as exc:  # noqa: BLE001 - worded by failure_text
            progress.finish()
            message_box(QMessageBox.Icon.Critical, "Permanence", _(
                "{failure}\n\nPermanence closes; start it again to open the practice.").format(
                    failure=failure_text(failure or exc)), None).exec()
            self.app.quit()
            return
        self.bus = ChangeBus(self.workspace, self.workspace.initiator)
        self.watcher.set_minutes(self.workspace.security.idle_minutes())
        window = self.show()
        progress.finish()
        progress.deleteLater()
        if failure is not None:
            self.rekey_message = show_failure(window, failure)
        else:
            box = message_box(QMessageBox.Icon.Information, _("Re-encrypt under a new key"),
                              text, window)
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.open()
            self.rekey_message = box

    def _switch_language(self, language: str) -> None:
        i18n.set_language(language)
        install_qt_translations(self.app, language)
        self._rebuild()
        if self.host is not None:  # one window speaks one language: the others follow
            self.host.retranslate(except_for=self)

    def rebuild(self) -> None:
        """The window again, in the language now chosen (another practice's Réglages);
        a locked one once it is unlocked (its lock dialog is on its page)."""
        if self.window is not None and self.window.is_locked:
            self._stale = True
            return
        self._rebuild()

    def _resumed(self) -> None:
        if self._stale:
            self._stale = False
            self._rebuild()

    def _rebuild(self) -> None:
        """The window again, on the same page (a new language, new rights)."""
        old = self.window
        new = self.show()
        new.nav.setCurrentRow(old.nav.currentRow())
        new.setGeometry(old.geometry())
        old.sync.stop()  # the old window's sync timer ends with it, its round first
        old.retention.stop()
        old.hide()
        old.deleteLater()


def _setup_new_practice(paths: ProfilePaths, clock: Clock, *, keychain: Keychain | None = None,
                        kdf: KdfParams = KdfParams(),
                        run: Callable[[SetupWizard], int] = SetupWizard.exec,
                        ) -> Workspace | None:
    """The setup assistant. The practice is built aside when its protection is chosen,
    and moved into the profile folder only once its recovery key has been acknowledged
    (Finish): closed before, nothing is created. ``run`` shows the assistant (tests
    drive it)."""
    keychain = keychain or Keychain()
    pending: list[PendingPractice] = []

    def creator(practice: PracticeInput, passphrase: str | None, use_keychain: bool) -> str:
        for earlier in pending:  # created, then Back to change the protection
            earlier.discard()
        pending.clear()
        pending.append(prepare_practice(paths, practice, passphrase=passphrase,
                                        keychain=keychain if use_keychain else None,
                                        clock=clock, kdf=kdf))
        return pending[0].recovery_key

    wizard = SetupWizard(creator, keychain_problem=keychain.unusable_reason())
    accepted = run(wizard) == QDialog.DialogCode.Accepted
    if not pending:
        return None
    if not accepted:
        pending[0].discard()
        return None
    try:
        return pending[0].place(clock=clock)
    except BaseException:
        pending[0].discard()
        raise


def install_storage_error_dialog() -> None:
    """A storage failure in the middle of a session (a full disk, the lock lost to
    another instance) is shown in the user's words; the exception hook installed by
    the command line still logs it."""
    logged = sys.excepthook

    def hook(exc_type, exc, tb):
        if not isinstance(exc, StorageError):
            logged(exc_type, exc, tb)
            return
        _log_only(exc, tb)
        message_box(QMessageBox.Icon.Critical, "Permanence", exc.user_message,
                    QApplication.activeWindow()).exec()

    sys.excepthook = hook


def _log_only(exc: BaseException, tb) -> None:
    from app.logging_setup import log, scrubbed_traceback

    log.error("storage failure: %s", scrubbed_traceback(exc.with_traceback(tb)))


def _unlock_and_open(paths: ProfilePaths, passphrase: str | None, clock: Clock,
                     kdf_floor: KdfParams = MIN_KDF, user: str | None = None) -> Workspace | None:
    """Silently for the owner on a keychain workstation or a demo practice, as before
    accounts; with the passphrase given (``user``'s own, the owner's by default); else the
    sign-in prompt."""
    keychain = Keychain()
    key = None
    if user is None:
        key = try_keychain_unlock(paths, keychain)
        if key is None and passphrase is None:
            key = try_demo_unlock(paths)  # None unless the profile is marked as a demo
    if key is None and passphrase is not None:
        try:
            key = sign_in(paths, clock=clock, name=user, passphrase=passphrase,
                          kdf_floor=kdf_floor).key
            return open_workspace(paths, key, clock=clock, keychain=keychain)
        except WrongSecretError:
            key = None  # fall through to the prompt
    if key is not None:
        # The keychain also keeps the audit trail's last checkpoint, where it can.
        return open_workspace(paths, key, clock=clock, keychain=keychain)
    return _sign_in_dialog(paths, clock, keychain, kdf_floor)


def _sign_in_dialog(paths: ProfilePaths, clock: Clock, keychain: Keychain,
                    kdf_floor: KdfParams = MIN_KDF,
                    run: Callable[[UnlockDialog], int] = UnlockDialog.exec) -> Workspace | None:
    """The sign-in prompt: an account and its own passphrase (or the owner's recovery
    key). The practice is opened inside it, so a name that is no account, a disabled
    one or a locked one is said there and the person tries again. ``run`` shows it
    (tests drive it)."""
    envelope = load_envelope(paths)

    def unlocker(name: str | None, secret: str, is_recovery: bool) -> Workspace:
        if is_recovery:
            signed = sign_in(paths, clock=clock, recovery_key=secret)
        else:
            signed = sign_in(paths, clock=clock, name=name, passphrase=secret,
                             kdf_floor=kdf_floor)
        return open_workspace(paths, signed.key, clock=clock, keychain=keychain)

    dialog = UnlockDialog(unlocker, profile_label=str(paths.root),
                          has_passphrase=envelope.has_passphrase)
    if not run(dialog) or dialog.key is None:
        return None
    workspace = dialog.key
    if dialog.used_recovery_key and envelope.has_keychain:
        try:
            restore_keychain_entry(paths, workspace.profile.key, keychain)
        except StorageError as exc:
            message_box(QMessageBox.Icon.Warning, "Permanence", exc.user_message).exec()
    return workspace


def run_gui(paths: ProfilePaths, *, passphrase: str | None, clock: Clock,
            settings: WorkstationSettings, kdf_floor: KdfParams = MIN_KDF,
            user: str | None = None, dial: str | None = None) -> int:
    """``settings``: this workstation's, with the command line's choices for this run;
    ``kdf_floor``: the least Argon2 cost a key file may ask for (tests use a cheaper
    practice; the program never lowers it); ``dial``: a tel: URI to dial once the window
    is up."""
    language = settings.get("language")
    i18n.set_language(language)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Permanence")
    apply_theme(app)
    install_qt_translations(app, language)

    try:
        # A second instance (or a read-only profile) says so before asking for anything.
        if paths.exists():
            probe = ProfileLock(paths.root)
            try:
                probe.acquire()
                probe.release()
            except ProfileLockedError as exc:
                message_box(QMessageBox.Icon.Warning, "Permanence", exc.user_message).exec()
                return exc.exit_code
        first_start = not paths.exists()
        if first_start:
            workspace = _setup_new_practice(paths, clock)
        else:
            workspace = _unlock_and_open(paths, passphrase, clock, kdf_floor, user)
    except (StorageError, OSError, sqlcipher3.Error, SQLAlchemyError) as exc:
        failure = exc if isinstance(exc, StorageError) else write_failure(exc, paths.root)
        if failure is None:
            raise
        message_box(QMessageBox.Icon.Critical, "Permanence", failure.user_message).exec()
        return failure.exit_code
    if workspace is None:
        return 0
    configure_logging(paths.logs)
    exposure = exposure_warning(paths)
    if exposure:
        message_box(QMessageBox.Icon.Warning, "Permanence", exposure).exec()
    install_storage_error_dialog()

    shell = PracticeShell()
    opener = ShellOpener(app, shell, clock, kdf_floor)
    shell.set_opener(opener)
    session = opener.add(workspace, settings,
                         first_start=first_start and not os.environ.get(BENCH_READY_ENV))
    shell.router.start()
    shell.show()
    session.os_session.watch_window(shell)
    if dial:
        QTimer.singleShot(0, lambda: session.telephony.dialer.dial(dial))
    if os.environ.get(BENCH_READY_ENV):
        # Launch benchmark: report once the first paint is done and the loop is idle.
        def ready() -> None:
            print(f"READY {time.perf_counter() - _STARTED:.3f}", flush=True)
            shell.close()
            app.quit()

        QTimer.singleShot(0, ready)
    try:
        return app.exec()
    finally:
        shell.router.stop()
        shell.hide()
        for each in opener.sessions:
            # Its timers (backups, sync) end with it, before its practice closes.
            each.window.end_session()
            each.telephony.stop()
            each.watcher.stop()
            each.os_session.stop()
            each.workspace.close()


class ShellOpener:
    """Opens practices in the window: the first one, then each profile added with
    "Open a practice…" (its own sign-in, as at start), or created there by the setup
    assistant when the folder holds no practice yet (as at a first start)."""

    def __init__(self, app: QApplication, shell: PracticeShell, clock: Clock,
                 kdf_floor: KdfParams = MIN_KDF, *, keychain: Keychain | None = None,
                 unlock: Callable[..., Workspace | None] | None = None,
                 setup: Callable[[ProfilePaths], Workspace | None] | None = None) -> None:
        self.app = app
        self.shell = shell
        self.clock = clock
        self._setup = setup or (lambda paths: _setup_new_practice(
            paths, self.clock, keychain=self.keychain))
        self.kdf_floor = kdf_floor
        self.keychain = keychain or Keychain()
        self._unlock = unlock or _unlock_and_open
        self.sessions: list[GuiSession] = []

    def add(self, workspace: Workspace, settings: WorkstationSettings, *,
            first_start: bool = False) -> GuiSession:
        session = GuiSession(self.app, workspace, settings, kdf_floor=self.kdf_floor,
                             keychain=self.keychain, host=self.shell)
        self.sessions.append(session)
        if len(self.sessions) == 1:  # the practice opened at start keeps the window's place
            self.shell.keep_geometry(session.window_state)
        # Ctrl+L is leaving the desk: every practice locks (each watcher may see it).
        session.watcher.lock_requested.connect(self.lock_all)
        session.show(first_start=first_start)
        # A call announced with this practice's --profile shows it too.
        session.telephony.server.call_arrived.connect(
            lambda _call_id, s=session: self.shell.switch_to(s))
        session.telephony.start()
        return session

    def lock_all(self) -> None:
        for session in self.sessions:
            session.lock_now()

    def __call__(self, root: Path) -> bool:
        """Open the profile at ``root`` in the window (or create one where there is
        none); False (said) if it cannot be."""
        paths = ProfilePaths(Path(root))
        if not paths.exists():
            return self._opened(paths, lambda: self._setup(paths), first_start=True)
        if not paths.is_profile():
            message_box(QMessageBox.Icon.Warning, "Permanence",
                        _("{path} holds no practice: choose the folder of a practice's "
                          "profile.").format(path=paths.root), self.shell).exec()
            return False

        def unlock() -> Workspace | None:
            probe = ProfileLock(paths.root)
            probe.acquire()
            probe.release()
            account = self._settings(paths).get("account") or None
            return self._unlock(paths, None, self.clock, self.kdf_floor, account)

        return self._opened(paths, unlock)

    def _settings(self, paths: ProfilePaths) -> WorkstationSettings:
        return WorkstationSettings(paths.workstation_settings,
                                   overrides={"language": i18n.current_language()})

    def _opened(self, paths: ProfilePaths, open_: Callable[[], Workspace | None], *,
                first_start: bool = False) -> bool:
        """Add the practice ``open_`` signs in to (or the setup assistant creates, its
        agenda guide over it); None: the person gave up, nothing to say."""
        try:
            workspace = open_()
        except (StorageError, OSError, sqlcipher3.Error, SQLAlchemyError) as exc:
            failure = exc if isinstance(exc, StorageError) else write_failure(exc, paths.root)
            if failure is None:
                raise
            message_box(QMessageBox.Icon.Critical, "Permanence", failure.user_message,
                        self.shell).exec()
            return False
        if workspace is None:
            return False
        self.add(workspace, self._settings(paths), first_start=first_start)
        return True
