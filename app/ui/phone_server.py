"""The running application's end of the local channel (``app.services.calls.channel``).

While the application runs on a profile, ``permanence call …`` and ``lookup`` reach it
here instead of opening the profile it holds. Each request runs the same services as
the command line (``app.services.calls.phone_link``), with the principal of the person
signed in now. A ``ringing`` recorded emits ``call_arrived`` with the call's id, once
the reply is on its way; ``permanence dial`` emits ``dial_requested``.

Nothing of a request's content (numbers, names) is logged: only that one was refused,
and why in general terms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import shiboken6
import sqlcipher3
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtNetwork import QHostAddress, QLocalServer, QTcpServer
from sqlalchemy.exc import SQLAlchemyError

from app import i18n
from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.services.calls import channel
from app.services.calls.channel import (
    ChannelRefused,
    ChannelUnsafe,
    Endpoint,
    MalformedRequest,
    error_reply,
    reply,
)
from app.services.calls.phone_link import perform
from app.storage.errors import write_failure

log = logging.getLogger(__name__)


class RequestSink:
    """Reads one request from a socket, up to ``end`` (within ``limit`` bytes and
    ``timeout`` seconds), writes back what ``answer`` gives for it, closes, then tells
    ``closed``. Its socket is deleted by ``release``, from outside the socket's signals
    (a socket deleted from its own signal, or by ``deleteLater`` while Python still
    holds it, can crash the binding)."""

    def __init__(self, sock, answer: Callable[[bytes], bytes], *, end: bytes, limit: int,
                 timeout: float, too_long: Callable[[], bytes],
                 closed: Callable[[RequestSink], None]) -> None:
        self._sock = sock
        self._answer = answer
        self._end = end
        self._limit = limit
        self._too_long = too_long
        self._closed = closed
        self._buffer = b""
        self._done = False
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._too_slow)
        self._timer.start(int(timeout * 1000))
        self._kick = QTimer()  # what arrived before us: read from the event loop
        self._kick.setSingleShot(True)
        self._kick.timeout.connect(self._read)
        self._kick.start(0)
        sock.readyRead.connect(self._read)

    def _read(self) -> None:
        if self._done:
            return
        self._buffer += bytes(self._sock.readAll().data())
        at = self._buffer.find(self._end)
        if 0 <= at < self._limit:
            self._finish(self._answer(self._buffer[:at]))
        elif len(self._buffer) >= self._limit:
            log.warning("A phone request was refused: longer than %d bytes.", self._limit)
            self._finish(self._too_long())

    def _finish(self, data: bytes) -> None:
        self._done = True
        self._sock.write(data)
        self._sock.flush()
        self._sock.close()  # after the reply is written
        self._end_timers()
        self._closed(self)

    def _too_slow(self) -> None:
        if not self._done:
            log.warning("A phone request was dropped: incomplete after the time limit.")
            self._done = True
            self._sock.abort()
            self._end_timers()
            self._closed(self)

    def _end_timers(self) -> None:
        self._timer.stop()
        self._kick.stop()

    def release(self) -> None:
        """Delete the socket now (Python owns it from here): never from its own signal."""
        self._end_timers()
        sock, self._sock = self._sock, None
        if sock is not None and shiboken6.isValid(sock):
            sock.setParent(None)
        del sock


class Sinks:
    """The requests being read, and those done, whose sockets are released at the next
    connection or at the end (outside any of their signals)."""

    def __init__(self) -> None:
        self._open: set[RequestSink] = set()
        self._done: list[RequestSink] = []

    def add(self, sink: RequestSink) -> None:
        self._open.add(sink)

    def closed(self, sink: RequestSink) -> None:
        self._open.discard(sink)
        self._done.append(sink)

    def release_done(self) -> None:
        done, self._done = self._done, []
        for sink in done:
            sink.release()

    def release_all(self) -> None:
        for sink in list(self._open):
            self.closed(sink)
        self.release_done()


class PhoneServer(QObject):
    """``workspace``: the workspace of the person signed in now (asked at each request);
    ``locked``: whether the application is locked on this workstation."""

    call_arrived = Signal(str)
    dial_requested = Signal(str)

    def __init__(self, workspace: Callable[[], object], root: Path, *,
                 locked: Callable[[], bool] = lambda: False, transport: str | None = None,
                 timeout: float = channel.SERVER_TIMEOUT, parent=None) -> None:
        super().__init__(parent)
        self._timeout = timeout
        self._workspace = workspace
        self._root = Path(root)
        self._locked = locked
        self._transport = transport or channel.default_transport()
        self._server: QLocalServer | QTcpServer | None = None
        self._endpoint: Endpoint | None = None
        self._file: Path | None = None
        self._sinks = Sinks()

    @property
    def endpoint(self) -> Endpoint | None:
        return self._endpoint

    def _names(self, folder: Path) -> tuple[Path, Path]:
        """The socket's path and the endpoint file's: the profile's own."""
        return channel.socket_path(folder, self._root), channel.endpoint_file(folder, self._root)

    def start(self) -> bool:
        """Listen and announce the endpoint; False (logged, the application goes on
        without it: the commands then say the profile is in use) if it cannot."""
        try:
            folder = channel.runtime_dir(create=True)
        except (ChannelUnsafe, OSError) as exc:
            log.warning("No local channel for phone events: %s.", type(exc).__name__)
            return False
        if folder is None:
            return False
        if self._transport == channel.TRANSPORT_UNIX:
            server = QLocalServer(self)
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
            path = str(self._names(folder)[0])
            QLocalServer.removeServer(path)  # a leftover of a crash: we hold the profile
            if not server.listen(path):
                log.warning("No local channel for phone events: %s.", server.serverError().name)
                return False
            address = path
        else:
            server = QTcpServer(self)
            if not server.listen(QHostAddress(QHostAddress.SpecialAddress.LocalHost), 0):
                log.warning("No local channel for phone events: %s.", server.serverError().name)
                return False
            address = str(server.serverPort())
        server.newConnection.connect(self._accept)
        self._server = server
        self._endpoint = Endpoint(self._transport, address, channel.new_token())
        self._file = self._names(folder)[1]
        try:
            channel.write_endpoint(self._file, self._endpoint)
        except OSError as exc:
            log.warning("No local channel for phone events: %s.", type(exc).__name__)
            self.stop()
            return False
        return True

    def stop(self) -> None:
        if self._file is not None and self._endpoint is not None:
            channel.withdraw(self._file, self._endpoint)
        self._sinks.release_all()
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
        self._server, self._file = None, None

    def _accept(self) -> None:
        while self._server is not None and self._server.hasPendingConnections():
            self._sinks.release_done()
            self._sinks.add(RequestSink(
                self._server.nextPendingConnection(),
                lambda line: channel.encode(self.answer_line(line)), end=b"\n",
                limit=channel.MAX_REQUEST, timeout=self._timeout,
                too_long=lambda: channel.encode(error_reply(MalformedRequest())),
                closed=self._sinks.closed))

    def answer_line(self, line: bytes) -> dict:
        try:
            request = channel.decode_request(line)
        except MalformedRequest:
            log.warning("A phone request was refused: malformed.")
            return error_reply(MalformedRequest())
        if self._endpoint is None or not channel.token_matches(request.get("token"),
                                                               self._endpoint.token):
            log.warning("A phone request was refused: wrong token.")
            return error_reply(ChannelRefused())
        return self.perform(request)

    def perform(self, request: dict) -> dict:
        """Run an authenticated request (the Action URL listener's too), its reply in
        the command's language (its ``--language`` or this workstation's)."""
        previous = i18n.current_language()
        if request.get("language") in i18n.SUPPORTED_LANGUAGES:
            i18n.set_language(request["language"])
        try:
            return self._perform(request)
        finally:
            i18n.set_language(previous)

    def _perform(self, request: dict) -> dict:
        if request.get("op") == "dial":
            return self._dial(request)
        locked = bool(self._locked())
        try:
            answer = perform(self._workspace(), request, locked=locked)
        except PermanenceError as exc:
            return error_reply(exc)
        except (OSError, sqlcipher3.Error, SQLAlchemyError) as exc:
            failure = write_failure(exc, self._root)
            if failure is None:
                log.error("A phone request failed: %s.", type(exc).__name__)
                return error_reply(PermanenceError())
            return error_reply(failure)
        except Exception as exc:  # a bug: said by its type only, the phone system answered
            log.error("A phone request failed: %s.", type(exc).__name__)
            return error_reply(PermanenceError())
        call_id = answer.pop("call", None)
        if call_id and not locked:
            self.call_arrived.emit(call_id)
        return answer

    def _dial(self, request: dict) -> dict:
        uri = request.get("uri")
        if not uri:
            return error_reply(MalformedRequest("no uri"))
        if self._locked():
            return reply(ExitCode.PROFILE_IN_USE, stderr=[_("Permanence is locked on this workstation: unlock it, "
                                      "then dial again.")])
        self.dial_requested.emit(uri)
        return reply(0, [_("Permanence dials the number.")])


def connect_call_panel(server: PhoneServer, window) -> bool:
    """Open the call panel on a call that rings, if the window has one (``show_call``);
    queued, so that the phone system's reply is not held up by the panel."""
    show_call = getattr(window, "show_call", None)
    if not callable(show_call):
        return False
    server.call_arrived.connect(show_call, Qt.ConnectionType.QueuedConnection)
    return True
