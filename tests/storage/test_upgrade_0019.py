"""A schema-0018 practice upgrades to the patient search's page indexes, and finds the
same patients in the same order."""

from __future__ import annotations

from app.services.patients import PatientInput, PhoneEntry
from app.services.workspace import open_workspace
from app.storage.engine import make_engine
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF
from tests.storage.schema_steps import undo_after

NEW_INDEXES = {"ix_patient_sort_live", "ix_patient_phone_first"}


def _indexes(conn) -> dict[str, str]:
    return {name: sql or "" for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name IN ('patient', 'patient_phone')")}


def test_a_0018_practice_gains_the_search_page_indexes_and_finds_the_same(
        workspace, passphrase, clock):
    ws = workspace
    ws.patients.create_many([
        PatientInput(birth_name="Martin", first_names="Sophie", birth_date="12/03/1958",
                     phones=[PhoneEntry("06 12 34 56 78"), PhoneEntry("02 47 00 00 01")]),
        PatientInput(birth_name="Achour", used_name="Vincent", first_names="Suzanne",
                     birth_date="01/02/1974", phones=[PhoneEntry("06 55 02 13 47")]),
        PatientInput(birth_name="Lefèvre", first_names="Paul", city="Tours"),
        PatientInput(birth_name="Martinez", first_names="Luc", birth_date="05/06/1974"),
    ])
    queries = ["", "mar", "martin s", "1974", "06 55", "0612345678", "lefebvre", "12/03/1958"]
    before = {q: ws.patients.search(q) for q in queries}
    paths = ws.paths
    ws.close()

    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            undo_after(conn, "0018")
            assert not NEW_INDEXES & set(_indexes(conn))
    finally:
        engine.dispose()

    reopened = open_workspace(paths, key, clock=clock)
    try:
        with reopened.store.engine.connect() as conn:
            indexes = _indexes(conn)
        assert NEW_INDEXES <= set(indexes)
        assert "civility" in indexes["ix_patient_search_cover"]  # widened to the result row
        assert {q: reopened.patients.search(q) for q in queries} == before
        assert all(before[q] for q in queries)
    finally:
        reopened.close()
