"""The list of sync conflicts, with real practices and a real widget: it shows both
values, resolves the one selected either way, and marks an overlap as seen."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.models import Patient
from app.ui.sync_conflicts import SyncConflictsView
from tests.storage.test_remote_apply import edit, last_seq, send, since
from tests.storage.test_sync_conflicts_apply import _book, _practitioner, shared


def _conflicts(practice_factory, clock):
    a = practice_factory("node-a").workspace
    b = practice_factory("node-b").workspace
    pid = shared(a, b)
    roux = _practitioner(a, b)
    seq_b = last_seq(b)
    clock.advance(minutes=1)
    edit(a, pid, city="Tours\x1b[2J")  # text from a peer: shown on one clean line
    clock.advance(minutes=1)
    edit(b, pid, city="Blois")
    nine = datetime(2026, 3, 17, 9, 0, tzinfo=timezone.utc)
    _book(a, roux, nine, 30)
    _book(b, roux, nine + timedelta(minutes=10), 30)
    send(b, a, since(b, a, seq_b))
    return a, pid


def _row(view, row):
    return [view.table.item(row, col).text() for col in range(view.table.columnCount())]


def test_the_list_resolves_a_field_conflict_and_an_overlap(qtbot, practice_factory, clock):
    a, pid = _conflicts(practice_factory, clock)
    view = SyncConflictsView.of(a)
    qtbot.addWidget(view)
    view.show()
    assert view.table.rowCount() == 2 and view.empty.isHidden()
    rows = [_row(view, r) for r in range(2)]
    field_row = next(r for r, texts in enumerate(rows) if texts[2] == "ville")
    assert rows[field_row][1:] == ["LEFÈVRE Hélène", "ville", "Blois", "Tours [2J"]
    assert not view.take_button.isEnabled()  # nothing selected yet
    assert not view.resolve("took_other")
    assert view.error.text() == "Sélectionnez d'abord un conflit."

    view.table.selectRow(field_row)
    assert view.take_button.isEnabled() and not view.seen_button.isEnabled()
    view.take_button.click()
    with a.store.reader() as s:
        assert s.get(Patient, pid).city == "Tours\x1b[2J"
    assert view.table.rowCount() == 1 and view.error.isHidden()

    view.table.selectRow(0)
    assert view.seen_button.isEnabled() and not view.keep_button.isEnabled()
    assert "chevauchent" in _row(view, 0)[2]
    view.seen_button.click()
    assert view.table.rowCount() == 0 and view.table.isHidden()
    assert view.empty.isVisible()
    with a.store.reader() as s:
        assert s.execute(select(Patient.city).where(Patient.id == pid)).scalar_one() \
            .startswith("Tours")
