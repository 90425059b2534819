"""The local channel between the command line and the application running on a profile.

While the application holds a profile (locked against a second instance), ``permanence
call …`` and ``lookup`` hand their request to it instead of opening the profile. Only
the same OS user may talk to it:

- the channel is announced by an *endpoint file*, ``<hash of the profile folder>.json``,
  in a per-user runtime folder that must be a real folder (not a link), owned by this
  user and closed to everyone else (0700): ``$XDG_RUNTIME_DIR/permanence`` on Linux, else
  ``<temp>/permanence-<uid>`` (macOS: the per-user ``$TMPDIR``); on Windows
  ``%LOCALAPPDATA%\\Permanence\\run``, which only the user's account may open;
- on Linux and macOS the channel is a Unix domain socket in that folder (so nobody else
  can even reach it); on Windows a TCP socket on 127.0.0.1 (any local account could
  connect to it, so the token below is what keeps them out; a named pipe would need the
  Win32 API in the command line, which stays plain Python);
- every request carries the endpoint file's random token (32 bytes, new at each start),
  compared in constant time: a client that cannot read the file cannot be served.

The format is JSON lines: one request of at most ``MAX_REQUEST`` bytes, one reply, then
the connection closes. Request: ``{"v": 1, "token": "…", "op": "ringing", "number": "…",
"line": null, "call_id": null}`` (ops ``ringing``, ``answered``, ``ended``, ``lookup``,
``dial``; a ``ringing`` with ``"direction": "out"`` is the phone system dialling out;
``show``, to the window only, is Permanence started again: see ``app.ui.call_router``).
Reply: ``{"v": 1, "exit": 0, "stdout": ["…"], "stderr": ["…"]}``: the exit code and the
lines the command prints, the same as without the application. Neither side logs a
request's content (numbers, names).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.storage.private import open_private

PROTOCOL = 1
MAX_REQUEST = 16 * 1024  # bytes, the line break included: a number and an id are short
MAX_REPLY = 1024 * 1024  # a lookup lists at most a few dozen people
CLIENT_TIMEOUT = 15.0  # seconds to connect, send and get the reply
SERVER_TIMEOUT = 5.0  # seconds a client has to send its whole request
OPS = ("ringing", "answered", "ended", "lookup", "dial", "show")
RUNTIME_ENV = "XDG_RUNTIME_DIR"
TRANSPORT_UNIX = "unix"
TRANSPORT_TCP = "tcp"


class ChannelUnsafe(PermanenceError):
    """The runtime folder is not this user's alone: no channel is offered there."""

    code = "channel_unsafe"
    exit_code = ExitCode.CANNOT_WRITE

    @property
    def user_message(self) -> str:
        return _("The folder {path} is not private to this user: the running Permanence "
                 "does not take phone events through it.").format(path=self.detail)


class ChannelRefused(PermanenceError):
    """The running application refused the request's token."""

    code = "channel_refused"
    exit_code = ExitCode.SECRET

    @property
    def user_message(self) -> str:
        return _("The running Permanence refused the request: its token does not match "
                 "(restart the application if this persists); nothing was recorded.")


class MalformedRequest(PermanenceError):
    code = "malformed_request"
    exit_code = ExitCode.BAD_INPUT

    @property
    def user_message(self) -> str:
        return _("The running Permanence received a malformed request; nothing was "
                 "recorded.")


class AppNotAnswering(PermanenceError):
    """Connected, but no complete reply in time: whether it was recorded is unknown."""

    code = "app_not_answering"
    exit_code = ExitCode.PROFILE_IN_USE

    @property
    def user_message(self) -> str:
        return _("The running Permanence did not answer in time; check its call log "
                 "before sending the event again.")


def default_transport() -> str:
    return TRANSPORT_TCP if os.name == "nt" else TRANSPORT_UNIX


def runtime_dir(*, create: bool) -> Path | None:
    """The per-user folder of endpoint files, checked private; None if it does not exist
    and ``create`` is false. ``ChannelUnsafe`` if it is not this user's alone."""
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        folder = Path(base) / "Permanence" / "run"
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        return folder if folder.is_dir() else None
    xdg = os.environ.get(RUNTIME_ENV)
    if xdg and _private(Path(xdg)):
        folder = Path(xdg) / "permanence"
    else:
        folder = Path(tempfile.gettempdir()) / f"permanence-{os.getuid()}"
    if create:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
    if not os.path.lexists(folder):
        return None
    if not _private(folder):
        raise ChannelUnsafe(str(folder))
    return folder


def _private(folder: Path) -> bool:
    """A real folder (not a link), owned by this user, closed to group and others."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and st.st_mode & 0o077 == 0)


def profile_key(root: Path) -> str:
    """The endpoint's name for a profile folder (short: a Unix socket path is limited)."""
    return hashlib.sha256(os.fsencode(Path(root).resolve())).hexdigest()[:20]


@dataclass(frozen=True)
class Endpoint:
    transport: str  # TRANSPORT_UNIX or TRANSPORT_TCP
    address: str  # the socket's path, or the port on 127.0.0.1
    token: str

    def to_json(self) -> str:
        return json.dumps({"v": PROTOCOL, "transport": self.transport,
                           "address": self.address, "token": self.token})


