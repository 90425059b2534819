"""Réglages › Data protection, the practice's keys, on a real profile: re-encrypting
under a new key from the application (it closes the practice, runs off the UI thread
behind a progress dialog that cannot be closed, and opens the practice again under the
new key), and moving between the system keychain and a passphrase (the owner's)."""

from __future__ import annotations

import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QApplication

from app.storage.errors import EnvelopeError, KeychainError
from app.storage.keychain import Keychain
from app.storage.keys import KeyEnvelope
from app.storage.profile import unlock_key
from app.ui.app import GuiSession
from app.ui.data_protection import DataProtectionSettings
from app.ui.key_custody import STEPS, RekeyProgress, RekeyRequest
from app.ui.main_window import MainWindow
from tests.conftest import is_open
from tests.ui.conftest import FAST_KDF, PASSPHRASE

NEW = "Une toute nouvelle phrase de passe"
SECRET = "Bureau du matin, cote jardin"


def _session(qtbot, ws, settings):
    session = GuiSession(QApplication.instance(), ws, settings, kdf_floor=FAST_KDF)
    qtbot.waitExposed(session.show())
    return session


def _close(qtbot, session):
    # A rekey under way is not stopped: it is waited for.
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow), timeout=120_000)
    session.watcher.stop()
    session.window.end_session()
    session.window.deleteLater()
    session.workspace.close()


def _rekey(qtbot, session, passphrase: str):
    tab = session.window.settings.data_protection_tab
    tab._confirm_rekey = lambda parent, needs: RekeyRequest(passphrase if needs else None)
    return tab, tab.request_rekey()


def test_the_owner_rekeys_from_the_settings_and_works_on_under_the_new_key(
        qtbot, workspace, settings):
    workspace.kdf = FAST_KDF
    workspace.accounts.add("claire", "secretary", SECRET)
    paths, old_key = workspace.paths, bytes(workspace.profile.key)
    session = _session(qtbot, workspace, settings)
    try:
        # A wrong passphrase is refused before anything closes.
        tab, request = _rekey(qtbot, session, "pas la bonne")
        assert request is None and "incorrecte" in tab.last_box.text()
        assert is_open(workspace) and isinstance(session.window, MainWindow)

        tab, request = _rekey(qtbot, session, PASSPHRASE)
        assert request is not None
        progress = session.window
        assert isinstance(progress, RekeyProgress) and progress.isVisible()
        assert "annulé" in " ".join(w.text() for w in progress.findChildren(type(progress.step)))
        assert not is_open(workspace)  # the practice closed first
        steps = []
        session.rekey_run.step.connect(steps.append)

        qtbot.waitUntil(lambda: isinstance(session.window, MainWindow), timeout=120_000)
        new = session.workspace
        assert is_open(new) and new is not workspace
        new_key = bytes(new.profile.key)
        assert new_key != old_key
        assert unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF) == new_key
        message = session.rekey_message.text()
        recovery = message.split("\n\n")[2].strip()
        assert unlock_key(paths, recovery_key=recovery) == new_key
        assert "claire" in message
        assert steps == list(STEPS[len(STEPS) - len(steps):]) and steps[-1] == STEPS[-1]
        assert new.audit_trail.verify().ok
        assert "rekey" in new.audit_trail.actions()
        assert not [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, RekeyProgress) and w.isVisible()]
    finally:
        _close(qtbot, session)


def test_the_progress_of_a_rekey_cannot_be_closed_until_it_ends(qtbot):
    progress = RekeyProgress()
    qtbot.addWidget(progress)
    progress.show()
    progress.close()  # the window's close button
    progress.reject()  # Escape
    assert progress.isVisible() and progress.bar.value() == 0
    progress.show_step(STEPS[1])
    assert progress.bar.value() == 2 and progress.step.text() == "Copie de la base sous la nouvelle clé…"
    progress.finish()
    assert not progress.isVisible()


def test_a_rekey_that_fails_reopens_the_practice_on_its_old_key_and_says_why(
        qtbot, workspace, settings):
    workspace.kdf = FAST_KDF
    paths, old_key = workspace.paths, bytes(workspace.profile.key)
    # Where the backup made first should go, a file: the rekey stops at its first step.
    paths.backups.mkdir(parents=True, exist_ok=True)
    paths.backups.rmdir()
    paths.backups.write_text("not a folder")
    session = _session(qtbot, workspace, settings)
    try:
        _rekey(qtbot, session, PASSPHRASE)
        qtbot.waitUntil(lambda: isinstance(session.window, MainWindow), timeout=60_000)
        assert bytes(session.workspace.profile.key) == old_key
        assert unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF) == old_key
        assert session.rekey_message.isVisible() and "Traceback" not in \
            session.rekey_message.text()
        assert session.workspace.audit_trail.verify().ok
    finally:
        _close(qtbot, session)


