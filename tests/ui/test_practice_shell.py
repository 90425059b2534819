"""Several practices in one window: the switcher and its colours, each practice's own
lock, calls routed by the line rung (the real command line in a subprocess talking to
the window's channel), the chooser for an unknown line, and the lead's console."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.clock import SystemClock
from app.services.calls import channel
from app.services.calls.errors import UnknownCall
from app.services.practice import PracticeInput, PractitionerInput
from app.services.practice_lines import (
    known_profiles,
    practice_colour,
    practice_lines,
    remember_profile,
)
from app.services.settings import WorkstationSettings
from app.storage import locations
from app.storage.profile import ProfilePaths
from app.ui.app import ShellOpener, _unlock_and_open
from app.ui.practice_shell import PracticeChooser, PracticeShell
from tests.ui.conftest import FAST_KDF, PASSPHRASE
from tests.practice_template import practice_from_template
from tests.ui.test_dialer import TelHandler
from tests.ui.test_phone_server import DUPONT, cli

LILAS_LINE = "01 45 67 89 10"
TILLEULS_LINE = "04 78 00 00 01"


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """This workstation's data folder (the list of its practices), the command line's
    too (XDG_DATA_HOME)."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    before = locations._current  # noqa: SLF001 - restored below
    locations.use(locations.user_locations())
    yield home
    locations.use(before) if before is not None else setattr(locations, "_current", None)


@pytest.fixture
def lilas(tmp_path) -> ProfilePaths:
    """A second practice, closed: the window opens it with its own sign-in."""
    paths = ProfilePaths(tmp_path / "lilas")
    created = practice_from_template(
        paths, PracticeInput(name="Maison de santé des Lilas",
                             practitioners=[PractitionerInput("Paul", "Roux", "Kinésithérapie")]),
        passphrase=PASSPHRASE, clock=SystemClock(), kdf=FAST_KDF)
    created.workspace.close()
    return paths


def sign_in_with_passphrase(paths, _passphrase, clock, kdf_floor, user):
    return _unlock_and_open(paths, PASSPHRASE, clock, kdf_floor, user)


@pytest.fixture
def shell(qtbot, runtime, data_home, workspace, settings, lilas):
    app = QApplication.instance()
    shell = PracticeShell()
    opener = ShellOpener(app, shell, SystemClock(), FAST_KDF, unlock=sign_in_with_passphrase)
    shell.set_opener(opener)
    opener.add(workspace, settings)
    assert shell.open_profile(lilas.root)
    assert shell.router.start()
    shell.show()
    qtbot.waitExposed(shell)
    shell.opener = opener
    yield shell
    for session in opener.sessions:
        if session.lock.is_locked:
            session.lock.release()
        session.watcher.stop()
        session.telephony.stop()
    shell.router.stop()
    for session in opener.sessions:
        session.window.patients.form.revert()
        session.window.end_session()
    shell.hide()
    for session in opener.sessions[1:]:  # the first is the fixture's workspace
        session.workspace.close()
    shell.deleteLater()


def names(shell) -> list[str]:
    return [s.workspace.practice.name for s in shell.sessions]


