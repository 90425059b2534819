"""First start leads to a working agenda: the guide to the types and hours after the
setup assistant, the hints of what is missing on the agenda and in the slot finder, the
practice and its practitioners in Réglages."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from app.i18n import _
from app.services.agenda.readiness import agenda_readiness
from app.services.agenda.setup import HoursRange, TypeInput
from app.services.agenda.views import BookingInput
from app.services.practice import PractitionerInput, get_practice, list_practitioners
from app.ui.agenda.setup_hint import GUIDE, HOURS, PRACTITIONERS
from app.ui.agenda_settings.starter import NAME, AgendaGuide


def _morel(ws) -> str:
    return list_practitioners(ws.store)[0].id


def _finish(guide: AgendaGuide) -> None:
    guide.next()
    guide.button(QWizard.WizardButton.FinishButton).click()


def _answer_next_question(accept: bool) -> list[str]:
    seen: list[str] = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        role = (QMessageBox.ButtonRole.AcceptRole if accept
                else QMessageBox.ButtonRole.RejectRole)
        [button] = [b for b in box.buttons() if box.buttonRole(b) == role]
        button.click()

    QTimer.singleShot(0, answer)
    return seen


def _book_tomorrow(ws, pid: str) -> None:
    consult = ws.agenda_setup.save_type(TypeInput("Consultation", 15)).id
    ws.agenda_setup.set_hours(pid, [HoursRange(d, "08:00", "19:00") for d in range(7)])
    patient = ws.patients.search("Dupont", limit=1)[0].id
    tomorrow = ws.zone.today(ws.clock.now()) + timedelta(days=1)
    ws.agenda.book(BookingInput(pid, ws.zone.at(tomorrow, 10, 0), None, patient, consult))


# -- the guide -----------------------------------------------------------------------------
def test_after_the_assistant_the_guide_creates_edited_types_and_hours(qtbot, workspace,
                                                                      settings):
    from app.ui.app import GuiSession

    session = GuiSession(QApplication.instance(), workspace, settings)
    window = session.show(first_start=True)
    guide = window.agenda_guide
    assert guide is not None and guide.isVisible()
    step = guide.types_step
    pid = _morel(workspace)
    assert step.chosen_specialty(pid) == "general"  # from "Médecine générale"
    names = [step.table.item(i, NAME).text() for i in range(step.table.rowCount())]
    assert names[:3] == ["Consultation", "Première consultation", "Consultation urgente"]
    assert "Visite à domicile" in names
    assert step.table.item(0, 3).text() == "Tous les praticiens"
    # Untick the smear test, rename and lengthen the first consultation.
    step.table.item(names.index("Frottis cervico-utérin"), NAME).setCheckState(
        Qt.CheckState.Unchecked)
    step.table.item(1, NAME).setText("Nouveau patient")
    step.table.cellWidget(1, 1).setValue(40)
    guide.next()
    week = guide.hours_step.editors[pid]
    monday, saturday = week.values()[0], week.values()[5]
    assert monday == (True, ["08:30", "12:30", "14:00", "19:00"])
    assert saturday == (False, ["08:30", "12:30", "", ""])
    assert week.apply.isChecked()
    week.days[5][0].setChecked(True)  # Saturday morning too
    guide.button(QWizard.WizardButton.FinishButton).click()

    assert not guide.isVisible()
    types = {t.name: t for t in workspace.agenda.types()}
    assert "Frottis cervico-utérin" not in types and types["Nouveau patient"].duration_min == 40
    assert len(types) == len(names) - 1
    [usual] = workspace.agenda_setup.hours(pid)
    assert (5, 8 * 60 + 30, 12 * 60 + 30, frozenset()) in usual.ranges
    assert agenda_readiness(workspace.store, [pid]).ready
    page = window.agenda
    qtbot.waitUntil(lambda: page.setup_hint.isHidden())
    assert "7 motifs créés" in page.message()
    window.close()


def test_a_wrong_time_keeps_the_guide_open_and_writes_nothing(qtbot, main_window):
    guide = main_window.open_agenda_guide()
    guide.next()
    pid = _morel(main_window._workspace)
    week = guide.hours_step.editors[pid]
    week.days[0][1][1].setText("11:00")
    week.days[0][1][0].setText("13:00")
    guide.button(QWizard.WizardButton.FinishButton).click()
    assert guide.isVisible()
    assert week.error.text() and not week.error.isHidden()
    assert main_window._workspace.agenda.types() == []
    guide.reject()


def test_practitioners_of_two_specialties_get_their_own_types(qtbot, main_window):
    ws = main_window._workspace
    kine = ws.practice_editor.save_practitioner(PractitionerInput(
        "Paul", "Girard", "Masseur-kinésithérapeute", title="")).id
    guide = main_window.open_agenda_guide()
    step = guide.types_step
    assert step.chosen_specialty(kine) == "physiotherapy"
    offered = {step.table.item(i, NAME).text(): step.table.item(i, 3).text()
               for i in range(step.table.rowCount())}
    assert offered["Séance de kinésithérapie"] == "Paul Girard"
    assert offered["Consultation"] == "Dr Claire Morel"
    _finish(guide)
    types = {t.name: t for t in ws.agenda.types()}
    assert types["Séance de kinésithérapie"].practitioner_ids == frozenset({kine})
    assert [r[:3] for r in ws.agenda_setup.hours(kine)[0].ranges][0] == (0, 8 * 60, 12 * 60 + 30)


def test_the_guide_from_reglages_leaves_existing_types_unticked(qtbot, main_window):
    ws = main_window._workspace
    ws.agenda_setup.save_type(TypeInput("Consultation", 20))
    ws.agenda_setup.set_hours(_morel(ws), [HoursRange(1, "09:00", "12:00")])
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.settings))
    main_window.settings.tabs.setCurrentWidget(main_window.settings.agenda_tab)
    qtbot.mouseClick(main_window.settings.guide_button, Qt.MouseButton.LeftButton)
    guide = main_window.agenda_guide
    assert guide is not None and guide.isVisible()
    assert main_window.pages.currentWidget() is main_window.agenda
    first = guide.types_step.table.item(0, NAME)
    assert first.text() == "Consultation" and first.checkState() == Qt.CheckState.Unchecked
    assert guide.types_step.existing_hint.isVisibleTo(guide.types_step)
    guide.next()
    week = guide.hours_step.editors[_morel(ws)]
    assert not week.apply.isChecked() and week.note.isVisibleTo(week)
    guide.button(QWizard.WizardButton.FinishButton).click()
    assert [s.ranges for s in ws.agenda_setup.hours(_morel(ws))] == [
        ((1, 9 * 60, 12 * 60, frozenset()),)]  # the hours kept, as not ticked
    assert sum(t.name == "Consultation" for t in ws.agenda.types()) == 1


# -- hints ------------------------------------------------------------------------------
def test_the_agenda_says_what_is_missing_and_leads_there(qtbot, main_window):
    ws = main_window._workspace
    page = main_window.agenda
    hint = page.setup_hint
    assert hint.isVisibleTo(page) and hint.target() == GUIDE
    assert "aucun motif" in hint.message().lower()
    assert "aucun horaire" in hint.message()
    qtbot.mouseClick(hint.button, Qt.MouseButton.LeftButton)
    guide = main_window.agenda_guide
    assert guide is not None and guide.isVisible()
    guide.reject()

    ws.agenda_setup.save_type(TypeInput("Consultation", 15))  # the bus tells the page
    qtbot.waitUntil(lambda: hint.target() == HOURS)
    assert "Dr Claire Morel" in hint.message() and "horaires" in hint.message()
    qtbot.mouseClick(hint.button, Qt.MouseButton.LeftButton)
    settings = main_window.settings
    assert main_window.pages.currentWidget() is settings
    agenda_settings = settings.agenda
    assert agenda_settings.sections.currentIndex() == 1
    assert agenda_settings.hours.practitioner.currentData() == _morel(ws)

    ws.agenda_setup.set_hours(_morel(ws), [HoursRange(0, "09:00", "12:00")])
    main_window.nav.setCurrentRow(main_window.pages.indexOf(page))  # back to the agenda
    qtbot.waitUntil(lambda: page.setup_hint.isHidden())


def test_the_slot_finder_says_there_is_no_type_and_opens_the_guide(qtbot, main_window):
    page = main_window.agenda
    finder = page.booking_tools.open_finder()
    assert finder.setup_button.isVisibleTo(finder)
    assert "aucun motif" in finder.empty_hint.text().lower()
    qtbot.mouseClick(finder.setup_button, Qt.MouseButton.LeftButton)
    assert not finder.isVisible()
    assert main_window.agenda_guide is not None and main_window.agenda_guide.isVisible()
    main_window.agenda_guide.reject()


def test_the_slot_finder_says_who_has_no_hours(qtbot, main_window):
    ws = main_window._workspace
    ws.agenda_setup.save_type(TypeInput("Consultation", 15))
    finder = main_window.agenda.booking_tools.open_finder()
    assert "Dr Claire Morel" in finder.empty_hint.text()
    assert finder.setup_button.text() == _("Set the weekly hours…")
    qtbot.mouseClick(finder.setup_button, Qt.MouseButton.LeftButton)
    assert main_window.settings.agenda.sections.currentIndex() == 1


# -- Réglages › Cabinet ------------------------------------------------------------------------
def test_the_practice_details_are_edited_in_reglages(qtbot, main_window):
    ws = main_window._workspace
    form = main_window.settings.show_practice().details
    assert form.name.text() == "Cabinet médical des Tilleuls" and form.timezone.isEnabled()
    form.name.setText("Maison de santé du Parc")
    form.address.setText("2 place du Marché, 69003 Lyon")
    form.phone.setText("0478123456")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert get_practice(ws.store).name == "Maison de santé du Parc"
    assert get_practice(ws.store).phone == "+33478123456"
    assert form.phone.text() == "04 78 12 34 56"  # shown as a secretary dials it
    assert main_window.windowTitle() == "Permanence — Maison de santé du Parc"
    assert main_window.practice_name.text() == "Maison de santé du Parc"
    form.name.setText("  ")
    form.phone.setText("06 12")
    assert not form.save()
    assert form.errors["name"].isVisibleTo(form) and form.errors["phone"].isVisibleTo(form)
    assert get_practice(ws.store).phone == "+33478123456"


def test_the_time_zone_is_locked_with_a_reason_once_there_are_appointments(qtbot, main_window):
    ws = main_window._workspace
    _book_tomorrow(ws, _morel(ws))
    form = main_window.settings.show_practice().details
    form.reload()
    assert not form.timezone.isEnabled()
    assert "1 rendez-vous" in form.zone_note.text()


def test_practitioners_are_added_edited_and_deactivated_in_reglages(qtbot, main_window):
    ws = main_window._workspace
    editor = main_window.settings.show_practice().practitioners
    qtbot.mouseClick(editor.new_button, Qt.MouseButton.LeftButton)
    editor.first_name.setText("Julien")
    editor.last_name.setText("Faure")
    editor.specialty.setText("Pédiatrie")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    names = [p.display_name for p in list_practitioners(ws.store)]
    assert names == ["Dr Julien Faure", "Dr Claire Morel"]
    page = main_window.agenda
    qtbot.waitUntil(lambda: len(page.practitioners()) == 2)

    editor.last_name.setText("")
    assert not editor.save()
    assert editor.errors["last_name"].isVisibleTo(editor)

    morel = _morel(ws) if names[1] != "Dr Claire Morel" else list_practitioners(ws.store)[1].id
    _book_tomorrow(ws, morel)
    editor.select(morel)
    assert editor.active_button.text() == "Désactiver"
    seen = _answer_next_question(accept=False)
    assert not editor.toggle_active()
    assert "1 rendez-vous à venir" in seen[0]
    assert morel in [p.id for p in list_practitioners(ws.store)]
    seen = _answer_next_question(accept=True)
    assert editor.toggle_active()
    assert morel not in [p.id for p in list_practitioners(ws.store)]
    qtbot.waitUntil(lambda: [p.id for p in page.practitioners()] != [morel] and
                    morel not in [p.id for p in page.practitioners()])
    assert editor.active_button.text() == "Réactiver"
    assert editor.table.item(1, 2).text() == "Désactivé"  # listed after the active ones
    assert editor.toggle_active()  # reactivating asks nothing
    assert morel in [p.id for p in list_practitioners(ws.store)]


def test_without_any_active_practitioner_the_agenda_leads_to_them(qtbot, main_window):
    ws = main_window._workspace
    ws.practice_editor.set_active(_morel(ws), False)
    page = main_window.agenda
    qtbot.waitUntil(lambda: page.setup_hint.target() == PRACTITIONERS)
    assert "Aucun praticien actif" in page.setup_hint.message()
    qtbot.mouseClick(page.setup_hint.button, Qt.MouseButton.LeftButton)
    assert main_window.settings.tabs.currentWidget() is main_window.settings.practice_tab

