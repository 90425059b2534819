"""Réglages › Appels sets what the panel offers; an urgent message left on a call and
still unread after the practice's delay escalates above every screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.services.messages import MessageInput
from tests.agenda_fixtures import build_agenda


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


def test_the_settings_tab_sets_greeting_reasons_and_red_flags(main_window, workspace, agenda):
    tab = main_window.settings.calls_tab
    tab.greeting.setText("Cabinet des Tilleuls, bonjour")
    for i in range(tab.reasons.count()):
        if tab.reasons.item(i).data(Qt.ItemDataRole.UserRole) == "other":
            tab.reasons.item(i).setCheckState(Qt.CheckState.Unchecked)
    tab.add_flag(tab.red_flags()[0].__class__("Malaise de l'enfant", "transfer"))
    tab.escalate.setValue(5)
    assert tab.save()
    saved = workspace.call_desk.settings()
    assert saved.greeting == "Cabinet des Tilleuls, bonjour" and "other" not in saved.reasons
    assert saved.red_flags[-1].label == "Malaise de l'enfant"
    assert saved.escalate_after_min == 5
    # The next call shows them.
    rang = workspace.calls.ringing("06 98 76 54 32", call_id="s1")
    main_window.show_call(rang.call.id)
    panel = main_window.call_panel
    assert "Cabinet des Tilleuls, bonjour" in panel.greeting.text()
    assert panel.reason.findData("other") == -1
    # No reason at all is refused, said, and nothing is saved.
    for i in range(tab.reasons.count()):
        tab.reasons.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert not tab.save()
    assert tab.error.text() and workspace.call_desk.settings().reasons == saved.reasons


def test_an_unread_urgent_message_escalates_until_it_is_read(main_window, qtbot, workspace,
                                                            agenda):
    ws = workspace
    banner = main_window.escalation
    assert banner.isHidden()
    call = ws.calls.ringing("06 12 34 56 78", call_id="e1").call
    message = ws.call_desk.leave_message(call.id, MessageInput(
        body="Rappeler d'urgence", recipient_id=agenda.morel, patient_id=agenda.patients[0],
        priority="urgent"))
    banner.refresh()
    assert banner.isHidden()  # not late yet
    ws.clock.advance(minutes=ws.call_desk.settings().escalate_after_min)
    banner.refresh()
    assert banner.isVisible() and "Claire Morel" in banner.text.text()
    assert "10 min" in banner.text.text()
    ws.messages.mark_read(message.id)
    qtbot.waitUntil(banner.isHidden)


def test_calls_and_telephony_are_one_tab_of_sections_without_clipped_text(main_window, qtbot):
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

    view = main_window.settings
    titles = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert "Appels" in titles and "Téléphonie" not in titles
    page = view.calls_page
    main_window.resize(1100, 720)
    main_window.nav.setCurrentRow(main_window.pages.indexOf(view))
    view.tabs.setCurrentWidget(page)
    qtbot.waitUntil(page.isVisible)
    boxes = [b.title() for b in page.findChildren(QGroupBox)]
    assert boxes == ["Panneau d'appel (tout le cabinet)", "Les lignes du cabinet",
                     "Numérotation depuis ce poste",
                     "Écoute des Action URL"]
    checked = 0
    for widget in page.findChildren(QLabel) + page.findChildren(QAbstractButton):
        if not widget.isVisibleTo(page) or (isinstance(widget, QLabel) and widget.wordWrap()):
            continue
        assert widget.width() >= widget.minimumSizeHint().width(), widget.text()
        checked += 1
    assert checked > 10  # the form's labels, the buttons
