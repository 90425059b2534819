"""``python -m app`` in a process of its own, without an interpreter start per command.

Starting Python and importing the program takes about a second, more than most commands
take; the command-line tests run a few hundred. A helper process (one per test process)
imports ``app.cli`` once, then forks a child per command: the child takes the caller's
standard streams, working folder and environment, and runs ``app/__main__.py`` as
``python -m app`` does (runpy), so that exit codes, uncaught exceptions, ``atexit`` and
the process-wide settings a command makes (umask, rlimits, signal handlers, logging) are
the real ones and die with the child. What differs from a fresh interpreter is what
Python reads when it starts: a command whose environment sets ``PYTHON*``, ``LANG`` or
``LC_*`` differently, or a caller that asks for it, gets a real ``python -m app``.
PERMANENCE_TEST_SUBPROCESS=1 sends every command to a real interpreter, as on any system
but Linux.
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_MAX_REQUEST = 1 << 20

# Read by the interpreter when it starts: a child forked from the helper would not see a
# change to them.
_STARTUP_PREFIXES = ("PYTHON", "LC_")
_STARTUP_NAMES = ("LANG", "LANGUAGE")


def _read_at_startup(name: str) -> bool:
    return name.startswith(_STARTUP_PREFIXES) or name in _STARTUP_NAMES


def needs_interpreter(env: dict[str, str]) -> bool:
    """True when ``env`` differs from this process's in what an interpreter reads at start."""
    names = {n for n in (*env, *os.environ) if _read_at_startup(n)}
    return any(env.get(n) != os.environ.get(n) for n in names)


class _Helper:
    """The forking helper of this test process, started at first use."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.app_process", str(theirs.fileno())], cwd=ROOT,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=[theirs.fileno()])
        theirs.close()
        self.sock = ours
        self.lock = threading.Lock()

    def run(self, args: list[str], *, env: dict[str, str], cwd: Path,
            timeout: float | None) -> subprocess.CompletedProcess:
        request = json.dumps({"args": args, "env": env, "cwd": str(cwd)}).encode()
        with self.lock, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            self.sock.settimeout(None)
            socket.send_fds(self.sock, [request], [0, out.fileno(), err.fileno()])
            pid = int(self._line())
            self.sock.settimeout(timeout)
            try:
                status = int(self._line())
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                self.sock.settimeout(None)
                self._line()
                raise subprocess.TimeoutExpired(["python", "-m", "app", *args], timeout,
                                                _read(out), _read(err)) from None
            return subprocess.CompletedProcess(["python", "-m", "app", *args],
                                               os.waitstatus_to_exitcode(status),
                                               _text(_read(out)), _text(_read(err)))

    def _line(self) -> bytes:
        data = b""
        while not data.endswith(b"\n"):
            chunk = self.sock.recv(64)
            if not chunk:
                raise RuntimeError(f"the command helper stopped ({self.process.poll()})")
            data += chunk
        return data

    def close(self) -> None:
        self.sock.close()  # the helper sees the end of its requests and leaves
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _read(file) -> bytes:
    file.seek(0)
    return file.read()


def _text(data: bytes) -> str:
    """As ``subprocess.run(text=True)`` decodes a captured stream."""
    text = data.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")


_helper: _Helper | None = None
_helper_pid: int | None = None


def run_app(*args: str, env: dict[str, str], cwd: Path = ROOT, timeout: float | None = None,
            interpreter: bool = False) -> subprocess.CompletedProcess:
    """``subprocess.run([sys.executable, "-m", "app", *args], capture_output=True,
    text=True, ...)``: the same result, from a child of the helper unless ``interpreter``
    or the environment asks for a fresh interpreter."""
    global _helper, _helper_pid
    if (interpreter or needs_interpreter(env) or os.environ.get("PERMANENCE_TEST_SUBPROCESS")
            or not sys.platform.startswith("linux")):  # fork and fd passing: Linux only here
        return subprocess.run([sys.executable, "-m", "app", *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout)
    if _helper is None or _helper_pid != os.getpid():
        _helper, _helper_pid = _Helper(), os.getpid()
        atexit.register(_helper.close)
    return _helper.run(list(args), env=env, cwd=cwd, timeout=timeout)


# -- the helper process ----------------------------------------------------------------------


def _serve(sock: socket.socket) -> dict | None:
    """Fork a child per request; returns the request in the child, None at the end."""
    while True:
        message, fds, _, _ = socket.recv_fds(sock, _MAX_REQUEST, 3)
        if not message:
            return None
        pid = os.fork()
        if pid == 0:
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            sock.close()
            return json.loads(message)
        for fd in fds:
            os.close(fd)
        sock.sendall(f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        sock.sendall(f"{status}\n".encode())


def _helper_main() -> None:
    import importlib
    import runpy

    import app.cli
    import app.cli.calls  # noqa: F401 - imported by every command, as the modules below
    import app.cli.help_language  # noqa: F401

    for name in app.cli.COMMAND_MODULES:
        importlib.import_module(f"app.cli.{name}")
    request = _serve(socket.socket(fileno=int(sys.argv[1])))
    if request is None:
        return
    # The child: what ``python -m app ARGS`` is, from here on.
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["-m", *request["args"]]
    runpy.run_module("app", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _helper_main()
