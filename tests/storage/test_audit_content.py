"""The audit trail says who did what to which record, and when: never the patient's data."""

from __future__ import annotations

import secrets

from sqlalchemy import text

from app.services.patients import PatientInput, PhoneEntry
from app.models.text import fold


def test_audit_rows_hold_no_patient_data(workspace):
    marker = "Zqxaudit" + secrets.token_hex(5)
    data = PatientInput(birth_name=marker, first_names=f"Éloïse {marker}",
                        email=f"{marker}@example.fr", address_line=f"1 rue {marker}",
                        city=f"Ville{marker}", admin_note=f"Note {marker}",
                        referring_doctor=f"Dr {marker}", birth_date="12/03/1958",
                        phones=[PhoneEntry("06 12 34 56 78")])
    p = workspace.patients.create(data)
    data.admin_note = f"Autre {marker}"
    p = workspace.patients.update(p.id, data, expected_version=p.version)
    workspace.patients.get(p.id)
    workspace.patients.search(marker)
    # A caller identified from the number: a read of the card, by id.
    workspace.calls.ringing("+33 6 12 34 56 78", call_id="content-1")
    workspace.calls.ringing("01 99 00 00 00", call_id="content-2")  # nobody: no read

    with workspace.store.engine.connect() as conn:
        audit = conn.execute(text("SELECT * FROM audit_trail")).all()
        journal = conn.execute(text("SELECT payload FROM change_journal")).scalars().all()
    assert {"create", "update", "read", "lookup"} <= {row.action for row in audit}
    assert {row.entity_id for row in audit if row.action == "lookup"} == {p.id}
    needles = {marker.lower(), fold(marker), "0612345678", "612345678", "eloise",
               "éloïse"}
    for row in audit:
        for value in row:
            folded = fold(str(value))
            assert not any(n in folded or n in str(value).lower() for n in needles), (
                f"patient data in the audit trail: {row}")
    # Control: the same needles are found where patient data belongs (the sync journal).
    assert any(marker in payload for payload in journal)
    assert any("+33612345678" in payload for payload in journal)
