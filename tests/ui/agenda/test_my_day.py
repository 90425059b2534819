""""Ma journée" driven from the keyboard on a real profile with a frozen clock: the day's
list and counts, status keys checked in the database, what is pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.i18n import _
from app.models import AppointmentStatus
from app.services.agenda.day_queries import DayCounts
from app.services.agenda.views import BookingInput
from app.services.agenda.waiting_list import WaitingInput
from app.ui.agenda.my_day import MyDayDialog
from app.ui.agenda.printing import PrintActions
from app.ui.change_bus import ChangeBus
from tests.agenda_fixtures import MONDAY, build_agenda

TUESDAY = MONDAY + timedelta(days=1)
S = AppointmentStatus


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


@pytest.fixture
def booked(agenda):
    """Dr Morel's Monday: seen, no-show, arrived, two to come, one cancelled; Tuesday: two
    to confirm and one confirmed; Dr Faure's Monday (not counted)."""
    ws = agenda.ws
    lefevre, martin, ndiaye = agenda.patients

    def book(pid, day, hour, minute, patient, status=None, note=""):
        aid = ws.agenda.book(BookingInput(pid, agenda.at(day, hour, minute), None, patient,
                                          agenda.consult, note=note)).appointment.id
        if status is not None:
            ws.agenda.set_status(aid, status)
        return aid

    ids = {
        "seen": book(agenda.morel, MONDAY, 8, 30, lefevre, S.SEEN.value),
        "absent": book(agenda.morel, MONDAY, 8, 45, martin, S.NO_SHOW.value),
        "arrived": book(agenda.morel, MONDAY, 9, 0, ndiaye, S.ARRIVED.value),
        "next": book(agenda.morel, MONDAY, 9, 45, martin, note="résultats"),
        "later": book(agenda.morel, MONDAY, 10, 0, lefevre),
        "cancelled": book(agenda.morel, MONDAY, 10, 30, ndiaye),
        "tue1": book(agenda.morel, TUESDAY, 9, 0, martin),
        "tue2": book(agenda.morel, TUESDAY, 9, 30, ndiaye),
        "tue_ok": book(agenda.morel, TUESDAY, 10, 0, lefevre, S.CONFIRMED.value),
        "faure": book(agenda.faure, MONDAY, 9, 0, lefevre, S.SEEN.value),
    }
    ws.agenda.cancel(ids["cancelled"], "patient")
    ws.waiting_list.add(WaitingInput(ndiaye, agenda.consult, MONDAY, MONDAY + timedelta(days=14),
                                     frozenset({agenda.morel}), urgency=2))
    return ids


@pytest.fixture
def dialog(qtbot, agenda, booked):
    widget = MyDayDialog(agenda.ws, ChangeBus(agenda.ws.store, agenda.ws.initiator),
                         practitioner_id=agenda.morel)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def status_of(agenda, appointment_id: str) -> str:
    [a] = [a for a in agenda.ws.agenda.appointments([agenda.morel], MONDAY, TUESDAY)
           if a.id == appointment_id]
    return a.status


def numbers(text: str) -> list[str]:
    return [part.split()[0] for part in text.split(" · ")]


def row_ids(dialog) -> list[str]:
    return [dialog.model.row_at(i).id for i in range(dialog.model.rowCount())]


def group(dialog, title: str) -> list[str]:
    found = [lines for name, lines in dialog.pending_groups().items() if name.startswith(title)]
    assert len(found) == 1, dialog.pending_groups()
    return found[0]


def test_the_day_is_listed_in_order_with_its_counts(dialog, booked):
    assert dialog.day == MONDAY and dialog.isVisible()
    assert row_ids(dialog) == [booked[k] for k in ("seen", "absent", "arrived", "next", "later")]
    assert dialog.my_day.counts == DayCounts(appointments=5, seen=1, no_shows=1, waiting=1,
                                             cancelled=1)
    assert numbers(dialog.counts.text()) == ["5", "1", "1", "1", "1"]
    index = dialog.model.index(3, 0)
    assert index.data() == "09:45"  # practice time
    assert dialog.model.index(3, 1).data() == "MARTIN Paul"
    assert dialog.model.index(3, 2).data() == "Consultation"
    assert "résultats" in dialog.model.index(3, 4).data()
    # Where the day stands: the first appointment not seen nor missed is selected.
    assert dialog.current_entry().id == booked["arrived"]


