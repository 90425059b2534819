"""DirectoryService on a real encrypted practice: validation, writes, locking, search."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from app.models import AuditEntry, ChangeJournal, Contact, ContactCategory
from app.services.directory import ContactInput, category_label, categories
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.services.patients import PatientInput
from tests.conftest import shared_practice

# -- helpers ----------------------------------------------------------------------


def counts(store) -> tuple[int, int, int]:
    with store.reader() as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (Contact, ChangeJournal, AuditEntry))


def journal_for(store, entity_id):
    with store.reader() as s:
        return list(s.execute(select(ChangeJournal).where(ChangeJournal.entity_id == entity_id)
                              .order_by(ChangeJournal.seq)).scalars())


def names(results) -> list[str]:
    return [r.display_name for r in results]


def valid(**over) -> ContactInput:
    base = dict(name="Martin", first_name="Sophie", title="Dr", category="gp")
    base.update(over)
    return ContactInput(**base)


# -- validation -------------------------------------------------------------------


def _message(workspace, data, field) -> str:
    try:
        workspace.directory.validate(valid(**data))
    except ValidationError as exc:
        assert set(exc.errors) == {field}
        return exc.errors[field]
    raise AssertionError("no validation error")


# Messages shared with the patient card: already in the French catalogue.
@pytest.mark.parametrize("field, data, words", [
    ("phone", dict(phone="02 47 12"), ["02 47 12"]),
    ("phone2", dict(phone2="abc"), ["abc"]),
    ("fax", dict(fax="0247"), ["0247"]),
    ("email", dict(email="labo@"), ["adresse", "e-mail", "courriel"]),
    ("mssante", dict(mssante="dr martin@medecin.mssante.fr"), ["adresse", "e-mail", "courriel"]),
    ("postal_code", dict(postal_code="3730"), ["cinq", "5"]),
])
def test_each_field_is_validated_in_french(workspace, french_message, field, data, words):
    french_message(lambda: _message(workspace, data, field), *words)


# Messages of the directory only (their French comes with the next catalogue update).
@pytest.mark.parametrize("field, data, words", [
    ("name", dict(name="  "), "name is required"),
    ("name", dict(name="-- '"), "name is required"),
    ("name", dict(name="x" * 201), "200"),
    ("category", dict(category="plumber"), "category"),
    ("mssante", dict(mssante="s.martin@gmail.com"), ".mssante.fr"),
])
def test_directory_fields_are_validated(workspace, field, data, words):
    from app import i18n

    i18n.set_language("en")
    assert words in _message(workspace, data, field)


def test_every_problem_is_reported_at_once_and_nothing_is_written(workspace):
    before = counts(workspace.store)
    with pytest.raises(ValidationError) as caught:
        workspace.directory.create(ContactInput(name="", phone="12", fax="x", email="a@b",
                                                mssante="nope", postal_code="1"))
    assert set(caught.value.errors) == {"name", "phone", "fax", "email", "mssante",
                                        "postal_code"}
    assert counts(workspace.store) == before


def test_values_are_cleaned_and_phones_kept_as_typed_and_normalised(workspace):
    c = workspace.directory.create(ContactInput(
        name="  Bio   Loire ", category="lab", phone=" 02.47.12.34.56 ", phone2="+33 6 12 34 56 78",
        fax="0033247654321", mssante=" labo@bioloire.mssante.fr ", postal_code=" 37300 ",
        city=" Joué-lès-Tours  ", note="  Résultats par MSSanté \n"))
    assert (c.name, c.city, c.postal_code, c.note) == ("Bio Loire", "Joué-lès-Tours", "37300",
                                                       "Résultats par MSSanté")
    assert (c.phone, c.phone_e164, c.phone_display) == ("02.47.12.34.56", "+33247123456",
                                                        "02 47 12 34 56")
    assert (c.phone2_e164, c.phone2_display) == ("+33612345678", "06 12 34 56 78")
    assert (c.fax, c.fax_e164, c.fax_display) == ("0033247654321", "+33247654321",
                                                  "02 47 65 43 21")
    assert c.mssante == "labo@bioloire.mssante.fr"
    assert c.display_name == "Bio Loire"


def test_overseas_numbers_are_read_and_shown_as_dialled_in_france(workspace):
    c = workspace.directory.create(ContactInput(
        name="Laboratoire Sainte-Clotilde", category="lab", phone="0262 16 12 34",
        phone2="0692.45.67.89", fax="0596 30 12 34"))
    assert (c.phone_e164, c.phone_display) == ("+262262161234", "0262 16 12 34")
    assert (c.phone2_e164, c.phone2_display) == ("+262692456789", "0692 45 67 89")
    assert (c.fax_e164, c.fax_display) == ("+596596301234", "0596 30 12 34")
    (s,) = workspace.directory.search("0262 16")
    assert s.phone == "0262 16 12 34"


def test_an_empty_category_is_other_and_every_category_has_a_label(workspace):
    c = workspace.directory.create(ContactInput(name="Mairie de Joué", category=""))
    assert c.category == ContactCategory.OTHER.value
    from app import i18n

    i18n.set_language("en")
    assert category_label("lab") == "Laboratory"
    assert category_label("gp") == "General practitioner"
    assert category_label("unknown") == "unknown"
    assert [v for v, _label in categories()] == [c.value for c in ContactCategory]
    assert len({label for _v, label in categories()}) == len(ContactCategory)


# -- writes -------------------------------------------------------------------------


def test_create_then_get_round_trip_journal_and_audit(workspace):
    c = workspace.directory.create(valid(specialty="Médecine générale", organisation="MSP du Cher",
                                         email="s.martin@orange.fr", address_line="3 rue Pasteur"))
    got = workspace.directory.get(c.id)
    assert got == c
    assert got.display_name == "Dr MARTIN Sophie"
    (entry,) = journal_for(workspace.store, c.id)
    assert entry.entity == "contact" and entry.op == "insert"
    assert json.loads(entry.payload)["organisation"] == "MSP du Cher"
    with workspace.store.reader() as s:
        actions = s.execute(select(AuditEntry.action).where(AuditEntry.entity_id == c.id)).all()
    assert [a for (a,) in actions] == ["create"]  # opening the card is not audited


def test_update_with_the_current_version(workspace):
    c = workspace.directory.create(valid())
    updated = workspace.directory.update(c.id, valid(first_name="Sophie-Anne", city="Tours"),
                                         expected_version=c.version)
    assert updated.version > c.version
    assert workspace.directory.get(c.id).city == "Tours"
    ops = [(e.op, sorted(json.loads(e.payload))) for e in journal_for(workspace.store, c.id)]
    assert ops[1] == ("update", ["city", "first_name", "sort_key", "updated_at"])


def test_update_with_a_stale_version_is_a_concurrent_edit(workspace, french_message):
    c = workspace.directory.create(valid())
    workspace.directory.update(c.id, valid(city="Tours"), expected_version=c.version)
    with pytest.raises(ConcurrentEdit) as caught:
        workspace.directory.update(c.id, valid(city="Blois"), expected_version=c.version)
    french_message(lambda: caught.value.user_message, "modifi")
    assert workspace.directory.get(c.id).city == "Tours"


def test_saving_an_unchanged_card_writes_nothing(workspace):
    c = workspace.directory.create(valid(phone="02 47 12 34 56"))
    before = counts(workspace.store)
    again = workspace.directory.update(c.id, valid(phone="02 47 12 34 56"),
                                       expected_version=c.version)
    assert again.version == c.version
    assert counts(workspace.store) == before


def test_update_or_delete_of_a_missing_or_deleted_contact(workspace):
    with pytest.raises(NotFound):
        workspace.directory.update("nope", valid(), expected_version=1)
    c = workspace.directory.create(valid())
    workspace.directory.delete(c.id)
    for call in (lambda: workspace.directory.get(c.id),
                 lambda: workspace.directory.delete(c.id),
                 lambda: workspace.directory.update(c.id, valid(), expected_version=c.version)):
        with pytest.raises(NotFound):
            call()


def test_delete_is_a_journaled_tombstone_and_leaves_the_search(workspace):
    c = workspace.directory.create(valid(phone="02 47 12 34 56"))
    assert names(workspace.directory.search("martin")) == ["Dr MARTIN Sophie"]
    workspace.directory.delete(c.id)
    with workspace.store.reader() as s:
        row = s.get(Contact, c.id)
        indexed = s.execute(text("SELECT count(*) FROM contact_search WHERE contact_search "
                                 "MATCH 'martin'")).scalar_one()
    assert row is not None and row.deleted_at is not None  # never hard-deleted
    assert indexed == 0
    assert [e.op for e in journal_for(workspace.store, c.id)] == ["insert", "delete"]
    assert workspace.directory.search("martin") == []
    assert workspace.directory.search("0247123456") == []
    assert workspace.directory.search("") == []
    assert workspace.directory.count() == 0


def test_delete_with_a_stale_version_is_refused(workspace):
    c = workspace.directory.create(valid())
    workspace.directory.update(c.id, valid(city="Tours"), expected_version=c.version)
    with pytest.raises(ConcurrentEdit):
        workspace.directory.delete(c.id, expected_version=c.version)
    assert workspace.directory.count() == 1


def test_a_referring_doctor_may_be_deleted_and_shows_as_removed(workspace):
    gp = workspace.directory.create(valid())
    patient = workspace.patients.create(PatientInput(birth_name="Durand", first_names="Paul",
                                                     referring_contact_id=gp.id))
    assert workspace.directory.referring_patients(gp.id) == 1
    ref = workspace.directory.reference(gp.id)
    assert (ref.display_name, ref.removed) == ("Dr MARTIN Sophie", False)

    workspace.directory.delete(gp.id)

    ref = workspace.directory.reference(gp.id)
    assert (ref.id, ref.display_name, ref.removed) == (gp.id, "Dr MARTIN Sophie", True)
    kept = workspace.patients.get(patient.id)
    assert kept.referring_contact_id == gp.id  # the patient's file is left untouched
    # The patient card still saves with the removed link unchanged…
    workspace.patients.update(patient.id, PatientInput(birth_name="Durand", first_names="Paul",
                                                       city="Tours", referring_contact_id=gp.id),
                              expected_version=kept.version)
    # …but a removed contact cannot be chosen for another patient.
    with pytest.raises(ValidationError):
        workspace.patients.create(PatientInput(birth_name="Roy", first_names="Léa",
                                               referring_contact_id=gp.id))
    with pytest.raises(NotFound):
        workspace.directory.reference("nope")


def test_create_many_in_one_transaction(workspace):
    rows = [valid(name=f"Nom{i}", first_name="", title="", category="lab", phone=f"02 47 00 00 {i:02d}")
            for i in range(30)]
    before = counts(workspace.store)
    ids = workspace.directory.create_many(rows)
    assert len(ids) == len(set(ids)) == 30
    after = counts(workspace.store)
    assert tuple(a - b for a, b in zip(after, before)) == (30, 30, 30)
    assert workspace.directory.count(category="lab") == 30
    assert names(workspace.directory.search("nom7")) == ["Nom7"]
    assert [r.id for r in workspace.directory.search("0247000012")] == [ids[12]]
    assert workspace.directory.get(ids[3]).phone_e164 == "+33247000003"


def test_create_many_is_all_or_nothing(workspace):
    before = counts(workspace.store)
    with pytest.raises(ValidationError):
        workspace.directory.create_many([valid(), valid(phone="123")])
    assert counts(workspace.store) == before


def test_create_many_inside_a_callers_unit_of_work(workspace):
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        ids = workspace.directory.create_many([valid(name="Dubois")], uow=uow)
        assert workspace.directory.count() == 0  # not committed yet
    assert names(workspace.directory.search("dubois")) == ["Dr DUBOIS Sophie"]
    assert len(ids) == 1


# -- search ---------------------------------------------------------------------------

DIRECTORY = [
    # category, title, name, first name, organisation, specialty, phone, fax
    ("gp", "Dr", "Martin", "Sophie", "", "Médecine générale", "02 47 12 34 56", ""),
    ("specialist", "Dr", "Martinez", "Éloïse", "Clinique du Parc", "Cardiologie",
     "02 47 66 77 88", "02 47 66 77 89"),
    ("specialist", "Dr", "Abadie", "Martin", "", "Gastro-entérologie", "02 47 20 30 40", ""),
    ("lab", "", "Laboratoire Bio Loire", "", "LBM Bio Loire", "", "02 47 11 22 33",
     "02 47 11 22 34"),
    ("pharmacy", "", "Pharmacie du Centre", "", "", "", "02 47 53 00 11", ""),
    ("pharmacy", "", "Pharmacie de l'Église", "", "", "", "02 47 53 99 01", ""),
    ("nurse", "", "N'Diaye", "Awa", "Cabinet infirmier des Tanneurs", "Soins infirmiers",
     "06 44 55 66 77", ""),
    ("hospital", "", "Centre hospitalier Saint-Luc", "", "", "Urgences", "02 47 47 47 47", ""),
    ("physio", "", "Lefèvre-Durand", "Jean-Éric", "", "Masso-kinésithérapie",
     "07 61 22 33 44", ""),
]


def add_contacts(ws) -> dict[str, str]:
    ids = {}
    for cat, title, name, first, org, spec, phone, fax in DIRECTORY:
        c = ws.directory.create(ContactInput(
            category=cat, title=title, name=name, first_name=first, organisation=org,
            specialty=spec, phone=phone, fax=fax, city="Tours"))
        ids[name] = c.id
    return ids


@pytest.fixture
def contacts(workspace) -> dict[str, str]:
    return add_contacts(workspace)


@pytest.fixture(scope="module")
def directory_ws(tmp_path_factory):
    """DIRECTORY in a practice shared by the module's tests that only search it."""
    ws = shared_practice(tmp_path_factory, "directory")
    add_contacts(ws)
    yield ws
    ws.close()


