"""Where a run keeps its data: the user's folders, or the portable folder beside the
program, found from the program's own place (the drive letter may change)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.storage import locations
from app.storage.locations import (
    PortableFolderError,
    check_portable,
    portable_locations,
    program_folder,
    synced_service,
    wants_portable,
)
from app.storage.profile import default_profile_dir, demo_profile_dir


def test_the_standalone_program_folder_is_its_executables(tmp_path):
    exe = tmp_path / "E" / "Permanence" / "permanence.exe"
    assert program_folder(frozen=True, executable=str(exe)) == exe.parent
    # The same bundle on another drive letter: the folder follows, nothing is stored.
    other = tmp_path / "F" / "Permanence" / "permanence.exe"
    assert portable_locations(program_folder(frozen=True, executable=str(other))).root \
        == other.parent / "Permanence-data"


def test_on_macos_the_portable_folder_is_beside_the_app(tmp_path):
    exe = tmp_path / "Clé" / "Permanence.app" / "Contents" / "MacOS" / "permanence"
    assert program_folder(frozen=True, executable=str(exe)) == tmp_path / "Clé"


def test_from_the_source_tree_the_program_folder_is_the_checkout():
    import app

    assert program_folder(frozen=False) == Path(app.__file__).parent.parent


def test_portable_by_option_or_by_marker_file(tmp_path):
    assert wants_portable(["--portable", "check"], tmp_path)
    assert wants_portable(["check", "--portable"], tmp_path)
    assert not wants_portable(["import", "patients", "--", "--portable"], tmp_path)
    assert not wants_portable(["check"], tmp_path)
    (tmp_path / "permanence-portable").touch()
    assert wants_portable(["check"], tmp_path)


def test_every_profile_path_follows_the_chosen_locations(tmp_path):
    try:
        locations.use(portable_locations(tmp_path))
        assert default_profile_dir() == tmp_path / "Permanence-data"
        assert demo_profile_dir() == tmp_path / "Permanence-data" / "demo"
    finally:
        locations.use(locations.user_locations())
    assert tmp_path not in default_profile_dir().parents


@pytest.mark.parametrize("where", [
    ("Users", "claire", "OneDrive - Cabinet des Tilleuls", "Permanence"),
    ("Users", "claire", "Dropbox", "Permanence"),
    ("Users", "claire", "Library", "Mobile Documents", "com~apple~CloudDocs", "Permanence"),
])
def test_a_synchronised_folder_is_seen_by_its_name(tmp_path, where):
    assert synced_service(tmp_path.joinpath(*where), environ={}) is not None


def test_a_synchronised_folder_is_seen_by_its_marker_or_onedrives_variable(tmp_path):
    root = tmp_path / "Partage"
    (root / "Logiciels").mkdir(parents=True)
    assert synced_service(root / "Logiciels", environ={}) is None
    assert synced_service(root / "Logiciels", environ={"OneDrive": str(root)}) == "OneDrive"
    (root / ".stfolder").mkdir()
    assert synced_service(root / "Logiciels", environ={}) is not None


def test_a_synchronised_portable_folder_is_refused_in_french(tmp_path, french_message):
    folder = tmp_path / "Dropbox" / "Permanence"
    with pytest.raises(PortableFolderError) as caught:
        check_portable(portable_locations(folder), environ={})
    assert caught.value.exit_code == 2
    french_message(lambda: caught.value.user_message, "synchronisé")
    assert not folder.exists()  # nothing written


def test_a_portable_folder_that_cannot_be_written_is_refused_in_french(tmp_path,
                                                                       french_message):
    (tmp_path / "Permanence-data").write_text("not a folder")
    with pytest.raises(PortableFolderError) as caught:
        check_portable(portable_locations(tmp_path), environ={})
    assert caught.value.exit_code == 5
    french_message(lambda: caught.value.user_message, "ne peut pas écrire")


def test_a_writable_portable_folder_is_created_owner_only(tmp_path):
    check_portable(portable_locations(tmp_path), environ={})
    data = tmp_path / "Permanence-data"
    assert data.is_dir() and list(data.iterdir()) == []
    assert data.stat().st_mode & 0o077 == 0
