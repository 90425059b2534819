"""Text from users and files is shown as written. Markup typed or imported into an alert, a
name, a note, a contact, a practitioner, a motif or a practice is never rendered: an
alert shrunk to 1 px would go unread, a name could restyle a heading, an ``<img>`` would
load a file from the disk. Every screen is fed such markup on a real profile and what it
shows is read back as a reader would see it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QHelpEvent, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMessageBox,
    QToolTip,
    QWidget,
    QWizard,
)

import app.ui
from app.clock import FrozenClock
from app.models import AppointmentStatus
from app.services.agenda.day_queries import DayQueries
from app.services.agenda.setup import AbsenceInput, TypeInput
from app.services.agenda.views import BookingInput
from app.services.agenda.waiting_list import WaitingInput
from app.services.directory import ContactInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.practice import PracticeInput, PractitionerInput, list_practitioners
from app.services.workspace import create_practice
from app.storage.keys import KdfParams
from app.ui.agenda.appointment_dialog import AppointmentDialog
from app.ui.agenda.booking_tools import install as install_booking_tools
from app.ui.agenda.cancel_dialog import CancelDialog
from app.ui.agenda.my_day import P_PATIENT
from app.ui.agenda.my_day import ALERT as ALERT_COLUMN
from app.ui.agenda.my_day import PATIENT as PATIENT_COLUMN
from app.ui.agenda.my_day import MyDayDialog
from app.ui.agenda.page import AgendaPage
from app.ui.agenda.patient_picker import PatientPicker
from app.ui.agenda.printing import PrintActions, PrintRequest, build_sheet
from app.ui.agenda.waiting_list_panel import WaitingListPanel
from app.ui.agenda.waiting_room import WaitingRoomPanel
from app.ui.agenda_settings.hours_editor import TypesButton
from app.ui.change_bus import ChangeBus
from app.ui.directory.picker import ContactPicker
from tests.agenda_fixtures import MONDAY, build_agenda

ALERT = '<span style="font-size:1px">Allergie pénicilline</span>'
IMG = '<img src="file:///etc/passwd">'
PRACTICE = f"Cabinet {IMG}"
NOTE = f"{IMG} apporter les résultats"
# What must never be rendered: each is looked for, lower-cased, in every label's text.
TAGS = ("<span", "<b>", "<i>", "<img")
TUESDAY = MONDAY + timedelta(days=1)
MONDAY_0830 = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # 09:30 in Paris


# -- reading back what is shown ------------------------------------------------------
def shown(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What a reader sees of ``text`` where Qt shows it in ``fmt``; a tooltip and a label
    left at Qt's default are AutoText: read as HTML when ``Qt::mightBeRichText`` says so."""
    rich = fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText
                                              and GuiQt.mightBeRichText(text))
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def reads(label: QLabel) -> str:
    return shown(label.text(), label.textFormat())


def tooltip_at(widget: QWidget, point: QPoint) -> str:
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, point,
                                              widget.mapToGlobal(point)))
    return shown(QToolTip.text())


def displayed(text: str) -> str:
    """What a button, a check box or a menu entry shows of ``text`` ("&" marks a shortcut)."""
    return QAction(text).iconText()


def tip(index) -> str:
    return shown(index.data(Qt.ItemDataRole.ToolTipRole) or "")


def assert_no_label_renders_markup(root: QWidget) -> int:
    """Every label under ``root`` holding one of the tags shows it literally; how many
    such labels there were (so a test knows it looked at something)."""
    found = 0
    for lab in root.findChildren(QLabel):
        if any(tag in lab.text().lower() for tag in TAGS):
            found += 1
            assert lab.textFormat() == Qt.TextFormat.PlainText, (lab.objectName(), lab.text())
    return found


def answer_next_message_box(role: QMessageBox.ButtonRole) -> list[tuple[str, Qt.TextFormat]]:
    """Answer the next modal message box with its button of ``role``; [(text, format)]."""
    seen: list[tuple[str, Qt.TextFormat]] = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append((box.text(), box.textFormat()))
        buttons = [b for b in box.buttons() if box.buttonRole(b) == role]
        (buttons[0] if buttons else box.buttons()[-1]).click()

    QTimer.singleShot(0, answer)
    return seen