def test_two_practices_share_the_window_each_with_its_name_and_colour(qtbot, shell, lilas):
    tilleuls, lilas_session = shell.sessions
    assert names(shell) == ["Cabinet médical des Tilleuls", "Maison de santé des Lilas"]
    assert shell.current() is lilas_session  # the practice just opened is shown
    assert shell.windowTitle() == "Permanence — Maison de santé des Lilas"
    qtbot.keyClick(shell, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert shell.current() is tilleuls
    assert tilleuls.window.practice_band.isVisible()
    assert tilleuls.window.practice_band.text() == "Cabinet médical des Tilleuls"
    colours = [practice_colour(s.workspace.paths.root) for s in shell.sessions]
    assert colours[0] and colours[1] and colours[0] != colours[1]
    assert colours[1] in lilas_session.window.practice_band.styleSheet()
    # Kept in the profiles' workstation settings (never the database, never QSettings),
    # with the practice's name for the command line; the workstation lists both.
    saved = json.loads(lilas.workstation_settings.read_text())
    assert saved["colour"] == colours[1]
    assert saved["practice_name"] == "Maison de santé des Lilas"
    assert [p.resolve() for p in known_profiles()] == [
        s.workspace.paths.root.resolve() for s in shell.sessions]
    shell.set_colour(tilleuls, "#db2777")
    assert "#db2777" in tilleuls.window.practice_band.styleSheet()
    assert practice_colour(tilleuls.workspace.paths.root) == "#db2777"


def test_each_practice_locks_on_its_own(qtbot, shell):
    tilleuls, lilas_session = shell.sessions
    shell.switch_to(tilleuls)
    tilleuls.lock_now()
    assert tilleuls.window.is_locked and not lilas_session.window.is_locked
    dialog = tilleuls.lock.dialog
    assert dialog.parent() is tilleuls.window.locked_page  # on its page, not over all
    assert shell.windowTitle() == "Permanence"
    assert "\U0001F512" in shell._buttons[id(tilleuls)].text()
    shell.switch_to(lilas_session)
    assert shell.isEnabled() and lilas_session.window.isEnabled()
    assert shell.windowTitle() == "Permanence — Maison de santé des Lilas"
    shell.switch_to(tilleuls)
    dialog.secret.setText(PASSPHRASE)
    dialog._try_unlock()  # noqa: SLF001 - as its Unlock button does
    qtbot.waitUntil(lambda: not tilleuls.window.is_locked)


def test_a_call_is_routed_to_the_practice_that_owns_the_line(qtbot, shell):
    tilleuls, lilas_session = shell.sessions
    lilas_session.workspace.set_practice_lines([LILAS_LINE])
    assert practice_lines(lilas_session.workspace) == ["+33145678910"]
    desk = lilas_session.workspace.call_desk
    now = desk.settings()
    desk.save_settings(greeting="Maison de santé des Lilas, bonjour",
                       reason_codes=now.reasons,
                       red_flags=now.red_flags, escalate_after_min=now.escalate_after_min)
    shell.switch_to(tilleuls)
    code, out, err = cli(qtbot, "call", "ringing", "--from", DUPONT, "--to", "+33145678910",
                         "--id", "pbx-7", env={"XDG_RUNTIME_DIR": str(shell_runtime())})
    assert code == 0, err
    assert out == "pbx-7\n"
    call = lilas_session.workspace.calls.find("pbx-7")
    assert call.line == "+33145678910"
    qtbot.waitUntil(lambda: shell.current() is lilas_session)
    panel = lilas_session.window.call_panel
    qtbot.waitUntil(lambda: panel.isVisible() and panel.call_id == call.id)
    assert "Maison de santé des Lilas, bonjour" in panel.greeting.text()
    assert not tilleuls.window.call_panel.isVisible()
    # The next events follow the call to its practice.
    code, out, err = cli(qtbot, "call", "answered", "--id", "pbx-7",
                         env={"XDG_RUNTIME_DIR": str(shell_runtime())})
    assert code == 0, err
    assert lilas_session.workspace.calls.find("pbx-7").answered_at is not None
    with pytest.raises(UnknownCall):
        tilleuls.workspace.calls.find("pbx-7")


def shell_runtime() -> Path:
    import os

    return Path(os.environ[channel.RUNTIME_ENV])


def test_a_call_on_an_unknown_line_asks_which_practice(qtbot, shell):
    tilleuls, lilas_session = shell.sessions
    code, out, err = cli(qtbot, "call", "ringing", "--from", DUPONT, "--to", TILLEULS_LINE,
                         "--id", "pbx-9", env={"XDG_RUNTIME_DIR": str(shell_runtime())})
    assert code == 0, err
    assert out == "pbx-9\n"
    assert "demande" in err  # the window asks which practice takes it
    qtbot.waitUntil(lambda: bool(shell.choosers))
    chooser = shell.choosers[-1]
    assert isinstance(chooser, PracticeChooser) and chooser.isVisible()
    assert [b.text() for b in chooser.buttons] == names(shell)
    chooser.reject()  # Esc: the call is not dropped
    assert chooser.isVisible()
    code, out, err = cli(qtbot, "call", "ended", "--id", "pbx-9",
                         env={"XDG_RUNTIME_DIR": str(shell_runtime())})
    assert code == 0, err  # held until the practice is chosen
    chooser.buttons[0].click()
    call = tilleuls.workspace.calls.find("pbx-9")
    assert call.ended_at is not None and call.missed  # both events, in order
    assert shell.current() is tilleuls


def test_the_console_counts_per_practice_and_opens_the_practice(qtbot, shell):
    tilleuls, lilas_session = shell.sessions
    lilas_session.workspace.calls.ringing(DUPONT, call_id="wait-1")
    qtbot.keyClick(shell, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert shell.stack.currentWidget() is shell.console
    qtbot.waitUntil(lambda: shell.console.counts[id(lilas_session)].waiting == 1)
    assert shell.console.counts[id(tilleuls)].waiting == 0
    assert shell.console.rows() == [
        ["Cabinet médical des Tilleuls", "0 appel en attente", "0 rappel en retard",
         "0 message urgent non lu"],
        ["Maison de santé des Lilas", "1 appel en attente", "0 rappel en retard",
         "0 message urgent non lu"]]
    shell.open_page(lilas_session, "calls")
    assert shell.current() is lilas_session
    assert lilas_session.window.pages.currentWidget() is lilas_session.window.calls


def test_without_the_window_the_command_says_which_practice_it_would_have_used(
        qtbot, tmp_path, data_home, runtime, lilas):
    from app.services.practice_lines import register_profile

    register_profile(lilas.root)
    remember_profile(lilas.root, name="Maison de santé des Lilas", lines=[LILAS_LINE])
    env = {"XDG_DATA_HOME": str(data_home), "XDG_RUNTIME_DIR": str(shell_runtime())}
    code, out, err = cli(qtbot, "call", "ringing", "--from", DUPONT, "--to", LILAS_LINE,
                         env=env)
    assert code == 11, err
    assert "Maison de santé des Lilas" in err and str(lilas.root) in err
    assert "Traceback" not in err and out == ""
    code, out, err = cli(qtbot, "call", "ringing", "--from", DUPONT, "--to", TILLEULS_LINE,
                         env=env)
    assert code == 11, err
    assert "+33478000001" in err
    assert WorkstationSettings(lilas.workstation_settings).get("lines") == ["+33145678910"]


def test_a_language_chosen_in_one_practice_is_the_whole_window_s(qtbot, shell):
    from app import i18n

    tilleuls, lilas_session = shell.sessions
    before = lilas_session.window
    tilleuls.window.language_changed.emit("en")
    try:
        assert lilas_session.window is not before
        assert lilas_session.window.nav.item(2).text() == "Directory"
        assert tilleuls.window.nav.item(2).text() == "Directory"
        assert shell.bar_title.text() == "Practices:"
        assert shell.console.title.text() == "Console of the secretariat"
        assert shell.stack.indexOf(before) < 0  # the old page left the window
    finally:
        i18n.set_language("fr")


def test_a_folder_that_holds_half_a_practice_is_said(qtbot, shell, tmp_path):
    """Its key file without its database (or the reverse): not a practice to sign in to,
    and not an empty folder to create one in."""
    from tests.ui.test_startup_failures import answer_message_box

    half = ProfilePaths(tmp_path / "half")
    half.root.mkdir()
    half.envelope.write_text("{}")
    texts: list[str] = []
    answer_message_box(texts)
    assert not shell.open_profile(half.root)
    assert texts and "ne contient aucun cabinet" in texts[0]
    assert len(shell.sessions) == 2


def test_sync_runs_for_every_open_practice_not_only_the_one_shown(qtbot, shell, tmp_path):
    from app.sync.target import SyncTarget

    tilleuls, lilas_session = shell.sessions
    for n, session in enumerate(shell.sessions):
        folder = tmp_path / f"sync-{n}"
        folder.mkdir()
        session.window.sync.set_target(SyncTarget(via=str(folder), interval=60))
    shell.switch_to(lilas_session)
    assert not tilleuls.window.isVisible()
    assert tilleuls.window.sync.timer.isActive() and lilas_session.window.sync.timer.isActive()
    statuses = []
    tilleuls.window.sync.status_changed.connect(statuses.append)
    assert tilleuls.window.sync.run_now()  # what its timer does, while it is not shown
    qtbot.waitUntil(lambda: bool(statuses) and not tilleuls.window.sync.running,
                    timeout=30000)
    assert statuses[-1].configured and statuses[-1].last_at is not None, statuses[-1]


def test_ctrl_l_leaving_the_desk_locks_every_practice(qtbot, shell):
    tilleuls, lilas_session = shell.sessions
    qtbot.keyClick(lilas_session.window.search, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier)
    assert tilleuls.window.is_locked and lilas_session.window.is_locked


def test_the_practices_already_opened_here_are_offered(qtbot, shell, tmp_path):
    from app.services.practice_lines import register_profile

    third = ProfilePaths(tmp_path / "roses")
    practice_from_template(
        third, PracticeInput(name="Cabinet des Roses",
                             practitioners=[PractitionerInput("Léa", "Blanc", "Pédiatrie")]),
        passphrase=PASSPHRASE, clock=SystemClock(), kdf=FAST_KDF).workspace.close()
    register_profile(third.root)
    remember_profile(third.root, name="Cabinet des Roses")
    shell._fill_open_menu()  # noqa: SLF001 - as the menu does when it opens
    offered = [a.text() for a in shell.open_menu.actions() if a.text()]
    # The open ones are not offered again; another folder always is.
    assert offered == ["Cabinet des Roses", "Autre dossier de profil…"]
    shell.open_menu.actions()[0].trigger()
    assert names(shell)[-1] == "Cabinet des Roses"
    assert shell.current() is shell.sessions[-1]


def test_the_window_opens_again_where_and_as_large_as_it_was_left(qtbot, shell, workspace):
    from PySide6.QtCore import QSettings

    from app.ui.practice_shell import GEOMETRY_KEY

    shell.resize(shell.minimumWidth(), 520)  # as narrow as it goes
    shell.move(70, 45)
    qtbot.waitUntil(lambda: shell.height() == 520 and shell.x() == 70)
    left = shell.geometry()
    shell.close()
    # Kept in the first practice's window.ini, as its own window's geometry is.
    ini = workspace.paths.root / "window.ini"
    state = QSettings(str(ini), QSettings.Format.IniFormat)
    assert state.value(GEOMETRY_KEY) is not None
    assert "Dupont" not in ini.read_text(encoding="utf-8", errors="replace")
    again = PracticeShell()
    try:
        again.keep_geometry(state)
        again.show()
        qtbot.waitExposed(again)
        assert again.height() == left.height() and abs(again.y() - left.y()) <= 2
        if again.screen().availableGeometry().width() >= left.width():
            assert again.width() == left.width() and abs(again.x() - left.x()) <= 2
        else:  # offscreen's screen, 800 wide, is narrower than the window can be:
            assert abs(again.width() - left.width()) <= 8  # restoring brings it inside
    finally:
        again.router.stop()
        again.hide()
        again.deleteLater()


def test_a_second_start_hands_over_to_the_running_window(qtbot, shell, tmp_path):
    """``permanence`` started again: the real command asks the window through its
    channel, which comes forward and opens the practice given; nothing else opens."""
    tilleuls, lilas_session = shell.sessions
    third = ProfilePaths(tmp_path / "roses")
    practice_from_template(
        third, PracticeInput(name="Cabinet des Roses",
                             practitioners=[PractitionerInput("Léa", "Blanc", "Pédiatrie")]),
        passphrase=PASSPHRASE, clock=SystemClock(), kdf=FAST_KDF).workspace.close()
    endpoint = channel.read_endpoint(channel.window_endpoint_file(shell_runtime()))
    asked: list[tuple[str, str]] = []
    shell.router.show_requested.connect(lambda *args: asked.append(args))
    shell.switch_to(tilleuls)
    shell.showMinimized()
    env = {"XDG_RUNTIME_DIR": str(shell_runtime())}
    code, out, err = cli(qtbot, "--profile", str(third.root), env=env)
    assert code == 0, err
    assert "déjà" in out and str(third.root.resolve()) in out
    assert asked == [(str(third.root.resolve()), "")]
    qtbot.waitUntil(lambda: names(shell)[-1] == "Cabinet des Roses")
    assert shell.current() is shell.sessions[-1] and not shell.isMinimized()
    # A practice already open is shown; without --profile the window just comes forward.
    code, out, err = cli(qtbot, "--profile", str(lilas_session.workspace.paths.root), env=env)
    assert code == 0, err
    qtbot.waitUntil(lambda: shell.current() is lilas_session)
    code, out, err = cli(qtbot, env=env)
    assert code == 0 and "premier plan" in out, err
    assert asked[-1] == ("", "") and len(names(shell)) == 3
    # The window still holds its endpoint: nobody took it over.
    assert channel.read_endpoint(channel.window_endpoint_file(shell_runtime())) == endpoint


def test_the_show_request_is_checked_like_the_others(qtbot, shell):
    asked: list = []
    shell.router.show_requested.connect(lambda *args: asked.append(args))
    token = shell.router.endpoint.token
    for request in ({"op": "show", "profile": "relative/folder"},
                    {"op": "show", "profile": "/a\x00b"},
                    {"op": "show", "profile": ["/tmp"]},
                    {"op": "show", "dial": "tel:"}):
        line = json.dumps({"v": channel.PROTOCOL, "token": token, **request}).encode()
        assert shell.router.answer_line(line)["exit"] == 2, request
    wrong = json.dumps({"v": channel.PROTOCOL, "token": "0" * 64, "op": "show"}).encode()
    assert shell.router.answer_line(wrong)["exit"] == 3
    qtbot.wait(50)
    assert asked == []


def test_a_stale_window_endpoint_does_not_stop_a_start(qtbot, runtime, tmp_path):
    """The window crashed and left its endpoint: the next start finds nobody there,
    starts normally and takes the endpoint (withdrawn again when it ends)."""
    import os
    import socket
    import subprocess
    import sys

    from app.services.workspace import create_practice
    from app.storage.keys import KdfParams

    paths = ProfilePaths(tmp_path / "parc")
    create_practice(paths, PracticeInput(name="Cabinet du Parc", practitioners=[
        PractitionerInput("Claire", "Morel", "Médecine générale")]),
        passphrase=PASSPHRASE, keychain=None, clock=SystemClock(),
        kdf=KdfParams()).workspace.close()  # the program accepts only the real cost
    folder = channel.runtime_dir(create=True)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(channel.window_socket_path(folder)))  # left behind, nobody listens
    dead.close()
    stale = channel.window_endpoint_file(folder)
    channel.write_endpoint(stale, channel.Endpoint(channel.TRANSPORT_UNIX,
                                                   str(channel.window_socket_path(folder)),
                                                   channel.new_token()))
    env = {**{k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"},
           "PERMANENCE_PASSPHRASE": PASSPHRASE, "QT_QPA_PLATFORM": "offscreen",
           "PERMANENCE_BENCH_READY": "1", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    done = subprocess.run([sys.executable, "-m", "app", "--profile", str(paths.root)],
                          cwd=Path(__file__).resolve().parents[2], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "READY" in done.stdout  # the window opened
    assert not stale.exists()  # replaced by its own, then withdrawn at its end


@pytest.fixture
def softphone():
    from PySide6.QtGui import QDesktopServices

    handler = TelHandler()
    QDesktopServices.setUrlHandler("tel", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("tel")


def test_a_tel_link_while_the_window_runs_is_dialled_there(qtbot, shell, softphone):
    """``permanence tel:…`` with the window running on other practices than the default
    profile: the start is handed over with the link, which the practice shown dials;
    a practice locked there refuses it (exit 4) and dials nothing."""
    tilleuls, lilas_session = shell.sessions
    shell.switch_to(lilas_session)
    env = {"XDG_RUNTIME_DIR": str(shell_runtime())}
    code, out, err = cli(qtbot, "tel:+33612345678", env=env)
    assert code == 0, err
    qtbot.waitUntil(lambda: softphone.urls == ["tel:+33612345678"])
    [call] = lilas_session.workspace.calls.day_log(
        lilas_session.workspace.zone.today(lilas_session.workspace.clock.now()))
    assert call.direction == "out" and call.number == "+33612345678"
    lilas_session.lock_now()
    code, out, err = cli(qtbot, "tel:0612345678", env=env)
    assert code == 4 and "verrouillé" in err, err
    qtbot.wait(100)
    assert softphone.urls == ["tel:+33612345678"]


def test_an_outgoing_call_reported_by_line_joins_the_call_dialled_there(qtbot, shell,
                                                                        softphone):
    """Dialled from one practice of the window, reported by the phone system without
    --profile from that practice's line: one call, in that practice."""
    tilleuls, lilas_session = shell.sessions
    lilas_session.workspace.set_practice_lines([LILAS_LINE])
    shell.switch_to(lilas_session)
    with qtbot.waitSignal(lilas_session.telephony.dialer.dialled) as dialled:
        assert lilas_session.telephony.dialer.dial(DUPONT)
    shell.switch_to(tilleuls)
    code, out, err = cli(qtbot, "call", "outgoing", "--to", "+33612345678", "--from",
                         LILAS_LINE, "--id", "pbx-out", env={"XDG_RUNTIME_DIR":
                                                             str(shell_runtime())})
    assert code == 0, err
    assert out == "pbx-out\n"
    call = lilas_session.workspace.calls.find("pbx-out")
    assert call.id == dialled.args[0] and call.line == "+33145678910"
    qtbot.waitUntil(lambda: shell.current() is lilas_session)
    ws = lilas_session.workspace
    assert [c.id for c in ws.calls.day_log(ws.zone.today(ws.clock.now()))] == [call.id]


def test_a_folder_without_a_practice_opens_the_setup_assistant_in_the_window(qtbot, shell,
                                                                               tmp_path):
    """"Ouvrir un cabinet…" (or a second start) on a folder with no practice yet: the
    setup assistant, as at a first start; the practice it creates opens in the window
    with its agenda guide; closed before its end, nothing is created or added."""
    from PySide6.QtWidgets import QWizard

    from tests.ui.test_startup_failures import setup, to_the_recovery_page

    def finish(wizard) -> int:
        to_the_recovery_page(qtbot, wizard)
        wizard.recovery_page.confirm.setChecked(True)
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)
        return wizard.result()

    def give_up(wizard) -> int:
        to_the_recovery_page(qtbot, wizard)
        wizard.reject()
        return wizard.result()

    before = names(shell)
    shell.opener._setup = lambda paths: setup(paths, give_up)
    assert not shell.open_profile(tmp_path / "parc")
    assert names(shell) == before and not ProfilePaths(tmp_path / "parc").exists()
    shell.opener._setup = lambda paths: setup(paths, finish)
    assert shell.open_profile(tmp_path / "parc")
    assert names(shell) == [*before, "Cabinet du Parc"]
    created = shell.sessions[-1]
    assert shell.current() is created and ProfilePaths(tmp_path / "parc").is_profile()
    qtbot.waitUntil(lambda: created.window.agenda_guide is not None
                    and created.window.agenda_guide.isVisible())


def test_a_tel_link_with_the_console_shown_dials_nothing_in_a_locked_practice(
        qtbot, shell, softphone):
    """The console shown, the practice that would dial (the last one shown) locked: the
    link is refused as on that practice's page, and nothing is dialled nor recorded."""
    tilleuls, lilas_session = shell.sessions
    shell.switch_to(lilas_session)
    lilas_session.lock_now()
    shell.show_console()
    env = {"XDG_RUNTIME_DIR": str(shell_runtime())}
    code, out, err = cli(qtbot, "tel:+33612345678", env=env)
    assert code == 4 and "verrouillé" in err, (code, out, err)
    qtbot.wait(100)
    assert softphone.urls == []
    ws = lilas_session.workspace
    assert ws.calls.day_log(ws.zone.today(ws.clock.now())) == []
