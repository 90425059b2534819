"""The running application's local channel: a real server in the test's event loop, the
real command line in a subprocess talking to it (never opening the profile the
application holds), and the fallback when no application runs."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QObject

from app.clock import FrozenClock
from app.services.calls import channel
from app.services.patients import PatientInput, PhoneEntry
from app.services.practice import PracticeInput, PractitionerInput
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from app.ui.phone_server import PhoneServer, connect_call_panel

ROOT = Path(__file__).resolve().parents[2]
DUPONT = "06 12 34 56 78"  # Jean-Éric Dupont's, in the sample practice


class Locked:
    def __init__(self) -> None:
        self.on = False

    def __call__(self) -> bool:
        return self.on


@pytest.fixture
def locked() -> Locked:
    return Locked()


def start_server(workspace, locked, **options) -> PhoneServer:
    server = PhoneServer(lambda: workspace, workspace.paths.root, locked=locked, **options)
    assert server.start()
    return server


@pytest.fixture
def server(qtbot, runtime, workspace, locked):
    server = start_server(workspace, locked)
    yield server
    server.stop()


def cli(qtbot, *args: str, env: dict | None = None, timeout: float = 90) -> tuple[int, str, str]:
    """The real command line, run while the test's event loop serves the channel."""
    full_env = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    full_env.update(env or {})
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=int(timeout * 1000))
    finally:
        if proc.poll() is None:
            proc.kill()
    out, err = proc.communicate()
    return proc.returncode, out, err


def raw_request(qtbot, server: PhoneServer, data: bytes, *, pause: float = 0) -> dict | None:
    """Send bytes as any local program could; the reply, or None if the server hung up."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(server.endpoint.address)
    sock.setblocking(False)
    sock.sendall(data)
    received = bytearray()
    closed = []

    def done() -> bool:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            return False
        except OSError:
            closed.append(True)
            return True
        if not chunk:
            closed.append(True)
            return True
        received.extend(chunk)
        return received.endswith(b"\n")

    qtbot.waitUntil(done, timeout=10000)
    sock.close()
    return json.loads(received) if received else None


class Window(QObject):
    """Stands for the main window once it has the call panel (``show_call``)."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def show_call(self, call_id: str) -> None:
        self.shown.append(call_id)


def test_the_endpoint_is_private_and_withdrawn_at_the_end(runtime, workspace, locked):
    server = start_server(workspace, locked)
    path = channel.endpoint_file(runtime, workspace.paths.root)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_ISSOCK(os.stat(server.endpoint.address).st_mode)
    assert channel.read_endpoint(path).token == server.endpoint.token
    server.stop()
    assert not path.exists()


def test_call_events_and_lookup_reach_the_running_app(qtbot, server, workspace):
    window = Window()
    assert connect_call_panel(server, window)
    root = str(workspace.paths.root)
    # No passphrase is given: the profile is not opened (the app holds it anyway).
    code, out, err = cli(qtbot, "call", "ringing", "--profile", root, "--from", DUPONT,
                         "--id", "pbx-1")
    assert code == 0, err
    assert out == "pbx-1\n"
    assert "DUPONT" in err and "Appel" in err
    call = workspace.calls.find("pbx-1")
    qtbot.waitUntil(lambda: window.shown == [call.id])
    code, out, err = cli(qtbot, "call", "answered", "--profile", root, "--id", "pbx-1")
    assert code == 0, err
    assert out.startswith("Appel décroché") or out.startswith("Appel"), out
    code, out, err = cli(qtbot, "call", "ended", "--profile", root, "--id", "pbx-1")
    assert code == 0, err
    assert workspace.calls.find("pbx-1").ended_at is not None
    code, out, err = cli(qtbot, "lookup", DUPONT, "--profile", root, "--format", "json")
    assert code == 0, err
    [match] = json.loads(out)
    assert match["kind"] == "patient" and "DUPONT" in match["name"]


