"""How long the audit trail keeps its entries, and summarising older ones away.

Access logs are kept for a limited time (the CNIL recommends six months to a year):
by default a year, set by the owner. Entries older than that are not dropped silently:
their number per action, kind of record and month, and the hash of the last one, go
into a signed summary in the checkpoint file first (``app.storage.checkpoints``);
then, in one transaction, they are removed and the cut (that last entry's sequence
number and hash) is recorded, so the chain of the entries kept still verifies from it.
Only a prefix of the chain that verifies is ever summarised: a damaged trail is left
as it is, for ``verify`` to report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from app.models.journal import PracticeSetting
from app.storage.audit import META_CUT, Cut, cut_value, read_cut, verify_chain
from app.storage.checkpoints import SUMMARY, Head

SETTING = "audit_retention_days"
DEFAULT_DAYS = 365
MIN_DAYS, MAX_DAYS = 30, 3650


@dataclass(frozen=True)
class Summary:
    cut: Cut
    removed: int
    counts: dict[str, int]  # "action entity YYYY-MM" -> entries


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


def apply_configured(store) -> Summary | None:
    """Summarise what is older than the configured retention; cheap when nothing is."""
    cutoff = store.clock.now() - timedelta(days=retention_days(store))
    with store.engine.connect() as conn:
        oldest = conn.exec_driver_sql(
            "SELECT at FROM audit_trail ORDER BY seq LIMIT 1").scalar()
    if oldest is None or str(oldest) >= _stored(cutoff):
        return None
    return summarise_before(store, cutoff)


def _stored(moment: datetime) -> str:
    """An instant as the trail's ``at`` column holds it (naive UTC text), to compare."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def summarise_before(store, cutoff: datetime) -> Summary | None:
    """Summarise and remove the entries before the first one at or after ``cutoff``.
    None when there is nothing to remove or the part to remove does not verify."""
    anchor = store.anchor
    if anchor is None:
        return None  # no checkpoint file to hold the summary: keep everything
    with store.writer_engine.connect() as conn, conn.begin():
        first_kept = conn.exec_driver_sql(
            "SELECT min(seq) FROM audit_trail WHERE at >= ?", (_stored(cutoff),)).scalar()
        last = conn.exec_driver_sql("SELECT max(seq) FROM audit_trail").scalar()
        if last is None:
            return None
        cut_seq = (first_kept - 1) if first_kept is not None else last
        from sqlalchemy.orm import Session  # noqa: PLC0415 - one use

        with Session(bind=conn) as session:
            previous = read_cut(session)
            if cut_seq <= previous.seq:
                return None
            report = verify_chain(session, upto=cut_seq)
            if not report.ok or report.last_seq != cut_seq:
                return None
        counts = {f"{action} {entity} {month}": n for action, entity, month, n in
                  conn.exec_driver_sql(
                      "SELECT action, entity, strftime('%Y-%m', at), count(*) "
                      "FROM audit_trail WHERE seq <= ? GROUP BY 1, 2, 3", (cut_seq,))}
        removed = sum(counts.values())
        cut = Cut(cut_seq, report.last_hash)
        # Signed and on disk before anything is removed.
        anchor.log.append(SUMMARY, Head(cut.seq, cut.hash, removed), counts=counts,
                          before=cutoff.date().isoformat(), previous_cut=previous.seq)
        conn.exec_driver_sql("DELETE FROM audit_trail WHERE seq <= ?", (cut_seq,))
        conn.execute(text(
            "INSERT INTO local_meta (key, value) VALUES (:k, :v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
            {"k": META_CUT, "v": cut_value(cut)})
    anchor.cut_seq = cut.seq
    anchor.log.note_head(anchor.current_head())
    return Summary(cut, removed, counts)
