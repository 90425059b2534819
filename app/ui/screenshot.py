"""``permanence screenshot``: each main screen rendered offscreen to PNG files."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from app.i18n import format_date, set_language
from app.services.settings import WorkstationSettings
from app.services.workspace import Workspace

SIZE = (1280, 800)


def _settle(app, rounds: int = 5) -> None:
    for _round in range(rounds):
        app.processEvents()


def _wait(app, done, timeout: float = 20.0) -> None:
    """Let background work (read off the UI thread) finish before a shot."""
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def _patient_with_alert(workspace: Workspace):
    """A patient whose card shows an alert, found the way the secretary would: by search."""
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for row in workspace.patients.search(letter, limit=100):
            if row.alert:
                return row
    return None


def _write_sample_csv(path: Path) -> None:
    """A small export from "previous software": fictional people, French headers, cp1252."""
    rows = [
        "Nom;Prénom;Date de naissance;Tél. portable;E-mail;Code postal;Ville",
        "LEROUX;Mathilde;03/04/1962;06 45 12 78 90;m.leroux@example.fr;37000;Tours",
        "BENOÎT;Hugo;1988-11-21;0761223344;;37100;Tours",
        "FAURE;Élodie;22768;+33 6 98 76 54 10;elodie.faure@example.fr;37300;Joué-lès-Tours",
        "MOREAU;Lucas;31/02/1990;06 00;;37200;Tours",
    ]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))


def render_screens(workspace: Workspace, out_dir: Path, settings: WorkstationSettings) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.storage.keys import new_recovery_key
    from app.ui.change_bus import ChangeBus
    from app.ui.main_window import MainWindow
    from app.ui.setup_wizard import SetupWizard
    from app.ui.theme import apply_theme, install_qt_translations
    from app.ui.unlock_dialog import UnlockDialog

    out_dir.mkdir(parents=True, exist_ok=True)
    language = settings.get("language")
    set_language(language)
    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    install_qt_translations(app, language)
    written: list[Path] = []

    def shoot(widget, name: str) -> None:
        _settle(app)
        path = out_dir / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    # Window geometry is not saved: a screenshot run must not touch the profile's state.
    state = QSettings(str(out_dir / ".window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, ChangeBus(), state)
    window.resize(*SIZE)
    window.show()
    _settle(app)
    if window.width() > SIZE[0]:
        raise RuntimeError(f"main window wider than {SIZE[0]} px: {window.width()}")
    shoot(window, "01-patients")

    window.focus_search()
    sample = workspace.patients.search("", limit=1)
    query = sample[0].display_name.split()[0][:3].lower() if sample else "mar"
    window.search.setText(query)
    shoot(window, "02-recherche")

    window.patients.table.setFocus()
    window.patients.open_current()
    shoot(window, "03-fiche-patient")

    flagged = _patient_with_alert(workspace)
    if flagged is not None:
        window.search.setText(flagged.phone or flagged.display_name)
        window.patients.open_current()
        shoot(window, "04-fiche-avec-alerte")
    window.patients.card_tabs.setCurrentWidget(window.patients.timeline)
    shoot(window, "05-historique")
    window.patients.card_tabs.setCurrentIndex(0)

    window.patients.new_patient()
    form = window.patients.form
    form.birth_name.setText("Exemple")
    form.first_names.setText("Camille")
    form.birth_date.setText("31/02/1980")
    form.phone_rows[0].number.setText("06 12 34")
    form.save()
    shoot(window, "06-controle-saisie")

    window.search.clear()
    existing = workspace.patients.search("", limit=1)
    if existing:
        known = workspace.patients.get(existing[0].id)
        form.new_patient()
        form.birth_name.setText(known.birth_name)
        form.first_names.setText(known.first_names)
        form.birth_date.setText(format_date(known.birth_date) if known.birth_date else "")
        form.save()  # stops at the "may already have a card" warning
        shoot(window, "07-homonyme")
    form.new_patient()

    window.search.setText("zzzz")
    shoot(window, "08-aucun-resultat")
    window.search.clear()

    window.nav.setCurrentRow(window.pages.indexOf(window.directory))
    window.directory.search.setText("cardio")
    window.directory.open_current()
    shoot(window, "09-annuaire")
    window.directory.search.clear()

    window.nav.setCurrentRow(window.pages.indexOf(window.patients))
    window.patients.open_duplicates()
    dialog = window.patients.duplicates_dialog
    _wait(app, lambda: not dialog.loading)
    if dialog.model.rowCount():
        dialog.table.selectRow(0)
    shoot(dialog, "10-doublons")
    if dialog.model.rowCount():
        dialog.merge_selected()
        shoot(dialog.merge_dialog, "11-fusion")
        dialog.merge_dialog.reject()
    dialog.reject()

    with tempfile.TemporaryDirectory() as tmp:
        sample_csv = Path(tmp) / "export-ancien-logiciel.csv"
        _write_sample_csv(sample_csv)
        wizard = window.import_patients()
        wizard.file_page.path_edit.setText(str(sample_csv))
        wizard.next()
        shoot(wizard, "12-import-colonnes")
        wizard.reject()

    window.nav.setCurrentRow(window.pages.indexOf(window.settings))
    shoot(window, "13-reglages")
    window.hide()

    unlock = UnlockDialog(lambda secret, rec: b"", profile_label=str(workspace.paths.root))
    unlock.show()
    shoot(unlock, "14-deverrouillage")
    unlock.hide()

    wizard = SetupWizard(lambda *a: "", keychain_problem=None)
    wizard.practice_page.name.setText("Cabinet médical des Tilleuls")
    wizard.practice_page.address.setText("12 rue des Tilleuls, 69003 Lyon")
    wizard.practice_page.owner.setText("Sophie Lambert")
    wizard.resize(820, 580)
    wizard.show()
    shoot(wizard, "15-assistant-cabinet")
    wizard.next()
    table = wizard.practitioners_page.table
    for col, value in enumerate(("Dr", "Claire", "Morel", "Médecine générale")):
        table.item(0, col).setText(value)
    wizard.practitioners_page.add_row(("Dr", "Karim", "Benali", "Pédiatrie"))
    shoot(wizard, "16-assistant-praticiens")
    wizard.next()
    shoot(wizard, "17-assistant-protection")
    # The recovery page with an example key (not tied to any database).
    wizard.recovery_page.show_key(new_recovery_key())
    wizard.setStartId(wizard.pageIds()[-1])
    wizard.restart()
    shoot(wizard, "18-assistant-cle-de-secours")
    wizard.hide()


    return written



