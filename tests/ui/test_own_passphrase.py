"""Réglages → Général → "Change my passphrase…": a secretary changes hers; a wrong
current one or two new ones that differ change nothing; only her wrap changes."""

from __future__ import annotations

import json

import pytest

from app.clock import FrozenClock
from app.services.workspace import open_workspace
from app.storage.errors import WrongSecretError
from app.storage.signin import sign_in
from app.ui.settings_view import SettingsView
from tests.ui.conftest import FAST_KDF, FROZEN_AT, PASSPHRASE

SECRET = "Bureau du matin, cote jardin"
NEW = "Salle d'attente, lumiere du soir"


def test_a_person_changes_their_own_passphrase_in_settings(qtbot, workspace, settings):
    workspace.kdf = FAST_KDF
    workspace.accounts.add("secretaire", "secretary", SECRET)
    paths = workspace.paths
    workspace.close()
    clock = FrozenClock(FROZEN_AT)
    signed = sign_in(paths, clock=clock, name="secretaire", passphrase=SECRET,
                     kdf_floor=FAST_KDF)
    ws = open_workspace(paths, signed.key, clock=clock, signed_in=signed)
    ws.kdf = FAST_KDF
    before = json.loads(paths.envelope.read_text())["wraps"]
    try:
        view = SettingsView(ws, settings)
        qtbot.addWidget(view)
        view.kdf_floor = FAST_KDF
        dialog = view.change_own_passphrase()
        dialog.current.setText(SECRET)
        dialog.new.setText(NEW)
        dialog.confirm_new.setText(NEW + "!")
        assert not dialog.change() and dialog.error.text()
        dialog.confirm_new.setText(NEW)
        dialog.current.setText("pas la bonne")
        assert dialog.change()  # off the UI thread: the answer comes back to the dialog
        assert dialog.busy and not dialog.current.isEnabled()
        qtbot.waitUntil(lambda: not dialog.busy)
        assert dialog.error.text() and dialog.result() == 0
        assert json.loads(paths.envelope.read_text())["wraps"] == before
        dialog.current.setText(SECRET)
        clock.advance(seconds=2)  # the delay a failed attempt sets
        assert dialog.change()
        qtbot.waitUntil(lambda: not dialog.busy)
        assert dialog.result() == dialog.DialogCode.Accepted, dialog.error.text()
    finally:
        ws.close()
    after = json.loads(paths.envelope.read_text())["wraps"]
    assert [w for w in after if w.get("name") != "secretaire"] == [
        w for w in before if w.get("name") != "secretaire"]
    with pytest.raises(WrongSecretError):
        sign_in(paths, clock=clock, name="secretaire", passphrase=SECRET, kdf_floor=FAST_KDF)
    clock.advance(seconds=2)
    assert sign_in(paths, clock=clock, name="secretaire", passphrase=NEW,
                   kdf_floor=FAST_KDF).user_id
    assert sign_in(paths, clock=clock, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)