def search(ws, q, **kw):
    return names(ws.directory.search(q, **kw))


@pytest.mark.parametrize("typed", ["martinez", "MARTINEZ", "martínez", "Martinè", "eloise",
                                   "ÉLOÏSE", "martinez elo", "elo mart"])
def test_search_folds_case_and_accents(directory_ws, typed):
    assert search(directory_ws, typed) == ["Dr MARTINEZ Éloïse"]


def test_search_folds_hyphens_and_apostrophes(workspace, contacts):
    assert search(workspace, "n'diaye") == ["N'DIAYE Awa"]
    assert search(workspace, "ndiaye") == ["N'DIAYE Awa"]
    assert search(workspace, "diaye") == ["N'DIAYE Awa"]
    assert search(workspace, "lefevre durand") == ["LEFÈVRE-DURAND Jean-Éric"]
    assert search(workspace, "durand") == ["LEFÈVRE-DURAND Jean-Éric"]
    assert search(workspace, "jean-eric") == ["LEFÈVRE-DURAND Jean-Éric"]
    assert search(workspace, "jeaneric") == ["LEFÈVRE-DURAND Jean-Éric"]
    assert search(workspace, "eglise") == ["Pharmacie de l'Église"]
    assert search(workspace, "saint-luc") == ["Centre hospitalier Saint-Luc"]


