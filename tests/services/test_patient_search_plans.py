"""The patient search reads indexes, never a whole table: each of its statements, as
SQLite plans it, seeks into the index meant for it, and a page of results is read from
the covering indexes without the wide patient and phone rows (schema 0019). On a large
practice a lost index or a full scan is what makes typing lag."""

from __future__ import annotations

import json

import pytest

from app.services import patients
from app.services.patients import PatientInput, PhoneEntry


@pytest.fixture
def practice(workspace):
    workspace.patients.create_many([
        PatientInput(birth_name="Martin", first_names="Sophie", birth_date="12/03/1958",
                     phones=[PhoneEntry("06 12 34 56 78")]),
        PatientInput(birth_name="Achour", used_name="Vincent", first_names="Suzanne",
                     birth_date="01/02/1974", phones=[PhoneEntry("06 55 02 13 47")]),
        PatientInput(birth_name="Lefèvre", first_names="Paul"),
    ])
    return workspace


def _plan(workspace, sql: str, params) -> list[str]:
    with workspace.store.reader() as s:
        db = s.connection().connection.driver_connection
        return [str(row[-1]) for row in db.execute("EXPLAIN QUERY PLAN " + sql, params)]


def _scans(steps: list[str]) -> list[str]:
    """Steps that read a whole table or index rather than seek into one."""
    return [step for step in steps if step.startswith("SCAN ")
            and "VIRTUAL TABLE" not in step and not step.startswith("SCAN (subquery")]


STATEMENTS = {
    "_PREFIX_IDS_SQL": {"lo": "mar", "hi": "mar\uffff", "limit": 100},
    "_YEAR_IDS_SQL": {"lo": "1974-01-01", "hi": "1975-01-01", "limit": 100},
    "_MATCH_IDS_SQL": {"match": '"martin"* AND "s"*', "first": "martin", "limit": 100},
    "_PHONE_ORDER_SQL": {"lo": "+33655", "hi": "+33655~", "limit": 108},
    "_VARIANT_SQL": {"variants": json.dumps(["martn", "artin"]), "limit": 64},
}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_every_search_statement_seeks_into_an_index(practice, name):
    steps = _plan(practice, getattr(patients, name), STATEMENTS[name])
    assert steps and not _scans(steps), steps


def test_a_page_of_results_is_read_from_the_covering_indexes(practice):
    ids = [r.id for r in practice.patients.search("")]
    steps = _plan(practice, patients._ROWS_SQL, (json.dumps(ids),))
    assert any("COVERING INDEX ix_patient_search_cover (id=?)" in s for s in steps), steps
    assert any("COVERING INDEX ix_patient_phone_first (patient_id=? AND deleted_at=?)" in s
               for s in steps), steps
    assert not any("TEMP B-TREE" in s for s in steps), steps  # the first phone, unsorted
    assert not _scans(steps), steps


def test_a_name_prefix_walks_the_current_patients_in_name_order(practice):
    steps = _plan(practice, patients._PREFIX_IDS_SQL, STATEMENTS["_PREFIX_IDS_SQL"])
    assert any("COVERING INDEX ix_patient_sort_live (sort_key>? AND sort_key<?)" in s
               for s in steps), steps
    assert not any("TEMP B-TREE" in s for s in steps), steps  # stops at the page size