# -- a practice full of markup -------------------------------------------------------
@pytest.fixture
def workspace(ui_paths):
    """The practice's name and its practitioner's carry markup too (and an "&", which a
    button or a menu entry would take for a shortcut mark)."""
    created = create_practice(
        ui_paths,
        PracticeInput(name=PRACTICE,
                      practitioners=[PractitionerInput("<i>Claire</i>", "Morel & Roux",
                                                       "Médecine générale")]),
        passphrase="correct horse battery", keychain=None,
        clock=FrozenClock(MONDAY_0830), kdf=KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1))
    yield created.workspace
    created.workspace.close()


@dataclass
class Marked:
    agenda: object
    patient: str  # its id
    name: str  # its display name, as the service makes it
    motif: str  # a motif's name
    motif_id: str
    practitioner: str  # Dr Morel's display name
    contact: str  # a directory contact's id
    contact_name: str
    arrived: str  # an appointment of the patient, arrived this morning
    afternoon: str  # another, this afternoon, for the marked-up motif, with a note

    @property
    def ws(self):
        return self.agenda.ws


@pytest.fixture
def marked(workspace) -> Marked:
    agenda = build_agenda(workspace)
    ws = workspace
    details = ws.patients.create(PatientInput(
        birth_name="<b>Dupont</b>", first_names="Jean", phones=[PhoneEntry("06 11 22 33 44")],
        alert=ALERT, admin_note=NOTE))
    motif = ws.agenda_setup.save_type(TypeInput(f"{IMG} Bilan & suivi", 30,
                                                colour="#3b7dd8"))
    arrived = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 9), None, details.id,
                                          agenda.consult, note=NOTE)).appointment.id
    ws.agenda.set_status(arrived, AppointmentStatus.ARRIVED.value)
    afternoon = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 15), None, details.id,
                                            motif.id, note=NOTE)).appointment.id
    ws.agenda.book(BookingInput(agenda.morel, agenda.at(TUESDAY, 9), None, details.id,
                                agenda.consult))  # to confirm tomorrow
    ws.waiting_list.add(WaitingInput(details.id, motif.id, MONDAY, MONDAY + timedelta(days=14),
                                     frozenset({agenda.morel}), urgency=2, note=NOTE))
    ws.agenda_setup.add_absence(AbsenceInput(
        agenda.morel, agenda.at(MONDAY + timedelta(days=7), 0),
        agenda.at(MONDAY + timedelta(days=8), 0), note=NOTE))
    contact = ws.directory.create(ContactInput(name="<b>Martin</b>", title="Dr",
                                               organisation=IMG, note=NOTE))
    practitioner = next(p.display_name for p in list_practitioners(ws.store)
                        if p.id == agenda.morel)
    return Marked(agenda, details.id, details.display_name, motif.name, motif.id, practitioner,
                  contact.id, contact.display_name, arrived, afternoon)


def test_the_data_really_holds_markup(marked):
    assert "<B>DUPONT</B>" in marked.name
    assert "<i>Claire</i> Morel & Roux" in marked.practitioner
    assert IMG in marked.motif and "<b>Martin</b>" in marked.contact_name


# -- the patient card and the patients list -------------------------------------------
def test_the_patient_card_shows_the_alert_and_the_name_as_written(qtbot, main_window, marked):
    main_window.show_patients()  # the search box lists patients there
    main_window.search.clear()
    qtbot.keyClicks(main_window.search, "dupont")
    first = main_window.patients.model.index(0, 0)
    assert tip(first) == ALERT  # the list's warning sign, before opening
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    form = main_window.patients.form
    assert form.current_id == marked.patient
    assert form.alert_banner.isVisible()
    assert form.alert_banner.textFormat() == Qt.TextFormat.PlainText
    assert reads(form.alert_banner) == "⚠ " + ALERT  # never 1 px tall
    assert reads(form.heading) == marked.name
    assert form.admin_note.toPlainText() == NOTE
    assert IMG in main_window.findChild(QLabel, "PracticeName").text()
    assert assert_no_label_renders_markup(main_window) >= 3


