"""The application's sync: a round every N seconds (Réglages → Partage) and on demand,
off the UI thread, one at a time. What arrives reaches the screens through the change
bus (the store tells it, whatever thread committed); the status bar and the Partage tab
show the last round and any problem (``status_changed``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from app.i18n import _, ngettext
from app.services.workspace import Workspace
from app.sync.round import RoundResult, held_message
from app.sync.target import SyncTarget, run_round_of, set_target_of, target_of
from app.sync.transport import pinned_notice
from app.ui.failures import failure_text
from app.ui.tasks import run_in_background


@dataclass(frozen=True)
class SyncStatus:
    configured: bool
    last_at: datetime | None = None  # the end of the last round that ran
    text: str = ""  # one line for the status bar
    problems: tuple[str, ...] = ()  # each said whole (refusals, held deletions, errors)
    notices: tuple[str, ...] = ()  # e.g. a server's key pinned at the first connection
    held: tuple[str, ...] = ()  # the peers whose batch waits for the owner's confirmation


def summary(result: RoundResult, zone) -> SyncStatus:
    problems: list[str] = []
    for p in result.peers:
        if p.refused_batch is not None:
            problems.append("{peer}: {reason}".format(peer=p.name,
                                                      reason=p.refused_batch.user_message))
        elif p.error and p.held is None:
            problems.append("{peer}: {reason}".format(peer=p.name, reason=p.error))
        if p.held is not None:
            problems.append(held_message(p.name, p.held))
        problems.extend(_("{peer}: a change refused: {reason}").format(
            peer=p.name, reason=r.message) for r in p.refused_changes)
        problems.extend("{peer}: {warning}".format(peer=p.name, warning=w)
                        for w in p.warnings)
    if result.wiped:
        problems.append(_("The practice {practice} revoked this workstation: what it held "
                          "of the practice was deleted from this profile.").format(
                              practice=result.wiped))
    at = zone.local(result.at).strftime("%H:%M") if result.at else ""
    text = _("Synchronised at {time}").format(time=at)
    if problems:
        text = "⚠ " + ngettext("Synchronised at {time}: {n} problem",
                               "Synchronised at {time}: {n} problems",
                               len(problems)).format(time=at, n=len(problems))
    return SyncStatus(True, result.at, text, tuple(problems),
                      held=tuple(p.name for p in result.peers if p.held is not None))


class SyncRunner(QObject):
    """Signals: ``status_changed(SyncStatus)`` after each round (or failure) and after the
    target changed; ``finished(RoundResult)``."""

    status_changed = Signal(object)
    finished = Signal(object)

    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._task = None
        self.target = target_of(workspace)
        self.status = SyncStatus(bool(self.target.via))
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.run_now)

    def start_schedule(self) -> None:
        if self.target.via:
            self.timer.start(self.target.interval * 1000)
        else:
            self.timer.stop()

    @property
    def running(self) -> bool:
        return self._task is not None

    def set_target(self, target: SyncTarget) -> SyncTarget:
        """Save (``ValidationError`` when wrong: nothing saved) and reschedule."""
        self.target = set_target_of(self._ws, target)
        self.status = SyncStatus(bool(self.target.via))
        self.start_schedule()
        self.status_changed.emit(self.status)
        return self.target

    def stop(self) -> None:
        """When the application closes: no more rounds; the one running ends first (each
        step of a transport has its timeout)."""
        self.timer.stop()
        if self.running:
            QThreadPool.globalInstance().waitForDone(60_000)

    def run_now(self, confirm_deletions: frozenset[str] = frozenset()) -> bool:
        """Start a round now unless one runs or there is nowhere to go; True if started.
        ``confirm_deletions``: the peers whose held deletions the owner confirmed."""
        if self.running or not self.target.via:
            return False
        ws, target = self._ws, self.target
        pinned: list[str] = []

        def work():
            return run_round_of(ws, target, confirm_deletions=confirm_deletions,
                                on_pinned=lambda fp: pinned.append(
                                    pinned_notice(target.via, fp)))

        def done(result) -> None:
            self._task = None
            status = summary(result, ws.zone)
            self.status = SyncStatus(True, status.last_at, status.text, status.problems,
                                     tuple(pinned), status.held)
            self.finished.emit(result)
            self.status_changed.emit(self.status)

        def failed(exc) -> None:
            self._task = None
            self.status = SyncStatus(True, self.status.last_at,
                                     "⚠ " + _("Synchronisation failed"), (failure_text(exc),))
            self.status_changed.emit(self.status)

        self._task = run_in_background(work, done, failed)
        return True
