"""Printing a day or a week (paper or PDF), the iCalendar export action, and the day
tools plugged into the real agenda page, on a real profile with a frozen clock."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import icalendar
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import select

from app.i18n import _
from app.models import AppointmentStatus, AuditEntry
from app.services.agenda.day_queries import DayCounts, DayQueries
from app.services.agenda.views import BookingInput
from app.ui.agenda.day_tools import DayTools, install, tools_of
from app.ui.agenda.my_day import MyDayDialog
from app.ui.agenda.printing import PrintActions, PrintRequest, build_sheet, period_text
from app.ui.agenda.waiting_room import WaitingRoomPanel
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import MONDAY, build_agenda

SUNDAY = MONDAY + timedelta(days=6)
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    ag = build_agenda(workspace)
    ws = ag.ws
    for day, hour, patient, note in ((MONDAY, 9, 0, "apporter les résultats"),
                                     (MONDAY, 10, 1, ""),
                                     (MONDAY + timedelta(days=2), 11, 2, ""),
                                     (MONDAY + timedelta(days=8), 9, 0, "")):  # next week
        ws.agenda.book(BookingInput(ag.morel, ag.at(day, hour), None, ag.patients[patient],
                                    ag.consult, note=note))
    ws.agenda.book(BookingInput(ag.faure, ag.at(MONDAY, 9), None, ag.patients[2], ag.consult))
    return ag


@pytest.fixture
def owner(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def audits(ws, action: str) -> list[AuditEntry]:
    with ws.store.reader() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.seq)).scalars())


def owner_only(path) -> bool:
    return stat.S_IMODE(os.stat(path).st_mode) == 0o600


def pdf_pages(data: bytes) -> list[str]:
    return [m.decode() for m in
            __import__("re").findall(rb"/MediaBox \[0 0 ([\d.]+ [\d.]+)\]", data)]


# -- the sheet ------------------------------------------------------------------------
def test_a_day_sheet_holds_the_grid_and_the_list_with_phones_on_request(agenda):
    ws = agenda.ws
    queries = DayQueries.of(ws)
    sheet = build_sheet(ws, queries, PrintRequest.day(agenda.morel, MONDAY, phones=True))
    assert sheet.grid.days == (MONDAY,)
    assert [c.key for c in sheet.grid.columns] == [agenda.morel]
    assert len(sheet.grid.items) == 2  # Dr Faure's appointment is on her own sheet
    assert sheet.title == ("Cabinet médical des Tilleuls — Dr Claire Morel — "
                           + period_text(MONDAY, MONDAY))
    assert [(r.time, r.patient, r.motif, r.phone, r.note) for r in sheet.rows] == [
        ("09:00", "LEFÈVRE Jeanne", "Consultation", "06 12 34 56 78", "apporter les résultats"),
        ("10:00", "MARTIN Paul", "Consultation", "06 98 76 54 32", "")]
    without = build_sheet(ws, queries, PrintRequest.day(agenda.morel, MONDAY, phones=False))
    assert [r.phone for r in without.rows] == ["", ""]


def test_a_week_sheet_shows_the_working_days(agenda):
    ws = agenda.ws
    sheet = build_sheet(ws, DayQueries.of(ws), PrintRequest.week(agenda.morel, MONDAY + timedelta(days=3)))
    assert sheet.request.first == MONDAY and sheet.request.last == SUNDAY
    assert sheet.grid.days == tuple(MONDAY + timedelta(days=i) for i in range(5))
    assert len(sheet.grid.items) == 2 + 1 and sheet.rows == ()
    assert sheet.start_min <= 8 * 60 + 30 and sheet.end_min >= 19 * 60


def test_period_texts_in_french():
    assert period_text(MONDAY, MONDAY) == "Lundi 16 mars 2026"
    week = period_text(MONDAY, SUNDAY)
    assert week.endswith("22 mars 2026") and "16" in week and "lundi" not in week


# -- PDF ---------------------------------------------------------------------------------
def test_a_day_is_saved_as_an_owner_only_pdf_and_audited(qtbot, agenda, owner, tmp_path):
    ws = agenda.ws
    folder = tmp_path / "out"
    folder.mkdir()
    actions = PrintActions(ws, owner, defaults=lambda: (agenda.morel, MONDAY),
                           choose_path=lambda *a: folder / "journee")
    dialog = actions.open_options(pdf=True)
    assert dialog.practitioner.currentData() == agenda.morel
    assert dialog.day_button.isChecked() and not dialog.phones.isChecked()  # off by default
    dialog.phones.setChecked(True)
    with qtbot.waitSignal(actions.finished) as done:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    path = folder / "journee.pdf"
    assert done.args == [str(path)]
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    assert pdf_pages(data) == ["595.000000 842.000000"] * 2  # A4 portrait: grid, then list
    assert owner_only(path)
    assert sorted(p.name for p in folder.iterdir()) == ["journee.pdf"]  # no temp file left
    [entry] = audits(ws, "print")
    assert (entry.entity, entry.entity_id) == ("appointment", agenda.morel)
    assert entry.detail == "2026-03-16 output=pdf phones=yes"
    assert entry.user_id == ws.user_id
    assert actions.message_box is not None and str(path) in actions.message_box.text()


def test_a_week_is_saved_landscape(qtbot, agenda, owner, tmp_path):
    ws = agenda.ws
    actions = PrintActions(ws, owner, defaults=lambda: (None, MONDAY + timedelta(days=2)),
                           choose_path=lambda *a: tmp_path / "semaine.pdf")
    dialog = actions.open_options(pdf=True)
    dialog.practitioner.setCurrentIndex(dialog.practitioner.findData(agenda.morel))
    dialog.week_button.setChecked(True)
    assert not dialog.list_page.isEnabled() and not dialog.phones.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    data = (tmp_path / "semaine.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert pdf_pages(data) == ["842.000000 595.000000"]  # one A4 landscape page
    assert owner_only(tmp_path / "semaine.pdf")
    [entry] = audits(ws, "print")
    assert entry.detail == "2026-03-16/2026-03-22 output=pdf phones=no"


def test_a_pdf_that_cannot_be_written_leaves_nothing(qtbot, agenda, owner, tmp_path):
    ws = agenda.ws
    folder = tmp_path / "out"
    folder.mkdir()
    actions = PrintActions(ws, owner, defaults=lambda: (agenda.morel, MONDAY),
                           choose_path=lambda *a: folder / "absent" / "jour.pdf")
    with qtbot.waitSignal(actions.failed):
        assert not actions.save_pdf(PrintRequest.day(agenda.morel, MONDAY))
    assert actions.message_box.icon() == QMessageBox.Icon.Warning
    assert list(folder.iterdir()) == [] and audits(ws, "print") == []


def test_printing_goes_to_the_chosen_printer_and_is_audited(qtbot, agenda, owner, tmp_path):
    ws = agenda.ws
    out = tmp_path / "imprimante.pdf"
    asked = []

    def printer_dialog(parent, printer: QPrinter) -> bool:
        asked.append(printer.pageLayout().orientation())
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    actions = PrintActions(ws, owner, defaults=lambda: (agenda.morel, MONDAY),
                           ask_printer=printer_dialog)
    assert actions.print_action.shortcut().toString() == "Ctrl+P"
    assert actions.print(PrintRequest.day(agenda.morel, MONDAY, phones=False))
    assert out.read_bytes().startswith(b"%PDF")
    assert asked and asked[0].name == "Portrait"
    [entry] = audits(ws, "print")
    assert entry.detail == "2026-03-16 output=printer phones=no"
    # Cancelling the print dialog prints nothing and audits nothing.
    cancelled = PrintActions(ws, owner, defaults=lambda: (agenda.morel, MONDAY),
                             ask_printer=lambda parent, printer: False)
    assert not cancelled.print(PrintRequest.week(agenda.morel, MONDAY))
    assert len(audits(ws, "print")) == 1


# -- iCalendar --------------------------------------------------------------------------------
def _page(qtbot, ws):
    from app.ui.agenda.page import AgendaPage

    page = AgendaPage(ws, ChangeBus(ws.store, ws.initiator))
    qtbot.addWidget(page)
    page.resize(1200, 800)
    return page


def test_the_ics_action_exports_initials_by_default(qtbot, agenda, tmp_path):
    page = _page(qtbot, agenda.ws)
    install(page, choose_path=lambda *a: tmp_path / "agenda-morel")
    tools = tools_of(page)
    tools.ics.action.trigger()
    dialog = tools.ics.dialog
    assert not dialog.names.isChecked()
    dialog.practitioner.setCurrentIndex(dialog.practitioner.findData(agenda.morel))
    assert dialog.values()[1] == MONDAY  # from the day shown
    with qtbot.waitSignal(tools.ics.finished, timeout=10_000) as done:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    result = done.args[0]
    path = tmp_path / "agenda-morel.ics"
    assert result.path == path and result.appointments == 4
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    summaries = sorted(str(e["summary"]) for e in cal.walk("VEVENT"))
    assert "Consultation — J. L." in summaries and not any("LEFÈVRE" in s for s in summaries)
    assert owner_only(path)
    assert str(result.events) in tools.ics.message_box.text()
    assert tools.ics.action.isEnabled() and tools.ics.progress_dialog is None


def test_the_ics_dialog_refuses_an_inverted_period(qtbot, agenda, tmp_path):
    page = _page(qtbot, agenda.ws)
    install(page, choose_path=lambda *a: tmp_path / "x.ics")
    tools = tools_of(page)
    dialog = tools.ics.open_options()
    dialog.last.setDate(dialog.first.date().addDays(-1))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.text()
    assert not (tmp_path / "x.ics").exists()


# -- on the real agenda page -------------------------------------------------------------------
def test_install_adds_the_day_tools_to_the_agenda_page(qtbot, agenda, tmp_path):
    ws = agenda.ws
    page = _page(qtbot, ws)
    printed = tmp_path / "papier.pdf"

    def printer_dialog(parent, printer):
        printer.setOutputFileName(str(printed))
        return True

    install(page, choose_path=lambda *a: tmp_path / "page.pdf", ask_printer=printer_dialog)
    install(page)  # once only
    assert len(page.findChildren(DayTools)) == 1
    tools = tools_of(page)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)

    titles = [page.panels.side.tabText(i) for i in range(page.panels.side.count())]
    assert _("Waiting room") in titles
    assert isinstance(page.panels.side.widget(titles.index(_("Waiting room"))), WaitingRoomPanel)
    toolbar = page.navigation.toolbar.actions()
    for action in (tools.my_day_action, tools.printing.print_action, tools.printing.pdf_action,
                   tools.ics.action):
        assert action in toolbar

    # The waiting room shows who arrives, once the page says so.
    [first] = [a for a in ws.agenda.appointments([agenda.morel], MONDAY, MONDAY)
               if a.starts_at == agenda.at(MONDAY, 9)]
    page.set_status(first.id, AppointmentStatus.ARRIVED.value)
    page.panels.side.setCurrentWidget(tools.waiting_room)
    assert [e.id for e in tools.waiting_room.entries] == [first.id]

    # Ctrl+J: "My day" for the first practitioner shown, today.
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_J, CTRL)
    my_day = tools.my_day_dialog
    assert isinstance(my_day, MyDayDialog) and my_day.isVisible()
    assert my_day.practitioner_id == page.selected_practitioners()[0]
    assert my_day.day == MONDAY
    my_day.set_practitioner(agenda.morel)
    assert my_day.my_day.counts.waiting == 1
    # Enter on a row shows it in the agenda.
    my_day.table.setFocus()
    my_day.table.selectRow(1)
    qtbot.keyClick(my_day.table, Qt.Key.Key_Return)
    assert page.current_day() == MONDAY and page.current_view() == "day"
    assert page.grid.selected_item() == my_day.current_entry().id
    # A status key in "My day" reaches the waiting room through the bus.
    my_day.table.selectRow(0)
    qtbot.keyClick(my_day.table, Qt.Key.Key_C)
    assert [e.status for e in tools.waiting_room.entries] == [
        AppointmentStatus.IN_CONSULTATION.value]
    assert my_day.my_day.counts == DayCounts(2, 0, 0, 0, 0)  # Enter pressed no button
    my_day.close()
    assert tools.my_day_dialog is None

    # Ctrl+P: the options, then the printer.
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_P, CTRL)
    options = tools.printing.dialog
    assert options is not None and options.isVisible()
    options.practitioner.setCurrentIndex(options.practitioner.findData(agenda.morel))
    qtbot.mouseClick(options.ok_button, Qt.MouseButton.LeftButton)
    assert printed.read_bytes().startswith(b"%PDF")
    # PDF…: the options, then the file.
    tools.printing.pdf_action.trigger()
    qtbot.mouseClick(tools.printing.dialog.ok_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "page.pdf").read_bytes().startswith(b"%PDF")
    details = [e.detail for e in audits(ws, "print")]
    assert details == ["2026-03-16 output=printer phones=no", "2026-03-16 output=pdf phones=no"]


@pytest.mark.parametrize("name", ["keys.json", "permanence.db", "plan.pdf"])
def test_a_pdf_is_never_saved_into_the_profile_folder(qtbot, agenda, owner, name):
    ws = agenda.ws
    root = ws.paths.root
    envelope = ws.paths.envelope.read_bytes()
    actions = PrintActions(ws, owner, defaults=lambda: (agenda.morel, MONDAY),
                           choose_path=lambda *a: root / name)
    with qtbot.waitSignal(actions.failed) as failed:
        assert not actions.save_pdf(PrintRequest.day(agenda.morel, MONDAY))
    assert str(root) in failed.args[0]
    assert ws.paths.envelope.read_bytes() == envelope
    assert not (root / "plan.pdf").exists() and audits(ws, "print") == []
    assert not [p for p in root.iterdir() if p.name.startswith(".permanence-export-")]
