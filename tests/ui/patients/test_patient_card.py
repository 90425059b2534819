"""The patient card's extra details: alert, reaching the patient, history pane."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt

from app.services.patients import PatientInput, PhoneEntry
from tests.ui.card_keys import edit_card


def _open(qtbot, window, query: str) -> None:
    window.show_patients()  # the search box lists patients there
    window.search.clear()
    qtbot.keyClicks(window.search, query)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)


def test_the_alert_is_shown_whenever_the_card_opens(qtbot, main_window, workspace):
    workspace.patients.create(PatientInput(
        birth_name="Vasseur", first_names="Odile", birth_date="02/02/1940",
        phones=[PhoneEntry("06 10 20 30 40")], alert="Malentendante : parler lentement"))
    main_window.show_patients()  # the search box lists patients there
    main_window.search.clear()
    qtbot.keyClicks(main_window.search, "vasseur")
    first = main_window.patients.model.index(0, 0)
    assert first.data(Qt.ItemDataRole.DecorationRole) is not None  # seen before opening
    assert first.data(Qt.ItemDataRole.ToolTipRole) == "Malentendante : parler lentement"
    _open(qtbot, main_window, "vasseur")
    form = main_window.patients.form
    assert form.alert_banner.isVisible()
    assert "parler lentement" in form.alert_banner.text()
    _open(qtbot, main_window, "dupont")  # a card without an alert hides it
    assert form.heading.text() == "DUPONT Jean-Éric"
    assert main_window.patients.model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is None
    assert not form.alert_banner.isVisible()


def test_contact_preferences_are_saved(qtbot, main_window, workspace):
    _open(qtbot, main_window, "dupont")
    form = main_window.patients.form
    edit_card(qtbot, form)
    form.preferred_channel.setCurrentIndex(form.preferred_channel.findData("sms"))
    qtbot.keyClicks(form.call_not_before, "9h")
    qtbot.keyClicks(form.call_not_after, "18:30")
    qtbot.keyClicks(form.email_other, "jean.dupont@travail.example")
    qtbot.keyClicks(form.alert, "Interprete requis")
    form.save()
    assert not form.is_dirty
    saved = workspace.patients.get(form.current_id)
    assert saved.preferred_channel == "sms"
    assert (saved.call_not_before, saved.call_not_after) == (time(9, 0), time(18, 30))
    assert saved.email_other == "jean.dupont@travail.example"
    assert saved.alert == "Interprete requis"
    assert form.alert_banner.isVisible()
    assert form.call_not_before.text() == "09:00"


def test_a_wrong_call_window_is_refused_on_the_field(qtbot, main_window, workspace):
    _open(qtbot, main_window, "dupont")
    form = main_window.patients.form
    version = workspace.patients.get(form.current_id).version
    edit_card(qtbot, form)
    qtbot.keyClicks(form.call_not_before, "19:00")
    qtbot.keyClicks(form.call_not_after, "08:00")
    assert not form.save()
    assert form.errors["call_not_after"].isVisible()
    assert form.banner.isVisible()
    assert workspace.patients.get(form.current_id).version == version  # nothing written


def test_history_tab_lists_the_changes(qtbot, main_window):
    _open(qtbot, main_window, "dupont")
    form = main_window.patients.form
    timeline = main_window.patients.timeline
    edit_card(qtbot, form)
    qtbot.keyClicks(form.city, "-Centre")
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    main_window.patients.card_tabs.setCurrentWidget(timeline)  # read when shown
    assert timeline.list.count() == 2
    newest = timeline.list.item(0).text()
    assert "Fiche modifiée : ville" in newest and "Titulaire du cabinet" in newest
    main_window.patients.new_patient()
    assert timeline.hint.isVisible() and not timeline.list.isVisible()
    _open(qtbot, main_window, "martinez")  # the pane follows the card while shown
    assert timeline.list.count() == 1 and "créée" in timeline.list.item(0).text()


def test_referring_doctor_is_picked_from_the_directory(qtbot, main_window, workspace):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.services.directory import ContactInput
    doctor = workspace.directory.create(ContactInput(
        category="gp", title="Dr", name="Ferrand", first_name="Lucie",
        phone="02 47 20 30 40", city="Tours"))
    _open(qtbot, main_window, "dupont")
    form = main_window.patients.form

    def choose() -> None:
        picker = QApplication.activeModalWidget()
        assert picker is not None
        qtbot.keyClicks(picker.search, "ferr")
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)

    QTimer.singleShot(0, choose)
    edit_card(qtbot, form)
    form.pick_doctor_button.click()
    assert form.referring_doctor.text() == "Dr FERRAND Lucie"
    assert form.referring_doctor.isReadOnly() and form.is_dirty
    assert form.save()
    saved = workspace.patients.get(form.current_id)
    assert (saved.referring_contact_id, saved.referring_contact_name) == (
        doctor.id, "Dr FERRAND Lucie")
    _open(qtbot, main_window, "martinez")
    _open(qtbot, main_window, "dupont")  # shown linked again when the card reopens
    assert form.referring_doctor.text() == "Dr FERRAND Lucie"
    edit_card(qtbot, form)
    form.unlink_doctor_button.click()
    assert not form.referring_doctor.isReadOnly()
    assert form.save()
    assert workspace.patients.get(form.current_id).referring_contact_id is None


def test_a_homonym_is_flagged_before_the_card_is_created(qtbot, main_window, workspace):
    main_window.show_patients()  # the window opens on the agenda
    view = main_window.patients
    before = workspace.patients.count()
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = view.form
    qtbot.keyClicks(form.birth_name, "DUPONT")
    qtbot.keyClicks(form.first_names, "jean eric")
    qtbot.keyClicks(form.birth_date, "12/03/1958")
    assert not form.save()
    assert form.similar_panel.isVisible()
    assert "DUPONT Jean-Éric" in form.similar_label.text()
    assert "même nom et date de naissance" in form.similar_label.text()
    assert workspace.patients.count() == before  # nothing written yet
    form.open_existing_button.click()  # the existing card instead
    assert form.heading.text() == "DUPONT Jean-Éric"
    assert workspace.patients.count() == before


def test_a_shared_phone_warns_and_create_anyway_creates(qtbot, main_window, workspace):
    view = main_window.patients
    before = workspace.patients.count()
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = view.form
    qtbot.keyClicks(form.birth_name, "Dupont")
    qtbot.keyClicks(form.first_names, "Lea")
    qtbot.keyClicks(form.phone_rows[0].number, "+33612345678")  # Jean-Éric's mobile
    assert not form.save()
    assert "même numéro de téléphone" in form.similar_label.text()
    form.create_anyway_button.click()
    assert workspace.patients.count() == before + 1
    assert form.heading.text() == "DUPONT Lea"
    assert not form.similar_panel.isVisible()
