"""How long the audit trail keeps its entries, and summarising older ones away.

Access logs are kept for a limited time (the CNIL recommends six months to a year):
by default a year, set by the owner. Entries older than that are not dropped silently:
their number per action, kind of record and month, and the hash of the last one, go
into a signed summary in the checkpoint file first (``app.storage.checkpoints``);
then they are removed and the cut (that last entry's sequence number and hash) is
recorded, so the chain of the entries kept still verifies from it.

A large practice has millions of old entries, and the phone system writes while they
go: they are summarised a batch at a time (``BATCH`` entries at most), each batch its
own signed summary and its own short transaction, with a pause between for the other
writers. Everything slow (walking the chain, counting) is done before the write lock
is taken; under it, only checking that nothing moved, the removal and the new cut.
After every batch the trail verifies, so a run stopped (``stop``) or killed between
two batches leaves a trail ``verify`` accepts, and the next run goes on from its cut.
Only a prefix of the chain that verifies is ever summarised: a damaged trail is left
as it is, for ``verify`` to report.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.journal import PracticeSetting
from app.storage.audit import META_CUT, Cut, cut_value, read_cut, verify_chain
from app.storage.checkpoints import SUMMARY, Head

SETTING = "audit_retention_days"
DEFAULT_DAYS = 365
MIN_DAYS, MAX_DAYS = 30, 3650
BATCH = 5000  # entries per transaction
PAUSE = 0.05  # seconds between two batches, for the other writers


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Summary:
    cut: Cut
    removed: int
    counts: dict[str, int]  # "action entity YYYY-MM" -> entries
    batches: int = 1
    longest_lock: float = 0.0  # seconds: the longest a batch held the write lock


def retention_days(store) -> int:
    with store.reader() as s:
        row = s.get(PracticeSetting, SETTING)
    try:
        days = int(row.value) if row is not None else DEFAULT_DAYS
    except ValueError:
        return DEFAULT_DAYS
    return min(max(days, MIN_DAYS), MAX_DAYS)


def set_retention_days(store, days: int) -> None:
    """A local setting of this installation (the caller checks the bounds and the
    person's right to change it)."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError("retention out of bounds")
    with store.writer_engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO practice_setting (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (SETTING, str(days)))


def apply_configured(store, *, stop: Callable[[], bool] = _never) -> Summary | None:
    """Summarise what is older than the configured retention; cheap when nothing is.
    ``stop``: asked between batches (what was done stays done)."""
    cutoff = store.clock.now() - timedelta(days=retention_days(store))
    with store.engine.connect() as conn:
        oldest = conn.exec_driver_sql(
            "SELECT at FROM audit_trail ORDER BY seq LIMIT 1").scalar()
    if oldest is None or str(oldest) >= _stored(cutoff):
        return None
    return summarise_before(store, cutoff, stop=stop)


def _stored(moment: datetime) -> str:
    """An instant as the trail's ``at`` column holds it (naive UTC text), to compare."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def summarise_before(store, cutoff: datetime, *, batch: int = BATCH,
                     stop: Callable[[], bool] = _never, pause: float = PAUSE
                     ) -> Summary | None:
    """Summarise and remove the entries before the first one at or after ``cutoff``, in
    batches of at most ``batch`` entries; ``stop()`` is asked after each. None when
    nothing was removed (nothing to remove, or the part to remove does not verify)."""
    if store.anchor is None:
        return None  # no checkpoint file to hold the summary: keep everything
    with store.reader() as s:
        conn = s.connection()
        first_kept = conn.exec_driver_sql(
            "SELECT min(seq) FROM audit_trail WHERE at >= ?", (_stored(cutoff),)).scalar()
        last = conn.exec_driver_sql("SELECT max(seq) FROM audit_trail").scalar()
    if last is None:
        return None
    target = (first_kept - 1) if first_kept is not None else last
    cut, removed, counts, batches, longest = None, 0, Counter(), 0, 0.0
    while True:
        done = _summarise_batch(store, cutoff, target, batch)
        if done is None:
            break
        cut, removed, batches = done.cut, removed + done.removed, batches + 1
        counts.update(done.counts)
        longest = max(longest, done.longest_lock)
        if cut.seq >= target or stop():
            break
        time.sleep(pause)
    if cut is None:
        return None
    return Summary(cut, removed, dict(counts), batches, longest)


def _summarise_batch(store, cutoff: datetime, target: int, batch: int) -> Summary | None:
    """The next batch up to ``target``: verified and counted outside the write lock,
    its summary signed and on disk, then removed with the new cut in one short
    transaction. None when nothing is left to do or the batch does not verify."""
    anchor = store.anchor
    with store.reader() as session:
        previous = read_cut(session)
        if previous.seq < 0 or target <= previous.seq:
            return None
        upto = min(target, previous.seq + batch)  # the kept trail numbers on from the cut
        report = verify_chain(session, upto=upto)
        if not report.ok or report.last_seq != upto:
            return None
        counts = {f"{action} {entity} {month}": n for action, entity, month, n in
                  session.connection().exec_driver_sql(
                      "SELECT action, entity, strftime('%Y-%m', at), count(*) "
                      "FROM audit_trail WHERE seq > ? AND seq <= ? GROUP BY 1, 2, 3",
                      (previous.seq, upto))}
    removed = sum(counts.values())
    cut = Cut(upto, report.last_hash)
    # Signed and on disk before anything is removed: a kill after it leaves entries the
    # summary names, still there and still chaining, which verify accepts.
    anchor.log.append(SUMMARY, Head(cut.seq, cut.hash, removed), counts=counts,
                      before=cutoff.date().isoformat(), previous_cut=previous.seq)
    with store.writer_engine.connect() as conn:
        with conn.begin():  # BEGIN IMMEDIATE: the write lock, from here to the commit
            started = time.monotonic()
            with Session(bind=conn) as session:
                still = read_cut(session)
            last_hash = conn.exec_driver_sql(
                "SELECT hash FROM audit_trail WHERE seq = ?", (upto,)).scalar()
            if still != previous or last_hash != cut.hash:
                return None  # another run summarised meanwhile: nothing to do here
            conn.exec_driver_sql("DELETE FROM audit_trail WHERE seq <= ?", (upto,))
            conn.execute(text(
                "INSERT INTO local_meta (key, value) VALUES (:k, :v) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                {"k": META_CUT, "v": cut_value(cut)})
        held = time.monotonic() - started
    anchor.cut_seq = cut.seq
    anchor.log.note_head(anchor.current_head())
    return Summary(cut, removed, counts, 1, held)
