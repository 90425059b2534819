"""An open practice database: engine, sessions, clock and node identity; the listeners
told what each committed unit of work changed; applying changes from a peer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from app.clock import Clock
from app.models.journal import ChangeJournal, LocalMeta
from app.models.principal import this_workstation_name
from app.storage import erasure, remote
from app.storage.changes import ChangeSet, Listener, Listeners
from app.storage.hlc import HybridLogicalClock
from app.storage.uow import UnitOfWork, WriteRefused

META_NODE_ID = "node_id"
META_HLC = remote.META_HLC


def _refuse_writes(session: Session, flush_context, instances) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteRefused("reader sessions do not write; use the unit of work")


def _no_guard() -> None:
    pass


class Store:
    def __init__(self, engine: Engine, *, path: Path, clock: Clock,
                 write_guard: Callable[[], None] | None = None) -> None:
        self.engine = engine
        # Called before each unit of work: raises if this instance may no longer write
        # (the profile lock was lost to another instance).
        self.write_guard = write_guard or _no_guard
        self.writer_engine = engine.execution_options(immediate=True)
        self.path = path
        self.clock = clock
        with Session(engine) as s:
            node = s.get(LocalMeta, META_NODE_ID)
            if node is None:
                raise RuntimeError("database has no node id; it was not created by Permanence")
            self.node_id = node.value
            last = s.execute(
                select(ChangeJournal.version).order_by(ChangeJournal.seq.desc()).limit(1)
            ).scalar()
            # Entries applied from a peer keep their own stamps, which may be older than
            # ours: the clock's high-water mark is kept beside them.
            seen = s.get(LocalMeta, META_HLC)
        self.hlc = HybridLogicalClock(clock, max(last or 0, int(seen.value) if seen else 0))
        self.listeners = Listeners()
        # The readable name of the workstation the principal signed in on, which the
        # unit of work writes beside the node id on each audit entry ("": none known).
        self.workstation_name = this_workstation_name()
        # The audit trail's checkpoints outside the database (app.storage.checkpoints),
        # attached by the profile that opened the store; None for a bare store.
        self.anchor = None

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A short read-only session; objects come back detached and loaded."""
        session = Session(self.engine, expire_on_commit=False, autoflush=False)
        event.listen(session, "before_flush", _refuse_writes)
        try:
            with session.begin():
                # Raw SQL cannot write either: SQLite refuses it on this connection.
                session.connection().exec_driver_sql("PRAGMA query_only = 1")
                try:
                    yield session
                finally:
                    session.connection().exec_driver_sql("PRAGMA query_only = 0")
        finally:
            session.close()

    def unit_of_work(self, *, actor_id: str) -> UnitOfWork:
        return UnitOfWork(self, actor_id=actor_id)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(change_set)`` after each commit that wrote rows, in the
        committing thread; returns what unsubscribes it."""
        return self.listeners.add(listener)

    def apply_remote(self, changes: Sequence[remote.RemoteChange], *, peer_node_id: str,
                     actor_id: str) -> ChangeSet | None:
        """Apply changes received from ``peer_node_id`` in one transaction (all or
        nothing), field by field where the incoming stamp is newer, recording the
        conflicts met (``SyncConflict``); see ``remote``.
        The change set of what was applied, None if nothing was newer."""
        if peer_node_id == self.node_id:
            raise ValueError("changes from this node are not applied to it again")
        with UnitOfWork(self, actor_id=actor_id, from_peer=peer_node_id) as uow:
            remote.apply(uow, changes, self.hlc)
        if remote.erasures(changes):
            erasure.flush_to_file(self)
        return uow.change_set

    def changes_for_peer(self, peer_node_id: str, *, after_seq: int = 0,
                         limit: int | None = None) -> list[tuple[int, remote.RemoteChange]]:
        """Journal entries after ``after_seq`` that ``peer_node_id`` does not hold: neither
        written there nor applied from there; with their sequence numbers. ``limit``:
        about that many, whole transactions (``remote.outgoing``)."""
        with self.reader() as s:
            return remote.outgoing(s, peer_node_id, after_seq, limit=limit)

    def checkpoint(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    def close(self) -> None:
        try:
            if self.anchor is not None:
                self.anchor.close()
            self.checkpoint()
        finally:
            self.engine.dispose()
