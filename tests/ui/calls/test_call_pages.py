"""The Appels and Statistiques pages and the day report, driven as a secretary would on a
real profile (frozen at Monday 16 March 2026, 09:30 in Paris)."""

from __future__ import annotations

import stat
from datetime import date, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from sqlalchemy import select

from app.models import AuditEntry
from app.services.calls import CallInput
from app.services.calls.log import PAGE
from app.ui.calls.page import CALLER, DIRECTION, CallbackModel, CallsPage
from app.ui.calls.report_pdf import pdf_page_count, report_html
from app.ui.calls.statistics import StatisticsPage
from app.ui.change_bus import ChangeBus

DAY = date(2026, 3, 16)


def _at(hour: int, minute: int, second: int = 0, day: int = 16) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=timezone.utc)


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def calls(workspace):
    """The morning so far: Dupont's booking, a lab's call, a missed call, an urgent one."""
    from app.services.directory import ContactInput
    from app.services.patients import PatientInput, PhoneEntry
    from app.services.practice import list_practitioners

    ws = workspace
    morel = list_practitioners(ws.store)[0].id
    ws.patients.create(PatientInput(birth_name="Dupont", first_names="Jean",
                                    phones=[PhoneEntry("06 12 34 56 78")]))
    ws.patients.create(PatientInput(birth_name="Martin", first_names="Paul",
                                    phones=[PhoneEntry("06 98 76 54 32")]))
    ws.directory.create(ContactInput(name="Laboratoire Bio Loire", category="lab",
                                     phone="02 47 12 34 56"))

    def call(number, start, answer=None, end=None, **kw):
        ws.calls.record(CallInput(
            number=number, started_at=start,
            answered_at=None if answer is None else start + timedelta(seconds=answer),
            ended_at=None if end is None else start + timedelta(seconds=end), **kw))

    call("06 12 34 56 78", _at(7, 2), 8, 140, reason="appointment", outcome="booked",
         practitioner_id=morel, note="RDV jeudi")
    call("02 47 12 34 56", _at(7, 15), 12, 75, reason="results", outcome="informed")
    call("07 61 22 33 44", _at(7, 20), None, 35)  # missed: a callback due 09:20:35 UTC
    call("06 98 76 54 32", _at(7, 40), 4, 200, reason="urgent", outcome="sent_to_15",
         practitioner_id=morel, note="Douleur thoracique")
    call("06 44 55 66 77", _at(8, 0), 6, 50, direction="out", outcome="no_follow_up")
    return ws, morel


def _page(qtbot, ws, **kw) -> CallsPage:
    page = CallsPage(ws, ChangeBus(ws.store, ws.initiator), **kw)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_the_day_log_with_names_missed_in_red_and_its_filters(qtbot, calls):
    ws, morel = calls
    page = _page(qtbot, ws)
    model = page.model
    assert model.rowCount() == 5
    assert "5 appels" in page.caption.text() and "1 manqué" in page.caption.text()
    cells = [model.data(model.index(r, CALLER)) for r in range(5)]
    assert cells[0] == "DUPONT Jean" and cells[1] == "Laboratoire Bio Loire"
    assert cells[2] == "Inconnu"
    missed = model.index(2, DIRECTION)
    assert model.data(missed) == "Manqué"
    assert model.data(missed, Qt.ItemDataRole.ForegroundRole) == QColor("#b91c1c")
    assert model.data(model.index(0, 5)) == "Rendez-vous"  # the reason's words
    page.missed_only.setChecked(True)
    assert model.rowCount() == 1
    page.missed_only.setChecked(False)
    page.direction.setCurrentIndex(page.direction.findData("out"))
    assert model.rowCount() == 1
    page.direction.setCurrentIndex(0)
    page.practitioner.setCurrentIndex(page.practitioner.findData(morel))
    assert model.rowCount() == 2
    page.practitioner.setCurrentIndex(0)
    page.previous_day.click()
    assert model.rowCount() == 0 and page.empty_hint.isVisible()
    assert page.next_day.isEnabled()
    page.today_button.click()
    assert model.rowCount() == 5 and not page.next_day.isEnabled()  # no day to come


def test_a_busy_day_is_read_page_by_page_as_the_list_scrolls(qtbot, workspace):
    ws = workspace
    for i in range(PAGE + 50):
        ws.calls.record(CallInput(number=f"06{i:08d}", started_at=_at(6, 0) + timedelta(
            seconds=8 * i), answered_at=_at(6, 0) + timedelta(seconds=8 * i + 2),
            ended_at=_at(6, 0) + timedelta(seconds=8 * i + 6)))
    page = _page(qtbot, ws)
    assert page.model.rowCount() == PAGE and page.model.canFetchMore()
    assert f"{PAGE + 50} appels" in page.caption.text().replace("\u202f", "").replace(
        "\xa0", "")
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE + 50)
    assert not page.model.canFetchMore()
    # A call coming in reads the list again in place: the rows read, the selection kept.
    page.table.selectRow(PAGE + 10)
    chosen = page.model.row_at(PAGE + 10).id
    ws.calls.ringing("06 99 88 77 66")
    assert page.model.rowCount() == PAGE + 51
    assert page.model.row_at(page.table.currentIndex().row()).id == chosen


