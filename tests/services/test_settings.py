"""Workstation settings: declared keys, allowed values, atomic file, nothing else kept."""

from __future__ import annotations

import json

import pytest

from app.services.settings import SETTINGS, WorkstationSettings


def test_defaults_without_a_file(tmp_path):
    settings = WorkstationSettings(tmp_path / "workstation.json")
    assert settings.get("language") == "fr"
    assert not (tmp_path / "workstation.json").exists()  # reading writes nothing


def test_round_trip(tmp_path):
    path = tmp_path / "profile" / "workstation.json"
    WorkstationSettings(path).set("language", "en")
    assert json.loads(path.read_text(encoding="utf-8")) == {"language": "en"}
    assert WorkstationSettings(path).get("language") == "en"
    WorkstationSettings(path).set("language", "fr")
    assert WorkstationSettings(path).get("language") == "fr"
    assert sorted(p.name for p in path.parent.iterdir()) == ["workstation.json"]  # no .tmp left


@pytest.mark.parametrize("value", ["de", "", None, "FR", 1])
def test_unknown_values_are_refused_and_not_written(tmp_path, value):
    path = tmp_path / "workstation.json"
    settings = WorkstationSettings(path)
    settings.set("language", "en")
    before = path.read_bytes()
    with pytest.raises(ValueError):
        settings.set("language", value)
    assert path.read_bytes() == before
    assert settings.get("language") == "en"


def test_unknown_keys_are_refused(tmp_path):
    with pytest.raises(KeyError):
        WorkstationSettings(tmp_path / "w.json").set("recent_patients", ["Dupont"])
    with pytest.raises(KeyError):
        WorkstationSettings(tmp_path / "w.json").get("recent_patients")
    assert not (tmp_path / "w.json").exists()


@pytest.mark.parametrize("content", ['{"language": "klingon"}', "not json", "[1, 2]", ""])
def test_bad_file_contents_fall_back_to_defaults(tmp_path, content):
    path = tmp_path / "workstation.json"
    path.write_text(content, encoding="utf-8")
    assert WorkstationSettings(path).get("language") == "fr"


def test_undeclared_keys_in_the_file_are_dropped_on_save(tmp_path):
    path = tmp_path / "workstation.json"
    path.write_text(json.dumps({"language": "en", "last_patient": "Dupont"}), encoding="utf-8")
    settings = WorkstationSettings(path)
    settings.set("language", "fr")
    assert json.loads(path.read_text(encoding="utf-8")) == {"language": "fr"}


def test_every_setting_is_declared_with_a_valid_default():
    for spec in SETTINGS.values():
        assert spec.scope in {"workstation", "practice"}
        assert spec.allowed is None or spec.default in spec.allowed


def test_an_override_holds_for_this_run_and_is_never_saved(tmp_path):
    path = tmp_path / "workstation.json"
    WorkstationSettings(path).set("language", "fr")
    settings = WorkstationSettings(path, overrides={"language": "en"})  # --language en
    assert settings.get("language") == "en"
    assert json.loads(path.read_text(encoding="utf-8")) == {"language": "fr"}
    assert WorkstationSettings(path).get("language") == "fr"


def test_a_choice_made_during_the_run_replaces_the_override(tmp_path):
    path = tmp_path / "workstation.json"
    settings = WorkstationSettings(path, overrides={"language": "en"})
    settings.set("language", "fr")  # chosen in Réglages
    assert settings.get("language") == "fr"
    settings.set("language", "en")
    assert WorkstationSettings(path).get("language") == "en"


def test_an_override_of_an_unknown_setting_is_refused(tmp_path):
    with pytest.raises(KeyError):
        WorkstationSettings(tmp_path / "w.json", overrides={"recent_patients": ["Dupont"]})
