"""The optional Action URL listener: HTTP on 127.0.0.1 only, with a token, off by default
(Réglages → Calls, the owner). Its requests (``app.services.calls.action_url``) run
as the local channel's do (``PhoneServer.perform``). Nothing of them is logged but a
refusal's general reason."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QHostAddress, QTcpServer

from app.errors import PermanenceError
from app.services.calls import action_url
from app.services.calls.channel import SERVER_TIMEOUT, error_reply
from app.ui.phone_server import RequestSink, Sinks

log = logging.getLogger(__name__)


class ActionUrlListener(QObject):
    def __init__(self, perform: Callable[[dict], dict], parent=None) -> None:
        super().__init__(parent)
        self._perform = perform
        self._server: QTcpServer | None = None
        self._token = ""
        self._sinks = Sinks()

    @property
    def port(self) -> int | None:
        return self._server.serverPort() if self._server is not None else None

    @property
    def address(self) -> str | None:
        return self._server.serverAddress().toString() if self._server is not None else None

    def start(self, port: int, token: str) -> bool:
        """Listen on 127.0.0.1:``port`` (0: any free port); False if it is taken."""
        self.stop()
        server = QTcpServer(self)
        if not server.listen(QHostAddress(QHostAddress.SpecialAddress.LocalHost), port):
            log.warning("The Action URL listener cannot listen: %s.", server.errorString())
            server.deleteLater()
            return False
        self._token = token
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def stop(self) -> None:
        self._sinks.release_all()
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None

    def _accept(self) -> None:
        while self._server is not None and self._server.hasPendingConnections():
            self._sinks.release_done()
            self._sinks.add(RequestSink(
                self._server.nextPendingConnection(), self._answer, end=b"\r\n\r\n",
                limit=action_url.MAX_HEAD, timeout=SERVER_TIMEOUT,
                too_long=lambda: action_url.http_response(400, "request too long\n"),
                closed=self._sinks.closed))

    def _answer(self, head: bytes) -> bytes:
        try:
            request = action_url.parse_head(head, self._token)
        except PermanenceError as exc:
            log.warning("An Action URL request was refused: %s.", exc.code)
            answer = error_reply(exc)
        else:
            answer = self._perform(request)
        status = action_url.status_of(answer["exit"])
        lines = answer["stdout"] if status == 200 else answer["stderr"]
        json_body = status == 200 and request_format(head) == "json"
        return action_url.http_response(status, "".join(line + "\n" for line in lines),
                                        json_body=json_body)


def request_format(head: bytes) -> str:
    return "json" if b"format=json" in head.split(b"\r\n", 1)[0] else "text"
