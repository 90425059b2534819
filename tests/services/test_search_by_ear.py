"""Finding a patient while on the phone: a number dictated in pairs, a name typed by ear.

Exact prefixes come first, then names that sound alike, or else names one letter off.
"""

from __future__ import annotations

import pytest

from app.clock import FrozenClock
from app.models import Patient
from app.services.patients import PatientInput, PhoneEntry
from app.storage.profile import ProfilePaths
from tests.conftest import FAST_KDF, FROZEN_AT, PASSPHRASE, TEST_PRACTICE
from tests.practice_template import practice_from_template

PEOPLE = [
    # birth name, used name, first names, phone
    ("Achour", "Vincent", "Suzanne", "06 55 02 13 47"),
    ("Lefèvre", "Martin", "Hélène", "06 55 81 00 00"),
    ("Lefebvre", "", "Paul", "02 47 55 06 55"),
    ("Dupont", "", "Jean", "07 61 22 33 44"),
    ("Dumond", "", "Luc", "07 61 22 33 45"),
    ("Girard", "", "Matthieu", "01 23 45 67 89"),
    ("Morel", "", "Philippe", "06 65 00 00 00"),
    ("Rousseau", "", "Catherine", "+44 20 7946 0958"),
    ("Acourt", "", "Léa", ""),
]


def add_people(ws):
    for birth, used, first, phone in PEOPLE:
        ws.patients.create(PatientInput(
            birth_name=birth, used_name=used, first_names=first,
            phones=[PhoneEntry(phone)] if phone else []))
    return ws


@pytest.fixture
def people(workspace):
    """PEOPLE in a practice of this test's own, to change."""
    return add_people(workspace)


@pytest.fixture(scope="module")
def read_people(tmp_path_factory):
    """PEOPLE in a practice shared by the module's tests that only search."""
    ws = practice_from_template(ProfilePaths(tmp_path_factory.mktemp("people") / "profile"),
                                TEST_PRACTICE, passphrase=PASSPHRASE,
                                clock=FrozenClock(FROZEN_AT), kdf=FAST_KDF).workspace
    yield add_people(ws)
    ws.close()


def search(ws, query, limit=100) -> list[str]:
    return [r.display_name for r in ws.patients.search(query, limit=limit)]


@pytest.mark.parametrize("typed, found", [
    # From the second pair on, a prefix of the number, as the secretary hears it.
    # Four digits are also the end of a number, as "0655" typed whole has always been.
    ("06 55", ["LEFEBVRE Paul", "MARTIN né(e) LEFÈVRE Hélène", "VINCENT né(e) ACHOUR Suzanne"]),
    ("06 55 0", ["VINCENT né(e) ACHOUR Suzanne"]),
    ("06 55 02", ["VINCENT né(e) ACHOUR Suzanne"]),
    ("06 55 02 13", ["VINCENT né(e) ACHOUR Suzanne"]),
    ("06 55 02 13 47", ["VINCENT né(e) ACHOUR Suzanne"]),
    ("0655", ["LEFEBVRE Paul", "MARTIN né(e) LEFÈVRE Hélène", "VINCENT né(e) ACHOUR Suzanne"]),
    ("06.55", ["LEFEBVRE Paul", "MARTIN né(e) LEFÈVRE Hélène", "VINCENT né(e) ACHOUR Suzanne"]),
    ("06.55.02", ["VINCENT né(e) ACHOUR Suzanne"]),
    ("06-55-02", ["VINCENT né(e) ACHOUR Suzanne"]),
    ("+33 6 55", ["MARTIN né(e) LEFÈVRE Hélène", "VINCENT né(e) ACHOUR Suzanne"]),
    ("+33 6 55 02", ["VINCENT né(e) ACHOUR Suzanne"]),
    ("+33655", ["MARTIN né(e) LEFÈVRE Hélène", "VINCENT né(e) ACHOUR Suzanne"]),
    ("07 61", ["DUMOND Luc", "DUPONT Jean"]),
    ("+44 20", ["ROUSSEAU Catherine"]),
    # The last four digits, typed whole or in pairs, as before.
    ("3345", ["DUMOND Luc"]),
    ("33 45", ["DUMOND Luc"]),
    ("0958", ["ROUSSEAU Catherine"]),
    # Too little to search on yet.
    ("06", []),
    ("06 5", []),
    ("+33 6", []),
])
def test_a_number_dictated_in_pairs(read_people, typed, found):
    assert sorted(search(read_people, typed)) == sorted(found)


