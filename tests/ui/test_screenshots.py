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


@pytest.mark.slow  # every screen, twice: once per CI run
@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_screen_shows_a_text_cut_off(qtbot, workspace, agenda, settings, tmp_path,
                                        language):
    """Placeholders, buttons and one-line labels fit, in each language (app.ui.clipping)."""
    settings.set("language", language)
    clipped: dict[str, list[str]] = {}
    written = screenshot.render_screens(workspace, tmp_path / language, settings,
                                        clipped=clipped)
    assert len(written) == len(screenshot.SCREENS) or len(written) >= 30
    assert clipped == {}


def test_the_call_pages_give_the_same_images_byte_for_byte(qtbot, workspace, agenda, settings,
                                                           tmp_path):
    """The Appels page, its callbacks list and the Statistiques page (computed off the UI
    thread) are shot the same twice."""
    from datetime import timedelta

    from app.services.calls import CallInput

    start = workspace.clock.now() - timedelta(hours=1)
    for i, (answer, reason, outcome) in enumerate(((6, "appointment", "booked"),
                                                   (None, "", ""),
                                                   (12, "results", "informed"))):
        at = start + timedelta(minutes=7 * i)
        workspace.calls.record(CallInput(
            number=f"06 12 34 56 7{i}", started_at=at,
            answered_at=None if answer is None else at + timedelta(seconds=answer),
            ended_at=at + timedelta(seconds=90), reason=reason, outcome=outcome))
    screens = (screenshot.calls_and_callbacks, screenshot.statistics)
    first = screenshot.render_screens(workspace, tmp_path / "a", settings, screens=screens)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings, screens=screens)
    assert [p.name for p in first] == ["01-appels.png", "02-rappels.png", "03-statistiques.png"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_lock_screen_and_the_sign_in_are_shot_the_same_each_time(qtbot, workspace, agenda,
                                                                     settings, tmp_path):
    screens = (screenshot.lock_screen, screenshot.unlock)
    first = screenshot.render_screens(workspace, tmp_path / "a", settings, screens=screens)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings, screens=screens)
    assert [p.name for p in first] == ["01-verrouillage.png", "02-connexion.png"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_call_panel_shots_are_the_same_byte_for_byte(qtbot, workspace, agenda, settings,
                                                         tmp_path):
    """A known patient, a family phone, an unknown caller and the urgent protocol, in
    both languages, recording no call."""
    from datetime import date

    from sqlalchemy import func, select

    from app.models import Call, CallStep
    from app.services.patients import PatientInput, PhoneEntry

    workspace.patients.create(PatientInput(birth_name="N'Diaye", first_names="Moussa",
                                           birth_date=date(2016, 2, 1),
                                           phones=[PhoneEntry("02 47 11 22 33")]))
    for language in ("fr", "en"):
        settings.set("language", language)
        first = screenshot.render_screens(workspace, tmp_path / f"a-{language}", settings,
                                          screens=(screenshot.call_panel,))
        second = screenshot.render_screens(workspace, tmp_path / f"b-{language}", settings,
                                           screens=(screenshot.call_panel,))
        assert [p.name for p in first] == ["01-appel-patient-connu.png",
                                           "02-appel-telephone-familial.png",
                                           "03-appel-inconnu.png",
                                           "04-appel-protocole-urgence.png"]
        for a, b in zip(first, second):
            assert a.read_bytes() == b.read_bytes(), a.name
    with workspace.store.reader() as s:
        assert s.execute(select(func.count()).select_from(Call)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(CallStep)).scalar_one() == 0


def test_the_data_protection_settings_and_a_patients_rgpd_export_are_shot(
        qtbot, workspace, agenda, settings, tmp_path):
    shots = screenshot.render_screens(workspace, tmp_path / "a", settings,
                                      screens=(screenshot.data_protection,
                                               screenshot.rgpd_export))
    assert [p.name for p in shots] == ["01-reglages-protection-donnees.png",
                                       "02-export-rgpd.png"]
    again = screenshot.render_screens(workspace, tmp_path / "b", settings,
                                      screens=(screenshot.data_protection,
                                               screenshot.rgpd_export))
    for a, b in zip(shots, again):
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


def test_two_practices_in_one_window_and_the_console_are_shot(qtbot, workspace, agenda,
                                                              settings, tmp_path,
                                                              profile_snapshot):
    """The switcher with a second practice beside this one, then the lead's console:
    the same images each time, nothing cut off, and neither profile nor the
    workstation's list of practices written."""
    from app.services.practice_lines import registry_path

    before = profile_snapshot(workspace.paths.root)
    screens = (screenshot.practice_switcher,)
    clipped: dict = {}
    first = screenshot.render_screens(workspace, tmp_path / "a", settings, screens=screens,
                                      clipped=clipped)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings, screens=screens)
    assert [p.name for p in first] == ["01-cabinets.png", "02-console.png",
                                       "03-appel-achemine.png", "04-appel-quel-cabinet.png"]
    assert clipped == {}
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert first[0].read_bytes() != first[1].read_bytes()
    assert not (workspace.paths.root / "workstation.json").exists()
    assert not registry_path().exists() or str(workspace.paths.root) not in registry_path().read_text()
    after = profile_snapshot(workspace.paths.root)
    assert {k: v for k, v in after.items() if not k.startswith(("permanence.db", "logs"))} \
        == {k: v for k, v in before.items() if not k.startswith(("permanence.db", "logs"))}


