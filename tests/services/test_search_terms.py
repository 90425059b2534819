"""Index terms for a patient, and how typed words become an FTS5 query."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.search_terms import PhoneSearch, fts_query, index_terms, name_words, phone_search


def test_index_terms():
    terms = index_terms(names=["Dupont", "", "Jean-Éric"], phones_e164=["+33612345678"],
                        birth_date=date(1958, 3, 12)).split()
    assert terms == ["dupont", "jean", "eric", "jeaneric", "_p0612345678", "_l5678",
                     "_d19580312", "_y1958"]


def test_compound_names_are_also_indexed_joined():
    terms = index_terms(names=["N'Diaye", "", "Anne Marie"], phones_e164=[], birth_date=None)
    assert terms.split() == ["n", "diaye", "ndiaye", "anne", "marie"]


def test_index_terms_deduplicate_and_handle_missing_parts():
    terms = index_terms(names=["Martin", "Martin", "Anne Anne"], phones_e164=[], birth_date=None)
    assert terms == "martin anne"


@pytest.mark.parametrize("typed, expected", [
    ("dupont", '"dupont"*'),
    ("DUPONT", '"dupont"*'),
    ("dupônt", '"dupont"*'),
    ("dup jea", '"dup"* AND "jea"*'),
    ("Jean-Éric", '"jean"* AND "eric"*'),
    ("N'Diaye", '"n"* AND "diaye"*'),
    ("12/03/1958", '"_d19580312"'),
    ("12.03.1958", '"_d19580312"'),
    ("1958-03-12", '"_d19580312"'),
    ("1958", '("_y1958" OR "_l1958")'),
    ("5678", '("_y5678" OR "_l5678")'),
    ("0612", '("_l0612" OR "_p0612"*)'),
    ("061234", '"_p061234"*'),
    ("06 12 34 56 78", '"_p0612345678"*'),
    ("06.12.34.56.78", '"_p0612345678"*'),
    ("+33 6 12 34 56 78", '"_p0612345678"*'),
    ("0033612345678", '"_p0612345678"*'),
    ("+33 (0)6 12 34 56 78", '"_p0612345678"*'),
    ("+33 6 12", '"_p0612"*'),
    ("+44 20 7946 0958", '"_p442079460958"*'),
    ("0044 20 7946 0958", '"_p442079460958"*'),
    ("dupont 1958", '"dupont"* AND ("_y1958" OR "_l1958")'),
    ("martin 12/03/1958", '"martin"* AND "_d19580312"'),
    # A number dictated in pairs is one number from the second pair on.
    ("06 12", '("_l0612" OR "_p0612"*)'),
    ("06 12 3", '"_p06123"*'),
    ("06 12 34", '"_p061234"*'),
    ("06-12", '("_l0612" OR "_p0612"*)'),
    ("06.12.34", '"_p061234"*'),
    ("+33 6 12", '"_p0612"*'),
    ("+33 6 12 3", '"_p06123"*'),
    ("56 78", '("_y5678" OR "_l5678")'),
])
def test_fts_query(typed, expected):
    assert fts_query(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "12", "06", "06 1", "+33 6", "+33 6 5", "-", "''",
                                   "()"])
def test_nothing_searchable(typed):
    assert fts_query(typed) is None


@pytest.mark.parametrize("typed", ['du"pont', "dupont*", "NEAR(dupont", "a:b", "^dupont",
                                   "dupont OR", "AND", "_p06", "col:x"])
def test_user_input_never_becomes_fts_syntax(typed):
    """Every group is a quoted phrase (possibly prefix) or a generated term: the typed
    text cannot inject operators, column filters or our own "_" term prefixes."""
    query = fts_query(typed)
    assert query is not None
    for group in query.split(" AND "):
        assert group.startswith('"') or group.startswith("(")
        inner = group.strip("()*")
        assert inner.count('"') % 2 == 0
    if "_p06" in typed:
        assert '"_p06' not in query


def test_a_name_word_can_stand_for_whole_words_of_the_index():
    assert fts_query("lefebvre hel", {"lefebvre": ["lefevre", "lefebvre"], "x": ["y"]}) == (
        '("lefebvre"* OR "lefevre") AND "hel"*')
    assert fts_query("dupond 1958", {"dupond": ["dupont"]}) == (
        '("dupond"* OR "dupont") AND ("_y1958" OR "_l1958")')


@pytest.mark.parametrize("typed, words", [
    ("Lefèvre Hélène", ["lefevre", "helene"]),
    ("N'Diaye n'diaye", ["n", "diaye"]),
    ("dupont 1958 12/03/1958 0612", ["dupont"]),
    ("06 12 34", []),
    ("", []),
])
def test_name_words(typed, words):
    assert name_words(typed) == words


@pytest.mark.parametrize("typed, start, last_four", [
    ("06 55", "+33655", "0655"),
    ("0655", "+33655", "0655"),
    ("06.55.02", "+3365502", ""),
    ("+33 6 55", "+33655", ""),
    ("+33 (0)6 12", "+33612", ""),
    ("0033612345678", "+33612345678", ""),
    ("+44 20", "+4420", ""),
    ("0044 20 7946", "+44207946", ""),
    ("4420794", "+4420794", ""),
])
def test_phone_search(typed, start, last_four):
    assert phone_search(typed) == PhoneSearch(start, last_four)


@pytest.mark.parametrize("typed", ["1958", "5678", "06", "+33 6", "12/03/1958", "dupont",
                                   "dupont 0655", ""])
def test_no_phone_search(typed):
    assert phone_search(typed) is None