def new_token() -> str:
    return secrets.token_hex(32)


def endpoint_file(folder: Path, root: Path) -> Path:
    return folder / f"{profile_key(root)}.json"


def socket_path(folder: Path, root: Path) -> Path:
    return folder / f"{profile_key(root)}.sock"


# The window's own endpoint, beside the profiles' ones: a call event without a profile
# reaches it, and it hands the event to the practice that owns the line rung.
WINDOW_KEY = "window"


def window_endpoint_file(folder: Path) -> Path:
    return folder / f"{WINDOW_KEY}.json"


def window_socket_path(folder: Path) -> Path:
    return folder / f"{WINDOW_KEY}.sock"


def write_endpoint(path: Path, endpoint: Endpoint) -> None:
    """Write the endpoint file owner-only, in place at once (never half written)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = open_private(tmp)
    try:
        os.write(fd, endpoint.to_json().encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def withdraw(path: Path, endpoint: Endpoint) -> None:
    """Remove the endpoint file if it is still ours (a later instance may have replaced it)."""
    found = read_endpoint(path)
    if found is not None and hmac.compare_digest(found.token, endpoint.token):
        try:
            path.unlink()
        except OSError:
            pass


def read_endpoint(path: Path) -> Endpoint | None:
    try:
        with open(path, "rb") as fh:
            raw = json.loads(fh.read(4096).decode("ascii"))
        transport, address, token = raw["transport"], str(raw["address"]), str(raw["token"])
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if transport not in (TRANSPORT_UNIX, TRANSPORT_TCP) or not token:
        return None
    return Endpoint(transport, address, token)


def token_matches(given: object, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode("utf-8", "replace"),
                                                          expected.encode("ascii"))


def encode(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n"


def decode_request(line: bytes) -> dict:
    """One request line; ``MalformedRequest`` for anything that is not a JSON object of
    this protocol with a known op and string (or null) values."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest("not JSON") from exc
    if not isinstance(message, dict) or message.get("v") != PROTOCOL \
            or message.get("op") not in OPS:
        raise MalformedRequest("not a request")
    for key, value in message.items():
        if key != "v" and value is not None and not isinstance(value, str):
            raise MalformedRequest(f"{key} is not a string")
    return message


def reply(exit_code: int, stdout: list[str] = (), stderr: list[str] = ()) -> dict:
    return {"v": PROTOCOL, "exit": int(exit_code), "stdout": list(stdout),
            "stderr": list(stderr)}


def error_reply(exc: PermanenceError) -> dict:
    """The refusal's lines and exit code; its ``code`` too, for the window that routes
    an event among its practices (the command line prints only the lines)."""
    return {**reply(exc.exit_code, stderr=exc.user_message.splitlines()), "code": exc.code}


# -- the command line's side ----------------------------------------------------------
def _announced(name) -> Endpoint | None:
    try:
        folder = runtime_dir(create=False)
    except ChannelUnsafe:
        return None  # not trusted: the command opens the profile itself
    if folder is None:
        return None
    return read_endpoint(name(folder))


def find_app(root: Path) -> Endpoint | None:
    """The running application's endpoint for this profile, if one is announced."""
    return _announced(lambda folder: endpoint_file(folder, root))


def find_window() -> Endpoint | None:
    """The running window's own endpoint (every practice it holds), if announced."""
    return _announced(window_endpoint_file)


def _connect(endpoint: Endpoint, timeout: float) -> socket.socket:
    if endpoint.transport == TRANSPORT_UNIX:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(endpoint.address)
        except BaseException:
            sock.close()
            raise
        return sock
    return socket.create_connection(("127.0.0.1", int(endpoint.address)), timeout=timeout)


def ask_app(root: Path, request: dict, *, timeout: float = CLIENT_TIMEOUT) -> dict | None:
    """Send ``request`` to the application running on the profile ``root``; its reply,
    or None when no application answers there (none runs, or it stopped without
    withdrawing its endpoint): then the command opens the profile itself."""
    return ask_endpoint(find_app(root), request, timeout=timeout)


def ask_window(request: dict, *, timeout: float = CLIENT_TIMEOUT) -> dict | None:
    """Send ``request`` to the running window, which routes it to a practice by the
    line rung; None when no window answers."""
    return ask_endpoint(find_window(), request, timeout=timeout)


def ask_endpoint(endpoint: Endpoint | None, request: dict, *,
                 timeout: float = CLIENT_TIMEOUT) -> dict | None:
    if endpoint is None:
        return None
    try:
        sock = _connect(endpoint, timeout)
    except (OSError, ValueError):
        return None  # nobody listens: a stale endpoint file
    with sock:
        try:
            sock.sendall(encode({"v": PROTOCOL, "token": endpoint.token, **request}))
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
                if len(data) > MAX_REPLY:
                    raise AppNotAnswering("reply too long")
        except OSError as exc:  # a timeout included
            raise AppNotAnswering(type(exc).__name__) from exc
    try:
        answer = json.loads(data.decode("utf-8"))
        exit_code = int(answer["exit"])
        lines = [str(v) for v in answer["stdout"]], [str(v) for v in answer["stderr"]]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise AppNotAnswering("no reply") from exc
    return reply(exit_code, *lines)
