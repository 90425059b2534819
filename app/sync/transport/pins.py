"""The pinned keys of sync servers, kept in the practice's encrypted database.

A pin is local bookkeeping (which key this installation has seen for ``host:port``), not
practice data: it lives in ``local_meta`` beside the node id and is never replicated.
Anyone able to change it can already read the database.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy.exc import SQLAlchemyError

from app.storage.errors import write_failure
from app.storage.store import Store

_PREFIX = "sftp_host_key:"


def _key(host_port: str) -> str:
    # local_meta keys are short (60); a host name may be long: its digest names it.
    return _PREFIX + hashlib.sha256(host_port.encode()).hexdigest()[:40]


class LocalMetaPins:
    """``PinStore`` over an open store's ``local_meta`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, host_port: str) -> str | None:
        with self.store.engine.connect() as conn:
            raw = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?",
                                       (_key(host_port),)).scalar()
        if raw is None:
            return None
        pin = json.loads(raw)
        return pin["key"] if pin.get("host") == host_port else None

    def put(self, host_port: str, key_line: str) -> None:
        value = json.dumps({"host": host_port, "key": key_line})
        self.store.write_guard()
        try:
            with self.store.writer_engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO local_meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (_key(host_port), value))
        except SQLAlchemyError as exc:
            cannot = write_failure(exc, self.store.path)
            if cannot is None:
                raise
            raise cannot from exc