def test_the_homonyms_panel_shows_names_as_written(qtbot, main_window, marked):
    main_window.show_patients()  # the window opens on the agenda
    main_window.patients.new_patient()
    form = main_window.patients.form
    qtbot.keyClicks(form.birth_name, "Durand")
    qtbot.keyClicks(form.first_names, "Lea")
    qtbot.keyClicks(form.phone_rows[0].number, "06 11 22 33 44")  # the marked-up patient's
    assert form.save() is False  # asks first: this patient may already have a card
    assert form.similar_panel.isVisible()
    assert marked.name in reads(form.similar_label)
    form.revert()


def test_the_settings_show_the_practice_as_written(main_window, marked):
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.settings))
    details = main_window.settings.show_practice().details  # edited there, as written
    assert details.name.text() == PRACTICE
    assert assert_no_label_renders_markup(main_window.settings) >= 1


@pytest.fixture
def agenda_settings(marked, main_window):
    """The main window on Réglages › Agenda."""
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.settings))
    main_window.settings.show_agenda()
    yield main_window.settings.agenda
    main_window.settings.agenda.types.form.revert()
    main_window.settings.agenda.hours.revert()


def test_the_agenda_settings_show_motifs_and_practitioners_as_written(agenda_settings, marked):
    page = agenda_settings
    page.show_section(0)  # appointment types
    types = page.editor(0)
    [row] = [r for r in range(types.model.rowCount())
             if types.model.index(r, 0).data() == marked.motif]
    assert tip(types.model.index(row, 0)) == marked.motif
    types.table.selectRow(row)
    assert reads(types.form.heading) == marked.motif
    assert displayed(types.form.practitioner_checks[marked.agenda.morel].text()) \
        == marked.practitioner
    assert assert_no_label_renders_markup(types) >= 1

    page.show_section(1)  # weekly hours: each range's menu of types
    hours = page.editor(1)
    hours.practitioner.setCurrentIndex(hours.practitioner.findData(marked.agenda.morel))
    menus = [b for b in hours.findChildren(TypesButton) if marked.motif_id in b.type_actions]
    assert menus
    assert displayed(menus[0].type_actions[marked.motif_id].text()) == marked.motif

    page.show_section(2)  # absences
    absences = page.editor(2)
    absences.practitioner.setCurrentIndex(absences.practitioner.findData(marked.agenda.morel))
    assert tip(absences.model.index(0, 4)) == NOTE
    absences.table.selectRow(0)
    asked = answer_next_message_box(QMessageBox.ButtonRole.RejectRole)  # Cancel
    assert absences.remove_current() is False
    [(text, fmt)] = asked
    assert fmt == Qt.TextFormat.PlainText and marked.practitioner in text


def test_the_import_wizard_shows_the_file_as_written(qtbot, main_window, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("<b>Nom</b>;Prénom(s);DDN\r\nDurand;Léa;01/02/1990\r\n", encoding="utf-8")
    main_window.import_action.trigger()
    wizard = main_window.import_wizard
    qtbot.waitExposed(wizard)
    try:
        qtbot.keyClicks(wizard.file_page.path_edit, str(path))
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton),
                         Qt.MouseButton.LeftButton)
        assert wizard.currentPage() is wizard.mapping_page
        form = wizard.mapping_page.columns_form
        first = form.itemAt(0, form.ItemRole.LabelRole).widget()
        assert reads(first) == "« <b>Nom</b> »"
        assert assert_no_label_renders_markup(wizard) == 1
    finally:
        wizard.reject()
        qtbot.waitUntil(lambda: not wizard.busy, timeout=30_000)


# -- the directory ------------------------------------------------------------------
def test_the_directory_shows_contacts_as_written(qtbot, main_window, marked):
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.directory))
    view = main_window.directory
    qtbot.keyClicks(view.search, "martin")
    assert tip(view.model.index(0, 0)) == IMG  # the organisation
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert view.form.current_id == marked.contact
    assert reads(view.form.heading) == marked.contact_name
    assert assert_no_label_renders_markup(view) >= 1

    asked = answer_next_message_box(QMessageBox.ButtonRole.RejectRole)  # Cancel
    assert view.form.delete_contact() is False
    [(text, fmt)] = asked
    assert fmt == Qt.TextFormat.PlainText and marked.contact_name in text


