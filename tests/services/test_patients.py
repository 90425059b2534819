"""PatientService on a real encrypted practice: validation, writes, optimistic locking, search."""

from __future__ import annotations

import json
from datetime import date, time

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal, Patient, PatientPhone
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.patients import PatientInput, PhoneEntry, parse_time_of_day
from tests.conftest import shared_practice

# -- helpers ----------------------------------------------------------------------


def counts(store) -> tuple[int, int, int]:
    with store.reader() as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (Patient, ChangeJournal, AuditEntry))


def last_seqs(store) -> tuple[int, int]:
    with store.reader() as s:
        return (s.execute(select(func.max(ChangeJournal.seq))).scalar() or 0,
                s.execute(select(func.max(AuditEntry.seq))).scalar() or 0)


def journal_after(store, seq):
    with store.reader() as s:
        return list(s.execute(select(ChangeJournal).where(ChangeJournal.seq > seq)
                              .order_by(ChangeJournal.seq)).scalars())


def audit_after(store, seq):
    with store.reader() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.seq > seq)
                              .order_by(AuditEntry.seq)).scalars())


def tombstone(ws, patient_id, clock):
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.session.get(Patient, patient_id).deleted_at = clock.now()


def names(results) -> list[str]:
    return [r.display_name for r in results]


# -- validation -------------------------------------------------------------------


def valid(**over) -> PatientInput:
    base = dict(birth_name="Dupont", first_names="Jean")
    base.update(over)
    return PatientInput(**base)


@pytest.mark.parametrize("field, data, words", [
    ("birth_name", valid(birth_name="  "), ("nom de naissance",)),
    ("birth_name", valid(birth_name="-'"), ("nom de naissance",)),
    ("first_names", valid(first_names=""), ("prénom",)),
    ("birth_date", valid(birth_date="31/02/1990"), ("n'existe pas", "n’existe pas")),
    ("birth_date", valid(birth_date="1990"), ("jj/mm/aaaa",)),
    ("birth_date", valid(birth_date="17/03/2026"), ("futur", "avenir")),
    ("birth_date", valid(birth_date=date(2027, 1, 1)), ("futur", "avenir")),
    ("birth_date", valid(birth_date="01/01/1890"), ("130",)),
    ("email", valid(email="jean.dupont@"), ("e-mail", "courriel", "adresse")),
    ("email", valid(email="jean dupont@example.fr"), ("e-mail", "courriel", "adresse")),
    ("postal_code", valid(postal_code="7500"), ("code postal",)),
    ("postal_code", valid(postal_code="75 001"), ("code postal",)),
    ("phone1", valid(phones=[PhoneEntry("06 12 34 56 78"), PhoneEntry("06 12")]),
     ("téléphone", "numéro")),
])
def test_each_field_is_validated_in_french(workspace, french_message, field, data, words):
    before = counts(workspace.store)
    with pytest.raises(ValidationError) as info:
        workspace.patients.create(data)
    assert set(info.value.errors) == {field}
    french_message(lambda: _message_for(workspace, data, field), *words)
    assert counts(workspace.store) == before


def _message_for(ws, data, field) -> str:
    try:
        ws.patients.validate(data)
    except ValidationError as exc:
        return exc.errors[field]
    raise AssertionError("validation passed")


def test_every_problem_is_reported_at_once(workspace):
    with pytest.raises(ValidationError) as info:
        workspace.patients.create(PatientInput(
            birth_name="", first_names="", birth_date="99/99/9999", email="x",
            postal_code="abc", phones=[PhoneEntry("1"), PhoneEntry(""), PhoneEntry("2")]))
    assert set(info.value.errors) == {"birth_name", "first_names", "birth_date", "email",
                                      "postal_code", "phone0", "phone2"}


def test_values_are_cleaned(workspace):
    p = workspace.patients.create(PatientInput(
        birth_name="  de   la Tour ", first_names=" Anne  Marie ", used_name="",
        civility="xx", sex="?", email=" anne@example.fr ", postal_code=" 69003 ",
        birth_date=" 01/02/1980 ", phones=[PhoneEntry(" 06 11 22 33 44 ", kind="weird"),
                                           PhoneEntry("  ")]))
    assert (p.birth_name, p.first_names, p.civility, p.sex, p.email, p.postal_code) == \
        ("de la Tour", "Anne Marie", "", "", "anne@example.fr", "69003")
    assert p.birth_date == date(1980, 2, 1)
    assert [(ph.kind, ph.raw, ph.e164) for ph in p.phones] == \
        [("other", "06 11 22 33 44", "+33611223344")]
    assert p.display_name == "DE LA TOUR Anne Marie"


