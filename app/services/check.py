"""``permanence check``: is this practice database whole, current and untampered?"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import _
from app.storage.audit import verify_chain
from app.storage.migrate import head_revision
from app.storage.store import Store


@dataclass(frozen=True)
class CheckItem:
    label: str
    ok: bool
    detail: str


def run_checks(store: Store) -> list[CheckItem]:
    items: list[CheckItem] = []
    raw = store.engine.raw_connection()
    try:
        cipher = [str(r[0]) for r in raw.execute("PRAGMA cipher_integrity_check")]
        items.append(CheckItem(_("Encryption (cipher_integrity_check)"), not cipher,
                               "; ".join(cipher[:3]) or _("every page authenticates")))
        integrity = [str(r[0]) for r in raw.execute("PRAGMA integrity_check")]
        items.append(CheckItem(_("Structure (integrity_check)"), integrity == ["ok"],
                               "; ".join(integrity[:3])))
        row = raw.execute("SELECT version_num FROM alembic_version").fetchone()
        current = row[0] if row else "-"
        head = head_revision()
        items.append(CheckItem(_("Schema version"), current == head,
                               _("{current} (this program: {head})").format(current=current, head=head)))
    finally:
        raw.close()
    with store.reader() as s:
        chain = verify_chain(s)
    detail = (_("{n} entries, chain intact").format(n=chain.entries) if chain.ok
              else _("chain broken at entry {seq}").format(seq=chain.first_broken_seq))
    items.append(CheckItem(_("Audit trail"), chain.ok, detail))
    return items