def test_status_keys_write_the_status(qtbot, dialog, agenda, booked):
    dialog.table.setFocus()
    dialog.table.selectRow(3)
    assert dialog.current_entry().id == booked["next"]
    qtbot.keyClick(dialog.table, Qt.Key.Key_A)
    assert status_of(agenda, booked["next"]) == S.ARRIVED.value
    assert dialog.current_entry().id == booked["next"]  # the selection stays on it
    assert numbers(dialog.counts.text()) == ["5", "1", "1", "2", "1"]
    qtbot.keyClick(dialog.table, Qt.Key.Key_C)
    assert status_of(agenda, booked["next"]) == S.IN_CONSULTATION.value
    qtbot.keyClick(dialog.table, Qt.Key.Key_V)
    assert status_of(agenda, booked["next"]) == S.SEEN.value
    assert dialog.my_day.counts.seen == 2
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    assert dialog.current_entry().id == booked["later"]
    qtbot.keyClick(dialog.table, Qt.Key.Key_N)
    assert status_of(agenda, booked["later"]) == S.NO_SHOW.value
    assert dialog.my_day.counts == DayCounts(5, 2, 2, 1, 1)
    assert len(group(dialog, _("No-shows to follow up"))) == 2
    qtbot.keyClick(dialog.table, Qt.Key.Key_R)  # not a no-show after all
    assert status_of(agenda, booked["later"]) == S.BOOKED.value
    # Faure's day was not touched.
    [faure] = agenda.ws.agenda.appointments([agenda.faure], MONDAY, MONDAY)
    assert faure.status == S.SEEN.value


def test_what_is_pending(dialog, booked):
    to_confirm = group(dialog, _("To confirm, {day}").split("{")[0])
    assert len(to_confirm) == 2  # Tuesday's booked ones; the confirmed one is done
    assert to_confirm[0].startswith("09:00 · MARTIN Paul · 06 98 76 54 32")
    assert to_confirm[1].startswith("09:30 · N'DIAYE Awa · 02 47 11 22 33")
    no_shows = group(dialog, _("No-shows to follow up"))
    assert no_shows == ["08:45 · MARTIN Paul · 06 98 76 54 32"]
    [waiting] = group(dialog, _("In the waiting room"))
    assert waiting.startswith("09:00 · N'DIAYE Awa")
    [listed] = group(dialog, _("Waiting list"))
    assert "N'DIAYE Awa" in listed and _("urgent") in listed


def test_the_pending_calls_say_what_the_last_call_gave(dialog, agenda, booked):
    agenda.ws.confirmations.record(booked["tue2"], "message_left")
    to_confirm = group(dialog, _("To confirm, {day}").split("{")[0])
    assert to_confirm[1] == "09:30 · N'DIAYE Awa · 02 47 11 22 33 · Consultation · " + \
        _("Message left")
    agenda.ws.confirmations.record(booked["tue1"], "confirmed")
    assert len(group(dialog, _("To confirm, {day}").split("{")[0])) == 1


def test_the_next_working_day_is_the_one_to_confirm_on_a_friday(qtbot, dialog, agenda, booked):
    friday = MONDAY + timedelta(days=4)
    monday = MONDAY + timedelta(days=7)
    agenda.ws.agenda.book(BookingInput(agenda.morel, agenda.at(monday, 9, 0), None,
                                       agenda.patients[0], agenda.consult))
    dialog.set_day(friday)
    assert dialog.my_day.pending.confirm_day == monday
    assert len(dialog.my_day.pending.to_confirm) == 1
    assert dialog.empty_hint.isVisible()  # nothing on Friday itself


