"""Réglages › Protection des données: the owner sets the retention rules and the
erasure rule, sees what a dry run would remove, and applies them; the daily run."""

from __future__ import annotations

from app.services.calls.events import CallInput


def _page(main_window):
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.settings))
    page = main_window.settings.show_data_protection()
    assert page is not None and page.isVisible()
    return page


def test_the_owner_sets_the_rules_and_sees_what_they_would_remove(qtbot, main_window,
                                                                  workspace, clock):
    workspace.calls.record(CallInput("06 11 22 33 44", clock.now(), note="ancien"))
    clock.advance(days=100)
    page = _page(main_window)
    assert page.patient_years.value() == 20 and page.call_months.value() == 12
    page.call_months.setValue(2)
    page.activity_years.setValue(5)
    assert page.save()
    assert workspace.retention.rules().call_months == 2
    assert workspace.rights.activity_years() == 5

    page.run(dry_run=True)
    qtbot.waitUntil(lambda: page._task is None, timeout=10000)
    assert "supprimeraient" in page.result.text() and "1 appel" in page.result.text()
    page.run(dry_run=False)
    qtbot.waitUntil(lambda: page._task is None, timeout=10000)
    assert "ont supprimé" in page.result.text() and "1 appel" in page.result.text()
    assert workspace.retention.apply(dry_run=True).calls == 0


def test_the_daily_run_applies_the_rules_once(qtbot, main_window, workspace):
    runner = main_window.retention
    assert runner.timer.isActive()
    runner.run_if_due()
    qtbot.waitUntil(lambda: runner._task is None, timeout=10000)
    assert not workspace.retention.due()
