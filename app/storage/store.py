"""An open practice database: engine, sessions, clock and node identity."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from app.clock import Clock
from app.models.journal import ChangeJournal, LocalMeta
from app.storage.hlc import HybridLogicalClock
from app.storage.uow import UnitOfWork, WriteRefused

META_NODE_ID = "node_id"


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
        self.hlc = HybridLogicalClock(clock, last or 0)

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

    def checkpoint(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    def close(self) -> None:
        try:
            self.checkpoint()
        finally:
            self.engine.dispose()
