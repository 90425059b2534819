"""The retention rules on a practice with thousands of old calls: they are erased in
many small transactions, between which another writer gets the database, with the same
end result as all at once; a run stopped between batches keeps what it did and the next
one finishes."""

from __future__ import annotations

import sqlcipher3
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal
from app.models.calls import Call, CallDirection
from app.models.kinds import CALL
from app.services import retention
from app.services.retention import RetentionRules

OLD_CALLS = 3000
BATCH = 500


def _old_calls(ws, clock, n: int = OLD_CALLS) -> None:
    """``n`` calls from two years ago and one from today, written in bulk."""
    start = clock.now() - timedelta(days=730)
    rows = [{"id": f"c{i:06d}", "direction": CallDirection.IN.value, "number": "+33611223344",
             "started_at": start + timedelta(minutes=i), "note": f"Zqxnote {i}"}
            for i in range(n)]
    rows.append({"id": "z-recent", "direction": CallDirection.IN.value,
                 "number": "+33611223344", "started_at": clock.now(), "note": "Zqxrecent"})
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.bulk_insert(Call, rows)
    ws.retention.set_rules(RetentionRules(patient_years=0))


def _calls_written(ws) -> list[int]:
    """The number of calls each later transaction wrote (the list grows as they commit)."""
    sizes: list[int] = []
    ws.store.subscribe(lambda cs: sizes.append(len(cs.ids(CALL))) if cs.touches(CALL)
                       else None)
    return sizes


def _state(ws):
    with ws.store.reader() as s:
        calls = s.execute(select(Call.id, Call.number, Call.note, Call.caller_id,
                                 Call.deleted_at.isnot(None)).order_by(Call.id)).all()
        journal = s.execute(select(ChangeJournal.entity_id, ChangeJournal.op,
                                   ChangeJournal.payload).where(ChangeJournal.entity == CALL)
                            .order_by(ChangeJournal.entity_id, ChangeJournal.seq)).all()
    # The erasure's own entries carry its instant and stamps: compare what they hold.
    return calls, [(e, op, "Zqx" in payload) for e, op, payload in journal]


def test_old_calls_go_in_batches_with_the_result_of_one_transaction(practice_factory, clock):
    batched = practice_factory("batched").workspace
    whole = practice_factory("whole").workspace
    for ws in (batched, whole):
        _old_calls(ws, clock)
    sizes = _calls_written(batched)
    done = batched.retention.apply(batch=BATCH)
    assert done.calls == OLD_CALLS
    assert sizes == [BATCH] * (OLD_CALLS // BATCH)

    one = _calls_written(whole)
    assert whole.retention.apply(batch=10 * OLD_CALLS).calls == OLD_CALLS
    assert one == [OLD_CALLS]
    assert _state(batched) == _state(whole)
    calls, journal = _state(batched)
    assert [c.id for c in calls if c.note] == ["z-recent"]
    assert [e for e, _op, old_value in journal if old_value] == ["z-recent"]
    with batched.store.reader() as s:
        details = s.execute(select(AuditEntry.detail).where(AuditEntry.action == "retention")
                            ).scalars().all()
    assert details == [f"patients=0 calls={OLD_CALLS} callbacks=0 messages=0 journal=0"]
    assert batched.retention.apply(dry_run=True).nothing
    assert batched.audit_trail.verify().ok


def test_another_writer_gets_the_database_between_batches(practice_factory, clock):
    ws = practice_factory().workspace
    _old_calls(ws, clock)
    commits: list[float] = []
    ws.store.subscribe(lambda cs: commits.append(time.monotonic()) if cs.touches(CALL)
                       else None)
    done = threading.Event()
    ran: list = []

    def run() -> None:
        try:
            ran.append(ws.retention.apply(batch=BATCH))
        finally:
            done.set()

    # Another connection, as the phone system's channel has, waiting 50 ms at most.
    other = ws.store.engine.raw_connection()
    other.execute("PRAGMA busy_timeout = 50")
    wrote: list[float] = []
    refused = 0
    worker = threading.Thread(target=run)
    worker.start()
    try:
        while not done.is_set():
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                wrote.append(time.monotonic())
            except sqlcipher3.OperationalError:
                refused += 1
            time.sleep(0.002)
    finally:
        worker.join()
        other.close()
    assert ran[0].calls == OLD_CALLS
    assert len(commits) == OLD_CALLS // BATCH
    # Some writes got in while the calls were being erased, between two batches.
    assert [t for t in wrote if commits[0] < t < commits[-1]], (refused, len(wrote))


def test_a_run_stopped_between_batches_keeps_its_work_and_the_next_one_finishes(
        practice_factory, clock):
    ws = practice_factory().workspace
    _old_calls(ws, clock)
    sizes = _calls_written(ws)
    stopped = ws.retention.apply(batch=BATCH, stop=lambda: len(sizes) >= 2)
    assert stopped.calls == 2 * BATCH
    assert ws.retention.due()  # not done: the daily run goes on with the rest
    with ws.store.reader() as s:
        left = s.execute(select(func.count()).select_from(Call).where(Call.note != "")
                         ).scalar_one()
    assert left == OLD_CALLS - 2 * BATCH + 1
    rest = ws.retention.apply_if_due()
    assert rest is not None and rest.calls == OLD_CALLS - 2 * BATCH
    assert not ws.retention.due()
    with ws.store.reader() as s:
        details = s.execute(select(AuditEntry.detail).where(AuditEntry.action == "retention")
                            .order_by(AuditEntry.seq)).scalars().all()
    assert details[0].endswith(" stopped") and f"calls={2 * BATCH} " in details[0]
    assert details[1].startswith(f"patients=0 calls={OLD_CALLS - 2 * BATCH} ")


def test_candidates_are_read_a_page_at_a_time(workspace, clock):
    _old_calls(workspace, clock, n=25)
    cut = clock.now() - timedelta(days=365)
    with workspace.store.reader() as s:
        pages, after = [], ""
        while page := retention._page(s, retention._old_calls(cut), Call, after, 10):
            pages.append(page)
            after = page[-1]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [i for p in pages for i in p] == [f"c{i:06d}" for i in range(25)]
