"""The portable mode end to end: a program folder of its own (here the source tree's
``app`` linked into a new folder, as documented), HOME and the XDG folders pointing to
empty folders that must stay empty."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import app

PASSPHRASE = "cheval agrafe batterie correcte"


@pytest.fixture
def program(tmp_path) -> Path:
    folder = tmp_path / "Clé USB" / "Permanence"
    folder.mkdir(parents=True)
    (folder / "app").symlink_to(Path(app.__file__).parent, target_is_directory=True)
    return folder


@pytest.fixture
def home(tmp_path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def run(program: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_", "PERMANENCE_", "TMP", "TEMP"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_STATE_HOME=str(home / "state"), QT_QPA_PLATFORM="offscreen",
               PERMANENCE_PASSPHRASE=PASSPHRASE)
    # The program folder first on the path: `app` is imported from it, as the bundle's.
    code = (f"import sys; sys.path.insert(0, {str(program)!r}); "
            "from app.cli import main; sys.exit(main())")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=home.parent, env=env,
                          capture_output=True, text=True, timeout=300)


def everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_portable_run_writes_beside_the_program_only(program, home):
    created = run(program, home, "--portable", "init", "--practice", "Cabinet des Tilleuls",
                  "--language", "fr")
    assert created.returncode == 0, created.stderr
    data = program / "Permanence-data"
    assert (data / "permanence.db").is_file() and (data / "keys.json").is_file()
    checked = run(program, home, "check", "--portable", "--language", "fr")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Toutes les vérifications sont réussies" in checked.stdout
    assert (data / "logs" / "permanence.log").is_file()
    assert everything_under(home) == []


def test_the_marker_file_beside_the_program_makes_it_portable(program, home):
    (program / "permanence-portable").touch()
    created = run(program, home, "init", "--practice", "Cabinet des Tilleuls")
    assert created.returncode == 0, created.stderr
    assert (program / "Permanence-data" / "permanence.db").is_file()
    assert everything_under(home) == []


def test_without_portable_mode_the_practice_goes_to_the_users_folders(program, home):
    created = run(program, home, "init", "--practice", "Cabinet des Tilleuls")
    assert created.returncode == 0, created.stderr
    assert (home / "data" / "Permanence" / "permanence.db").is_file()
    assert not (program / "Permanence-data").exists()


def test_a_portable_folder_that_cannot_be_written_is_refused_before_anything(program, home):
    (program / "Permanence-data").write_text("a file where the folder should be")
    refused = run(program, home, "--portable", "init", "--practice", "Cabinet",
                  "--language", "fr")
    assert refused.returncode == 5
    assert "ne peut pas écrire ses données portables" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert everything_under(home) == []