def test_the_reply_speaks_the_commands_language(qtbot, server, workspace):
    code, out, err = cli(qtbot, "lookup", "0699999999", "--profile", str(workspace.paths.root),
                         "--language", "en")
    assert (code, out) == (0, "Nobody has this number.\n")
    code, out, err = cli(qtbot, "lookup", "0699999999", "--profile", str(workspace.paths.root))
    assert (code, out) == (0, "Personne n'a ce numéro.\n")


def test_refusals_of_the_services_keep_their_exit_code(qtbot, server, workspace):
    code, out, err = cli(qtbot, "call", "answered", "--profile", str(workspace.paths.root),
                         "--id", "nobody")
    assert (code, out) == (2, "")
    assert "nobody" in err
    code, _out, err = cli(qtbot, "call", "ringing", "--profile", str(workspace.paths.root),
                          "--from", "pas un numéro")
    assert code == 2 and "numéro" in err


def test_a_wrong_token_is_refused_and_records_nothing(qtbot, runtime, server, workspace):
    path = channel.endpoint_file(runtime, workspace.paths.root)
    forged = channel.Endpoint(server.endpoint.transport, server.endpoint.address,
                              channel.new_token())
    channel.write_endpoint(path, forged)
    code, out, err = cli(qtbot, "call", "ringing", "--profile", str(workspace.paths.root),
                         "--from", DUPONT, "--id", "forged")
    assert (code, out) == (3, "")
    assert "jeton" in err
    request = {"v": 1, "op": "ringing", "number": DUPONT, "call_id": "raw"}
    answer = raw_request(qtbot, server, channel.encode(request))  # no token at all
    assert answer["exit"] == 3
    assert workspace.calls.day_log(workspace.zone.today(workspace.clock.now())) == []


def test_malformed_oversized_and_slow_requests(qtbot, runtime, workspace, locked):
    server = start_server(workspace, locked, timeout=0.5)
    try:
        assert raw_request(qtbot, server, b"not json\n")["exit"] == 2
        token = server.endpoint.token
        wrong_type = {"v": 1, "token": token, "op": "ringing", "number": 612345678}
        assert raw_request(qtbot, server, channel.encode(wrong_type))["exit"] == 2
        unknown = {"v": 1, "token": token, "op": "format-disk"}
        assert raw_request(qtbot, server, channel.encode(unknown))["exit"] == 2
        no_id = {"v": 1, "token": token, "op": "answered"}
        assert raw_request(qtbot, server, channel.encode(no_id))["exit"] == 2
        assert raw_request(qtbot, server, b"x" * channel.MAX_REQUEST)["exit"] == 2
        started = time.monotonic()
        assert raw_request(qtbot, server, b'{"v": 1, "tok') is None  # never finished
        assert time.monotonic() - started < 5
    finally:
        server.stop()
    assert workspace.calls.day_log(workspace.zone.today(workspace.clock.now())) == []


def test_a_locked_app_records_the_call_but_shows_nobody(qtbot, server, workspace, locked):
    window = Window()
    connect_call_panel(server, window)
    locked.on = True
    root = str(workspace.paths.root)
    code, out, err = cli(qtbot, "call", "ringing", "--profile", root, "--from", DUPONT,
                         "--id", "while-away")
    assert code == 0, err
    assert out == "while-away\n"
    assert "DUPONT" not in err and "verrouillé" in err
    code, _out, err = cli(qtbot, "call", "ended", "--profile", root, "--id", "while-away")
    assert code == 0 and "rappeler" in _out
    assert workspace.calls.find("while-away").missed
    code, out, err = cli(qtbot, "lookup", DUPONT, "--profile", root)
    assert (code, out) == (4, "")
    assert "verrouillé" in err
    qtbot.wait(50)
    assert window.shown == []


def test_the_windows_transport_loopback_with_token(qtbot, runtime, workspace, locked):
    server = start_server(workspace, locked, transport=channel.TRANSPORT_TCP)
    try:
        assert int(server.endpoint.address) > 0
        code, out, err = cli(qtbot, "call", "ringing", "--profile",
                             str(workspace.paths.root), "--from", "anonymous", "--id", "tcp")
        assert code == 0, err
        assert out == "tcp\n" and "masqué" in err
    finally:
        server.stop()


