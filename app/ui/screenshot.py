"""``permanence screenshot``: each main screen rendered offscreen to PNG files."""

from __future__ import annotations

import os
from pathlib import Path

from app.i18n import set_language
from app.services.settings import WorkstationSettings
from app.services.workspace import Workspace

SIZE = (1280, 800)


def _settle(app, rounds: int = 5) -> None:
    for _round in range(rounds):
        app.processEvents()


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

    window.patients.new_patient()
    form = window.patients.form
    form.birth_name.setText("Exemple")
    form.first_names.setText("Camille")
    form.birth_date.setText("31/02/1980")
    form.phone_rows[0].number.setText("06 12 34")
    form.save()
    shoot(window, "04-controle-saisie")
    form.new_patient()

    window.search.setText("zzzz")
    shoot(window, "05-aucun-resultat")
    window.search.clear()

    window.nav.setCurrentRow(1)
    shoot(window, "06-reglages")
    window.hide()

    unlock = UnlockDialog(lambda secret, rec: b"", profile_label=str(workspace.paths.root))
    unlock.show()
    shoot(unlock, "07-deverrouillage")
    unlock.hide()

    wizard = SetupWizard(lambda *a: "", keychain_problem=None)
    wizard.practice_page.name.setText("Cabinet médical des Tilleuls")
    wizard.practice_page.address.setText("12 rue des Tilleuls, 69003 Lyon")
    wizard.practice_page.owner.setText("Sophie Lambert")
    wizard.resize(820, 580)
    wizard.show()
    shoot(wizard, "08-assistant-cabinet")
    wizard.next()
    table = wizard.practitioners_page.table
    for col, value in enumerate(("Dr", "Claire", "Morel", "Médecine générale")):
        table.item(0, col).setText(value)
    wizard.practitioners_page.add_row(("Dr", "Karim", "Benali", "Pédiatrie"))
    shoot(wizard, "09-assistant-praticiens")
    wizard.next()
    shoot(wizard, "10-assistant-protection")
    # The recovery page with an example key (not tied to any database).
    wizard.recovery_page.show_key(new_recovery_key())
    wizard.setStartId(wizard.pageIds()[-1])
    wizard.restart()
    shoot(wizard, "11-assistant-cle-de-secours")
    wizard.hide()


    return written



