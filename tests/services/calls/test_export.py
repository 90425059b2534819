"""The call log to CSV: every call of the days once, in time order, a batch at a time."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta, timezone

import pytest

from app.services.calls import CallInput
from app.services.calls import export as call_export
from app.services.calls.export import CallExporter, InvalidCallRange

T = datetime(2026, 3, 16, 8, 0, tzinfo=timezone.utc)


def test_every_call_once_in_time_order_across_batches(workspace, tmp_path, monkeypatch):
    ws = workspace
    monkeypatch.setattr(call_export, "BATCH", 2)
    starts = [T, T + timedelta(minutes=1), T + timedelta(minutes=1), T + timedelta(minutes=1),
              T + timedelta(minutes=5), T - timedelta(hours=10)]  # the last one: 15 March
    ids = [ws.calls.record(CallInput(number="0612345678", started_at=s)).id for s in starts]
    exporter = CallExporter(ws.store, actor_id=ws.user_id, clock=ws.clock, zone=ws.zone)
    out = tmp_path / "calls.csv"
    result = exporter.export(out, first=date(2026, 3, 16), last=date(2026, 3, 16))
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert result.rows == 5 and len(rows) == 6
    assert [r[0] for r in rows[1:]] == ["2026-03-16T09:00:00+01:00"] + [
        "2026-03-16T09:01:00+01:00"] * 3 + ["2026-03-16T09:05:00+01:00"]
    assert len(ids) == 6


def test_reversed_days_and_an_existing_file_are_refused(workspace, tmp_path):
    ws = workspace
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    exporter = CallExporter(ws.store, actor_id=ws.user_id, clock=ws.clock, zone=ws.zone)
    with pytest.raises(InvalidCallRange):
        exporter.export(tmp_path / "x.csv", first=date(2026, 3, 17), last=date(2026, 3, 16))
    (tmp_path / "there.csv").write_text("keep")
    with pytest.raises(Exception) as caught:
        exporter.export(tmp_path / "there.csv", first=date(2026, 3, 16),
                        last=date(2026, 3, 16))
    assert caught.value.exit_code == 2 and (tmp_path / "there.csv").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["there.csv"]
