"""The command-line contract, run as a user would: a process per command (a child of a
helper that imported the program once, see tests/app_process.py; the tests of the entry
point itself start a real interpreter)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_process import run_app

ROOT = Path(__file__).resolve().parent.parent


def permanence(*args: str, passphrase: str | None = None, env: dict | None = None,
               timeout: int = 120, interpreter: bool = False) -> subprocess.CompletedProcess:
    """``python -m app ARGS``; ``interpreter``: started from scratch, not forked."""
    full_env = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    full_env.update(env or {})
    if passphrase is not None:
        full_env["PERMANENCE_PASSPHRASE"] = passphrase
    return run_app(*args, env=full_env, cwd=ROOT, timeout=timeout, interpreter=interpreter)


ATTEMPTS = "signin-attempts.json"


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the profile but the sign-in attempt counter, which a sign-in, good or
    bad, is meant to update (a file of its own, so that nothing else changes)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ATTEMPTS}


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                        passphrase="une phrase de passe", interpreter=True)
    assert result.returncode == 0, result.stderr
    assert "Clé de secours" in result.stdout
    # Once opened, as a profile in use is: its log exists, whichever test runs first.
    opened = permanence("check", "--profile", str(root), passphrase="une phrase de passe")
    assert opened.returncode == 0, opened.stderr
    assert (root / "logs" / "permanence.log").is_file()
    return root


def test_init_prints_a_recovery_key_and_check_passes(profile):
    result = permanence("check", "--profile", str(profile), passphrase="une phrase de passe",
                        interpreter=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cipher_integrity_check" in result.stdout
    assert "Toutes les vérifications" in result.stdout


def test_passphrase_file_is_accepted(profile, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("une phrase de passe\n", encoding="utf-8")
    result = permanence("check", "--profile", str(profile), "--passphrase-file", str(secret))
    assert result.returncode == 0, result.stderr


def test_wrong_passphrase_exits_non_zero_and_changes_nothing(profile):
    before = snapshot(profile)
    result = permanence("check", "--profile", str(profile), passphrase="mauvaise phrase")
    assert result.returncode == 3
    assert "phrase de passe" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert snapshot(profile) == before
    assert (profile / ATTEMPTS).exists()  # only the attempt counter knows of it


def test_no_passphrase_says_how_to_give_one(profile):
    result = permanence("check", "--profile", str(profile))
    assert result.returncode == 3
    assert "PERMANENCE_PASSPHRASE" in result.stderr


def test_version_is_the_installed_distributions():
    from importlib.metadata import version

    result = permanence("--version", interpreter=True)
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == f"permanence {version('permanence')}"
    # Then how this copy is updated (app.updates.how_to_update).
    assert len(rest) == 1 and "pip install --upgrade" in rest[0]


def test_version_when_not_installed(monkeypatch):
    import app

    monkeypatch.setattr(app, "DISTRIBUTION", "permanence-never-installed")
    assert app.installed_version() == "0+unknown"


@pytest.mark.parametrize("where", ["top", "sub-command"])
def test_language_option_speaks_for_this_run_only(tmp_path, where):
    def init(profile: Path, language: str):
        option = ["--language", language]
        command = ["init", "--profile", str(profile), "--practice", "Cabinet"]
        args = option + command if where == "top" else command + option
        return permanence(*args)  # no passphrase given: refused with a message

    english_workstation = tmp_path / "en"
    english_workstation.mkdir()
    settings = english_workstation / "workstation.json"
    settings.write_text(json.dumps({"language": "en"}), encoding="utf-8")
    result = init(english_workstation, "fr")
    assert result.returncode == 2
    assert "Donnez la nouvelle phrase de passe" in result.stderr
    assert json.loads(settings.read_text(encoding="utf-8")) == {"language": "en"}  # not saved

    result = init(tmp_path / "fr", "en")  # no settings yet: French by default
    assert result.returncode == 2
    assert "Give the new passphrase" in result.stderr
    assert not (tmp_path / "fr" / "workstation.json").exists()


def test_unknown_language_is_refused():
    result = permanence("--language", "de", "check")
    assert result.returncode == 2
    assert "--language" in result.stderr


def test_passphrase_is_never_a_command_line_argument():
    result = permanence("check", "--passphrase", "x", interpreter=True)
    assert result.returncode == 2  # argparse refuses the unknown option


def test_corrupted_database_is_refused_unchanged(profile, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(profile, broken)
    db = broken / "permanence.db"
    data = bytearray(db.read_bytes())
    db.write_bytes(bytes(data[: len(data) // 2 + 100]))  # truncated mid-page
    before = snapshot(broken)
    result = permanence("check", "--profile", str(broken), passphrase="une phrase de passe")
    assert result.returncode != 0
    assert "endommagée" in result.stderr or "tronquée" in result.stderr
    assert snapshot(broken) == before


def test_missing_profile_is_a_clear_error(tmp_path):
    result = permanence("check", "--profile", str(tmp_path / "nowhere"), passphrase="x")
    assert result.returncode != 0
    assert "Aucune base" in result.stderr


def test_gui_without_a_display_explains_how_to_get_screenshots(profile):
    env = {k: "" for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PERMANENCE_COMMAND")}
    result = permanence("--profile", str(profile), passphrase="une phrase de passe", env=env,
                        interpreter=True)
    if sys.platform.startswith("linux"):
        assert result.returncode == 1
        assert "permanence screenshot" in result.stderr


def test_screenshot_writes_pngs(profile, tmp_path):
    out = tmp_path / "shots"
    result = permanence("screenshot", "--profile", str(profile), str(out),
                        passphrase="une phrase de passe", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) >= 10
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_screenshots_never_go_into_the_profile_and_replace_only_with_force(profile, tmp_path):
    env = {"QT_QPA_PLATFORM": "offscreen"}
    before = snapshot(profile)
    inside = permanence("screenshot", "--profile", str(profile), str(profile / "shots"),
                        passphrase="une phrase de passe", env=env)
    assert inside.returncode == 2 and "Traceback" not in inside.stderr
    assert not (profile / "shots").exists()
    assert {k: v for k, v in snapshot(profile).items() if "logs" not in k} == \
        {k: v for k, v in before.items() if "logs" not in k}
    out = tmp_path / "shots"
    out.mkdir()
    (out / "agenda-day.png").write_bytes(b"mine")
    again = permanence("screenshot", "--profile", str(profile), str(out),
                       passphrase="une phrase de passe", env=env)
    assert again.returncode == 2 and "--force" in again.stderr
    assert [p.name for p in out.iterdir()] == ["agenda-day.png"]


def test_demo_at_builds_the_demo_around_that_moment(tmp_path):
    from datetime import date, timedelta

    from app.clock import FrozenClock
    from app.services.agenda.zone import PracticeTime
    from app.services.practice import list_practitioners
    from app.services.workspace import open_workspace
    from app.storage.profile import ProfilePaths, try_demo_unlock

    root = tmp_path / "demo"
    result = permanence("demo", "--profile", str(root), "--at", "2026-12-07 08:55")
    assert result.returncode == 0, result.stderr
    paths = ProfilePaths(root)
    zone = PracticeTime("Europe/Paris")
    monday = date(2026, 12, 7)
    ws = open_workspace(paths, try_demo_unlock(paths), clock=FrozenClock(zone.to_utc(monday, 535)))
    try:
        appointments, _schedule = ws.agenda.window(
            [p.id for p in list_practitioners(ws.store)], monday - timedelta(days=60),
            monday + timedelta(days=30))
    finally:
        ws.close()
    days = {zone.day_of(a.starts_at) for a in appointments}
    assert monday in days
    assert min(days) < monday - timedelta(days=30) and max(days) > monday + timedelta(days=20)


def test_at_takes_a_moment_or_a_day():
    from datetime import date

    from app.cli import parse_at

    assert parse_at("2026-12-07 08:55") == (date(2026, 12, 7), 535)
    assert parse_at("07/12/2026 14:05") == (date(2026, 12, 7), 845)
    assert parse_at("2026-12-07") == (date(2026, 12, 7), 540)


@pytest.mark.parametrize("value", ["2026-02-30 08:00", "demain", "2026-12-07 25:00",
                                   "2026-12-07 8h"])
def test_at_refuses_what_is_not_a_moment(profile, tmp_path, value):
    result = permanence("screenshot", "--profile", str(profile), str(tmp_path / "shots"),
                        "--at", value, passphrase="une phrase de passe",
                        env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--at" in result.stderr and "2026-12-07 08:55" in result.stderr
    assert not (tmp_path / "shots").exists()


def test_help_and_usage_errors_speak_the_chosen_language(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "APPDATA": str(tmp_path)}
    french = permanence("screenshot", "--help", env=env)
    assert french.returncode == 0
    assert "utilisation :" in french.stdout and "afficher cette aide et quitter" in french.stdout
    assert "arrêter toutes les horloges" in french.stdout
    english = permanence("screenshot", "--help", "--language", "en", env=env)
    assert "usage:" in english.stdout and "show this help message and exit" in english.stdout
    assert "stop every clock" in english.stdout and "horloges" not in english.stdout
    # --language after the command, or before it: the same.
    assert permanence("--language", "en", "--help", env=env).stdout.startswith("usage:")
    wrong = permanence("export", "bogus", env=env)
    assert wrong.returncode == 2 and "erreur" in wrong.stderr and "choix invalide" in wrong.stderr
    wrong = permanence("export", "bogus", "--language", "en", env=env)
    assert "error" in wrong.stderr and "invalid choice" in wrong.stderr