# -- create, get, update ------------------------------------------------------------


def test_create_then_get_round_trip(workspace):
    created = workspace.patients.create(PatientInput(
        birth_name="Dupont", used_name="Martin", first_names="Jeanne", civility="mme",
        birth_date="12/03/1958", sex="F", email="jeanne@example.fr",
        address_line="3 rue des Lilas", postal_code="69003", city="Lyon",
        referring_doctor="Dr Morel", admin_note="Préfère le matin", reminder_consent=True,
        phones=[PhoneEntry("06 12 34 56 78"), PhoneEntry("04 78 12 34 56", kind="home")]))
    got = workspace.patients.get(created.id)
    assert got == created
    assert got.display_name == "MARTIN née DUPONT Jeanne"
    assert [p.display for p in got.phones] == ["06 12 34 56 78", "04 78 12 34 56"]
    assert got.reminder_consent is True and got.birth_date == date(1958, 3, 12)
    assert workspace.patients.count() == 1


def test_create_journals_and_audits_each_row(workspace):
    store = workspace.store
    j0, a0 = last_seqs(store)
    p = workspace.patients.create(valid(phones=[PhoneEntry("06 12 34 56 78"),
                                                PhoneEntry("07 61 22 33 44")]))
    journal = journal_after(store, j0)
    assert [(e.entity, e.op) for e in journal] == [("patient", "insert"),
                                                  ("patient_phone", "insert"),
                                                  ("patient_phone", "insert")]
    assert journal[0].entity_id == p.id
    audit = audit_after(store, a0)
    assert [(a.action, a.entity) for a in audit] == [("create", "patient"),
                                                    ("create", "patient_phone"),
                                                    ("create", "patient_phone")]
    assert all(a.user_id == workspace.user_id for a in audit)


def test_get_writes_a_read_audit_entry(workspace):
    p = workspace.patients.create(valid())
    j0, a0 = last_seqs(workspace.store)
    workspace.patients.get(p.id)
    (entry,) = audit_after(workspace.store, a0)
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == \
        ("read", "patient", p.id, workspace.user_id)
    assert journal_after(workspace.store, j0) == []  # a read changes no row


def test_update_with_the_current_version(workspace, clock):
    p = workspace.patients.create(valid(city="Lyon"))
    clock.advance(minutes=1)
    j0, _ = last_seqs(workspace.store)
    q = workspace.patients.update(p.id, valid(city="Villeurbanne"), expected_version=p.version)
    assert q.version > p.version and q.city == "Villeurbanne"
    (entry,) = journal_after(workspace.store, j0)
    assert json.loads(entry.payload) == {"city": "Villeurbanne",
                                         "updated_at": clock.now().isoformat()}
    assert workspace.patients.get(p.id).city == "Villeurbanne"


def test_update_with_a_stale_version_is_a_concurrent_edit(workspace, french_message):
    p = workspace.patients.create(valid(city="Lyon"))
    q = workspace.patients.update(p.id, valid(city="Bron"), expected_version=p.version)
    before = counts(workspace.store)
    with pytest.raises(ConcurrentEdit) as info:
        workspace.patients.update(p.id, valid(city="Écully"), expected_version=p.version)
    assert counts(workspace.store) == before
    assert workspace.patients.get(p.id).city == "Bron"
    french_message(lambda: info.value.user_message, "modifiée", "modifié")
    # The version given back by the last save is the one to use next.
    r = workspace.patients.update(p.id, valid(city="Écully"), expected_version=q.version)
    assert r.city == "Écully"


def test_update_of_a_missing_or_deleted_patient(workspace, clock):
    with pytest.raises(NotFound):
        workspace.patients.update("no-such-id", valid(), expected_version=1)
    p = workspace.patients.create(valid())
    tombstone(workspace, p.id, clock)
    with pytest.raises(NotFound):
        workspace.patients.update(p.id, valid(), expected_version=p.version)
    with pytest.raises(NotFound):
        workspace.patients.get(p.id)


def test_saving_an_unchanged_card_writes_nothing(workspace):
    data = valid(phones=[PhoneEntry("06 12 34 56 78")], birth_date="12/03/1958")
    p = workspace.patients.create(data)
    before = counts(workspace.store)
    q = workspace.patients.update(p.id, data, expected_version=p.version)
    assert counts(workspace.store) == before
    assert q.version == p.version


