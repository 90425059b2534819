"""The access trail's own retention on a large trail, with real files: old entries go a
batch at a time, each batch its own transaction and signed summary, the trail verifying
after each one (a run stopped after its first batch included), while another
connection keeps writing through the unit of work."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from app.storage import checkpoints, trail_retention, trail_verify
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF
from tests.storage.test_audit_anchor import log_lines, verify

OLD = 20_000
BUSY_TIMEOUT = 5.0  # app.storage.engine's busy_timeout, in seconds


def _old_trail(workspace, clock):
    """``OLD`` entries written now, then a year and more passes."""
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        for i in range(OLD):
            uow.audit("read", "patient", f"p-{i}")
    with workspace.store.engine.connect() as conn:
        count, last = conn.exec_driver_sql(
            "SELECT count(*), max(seq) FROM audit_trail").one()
    clock.advance(days=400)
    return count, last


def _summaries(paths) -> list[dict]:
    return [r for r in log_lines(paths) if r["kind"] == checkpoints.SUMMARY]


def test_a_large_trail_is_summarised_in_batches_and_verifies_after_each(workspace, clock):
    count, last = _old_trail(workspace, clock)
    store = workspace.store
    cutoff = clock.now() - timedelta(days=365)
    runs = []
    # Each run stops after its first batch, as the application closing would stop it.
    while (done := trail_retention.summarise_before(store, cutoff, stop=lambda: True,
                                                    pause=0)) is not None:
        runs.append(done)
        assert done.batches == 1 and done.removed <= trail_retention.BATCH
        report = trail_verify.verify_trail(store)
        assert report.ok, (len(runs), report)
        with store.engine.connect() as conn:
            first = conn.exec_driver_sql("SELECT min(seq) FROM audit_trail").scalar()
        assert first == (done.cut.seq + 1 if done.cut.seq < last else None)
    assert len(runs) == -(-count // trail_retention.BATCH) >= 4
    assert sum(r.removed for r in runs) == count and runs[-1].cut.seq == last
    summaries = _summaries(workspace.paths)
    assert [s["seq"] for s in summaries] == [r.cut.seq for r in runs]
    assert [s["previous_cut"] for s in summaries] == [0] + [r.cut.seq for r in runs[:-1]]
    assert all(s["count"] <= trail_retention.BATCH for s in summaries)
    print(f"\nlongest write lock per batch: {max(r.longest_lock for r in runs) * 1000:.0f} ms")
    paths = workspace.paths
    key = unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)
    workspace.close()
    assert verify(paths, key, clock).ok  # and after reopening


def test_another_writer_is_never_kept_waiting_beyond_the_busy_timeout(workspace, clock):
    count, last = _old_trail(workspace, clock)
    store = workspace.store
    waits, failures, running = [], [], threading.Event()

    def write() -> None:
        # The phone system's lookups, through the unit of work on its own connection.
        i = 0
        while running.is_set():
            started = time.monotonic()
            try:
                with store.unit_of_work(actor_id=workspace.user_id) as uow:
                    uow.audit("phone_lookup", "call", f"c-{i}")
            except Exception as exc:  # noqa: BLE001 - counted, the test says which
                failures.append(exc)
            waits.append(time.monotonic() - started)
            i += 1

    running.set()
    writer = threading.Thread(target=write)
    writer.start()
    try:
        done = trail_retention.apply_configured(store)
    finally:
        running.clear()
        writer.join()
    assert not failures, failures[:3]
    assert done is not None and done.removed == count and done.cut.seq == last
    assert done.batches >= 4 and len(waits) >= done.batches
    assert max(waits) < BUSY_TIMEOUT
    print(f"\n{done.batches} batches; longest write lock {done.longest_lock * 1000:.0f} ms; "
          f"{len(waits)} writes meanwhile, the longest {max(waits) * 1000:.0f} ms")
    assert trail_verify.verify_trail(store).ok


def test_the_retention_run_stops_between_two_batches_of_the_trail(workspace, clock):
    count, last = _old_trail(workspace, clock)
    paths = workspace.paths
    # The application locks or closes once the trail's first batch is done.
    summary = workspace.retention.apply(stop=lambda: bool(_summaries(paths)))
    assert 0 < summary.audit_entries <= trail_retention.BATCH
    assert len(_summaries(paths)) == 1
    assert trail_verify.verify_trail(workspace.store).ok
    with workspace.store.engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT count(*) FROM audit_trail").scalar()
    assert left > count - trail_retention.BATCH
    finished = workspace.retention.apply()  # the next run goes on from the cut
    assert finished.audit_entries == count - summary.audit_entries
    assert trail_verify.verify_trail(workspace.store).ok
