"""What a committed unit of work changed, announced to whoever listens.

At commit the unit of work builds one immutable ``ChangeSet``: its transaction id, who
initiated it, and per entity kind (``app.models.kinds``) the ids it inserted, updated
and tombstoned. The store hands it to its listeners once the commit succeeded: never
before, never for a rollback, never for a unit of work that wrote no row (an audited
read). A listener that fails is logged (its type and frames, no text, which might hold
patient data) and neither the write nor the other listeners are affected.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from app.logging_setup import scrubbed_traceback

log = logging.getLogger("permanence.storage.changes")

INSERT, UPDATE, DELETE = "insert", "update", "delete"  # as the journal's ``op``


@dataclass(frozen=True)
class Initiator:
    """Who made a change: the signed-in user's id for now. The principal that comes with
    roles (person, role, workstation) takes this place; listeners compare initiators, not
    their fields."""

    actor_id: str


@dataclass(frozen=True)
class KindChanges:
    """The ids of one kind a transaction wrote. Each id is in one set only: a row
    inserted then changed in the same transaction is inserted; a row tombstoned, even if
    inserted or changed first, is tombstoned."""

    inserted: frozenset[str] = frozenset()
    updated: frozenset[str] = frozenset()
    tombstoned: frozenset[str] = frozenset()

    @property
    def ids(self) -> frozenset[str]:
        return self.inserted | self.updated | self.tombstoned


_NOTHING = KindChanges()


@dataclass(frozen=True)
class ChangeSet:
    """One committed transaction, as listeners see it.

    ``from_peer``: the node id of the peer the changes were applied from (sync), None
    for a change made on this node.
    """

    transaction_id: str
    initiator: Initiator
    kinds: Mapping[str, KindChanges] = field(hash=False)
    from_peer: str | None = None

    def touches(self, *kinds: str) -> bool:
        return any(k in self.kinds for k in kinds)

    def of(self, kind: str) -> KindChanges:
        return self.kinds.get(kind, _NOTHING)

    def ids(self, *kinds: str) -> frozenset[str]:
        """Every id of these kinds the transaction wrote, whatever it did to them."""
        out: frozenset[str] = frozenset()
        for kind in kinds:
            out |= self.of(kind).ids
        return out

    def made_by(self, initiator: Initiator) -> bool:
        """True when ``initiator`` made this change here (not applied from a peer)."""
        return self.from_peer is None and self.initiator == initiator


class ChangeCollector:
    """What a unit of work wrote so far: kind -> id -> journal op."""

    def __init__(self) -> None:
        self._ops: dict[str, dict[str, str]] = {}

    def note(self, kind: str, entity_id: str, op: str) -> None:
        ops = self._ops.setdefault(kind, {})
        if op == UPDATE and ops.get(entity_id) == INSERT:
            return  # still new to whoever reads the change set
        ops[entity_id] = op

    def note_inserted(self, kind: str, ids: Iterable[str]) -> None:
        """Bulk inserts: ids the transaction just created."""
        self._ops.setdefault(kind, {}).update(dict.fromkeys(ids, INSERT))

    def build(self, transaction_id: str, initiator: Initiator,
              from_peer: str | None = None) -> ChangeSet | None:
        kinds = {}
        for kind, ops in self._ops.items():
            by_op: dict[str, list[str]] = {INSERT: [], UPDATE: [], DELETE: []}
            for entity_id, op in ops.items():
                by_op[op].append(entity_id)
            if ops:
                kinds[kind] = KindChanges(frozenset(by_op[INSERT]), frozenset(by_op[UPDATE]),
                                          frozenset(by_op[DELETE]))
        if not kinds:
            return None
        return ChangeSet(transaction_id, initiator, MappingProxyType(kinds), from_peer)


Listener = Callable[[ChangeSet], None]


class Listeners:
    """The store's listeners, called in the committing thread, in subscription order."""

    def __init__(self) -> None:
        self._listeners: tuple[Listener, ...] = ()
        self._lock = threading.Lock()

    def add(self, listener: Listener) -> Callable[[], None]:
        """Subscribe ``listener``; returns what unsubscribes it."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def remove() -> None:
            with self._lock:
                self._listeners = tuple(x for x in self._listeners if x is not listener)

        return remove

    def notify(self, changes: ChangeSet) -> None:
        for listener in self._listeners:  # a snapshot: (un)subscribing meanwhile is safe
            try:
                listener(changes)
            except Exception as exc:  # noqa: BLE001 - the write is committed whatever happens
                log.error("a change listener (%s) failed: %s", _name(listener),
                          scrubbed_traceback(exc))


def _name(listener: Listener) -> str:
    return getattr(listener, "__qualname__", type(listener).__qualname__)
