"""Messages and consignes driven as a secretary and a practitioner would, on a real
profile: the inbox keys, the unread count following a change made on another screen,
the consignes banner acknowledged per user, the booking dialog showing the consignes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import ConsigneAck, Message, User
from app.services.consignes import ConsigneInput, ConsigneService
from app.services.messages import MessageInput
from app.ui.agenda.appointment_dialog import AppointmentDialog
from app.ui.agenda.my_day import MyDayDialog
from app.ui.change_bus import ChangeBus
from app.ui.main_window import NAV_URGENT
from app.ui.messages.inbox import INBOX, TREATED, MessageList
from tests.agenda_fixtures import MONDAY, build_agenda

FRIDAY = MONDAY + timedelta(days=4)


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


@pytest.fixture
def other_user(agenda) -> str:
    ws = agenda.ws
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        user = User(display_name="Sophie (secrétaire)", role="secretary")
        uow.session.add(user)
    return user.id


def _state(ws, message_id: str) -> str:
    with ws.store.reader() as s:
        return s.get(Message, message_id).state


def test_the_inbox_marks_read_with_l_and_treated_with_t(qtbot, agenda):
    ws = agenda.ws
    bus = ChangeBus(ws.store, ws.initiator)
    first = ws.messages.send(MessageInput("Rappeler pour les résultats", agenda.morel,
                                          agenda.patients[0], priority="urgent"))
    second = ws.messages.send(MessageInput("Demande d'ordonnance", agenda.morel,
                                           caller_name="Pharmacie du Centre",
                                           caller_phone="02 47 11 22 33"))
    inbox = MessageList(ws.messages, bus, ws.zone, kind=INBOX, recipients=lambda: [agenda.morel])
    qtbot.addWidget(inbox)
    inbox.show()
    qtbot.waitExposed(inbox)
    assert [m.id for m in inbox.model.rows()] == [first.id, second.id]  # urgent first
    assert "URGENT" in inbox.details.text() and "LEFÈVRE Jeanne" in inbox.details.text()
    inbox.table.setFocus()
    qtbot.keyClick(inbox.table, Qt.Key.Key_L)
    assert _state(ws, first.id) == "read"
    assert "Lu par Titulaire du cabinet le 16/03/2026 09:30" in inbox.details.text()
    qtbot.keyClick(inbox.table, Qt.Key.Key_T)
    assert _state(ws, first.id) == "treated"
    # It left the list; the next one is selected, ready for the next key.
    assert [m.id for m in inbox.model.rows()] == [second.id]
    assert inbox.current().id == second.id
    qtbot.keyClick(inbox.table, Qt.Key.Key_T)  # treated straight away: read too
    assert _state(ws, second.id) == "treated" and inbox.model.rowCount() == 0
    assert inbox.empty_hint.isVisibleTo(inbox)

    archive = MessageList(ws.messages, bus, ws.zone, kind=TREATED)
    qtbot.addWidget(archive)
    archive.show()
    archive.table.setFocus()
    assert archive.model.rowCount() == 2
    qtbot.keyClick(archive.table, Qt.Key.Key_O)  # opened again: back in the inbox
    assert inbox.model.rowCount() == 1 and archive.model.rowCount() == 1
    bus.close()


def test_the_unread_count_follows_a_message_treated_on_another_screen(qtbot, agenda,
                                                                      main_window):
    ws = agenda.ws
    nav_item = main_window.nav.item(main_window.pages.indexOf(main_window.messages))
    assert nav_item.text() == "Messages" and main_window.unread_label.isHidden()
    urgent = ws.messages.send(MessageInput("Douleur thoracique, rappeler vite", agenda.morel,
                                           caller_name="M. Petit", priority="urgent"))
    ws.messages.send(MessageInput("Certificat à signer", caller_name="École Jules Ferry"))
    assert nav_item.text() == "Messages (2)"
    assert main_window.unread_label.text() == "2 messages non lus, 1 urgent"
    assert nav_item.foreground().color().name() == NAV_URGENT  # urgent stands out

    # The practitioner treats it from her day, another window on the same bus.
    day = MyDayDialog(ws, main_window.bus, main_window, practitioner_id=agenda.morel, day=MONDAY)
    qtbot.addWidget(day)
    day.show()
    assert day.side_tabs.tabText(1) == "Messages (2, 1 urgent)"
    day.side_tabs.setCurrentWidget(day.messages)
    assert day.messages.current().id == urgent.id
    day.messages.table.setFocus()
    qtbot.keyClick(day.messages.table, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: nav_item.text() == "Messages (1)", timeout=1000)
    assert main_window.unread_label.text() == "1 message non lu"
    assert nav_item.data(Qt.ItemDataRole.ForegroundRole) is None
    assert day.side_tabs.tabText(1) == "Messages (1)"
    day.close()


def test_ctrl_m_writes_a_message_from_any_screen(qtbot, agenda, main_window):
    ws = agenda.ws
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.directory))
    qtbot.keyClick(main_window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    dialog = main_window.message_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.recipient.setCurrentIndex(dialog.recipient.findData(agenda.faure))
    dialog.caller_name.setText("Laboratoire Cerballiance")
    dialog.caller_phone.setText("06 00")  # not a number
    dialog.body.setPlainText("Résultats de Mme N'Diaye disponibles")
    assert not dialog.send()
    assert dialog.errors.text() == "Ce numéro de téléphone n'est pas valide."
    dialog.caller_phone.setText("02 47 00 11 22")
    dialog.urgent.setChecked(True)
    qtbot.keyClick(dialog.body, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert main_window.message_dialog is None or not dialog.isVisible()
    [sent] = ws.messages.sent()
    assert (sent.recipient_id, sent.caller_phone, sent.urgent) == (agenda.faure,
                                                                   "02 47 00 11 22", True)
    main_window.show_messages()
    assert [m.id for m in main_window.messages.inbox.model.rows()] == [sent.id]


def test_a_new_or_changed_consigne_stays_until_this_user_has_read_it(qtbot, agenda, other_user,
                                                                     main_window):
    ws = agenda.ws
    banner = main_window.consigne_banner
    assert banner.isHidden()
    theirs = ConsigneService(ws.store, actor_id=other_user, clock=ws.clock, zone=ws.zone)
    c = theirs.save(ConsigneInput("Résultats de biologie : ne pas communiquer par téléphone",
                                  priority="important"))
    assert banner.isVisible()
    assert banner.lines() == ["⚠ Cabinet : Résultats de biologie : ne pas communiquer par "
                              "téléphone — Permanente"]
    qtbot.mouseClick(banner.ack_button, Qt.MouseButton.LeftButton)
    assert banner.isHidden()
    with ws.store.reader() as s:
        acks = s.execute(select(ConsigneAck.revision).where(ConsigneAck.user_id == ws.user_id,
                                                            ConsigneAck.consigne_id == c.id))
        assert acks.scalars().all() == [1]
    theirs.save(ConsigneInput("Résultats de biologie : jamais par téléphone",
                              priority="important"), consigne_id=c.id)
    assert banner.isVisible() and "jamais par téléphone" in banner.lines()[0]
    # Her own consignes need no acknowledgement.
    qtbot.mouseClick(banner.ack_button, Qt.MouseButton.LeftButton)
    ws.consignes.save(ConsigneInput("Pas de visite le samedi"))
    assert banner.isHidden()


def test_the_booking_dialog_shows_the_practitioners_consignes(qtbot, agenda):
    ws = agenda.ws
    ws.consignes.save(ConsigneInput("Urgence pédiatrique : transférer au cabinet avant le 15",
                                    agenda.faure, "important"))
    ws.consignes.save(ConsigneInput("Pas de nouveau patient le vendredi", agenda.morel,
                                    valid_from=FRIDAY, valid_until=FRIDAY))
    ws.consignes.save(ConsigneInput("Visites : demander le code de la porte", agenda.morel,
                                    motif_ids=frozenset({agenda.visit})))
    dialog = AppointmentDialog(ws, practitioner_id=agenda.morel, day=MONDAY, start_min=9 * 60,
                               type_id=agenda.consult)
    dialog.show()
    try:
        _check_consignes(dialog, agenda)
    finally:  # (closing it would ask about the unsaved changes)
        dialog.done(0)
        dialog.deleteLater()


def _check_consignes(dialog, agenda) -> None:
    assert dialog.consignes.isHidden()  # none for a consultation with Dr Morel on Monday
    dialog.type.setCurrentIndex(dialog.type.findData(agenda.visit))
    assert dialog.consignes.lines() == [
        "• Dr Claire Morel : Visites : demander le code de la porte (Visite à domicile)"]
    dialog.date.setDate(dialog.date.date().addDays(4))  # Friday
    assert len(dialog.consignes.lines()) == 2
    dialog.practitioner.setCurrentIndex(dialog.practitioner.findData(agenda.faure))
    assert dialog.consignes.lines() == [
        "⚠ Dr Julien Faure : Urgence pédiatrique : transférer au cabinet avant le 15"]


def test_the_consignes_page_keeps_every_version(qtbot, agenda, main_window):
    page = main_window.consignes
    main_window.nav.setCurrentRow(main_window.pages.indexOf(page))
    page.start_new()
    page.whom.setCurrentIndex(page.whom.findData(agenda.morel))
    page.text.setPlainText("Pas de nouveau patient")
    assert page.save()
    assert page.model.rowCount() == 1 and page.current.revision == 1
    page.text.setPlainText("Pas de nouveau patient le vendredi")
    page.has_until.setChecked(True)
    page.valid_until.setDate(page.valid_from.date().addDays(30))
    assert page.save()
    assert page.current.revision == 2 and page.current.valid_until is not None
    assert [page.versions.topLevelItem(i).text(0) for i in range(page.versions.topLevelItemCount())
            ] == ["2", "1"]
    assert page.versions.topLevelItem(1).text(3) == "Pas de nouveau patient"
    page.text.setPlainText("  ")
    assert not page.save() and page.errors.text() == "Écrivez la consigne."
    page.text.setPlainText("Pas de nouveau patient le vendredi")
    assert page.withdraw()
    assert page.model.rowCount() == 0
    page.show_withdrawn.setChecked(True)
    assert page.model.rowCount() == 1


def test_markup_in_messages_and_consignes_is_shown_as_written(qtbot, agenda, other_user,
                                                             main_window):
    from PySide6.QtGui import QTextDocument
    from PySide6.QtGui import Qt as GuiQt
    from PySide6.QtWidgets import QLabel

    def shown(text: str) -> str:  # what a tooltip (AutoText) reads as
        if not GuiQt.mightBeRichText(text):
            return text
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()

    ws = agenda.ws
    body = '<span style="font-size:1px">Allergie</span> rappeler'
    m = ws.messages.send(MessageInput(body, agenda.morel, caller_name="<b>Labo</b>"))
    ConsigneService(ws.store, actor_id=other_user, clock=ws.clock, zone=ws.zone).save(
        ConsigneInput('<img src="file:///etc/passwd"> pas au téléphone', agenda.morel))
    main_window.show_messages()
    inbox = main_window.messages.inbox
    index = inbox.model.index(inbox.model.row_of(m.id), 4)
    assert shown(index.data(Qt.ItemDataRole.ToolTipRole)) == body
    assert body in inbox.details.text() and "<b>Labo</b>" in inbox.details.text()
    assert main_window.consigne_banner.lines()[0].startswith(
        '• Dr Claire Morel : <img src="file:///etc/passwd"> pas au téléphone')
    for root in (main_window, ):
        for lab in root.findChildren(QLabel):
            if any(tag in lab.text().lower() for tag in ("<span", "<b>", "<img")):
                assert lab.textFormat() == Qt.TextFormat.PlainText, lab.objectName()
    page = main_window.consignes
    page.refresh()
    tip = page.model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert shown(tip) == '<img src="file:///etc/passwd"> pas au téléphone'


def test_new_message_from_a_practitioners_messages_is_for_her(qtbot, agenda, main_window):
    page = main_window.messages
    main_window.show_messages()
    page.set_practitioner(agenda.faure)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = main_window.message_dialog
    assert dialog.recipient.currentData() == agenda.faure
    dialog.reject()


def test_in_english_the_inbox_marks_read_with_r_as_its_button_says(qtbot, agenda):
    from app import i18n

    i18n.set_language("en")
    ws = agenda.ws
    bus = ChangeBus(ws.store, ws.initiator)
    sent = ws.messages.send(MessageInput("Call back about the results", agenda.morel,
                                         agenda.patients[0]))
    inbox = MessageList(ws.messages, bus, ws.zone, kind=INBOX, recipients=lambda: [agenda.morel])
    qtbot.addWidget(inbox)
    inbox.show()
    qtbot.waitExposed(inbox)
    assert inbox.read_button.text() == "Read (R)"
    inbox.table.setFocus()
    qtbot.keyClick(inbox.table, Qt.Key.Key_L)  # the French letter does nothing here
    assert _state(ws, sent.id) == "new"
    qtbot.keyClick(inbox.table, Qt.Key.Key_R)
    assert _state(ws, sent.id) == "read"