def test_search_by_organisation_and_specialty_prefixes(workspace, contacts):
    assert search(workspace, "cardio") == ["Dr MARTINEZ Éloïse"]
    assert search(workspace, "clinique parc") == ["Dr MARTINEZ Éloïse"]
    assert search(workspace, "gastro") == ["Dr ABADIE Martin"]
    assert search(workspace, "entero") == ["Dr ABADIE Martin"]
    assert search(workspace, "lbm") == ["Laboratoire Bio Loire"]
    assert search(workspace, "tanneurs") == ["N'DIAYE Awa"]
    assert search(workspace, "kine") == ["LEFÈVRE-DURAND Jean-Éric"]  # "Masso-kinésithérapie"
    assert search(workspace, "therapie") == []  # a prefix of a word, not a fragment inside it
    assert search(workspace, "masso") == ["LEFÈVRE-DURAND Jean-Éric"]
    assert search(workspace, "pharm") == ["Pharmacie de l'Église", "Pharmacie du Centre"]
    assert search(workspace, "tours") == []  # towns are shown, not searched


@pytest.mark.parametrize("typed", ["02 47 66 77 88", "0247667788", "02.47.66.77.88",
                                   "+33 2 47 66 77 88", "+33247667788", "0033247667788",
                                   "+33 (0)2 47 66 77 88", "02 47 66", "024766", "7788",
                                   "02 47 66 77 89", "7789"])
