"""``permanence check``: is this practice database whole, current and untampered?

The audit trail is checked as ``permanence audit verify`` checks it: the chain in the
database against the signed checkpoints kept outside it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlcipher3

from app.i18n import _
from app.services.audit_trail import describe
from app.storage.errors import CorruptDatabaseError
from app.storage.migrate import head_revision
from app.storage.store import Store
from app.storage.trail_verify import verify_trail


@dataclass(frozen=True)
class CheckItem:
    label: str
    ok: bool
    detail: str


def _rows(raw, sql: str) -> list[str]:
    """First column of each row; a damaged page that stops the query is its answer."""
    try:
        return [str(r[0]) for r in raw.execute(sql)]
    except sqlcipher3.DatabaseError as exc:
        return [str(exc)]


def run_checks(store: Store) -> list[CheckItem]:
    """Every check runs and is reported: damage fails an item, never the whole run."""
    items: list[CheckItem] = []
    raw = store.engine.raw_connection()
    try:
        cipher = _rows(raw, "PRAGMA cipher_integrity_check")
        items.append(CheckItem(_("Encryption (cipher_integrity_check)"), not cipher,
                               "; ".join(cipher[:3]) or _("every page authenticates")))
        integrity = _rows(raw, "PRAGMA integrity_check")
        items.append(CheckItem(_("Structure (integrity_check)"), integrity == ["ok"],
                               "; ".join(integrity[:3])))
        version = _rows(raw, "SELECT version_num FROM alembic_version")
        current = version[0] if version else "-"
        head = head_revision()
        items.append(CheckItem(_("Schema version"), current == head,
                               _("{current} (this program: {head})").format(current=current, head=head)))
    finally:
        raw.close()
    try:
        trail = verify_trail(store)
    except CorruptDatabaseError as exc:
        items.append(CheckItem(_("Audit trail"), False, exc.detail))
        return items
    items.append(CheckItem(_("Audit trail"), trail.ok, describe(trail)))
    return items
