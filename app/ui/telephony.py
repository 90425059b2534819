"""The running application's telephony: the local channel for the commands, the
optional Action URL listener and click-to-dial, for as long as the profile is open
(kept by the session, so that a window rebuilt for a language change keeps them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from app.i18n import _
from app.services.settings import WorkstationSettings
from app.ui import dialer as dialer_module
from app.ui.action_url import ActionUrlListener
from app.ui.dialer import Dialer
from app.ui.phone_server import PhoneServer, connect_call_panel
from app.ui.telephony_settings import listener_port

STATUS_MS = 8000


def window_locked(window) -> bool:
    """Whether the window is locked (idle lock): its ``is_locked``, if it has one."""
    is_locked = getattr(window, "is_locked", False)
    return bool(is_locked()) if callable(is_locked) else bool(is_locked)


class Telephony(QObject):
    def __init__(self, workspace: Callable[[], object], settings: WorkstationSettings,
                 root: Path, *, locked: Callable[[], bool] = lambda: False,
                 transport: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.server = PhoneServer(workspace, root, locked=locked, transport=transport,
                                  parent=self)
        self.listener = ActionUrlListener(self.server.perform, self)
        self.listening: bool | None = None  # None: off; False: the port is taken
        self.dialer = Dialer(workspace, settings, self)
        self.server.dial_requested.connect(self.dialer.dial)
        self._window = None

    def start(self) -> None:
        self.server.start()
        dialer_module.install(self.dialer)
        self.apply_listener()

    def stop(self) -> None:
        self.listener.stop()
        self.server.stop()
        if dialer_module.current() is self.dialer:
            dialer_module.install(None)

    def apply_listener(self) -> bool | None:
        """Start, move or stop the Action URL listener as Réglages say."""
        token = self._settings.get("phone_listener_token") or ""
        if self._settings.get("phone_listener") is True and token:
            self.listening = self.listener.start(listener_port(self._settings), token)
        else:
            self.listener.stop()
            self.listening = None
        tab = getattr(getattr(self._window, "settings", None), "telephony_tab", None)
        if tab is not None:
            tab.show_listener_state(self.listening, listener_port(self._settings))
        return self.listening

    def attach(self, window) -> None:
        """Connect a (new) main window: the call panel on a ringing call, the dial
        requests and their outcome, Réglages' listener settings. The connections go to
        objects of the window: they end with it."""
        self._window = window
        connect_call_panel(self.server, window)
        link = _WindowLink(window)
        self.server.dial_requested.connect(link.bring_forward)
        self.dialer.dialled.connect(link.dialled)
        self.dialer.failed.connect(link.say)
        tab = getattr(getattr(window, "settings", None), "telephony_tab", None)
        if tab is not None:
            tab.listener_changed.connect(self.apply_listener)
            tab.show_listener_state(self.listening, listener_port(self._settings))


class _WindowLink(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window

    def bring_forward(self, _uri: str = "") -> None:
        window = self._window
        window.showNormal() if window.isMinimized() else window.show()
        window.raise_()
        window.activateWindow()

    def dialled(self, call_id: str) -> None:
        """The call panel opens on the outgoing call, as on a call that rings: it is
        closed with its reason and outcome, which ends it (no phone system tells when
        a dialled call ends)."""
        self.say(_("Dialling…"))
        show_call = getattr(self._window, "show_call", None)
        if callable(show_call):
            show_call(call_id)

    def say(self, message: str) -> None:
        self._window.statusBar().showMessage(message, STATUS_MS)
