"""Réglages → Partage over real profiles and real widgets: the fingerprint shown large,
an invitation saved, a request accepted only once its fingerprint is confirmed, what a
workstation receives edited, a workstation revoked after a question."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.clock import SystemClock
from app.services.practice import PracticeInput
from app.sync.node import this_node
from app.sync.pairing import join, read_invite
from app.ui.plain import PlainLabel
from app.ui.settings_view import SettingsView
from app.ui.sharing_tab import FingerprintDialog, SharingTab
from tests.practice_template import practice_from_template
from tests.ui.conftest import FAST_KDF, PASSPHRASE


def _remote(tmp_path):
    from app.storage.profile import ProfilePaths

    return practice_from_template(ProfilePaths(tmp_path / "remote"), PracticeInput(
        name="Secrétariat"), passphrase=PASSPHRASE, clock=SystemClock(),
        kdf=FAST_KDF).workspace


def _tab(qtbot, workspace, **answers) -> SharingTab:
    tab = SharingTab(workspace, **answers)
    qtbot.addWidget(tab)
    tab.show()
    return tab


def test_pairing_a_workstation_from_the_settings(qtbot, workspace, tmp_path):
    remote = _remote(tmp_path)
    shown = []
    saved = tmp_path / "quimper.invite"
    request_path = tmp_path / "quimper.request"
    tab = _tab(qtbot, workspace, choose_save=lambda caption, name: saved,
               choose_open=lambda caption, name: request_path,
               confirm_fingerprint=lambda name, fp: shown.append((name, fp)) or True,
               confirm=lambda question: True)
    try:
        assert tab.fingerprint.text() == this_node(workspace.store).fingerprint
        assert tab.fingerprint.font().pointSize() >= 18

        qtbot.keyClicks(tab.name, "quimper")
        qtbot.mouseClick(tab.invite_button, Qt.MouseButton.LeftButton)
        assert saved.exists(), tab.error.text()
        assert tab.table.rowCount() == 1
        assert tab.table.item(0, 2).text() == "invité"
        invite = read_invite(saved.read_bytes(), now=remote.clock.now())
        request_path.write_bytes(join(remote.store, invite, principal=remote.principal))

        qtbot.mouseClick(tab.accept_button, Qt.MouseButton.LeftButton)
        remote_fp = this_node(remote.store).fingerprint
        assert shown == [("quimper", remote_fp)]
        assert tab.table.item(0, 3).text() == remote_fp, tab.error.text()
        assert tab.selected().state == "active"

        # What it receives: one week back, no calls.
        editor = tab.scope_editor
        editor.days_back.setValue(7)
        editor.kinds["calls"].setChecked(False)
        editor.groups["alert"].setChecked(False)
        qtbot.mouseClick(tab.save_scope_button, Qt.MouseButton.LeftButton)
        scope = tab.selected().scope
        assert scope.days_back == 7 and not scope.calls and "alert" not in scope.patient_fields
        assert "email" in scope.patient_fields and "admin_note" not in scope.patient_fields

        qtbot.mouseClick(tab.revoke_button, Qt.MouseButton.LeftButton)
        assert tab.selected().state == "revoked"
        assert not tab.scope_editor.isEnabled()
    finally:
        remote.close()


def test_a_fingerprint_not_confirmed_pairs_nothing(qtbot, workspace, tmp_path):
    remote = _remote(tmp_path)
    saved, request_path = tmp_path / "a.invite", tmp_path / "a.request"
    tab = _tab(qtbot, workspace, choose_save=lambda c, n: saved,
               choose_open=lambda c, n: request_path,
               confirm_fingerprint=lambda name, fp: False, confirm=lambda q: False)
    try:
        qtbot.keyClicks(tab.name, "poste")
        qtbot.mouseClick(tab.invite_button, Qt.MouseButton.LeftButton)
        invite = read_invite(saved.read_bytes(), now=remote.clock.now())
        request_path.write_bytes(join(remote.store, invite, principal=remote.principal))
        qtbot.mouseClick(tab.accept_button, Qt.MouseButton.LeftButton)
        assert tab.selected().state == "invited"
        assert "rien n'a été modifié" in tab.done.text()
        qtbot.mouseClick(tab.revoke_button, Qt.MouseButton.LeftButton)  # answered no
        assert tab.selected().state == "invited"
        # A file that is no request: said under the form, in French.
        request_path.write_text("pas une demande")
        qtbot.mouseClick(tab.accept_button, Qt.MouseButton.LeftButton)
        assert "demande d'association" in tab.error.text()
    finally:
        remote.close()


def test_the_fingerprint_dialog_and_the_tab_in_the_settings(qtbot, workspace, settings):
    dialog = FingerprintDialog("quimper", "1234 5678 9012 3456 7890 1234")
    qtbot.addWidget(dialog)
    (shown,) = [w for w in dialog.findChildren(PlainLabel) if w.objectName() == "Fingerprint"]
    assert shown.text() == "1234 5678 9012 3456 7890 1234" and shown.font().pointSize() >= 18
    assert dialog.match.text() == "Les empreintes sont identiques : associer"
    view = SettingsView(workspace, settings)
    qtbot.addWidget(view)
    assert view.show_sharing() is view.sharing_tab is not None
    assert view.tabs.tabText(view.tabs.indexOf(view.sharing_tab)) == "Partage"
    assert view.fingerprint.text() == this_node(workspace.store).fingerprint


def test_the_sharing_screenshot_is_the_same_byte_for_byte(qtbot, frozen_workspace, settings,
                                                          tmp_path):
    from app.sync.pairing import Sharing
    from app.ui import screenshot

    ws = frozen_workspace
    Sharing(ws.store, principal=ws.principal, clock=ws.clock).invite("secretariat-quimper")
    first = screenshot.render_screens(ws, tmp_path / "a", settings,
                                      screens=(screenshot.sharing,))
    second = screenshot.render_screens(ws, tmp_path / "b", settings,
                                       screens=(screenshot.sharing,))
    assert [p.name for p in first] == ["01-reglages-partage.png"]
    assert first[0].read_bytes() == second[0].read_bytes()


def test_new_keys_from_the_settings_after_a_confirmation(qtbot, workspace):
    asked = []
    answer = [False]
    tab = _tab(qtbot, workspace, confirm=lambda question: asked.append(question) or answer[0])
    before = this_node(workspace.store).fingerprint
    qtbot.mouseClick(tab.rotate_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "empreinte" in asked[0]
    assert this_node(workspace.store).fingerprint == before == tab.fingerprint.text()
    answer[0] = True
    qtbot.mouseClick(tab.rotate_button, Qt.MouseButton.LeftButton)
    after = this_node(workspace.store).fingerprint
    assert after != before and tab.fingerprint.text() == after
    assert before in tab.done.text() and after in tab.done.text()
