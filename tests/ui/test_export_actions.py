"""The export actions of the Patients screen, driven as a user would, the file dialog
replaced by a ``choose_path`` that answers with a path (or a cancel)."""

from __future__ import annotations

import csv
import io
import threading

import pytest
import vobject
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from sqlalchemy import select

from app.i18n import _
from app.models import AuditEntry, Patient
from app.services.exporting import PATIENTS
from app.ui.change_bus import ChangeBus
from app.ui.exporting import ExportActions
from app.ui.patients.view import PatientsView


class Chooser:
    """Stands for the file dialog: records what it was asked, answers ``answer``."""

    def __init__(self, answer):
        self.answer = answer
        self.asked = []

    def __call__(self, parent, caption, suggested, name_filter):
        self.asked.append((caption, suggested, name_filter))
        return self.answer


@pytest.fixture
def view(qtbot, workspace):
    widget = PatientsView(workspace.patients, ChangeBus(workspace.store, workspace.initiator))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def make_actions(view, workspace, answer):
    chooser = Chooser(answer)
    actions = ExportActions(view.tools_menu, workspace.exports, entity=PATIENTS, parent=view,
                            choose_path=chooser)
    return actions, chooser


def menu_action(view, text):
    """The menu entry whose source text is ``text`` (shown translated)."""
    (action,) = [a for a in view.tools_menu.actions() if a.text() == _(text)]
    return action


def first_names(workspace) -> list[str]:
    with workspace.store.reader() as s:
        return sorted(s.execute(select(Patient.first_names)).scalars())


def export_audits(workspace):
    with workspace.store.reader() as s:
        return list(s.execute(select(AuditEntry.detail).where(AuditEntry.action == "export"))
                    .scalars())


def test_export_patients_csv_from_the_menu(qtbot, view, workspace, tmp_path):
    actions, chooser = make_actions(view, workspace, tmp_path / "patients")  # no suffix typed
    with qtbot.waitSignal(actions.finished, timeout=20_000) as done:
        menu_action(view, "Export patients (CSV)…").trigger()
    caption, suggested, name_filter = chooser.asked[0]
    assert suggested.startswith("patients-") and suggested.endswith(".csv")
    assert "*.csv" in name_filter
    out = tmp_path / "patients.csv"
    count = len(first_names(workspace))
    assert count >= 5 and done.args[0].path == out and done.args[0].rows == count
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline=""),
                               delimiter=";"))
    assert sorted(r["Prénoms"] for r in rows) == first_names(workspace)
    assert {r["Tél. portable"] for r in rows} >= {"06 12 34 56 78", "07 61 22 33 44"}
    assert export_audits(workspace) == [f"format=csv rows={count}"]
    # The user is told, in a box that does not block the window.
    box = actions.message_box
    assert box.isVisible() and str(count) in box.text() and str(out) in box.text()
    assert actions.progress_dialog is None and not actions.running
    assert menu_action(view, "Export patients (CSV)…").isEnabled()
    box.close()


def test_export_patients_vcard_from_the_menu(qtbot, view, workspace, tmp_path):
    actions, chooser = make_actions(view, workspace, tmp_path / "carnet.vcf")
    with qtbot.waitSignal(actions.finished, timeout=20_000):
        menu_action(view, "Export patients (vCard)…").trigger()
    assert "*.vcf" in chooser.asked[0][2]
    cards = list(vobject.readComponents((tmp_path / "carnet.vcf").read_text(encoding="utf-8")))
    assert sorted(c.n.value.given for c in cards) == first_names(workspace)
    assert all(c.version.value == "4.0" for c in cards)
    actions.message_box.close()


def test_closing_the_file_dialog_exports_nothing(qtbot, view, workspace, tmp_path):
    actions, chooser = make_actions(view, workspace, None)
    menu_action(view, "Export patients (CSV)…").trigger()
    assert len(chooser.asked) == 1
    assert not actions.running and actions.progress_dialog is None
    assert list(tmp_path.glob("*.csv")) == []
    assert export_audits(workspace) == []


def test_cancel_in_the_progress_dialog_leaves_no_file(qtbot, view, workspace, tmp_path):
    """Another workstation's write holds the database while the rows are written: the
    export waits for it before putting the file in place, and the user cancels then."""
    actions, _ = make_actions(view, workspace, tmp_path / "patients.csv")
    holding, release = threading.Event(), threading.Event()

    def other_writer():
        with workspace.store.unit_of_work(actor_id=workspace.user_id):
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        assert holding.wait(5)
        menu_action(view, "Export patients (CSV)…").trigger()
        dialog = actions.progress_dialog
        assert dialog is not None and dialog.isVisible()
        assert not menu_action(view, "Export patients (CSV)…").isEnabled()
        total = len(first_names(workspace))
        qtbot.waitUntil(lambda: dialog.value() == total, timeout=10_000)
        cancel = [b for b in dialog.findChildren(QPushButton) if b.text() == "Annuler"
                  or b.text() == "Cancel"]
        qtbot.mouseClick(cancel[0], Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(actions.failed, timeout=20_000) as failed:
            release.set()
    finally:
        release.set()
        writer.join()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "profile") == []
    assert export_audits(workspace) == []
    box = actions.message_box
    assert box.icon() == QMessageBox.Icon.Warning and box.text() == failed.args[0]
    assert actions.progress_dialog is None and not actions.running
    box.close()


def test_an_unwritable_destination_is_explained(qtbot, view, workspace, tmp_path):
    actions, _ = make_actions(view, workspace, tmp_path / "absent" / "patients.csv")
    with qtbot.waitSignal(actions.failed, timeout=20_000) as failed:
        menu_action(view, "Export patients (CSV)…").trigger()
    assert str(tmp_path / "absent") in failed.args[0]
    assert not (tmp_path / "absent").exists()
    actions.message_box.close()


@pytest.mark.parametrize("name", ["keys.json", "permanence.db", "patients"])
def test_the_save_dialog_cannot_point_an_export_into_the_profile(qtbot, view, workspace, name):
    root = workspace.paths.root
    envelope = workspace.paths.envelope.read_bytes()
    actions, _ = make_actions(view, workspace, root / name)
    with qtbot.waitSignal(actions.failed, timeout=20_000) as failed:
        menu_action(view, "Export patients (CSV)…").trigger()
    assert str(root) in failed.args[0]
    assert workspace.paths.envelope.read_bytes() == envelope
    assert not (root / "patients.csv").exists() and export_audits(workspace) == []
    actions.message_box.close()


def test_the_main_window_offers_both_exports(main_window):
    texts = [a.text() for a in main_window.patients.tools_menu.actions()]
    assert _("Export patients (CSV)…") in texts and _("Export patients (vCard)…") in texts


def test_the_directory_screen_exports_too(qtbot, main_window, workspace, tmp_path):
    from app.services.directory import ContactInput
    workspace.directory.create(ContactInput(category="lab", name="Laboratoire Bio Loire",
                                            phone="02 47 20 30 40", city="Tours"))
    view = main_window.directory
    texts = [a.text() for a in view.tools_menu.actions()]
    assert texts == [_("Export the directory (CSV)…"), _("Export the directory (vCard)…")]
    out = tmp_path / "annuaire.vcf"
    main_window.directory_exports._choose_path = Chooser(out)
    with qtbot.waitSignal(main_window.directory_exports.finished, timeout=20_000):
        view.tools_menu.actions()[1].trigger()
    (card,) = vobject.readComponents(out.read_text(encoding="utf-8"))
    assert card.fn.value == "Laboratoire Bio Loire"
    main_window.directory_exports.message_box.close()
