"""Click-to-dial: each way of dialling really started (a tel: handler, an HTTP request to a
phone, a program), the outgoing call recorded when dialling starts, the dial buttons of
the phone fields, and ``permanence dial`` / ``permanence tel:`` handed to the running app."""

from __future__ import annotations

import http.server
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from app.models.calls import CallDirection
from app.services.calls import dialing
from app.services.calls.errors import InvalidCallNumber
from app.ui import dialer as dialer_module
from app.ui.dialer import Dialer
from app.ui.phone_server import PhoneServer
from tests.ui.test_phone_server import cli


class TelHandler(QObject):
    """Stands for the softphone the system gives tel: links to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def softphone():
    handler = TelHandler()
    QDesktopServices.setUrlHandler("tel", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("tel")


@pytest.fixture
def dialer(workspace, settings):
    dialer = Dialer(lambda: workspace, settings)
    dialer_module.install(dialer)
    yield dialer
    dialer_module.install(None)


def outgoing(workspace) -> list:
    return [c for c in workspace.calls.day_log(workspace.zone.today(workspace.clock.now()))
            if c.direction == CallDirection.OUT.value]


def test_a_tel_link_goes_to_the_softphone_and_the_call_is_logged(qtbot, softphone, dialer,
                                                                 workspace):
    with qtbot.waitSignal(dialer.dialled) as dialled:
        assert dialer.dial("06 12 34 56 78")
    assert softphone.urls == ["tel:+33612345678"]
    [call] = outgoing(workspace)
    assert call.id == dialled.args[0] and call.number == "+33612345678"


def test_a_bad_number_dials_nothing(qtbot, softphone, dialer, workspace):
    with qtbot.waitSignal(dialer.failed):
        assert not dialer.dial("pas un numéro")
    assert softphone.urls == [] and outgoing(workspace) == []


class PhoneHandler(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        PhoneHandler.paths.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def desk_phone():
    PhoneHandler.paths = []
    server = http.server.HTTPServer(("127.0.0.1", 0), PhoneHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_desk_phone_dials_from_its_url(qtbot, desk_phone, dialer, settings, workspace):
    port = desk_phone.server_address[1]
    settings.set("dial_method", dialing.URL)
    settings.set("dial_template", f"http://127.0.0.1:{port}/servlet?key=number={{national}}")
    with qtbot.waitSignal(dialer.dialled, timeout=10000):
        assert dialer.dial("+33 6 12 34 56 78")
    assert PhoneHandler.paths == ["/servlet?key=number=0612345678"]
    assert len(outgoing(workspace)) == 1


def test_a_phone_that_does_not_answer_logs_no_call(qtbot, dialer, settings, workspace):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.set("dial_method", dialing.URL)
    settings.set("dial_template", f"http://127.0.0.1:{port}/dial?n={{number}}")
    with qtbot.waitSignal(dialer.failed, timeout=10000) as failed:
        dialer.dial("0612345678")
    assert "téléphone" in failed.args[0]
    assert outgoing(workspace) == []


def test_a_command_dials_with_the_number_as_one_argument(qtbot, tmp_path, dialer, settings,
                                                        workspace):
    out = tmp_path / "dialled.txt"
    script = tmp_path / "dial.py"
    script.write_text("import sys; open(sys.argv[1], 'w').write(sys.argv[2])\n")
    settings.set("dial_method", dialing.COMMAND)
    settings.set("dial_template", f'"{sys.executable}" "{script}" "{out}" {{number}}')
    with qtbot.waitSignal(dialer.dialled):
        assert dialer.dial("06 12 34 56 78")
    qtbot.waitUntil(lambda: out.exists() and out.read_text() == "+33612345678", timeout=10000)


def test_the_card_shows_a_dial_button_outside_editing(qtbot, softphone, main_window,
                                                      workspace, dialer):
    from app.ui.patients.form import PhoneRow

    row = PhoneRow()
    qtbot.addWidget(row)
    row.number.setText("06 12 34 56 78")
    row.set_editable(False)
    assert row.dial.isVisible()
    row.set_editable(True)
    assert not row.dial.isVisible()  # a click while typing must not dial
    row.set_editable(False)
    row.dial.trigger()
    assert softphone.urls == ["tel:+33612345678"]
    dialer_module.install(None)
    assert not row.dial.isVisible()  # no dialer: no button


def test_the_directory_card_dials_its_numbers(qtbot, softphone, dialer, workspace):
    from app.ui.directory.form import ContactForm

    form = ContactForm(workspace.directory)
    qtbot.addWidget(form)
    phone, phone2 = form.dial_actions
    assert not phone.isVisible()  # nothing to dial yet
    form.phone.setText("02 47 12 34 56")
    assert phone.isVisible() and not phone2.isVisible()
    phone.trigger()
    assert softphone.urls == ["tel:+33247123456"]


def test_dial_settings_refuse_a_bad_template(qtbot, main_window, settings):
    tab = main_window.settings.telephony_tab
    tab.method.setCurrentIndex(tab.method.findData(dialing.URL))
    tab.template.setText("ftp://phone/{number}")
    assert not tab.apply_dialling()
    assert "http" in tab.dialling_error.text()
    tab.template.setText("http://192.168.1.20/servlet?key=number={national}")
    assert tab.apply_dialling()
    assert settings.get("dial_method") == dialing.URL


@pytest.mark.parametrize("uri,number", [
    ("tel:+33612345678", "+33612345678"), ("tel:06-12-34-56-78", "+33612345678"),
    ("TEL:%2B33%206%2012%2034%2056%2078", "+33612345678"), ("tel:0612345678;phone-context=x",
                                                             "+33612345678"),
    ("06 12 34 56 78", "+33612345678")])
def test_number_from_uri(uri, number):
    assert dialing.number_from_uri(uri) == number


def test_number_from_uri_refuses_what_is_not_a_number():
    with pytest.raises(dialing.DialRefused):
        dialing.number_from_uri("tel:")
    with pytest.raises(dialing.DialRefused):
        dialing.number_from_uri("tel:;rm -rf")
    with pytest.raises(InvalidCallNumber):
        dialing.number_from_uri("tel:rm -rf")


def test_permanence_dial_and_tel_reach_the_running_app(qtbot, runtime, workspace):
    server = PhoneServer(lambda: workspace, workspace.paths.root)
    assert server.start()
    asked: list[str] = []
    server.dial_requested.connect(asked.append)
    try:
        root = str(workspace.paths.root)
        code, out, err = cli(qtbot, "--profile", root, "tel:+33612345678")
        assert code == 0, err
        assert "compose" in out
        code, _out, err = cli(qtbot, "dial", "--profile", root, "tel:0612345678")
        assert code == 0, err
        assert asked == ["tel:+33612345678", "tel:0612345678"]
        code, out, err = cli(qtbot, "dial", "--profile", root, "tel:")
        assert (code, out) == (2, "") and "numéro" in err
    finally:
        server.stop()


def test_the_desktop_entry_registers_the_tel_handler():
    import shutil
    import subprocess

    entry = Path(__file__).resolve().parents[2] / "packaging" / "linux" / \
        "permanence-tel.desktop"
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                                text=True)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    from configparser import ConfigParser

    parser = ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(entry, encoding="utf-8")
    desktop = parser["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["MimeType"].split(";")[0] == "x-scheme-handler/tel"
    # The link is the only argument: ``permanence tel:…`` is ``permanence dial tel:…``.
    assert desktop["Exec"].split()[-1] == "%u"
    from app.cli.calls import tel_argv

    assert tel_argv(["tel:+33612345678"]) == ["dial", "tel:+33612345678"]
    assert tel_argv(["--profile", "P", "TEL:06"]) == ["--profile", "P", "dial", "TEL:06"]
    assert tel_argv(["dial", "tel:06"]) == ["dial", "tel:06"]
    assert tel_argv(["lookup", "tel:06"]) == ["lookup", "tel:06"]
    assert tel_argv(["--verbose", "tel:06"]) == ["--verbose", "dial", "tel:06"]


def test_a_dialled_call_opens_the_panel_and_ends_when_closed_with_its_outcome(
        qtbot, softphone, main_window, workspace, settings):
    """Without a phone system nothing tells when a dialled call ends: the panel opens on
    it as on a call that rings, and closing it with its outcome ends the call, its
    duration from dialling to closing."""
    from datetime import timedelta

    from app.ui.telephony import Telephony

    telephony = Telephony(lambda: workspace, settings, workspace.paths.root)
    telephony.attach(main_window)
    dialer_module.install(telephony.dialer)
    try:
        with qtbot.waitSignal(telephony.dialer.dialled) as dialled:
            assert telephony.dialer.dial("06 12 34 56 78")
    finally:
        dialer_module.install(None)
    panel = main_window.call_panel
    assert panel.isVisible() and panel.call_id == dialled.args[0]
    assert panel.number.text().startswith("Appel sortant")
    [call] = outgoing(workspace)
    assert call.ended_at is None
    qtbot.wait(1100)  # the workspace's clock is the system's
    assert not panel.close_call()  # as an incoming call: its reason and outcome first
    panel.set_outcome("results", "informed")
    assert panel.close_call() and not panel.isVisible()
    [call] = outgoing(workspace)
    assert timedelta(seconds=1) <= call.ended_at - call.started_at < timedelta(seconds=30)
    assert call.ended_at <= workspace.clock.now()
    assert (call.reason, call.outcome, call.answered_at) == ("results", "informed", None)


def test_the_phone_systems_report_of_a_dialled_call_lands_on_it(
        qtbot, runtime, softphone, main_window, workspace, settings):
    """Dialled from Permanence, then reported by the phone system through the real
    command line (the running app's channel): one call, the panel kept on it, its end
    the phone system's."""
    from app.ui.telephony import Telephony

    telephony = Telephony(lambda: workspace, settings, workspace.paths.root)
    telephony.start()
    telephony.attach(main_window)
    arrived: list[str] = []
    telephony.server.call_arrived.connect(arrived.append)
    try:
        with qtbot.waitSignal(telephony.dialer.dialled) as dialled:
            assert telephony.dialer.dial("06 12 34 56 78")
        panel = main_window.call_panel
        assert panel.call_id == dialled.args[0]
        root = str(workspace.paths.root)
        code, out, err = cli(qtbot, "call", "outgoing", "--profile", root, "--to",
                             "+33612345678", "--from", "02 47 00 00 00", "--id", "pbx-out")
        assert code == 0, err
        assert out == "pbx-out\n" and "Appel sortant" in err
        [call] = outgoing(workspace)
        assert call.id == dialled.args[0] and call.external_id == "pbx-out"
        assert call.line == "+33247000000"
        assert arrived == [] and panel.call_id == call.id  # its panel is not reset
        code, out, err = cli(qtbot, "call", "answered", "--profile", root, "--id", "pbx-out")
        assert code == 0, err
        panel.set_outcome("results", "informed")
        assert panel.close_call()
        assert outgoing(workspace)[0].ended_at is None  # the phone system says the end
        code, out, err = cli(qtbot, "call", "ended", "--profile", root, "--id", "pbx-out")
        assert code == 0, err
        [call] = outgoing(workspace)
        assert call.answered_at is not None and call.ended_at is not None
        assert (call.reason, call.outcome) == ("results", "informed")
        # Another number reported: a call of its own, its panel opened.
        code, out, err = cli(qtbot, "call", "outgoing", "--profile", root, "--to",
                             "02 47 12 34 56", "--id", "pbx-other")
        assert code == 0, err
        assert len(outgoing(workspace)) == 2
        qtbot.waitUntil(lambda: len(arrived) == 1)
    finally:
        telephony.stop()
