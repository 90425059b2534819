"""The patient's rights from the card: the owner exports everything held about the
patient (a PDF and JSON beside it) and erases a patient the rule does not keep."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from app.services.patients import PatientInput


def _open(qtbot, window, query: str) -> None:
    window.show_patients()
    window.search.clear()
    qtbot.keyClicks(window.search, query)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)


def test_the_owner_exports_the_card_as_pdf_and_json(qtbot, main_window, tmp_path):
    patients = main_window.patients
    assert not patients.rights_button.isEnabled()  # no card open yet
    _open(qtbot, main_window, "dupont")
    assert patients.rights_button.isEnabled()
    patients.rights._choose_path = lambda *a: tmp_path / "dupont"
    pdf = patients.export_rights()
    assert pdf == tmp_path / "dupont.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    data = json.loads((tmp_path / "dupont.json").read_text(encoding="utf-8"))
    assert data["patient"]["birth_name"].upper() == "DUPONT"
    assert "exportées" in patients.rights.last_box.text()
    patients.rights.last_box.close()


def test_the_owner_erases_a_patient_the_rule_does_not_keep(qtbot, main_window, workspace):
    card = workspace.patients.create(PatientInput(birth_name="Zqxoubli", first_names="Inès"))
    patients = main_window.patients
    _open(qtbot, main_window, "zqxoubli")
    assert patients.form.current_id == card.id
    patients.rights._reason = lambda parent: "Demande de la patiente"
    assert patients.erase_rights()
    assert patients.form.current_id in (None, "")
    assert workspace.patients.search("zqxoubli") == []
    patients.rights.last_box.close()


def test_a_kept_patient_is_not_erased_and_the_reason_is_shown(qtbot, main_window, workspace):
    from app.services.agenda.views import BookingInput
    from app.services.practice import list_practitioners

    card = workspace.patients.search("dupont")[0]
    morel = list_practitioners(workspace.store)[0].id
    workspace.agenda.book(BookingInput(morel, workspace.clock.now(), None, card.id, None),
                          override=True)
    patients = main_window.patients
    _open(qtbot, main_window, "dupont")
    patients.rights._reason = lambda parent: "ne doit pas être demandé"
    assert not patients.erase_rights()
    assert "ne peut pas être effacé" in patients.rights.last_box.text()
    assert workspace.patients.get(card.id).birth_name
    patients.rights.last_box.close()
