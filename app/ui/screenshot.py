"""``permanence screenshot``: each main screen rendered offscreen to PNG files."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from app.i18n import _, format_date, set_language
from app.services.exporting.files import (
    DestinationExists,
    ExportError,
    TempFile,
    refuse_link,
    refuse_protected,
)
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


def _free_time(page, column: str, day, length: int) -> int | None:
    """The first wall minute of ``column`` on ``day`` open and free for ``length`` minutes."""
    from app.ui.agenda import BAND_OPEN

    data = page.grid.data()
    taken = sorted((i.start_min, i.end_min) for i in data.items
                   if i.column_key == column and i.day == day and i.status != "cancelled")
    for band in data.bands:
        if band.kind != BAND_OPEN or band.column_key != column or band.day != day:
            continue
        start = band.start_min
        while start + length <= band.end_min:
            clash = next((e for s, e in taken if s < start + length and start < e), None)
            if clash is None:
                return start
            start = clash
    return None


def _agenda_screens(app, workspace: Workspace, window, shoot) -> None:
    """The agenda: today's day and week, the month, a booking, a refusal, a history."""
    from app.services.agenda.service import BookingRefused
    from app.services.agenda.views import BookingInput
    from app.ui.agenda.refusal import refusal_box

    page = window.agenda
    today = page.current_day()
    page.show_day(today, [p.id for p in page.practitioners()])
    page.grid.scroll_to_minute(8 * 60)  # the morning, whatever the hour of the run
    shoot(window, "01-agenda-jour")
    page.set_view("week")
    page.grid.scroll_to_minute(8 * 60)
    shoot(window, "02-agenda-semaine")
    page.set_view("month")
    shoot(window, "03-agenda-mois")
    page.show_day(today)

    # A booking for a patient whose card carries an alert, at a free time.
    flagged = _patient_with_alert(workspace)
    for column in page.selected_practitioners():
        start = _free_time(page, column, today, 15)
        if start is not None:
            page.grid.set_cursor(column, today, start)
            break
    dialog = page.open_booking(flagged.id if flagged is not None else None)
    shoot(dialog, "04-rendez-vous")
    dialog.done(0)

    # Booked over another appointment: the guard's reasons, the owner's choice.
    booked = [i for i in page.grid.data().items if i.status != "cancelled"]
    if booked:
        target = booked[len(booked) // 2]
        other = next((i for i in booked if i.column_key == target.column_key and i is not target),
                     target)
        starts = workspace.zone.to_utc(other.day, other.start_min)
        data = BookingInput(target.column_key, starts, None, None, None)
        page.grid.select_item(other.id)  # the appointment it would overlap, in view
    else:
        pid = page.selected_practitioners()[0] if page.selected_practitioners() else ""
        data = BookingInput(pid, workspace.zone.to_utc(today, 13 * 60), None, None, None)
    conflicts = workspace.agenda.check(data) if data.practitioner_id else []
    if [c for c in conflicts if c.blocking]:
        box, _override = refusal_box(window, BookingRefused(
            conflicts, can_override=workspace.agenda.can_override),
            can_override=workspace.agenda.can_override, moving=True)
        box.show()
        shoot(window, "05-refus", over=box)
        box.hide()

    # An appointment opened: its status and every change, in its History tab.
    changed = [i for i in page.grid.data().items if i.title and i.status != "cancelled"]
    if changed:
        opened = page.open_appointment(changed[0].id)
        if opened is not None:
            opened.tabs.setCurrentWidget(opened.history)
            shoot(opened, "06-rendez-vous-historique")
            opened.done(0)


def check_out_dir(out_dir: Path, profile_root: Path, *, overwrite: bool) -> None:
    """Refuse, before anything is rendered: the profile folder (or inside it), a link, a
    file, and a folder already holding screenshots unless ``overwrite``."""
    refuse_link(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(_("{path} is a file; give a folder.").format(path=out_dir))
    refuse_protected(out_dir, profile_root)
    if not overwrite and out_dir.is_dir() and any(out_dir.glob("*.png")):
        raise DestinationExists(_("The folder {path} already holds screenshots; nothing was "
                                  "written.").format(path=out_dir))


def render_screens(workspace: Workspace, out_dir: Path, settings: WorkstationSettings, *,
                   overwrite: bool = False) -> list[Path]:
    """Each screen to ``out_dir/NAME.png``. Raises ExportError (a subclass when the folder
    already holds screenshots and ``overwrite`` is not given) before anything is drawn."""
    check_out_dir(out_dir, workspace.paths.root, overwrite=overwrite)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.storage.keys import new_recovery_key
    from app.storage.private import make_private_dirs
    from app.ui.change_bus import ChangeBus
    from app.ui.main_window import MainWindow
    from app.ui.setup_wizard import SetupWizard
    from app.ui.theme import apply_theme, install_qt_translations
    from app.ui.unlock_dialog import UnlockDialog

    make_private_dirs(out_dir)
    language = settings.get("language")
    set_language(language)
    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    install_qt_translations(app, language)
    written: list[Path] = []

    def shoot(widget, name: str, *, over=None) -> None:
        """``widget`` as shown; with ``over``, that window drawn in its middle (a
        message box shown over the screen it belongs to)."""
        _settle(app)
        path = out_dir / f"{name}.png"
        image = widget.grab()
        if over is not None:
            from PySide6.QtGui import QPainter

            from PySide6.QtGui import QColor

            top = over.grab()
            x = (image.width() - top.width()) // 2
            y = (image.height() - top.height()) // 3
            painter = QPainter(image)
            painter.drawPixmap(x, y, top)
            painter.setPen(QColor("#94a3b8"))  # the frame a window manager would draw
            painter.drawRect(x - 1, y - 1, top.width() + 1, top.height() + 1)
            painter.end()
        # Beside the target then renamed: a link planted at the name is refused, not
        # followed, and a killed run leaves no half-written image under a real name.
        temp = TempFile(path, overwrite=overwrite)
        try:
            if not image.save(str(temp.path), "PNG"):
                raise ExportError(_("The screenshot {path} could not be written.")
                                  .format(path=path))
            temp.place()
        except BaseException:
            temp.discard()
            raise
        written.append(path)

    # Window geometry is not saved: a screenshot run must not touch the profile's state.
    state = QSettings(str(out_dir / ".window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, ChangeBus(workspace, workspace.initiator), state)
    window.resize(*SIZE)
    window.show()
    _settle(app)
    if window.width() > SIZE[0]:
        raise RuntimeError(f"main window wider than {SIZE[0]} px: {window.width()}")
    _agenda_screens(app, workspace, window, shoot)

    window.show_patients()
    shoot(window, "07-patients")

    window.focus_search()
    sample = workspace.patients.search("", limit=1)
    query = sample[0].display_name.split()[0][:3].lower() if sample else "mar"
    window.search.setText(query)
    shoot(window, "08-recherche")

    window.patients.table.setFocus()
    window.patients.open_current()
    shoot(window, "09-fiche-patient")

    flagged = _patient_with_alert(workspace)
    if flagged is not None:
        window.search.setText(flagged.phone or flagged.display_name)
        window.patients.open_current()
        shoot(window, "10-fiche-avec-alerte")
    window.patients.card_tabs.setCurrentWidget(window.patients.timeline)
    shoot(window, "11-historique")
    window.patients.card_tabs.setCurrentIndex(0)

    window.patients.new_patient()
    form = window.patients.form
    form.birth_name.setText("Exemple")
    form.first_names.setText("Camille")
    form.birth_date.setText("31/02/1980")
    form.phone_rows[0].number.setText("06 12 34")
    form.save()
    shoot(window, "12-controle-saisie")

    window.search.clear()
    existing = workspace.patients.search("", limit=1)
    if existing:
        known = workspace.patients.get(existing[0].id)
        form.new_patient()
        form.birth_name.setText(known.birth_name)
        form.first_names.setText(known.first_names)
        form.birth_date.setText(format_date(known.birth_date) if known.birth_date else "")
        form.save()  # stops at the "may already have a card" warning
        shoot(window, "13-homonyme")
    form.new_patient()

    window.search.setText("zzzz")
    shoot(window, "14-aucun-resultat")
    window.search.clear()

    window.nav.setCurrentRow(window.pages.indexOf(window.directory))
    window.directory.search.setText("cardio")
    window.directory.open_current()
    shoot(window, "15-annuaire")
    window.directory.search.clear()

    window.nav.setCurrentRow(window.pages.indexOf(window.patients))
    window.patients.open_duplicates()
    dialog = window.patients.duplicates_dialog
    _wait(app, lambda: not dialog.loading)
    if dialog.model.rowCount():
        dialog.table.selectRow(0)
    shoot(dialog, "16-doublons")
    if dialog.model.rowCount():
        dialog.merge_selected()
        shoot(dialog.merge_dialog, "17-fusion")
        dialog.merge_dialog.reject()
    dialog.reject()

    with tempfile.TemporaryDirectory() as tmp:
        sample_csv = Path(tmp) / "export-ancien-logiciel.csv"
        _write_sample_csv(sample_csv)
        wizard = window.import_patients()
        wizard.file_page.path_edit.setText(str(sample_csv))
        wizard.next()
        shoot(wizard, "18-import-colonnes")
        wizard.reject()

    window.nav.setCurrentRow(window.pages.indexOf(window.settings))
    shoot(window, "19-reglages")
    agenda_settings = window.settings.show_agenda()
    agenda_settings.show_section(0)
    shoot(window, "19-reglages-motifs")
    agenda_settings.show_section(1)
    shoot(window, "19-reglages-horaires")
    window.hide()

    unlock = UnlockDialog(lambda secret, rec: b"", profile_label=str(workspace.paths.root))
    unlock.show()
    shoot(unlock, "20-deverrouillage")
    unlock.hide()

    wizard = SetupWizard(lambda *a: "", keychain_problem=None)
    wizard.practice_page.name.setText("Cabinet médical des Tilleuls")
    wizard.practice_page.address.setText("12 rue des Tilleuls, 69003 Lyon")
    wizard.practice_page.owner.setText("Sophie Lambert")
    wizard.resize(820, 580)
    wizard.show()
    shoot(wizard, "21-assistant-cabinet")
    wizard.next()
    table = wizard.practitioners_page.table
    for col, value in enumerate(("Dr", "Claire", "Morel", "Médecine générale")):
        table.item(0, col).setText(value)
    wizard.practitioners_page.add_row(("Dr", "Karim", "Benali", "Pédiatrie"))
    shoot(wizard, "22-assistant-praticiens")
    wizard.next()
    shoot(wizard, "23-assistant-protection")
    # The recovery page with an example key (not tied to any database).
    wizard.recovery_page.show_key(new_recovery_key())
    wizard.setStartId(wizard.pageIds()[-1])
    wizard.restart()
    shoot(wizard, "24-assistant-cle-de-secours")
    wizard.hide()


    return written



