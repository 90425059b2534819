"""dev.py gives each Python version its own environment, so that the suite can run on
the oldest and the newest supported Python from one checkout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_dev():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_venv(folder: Path, cfg: str) -> None:
    folder.mkdir()
    (folder / "pyvenv.cfg").write_text(cfg, encoding="utf-8")


def test_the_first_python_gets_venv_and_another_version_its_own(tmp_path):
    dev = load_dev()
    assert dev.choose_venv(tmp_path, "3.11", None) == tmp_path / ".venv"
    make_venv(tmp_path / ".venv", "home = /usr/bin\nversion = 3.11.7\n")
    assert dev.choose_venv(tmp_path, "3.11", None) == tmp_path / ".venv"
    assert dev.choose_venv(tmp_path, "3.13", None) == tmp_path / ".venv-3.13"


def test_virtualenv_files_are_read_too(tmp_path):
    dev = load_dev()
    make_venv(tmp_path / ".venv", "home = /usr/bin\nversion_info = 3.13.0.final.0\n")
    assert dev.made_with(tmp_path / ".venv") == "3.13"
    assert dev.choose_venv(tmp_path, "3.11", None) == tmp_path / ".venv-3.11"


def test_an_environment_can_be_named(tmp_path):
    dev = load_dev()
    make_venv(tmp_path / ".venv", "version = 3.11.7\n")
    assert dev.choose_venv(tmp_path, "3.11", str(tmp_path / "env")) == tmp_path / "env"


def test_the_suite_runs_on_the_cores_unless_the_command_line_chose():
    dev = load_dev()
    chosen = dev.workers([])
    assert chosen == [] or (chosen[0] == "-n" and 2 <= int(chosen[1]) <= 4)
    for given in (["-n", "0"], ["-n0"], ["--numprocesses=3"], ["-q", "-n", "2"]):
        assert dev.workers(given) == []