def test_search_by_phone_or_fax_in_any_format_or_last_four_digits(directory_ws, typed):
    assert search(directory_ws, typed) == ["Dr MARTINEZ Éloïse"]


def test_search_by_the_start_of_a_number(workspace, contacts):
    assert search(workspace, "0247 53") == ["Pharmacie de l'Église", "Pharmacie du Centre"]
    assert search(workspace, "0247 539") == ["Pharmacie de l'Église"]
    assert search(workspace, "0247530") == ["Pharmacie du Centre"]
    assert search(workspace, "0644") == ["N'DIAYE Awa"]


def test_exact_name_is_ranked_first_then_alphabetical(workspace, contacts):
    # "ABADIE Martin" is alphabetically first, but names starting with "martin" rank
    # first (the exact name before MARTINEZ), then other matches (a first name).
    assert search(workspace, "martin") == ["Dr MARTIN Sophie", "Dr MARTINEZ Éloïse",
                                           "Dr ABADIE Martin"]
    assert search(workspace, "martin so") == ["Dr MARTIN Sophie"]


def test_empty_query_lists_alphabetically_with_a_limit(workspace, contacts):
    listed = search(workspace, "")
    assert listed == ["Dr ABADIE Martin", "Centre hospitalier Saint-Luc",
                      "Laboratoire Bio Loire", "LEFÈVRE-DURAND Jean-Éric", "Dr MARTIN Sophie",
                      "Dr MARTINEZ Éloïse", "N'DIAYE Awa", "Pharmacie de l'Église",
                      "Pharmacie du Centre"]
    assert len(workspace.directory.search("", limit=3)) == 3
    assert len(workspace.directory.search("p", limit=1)) == 1
    assert workspace.directory.count() == len(DIRECTORY)