def test_a_runtime_folder_others_can_open_is_not_used(runtime, workspace, locked):
    runtime.mkdir(mode=0o700)
    os.chmod(runtime, 0o755)
    server = PhoneServer(lambda: workspace, workspace.paths.root, locked=locked)
    assert not server.start()
    assert channel.find_app(workspace.paths.root) is None


@pytest.fixture
def production_profile(tmp_path) -> ProfilePaths:
    """The command line opens only profiles of the production cost."""
    paths = ProfilePaths(tmp_path / "cabinet")
    created = create_practice(
        paths, PracticeInput(name="Cabinet du Parc", practitioners=[
            PractitionerInput("Claire", "Morel", "Médecine générale")]),
        passphrase="une phrase de passe", keychain=None,
        clock=FrozenClock(datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)), kdf=KdfParams())
    created.workspace.patients.create(PatientInput(
        birth_name="Dupont", first_names="Jean", birth_date="12/03/1958",
        phones=[PhoneEntry(DUPONT)]))
    created.workspace.close()
    return paths


def test_without_the_app_the_command_opens_the_profile(qtbot, runtime, production_profile):
    root = production_profile.root
    # What a crash leaves: an endpoint file whose socket nobody listens on.
    runtime.mkdir(mode=0o700)
    channel.write_endpoint(channel.endpoint_file(runtime, root), channel.Endpoint(
        channel.TRANSPORT_UNIX, str(runtime / "gone.sock"), channel.new_token()))
    code, out, err = cli(qtbot, "call", "ringing", "--profile", str(root), "--from", DUPONT,
                         "--id", "headless", env={"PERMANENCE_PASSPHRASE": "une phrase de passe"})
    assert code == 0, err
    assert out == "headless\n" and "DUPONT" in err
    code, out, err = cli(qtbot, "lookup", DUPONT, "--profile", str(root), "--format", "json",
                         env={"PERMANENCE_PASSPHRASE": "une phrase de passe"})
    assert code == 0, err
    assert json.loads(out)[0]["kind"] == "patient"


def test_the_session_keeps_the_channel_across_a_language_change(qtbot, runtime, workspace,
                                                               settings):
    from PySide6.QtWidgets import QApplication

    from app.ui.app import GuiSession

    session = GuiSession(QApplication.instance(), workspace, settings)
    session.show()
    session.telephony.start()
    try:
        root = str(workspace.paths.root)
        code, _out, err = cli(qtbot, "lookup", DUPONT, "--profile", root)
        assert code == 0 and "DUPONT" in _out, err
        session._switch_language("en")
        qtbot.waitUntil(lambda: session.window.windowTitle().startswith("Permanence"))
        # The idle lock of the window shown (``is_locked``) is the one the channel asks.
        session.lock_now()
        assert session.window.is_locked
        code, out, err = cli(qtbot, "lookup", DUPONT, "--profile", root)
        assert (code, out) == (4, "")
        session.lock.release()
    finally:
        session.telephony.stop()
        session._switch_language("fr")
        session.window.close()
    assert channel.find_app(workspace.paths.root) is None


def test_a_failure_inside_the_app_is_answered_and_logged_without_the_number(
        qtbot, runtime, workspace, caplog):
    def broken():
        raise RuntimeError("+33612345678")  # a bug whose message would hold the number

    server = PhoneServer(broken, workspace.paths.root)
    assert server.start()
    try:
        request = {"v": 1, "token": server.endpoint.token, "op": "lookup", "number": DUPONT}
        answer = raw_request(qtbot, server, channel.encode(request))
    finally:
        server.stop()
    assert answer["exit"] == 2 and answer["stderr"]
    assert "RuntimeError" in caplog.text
    assert "612345678" not in caplog.text and "12 34 56" not in caplog.text
