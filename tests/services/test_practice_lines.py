"""The practices of a workstation and their lines, read without unlocking them."""

from __future__ import annotations

import json

import pytest

from app.services.practice_lines import (
    PALETTE,
    first_free_colour,
    known_profiles,
    normalise_line,
    owner_of,
    practice_colour,
    profile_lines,
    register_profile,
    registry_path,
    remember_profile,
    route_offline,
    set_practice_colour,
)
from app.storage import locations


@pytest.fixture
def data_folder(tmp_path):
    before = locations._current  # noqa: SLF001 - restored below
    locations.use(locations.Locations(tmp_path / "data"))
    yield tmp_path / "data"
    locations._current = before  # noqa: SLF001


def profile(tmp_path, name: str):
    root = tmp_path / name
    root.mkdir()
    (root / "permanence.db").write_bytes(b"")
    return root


def test_lines_are_kept_as_e164_once_each_and_bad_ones_left_out(tmp_path):
    root = profile(tmp_path, "lilas")
    remember_profile(root, name="Maison de santé des Lilas",
                     lines=["01 45 67 89 10", "+33145678910", "anonymous", "pas un numéro"])
    assert profile_lines(root) == ["+33145678910"]
    saved = json.loads((root / "workstation.json").read_text())
    assert saved == {"lines": ["+33145678910"], "practice_name": "Maison de santé des Lilas"}
    assert normalise_line("masqué") is None and normalise_line("") is None


def test_a_line_goes_to_the_practice_that_declared_it(tmp_path, data_folder):
    tilleuls, lilas = profile(tmp_path, "tilleuls"), profile(tmp_path, "lilas")
    remember_profile(tilleuls, name="Tilleuls", lines=["04 78 00 00 01"])
    remember_profile(lilas, name="Lilas", lines=["01 45 67 89 10"])
    assert route_offline("0145678910", [tilleuls, lilas]).name == "Lilas"
    assert route_offline("+33478000001", [tilleuls, lilas]).root == tilleuls
    assert route_offline("01 99 99 99 99", [tilleuls, lilas]).root is None
    assert route_offline(None, [tilleuls, lilas]).root is None
    assert owner_of("01.45.67.89.10", [("a", ["+33478000001"]), ("b", ["+33145678910"])]) == "b"
    assert owner_of("01 99 99 99 99", [("a", ["+33478000001"])]) is None


def test_the_workstation_lists_its_practices_that_are_still_there(tmp_path, data_folder):
    tilleuls, lilas = profile(tmp_path, "tilleuls"), profile(tmp_path, "lilas")
    register_profile(tilleuls)
    register_profile(lilas)
    register_profile(tilleuls)
    assert known_profiles() == [tilleuls.resolve(), lilas.resolve()]
    (lilas / "permanence.db").unlink()  # moved or deleted: no longer offered
    assert known_profiles() == [tilleuls.resolve()]
    registry_path().write_text('{"profiles": ["relative/path", 3, null]}')
    assert known_profiles() == []
    registry_path().write_text("not json")
    assert known_profiles() == []


def test_a_colour_is_one_of_the_palette(tmp_path):
    root = profile(tmp_path, "tilleuls")
    assert practice_colour(root) == ""
    set_practice_colour(root, PALETTE[2])
    assert practice_colour(root) == PALETTE[2]
    with pytest.raises(ValueError):
        set_practice_colour(root, "red; background: url(x)")
    assert first_free_colour([PALETTE[0], PALETTE[1]]) == PALETTE[2]