def test_category_filter(workspace, contacts):
    assert search(workspace, "", category="pharmacy") == ["Pharmacie de l'Église",
                                                          "Pharmacie du Centre"]
    assert search(workspace, "martin", category="specialist") == ["Dr MARTINEZ Éloïse",
                                                                  "Dr ABADIE Martin"]
    assert search(workspace, "martin", category="gp") == ["Dr MARTIN Sophie"]
    assert search(workspace, "mart", category="lab") == []
    assert search(workspace, "2233", category="lab") == ["Laboratoire Bio Loire"]
    assert search(workspace, "2233", category="nurse") == []
    assert workspace.directory.count(category="specialist") == 2


def test_search_follows_an_update(workspace, contacts):
    c = workspace.directory.get(contacts["Martin"])
    workspace.directory.update(c.id, ContactInput(name="Morel", first_name="Sophie",
                                                  category="gp", phone="02 47 99 99 99"),
                               expected_version=c.version)
    assert search(workspace, "martin") == ["Dr MARTINEZ Éloïse", "Dr ABADIE Martin"]
    assert search(workspace, "3456") == []
    assert search(workspace, "medecine") == []  # the specialty was cleared
    assert search(workspace, "morel") == ["MOREL Sophie"]
    assert search(workspace, "9999") == ["MOREL Sophie"]


def test_summaries_carry_category_specialty_phone_and_city(workspace, contacts):
    (s,) = workspace.directory.search("cardio")
    assert (s.id, s.category, s.specialty, s.phone, s.city, s.organisation) == (
        contacts["Martinez"], "specialist", "Cardiologie", "02 47 66 77 88", "Tours",
        "Clinique du Parc")


def test_a_contact_with_only_a_second_number_shows_it(workspace):
    workspace.directory.create(ContactInput(name="Ambulances Roy", category="ambulance",
                                            phone2="06 11 22 33 44"))
    (s,) = workspace.directory.search("roy")
    assert s.phone == "06 11 22 33 44"
    assert search(workspace, "3344") == ["Ambulances Roy"]