@pytest.fixture
def keychain(tmp_path) -> Keychain:
    cryptfile = pytest.importorskip("keyrings.cryptfile.cryptfile")
    backend = cryptfile.CryptFileKeyring()
    backend.file_path = str(tmp_path / "keyring" / "cryptfile.cfg")
    (tmp_path / "keyring").mkdir()
    backend.time_cost, backend.memory_cost, backend.parallelism = 1, 8 * 1024, 1
    backend.keyring_key = "keyring file password"
    return Keychain(backend)


def test_the_owner_moves_to_the_keychain_and_back(qtbot, workspace, keychain):
    workspace.kdf = FAST_KDF
    paths = workspace.paths
    answers = {"new": "court"}
    tab = DataProtectionSettings(workspace, keychain=keychain,
                                 confirm_keychain=lambda parent: True,
                                 new_passphrase=lambda parent: answers["new"])
    qtbot.addWidget(tab)
    assert "phrase de passe" in tab.opens_with.text()
    assert tab.switch_keychain()
    assert KeyEnvelope.load(paths.envelope).kinds() == {"keychain", "recovery"}
    assert "trousseau" in tab.opens_with.text()
    assert unlock_key(paths, keychain=keychain) == workspace.profile.key
    with pytest.raises(EnvelopeError):
        unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=FAST_KDF)

    # Back to a passphrase: a weak one is refused, and the keychain still opens it.
    assert not tab.switch_keychain()
    assert KeyEnvelope.load(paths.envelope).kinds() == {"keychain", "recovery"}
    assert tab.last_box.text()
    answers["new"] = NEW
    assert tab.switch_keychain()
    assert KeyEnvelope.load(paths.envelope).kinds() == {"passphrase", "recovery"}
    assert unlock_key(paths, passphrase=NEW, kdf_floor=FAST_KDF) == workspace.profile.key
    assert "phrase de passe" in tab.opens_with.text()
    rows = [r.detail for r in workspace.audit_trail.entries() if r.action == "key_change"]
    assert rows == ["to_passphrase", "to_keychain"]
    from app.services.audit_trail import action_label

    assert action_label("key_change") == "clés du cabinet modifiées"


def test_without_a_keychain_the_practice_keeps_its_passphrase(qtbot, workspace):
    paths = workspace.paths
    before = paths.envelope.read_bytes()
    tab = DataProtectionSettings(workspace, keychain=Keychain(fail.Keyring()),
                                 confirm_keychain=lambda parent: True)
    qtbot.addWidget(tab)
    assert not tab.switch_keychain()
    assert "aucun trousseau" in tab.last_box.text()
    assert paths.envelope.read_bytes() == before


def test_only_the_owner_sees_the_key_buttons(qtbot, workspace):
    workspace.kdf = FAST_KDF
    workspace.accounts.add("claire", "secretary", SECRET)
    # The owner lets secretaries apply the retention rules: the keys stay the owner's.
    workspace.security.set_allowed("secretary", "retention", True)
    other = workspace.seen_as("claire")
    tab = DataProtectionSettings(other)
    qtbot.addWidget(tab)
    assert all(b.isHidden() for b in (tab.rekey_button, tab.keychain_button,
                                      tab.passphrase_button, tab.recovery_button))
    mine = DataProtectionSettings(workspace)
    qtbot.addWidget(mine)
    assert not any(b.isHidden() for b in (mine.rekey_button, mine.keychain_button))


@pytest.fixture
def no_keychain():
    """The system's keyring as on a workstation without one, restored after."""
    import keyring

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_without_a_keychain_the_reason_is_said_in_french_too(qtbot, workspace, no_keychain):
    tab = DataProtectionSettings(workspace, confirm_keychain=lambda parent: True)
    qtbot.addWidget(tab)
    assert not tab.switch_keychain()
    assert tab.last_box.text() == (
        "Ce poste n'a aucun trousseau du système utilisable (aucun trousseau sur ce "
        "système) : le cabinet continue de s'ouvrir avec sa phrase de passe ; rien n'a été "
        "modifié.")
    with pytest.raises(KeychainError) as info:
        Keychain().store("envelope", b"x" * 32)
    assert "(aucun trousseau sur ce système)" in info.value.user_message
    assert Keychain().unusable_reason() == "aucun trousseau sur ce système"