def test_replacing_phones_journals_only_the_changed_rows(workspace):
    store = workspace.store
    a, b, c = "06 12 34 56 78", "04 78 12 34 56", "07 61 22 33 44"
    p = workspace.patients.create(valid(phones=[PhoneEntry(a), PhoneEntry(b, "home")]))
    with store.reader() as s:
        rows = {r.raw: r.id for r in s.execute(select(PatientPhone)).scalars()}

    j0, _ = last_seqs(store)
    p = workspace.patients.update(p.id, valid(phones=[PhoneEntry(a), PhoneEntry(c)]),
                                  expected_version=p.version)
    journal = journal_after(store, j0)
    assert [(e.entity, e.op, e.entity_id) for e in journal] == \
        [("patient_phone", "update", rows[b])]
    assert set(json.loads(journal[0].payload)) == {"kind", "raw", "e164", "updated_at"}

    j0, _ = last_seqs(store)
    p = workspace.patients.update(p.id, valid(phones=[PhoneEntry(a)]), expected_version=p.version)
    journal = journal_after(store, j0)
    assert [(e.entity, e.op, e.entity_id) for e in journal] == \
        [("patient_phone", "delete", rows[b])]
    assert [ph.raw for ph in p.phones] == [a]

    j0, _ = last_seqs(store)
    p = workspace.patients.update(p.id, valid(phones=[PhoneEntry(a), PhoneEntry(b)]),
                                  expected_version=p.version)
    journal = journal_after(store, j0)
    assert [(e.entity, e.op) for e in journal] == [("patient_phone", "insert")]
    assert journal[0].entity_id not in rows.values()
    assert [ph.raw for ph in workspace.patients.get(p.id).phones] == [a, b]


def test_create_many(workspace):
    store = workspace.store
    j0, a0 = last_seqs(store)
    n = workspace.patients.create_many([
        PatientInput(birth_name=f"Lot{i}", first_names="Paul", birth_date="01/01/1990",
                     phones=[PhoneEntry(f"06 00 00 00 {i:02d}")]) for i in range(20)])
    assert n == 20 and workspace.patients.count() == 20
    journal = journal_after(store, j0)
    assert len(journal) == 40 and len(audit_after(store, a0)) == 40
    assert len({e.version for e in journal}) == 40
    assert names(workspace.patients.search("lot7")) == ["LOT7 Paul"]
    assert names(workspace.patients.search("06 00 00 00 13")) == ["LOT13 Paul"]
    with store.reader() as s:
        from app.storage.audit import verify_chain

        assert verify_chain(s).ok


def test_create_many_is_all_or_nothing(workspace):
    before = counts(workspace.store)
    with pytest.raises(ValidationError):
        workspace.patients.create_many([valid(), valid(birth_name="")])
    assert counts(workspace.store) == before


# -- search ---------------------------------------------------------------------------

SAMPLE = [
    # birth name, used name, first names, birth date, phone
    ("Dupont", "", "Jean-Éric", "12/03/1958", "06 12 34 56 78"),
    ("Dupuis", "", "Marc", "05/06/1970", "06 44 55 66 77"),
    ("Lefèvre", "Martin", "Hélène", "01/07/1975", "04 78 12 34 56"),
    ("Martin", "", "Zoé", "23/11/2015", "07 61 22 33 44"),
    ("Martinez", "", "Adèle", "14/02/1988", "06 98 76 54 32"),
    ("Abadie", "", "Martin", "30/09/1962", "06 11 11 11 11"),
    ("N'Diaye", "", "Awa", "05/05/1990", "06 22 22 22 22"),
]


def add_people(ws) -> dict[str, str]:
    ids = {}
    for birth, used, first, dob, phone in SAMPLE:
        p = ws.patients.create(PatientInput(birth_name=birth, used_name=used,
                                            first_names=first, birth_date=dob,
                                            phones=[PhoneEntry(phone)], city="Lyon"))
        ids[birth] = p.id
    return ids


@pytest.fixture
def people(workspace):
    return add_people(workspace)


@pytest.fixture(scope="module")
def people_ws(tmp_path_factory):
    """SAMPLE in a practice shared by the module's tests that only search it."""
    ws = shared_practice(tmp_path_factory, "people")
    add_people(ws)
    yield ws
    ws.close()


def search(ws, q):
    return names(ws.patients.search(q))


@pytest.mark.parametrize("typed", ["dupont", "DUPONT", "dupônt", "Dupont", "dupon", "DÜPONT"])
def test_search_ignores_case_and_accents(people_ws, typed):
    assert search(people_ws, typed) == ["DUPONT Jean-Éric"]