def test_days_and_practitioners_change_from_the_keyboard(qtbot, dialog, agenda, booked):
    qtbot.keyClick(dialog.table, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert dialog.day == TUESDAY
    assert row_ids(dialog) == [booked["tue1"], booked["tue2"], booked["tue_ok"]]
    qtbot.keyClick(dialog.table, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert dialog.day == MONDAY
    dialog.set_practitioner(agenda.faure)
    assert row_ids(dialog) == [booked["faure"]]
    assert numbers(dialog.counts.text())[:3] == ["1", "1", "0"]


def test_changes_elsewhere_reach_the_list(dialog, agenda, booked):
    agenda.ws.agenda.set_status(booked["later"], S.ARRIVED.value)  # another screen's write
    assert dialog.my_day.counts.waiting == 2


def test_enter_shows_the_appointment_in_the_agenda(qtbot, dialog, agenda, booked):
    dialog.table.setFocus()
    dialog.table.selectRow(3)
    with qtbot.waitSignal(dialog.appointment_activated) as signal:
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert signal.args == [booked["next"], MONDAY]
    # Enter is the list's: no button of the dialog was pressed with it.
    assert status_of(agenda, booked["next"]) == S.BOOKED.value
    assert dialog.isVisible()


def test_print_opens_the_day_sheet_with_the_phone_numbers(qtbot, agenda, booked, tmp_path):
    owner = QWidget()
    qtbot.addWidget(owner)
    actions = PrintActions(agenda.ws, owner, defaults=lambda: (None, MONDAY),
                           choose_path=lambda *a: tmp_path / "jour.pdf")
    dialog = MyDayDialog(agenda.ws, ChangeBus(agenda.ws.store, agenda.ws.initiator),
                         practitioner_id=agenda.faure,
                         print_day=lambda pid, day: actions.open_options(
                             pdf=True, practitioner_id=pid, day=day, phones=True))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_practitioner(agenda.morel)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    options = actions.dialog
    assert options.practitioner.currentData() == agenda.morel
    assert options.day_button.isChecked() and options.list_page.isChecked()
    assert options.phones.isChecked()
    qtbot.mouseClick(options.ok_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "jour.pdf").read_bytes().startswith(b"%PDF")
    actions.message_box.close()  # "saved to …": the next test starts with no window open


@pytest.mark.parametrize("size", [(1280, 800), (1040, 620)])
def test_the_pending_phones_stay_in_view_at_1280_by_800(qtbot, agenda, booked, size):
    """The "À traiter" panel showed one line per patient, cut at the panel's edge: a long
    name pushed the phone out of view. Each phone now has its column, in view."""
    from app.services.patients import PatientInput, PhoneEntry
    from app.ui.agenda.my_day import P_PHONE

    long_name = agenda.ws.patients.create(PatientInput(
        birth_name="de La Rochefoucauld-Montmorency", used_name="Saint-Exupéry-Beauharnais",
        first_names="Marie-Françoise-Élisabeth", phones=[PhoneEntry("0692 45 67 89")])).id
    agenda.ws.agenda.book(BookingInput(agenda.morel, agenda.at(TUESDAY, 11, 0), None,
                                       long_name, agenda.consult))
    dialog = MyDayDialog(agenda.ws, ChangeBus(agenda.ws.store, agenda.ws.initiator),
                         practitioner_id=agenda.morel)
    qtbot.addWidget(dialog)
    dialog.resize(*size)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == _("Practitioner's day") + " — Dr Claire Morel"
    tree = dialog.pending
    header = tree.header()
    metrics = tree.fontMetrics()
    width = tree.viewport().width()
    phones = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        for j in range(top.childCount()):
            phone = top.child(j).text(P_PHONE)
            if phone:
                phones.append(phone)
                left = header.sectionViewportPosition(P_PHONE)
                assert left >= 0
                assert header.sectionSize(P_PHONE) >= metrics.horizontalAdvance(phone)
                assert left + metrics.horizontalAdvance(phone) <= width, (phone, left, width)
    assert "0692 45 67 89" in phones and "06 98 76 54 32" in phones
