"""Réglages › Comptes › "Réinitialiser la phrase de passe…" on a real profile: the owner
gives a secretary a new passphrase (sealed off the UI thread, audited as the command
line's reset is); she then opens the practice headless with it (``--user``) and no
longer with her old one. After a rekey the tab names the accounts left without a
passphrase. Someone else sees no such action and the service refuses it anyway."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from app.clock import SystemClock
from app.errors import ExitCode
from app.models.journal import AuditEntry
from app.services.access import AccessDenied
from app.services.practice_keys import rekey_practice
from app.services.workspace import open_workspace
from app.storage.keys import KdfParams
from app.storage.profile import unlock_key
from app.storage.signin import sign_in
from app.ui.settings_view import SettingsView
from tests.test_cli import permanence
from tests.ui.conftest import FAST_KDF, PASSPHRASE

SECRET = "Bureau du matin, cote jardin"
NEW = "Salle d'attente, lumiere du soir"


def _tab(qtbot, ws, settings):
    view = SettingsView(ws, settings)
    qtbot.addWidget(view)
    return view.accounts_tab


def _reset(qtbot, tab, name: str, new: str, *, again: str | None = None):
    row = [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())].index(name)
    tab.table.selectRow(row)
    dialog = tab.reset_passphrase()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.new, new)
    qtbot.keyClicks(dialog.confirm_new, new if again is None else again)
    return dialog


def test_the_owner_resets_a_secretarys_passphrase_and_she_signs_in_with_it(
        qtbot, workspace, settings):
    workspace.kdf = FAST_KDF
    workspace.accounts.add("secretaire", "secretary", SECRET, display_name="Léa Martin")
    # The new wrap at the real cost, as the application seals it: the command line
    # below accepts nothing cheaper.
    workspace.kdf = KdfParams()
    paths = workspace.paths
    tab = _tab(qtbot, workspace, settings)
    assert not tab.reset_button.isHidden()
    assert not tab.without_passphrase.text()  # every account has its passphrase
    before = paths.envelope.read_bytes()

    weak = _reset(qtbot, tab, "secretaire", "azerty")
    assert not weak.reset_button.isEnabled()
    assert "faible" in weak.gauge.text.text()
    weak.reject()
    differ = _reset(qtbot, tab, "secretaire", NEW, again=NEW + "!")
    assert not differ.reset()
    assert differ.error.text() == "Les deux phrases de passe sont différentes."
    differ.reject()
    assert paths.envelope.read_bytes() == before  # nothing sealed by either

    dialog = _reset(qtbot, tab, "secretaire", NEW)
    assert dialog.windowTitle() == "Réinitialiser la phrase de passe"
    assert dialog.gauge.text.text() == "Robustesse : forte."
    with qtbot.waitSignal(dialog.reset_done, timeout=60_000):
        qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
        assert dialog.busy  # sealing runs off the UI thread
        assert not dialog.new.isEnabled()
    assert not dialog.busy
    text = dialog.done_text.text()
    assert text.startswith("secretaire ouvre maintenant le cabinet avec cette nouvelle phrase")
    assert "en personne" in text and "Changer ma phrase de passe" in text
    assert dialog.close_button.isVisible() and dialog.reset_button.isHidden()
    with workspace.store.reader() as s:
        last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar()
    assert (last.action, last.entity, last.detail) == ("key_change", "user",
                                                      "passphrase_reset")
    assert last.user_id == workspace.user_id
    workspace.close()

    root = str(paths.root)
    signed = permanence("check", "--profile", root, "--user", "secretaire", passphrase=NEW)
    assert signed.returncode == 0, signed.stderr
    old = permanence("check", "--profile", root, "--user", "secretaire", passphrase=SECRET)
    assert old.returncode == ExitCode.SECRET, old.stderr
    assert "Traceback" not in old.stderr


def test_after_a_rekey_the_tab_names_the_accounts_to_reset(qtbot, workspace, settings):
    workspace.kdf = FAST_KDF
    workspace.accounts.add("secretaire", "secretary", SECRET)
    workspace.accounts.add("dr-morel", "practitioner", SECRET,
                           practitioner_id=workspace.practitioners()[0].id)
    paths = workspace.paths
    key = workspace.profile.key
    workspace.close()
    clock = SystemClock()
    done = rekey_practice(paths, key, passphrase=PASSPHRASE, clock=clock, keychain=None,
                          kdf=FAST_KDF, kdf_floor=FAST_KDF)
    assert done.accounts_dropped == ("dr-morel", "secretaire")
    ws = open_workspace(paths, done.key, clock=clock)
    ws.kdf = FAST_KDF
    try:
        tab = _tab(qtbot, ws, settings)
        assert tab.without_passphrase.isVisibleTo(tab)
        assert "dr-morel, secretaire" in tab.without_passphrase.text()
        status = {tab.table.item(r, 0).text(): tab.table.item(r, 3).text()
                  for r in range(tab.table.rowCount())}
        assert status == {"owner": "actif", "secretaire": "actif, sans phrase de passe",
                          "dr-morel": "actif, sans phrase de passe"}
        dialog = _reset(qtbot, tab, "secretaire", NEW)
        with qtbot.waitSignal(dialog.reset_done, timeout=60_000):
            assert dialog.reset()
        warning = tab.without_passphrase.text()
        assert "dr-morel" in warning and "secretaire" not in warning
        assert tab.table.item([tab.table.item(r, 0).text() for r in range(
            tab.table.rowCount())].index("secretaire"), 3).text() == "actif"
    finally:
        ws.close()
    assert sign_in(paths, clock=clock, name="secretaire", passphrase=NEW,
                   kdf_floor=FAST_KDF).name == "secretaire"


def test_someone_else_sees_no_reset_and_the_service_refuses_it(qtbot, workspace, settings):
    workspace.kdf = FAST_KDF
    workspace.accounts.add("secretaire", "secretary", SECRET)
    workspace.accounts.add("accueil", "secretary", SECRET)
    paths = workspace.paths
    workspace.close()
    clock = SystemClock()
    signed = sign_in(paths, clock=clock, name="secretaire", passphrase=SECRET,
                     kdf_floor=FAST_KDF)
    ws = open_workspace(paths, signed.key, clock=clock, signed_in=signed)
    ws.kdf = FAST_KDF
    before = paths.envelope.read_bytes()
    try:
        view = SettingsView(ws, settings)
        qtbot.addWidget(view)
        assert view.accounts_tab is None
        texts = [b.text() for b in view.findChildren(QPushButton)]
        assert not any("Réinitialiser" in t for t in texts), texts
        for name in ("accueil", "owner"):
            with pytest.raises(AccessDenied) as refused:
                ws.practice_keys.reset_account_passphrase(name, NEW)
            assert "accès refusé" in refused.value.user_message.lower()
        with pytest.raises(AccessDenied):
            ws.practice_keys.accounts_without_passphrase()
    finally:
        ws.close()
    assert paths.envelope.read_bytes() == before
    assert unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)
