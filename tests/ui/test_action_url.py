"""The Action URL listener: real HTTP requests on 127.0.0.1, as a phone's or a PBX
client's; off by default, started from Réglages by the owner."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from app.services.calls import action_url
from app.ui.action_url import ActionUrlListener
from app.ui.phone_server import PhoneServer
from app.ui.telephony import Telephony

TOKEN = "s3cretToken42"
DUPONT = "0612345678"


@pytest.fixture
def listener(qtbot, workspace):
    server = PhoneServer(lambda: workspace, workspace.paths.root)  # not started: no channel
    listener = ActionUrlListener(server.perform)
    assert listener.start(0, TOKEN)
    yield listener
    listener.stop()


def get(qtbot, port: int, target: str, *, method: str = "GET", raw: bytes | None = None):
    """A request from another thread, while the test's event loop serves it."""
    result: dict = {}

    def run() -> None:
        try:
            if raw is not None:
                with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                    sock.sendall(raw)
                    data = b""
                    while chunk := sock.recv(65536):
                        data += chunk
                result["raw"] = data
                return
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, target)
            response = conn.getresponse()
            result.update(status=response.status, body=response.read().decode("utf-8"),
                          type=response.getheader("Content-Type"))
            conn.close()
        except OSError as exc:
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=15000)
    assert "error" not in result, result
    return result


def test_a_call_reported_by_url_is_recorded(qtbot, listener, workspace):
    port = listener.port
    answer = get(qtbot, port, f"/ringing?token={TOKEN}&from={DUPONT}&id=yl-7")
    assert (answer["status"], answer["body"]) == (200, "yl-7\n")
    assert answer["type"].startswith("text/plain")
    assert workspace.calls.find("yl-7").number == "+33612345678"
    assert get(qtbot, port, f"/answered?token={TOKEN}&id=yl-7")["status"] == 200
    assert get(qtbot, port, f"/ended?token={TOKEN}&id=yl-7")["status"] == 200
    assert workspace.calls.find("yl-7").talk_seconds is not None
    # An event out of order: 400, with the refusal in the body.
    late = get(qtbot, port, f"/answered?token={TOKEN}&id=yl-7")
    assert late["status"] == 400 and "yl-7" in late["body"]


def test_an_outgoing_call_reported_by_url_joins_the_call_dialled(qtbot, listener,
                                                                workspace):
    dialled = workspace.calls.dialled("06 12 34 56 78").call
    port = listener.port
    answer = get(qtbot, port, f"/outgoing?token={TOKEN}&to=%2B33612345678&id=yl-out")
    assert (answer["status"], answer["body"]) == (200, "yl-out\n")
    assert get(qtbot, port, f"/ended?token={TOKEN}&id=yl-out")["status"] == 200
    call = workspace.calls.find("yl-out")
    assert call.id == dialled.id and call.direction == "out" and call.ended_at is not None
    other = get(qtbot, port, f"/outgoing?token={TOKEN}&to=0247123456&id=yl-2")
    assert other["status"] == 200 and workspace.calls.find("yl-2").id != dialled.id


def test_lookup_answers_json_for_a_pbx(qtbot, listener):
    answer = get(qtbot, listener.port, f"/lookup?token={TOKEN}&number=%2B33612345678&format=json")
    assert answer["status"] == 200 and answer["type"].startswith("application/json")
    [match] = json.loads(answer["body"])
    assert match["kind"] == "patient" and "DUPONT" in match["name"]


def test_a_withheld_number_is_recorded_as_unknown(qtbot, listener, workspace):
    answer = get(qtbot, listener.port, f"/ringing?token={TOKEN}&from=anonymous")
    assert answer["status"] == 200
    assert workspace.calls.find(answer["body"].strip()).number == ""


def test_requests_without_the_token_or_malformed_are_refused(qtbot, listener, workspace):
    port = listener.port
    for target in (f"/ringing?from={DUPONT}", f"/ringing?token=wrong&from={DUPONT}",
                   f"/lookup?token={TOKEN.upper()}&number={DUPONT}"):
        assert get(qtbot, port, target)["status"] == 403
    assert get(qtbot, port, f"/format?token={TOKEN}")["status"] == 400
    assert get(qtbot, port, f"/ringing?token={TOKEN}&from={DUPONT}", method="POST")["status"] \
        == 400
    assert get(qtbot, port, f"/ringing?token={TOKEN}&from=$remote")["status"] == 400
    assert get(qtbot, port, f"/answered?token={TOKEN}&id=$call_id")["status"] == 400
    too_long = b"GET /ringing?token=" + b"a" * action_url.MAX_HEAD + b" HTTP/1.1\r\n\r\n"
    assert get(qtbot, port, "", raw=too_long)["raw"].startswith(b"HTTP/1.1 400")
    assert get(qtbot, port, "", raw=b"\x16\x03\x01 garbage\r\n\r\n")["raw"].startswith(
        b"HTTP/1.1 400")
    assert workspace.calls.day_log(workspace.zone.today(workspace.clock.now())) == []


def test_it_listens_on_the_loopback_only(qtbot, listener):
    assert listener.address == "127.0.0.1"
    addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None,
                                                     socket.AF_INET)} - {"127.0.0.1"}
    addresses.discard("127.0.1.1")
    for address in addresses:
        with pytest.raises(OSError):
            socket.create_connection((address, listener.port), timeout=2).close()


def test_off_by_default_then_started_by_the_owner_in_settings(qtbot, runtime, main_window,
                                                             workspace, settings):
    telephony = Telephony(lambda: workspace, settings, workspace.paths.root)
    telephony.attach(main_window)
    telephony.start()
    try:
        assert telephony.listening is None and telephony.listener.port is None
        tab = main_window.settings.telephony_tab
        with socket.socket() as probe:  # a free port for the listener
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        tab.port.setValue(port)
        tab.listen.setChecked(True)
        tab.save_listener.click()
        assert telephony.listening is True and telephony.listener.port == port
        token = settings.get("phone_listener_token")
        assert len(token) >= 24 and token in tab.examples.text()
        assert str(port) in tab.listener_status.text()
        answer = get(qtbot, port, f"/ringing?token={token}&from={DUPONT}&id=from-settings")
        assert answer["status"] == 200
        tab.listen.setChecked(False)
        tab.save_listener.click()
        assert telephony.listening is None and telephony.listener.port is None
        assert "désactivée" in tab.listener_status.text()
    finally:
        telephony.stop()


def test_the_port_taken_is_said(qtbot, main_window, workspace, settings):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings.set("phone_listener_token", TOKEN)
        settings.set("phone_listener_port", port)
        settings.set("phone_listener", True)
        telephony = Telephony(lambda: workspace, settings, workspace.paths.root)
        telephony.attach(main_window)
        assert telephony.apply_listener() is False
        assert "pris" in main_window.settings.telephony_tab.listener_status.text()
        telephony.stop()


def test_parse_head_reads_a_3cx_style_lookup():
    request = action_url.parse_head(
        b"GET /lookup?token=" + TOKEN.encode() + b"&number=0612345678&format=json HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\n", TOKEN)
    assert request == {"op": "lookup", "number": "0612345678", "format": "json"}
