"""Click-to-dial: the workstation's way of dialling (``app.services.calls.dialing``)
started from a phone number in the app, and the outgoing call recorded as dialling
starts (``CallService.dialled``: the phone system's report of the same call joins it).

A phone field gets a dial button with ``add_dial_action``; it dials through the
``Dialer`` installed for the application (``install``), and shows nothing while none is
(a test window, a screenshot). The call lists use ``dial_number``.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QProcess, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLineEdit

from app.errors import PermanenceError
from app.i18n import _
from app.services.calls import dialing
from app.services.settings import WorkstationSettings

log = logging.getLogger(__name__)
URL_TIMEOUT = 5.0  # seconds for a phone to accept the number


class Dialer(QObject):
    """``dialled(call_id)`` once dialling has started and the outgoing call is recorded;
    ``failed(message)`` otherwise (nothing recorded)."""

    dialled = Signal(str)
    failed = Signal(str)
    _url_done = Signal(str, str)  # from the request's thread: number, error ("" if none)

    def __init__(self, workspace: Callable[[], object], settings: WorkstationSettings,
                 parent=None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._settings = settings
        self._url_done.connect(self._after_url)  # queued: it comes from another thread

    def dial(self, number: str) -> bool:
        """Start dialling ``number`` (any format, or a ``tel:`` URI); False if it could
        not start (``failed`` says why)."""
        try:
            target = dialing.dial_target(self._settings.get("dial_method"),
                                         self._settings.get("dial_template") or "", number)
        except PermanenceError as exc:
            self.failed.emit(exc.user_message)
            return False
        if target.method == dialing.URL:
            self._call_url(target)
            return True
        if target.method == dialing.TEL:
            started = QDesktopServices.openUrl(QUrl(target.url))
        else:
            started = QProcess.startDetached(target.argv[0], list(target.argv[1:]))[0]
        if not started:
            log.warning("Dialling did not start (%s).", target.method)
            self.failed.emit(_("The number could not be dialled: check how this workstation "
                               "dials in Settings → Calls."))
            return False
        self._record(target.number)
        return True

    def _call_url(self, target: dialing.DialTarget) -> None:
        # In a thread, with the standard library: exactly one request (Qt's network
        # access resends a GET whose connection closed early: a phone would dial twice).
        def run() -> None:
            try:
                with _DIRECT.open(target.url, timeout=URL_TIMEOUT) as response:
                    response.read(65536)
                error = ""
            except (OSError, ValueError) as exc:  # URLError, HTTPError, a timeout
                error = str(getattr(exc, "reason", "") or exc)
            self._url_done.emit(target.number, error)

        threading.Thread(target=run, name="dial-url", daemon=True).start()

    def _after_url(self, number: str, error: str) -> None:
        if error:
            log.warning("The dialling URL failed.")
            self.failed.emit(_("The phone did not accept the number: {reason}.").format(
                reason=error))
            return
        self._record(number)

    def _record(self, number: str) -> None:
        try:
            result = self._workspace().calls.dialled(number)
        except PermanenceError as exc:
            self.failed.emit(exc.user_message)
            return
        self.dialled.emit(result.call.id)


# No proxy: a phone on the practice's network is reached directly.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_installed: list[Dialer] = []


def install(dialer: Dialer | None) -> None:
    """The dialer the phone fields use (None: no dial buttons)."""
    _installed[:] = [dialer] if dialer is not None else []
    for hook in list(_fields):
        hook.refresh()


def current() -> Dialer | None:
    return _installed[0] if _installed else None


def dial_number(number: str) -> bool:
    dialer = current()
    return dialer.dial(number) if dialer is not None else False


def _phone_icon() -> QIcon:
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    font = QFont()
    font.setPixelSize(24)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "\u260e")
    painter.end()
    return QIcon(pixmap)


_fields: set[_DialHook] = set()


class _DialHook(QObject):
    """Shows the field's dial button while it holds a number (and, for a card, while it
    is not being edited) and a dialer is installed."""

    def __init__(self, edit: QLineEdit, action: QAction, read_only_only: bool) -> None:
        super().__init__(edit)
        self._edit, self._action, self._read_only_only = edit, action, read_only_only
        edit.installEventFilter(self)
        edit.textChanged.connect(self.refresh)
        _fields.add(self)
        edit.destroyed.connect(lambda *_a: _fields.discard(self))
        self.refresh()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.ReadOnlyChange:
            self.refresh()
        return False

    def refresh(self) -> None:
        self._action.setVisible(current() is not None and bool(self._edit.text().strip())
                                and (self._edit.isReadOnly() or not self._read_only_only))


def add_dial_action(edit: QLineEdit, *, read_only_only: bool = True) -> QAction:
    """A dial button at the end of a phone field; ``read_only_only``: shown only while
    the field is not being edited (a patient card)."""
    action = QAction(_phone_icon(), _("Call this number"), edit)
    action.setToolTip(_("Call this number"))
    edit.addAction(action, QLineEdit.ActionPosition.TrailingPosition)
    action.triggered.connect(lambda: dial_number(edit.text()))
    _DialHook(edit, action, read_only_only)
    return action
