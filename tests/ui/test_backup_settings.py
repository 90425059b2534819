"""Réglages › Sauvegardes and the status bar's warning, on real widgets over a real
profile: choose a folder, back up now (off the UI thread), the last good backup shown,
the warning when it is too old or the folder is gone, and the backup made on closing."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from app.services.backups import backup_name, verify_backup


def backups_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.permanence-backup"))


def test_choose_a_folder_and_back_up_now(qtbot, main_window, tmp_path):
    out = tmp_path / "cle-usb"
    out.mkdir()
    tab = main_window.show_backup_settings()
    assert main_window.backup_warning.isVisibleTo(main_window)  # no folder chosen yet
    assert tab.folder.text() == "non choisi" or tab.folder.text() == "not chosen"
    assert not tab.run_button.isEnabled()
    tab._ask_folder = lambda parent, start: str(out)
    qtbot.mouseClick(tab.choose_button, Qt.MouseButton.LeftButton)
    assert tab.folder.text() == str(out) and tab.run_button.isEnabled()
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert tab.progress.isVisibleTo(tab) and not tab.run_button.isEnabled()
    qtbot.waitUntil(lambda: not main_window.backups.running, timeout=30_000)
    [made] = backups_in(out)
    assert verify_backup(made).practice_id
    assert str(made) in tab.result.text()
    assert tab.last_good.text() not in ("", "none yet", "aucune pour l'instant")
    assert not main_window.backup_warning.isVisibleTo(main_window)
    assert not tab.progress.isVisibleTo(tab)


def test_the_status_bar_warns_when_the_last_backup_is_old_or_the_folder_gone(
        qtbot, main_window, tmp_path):
    out = tmp_path / "nas"
    out.mkdir()
    runner = main_window.backups
    runner.set_folder(out)
    old = main_window._workspace.clock.now() - timedelta(days=4)
    runner.schedule.record_good(Path(backup_name(old)))
    runner.status_changed.emit(runner.status())
    warning = main_window.backup_warning
    assert warning.isVisibleTo(main_window) and old.strftime("%d/%m/%Y") in warning.text()
    recent = main_window._workspace.clock.now() - timedelta(days=1)
    runner.schedule.record_good(Path(backup_name(recent)))
    runner.status_changed.emit(runner.status())
    assert not warning.isVisibleTo(main_window)
    shutil.rmtree(out)  # the disk is unplugged
    runner.status_changed.emit(runner.status())
    assert warning.isVisibleTo(main_window) and str(out) in warning.text()
    qtbot.mouseClick(warning, Qt.MouseButton.LeftButton)  # it leads to the tab
    assert main_window.settings.tabs.currentWidget() is main_window.settings.backups_tab


def test_a_due_backup_is_made_when_the_application_closes(qtbot, main_window, tmp_path):
    out = tmp_path / "disque"
    out.mkdir()
    main_window.backups.set_folder(out)
    assert main_window.backups.schedule.due()
    main_window.close()
    qtbot.waitUntil(lambda: not main_window.isVisible(), timeout=30_000)
    assert len(backups_in(out)) == 1
    assert not main_window.backups.schedule.due()


def test_a_folder_inside_the_profile_is_refused(qtbot, main_window):
    tab = main_window.show_backup_settings()
    inside = main_window._workspace.paths.root / "copies"
    inside.mkdir()
    tab._ask_folder = lambda parent, start: str(inside)
    qtbot.mouseClick(tab.choose_button, Qt.MouseButton.LeftButton)
    assert main_window.backups.status().folder is None
    assert tab.folder.text() in ("non choisi", "not chosen")
