"""One line per patient in the pickers and the search: the warning sign first when the
card holds an alert, so that it is seen before the patient is chosen."""

from __future__ import annotations

from app.i18n import format_date
from app.services.patients import PatientSummary

ALERT_MARK = "⚠"


def details_line(p: PatientSummary) -> str:
    """"12/03/1958 · 06 12 34 56 78"."""
    parts = []
    if p.birth_date:
        parts.append(format_date(p.birth_date))
    if p.phone:
        parts.append(p.phone)
    return " · ".join(parts)


def picker_line(p: PatientSummary) -> str:
    """"⚠ VINCENT née ACHOUR Suzanne · 12/03/1958 · 06 12 34 56 78"."""
    details = details_line(p)
    name = f"{ALERT_MARK} {p.display_name}" if p.alert else p.display_name
    return f"{name} · {details}" if details else name