@pytest.mark.parametrize("typed", ['ma"rtin', "martin*", "NEAR(martin", "a:b", "^martin",
                                   "martin OR", "AND", "_p02", "col:x", "*", "'", "12",
                                   "31/02/1958", "))((", "martin -sophie", "12/03/1958"])
def test_odd_input_never_breaks_search(directory_ws, typed):
    directory_ws.directory.search(typed)  # no FTS5 syntax error


def test_search_does_not_audit_or_write(workspace, contacts):
    before = counts(workspace.store)
    workspace.directory.search("martin")
    workspace.directory.search("", category="lab")
    workspace.directory.get(contacts["Martin"])
    assert counts(workspace.store) == before


def _plan(workspace, sql, **over) -> list[str]:
    params = {"match": '"mart"*', "lo": "mart", "hi": "mart\uffff", "limit": 10,
              "category": "gp", "scan": 1000, "cap": 2001, **over}
    with workspace.store.reader() as s:
        return [str(r[-1]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql), params)]


def test_search_uses_the_index_not_a_scan(workspace, contacts):
    from app.services import directory

    steps = _plan(workspace, directory._MATCH_IDS_SQL)
    assert any("VIRTUAL TABLE INDEX" in step for step in steps)
    assert any("COVERING INDEX ix_contact_search_cover" in step for step in steps)
    for sql in (directory._MATCH_IDS_SQL, directory._PREFIX_IDS_SQL, directory._LIST_SQL,
                directory._PREFIX_CATEGORY_IDS_SQL, directory._LIST_CATEGORY_SQL,
                *directory._WALK_SQL.values()):
        steps = _plan(workspace, sql)
        # No full scan of a table; walking a sort index in order is the point.
        assert not [step for step in steps if step.split()[:2] in (["SCAN", "c"], ["SCAN", "k"])
                    and "USING INDEX ix_contact_" not in step
                    and "USING COVERING INDEX ix_contact_" not in step], steps


