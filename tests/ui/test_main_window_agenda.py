"""The agenda inside the main window: its tools are plugged in, and a patient card books."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_the_agenda_tools_are_on_the_page(main_window):
    page = main_window.agenda
    assert main_window.pages.currentWidget() is page
    assert page.booking_tools is not None
    names = {a.objectName() for a in page.findChildren(type(page.booking_tools.find_action))}
    assert "SeriesAction" in names


def test_book_from_a_patient_card_opens_the_slot_finder_for_that_patient(main_window, qtbot,
                                                                            workspace):
    patient = workspace.patients.search("dupont")[0]
    main_window.show_patients()
    main_window.patients.form.load(workspace.patients.get(patient.id))
    panel = main_window.patients.agenda_panel
    panel.show_patient(patient.id)
    qtbot.mouseClick(panel.book_button, Qt.MouseButton.LeftButton)
    finder = main_window.agenda.booking_tools.finder
    qtbot.waitUntil(lambda: finder is not None and finder.isVisible())
    assert main_window.pages.currentWidget() is main_window.agenda
    assert finder.patient.patient_id() == patient.id
    finder.close()
