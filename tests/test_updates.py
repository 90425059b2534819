"""Updates: the program says which version it is and how this copy is updated; a
database written by a newer version is refused with the version running and the way out."""

from __future__ import annotations

import sys

from app import installed_version
from app.storage.errors import NewerSchemaError
from app.updates import how_to_update, is_standalone, version_text


def test_the_version_is_the_installed_one():
    assert version_text() == f"Permanence {installed_version()}"


def test_the_standalone_application_is_replaced_and_a_pip_install_upgraded(french_message):
    standalone = french_message(lambda: how_to_update(standalone=True), "par-dessus")
    with_pip = french_message(lambda: how_to_update(standalone=False), "pip install --upgrade")
    assert "pip" not in standalone
    for text in (standalone, with_pip):
        assert "fermez Permanence" in text and "sauvegardée" in text


def test_the_standalone_application_is_recognised(monkeypatch):
    assert not is_standalone()
    assert "pip" in how_to_update()
    # What PyInstaller's bootloader sets in the standalone application.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert is_standalone()
    assert "pip" not in how_to_update()


def test_a_newer_database_names_this_version_and_the_update(french_message):
    text = french_message(lambda: NewerSchemaError("9999").user_message,
                          "Installez la version plus récente")
    assert f"({installed_version()})" in text and "Rien n'a été modifié" in text
    # Then the way to the update, the one --version gives.
    assert text.endswith(how_to_update())
