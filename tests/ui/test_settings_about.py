"""Réglages › Général shows the version running and how to update it."""

from __future__ import annotations

from app import installed_version
from app.ui.settings_view import SettingsView


def test_the_settings_show_the_version_and_how_to_update(qtbot, workspace, settings):
    view = SettingsView(workspace, settings)
    qtbot.addWidget(view)
    assert view.version.text() == f"Permanence {installed_version()}"
    assert view.update_hint.text().startswith("Pour mettre à jour, fermez Permanence")
    assert view.update_hint.isVisibleTo(view)
