"""``permanence screenshot``: each screen rendered offscreen to PNG files.

The screens are the functions listed in ``SCREENS``, shot in that order and numbered
by it (``01-agenda-jour.png``…). To add one: write a function taking the ``Shots`` and
calling ``s.shoot(widget, "name")`` (leave the window on the agenda's day view), then
add its name to ``SCREENS``.

The clock is the workspace's: frozen (``--at``), the same profile and language give the
same PNG files byte for byte (no time in them, no blinking cursor, animations let end).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from app.i18n import _, format_date, set_language
from app.services import access
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


# An example recovery key for the assistant's last page: a shot must not change from
# one run to the next (the real key is random, and tied to no database here).
EXAMPLE_RECOVERY_KEY = "K7QM-3XRT-V9PA-WD4H-6NCE-B2JF-8LUY-5SGZ"


class Shots:
    """What the screens are shot from: the open window and workspace, and ``shoot``."""

    def __init__(self, app, workspace: Workspace, window, out_dir: Path, *,
                 overwrite: bool) -> None:
        self.app, self.workspace, self.window = app, workspace, window
        self.out_dir, self.overwrite = out_dir, overwrite
        self.written: list[Path] = []
        # Per screen file name, the texts it shows cut off (app.ui.clipping).
        self.clipped: dict[str, list[str]] = {}

    @property
    def page(self):
        return self.window.agenda

    def today(self):
        return self.workspace.zone.today(self.workspace.clock.now())

    def settle(self, rounds: int = 5) -> None:
        _settle(self.app, rounds)

    def wait(self, done, timeout: float = 20.0) -> None:
        _wait(self.app, done, timeout)

    def shoot(self, widget, name: str, *, over=None) -> None:
        """``widget`` as shown, to ``NN-name.png`` (NN: its place in the set); with
        ``over``, that window drawn in its middle (a message box over its screen)."""
        from PySide6.QtGui import QColor, QPainter

        from app.ui.clipping import clipped_texts

        self.settle()
        # The fade of line edits' clear buttons runs on a timer: let it end, so the
        # same run gives the same pixels.
        deadline = time.monotonic() + FADE_SECONDS
        while time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.01)
        self.settle()
        path = self.out_dir / f"{len(self.written) + 1:02d}-{name}.png"
        cut = clipped_texts(widget) + (clipped_texts(over) if over is not None else [])
        if cut:
            self.clipped[path.name] = cut
        image = widget.grab().toImage()
        if over is not None:
            top = over.grab()
            x = (image.width() - top.width()) // 2
            y = (image.height() - top.height()) // 3
            painter = QPainter(image)
            painter.drawPixmap(x, y, top)
            painter.setPen(QColor("#94a3b8"))  # the frame a window manager would draw
            painter.drawRect(x - 1, y - 1, top.width() + 1, top.height() + 1)
            painter.end()
        self.save(image, path)

    def save(self, image, path: Path) -> None:
        """A QImage as a PNG with no text chunks (no time, no software version)."""
        for key in image.textKeys():
            image.setText(key, "")
        # Beside the target then renamed: a link planted at the name is refused, not
        # followed, and a killed run leaves no half-written image under a real name.
        temp = TempFile(path, overwrite=self.overwrite)
        try:
            if not image.save(str(temp.path), "PNG"):
                raise ExportError(_("The screenshot {path} could not be written.")
                                  .format(path=path))
            temp.place()
        except BaseException:
            temp.discard()
            raise
        self.written.append(path)


FADE_SECONDS = 0.25


# -- the screens, in the order they are shot ----------------------------------------------
# Each takes the Shots and shoots one image or more; a new screen is a function here and
# its name in SCREENS. The window is left on the agenda's day view between screens.
def agenda_day(s: Shots) -> None:
    page = s.page
    page.show_day(s.today(), [p.id for p in page.practitioners()])
    page.grid.scroll_to_minute(8 * 60)  # the morning, whatever the hour of the run
    s.shoot(s.window, "agenda-jour")


def agenda_week(s: Shots) -> None:
    page = s.page
    page.set_view("week")
    page.grid.scroll_to_minute(8 * 60)
    s.shoot(s.window, "agenda-semaine")  # one practitioner's week, as it opens
    page.set_view("day")
    page.navigation.show_cancelled(True)
    page.grid.scroll_to_minute(8 * 60)
    s.shoot(s.window, "agenda-jour-avec-annules")
    page.navigation.show_cancelled(False)
    page.show_day(s.today(), [p.id for p in page.practitioners()])


def agenda_month(s: Shots) -> None:
    s.page.set_view("month")
    s.shoot(s.window, "agenda-mois")
    s.page.show_day(s.today())
    s.page.grid.scroll_to_minute(8 * 60)


def appointment_new(s: Shots) -> None:
    """The appointment dialog for a new booking, for a patient whose card has an alert."""
    page = s.page
    flagged = _patient_with_alert(s.workspace)
    for column in page.selected_practitioners():
        start = _free_time(page, column, s.today(), 15)
        if start is not None:
            page.grid.set_cursor(column, s.today(), start)
            break
    dialog = page.appointment_actions.open_booking(flagged.id if flagged is not None else None)
    s.shoot(dialog, "rendez-vous-nouveau")
    dialog.done(0)


def slot_finder(s: Shots) -> None:
    """The slot finder with its results, for a patient."""
    sample = s.workspace.patients.search("", limit=3)
    dialog = s.page.booking_tools.open_finder(sample[-1].id if sample else None)
    dialog.search()
    s.shoot(dialog, "creneaux")
    dialog.close()


def refusal(s: Shots) -> None:
    """Booked over another appointment: the guard's reasons, the owner's choice."""
    from app.services.agenda.service import BookingRefused
    from app.services.agenda.views import BookingInput
    from app.ui.agenda.refusal import refusal_box

    page, workspace = s.page, s.workspace
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
        data = BookingInput(pid, workspace.zone.to_utc(s.today(), 13 * 60), None, None, None)
    conflicts = workspace.agenda.check(data) if data.practitioner_id else []
    if [c for c in conflicts if c.blocking]:
        box, _override = refusal_box(s.window, BookingRefused(
            conflicts, can_override=workspace.agenda.can_override),
            can_override=workspace.agenda.can_override, moving=True)
        box.show()
        s.shoot(s.window, "refus", over=box)
        box.hide()


def appointment_history(s: Shots) -> None:
    """An appointment of the morning opened: its status and every change, in History."""
    items = [i for i in s.page.grid.data().items if i.title and i.status != "cancelled"]
    if items:
        opened = s.page.open_appointment(items[0].id)
        if opened is not None:
            s.shoot(opened, "rendez-vous")
            if opened.history is not None:
                opened.tabs.setCurrentWidget(opened.history)
                s.shoot(opened, "rendez-vous-historique")
            opened.done(0)


def cancel_dialog(s: Shots) -> None:
    """The question a cancellation asks, worded as the agenda words it."""
    from app.ui.agenda.cancel_dialog import CancelDialog
    from app.ui.agenda.grid_data import hhmm

    items = [i for i in s.page.grid.data().items if i.title and i.status in ("booked",
                                                                              "confirmed")]
    if items:
        item = items[0]
        summary = _("{who}, {day} at {time}").format(
            who=item.title, day=format_date(item.day, "EEEE d MMMM"), time=hhmm(item.start_min))
        dialog = CancelDialog(summary, s.window)
        dialog.show()
        s.shoot(dialog, "annulation")
        dialog.done(0)


def my_day(s: Shots) -> None:
    from app.ui.agenda.day_tools import tools_of

    tools = tools_of(s.page)
    if tools is not None:
        dialog = tools.open_my_day()
        dialog.resize(1000, 640)
        s.shoot(dialog, "ma-journee")
        dialog.done(0)


def side_panels(s: Shots) -> None:
    """The waiting room and the waiting list, beside the day."""
    side = s.page.panels.side
    for index in range(side.count()):
        side.setCurrentIndex(index)
        name = type(side.widget(index)).__name__
        s.shoot(s.window, _PANEL_NAMES.get(name, f"panneau-{index + 1}"))
    side.setCurrentIndex(0)


_PANEL_NAMES = {"WaitingRoomPanel": "salle-d-attente", "WaitingListPanel": "liste-d-attente",
                "FreedSlotsPanel": "creneaux-liberes"}


def series(s: Shots) -> None:
    dialog = s.page.booking_tools.open_series()
    s.shoot(dialog, "serie")
    dialog.done(0)


def print_options(s: Shots) -> None:
    from app.ui.agenda.day_tools import tools_of

    tools = tools_of(s.page)
    if tools is not None:
        dialog = tools.printing.open_options(pdf=False)
        s.shoot(dialog, "impression-options")
        dialog.done(0)


def printout(s: Shots) -> None:
    """The first page of a practitioner's day sheet, as printed (A4 at 96 dpi)."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QImage, QPainter

    from app.ui.agenda.day_tools import tools_of
    from app.ui.agenda.grid_paint import paint_grid
    from app.ui.agenda.printing import PrintRequest, build_sheet

    tools = tools_of(s.page)
    selected = s.page.selected_practitioners()
    if tools is None or not selected:
        return
    sheet = build_sheet(s.workspace, tools.queries, PrintRequest.day(selected[0], s.today()))
    image = QImage(794, 1123, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    paint_grid(painter, QRect(38, 38, 718, 1047), sheet.grid, start_min=sheet.start_min,
               end_min=sheet.end_min, title=sheet.title)
    painter.end()
    s.save(image, s.out_dir / f"{len(s.written) + 1:02d}-impression-jour.png")



def search_over_the_agenda(s: Shots) -> None:
    """A name typed by ear on the agenda: the results over the page, the agenda kept."""
    window = s.window
    window.focus_search()
    window.search.setText("lefebvre")
    s.shoot(window, "recherche-sur-l-agenda")
    window.search.clear()
    window.search_overlay.hide()
    s.page.grid.setFocus()

def patients(s: Shots) -> None:
    window = s.window
    window.show_patients()
    s.shoot(window, "patients")
    window.focus_search()
    sample = s.workspace.patients.search("", limit=1)
    query = sample[0].display_name.split()[0][:3].lower() if sample else "mar"
    window.search.setText(query)
    s.shoot(window, "recherche")
    window.patients.table.setFocus()
    window.patients.open_current()
    s.shoot(window, "fiche-patient")


def patient_with_alert(s: Shots) -> None:
    window = s.window
    flagged = _patient_with_alert(s.workspace)
    if flagged is not None:
        window.search.setText(flagged.phone or flagged.display_name)
        window.patients.open_current()
        s.shoot(window, "fiche-avec-alerte")


def card_tabs(s: Shots) -> None:
    """The appointments and the history of a patient the agenda shows this morning."""
    window = s.window
    visits = sorted((a for a in s.page.state.appointments.values()
                     if a.patient_id and a.holds_time), key=lambda a: a.starts_at)
    if not visits:
        return
    patient_id = visits[0].patient_id
    if not window.open_patient_card(patient_id):  # its row selected, never another's
        return
    view = window.patients
    tabs = view.card_tabs
    for index, name in ((1, "fiche-rendez-vous"), (2, "fiche-historique")):
        if index < tabs.count():
            tabs.setCurrentIndex(index)
            s.shoot(window, name)
    tabs.setCurrentIndex(0)


def card_accesses(s: Shots) -> None:
    """"Qui a consulté cette fiche ?" for the card on screen."""
    accesses = s.window.patients.show_accesses()
    if accesses is not None:
        s.shoot(s.window, "qui-a-consulte", over=accesses)
        accesses.close()


def card_checks(s: Shots) -> None:
    window = s.window
    window.patients.new_patient()
    form = window.patients.form
    form.birth_name.setText("Exemple")
    form.first_names.setText("Camille")
    form.birth_date.setText("31/02/1980")
    form.phone_rows[0].number.setText("06 12 34")
    form.save()
    s.shoot(window, "controle-saisie")
    window.search.clear()
    existing = s.workspace.patients.search("", limit=1)
    if existing:
        known = s.workspace.patients.get(existing[0].id)
        form.new_patient()
        form.birth_name.setText(known.birth_name)
        form.first_names.setText(known.first_names)
        form.birth_date.setText(format_date(known.birth_date) if known.birth_date else "")
        form.save()  # stops at the "may already have a card" warning
        s.shoot(window, "homonyme")
    form.new_patient()
    window.search.setText("zzzz")
    s.shoot(window, "aucun-resultat")
    window.search.clear()


def directory(s: Shots) -> None:
    window = s.window
    window.nav.setCurrentRow(window.pages.indexOf(window.directory))
    window.directory.search.setText("cardio")
    window.directory.open_current()
    s.shoot(window, "annuaire")
    window.directory.search.clear()


def messages_and_consignes(s: Shots) -> None:
    """The practitioners' messages, then the practice's consignes."""
    window = s.window
    window.show_messages()
    window.messages.inbox.table.setFocus()
    s.shoot(window, "messages")
    window.nav.setCurrentRow(window.pages.indexOf(window.consignes))
    window.consignes.refresh()
    if window.consignes.model.rowCount():
        window.consignes.table.selectRow(0)
    s.shoot(window, "consignes")
    window.nav.setCurrentRow(window.pages.indexOf(window.agenda))

def calls_and_callbacks(s: Shots) -> None:
    """The day's call log, then the callbacks list (an overdue one selected)."""
    window = s.window
    page = window.calls
    window.show_page(page)
    page.set_day(s.today())
    page.tabs.setCurrentIndex(0)
    page.refresh()
    if page.model.rowCount():
        page.table.selectRow(0)
    page.table.setFocus()
    s.shoot(window, "appels")
    page.show_callbacks()
    now = s.workspace.clock.now()
    late = next((i for i, c in enumerate(page.callbacks.rows()) if c.overdue(now)), 0)
    if page.callbacks.rowCount():
        page.callback_table.selectRow(late)
    page.callback_table.setFocus()
    s.shoot(window, "rappels")
    page.tabs.setCurrentIndex(0)
    window.show_page(window.agenda)


def statistics(s: Shots) -> None:
    """The indicators of the last 30 days (computed off the UI thread)."""
    window = s.window
    page = window.statistics
    window.show_page(page)
    s.wait(lambda: not page.loading and page.stats is not None)
    s.shoot(window, "statistiques")
    window.show_page(window.agenda)


def _known_caller(s: Shots) -> str:
    """The number of a patient the agenda shows today, theirs alone."""
    ws = s.workspace
    visits = sorted((a for a in s.page.state.appointments.values()
                     if a.patient_id and a.holds_time), key=lambda a: a.starts_at)
    for visit in visits:
        for phone in ws.patients.get(visit.patient_id).phones:
            if len(ws.callers.identify(phone.e164).matches) == 1:
                return phone.e164
    return ""


def _family_number(ws: Workspace) -> str:
    """A number several patients share (a family's), found through the search."""
    seen: dict[str, set[str]] = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for row in ws.patients.search(letter, limit=100):
            if row.phone:
                seen.setdefault(row.phone, set()).add(row.id)
    for phone in sorted(seen):
        if len(seen[phone]) > 1 and len(ws.callers.identify(phone).matches) > 1:
            return phone
    return ""


def _unknown_number(ws: Workspace) -> str:
    for last in range(10, 100):
        number = f"07 61 42 58 {last}"
        if not ws.callers.identify(number).matches:
            return number
    return ""


def call_panel(s: Shots) -> None:
    """The call panel over the agenda: a known patient, a family phone, an unknown
    caller, then the urgent protocol (nothing is recorded: a preview of each call)."""
    window, ws = s.window, s.workspace
    panel = window.call_panel
    known = _known_caller(s)
    shots = ((known, "appel-patient-connu"), (_family_number(ws), "appel-telephone-familial"),
             (_unknown_number(ws), "appel-inconnu"))
    for number, name in shots:
        if number:
            panel.place(window.pages.geometry())
            panel.show_preview(ws.call_desk.preview(number))
            s.shoot(window, name)
    if known:
        panel.show_preview(ws.call_desk.preview(known))
        panel.open_urgent()
        panel.urgent.tick(0)
        s.settle()
        panel.show_referral()
        s.shoot(window, "appel-protocole-urgence")
    panel.urgent.hide()
    panel.hide()
    s.page.grid.setFocus()


def duplicates(s: Shots) -> None:
    window = s.window
    window.nav.setCurrentRow(window.pages.indexOf(window.patients))
    window.patients.open_duplicates()
    dialog = window.patients.duplicates_dialog
    s.wait(lambda: not dialog.loading)
    if dialog.model.rowCount():
        dialog.table.selectRow(0)
    s.shoot(dialog, "doublons")
    if dialog.model.rowCount():
        dialog.merge_selected()
        s.shoot(dialog.merge_dialog, "fusion")
        dialog.merge_dialog.reject()
    dialog.reject()


def import_wizard(s: Shots) -> None:
    # Named from a temporary folder made the current one: the wizard shows the path, and
    # the shot must not change with the folder's random name.
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            _write_sample_csv(Path(tmp) / SAMPLE_CSV)
            wizard = s.window.import_patients()
            wizard.file_page.path_edit.setText(SAMPLE_CSV)
            s.shoot(wizard, "import-fichier")
            wizard.next()
            s.shoot(wizard, "import-colonnes")
            wizard.next()
            s.wait(lambda: wizard.check_page.report is not None)
            s.shoot(wizard, "import-verification")
            wizard.reject()
        finally:
            os.chdir(here)


SAMPLE_CSV = "export-ancien-logiciel.csv"


def settings(s: Shots) -> None:
    window = s.window
    window.nav.setCurrentRow(window.pages.indexOf(window.settings))
    window.settings.tabs.setCurrentIndex(0)
    s.shoot(window, "reglages")
    agenda_settings = window.settings.show_agenda()
    for index, name in enumerate(("reglages-motifs", "reglages-horaires", "reglages-absences",
                                  "reglages-jours-feries")):
        if index < agenda_settings.sections.count():
            agenda_settings.show_section(index)
            s.shoot(window, name)
    window.settings.show_practice()
    s.shoot(window, "reglages-cabinet")
    calls = window.settings.calls_page
    if calls is not None:
        window.settings.tabs.setCurrentWidget(calls)
        calls.verticalScrollBar().setValue(0)
        s.shoot(window, "reglages-appels")
        if calls.telephony is not None:  # this workstation's sections, further down
            calls.widget().layout().activate()
            calls.ensureWidgetVisible(calls.telephony, 0, 0)
            calls.verticalScrollBar().setValue(calls.telephony.y())
            s.shoot(window, "reglages-appels-poste")
            calls.verticalScrollBar().setValue(0)
    window.show_backup_settings()
    s.shoot(window, "reglages-sauvegardes")
    if window.settings.show_trail() is not None:
        s.shoot(window, "reglages-journal-acces")
    window.nav.setCurrentRow(window.pages.indexOf(window.agenda))


def sharing(s: Shots) -> None:
    """Réglages → Partage: this installation's fingerprint shown large, the workstations
    (the demo's invitation pending) and what the one selected receives."""
    window = s.window
    window.nav.setCurrentRow(window.pages.indexOf(window.settings))
    if window.settings.show_sharing() is not None:
        s.shoot(window, "reglages-partage")
    window.settings.tabs.setCurrentIndex(0)
    window.nav.setCurrentRow(window.pages.indexOf(window.agenda))


SHOWN_SYNC_FOLDER = "/mnt/partage/permanence"  # shown in the field, never saved


def sync_status(s: Shots) -> None:
    """Réglages → Partage with a round's outcome ("Synchronisé à …", in the status bar
    too) and the conflict list with the one to resolve selected. The outcome is the one
    a round with nothing to exchange gives (``summary``); nothing is saved, no round
    runs: a screenshot run leaves the profile as it was."""
    from app.sync.round import RoundResult
    from app.ui.sync_runner import SyncStatus, summary

    window = s.window
    window.nav.setCurrentRow(window.pages.indexOf(window.settings))
    tab = window.settings.show_sharing()
    runner = getattr(window, "sync", None)
    if tab is None or runner is None:
        return
    before, via = runner.status, tab.via.text()
    done = summary(RoundResult(at=s.workspace.clock.now()), s.workspace.zone)
    try:
        if not via:
            tab.via.setText(SHOWN_SYNC_FOLDER)
        runner.status = SyncStatus(True, done.last_at, done.text, done.problems)
        runner.status_changed.emit(runner.status)
        tab.conflicts.reload()
        if tab.conflicts.table.rowCount():
            tab.conflicts.table.selectRow(0)
        s.settle()
        bar = tab.scroll.verticalScrollBar()
        bar.setValue(bar.maximum())  # the synchronisation and the conflicts
        s.shoot(window, "reglages-partage-synchronisation")
    finally:
        tab.via.setText(via)
        tab.scroll.verticalScrollBar().setValue(0)
        runner.status = before
        runner.status_changed.emit(before)
        window.settings.tabs.setCurrentIndex(0)
        window.nav.setCurrentRow(window.pages.indexOf(window.agenda))


def data_protection(s: Shots) -> None:
    """Réglages › Protection des données, with what the retention rules would remove."""
    window = s.window
    window.nav.setCurrentRow(window.pages.indexOf(window.settings))
    page = window.settings.show_data_protection()
    if page is not None:
        page.run(dry_run=True)
        s.wait(lambda: page._task is None)  # noqa: SLF001 - its run ended
        s.shoot(window, "reglages-protection-donnees")
    window.nav.setCurrentRow(window.pages.indexOf(window.agenda))


SHOWN_NEW_PASSPHRASE = "ardoise colibri semaine"  # typed, masked, never sealed


def account_reset(s: Shots) -> None:
    """Réglages › Comptes, the owner giving the secretary a new passphrase: typed twice
    (masked), its strength shown. Closed unanswered: nothing is sealed. A profile with
    no other active account has no such shot."""
    from app.models.user import ROLE_SECRETARY

    window = s.window
    tab = window.settings.accounts_tab
    if tab is None or not s.workspace.may(access.KEYS):
        return
    others = [a for a in s.workspace.accounts.list()
              if a.active and a.id != s.workspace.user_id]
    if not others:
        return
    account = next((a for a in others if a.role == ROLE_SECRETARY), others[0])
    window.nav.setCurrentRow(window.pages.indexOf(window.settings))
    window.settings.tabs.setCurrentWidget(tab)
    tab.reload()
    tab.select_account(account.name)
    dialog = tab.reset_passphrase()
    try:
        for field in (dialog.new, dialog.confirm_new):
            field.setText(SHOWN_NEW_PASSPHRASE)
        s.shoot(window, "reglages-comptes-phrase-de-passe", over=dialog)
    finally:
        dialog.reject()
        dialog.deleteLater()
        tab.table.clearSelection()
        window.settings.tabs.setCurrentIndex(0)
        window.nav.setCurrentRow(window.pages.indexOf(window.agenda))


def rgpd_export(s: Shots) -> None:
    """The first page of a demo patient's RGPD export, as its PDF lays it out."""
    from PySide6.QtCore import QRectF, QSizeF
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QTextDocument

    from app.ui.rgpd_pdf import dossier_html

    workspace = s.workspace
    flagged = _patient_with_alert(workspace) or next(iter(workspace.patients.search(
        "", limit=1)), None)
    if flagged is None or not workspace.may(access.PATIENT_RIGHTS):
        return
    doc = QTextDocument()
    doc.setDefaultFont(QFont("DejaVu Sans", 9))
    doc.setHtml(dossier_html(workspace.rights.dossier(flagged.id)))
    page = QSizeF(794, 1123)  # A4 at 96 dpi
    doc.setPageSize(page)
    image = QImage(int(page.width()), int(page.height()), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    doc.drawContents(painter, QRectF(0, 0, page.width(), page.height()))
    painter.end()
    s.save(image, s.out_dir / f"{len(s.written) + 1:02d}-export-rgpd.png")


REMOTE_ACCOUNT = "distante"  # the demo's remote secretary (app.demo.accounts)


def agenda_remote(s: Shots) -> None:
    """The day as the remote secretary sees it: what her role may not do is not
    offered (no settings but her own, no export, no administrative note). A profile
    without that account has no such shot."""
    from PySide6.QtCore import QSettings

    from app.ui.change_bus import ChangeBus
    from app.ui.main_window import MainWindow

    if not any(a.name == REMOTE_ACCOUNT and a.active for a in s.workspace.accounts.list()):
        return
    remote = s.workspace.seen_as(REMOTE_ACCOUNT)
    state = QSettings(str(s.out_dir / ".window.ini"), QSettings.Format.IniFormat)  # unwritten
    window = MainWindow(remote, s.settings, ChangeBus(remote, remote.initiator), state)
    try:
        window.resize(*SIZE)
        window.show()
        page = window.agenda
        page.show_day(s.today(), [p.id for p in page.practitioners()])
        page.grid.scroll_to_minute(8 * 60)
        s.shoot(window, "agenda-secretariat-distant")
    finally:
        window.hide()
        window.deleteLater()
        s.settle()


def lock_screen(s: Shots) -> None:
    """The session locked (Ctrl+L or idle): nothing of the practice behind, the prompt
    for the same person's passphrase over it."""
    from app.services.access import role_label
    from app.ui.idle_lock import LockDialog

    window, person = s.window, s.workspace.principal
    window.set_locked(True)
    dialog = LockDialog(lambda name, secret, recovery: None,
                        profile_label=str(s.workspace.paths.root), person=person.name,
                        person_label=_("{name} ({role})").format(
                            name=person.name, role=role_label(person.role)),
                        owner=person.is_owner, parent=window)
    dialog.show()
    s.shoot(window, "verrouillage", over=dialog)
    dialog.hide()
    dialog.deleteLater()
    window.set_locked(False)


def unlock(s: Shots) -> None:
    """The sign-in at start: an account name and that person's own passphrase."""
    from app.ui.unlock_dialog import UnlockDialog

    s.window.hide()
    dialog = UnlockDialog(lambda name, secret, recovery: None,
                          profile_label=str(s.workspace.paths.root))
    dialog.show()
    s.shoot(dialog, "connexion")
    dialog.hide()


def setup_wizard(s: Shots) -> None:
    from app.ui.setup_wizard import SetupWizard

    wizard = SetupWizard(lambda *a: "", keychain_problem=None)
    wizard.practice_page.name.setText("Cabinet médical des Tilleuls")
    wizard.practice_page.address.setText("12 rue des Tilleuls, 69003 Lyon")
    wizard.practice_page.owner.setText("Sophie Lambert")
    wizard.resize(820, 580)
    wizard.show()
    s.shoot(wizard, "assistant-cabinet")
    wizard.next()
    table = wizard.practitioners_page.table
    for col, value in enumerate(("Dr", "Claire", "Morel", "Médecine générale")):
        table.item(0, col).setText(value)
    wizard.practitioners_page.add_row(("Dr", "Karim", "Benali", "Pédiatrie"))
    s.shoot(wizard, "assistant-praticiens")
    wizard.next()
    s.shoot(wizard, "assistant-protection")
    wizard.recovery_page.show_key(EXAMPLE_RECOVERY_KEY)
    wizard.setStartId(wizard.pageIds()[-1])
    wizard.restart()
    s.shoot(wizard, "assistant-cle-de-secours")
    wizard.hide()


ROUTED_CALLER = "06 98 76 54 32"


def _second_practice(s: Shots, folder: Path):
    """A practice of its own beside the demo's, in ``folder`` (removed after): the
    remote secretariat's second practice, with a call ringing now."""
    from app.services.practice import PracticeInput, PractitionerInput
    from app.services.workspace import create_practice
    from app.storage.keys import KdfParams
    from app.storage.profile import ProfilePaths

    created = create_practice(
        ProfilePaths(folder / "lilas"),
        PracticeInput(name="Maison de santé des Lilas", owner_name="Paul Roux",
                      practitioners=[PractitionerInput("Paul", "Roux", "Kinésithérapie")]),
        passphrase="screens only", keychain=None, clock=s.workspace.clock,
        # A throwaway practice deleted at the end of the run: the cheapest key.
        kdf=KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1))
    ws = created.workspace
    ws.set_practice_lines(["01 45 67 89 10"])
    ws.calls.ringing(ROUTED_CALLER, line="01 45 67 89 10")
    return ws


class _Shown:
    """A practice shown in the switcher for the screenshots (no lock, no channel)."""

    def __init__(self, workspace, window, bus) -> None:
        self.workspace, self.window, self.bus = workspace, window, bus


def practice_switcher(s: Shots) -> None:
    """Two practices in one window (the switcher, each practice's band), the lead's
    console over both, and the question a call on an unknown line asks."""
    import tempfile

    from PySide6.QtCore import QCoreApplication, QEvent, QSettings

    from app.ui.change_bus import ChangeBus
    from app.ui.main_window import MainWindow
    from app.ui.practice_shell import PracticeChooser, PracticeShell

    with tempfile.TemporaryDirectory(prefix="permanence-screens-") as folder:
        second = _second_practice(s, Path(folder))
        shell = PracticeShell(persist=False)
        shell.set_opener(lambda _root: False)
        shown = []
        try:
            for ws in (s.workspace, second):
                bus = ChangeBus(ws, ws.initiator)
                state = QSettings(str(Path(folder) / "window.ini"), QSettings.Format.IniFormat)
                practice = _Shown(ws, None, bus)
                shown.append(practice)
                practice.window = MainWindow(ws, s.settings, bus, state,
                                             colour=shell.colour_of(practice))
                shell.place(practice, practice.window)
            shell.resize(*SIZE)
            shell.show()
            shell.switch_to(shown[0])
            s.settle()
            s.shoot(shell, "cabinets")
            shell.show_console()
            s.shoot(shell, "console")
            # A call rung on the second practice's line: its panel, under its band.
            shell.switch_to(shown[1])
            panel = shown[1].window.call_panel
            panel.place(shown[1].window.pages.geometry())
            panel.show_preview(second.call_desk.preview(ROUTED_CALLER))
            s.shoot(shell, "appel-achemine")
            panel.hide()
            # A call on a line neither practice declares: the window asks.
            shell.switch_to(shown[1])
            chooser = PracticeChooser(shell, "+33199999999")
            chooser.show()
            s.shoot(shell, "appel-quel-cabinet", over=chooser)
            chooser.hide()
            chooser.deleteLater()
        finally:
            shell.hide()
            shell.console.timer.stop()
            for practice in shown:
                practice.window.end_session()
                practice.bus.close()  # nothing counts this practice once it is gone
            shell.deleteLater()
            s.settle()
            # Deleted now, not at some later event loop: their timers would read the
            # second practice after it is closed and its folder removed.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            second.close()


SCREENS = (
    agenda_day,
    agenda_week,
    agenda_month,
    appointment_new,
    slot_finder,
    refusal,
    appointment_history,
    cancel_dialog,
    my_day,
    side_panels,
    series,
    print_options,
    printout,
    search_over_the_agenda,
    patients,
    patient_with_alert,
    card_tabs,
    card_accesses,
    card_checks,
    directory,
    messages_and_consignes,
    calls_and_callbacks,
    statistics,
    call_panel,
    duplicates,
    import_wizard,
    settings,
    sharing,
    sync_status,
    data_protection,
    account_reset,
    rgpd_export,
    agenda_remote,
    lock_screen,
    practice_switcher,
    unlock,   # hides the main window: the windows of their own come last
    setup_wizard,
)


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
                   overwrite: bool = False, screens=SCREENS,
                   clipped: dict[str, list[str]] | None = None) -> list[Path]:
    """Each screen to ``out_dir/NN-name.png``. Raises ExportError (a subclass when the
    folder already holds screenshots and ``overwrite`` is not given) before anything is
    drawn. The workspace's clock is the time the screens show: frozen, the same profile
    and language give the same images, byte for byte. ``clipped``, when given, receives
    per file name the texts that screen shows cut off. Every screen shows patients: at a
    remote workstation, the practice's policy decides (``access.SCREENSHOTS``)."""
    workspace.require(access.SCREENSHOTS)
    check_out_dir(out_dir, workspace.paths.root, overwrite=overwrite)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.storage.private import make_private_dirs
    from app.ui.change_bus import ChangeBus
    from app.ui.main_window import MainWindow
    from app.ui.theme import apply_theme, install_qt_translations

    make_private_dirs(out_dir)
    language = settings.get("language")
    set_language(language)
    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    install_qt_translations(app, language)
    flash = app.cursorFlashTime()
    app.setCursorFlashTime(0)  # a steady text cursor: a blink would differ between runs
    # Window geometry is not saved: a screenshot run must not touch the profile's state.
    state = QSettings(str(out_dir / ".window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, ChangeBus(workspace, workspace.initiator), state)
    try:
        window.resize(*SIZE)
        window.show()
        _settle(app)
        if window.width() > SIZE[0]:
            raise RuntimeError(f"main window wider than {SIZE[0]} px: {window.width()}")
        shots = Shots(app, workspace, window, out_dir, overwrite=overwrite)
        shots.settings = settings
        for screen in screens:
            screen(shots)
        if clipped is not None:
            clipped.update(shots.clipped)
    finally:
        app.setCursorFlashTime(flash)
        window.hide()
        window.deleteLater()
    return shots.written
