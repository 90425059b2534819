"""Unlock prompt and first-run wizard, over real profiles."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app.clock import SystemClock
from app.services.workspace import create_practice, open_workspace
from app.storage.profile import ProfilePaths, unlock_key
from app.ui.setup_wizard import SetupWizard
from app.ui.unlock_dialog import UnlockDialog
from tests.ui.conftest import FAST_KDF, PASSPHRASE


def _unlocker(paths):
    def unlock(name, secret: str, recovery: bool) -> bytes:
        if recovery:
            return unlock_key(paths, recovery_key=secret)
        return unlock_key(paths, passphrase=secret, kdf_floor=FAST_KDF)
    return unlock


def test_unlock_dialog_refuses_a_wrong_passphrase_then_opens(qtbot, workspace):
    paths = workspace.paths
    dialog = UnlockDialog(_unlocker(paths), profile_label=str(paths.root))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.secret, "wrong passphrase")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible()
    assert "phrase de passe" in dialog.error.text().lower()
    assert dialog.key is None and dialog.isVisible()
    dialog.secret.clear()
    qtbot.keyClicks(dialog.secret, PASSPHRASE)
    qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    assert dialog.key is not None
    assert dialog.result() == UnlockDialog.DialogCode.Accepted


def test_unlock_dialog_with_the_recovery_key(qtbot, tmp_path):
    from app.services.practice import PracticeInput

    paths = ProfilePaths(tmp_path / "p")
    created = create_practice(paths, PracticeInput(name="Cabinet"), passphrase=PASSPHRASE,
                              keychain=None, clock=SystemClock(), kdf=FAST_KDF)
    created.workspace.close()
    dialog = UnlockDialog(_unlocker(paths), profile_label=str(paths.root))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.toggle, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.secret, created.recovery_key.lower().replace("-", " "))
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    assert dialog.key is not None
    open_workspace(paths, dialog.key, clock=SystemClock()).close()


def test_setup_wizard_creates_a_passphrase_protected_practice(qtbot, tmp_path):
    paths = ProfilePaths(tmp_path / "new")
    made = {}

    def creator(practice, passphrase, use_keychain):
        created = create_practice(paths, practice, passphrase=passphrase, keychain=None,
                                  clock=SystemClock(), kdf=FAST_KDF)
        made["ws"] = created.workspace
        return created.recovery_key

    wizard = SetupWizard(creator, keychain_problem="no keychain backend")
    qtbot.addWidget(wizard)
    wizard.show()
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # a practice needs a name
    qtbot.keyClicks(wizard.practice_page.name, "Cabinet du Parc")
    assert next_button.isEnabled()
    wizard.next()
    table = wizard.practitioners_page.table
    for col, value in ((1, "Claire"), (2, "Morel"), (3, "Pediatrie")):
        table.item(0, col).setText(value)
    wizard.next()
    page = wizard.protection_page
    assert not page.keychain.isEnabled() and page.passphrase_choice.isChecked()
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    qtbot.keyClicks(page.passphrase, "short")
    assert not commit.isEnabled()
    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, "tilleul cerise velo")
    qtbot.keyClicks(page.confirm, "tilleul cerise vel0")
    wizard.next()
    assert page.error.isVisible() and not paths.exists()  # mismatch: nothing created
    page.confirm.clear()
    qtbot.keyClicks(page.confirm, "tilleul cerise velo")
    wizard.next()
    assert paths.db.exists()
    key_text = wizard.recovery_page.key_label.text()
    assert len(key_text.replace("-", "")) == 32
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # the key must be acknowledged
    wizard.recovery_page.confirm.setChecked(True)
    assert finish.isEnabled()
    ws = made["ws"]
    try:
        assert ws.practice.name == "Cabinet du Parc"
    finally:
        ws.close()
    assert unlock_key(paths, passphrase="tilleul cerise velo", kdf_floor=FAST_KDF)
    assert unlock_key(paths, recovery_key=key_text)


def test_switching_language_rebuilds_in_english_and_persists(qtbot, workspace, settings):
    from PySide6.QtWidgets import QApplication

    from app import i18n
    from app.services.settings import WorkstationSettings
    from app.ui.app import GuiSession

    session = GuiSession(QApplication.instance(), workspace, settings)
    window = session.show()
    labels = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert labels == ["Agenda", "Patients", "Annuaire", "Messages", "Consignes", "Appels",
                      "Statistiques", "Réglages"]
    combo = window.settings.language
    combo.setCurrentIndex(combo.findData("en"))
    new = session.window
    assert new is not window
    assert [new.nav.item(i).text() for i in range(new.nav.count())] == [
        "Agenda", "Patients", "Directory", "Messages", "Instructions", "Calls", "Statistics",
        "Settings"]
    assert WorkstationSettings(workspace.paths.workstation_settings).get("language") == "en"
    i18n.set_language("fr")
    new.close()


def test_screenshot_command_renders_every_screen(qtbot, workspace, settings, tmp_path):
    from PySide6.QtGui import QImage

    from app.ui.screenshot import render_screens

    written = render_screens(workspace, tmp_path / "shots", settings)
    assert len(written) >= 30
    if sys.platform != "win32":  # screenshots show patients: owner-only
        assert (tmp_path / "shots").stat().st_mode & 0o777 == 0o700
        assert {p.stat().st_mode & 0o777 for p in written} == {0o600}
    for path in written:
        image = QImage(str(path))
        assert image.width() >= 400 and image.height() >= 180, path  # a dialog at least


def _protection_page(qtbot, tmp_path, made: dict):
    paths = ProfilePaths(tmp_path / "new")

    def creator(practice, passphrase, use_keychain):
        created = create_practice(paths, practice, passphrase=passphrase, keychain=None,
                                  clock=SystemClock(), kdf=FAST_KDF)
        made["ws"] = created.workspace
        return created.recovery_key

    wizard = SetupWizard(creator, keychain_problem="no keychain backend")
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.practice_page.name, "Cabinet du Parc")
    wizard.next()
    table = wizard.practitioners_page.table
    for col, value in ((1, "Claire"), (2, "Morel")):
        table.item(0, col).setText(value)
    wizard.next()
    return wizard, paths


def test_setup_wizard_shows_the_strength_and_wants_a_strong_passphrase(qtbot, tmp_path):
    made: dict = {}
    wizard, paths = _protection_page(qtbot, tmp_path, made)
    page = wizard.protection_page
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    for weak, level in (("x", "faible"), ("aaaaaaaaaa", "faible"),
                        ("Cabinet du ParcCabinet du Parc", "faible"),
                        ("Claire Morel Claire", "moyenne"), ("correct horse", "moyenne")):
        page.passphrase.clear()
        page.confirm.clear()
        qtbot.keyClicks(page.passphrase, weak)
        qtbot.keyClicks(page.confirm, weak)
        assert page.strength.text().startswith(f"Robustesse : {level}."), weak
        assert page.strength_bar.value() < 100
        assert page.strength_bar.property("level") != "strong"
        assert not commit.isEnabled(), weak
    page.passphrase.clear()
    page.confirm.clear()
    qtbot.keyClicks(page.passphrase, "Tilleul-ambre-93-grenade-lotus")
    assert page.strength.text() == "Robustesse : forte."
    assert page.strength_bar.value() == 100 and page.strength_bar.property("level") == "strong"
    qtbot.keyClicks(page.confirm, "Tilleul-ambre-93-grenade-lotus")
    assert commit.isEnabled()
    wizard.next()
    assert paths.db.exists()
    made["ws"].close()


def test_setup_wizard_refuses_a_weak_passphrase_even_if_the_button_was_on(qtbot, tmp_path):
    """The rule is checked again when creating, whatever enabled the button."""
    made: dict = {}
    wizard, paths = _protection_page(qtbot, tmp_path, made)
    page = wizard.protection_page
    for field in (page.passphrase, page.confirm):
        qtbot.keyClicks(field, "aaaaaaaaaa")
    assert not wizard.create_practice(page.error)
    assert page.error.isVisible() and "trop facile" in page.error.text()
    assert not paths.exists() and "ws" not in made