def test_the_callbacks_list_attempts_overdue_and_the_target(qtbot, calls):
    ws, _morel = calls
    page = _page(qtbot, ws)
    page.show_callbacks()
    cb = page.callbacks
    assert cb.rowCount() == 1 and page.tabs.tabText(1) == "Rappels (1)"
    state = cb.index(0, CallbackModel.STATE)
    assert cb.data(state) == "À rappeler"  # due 10:20 Paris, it is 09:30
    assert cb.data(cb.index(0, CallbackModel.REASON)) == "Appel manqué"
    assert page.target_caption.text().endswith("—")  # nothing due and judged yet
    page.callback_table.selectRow(0)
    assert page.record_attempt("no_answer")
    assert page.record_attempt("message_left")
    assert cb.data(cb.index(0, CallbackModel.ATTEMPTS)) == (
        "09:30 Pas de réponse · 09:30 Message laissé")
    # Two hours later it is overdue: red and bold, and says so.
    ws.clock.advance(hours=2)
    page.refresh()
    assert cb.data(state) == "En retard"
    assert cb.data(state, Qt.ItemDataRole.ForegroundRole) == QColor("#b91c1c")
    assert isinstance(cb.data(state, Qt.ItemDataRole.FontRole), QFont)
    assert cb.data(cb.index(0, CallbackModel.WHO), Qt.ItemDataRole.ForegroundRole) is None
    assert "1 en retard" in page.callbacks_caption.text()
    assert page.target_caption.text().endswith(": 0 %")
    page.callback_table.selectRow(0)
    assert page.record_attempt("reached")
    assert cb.data(cb.index(0, CallbackModel.STATE)).startswith("Rappelé")
    assert not page.done_button.isEnabled()
    assert page.tabs.tabText(1) == "Rappels"


def test_a_role_without_callbacks_does_not_see_the_list(qtbot, calls):
    from app.models.principal import Principal

    ws, _morel = calls
    ws.principal = Principal(ws.user_id, "Standard", "telephony", None)
    try:
        page = _page(qtbot, ws)
        assert not page.tabs.isTabVisible(1) and not page.report_button.isVisible()
        # Names of patients and contacts are not given to a role that may not see them.
        assert page.model.data(page.model.index(0, CALLER)) == "Inconnu"
    finally:
        ws.principal = Principal(ws.user_id, "Propriétaire", "owner", None)


def test_the_statistics_page_computes_off_the_ui_thread(qtbot, calls):
    ws, _morel = calls
    page = StatisticsPage(ws, ChangeBus(ws.store, ws.initiator))
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitUntil(lambda: not page.loading and page.stats is not None, timeout=10_000)
    assert page.tiles["calls_total"].value.text() == "5"
    assert page.tiles["answered_rate"].value.text() == "75 %"  # 3 of 4 incoming
    assert page.tiles["short_hang_ups"].value.text() == "0"
    assert page.tiles["urgent_calls"].value.text() == "1"
    assert "15" in page.tiles["urgent_calls"].toolTip()
    assert page.heat_map.heat[0][8] == 4  # 08:02, 08:15, 08:20, 08:40 Paris, Monday
    assert page.busiest.text() == "Heure la plus chargée : lun. 8 h (4 appels)"
    page.set_period(DAY + timedelta(days=1), DAY)
    assert page.error.isVisible() and "postérieur" in page.error.text()
    page.set_period(DAY, DAY)
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert not page.error.isVisible()
    assert page.period.currentData() == "chosen"


def test_the_day_report_from_the_page_as_a_pdf_and_on_a_printer(qtbot, calls, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    ws, morel = calls
    out = tmp_path / "cr.pdf"
    printed = tmp_path / "printer.pdf"

    def to_file(printer):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return True

    page = _page(qtbot, ws, choose_path=lambda *a: out, ask_printer=lambda parent, p: to_file(p))
    assert page.save_report_pdf() == out
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and pdf_page_count(data) == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert page.print_report() and printed.read_bytes().startswith(b"%PDF-")
    with ws.store.reader() as s:
        outputs = [e.detail for e in s.execute(select(AuditEntry).where(
            AuditEntry.entity == "day_report")).scalars()]
    assert outputs == ["2026-03-16 output=pdf", "2026-03-16 output=printer"]
    # What the PDF says, through the document it was laid out from.
    text = report_html(ws.day_reports.build(DAY), practice_name=ws.practice.name,
                       zone=ws.zone)
    for words in ("Compte rendu de la journée", "Lundi 16 mars 2026", "5 appels",
                  "Rendez-vous pris", "Orienté vers le 15", "MARTIN Paul", "Douleur thoracique"):
        assert words in text, words
    # One practitioner's report: their calls only.
    page.practitioner.setCurrentIndex(page.practitioner.findData(morel))
    mine = report_html(ws.day_reports.build(DAY, practitioner_id=morel),
                       practice_name=ws.practice.name, zone=ws.zone)
    assert "2 appels" in mine and "Laboratoire" not in mine


def test_the_main_window_offers_both_pages_with_alt_6_and_alt_7(qtbot, main_window):
    window = main_window
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
    assert window.pages.currentWidget() is window.calls
    qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier)
    assert window.pages.currentWidget() is window.statistics
    item = window.nav.item(window.pages.indexOf(window.statistics))
    assert item.text() == "Statistiques" and "Alt+7" in item.toolTip()
