"""``permanence screenshot``: a frozen clock gives the same images, byte for byte."""

from __future__ import annotations

import pytest

from app.models import AppointmentStatus as S
from app.services.agenda.views import BookingInput
from app.ui import screenshot
from tests.agenda_fixtures import MONDAY, build_agenda


@pytest.fixture
def workspace(frozen_workspace):
    return frozen_workspace


@pytest.fixture
def agenda(workspace):
    agenda = build_agenda(workspace)
    lefevre, martin, ndiaye = agenda.patients
    for hour, minute, patient, status in ((8, 30, lefevre, S.SEEN.value),
                                          (8, 45, martin, S.NO_SHOW.value),
                                          (9, 0, ndiaye, S.ARRIVED.value),
                                          (9, 45, martin, None)):
        aid = workspace.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, hour, minute),
                                                 None, patient, agenda.consult)).appointment.id
        if status is not None:
            workspace.agenda.set_status(aid, status)
    return agenda


# The screens whose text moves with the clock: the now line and the status bar's clock,
# an appointment's history stamps, the card's history, "My day".
SMALL_SET = (screenshot.agenda_day, screenshot.appointment_history, screenshot.my_day,
             screenshot.patients, screenshot.patient_with_alert, screenshot.card_tabs)


def test_the_same_clock_gives_the_same_images_byte_for_byte(qtbot, workspace, agenda, settings,
                                                            tmp_path):
    first = screenshot.render_screens(workspace, tmp_path / "a", settings, screens=SMALL_SET)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings, screens=SMALL_SET)
    assert [p.name for p in first] == [p.name for p in second]
    assert len(first) >= 6
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
        assert b"tIME" not in a.read_bytes()  # no time stamp in the PNG itself


def test_a_later_clock_shows_a_later_day(qtbot, workspace, agenda, settings, tmp_path):
    """The shots follow the clock they are given (so --at is what they show)."""
    first = screenshot.render_screens(workspace, tmp_path / "a", settings,
                                      screens=(screenshot.agenda_day,))
    workspace.clock.advance(days=1)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings,
                                       screens=(screenshot.agenda_day,))
    assert first[0].read_bytes() != second[0].read_bytes()


def test_every_screen_is_listed_once_with_a_name_of_its_own():
    assert len(set(screenshot.SCREENS)) == len(screenshot.SCREENS)


def test_the_lock_screen_and_the_sign_in_are_shot_the_same_each_time(qtbot, workspace, agenda,
                                                                     settings, tmp_path):
    screens = (screenshot.lock_screen, screenshot.unlock)
    first = screenshot.render_screens(workspace, tmp_path / "a", settings, screens=screens)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings, screens=screens)
    assert [p.name for p in first] == ["01-verrouillage.png", "02-connexion.png"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_agenda_as_the_remote_secretary_sees_it(qtbot, workspace, agenda, settings,
                                                    tmp_path):
    from tests.ui.conftest import FAST_KDF

    workspace.kdf = FAST_KDF
    workspace.accounts.add(screenshot.REMOTE_ACCOUNT, "remote-secretary",
                           "Teletravail depuis Quimper")
    screens = (screenshot.agenda_day, screenshot.agenda_remote)
    first = screenshot.render_screens(workspace, tmp_path / "a", settings, screens=screens)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings, screens=screens)
    assert [p.name for p in first] == ["01-agenda-jour.png", "02-agenda-secretariat-distant.png"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    # Her window offers less: it differs from the owner's.
    assert first[0].read_bytes() != first[1].read_bytes()
