"""Réglages › Protection des données: the owner sets the retention rules and the
erasure rule, sees what a dry run would remove, and applies them; the daily run."""

from __future__ import annotations

import pytest

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


def test_a_remote_workstation_shows_the_erasure_rules_as_the_practice_s(qtbot, workspace):
    from sqlalchemy import update

    from app.models.sync import NODE_REMOTE, NodeIdentity
    from app.sync.node import this_node
    from app.ui.data_protection import DataProtectionSettings

    this_node(workspace.store)
    with workspace.store.writer_engine.begin() as conn:  # as ``peer join`` leaves it
        conn.execute(update(NodeIdentity).where(
            NodeIdentity.node_id == workspace.store.node_id).values(kind=NODE_REMOTE))
    page = DataProtectionSettings(workspace)
    qtbot.addWidget(page)
    erasing = (page.patient_years, page.call_months, page.message_months)
    assert not any(box.isEnabled() for box in erasing) and page.journal_days.isEnabled()
    assert "arrivent avec la synchronisation" in page.call_months.toolTip()


def test_the_daily_run_applies_the_rules_once(qtbot, main_window, workspace):
    runner = main_window.retention
    assert runner.timer.isActive()
    runner.run_if_due()
    qtbot.waitUntil(lambda: runner._task is None, timeout=10000)
    assert not workspace.retention.due()


def test_the_owner_changes_the_passphrase_and_the_recovery_key(qtbot, main_window, workspace):
    from app.storage.errors import WrongSecretError
    from app.storage.keys import KeyEnvelope
    from tests.conftest import FAST_KDF
    from tests.ui.conftest import PASSPHRASE

    workspace.kdf = FAST_KDF
    page = _page(main_window)
    page._passphrases = lambda parent: ("pas la bonne", "Une toute nouvelle phrase de passe")
    assert not page.change_passphrase()
    assert "incorrecte" in page.last_box.text()
    page.last_box.close()
    page._passphrases = lambda parent: (PASSPHRASE, "Une toute nouvelle phrase de passe")
    assert page.change_passphrase(), page.last_box.text()
    page.last_box.close()
    envelope = KeyEnvelope.load(workspace.paths.envelope)
    envelope.unwrap_with_passphrase("Une toute nouvelle phrase de passe", kdf_floor=FAST_KDF)

    page._confirm = lambda parent: False
    assert page.new_recovery_key() is None
    page._confirm = lambda parent: True
    first = page.new_recovery_key()
    assert first and first in page.last_box.text()
    page.last_box.close()
    second = page.new_recovery_key()
    page.last_box.close()
    envelope = KeyEnvelope.load(workspace.paths.envelope)
    assert envelope.unwrap_with_recovery_key(second) == workspace.profile.key
    with pytest.raises(WrongSecretError):
        envelope.unwrap_with_recovery_key(first)


def test_the_owner_exports_the_record_of_processing(qtbot, main_window, tmp_path):
    page = _page(main_window)
    page._choose_path = lambda *a: tmp_path / "registre.md"
    assert page.export_record() == tmp_path / "registre.md"
    assert "Registre des activités de traitement" in (tmp_path / "registre.md").read_text(
        encoding="utf-8")
    assert "registre.md" in page.result.text()


def test_the_daily_run_ends_after_its_batch_when_the_application_locks_or_closes(
        qtbot, main_window, workspace, clock):
    from datetime import timedelta

    from sqlalchemy import func, select

    from app.models.calls import Call
    from app.models.kinds import CALL
    from app.services.retention import BATCH

    old = clock.now() - timedelta(days=730)
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.bulk_insert(Call, [{"direction": "in", "number": "+33611223344", "note": "ancien",
                                "started_at": old + timedelta(minutes=i)}
                               for i in range(3 * BATCH)])
    runner = main_window.retention
    # Locked as the first batch commits (in the run's thread).
    workspace.store.subscribe(lambda cs: runner.interrupt() if cs.touches(CALL) else None)
    runner.run_if_due()
    qtbot.waitUntil(lambda: not runner.running, timeout=20000)
    with workspace.store.reader() as s:
        left = s.execute(select(func.count()).select_from(Call).where(Call.note != "")
                         ).scalar_one()
    assert left == 2 * BATCH
    assert workspace.retention.due()  # the next check finishes

    runner.stop()  # the application closes: no more runs
    assert not runner.timer.isActive()
    runner.run_if_due()
    assert not runner.running
