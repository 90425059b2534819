"""Real widgets on the offscreen platform, over a real encrypted profile."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app import i18n
from datetime import datetime, timezone

from app.clock import FrozenClock, SystemClock
from app.services.patients import PatientInput, PhoneEntry
from app.services.practice import PracticeInput, PractitionerInput
from app.services.settings import WorkstationSettings
from tests.practice_template import practice_from_template
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths

FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSPHRASE = "correct horse battery"
FROZEN_AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # Monday 09:30 in Paris

SAMPLE = [
    ("Dupont", "", "Jean-Éric", "12/03/1958", "06 12 34 56 78"),
    ("Martin", "Lefèvre", "Hélène", "01/07/1975", "04 78 12 34 56"),
    ("Martinez", "", "Zoé", "23/11/2015", "07 61 22 33 44"),
    ("Martin", "", "Paul", "14/09/1962", "06 98 76 54 32"),
    ("N'Diaye", "", "Awa", "05/05/1990", "06 44 55 66 77"),
]


@pytest.fixture(autouse=True)
def french():
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture(autouse=True)
def own_data_folder(tmp_path_factory, monkeypatch):
    """The window keeps the workstation's list of practices in the user's data folder:
    a test's window keeps it in a folder of the test's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg")))


@pytest.fixture
def ui_paths(tmp_path) -> ProfilePaths:
    return ProfilePaths(tmp_path / "profile")


@pytest.fixture
def workspace(ui_paths):
    created = practice_from_template(
        ui_paths,
        PracticeInput(name="Cabinet médical des Tilleuls",
                      practitioners=[PractitionerInput("Claire", "Morel", "Médecine générale")]),
        passphrase=PASSPHRASE, clock=SystemClock(), kdf=FAST_KDF)
    ws = created.workspace
    for birth, used, first, dob, phone in SAMPLE:
        ws.patients.create(PatientInput(birth_name=birth, used_name=used, first_names=first,
                                        birth_date=dob, phones=[PhoneEntry(phone)], city="Lyon"))
    yield ws
    ws.close()


@pytest.fixture
def frozen_workspace(ui_paths):
    """The practice (no sample patients) on a frozen clock, for the agenda's screens: a test
    file that needs it defines ``workspace`` as this one."""
    created = practice_from_template(
        ui_paths,
        PracticeInput(name="Cabinet médical des Tilleuls",
                      practitioners=[PractitionerInput("Claire", "Morel", "Médecine générale")]),
        passphrase=PASSPHRASE, clock=FrozenClock(FROZEN_AT), kdf=FAST_KDF)
    yield created.workspace
    created.workspace.close()


@pytest.fixture
def settings(ui_paths) -> WorkstationSettings:
    return WorkstationSettings(ui_paths.workstation_settings)


@pytest.fixture
def main_window(qtbot, workspace, settings):
    from PySide6.QtCore import QSettings

    from app.ui.change_bus import ChangeBus
    from app.ui.main_window import MainWindow

    state = QSettings(str(workspace.paths.root / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, ChangeBus(workspace.store, workspace.initiator),
                        state)
    window.show()
    qtbot.waitExposed(window)
    yield window
    # Closing with unsaved edits asks the user (modal): discard them first, then close
    # ourselves (qtbot's own teardown would close before this fixture's does).
    window.patients.form.revert()
    window.close()
    window.deleteLater()


@pytest.fixture
def runtime(monkeypatch) -> Iterator[Path]:
    """A private runtime folder of our own, for the server and the subprocesses: short,
    as a Unix socket's path may not exceed about 100 bytes (pytest's tmp_path under
    several workers would)."""
    base = Path(tempfile.mkdtemp(prefix="pr-", dir="/tmp" if os.name != "nt" else None))
    os.chmod(base, 0o700)
    from app.services.calls import channel

    monkeypatch.setenv(channel.RUNTIME_ENV, str(base))
    yield base / "permanence"  # where the endpoints go
    shutil.rmtree(base, ignore_errors=True)