def test_the_sync_status_and_a_conflict_are_shot_and_nothing_is_saved(qtbot, workspace,
                                                                      settings, tmp_path):
    """Réglages → Partage scrolled to the synchronisation: a round's outcome and the
    conflict list with one conflict; the same twice; the target and status untouched."""
    import json as json_

    from app.models.conflict import FIELD, SyncConflict
    from app.services.patients import PatientInput
    from app.sync.target import target_of
    from app.ui.screenshot import SHOWN_SYNC_FOLDER

    patient = workspace.patients.create(PatientInput(birth_name="Fournier", first_names="Anne",
                                                     email="anne.fournier@exemple.fr"))
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.add(SyncConflict(
            key="field:demo", conflict=FIELD, kind="patient", entity_id=patient.id,
            field="email", kept_value=json_.dumps("anne.fournier@exemple.fr"),
            other_value=json_.dumps("a.fournier@exemple.fr"), kept_stamp=2, other_stamp=1,
            kept_node=workspace.store.node_id, other_node=workspace.store.node_id,
            peer_node=workspace.store.node_id, detected_at=uow.now))
    screens = (screenshot.sharing, screenshot.sync_status)
    clipped: dict = {}
    first = screenshot.render_screens(workspace, tmp_path / "a", settings, screens=screens,
                                      clipped=clipped)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings, screens=screens)
    assert [p.name for p in first] == ["01-reglages-partage.png",
                                       "02-reglages-partage-synchronisation.png"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert first[0].read_bytes() != first[1].read_bytes()
    assert clipped == {}
    assert screenshot.sync_status in screenshot.SCREENS
    assert target_of(workspace).via != SHOWN_SYNC_FOLDER  # shown, never saved


def test_the_passphrase_reset_is_shot_the_same_each_time_and_seals_nothing(
        qtbot, workspace, agenda, settings, tmp_path):
    from tests.ui.conftest import FAST_KDF

    workspace.kdf = FAST_KDF
    workspace.accounts.add("secretaire", "secretary", "Bureau du matin, cote jardin",
                           display_name="Léa Martin")
    before = workspace.paths.envelope.read_bytes()
    clipped: dict[str, list[str]] = {}
    screens = (screenshot.account_reset,)
    first = screenshot.render_screens(workspace, tmp_path / "a", settings, screens=screens,
                                      clipped=clipped)
    second = screenshot.render_screens(workspace, tmp_path / "b", settings, screens=screens)
    assert [p.name for p in first] == ["01-reglages-comptes-phrase-de-passe.png"]
    assert first[0].read_bytes() == second[0].read_bytes()
    assert clipped == {}
    settings.set("language", "en")
    english = screenshot.render_screens(workspace, tmp_path / "en", settings, screens=screens,
                                        clipped=clipped)
    assert len(english) == 1 and clipped == {}
    assert workspace.paths.envelope.read_bytes() == before
