"""What the agenda shows of an appointment's patient to reach them: their phone
numbers (tooltip, context menu, appointment dialog) and the words of the way to
their card ("Ouvrir la fiche patient")."""

from __future__ import annotations

from app.i18n import _
from app.models import PhoneKind


def open_card_text() -> str:
    return _("Open the patient card")


def phone_kind_label(kind: str) -> str:
    return {PhoneKind.MOBILE.value: _("mobile"), PhoneKind.HOME.value: _("home"),
            PhoneKind.WORK.value: _("work")}.get(kind, "")


def phone_texts(workspace, patient_id: str | None) -> list[str]:
    """"06 12 34 56 78 (mobile)", one per number, in the card's order."""
    if not patient_id:
        return []
    out = []
    for line in workspace.patient_phones(patient_id):
        kind = phone_kind_label(line.kind)
        out.append(f"{line.display} ({kind})" if kind else line.display)
    return out