@pytest.mark.parametrize("name, index", [
    ("_LIST_SQL", "ix_contact_live_sort"),
    ("_PREFIX_IDS_SQL", "ix_contact_live_sort"),
    ("_LIST_CATEGORY_SQL", "ix_contact_category_sort"),
    ("_PREFIX_CATEGORY_IDS_SQL", "ix_contact_category_sort"),
])
def test_lists_and_name_prefixes_walk_a_sort_index_and_stop_at_the_limit(
        directory_ws, name, index):
    """Listing a category and a name prefix (within one) seek into an index in name
    order: nothing is sorted, so the walk stops at the page size."""
    from app.services import directory

    steps = _plan(directory_ws, getattr(directory, name))
    assert any(f"INDEX {index} (" in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps
    if "CATEGORY" in name:
        assert any("category=?" in step for step in steps), steps


@pytest.mark.parametrize("in_category, in_range", [(False, False), (False, True),
                                                   (True, False), (True, True)])
def test_many_matches_walk_the_sort_index_instead_of_sorting(directory_ws,
                                                             in_category, in_range):
    """Thousands of matches (a specialty word) are not sorted: the sort index (of the
    category) is walked in order, each row looked up in the set of matches."""
    from app.services import directory

    steps = _plan(directory_ws, directory._WALK_SQL[in_category, in_range])
    index = "ix_contact_category_sort" if in_category else "ix_contact_live_sort"
    assert any(f"COVERING INDEX {index} (" in step for step in steps), steps
    assert any("VIRTUAL TABLE INDEX" in step for step in steps), steps  # the set, once
    assert not any("TEMP B-TREE" in step for step in steps), steps


def test_many_matches_are_counted_no_further_than_needed(workspace, contacts):
    from app.services import directory

    def many(match, cap):
        with workspace.store.reader() as s:
            return s.execute(text(directory._MANY_SQL), {"match": match, "cap": cap}).scalar()

    assert [many('"pharm"*', cap) for cap in (1, 2, 3)] == [1, 1, 0]
    assert many('"zzz"*', 1) == 0


QUERIES = ["martin", "mar", "martin so", "pharm", "p", "tours", "0247", "3344", "cardio",
           "clinique parc", "", "e", "jean-eric", "m", "c", "pharmacie d", "dr", "0", "02"]


@pytest.mark.parametrize("category", [None, "specialist", "pharmacy", "lab"])
@pytest.mark.parametrize("sort_at_most, walk_at_most", [(0, 100_000), (0, 1), (0, 3)])
def test_both_search_strategies_give_the_same_results(directory_ws, monkeypatch,
                                                      category, sort_at_most, walk_at_most):
    """Sorting every match or walking the sort index until the limit (giving up after
    a few rows and sorting after all) give the same answers."""
    from app.services import directory

    def run():
        return {(q, limit): [r.id for r in directory_ws.directory.search(q, category=category,
                                                                   limit=limit)]
                for q in QUERIES for limit in (1, 2, 4, 100)}

    sorted_ = run()
    monkeypatch.setattr(directory, "_SORT_AT_MOST", sort_at_most)  # always walk
    monkeypatch.setattr(directory, "_WALK_AT_MOST", walk_at_most)
    assert run() == sorted_
    assert any(sorted_.values())


@pytest.mark.parametrize("walk_at_most", [1, 3, 100_000])
def test_a_short_walk_never_ranks_the_exact_name_after_the_others(workspace, monkeypatch,
                                                                  walk_at_most):
    """Several words, many matches: the exact name comes first even when it lies
    further into its group than the walk of the others looks."""
    from app.services import directory

    workspace.directory.create_many(
        [ContactInput(name="Martin", first_name="Anne") for _ in range(3)]
        + [ContactInput(name="Martin", first_name="Zoé"),
           ContactInput(name="Abadie", first_name="Zoé", organisation="Clinique Martin")])
    monkeypatch.setattr(directory, "_SORT_AT_MOST", 0)  # walk, whatever the count
    monkeypatch.setattr(directory, "_WALK_AT_MOST", walk_at_most)
    assert search(workspace, "martin zo", limit=1) == ["MARTIN Zoé"]
    assert search(workspace, "martin zo") == ["MARTIN Zoé", "ABADIE Zoé"]


def test_equal_names_are_listed_in_a_stable_order(workspace):
    """Homonyms (three "Pharmacie du Centre") come in the same order whichever way the
    search reads them: by name, then by id."""
    ids = workspace.directory.create_many(
        [ContactInput(name="Pharmacie du Centre", category="pharmacy", specialty="Officine")
         for _ in range(3)] + [ContactInput(name="Abadie", category="pharmacy",
                                            specialty="Officine")])
    homonyms = sorted(ids[:3])
    assert [r.id for r in workspace.directory.search("pharmacie")] == homonyms
    assert [r.id for r in workspace.directory.search("", category="pharmacy")][1:] == homonyms
    assert [r.id for r in workspace.directory.search("officine")][1:] == homonyms
    assert [r.id for r in workspace.directory.search("centre")] == homonyms


def test_a_large_directory_keeps_the_ranking(workspace):
    rows = [ContactInput(name=f"Martineau{i:04d}", category="specialist",
                         specialty="Cardiologie") for i in range(2_100)]
    rows += [ContactInput(name="Martin", first_name="Paul", category="gp"),
             ContactInput(name="Abadie", first_name="Martin", category="specialist",
                          specialty="Cardiologie")]
    workspace.directory.create_many(rows)
    assert search(workspace, "martin")[:3] == ["MARTIN Paul", "Martineau0000", "Martineau0001"]
    assert search(workspace, "cardio")[:2] == ["ABADIE Martin", "Martineau0000"]
    assert search(workspace, "cardio martin")[:2] == ["ABADIE Martin", "Martineau0000"]
    assert search(workspace, "", category="specialist")[:2] == ["ABADIE Martin",
                                                                 "Martineau0000"]
    assert search(workspace, "martin", category="gp") == ["MARTIN Paul"]
    assert len(workspace.directory.search("cardio")) == 100