@pytest.mark.parametrize("typed, first", [
    ("lefebvre", "LEFEBVRE Paul"),
    ("lefevre", "MARTIN né(e) LEFÈVRE Hélène"),
    ("acour", "ACOURT Léa"),
    ("dupond", "DUPONT Jean"),
    ("mathieu", "GIRARD Matthieu"),
    ("matthieu", "GIRARD Matthieu"),
    ("matieu", "GIRARD Matthieu"),
    ("filipe", "MOREL Philippe"),
    ("philipe", "MOREL Philippe"),
    ("fili", "MOREL Philippe"),
    ("rousso", "ROUSSEAU Catherine"),
    ("katherine", "ROUSSEAU Catherine"),
    ("girar", "GIRARD Matthieu"),
    ("achur", "VINCENT né(e) ACHOUR Suzanne"),
    ("vinsan", "VINCENT né(e) ACHOUR Suzanne"),
    ("lefebvre helene", "MARTIN né(e) LEFÈVRE Hélène"),
    ("helene lefebvre", "MARTIN né(e) LEFÈVRE Hélène"),
    ("dupond jean", "DUPONT Jean"),
    ("acour suzanne", "VINCENT né(e) ACHOUR Suzanne"),
    ("girard mathieu", "GIRARD Matthieu"),
])
def test_a_name_typed_by_ear_finds_the_patient(read_people, typed, first):
    assert search(read_people, typed)[0] == first


@pytest.mark.parametrize("typed, found", [
    # Exact prefixes first, even where the alphabet would put the others before them.
    ("lefevre", ["MARTIN né(e) LEFÈVRE Hélène", "LEFEBVRE Paul"]),
    ("lefebvre", ["LEFEBVRE Paul", "MARTIN né(e) LEFÈVRE Hélène"]),
    ("acour", ["ACOURT Léa", "VINCENT né(e) ACHOUR Suzanne"]),
    # Then the names that sound alike; names one letter off (DUMOND: p for m) only when
    # none sounds alike, as for a typo.
    ("dupond", ["DUPONT Jean"]),
    ("dupont", ["DUPONT Jean"]),  # DUMOND is two letters off
    # Every word must match, exactly, by sound or one letter off.
    ("lefebvre paul", ["LEFEBVRE Paul"]),
    ("lefevre paul", ["LEFEBVRE Paul"]),
    ("dupond luc", ["DUMOND Luc"]),
    ("dupond marc", []),
    # Nothing close: nothing found.
    ("zorglub", []),
    ("lefebvre 1958", []),
])
def test_ranking_exact_then_sound_or_one_letter_off(read_people, typed, found):
    assert search(read_people, typed) == found


def test_sound_and_typo_matches_fill_only_what_the_page_leaves(read_people):
    assert search(read_people, "lefevre", limit=1) == ["MARTIN né(e) LEFÈVRE Hélène"]
    assert search(read_people, "dupond", limit=1) == ["DUPONT Jean"]
    assert search(read_people, "acour", limit=1) == ["ACOURT Léa"]


@pytest.mark.parametrize("typed", ["lo", "le", "lot7", "a", "06 lefebvre", "lefebvre*",
                                   '"lefevre"', "lefevre OR", "NEAR(lefevre"])
def test_short_words_codes_and_odd_input_never_break_it(read_people, typed):
    read_people.patients.search(typed)  # no FTS5 syntax error


def test_codes_are_not_one_letter_off_names(workspace):
    workspace.patients.create_many([PatientInput(birth_name=f"Lot{i}", first_names="Paul")
                                    for i in range(3)])
    assert search(workspace, "lot1") == ["LOT1 Paul"]


def test_a_rename_is_found_by_ear_and_the_old_name_no_longer(people):
    ws = people
    (paul,) = ws.patients.search("paul")
    card = ws.patients.get(paul.id)
    assert search(ws, "durant") == []
    ws.patients.update(card.id, PatientInput(birth_name="Durand", first_names="Paul"),
                       expected_version=card.version)
    assert search(ws, "durant") == ["DURAND Paul"]        # a name new to the practice
    assert search(ws, "duran paul") == ["DURAND Paul"]
    assert search(ws, "lefevre paul") == []               # its old name, by ear
    assert search(ws, "lefevre") == ["MARTIN né(e) LEFÈVRE Hélène"]