def test_search_finds_accented_names_from_plain_letters(workspace, people):
    assert search(workspace, "lefevre") == ["MARTIN né(e) LEFÈVRE Hélène"]
    assert search(workspace, "LEFÈVRE helene") == ["MARTIN né(e) LEFÈVRE Hélène"]
    assert search(workspace, "adele") == ["MARTINEZ Adèle"]
    assert search(workspace, "n'diaye") == ["N'DIAYE Awa"]
    assert search(workspace, "diaye") == ["N'DIAYE Awa"]


def test_search_by_prefixes_of_several_words(workspace, people):
    assert search(workspace, "dup jea") == ["DUPONT Jean-Éric"]
    assert search(workspace, "jea dup") == ["DUPONT Jean-Éric"]
    assert search(workspace, "dup") == ["DUPONT Jean-Éric", "DUPUIS Marc"]
    assert search(workspace, "eric") == ["DUPONT Jean-Éric"]
    assert search(workspace, "dup marc") == ["DUPUIS Marc"]
    assert search(workspace, "dupont marc") == []


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "0612345678", "06.12.34.56.78",
                                   "+33 6 12 34 56 78", "+33612345678", "0033612345678",
                                   "+33 (0)6 12 34 56 78", "06 12 34", "061234", "5678"])
def test_search_by_phone(people_ws, typed):
    assert search(people_ws, typed) == ["DUPONT Jean-Éric"]


@pytest.mark.parametrize("typed", ["+44 20 7946 0958", "0044 20 7946 0958", "4420794",
                                   "0958"])
def test_search_by_a_foreign_phone(workspace, typed):
    workspace.patients.create(PatientInput(birth_name="Smith", first_names="Jane",
                                           phones=[PhoneEntry("+44 20 7946 0958")]))
    assert search(workspace, typed) == ["SMITH Jane"]


@pytest.mark.parametrize("typed", ["0590 12 34 56", "0590123456", "+590 590 12 34 56",
                                   "00590590123456", "059012", "3456"])
def test_search_by_an_overseas_phone(workspace, typed):
    workspace.patients.create(PatientInput(birth_name="Jean-Louis", first_names="Maryse",
                                           phones=[PhoneEntry("0590 12 34 56")]))
    assert search(workspace, typed) == ["JEAN-LOUIS Maryse"]


def test_search_by_the_start_of_a_number_or_its_last_digits(workspace, people):
    assert sorted(search(workspace, "0611")) == ["ABADIE Martin"]
    assert search(workspace, "3344") == ["MARTIN Zoé"]
    assert search(workspace, "07 61") == ["MARTIN Zoé"]  # dictated in pairs
    assert search(workspace, "07") == []  # one pair alone says too little


def test_search_by_birth_date_and_year(workspace, people):
    assert search(workspace, "12/03/1958") == ["DUPONT Jean-Éric"]
    assert search(workspace, "12.03.1958") == ["DUPONT Jean-Éric"]
    assert search(workspace, "1958-03-12") == ["DUPONT Jean-Éric"]
    assert search(workspace, "1958") == ["DUPONT Jean-Éric"]
    assert search(workspace, "dupont 1958") == ["DUPONT Jean-Éric"]
    assert search(workspace, "dupuis 1958") == []
    assert search(workspace, "13/03/1958") == []


def test_exact_surname_is_ranked_first(workspace, people):
    # Alphabetically "ABADIE Martin" comes first; names in use starting with "martin"
    # rank first (the exact surname before MARTINEZ), then other matches (here a first
    # name) alphabetically.
    assert search(workspace, "martin") == [
        "MARTIN né(e) LEFÈVRE Hélène", "MARTIN Zoé", "MARTINEZ Adèle", "ABADIE Martin"]
    assert search(workspace, "martinez") == ["MARTINEZ Adèle"]


def test_search_by_used_and_birth_name(workspace, people):
    assert "MARTIN né(e) LEFÈVRE Hélène" in search(workspace, "martin hel")
    assert search(workspace, "lefevre martin") == ["MARTIN né(e) LEFÈVRE Hélène"]


def test_tombstoned_patients_are_not_found(workspace, people, clock):
    tombstone(workspace, people["Dupont"], clock)
    assert search(workspace, "dupont") == []
    assert search(workspace, "06 12 34 56 78") == []
    assert "DUPONT Jean-Éric" not in search(workspace, "")
    assert workspace.patients.count() == len(SAMPLE) - 1


