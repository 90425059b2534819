"""The record of processing ("registre des activités de traitement", art. 30 RGPD) as
a starting point for the practice's RGPD file: what Permanence knows (the practice, its
accounts, its retention rules, how the data is protected), and what the practice must
complete itself (marked so), as a Markdown text in the user's language.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from app.i18n import _
from app.models.practice import Practice
from app.models.principal import Principal
from app.models.user import User
from app.services import access
from app.services.exporting.files import TempFile, cannot_write, check_file_destination
from app.services.retention import RetentionRules
from app.storage.private import open_private
from app.storage.store import Store


def record_text(practice: str, address: str, accounts: int, rules: RetentionRules,
                trail_days: int, erasure_years: int, day: datetime) -> str:
    todo = _("(to complete)")
    erasure = (_("a patient with an appointment, a call or a message is kept")
               if erasure_years == 0 else
               _("activity of the last {n} years keeps a patient").format(n=erasure_years))
    never = _("never (0)")
    lines = [
        "# " + _("Record of processing activities — {practice}").format(practice=practice),
        "",
        _("Drawn up on {day} by Permanence as a starting point; the practice completes and "
          "keeps it.").format(day=day.strftime("%d/%m/%Y")),
        "",
        "## " + _("Controller"),
        "",
        "- " + _("Practice: {name}").format(name=practice),
        "- " + _("Address: {address}").format(address=" ".join(address.split()) or todo),
        "- " + _("Data protection officer, if any: {todo}").format(todo=todo),
        "",
        "## " + _("Processing: appointments, telephone reception and patient contacts"),
        "",
        "- " + _("Purposes: booking and managing appointments, taking calls, messages and "
                 "callbacks for the practitioners, contacting patients."),
        "- " + _("Legal basis: {todo} (usually the provision of care, art. 6.1.e and 9.2.h "
                 "RGPD).").format(todo=todo),
        "- " + _("People concerned: patients, contacts of the directory, the practice's "
                 "staff."),
        "- " + _("Data: identity, contact details, appointments, calls, messages and "
                 "callbacks, an administrative note; no clinical data."),
        "- " + _("Recipients: the practitioners and the secretariat of the practice, each "
                 "account with the rights of its role ({n} accounts).").format(n=accounts),
        "- " + _("Transfers outside the European Union: none by Permanence (the data stays "
                 "on the practice's computers); {todo} for the practice's other tools.")
        .format(todo=todo),
        "",
        "## " + _("Retention periods"),
        "",
        "- " + _("Patients without activity: erased after {n} years").format(
            n=rules.patient_years) if rules.patient_years else
        "- " + _("Patients without activity: {never}").format(never=never),
        "- " + _("Calls and callbacks: erased after {n} months").format(n=rules.call_months),
        "- " + _("Messages: erased after {n} months").format(n=rules.message_months),
        "- " + _("Old values in the change journal: kept {n} days").format(
            n=rules.journal_days),
        "- " + _("Access trail: kept {n} days").format(n=trail_days),
        "- " + _("Erasure at a patient's request: {rule}").format(rule=erasure),
        "",
        "## " + _("Security measures"),
        "",
        "- " + _("Database encrypted (SQLCipher 4, AES-256); each account opens it with "
                 "its own passphrase; a recovery key kept by the owner."),
        "- " + _("Access rights by role; every opening, change, print and export recorded "
                 "in an access trail, chained and signed."),
        "- " + _("Encrypted backups, checked before they are kept; erasure for good on "
                 "request, here and on the installations sharing the practice."),
        "- " + _("Other measures of the practice (locked sessions, antivirus, premises): "
                 "{todo}").format(todo=todo),
        "",
    ]
    return "\n".join(lines)


def export_record(store: Store, principal: Principal, path: Path, *, rules: RetentionRules,
                  trail_days: int, erasure_years: int, now: datetime,
                  overwrite: bool = False) -> Path:
    """Write the record to ``path`` (Markdown), with the rules of every export."""
    access.require(principal, access.RETENTION)
    path = Path(path)
    check_file_destination(path, protected=Path(store.path).parent, overwrite=overwrite)
    with store.reader() as s:
        practice = s.execute(select(Practice).where(Practice.deleted_at.is_(None))
                             ).scalars().first()
        accounts = s.execute(select(func.count()).select_from(User)
                             .where(User.disabled_at.is_(None))).scalar_one()
    text = record_text(practice.name if practice else "", practice.address if practice else "",
                       accounts, rules, trail_days, erasure_years, now)
    temp = TempFile(path, overwrite=overwrite)
    try:
        with open(open_private(temp.path), "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with store.unit_of_work(actor_id=principal.user_id) as uow:
            uow.audit("export", "processing_record", "", "markdown")
            temp.place()
    except OSError as exc:
        temp.discard()
        raise cannot_write(path.parent, exc) from exc
    except BaseException:
        temp.discard()
        raise
    return path