def test_the_directory_picker_shows_contacts_as_written(qtbot, marked):
    picker = ContactPicker(marked.ws.directory, query="martin")
    qtbot.addWidget(picker)
    picker.show()
    assert picker.model.index(0, 0).data() == marked.contact_name
    assert tip(picker.model.index(0, 0)) == IMG


# -- the agenda's patient picker -------------------------------------------------------
def test_the_agenda_patient_picker_shows_the_alert_as_written(qtbot, marked):
    picker = PatientPicker(marked.ws.patients, marked.ws.agenda)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.keyClicks(picker.edit, "dupont")
    item = picker.results.item(0)
    assert marked.name in item.text()
    assert shown(item.toolTip()) == ALERT
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert picker.patient_id() == marked.patient
    assert picker.alert.isVisible()
    assert reads(picker.alert) == ALERT
    assert assert_no_label_renders_markup(picker) == 1


# -- the agenda: grid, waiting list, waiting room, my day --------------------------------
@pytest.fixture
def page(qtbot, marked):
    widget = AgendaPage(marked.ws, ChangeBus(marked.ws.store, marked.ws.initiator))
    qtbot.addWidget(widget)
    install_booking_tools(widget)
    widget.resize(1300, 820)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    if widget.appointment_actions.dialog is not None:
        widget.appointment_actions.dialog.done(0)


def test_the_agenda_grid_tooltips_show_names_motifs_and_practitioners_as_written(page,
                                                                              marked):
    grid = page.grid
    rect = grid.item_rect(marked.afternoon)
    assert rect is not None
    text = tooltip_at(grid.viewport(), rect.center())
    assert marked.name in text
    assert marked.motif in text
    assert marked.practitioner in text


def test_the_agenda_practitioner_menu_shows_names_as_written(page, marked):
    action = page.navigation.practitioner_actions[marked.agenda.morel]
    assert displayed(action.text()) == marked.practitioner
def test_the_appointment_and_its_cancellation_show_the_patient_as_written(qtbot, page,
                                                                         marked):
    dialog = AppointmentDialog(marked.ws, appointment_id=marked.afternoon)
    qtbot.addWidget(dialog)
    dialog.show()
    assert reads(dialog.patient.alert) == ALERT
    assert dialog.note.text() == NOTE
    assert assert_no_label_renders_markup(dialog) >= 1
    dialog.done(0)

    seen: list[str] = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, CancelDialog):
            QTimer.singleShot(10, answer)
            return
        assert_no_label_renders_markup(box)
        seen.extend(reads(lab) for lab in box.findChildren(QLabel))
        box.done(QDialog.DialogCode.Rejected)  # keep it

    QTimer.singleShot(0, answer)
    assert page.cancel_appointment(marked.afternoon) is False
    assert any(marked.name in text for text in seen)


def test_the_waiting_list_shows_entries_as_written(qtbot, marked):
    panel = WaitingListPanel(marked.ws, ChangeBus(marked.ws.store, marked.ws.initiator))
    qtbot.addWidget(panel)
    panel.show()
    [row] = [r for r in range(panel.model.rowCount())
             if panel.model.index(r, 0).data() == marked.name]
    text = tip(panel.model.index(row, 0))
    assert marked.name in text and NOTE in text
    panel.table.selectRow(row)
    assert NOTE in reads(panel.details)


def test_the_waiting_room_shows_patients_and_alerts_as_written(qtbot, marked):
    panel = WaitingRoomPanel(marked.ws, ChangeBus(marked.ws.store, marked.ws.initiator))
    qtbot.addWidget(panel)
    panel.resize(420, 600)
    panel.show()
    qtbot.waitExposed(panel)
    [entry] = [lab for lab in panel.list.findChildren(QLabel) if "DUPONT" in lab.text()]
    assert marked.name in reads(entry)
    assert ALERT in reads(entry)
    assert marked.practitioner in reads(entry)