def test_search_follows_an_update(workspace, people):
    p = workspace.patients.get(people["Dupuis"])
    workspace.patients.update(p.id, PatientInput(birth_name="Durand", first_names="Marc",
                                                 phones=[PhoneEntry("06 55 55 55 55")]),
                              expected_version=p.version)
    assert search(workspace, "dupuis") == []
    assert search(workspace, "06 44 55 66 77") == []
    assert search(workspace, "durand") == ["DURAND Marc"]
    assert search(workspace, "0655") == ["DURAND Marc"]
    assert search(workspace, "1970") == []  # the birth date was removed


def test_empty_query_lists_alphabetically_with_a_limit(workspace, people):
    listed = workspace.patients.search("")
    assert names(listed) == ["ABADIE Martin", "DUPONT Jean-Éric", "DUPUIS Marc",
                             "MARTIN né(e) LEFÈVRE Hélène", "MARTIN Zoé", "MARTINEZ Adèle",
                             "N'DIAYE Awa"]
    assert len(workspace.patients.search("", limit=3)) == 3
    assert len(workspace.patients.search("m", limit=2)) == 2


def test_summaries_carry_date_phone_and_city(workspace, people):
    (s,) = workspace.patients.search("dupont")
    assert (s.id, s.birth_date, s.phone, s.city) == \
        (people["Dupont"], date(1958, 3, 12), "06 12 34 56 78", "Lyon")


@pytest.mark.parametrize("typed", ['du"pont', "dupont*", "NEAR(dupont", "a:b", "^dupont",
                                   "dupont OR", "AND", "_p06", "col:x", "*", "'", "12",
                                   "31/02/1958", "))((", "dupont -marc"])
def test_odd_input_never_breaks_search(people_ws, typed):
    people_ws.patients.search(typed)  # no FTS5 syntax error


def test_search_does_not_audit_or_write(workspace, people):
    before = counts(workspace.store)
    workspace.patients.search("dupont")
    workspace.patients.search("")
    assert counts(workspace.store) == before


@pytest.mark.parametrize("typed, expected", [
    ("9", time(9, 0)), ("9h", time(9, 0)), ("09:30", time(9, 30)), ("9h30", time(9, 30)),
    ("18.45", time(18, 45)), ("", None), ("  ", None),
])
def test_call_window_times_are_read_as_typed(typed, expected):
    assert parse_time_of_day(typed) == expected


@pytest.mark.parametrize("typed", ["25h", "9:75", "midi", "9:5"])
def test_call_window_nonsense_is_refused(typed):
    with pytest.raises(ValueError):
        parse_time_of_day(typed)


def test_contact_preferences_round_trip_and_are_checked(workspace, french_message):
    p = workspace.patients.create(valid(
        preferred_channel="email", call_not_before="8h30", call_not_after="12:00",
        email_other="autre@example.fr", alert="  Interprète   nécessaire "))
    got = workspace.patients.get(p.id)
    assert (got.preferred_channel, got.call_not_before, got.call_not_after) == (
        "email", time(8, 30), time(12, 0))
    assert got.alert == "Interprète nécessaire" and got.email_other == "autre@example.fr"
    wrong = valid(call_not_before="18:00", call_not_after="9:00", email_other="pas une adresse",
                  preferred_channel="fax")
    with pytest.raises(ValidationError) as info:
        workspace.patients.create(wrong)
    assert set(info.value.errors) == {"call_not_after", "email_other"}

    def message() -> str:  # rendered again in each language
        with pytest.raises(ValidationError) as again:
            workspace.patients.validate(wrong)
        return again.value.errors["call_not_after"]

    french_message(message, "appeler", "heure")


def test_a_referring_doctor_must_be_in_the_directory(workspace):
    with pytest.raises(ValidationError) as info:
        workspace.patients.create(valid(referring_contact_id="no-such-contact"))
    assert set(info.value.errors) == {"referring_contact_id"}


def test_homonym_key_ignores_accents_case_and_used_name(workspace):
    a = workspace.patients.create(valid(birth_name="Lefèvre", first_names="Hélène Marie",
                                        birth_date="01/07/1975"))
    b = workspace.patients.create(valid(birth_name="LEFEVRE", used_name="Martin",
                                        first_names="helene", birth_date="1/7/1975"))
    with workspace.store.reader() as s:
        keys = {s.get(Patient, a.id).identity_key, s.get(Patient, b.id).identity_key}
    assert keys == {"lefevre|helene|1975-07-01"}
