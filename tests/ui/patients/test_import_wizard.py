"""The CSV import wizard, driven with clicks on a real file and a real profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QWizard
from sqlalchemy import func, select

from app.models import AuditEntry, Patient, kinds
from app.services.errors import Cancelled

NEXT = QWizard.WizardButton.NextButton
COMMIT = QWizard.WizardButton.CommitButton
FINISH = QWizard.WizardButton.FinishButton

ROWS = [
    "Nom;Prénom(s);DDN;Sexe;Tél. portable;Ville",
    "Lefèvre;Hélène;01/07/1975;F;06 11 22 33 44;Lyon",  # 2: same as a recorded patient
    "DUPONT;Jean;12/03/1958;M;;Lyon",  # 3: the recorded Dupont Jean-Éric
    "Garçon;Noël;21256;M;;Saint-Étienne",  # 4: Excel date
    "Petit;Awa;31/02/1990;F;;Lyon",  # 5: invalid date
    "Roux;Zoé;2015-11-23;F;07 70 00 00 01;Lyon",  # 6
]


def write_file(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    return path


def stored(workspace) -> tuple[int, int]:
    with workspace.store.reader() as s:
        patients = s.execute(select(func.count()).select_from(Patient)).scalar_one()
        imports = s.execute(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "import")).scalar_one()
    return patients, imports


def click(qtbot, wizard, which) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), which
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.fixture
def wizard(qtbot, main_window):
    main_window.show_patients()  # where its menu is
    main_window.import_action.trigger()
    wizard = main_window.import_wizard
    qtbot.waitExposed(wizard)
    yield wizard
    if wizard.isVisible():
        wizard.reject()
        qtbot.waitUntil(lambda: not wizard.busy, timeout=30_000)


def to_check_page(qtbot, wizard, path: Path) -> None:
    qtbot.keyClicks(wizard.file_page.path_edit, str(path))
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.mapping_page
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.check_page
    qtbot.waitUntil(lambda: wizard.check_page.report is not None, timeout=30_000)


def test_the_menu_offers_the_import(main_window):
    actions = [a.text() for a in main_window.patients.tools_menu.actions()]
    assert main_window.import_action.text() in actions


def test_import_a_file_end_to_end(qtbot, main_window, wizard, workspace, tmp_path):
    path = write_file(tmp_path / "export.csv", ROWS)
    before = stored(workspace)
    qtbot.keyClicks(wizard.file_page.path_edit, str(path))
    click(qtbot, wizard, NEXT)

    page = wizard.mapping_page
    assert "Windows-1252" in page.detected.text()
    assert page.delimiter.currentData() == ";"
    assert [c.currentData() for c in page.combos] == [
        "birth_name", "first_names", "birth_date", "sex", "phone_mobile", "city"]
    assert page.preview.rowCount() == 5
    assert page.preview.item(0, 0).text() == "Lefèvre"
    assert page.preview.horizontalHeaderItem(1).text() == "Prénom(s)"
    click(qtbot, wizard, NEXT)

    check = wizard.check_page
    qtbot.waitUntil(lambda: check.report is not None, timeout=30_000)
    report = check.report
    assert (report.rows, report.valid, report.invalid) == (5, 4, 1)
    assert stored(workspace) == before  # the check wrote nothing
    assert check.errors.topLevelItemCount() == 1
    error = check.errors.topLevelItem(0)
    assert (error.text(0), error.text(1)) == ("5", "DDN")
    duplicate_lines = {check.duplicates.topLevelItem(i).text(0)
                       for i in range(check.duplicates.topLevelItemCount())}
    assert duplicate_lines == {"3"}
    assert check.skip_invalid.isVisible()
    assert not wizard.button(COMMIT).isEnabled()  # an invalid row: nothing until chosen
    check.skip_invalid.click()
    assert wizard.button(COMMIT).isEnabled()

    # The import commits on a worker thread: the store's change set reaches the screens on
    # the Qt thread, and nothing else announces it.
    threads = []
    main_window.bus.changed.connect(lambda _c: threads.append(QThread.currentThread()))
    with qtbot.waitSignal(main_window.bus.changed, timeout=30_000) as signal:
        click(qtbot, wizard, COMMIT)
    [changes] = signal.args
    assert set(changes.kinds) == {kinds.PATIENT, kinds.PATIENT_PHONE}
    assert len(changes.of(kinds.PATIENT).inserted) == 4 and not changes.of(kinds.PATIENT).updated
    assert threads == [QApplication.instance().thread()]
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.finished, timeout=30_000)
    assert run.report.imported == 4
    assert "4" in run.status.text()
    assert stored(workspace) == (before[0] + 4, 1)
    # The list refreshed from the bus: the imported patients are found.
    model = main_window.patients.model
    shown = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert len(shown) == 9 and any(name.startswith("GARÇON") for name in shown)
    assert main_window.patients.count_label.text().startswith("9")
    click(qtbot, wizard, FINISH)
    assert not wizard.isVisible()


def test_mapping_without_a_name_cannot_go_on(qtbot, wizard, tmp_path):
    path = write_file(tmp_path / "export.csv", ROWS)
    qtbot.keyClicks(wizard.file_page.path_edit, str(path))
    click(qtbot, wizard, NEXT)
    page = wizard.mapping_page
    assert wizard.button(NEXT).isEnabled()
    page.combos[0].setCurrentIndex(page.combos[0].findData(None))
    assert not wizard.button(NEXT).isEnabled()
    assert page.problems.isVisible() and page.problems.text()
    page.combos[0].setCurrentIndex(page.combos[0].findData("birth_name"))
    assert wizard.button(NEXT).isEnabled()


def test_changing_the_delimiter_reads_the_file_again(qtbot, wizard, tmp_path):
    path = write_file(tmp_path / "export.csv", ROWS)
    qtbot.keyClicks(wizard.file_page.path_edit, str(path))
    click(qtbot, wizard, NEXT)
    page = wizard.mapping_page
    page.delimiter.setCurrentIndex(page.delimiter.findData(","))
    assert len(page.combos) == 1 and not wizard.button(NEXT).isEnabled()
    page.delimiter.setCurrentIndex(page.delimiter.findData(";"))
    assert len(page.combos) == 6 and wizard.button(NEXT).isEnabled()


def test_an_unreadable_file_stays_on_the_first_page(qtbot, wizard, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    qtbot.keyClicks(wizard.file_page.path_edit, str(empty))
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.file_page
    assert wizard.file_page.error.isVisible() and wizard.file_page.error.text()


def test_stop_keeps_nothing(qtbot, wizard, workspace, tmp_path):
    rows = [ROWS[0]] + [f"Nom{i};Zoé;{1 + i % 28:02d}/03/1980;F;;Lyon" for i in range(20_000)]
    path = write_file(tmp_path / "big.csv", rows)
    before = stored(workspace)
    to_check_page(qtbot, wizard, path)
    assert wizard.check_page.report.valid == 20_000
    click(qtbot, wizard, COMMIT)
    run = wizard.run_page
    assert run.stop_button.isVisible()
    qtbot.mouseClick(run.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.finished, timeout=60_000)
    assert run.report is None
    assert run.status.text() == Cancelled().user_message
    assert stored(workspace) == before


def test_a_utf8_file_with_stray_bytes_asks_how_to_read_it(qtbot, wizard, tmp_path):
    rows = [f"Lefèvre{i};Hélène;01/07/1975;F;;Lyon".encode() for i in range(20)]
    rows[1] = b"Gar\xe7on;No\xebl;21256;M;;Lyon"  # line 3
    rows[15] = "Roux;Zoé;2015-11-23;F;;Lyon".encode() + b"\x92"  # line 17
    path = tmp_path / "export.csv"
    path.write_bytes(b"\r\n".join([ROWS[0].encode()] + rows) + b"\r\n")
    file_page = wizard.file_page
    assert file_page.encoding_choice.isHidden()
    qtbot.keyClicks(file_page.path_edit, str(path))
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is file_page  # not silently read as Windows-1252
    assert file_page.error.isVisible() and "3, 17" in file_page.error.text()
    assert file_page.encoding_choice.isVisible()
    file_page.encoding_choice.setCurrentIndex(file_page.encoding_choice.findData("utf-8"))
    click(qtbot, wizard, NEXT)

    page = wizard.mapping_page
    assert wizard.currentPage() is page
    assert page.encoding.currentData() == "utf-8"
    assert page.broken.isVisible() and "3, 17" in page.broken.text()
    assert page.preview.item(0, 1).text() == "Hélène"
    assert page.preview.item(1, 0).text() == "Gar\ufffdon"
    page.encoding.setCurrentIndex(page.encoding.findData("cp1252"))  # changed here too
    assert page.preview.item(0, 1).text() == "HÃ©lÃ¨ne" and page.broken.isHidden()
    page.encoding.setCurrentIndex(page.encoding.findData("utf-8"))
    assert "3, 17" in page.broken.text() and not page.broken.isHidden()

    wizard.back()
    file_page.encoding_choice.setCurrentIndex(file_page.encoding_choice.findData("cp1252"))
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is page and page.encoding.currentData() == "cp1252"
    assert page.preview.item(1, 0).text() == "Garçon" and page.broken.isHidden()
    wizard.back()
    file_page.path_edit.clear()  # another file: the choice goes until it is needed again
    assert file_page.encoding_choice.isHidden()
