"""The fail-safe before applying a batch: one that would tombstone many rows waits for the
owner's confirmation instead of being applied (a peer emptied or mistaken must never
delete the practice's data).

A batch needs confirmation when, for one kind, it tombstones more than ``SHARE`` of the
rows of that kind that are alive here (once it tombstones at least ``LEAST`` of them:
deleting one of three consignes is no mass deletion), or when it tombstones more than
``ROWS`` rows in all. A tombstone is a change that sets ``deleted_at`` on a row the
batch did not insert (a row inserted already deleted, e.g. in a first snapshot, deletes
nothing here; one alive here, sent as an insert, is deleted all the same and counts). An erased row travels whole, as an insert (``app.storage.erasure``): it
is meant for a row the peer holds, so it counts as a tombstone, except at a remote
workstation receiving its practice's erasures (``erasures=False``): the practice's
retention rules and the patients' requests are final there, and the first run of the
rules on a large practice erases hundreds of thousands of calls at once; holding them
would keep at the workstation what the law says must go.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.storage.erasure import ERASED
from app.storage.remote import RemoteChange, syncable_models

SHARE = 0.20
ROWS = 200
LEAST = 10
_CHUNK = 500  # ids per query


@dataclass(frozen=True)
class TombstoneCheck:
    tombstones: Mapping[str, int]  # kind -> rows of it the batch would tombstone
    alive: Mapping[str, int]  # kind -> rows of it alive here before the batch
    needs_confirmation: bool
    kinds_over: tuple[str, ...]  # the kinds past their share

    @property
    def total(self) -> int:
        return sum(self.tombstones.values())


def check_tombstones(changes: Iterable[RemoteChange], alive: Mapping[str, int], *,
                     share: float = SHARE, rows: int = ROWS, least: int = LEAST,
                     erasures: bool = True,
                     living: Collection[tuple[str, str]] = ()) -> TombstoneCheck:
    """``alive``: the rows of each kind alive (not tombstoned) here now. ``erasures``:
    whether rows erased for good count (not at a workstation, from its practice).
    ``living``: the rows inserted by ``changes`` that are alive here (``living_rows``):
    an insert of one of them with its tombstone deletes it all the same."""
    inserted: set[tuple[str, str]] = set()
    deleted: dict[str, set[str]] = {}
    for change in changes:
        if not erasures and ERASED in change.payload:
            continue
        key = (change.kind, change.entity_id)
        if change.op == "insert" and ERASED not in change.payload and key not in living:
            inserted.add(key)
        if change.payload.get("deleted_at") is not None and key not in inserted:
            deleted.setdefault(change.kind, set()).add(change.entity_id)
    counts = {kind: len(ids) for kind, ids in deleted.items()}
    over = tuple(sorted(kind for kind, n in counts.items()
                        if n >= least and n > share * alive.get(kind, 0)))
    return TombstoneCheck(counts, dict(alive), bool(over) or sum(counts.values()) > rows, over)


def alive_counts(session: Session, kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Rows alive per kind in the database ``session`` reads (all syncable kinds, or
    ``kinds``)."""
    models = syncable_models()
    wanted = models if kinds is None else {k: models[k] for k in kinds if k in models}
    return {kind: session.execute(select(func.count()).select_from(model)
                                  .where(model.deleted_at.is_(None))).scalar_one()
            for kind, model in wanted.items()}


def living_rows(session: Session, changes: Iterable[RemoteChange]
                ) -> set[tuple[str, str]]:
    """The rows ``changes`` insert (kind, id) that are alive here now."""
    models = syncable_models()
    wanted: dict[str, set[str]] = {}
    for change in changes:
        if change.op == "insert" and change.kind in models:
            wanted.setdefault(change.kind, set()).add(change.entity_id)
    out: set[tuple[str, str]] = set()
    for kind, ids in wanted.items():
        model, ordered = models[kind], sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            out.update((kind, i) for i in session.execute(select(model.id).where(
                model.id.in_(ordered[start:start + _CHUNK]),
                model.deleted_at.is_(None))).scalars())
    return out