def test_my_day_shows_patients_alerts_and_notes_as_written(qtbot, marked):
    dialog = MyDayDialog(marked.ws, ChangeBus(marked.ws.store, marked.ws.initiator), practitioner_id=marked.agenda.morel,
                         queries=DayQueries.of(marked.ws))
    qtbot.addWidget(dialog)
    dialog.show()
    model = dialog.model
    [row] = [r for r in range(model.rowCount())
             if model.index(r, PATIENT_COLUMN).data() == marked.name
             and model.index(r, 0).data() == "09:00"]
    for column in (PATIENT_COLUMN, ALERT_COLUMN):
        text = tip(model.index(row, column))
        assert "⚠ " + ALERT in text and NOTE in text
    pending = [dialog.pending.topLevelItem(i).child(j)
               for i in range(dialog.pending.topLevelItemCount())
               for j in range(dialog.pending.topLevelItem(i).childCount())]
    mine = [child for child in pending if marked.name in child.text(P_PATIENT)]
    assert mine  # to confirm tomorrow, in the waiting room, on the waiting list
    for child in mine:
        assert marked.name in shown(child.toolTip(P_PATIENT))
    assert_no_label_renders_markup(dialog)


# -- message boxes and printouts -------------------------------------------------------
def test_a_message_naming_a_chosen_file_shows_it_as_written(qtbot, marked, tmp_path):
    owner = QWidget()
    qtbot.addWidget(owner)
    folder = tmp_path / "<b>dossier"
    folder.mkdir()
    actions = PrintActions(marked.ws, owner, defaults=lambda: (marked.agenda.morel, MONDAY),
                           choose_path=lambda *a: str(folder / "agenda.pdf"))
    assert actions.save_pdf(PrintRequest.day(marked.agenda.morel, MONDAY))
    box = actions.message_box
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert str(folder) in box.text()
    box.close()


def test_the_agenda_sheet_prints_names_as_written(marked):
    """The sheet is painted with drawText (plain text): its values must not be escaped."""
    sheet = build_sheet(marked.ws, DayQueries.of(marked.ws),
                        PrintRequest.day(marked.agenda.morel, MONDAY))
    assert PRACTICE in sheet.title and marked.practitioner in sheet.title
    row = next(r for r in sheet.rows if r.time == "15:00")
    assert (row.patient, row.alert, row.note) == (marked.name, ALERT, NOTE)
    assert row.motif == marked.motif


def test_the_recovery_sheet_escapes_the_practice_name():
    from app.ui.setup_wizard import recovery_sheet_html

    html = recovery_sheet_html(PRACTICE, "ABCD-EFGH")
    assert "<img" not in html
    assert PRACTICE in shown(html, Qt.TextFormat.RichText)
    assert "ABCD-EFGH" in shown(html, Qt.TextFormat.RichText)
    assert "Conservez cette feuille en lieu sûr" in shown(html, Qt.TextFormat.RichText)


def test_the_helpers_leave_ordinary_text_alone():
    from app.ui.plain import PlainLabel, tooltip

    assert tooltip("N'Diaye Awa\n06 12") == "N'Diaye Awa\n06 12"
    assert shown(tooltip("Dupont & <Fils>\nligne 2")) == "Dupont & <Fils>\nligne 2"
    long = "<b>" + " apporter les résultats" * 5  # a long line may wrap, still as written
    assert shown(tooltip(long)) == long
    assert tooltip("") == ""
    assert PlainLabel(ALERT).textFormat() == Qt.TextFormat.PlainText


def test_screens_make_labels_and_message_boxes_that_show_text_as_written():
    """A bare QLabel or QMessageBox guesses rich text: screens build them with
    ``widgets.label`` / ``plain.PlainLabel`` and ``plain.message_box`` instead."""
    root = Path(app.ui.__file__).parent
    guessing = re.compile(r"\bQLabel\(|\bQMessageBox\(|QMessageBox\.(warning|critical|information)\(")
    found = [f"{path.relative_to(root)}:{n}" for path in sorted(root.rglob("*.py"))
             if path.name != "plain.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if guessing.search(line)]
    assert found == []
