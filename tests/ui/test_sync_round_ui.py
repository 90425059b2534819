"""Synchronising from the application: Réglages → Partage keeps the folder, "Synchronise
now" runs a round off the UI thread, and what arrives reaches the screens (the unread
count, the status bar) through the change bus."""

from __future__ import annotations

from app.services.messages import MessageInput
from app.services.practice import PracticeInput
from app.storage.profile import ProfilePaths
from tests.practice_template import practice_from_template
from tests.sync.roundkit import pair, rows, sync
from tests.ui.conftest import FAST_KDF, PASSPHRASE


def test_synchronise_now_updates_the_screens(qtbot, main_window, workspace, tmp_path):
    remote = practice_from_template(ProfilePaths(tmp_path / "remote"), PracticeInput(
        name="Secrétariat"), passphrase=PASSPHRASE, clock=workspace.clock,
        kdf=FAST_KDF).workspace
    try:
        pair(workspace, remote)
        folder = tmp_path / "partage"
        folder.mkdir()
        tab = main_window.show_sharing_settings()
        assert not main_window.sync_label.text() or "⚠" not in main_window.sync_label.text()
        tab.via.setText(str(tmp_path / "absent"))
        tab.interval.setValue(120)
        assert tab.save_sync()
        # A folder that is not there: the round fails, said in the tab and the status bar.
        with qtbot.waitSignal(main_window.sync.status_changed, timeout=20000):
            assert tab.sync_now()
        assert "⚠" in main_window.sync_label.text()
        assert "absent" in tab.sync_problems.text()

        tab.via.setText(str(folder))
        assert tab.save_sync() and main_window.sync.timer.interval() == 120_000
        with qtbot.waitSignal(main_window.sync.finished, timeout=20000):
            assert tab.sync_now()
        assert "Synchronisé" in main_window.sync_label.text(), main_window.sync_label.text()
        sync(remote, folder)  # the workstation receives the practice, then writes
        remote.messages.send(MessageInput("Rappeler Mme Durand", caller_name="Mme Durand",
                                          caller_phone="06 12 34 56 78"))
        sync(remote, folder)
        before = main_window.unread.count.total
        with qtbot.waitSignal(main_window.sync.finished, timeout=20000):
            assert tab.sync_now()
        qtbot.waitUntil(lambda: main_window.unread.count.total == before + 1, timeout=5000)
        assert any(m["body"] == "Rappeler Mme Durand" for m in rows(workspace,
                                                                    "message").values())
        assert tab.table.rowCount() == 1 and "⚠" not in main_window.sync_label.text()
    finally:
        remote.close()


def test_held_deletions_are_applied_once_the_owner_confirms(qtbot, main_window, workspace,
                                                            tmp_path):
    from sqlalchemy import select

    from app.models import Message

    remote = practice_from_template(ProfilePaths(tmp_path / "remote"), PracticeInput(
        name="Secrétariat"), passphrase=PASSPHRASE, clock=workspace.clock,
        kdf=FAST_KDF).workspace
    try:
        pair(workspace, remote)
        folder = tmp_path / "partage"
        folder.mkdir()
        for i in range(12):
            workspace.messages.send(MessageInput(f"Message {i}", caller_name="Durand",
                                                 caller_phone="06 12 34 56 78"))
        tab = main_window.show_sharing_settings()
        tab.via.setText(str(folder))
        assert tab.save_sync()
        with qtbot.waitSignal(main_window.sync.finished, timeout=20000):
            tab.sync_now()
        sync(remote, folder)
        with remote.store.unit_of_work(actor_id=remote.user_id) as uow:
            for row in uow.session.scalars(select(Message)):
                row.deleted_at = uow.now
        sync(remote, folder)
        with qtbot.waitSignal(main_window.sync.finished, timeout=20000):
            tab.sync_now()
        assert not tab.confirm_button.isHidden()
        assert "--confirm-deletions" in tab.sync_problems.text()
        assert all(m["deleted_at"] is None for m in rows(workspace, "message").values())
        questions = []
        tab._confirm = lambda question: questions.append(question) or True
        with qtbot.waitSignal(main_window.sync.finished, timeout=20000):
            assert tab.confirm_deletions()
        assert questions and "quimper" in questions[0]
        assert all(m["deleted_at"] is not None for m in rows(workspace, "message").values())
        assert tab.confirm_button.isHidden()
    finally:
        remote.close()
