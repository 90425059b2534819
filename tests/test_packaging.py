"""The wheel is the whole program: installed (not editable) in a fresh environment and run
from a folder outside the source tree, it speaks French, finds its style sheet, its icon
and its migration scripts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from app.storage.migrate import head_revision

ROOT = Path(__file__).resolve().parent.parent
# What a source distribution holds: the wheel is built from these alone.
SOURCES = ("app", "resources", "translations", "pyproject.toml", "setup.py", "README.md")
BIN = "Scripts" if os.name == "nt" else "bin"


def run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                            timeout=180, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    # The test environment's own setuptools builds it: no download.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", out, source])
    (built,) = out.glob("permanence-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed, the dependencies borrowed
    from the test environment: a plain folder line in a .pth file is added to sys.path
    without running the .pth files found there, so the editable install of the source
    tree (if that is how the tests run) stays out."""
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", env_dir])
    python = env_dir / BIN / ("python.exe" if os.name == "nt" else "python")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
         "--no-index", "-q", wheel])
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .stdout.strip())
    # Every site folder the tests see (the test environment may itself borrow some).
    borrowed = dict.fromkeys(p for p in sys.path
                             if Path(p).name in {"site-packages", "dist-packages"})
    (site / "borrowed-dependencies.pth").write_text("\n".join(borrowed) + "\n",
                                                    encoding="utf-8")
    return env_dir


@pytest.fixture
def elsewhere(tmp_path) -> dict:
    """Run from a folder outside the source tree, with nothing pointing back at it."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "PERMANENCE_PASSPHRASE", "PERMANENCE_COMMAND"}}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return {"cwd": tmp_path, "env": env}


def test_the_installed_wheel_runs_in_french_outside_the_source_tree(installed, elsewhere,
                                                                    tmp_path):
    permanence = installed / BIN / "permanence"
    first, how = run([permanence, "--version"], **elsewhere).stdout.splitlines()
    assert first == f"permanence {version('permanence')}"
    assert "Pour mettre à jour" in how and "pip install --upgrade" in how  # in French

    profile = tmp_path / "cabinet"
    env = {**elsewhere["env"], "PERMANENCE_PASSPHRASE": "une phrase de passe"}
    created = run([permanence, "init", "--profile", profile, "--practice", "Cabinet du Parc"],
                  cwd=tmp_path, env=env)
    assert "Clé de secours" in created.stdout  # the French catalogue, from the wheel
    checked = run([permanence, "check", "--profile", profile], cwd=tmp_path, env=env)
    assert "Toutes les vérifications" in checked.stdout


def test_the_installed_wheel_has_its_style_sheet_icon_and_migrations(installed, elsewhere):
    probe = """
import json
from importlib.resources import files
from PySide6.QtWidgets import QApplication
import app
from app.storage.migrate import MIGRATIONS_DIR, head_revision
from app.ui.theme import apply_theme
qt = QApplication([])
apply_theme(qt)
print(json.dumps({"app": app.__file__, "migrations": str(MIGRATIONS_DIR),
                  "head": head_revision(), "style": qt.styleSheet(),
                  "icon": not qt.windowIcon().isNull(),
                  "translations": str(files("app.translations"))}))
"""
    python = installed / BIN / ("python.exe" if os.name == "nt" else "python")
    found = json.loads(run([python, "-c", probe], **elsewhere).stdout)
    for key in ("app", "migrations", "translations"):
        assert Path(found[key]).is_relative_to(installed), (key, found[key])
    assert found["head"] == head_revision()
    assert found["style"] == (ROOT / "resources" / "style.qss").read_text(encoding="utf-8")
    assert found["icon"]