def test_an_imported_name_is_found_by_ear(workspace):
    workspace.patients.create_many([PatientInput(birth_name="Bouchez", first_names="Anaïs"),
                                    PatientInput(birth_name="Nguyen", first_names="Thi")])
    assert search(workspace, "boucher") == ["BOUCHEZ Anaïs"]
    assert search(workspace, "nuyen") == ["NGUYEN Thi"]


def test_a_removed_patient_is_not_found_by_ear(people, clock):
    ws = people
    (paul,) = ws.patients.search("lefebvre paul")
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.session.get(Patient, paul.id).deleted_at = clock.now()
    assert search(ws, "lefevre") == ["MARTIN né(e) LEFÈVRE Hélène"]
    assert search(ws, "lefebvre paul") == []


def test_a_number_start_shared_by_more_than_a_page_lists_them_by_number(people):
    """When the page cannot hold every number starting so (a local area code, the first
    pairs of a mobile), they come in the order of the digits still to come, from the
    phone index, instead of sorting thousands of names; numbers ending with the four
    digits typed come first, as they are few."""
    ws = people
    # All of them fit: alphabetical order, as for every search.
    assert search(ws, "+33 6 55") == ["MARTIN né(e) LEFÈVRE Hélène", "VINCENT né(e) ACHOUR Suzanne"]
    # One place only: 06 55 02… comes before 06 55 81…
    assert search(ws, "+33 6 55", limit=1) == ["VINCENT né(e) ACHOUR Suzanne"]
    # The number ending with 0655 first, then those starting so, in number order.
    assert search(ws, "06 55", limit=1) == ["LEFEBVRE Paul"]
    assert search(ws, "0655", limit=1) == ["LEFEBVRE Paul"]
    # A second card on the same number, a removed card, a replaced number: each card
    # once, removed ones and old numbers never.
    ws.patients.create(PatientInput(birth_name="Achour", first_names="Karim",
                                    phones=[PhoneEntry("06 55 02 13 47"),
                                            PhoneEntry("06 55 02 13 48")]))
    (helene,) = ws.patients.search("helene")
    card = ws.patients.get(helene.id)
    ws.patients.update(card.id, PatientInput(birth_name="Lefèvre", used_name="Martin",
                                             first_names="Hélène",
                                             phones=[PhoneEntry("06 99 81 00 00")]),
                       expected_version=card.version)
    # 06 55 02 13 47 (both cards, the older first), then 06 55 02 13 48 (the same card).
    assert search(ws, "+33 6 55", limit=2) == ["VINCENT né(e) ACHOUR Suzanne", "ACHOUR Karim"]
    assert search(ws, "+33 6 55") == ["ACHOUR Karim", "VINCENT né(e) ACHOUR Suzanne"]


def test_a_name_of_the_practice_typed_is_no_typo(people):
    people.patients.create(PatientInput(birth_name="Marel", first_names="Anne"))
    # MOREL and MAREL are one letter apart, yet each is a name the practice knows.
    assert search(people, "morel") == ["MOREL Philippe"]
    assert search(people, "marel") == ["MAREL Anne"]
    assert search(people, "murel") == ["MAREL Anne", "MOREL Philippe"]


def test_a_card_holding_many_numbers_that_start_alike_is_listed_once(people):
    people.patients.create(PatientInput(
        birth_name="Standard", first_names="Maison de santé",
        phones=[PhoneEntry(f"06 55 00 00 {i:02d}") for i in range(12)]))
    # 06 55 00… (twelve numbers of one card) before 06 55 02… and 06 55 81…
    assert search(people, "+33 6 55", limit=2) == ["STANDARD Maison de santé",
                                                   "VINCENT né(e) ACHOUR Suzanne"]


def test_a_removed_card_does_not_count_among_the_numbers_starting_alike(people, clock):
    gone = people.patients.create(PatientInput(birth_name="Ancien", first_names="Paul",
                                               phones=[PhoneEntry("06 55 00 00 00")]))
    with people.store.unit_of_work(actor_id=people.user_id) as uow:
        uow.session.get(Patient, gone.id).deleted_at = clock.now()
    # Two live cards for two places: all of them, in alphabetical order.
    assert search(people, "+33 6 55", limit=2) == ["MARTIN né(e) LEFÈVRE Hélène",
                                                   "VINCENT né(e) ACHOUR Suzanne"]
