"""Model invariants that need no database: ids, UTC instants, names, sync columns."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from app.models import Base, Patient, Syncable
from app.models.base import UTCDateTime
from app.models.ids import uuid7
from app.models.patient import patient_display_name


def test_uuid7_is_an_rfc_9562_version_7_uuid():
    value = uuid.UUID(uuid7())
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_carries_its_millisecond_and_sorts_by_it():
    ms = 1_773_650_000_000
    ids = {uuid7(ms + i): i for i in (5, 1, 3, 2, 4)}
    assert [ids[u] for u in sorted(ids)] == [1, 2, 3, 4, 5]
    assert {int(uuid.UUID(u).hex[:12], 16) - ms for u in ids} == {1, 2, 3, 4, 5}


def test_uuid7_is_unique_within_one_millisecond():
    ms = 1_773_650_000_000
    assert len({uuid7(ms) for _ in range(2000)}) == 2000


def test_utc_datetime_refuses_naive_instants():
    with pytest.raises(ValueError):
        UTCDateTime().process_bind_param(datetime(2026, 3, 16, 9, 0), None)


def test_utc_datetime_stores_utc_and_reads_back_aware():
    paris = datetime(2026, 7, 1, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))
    stored = UTCDateTime().process_bind_param(paris, None)
    assert stored == datetime(2026, 7, 1, 8, 30) and stored.tzinfo is None
    back = UTCDateTime().process_result_value(stored, None)
    assert back == paris and back.tzinfo == timezone.utc
    assert UTCDateTime().process_bind_param(None, None) is None
    assert UTCDateTime().process_result_value(None, None) is None


@pytest.mark.parametrize("birth, used, first, sex, civility, shown", [
    ("Dupont", "", "Jeanne", "", "", "DUPONT Jeanne"),
    ("Achour", "Vincent", "Suzanne", "F", "", "VINCENT née ACHOUR Suzanne"),
    ("Achour", "Vincent", "Karim", "M", "", "VINCENT né ACHOUR Karim"),
    ("Achour", "Vincent", "Camille", "", "", "VINCENT né(e) ACHOUR Camille"),
    # No sex on the card: the title says which.
    ("Achour", "Vincent", "Suzanne", "", "mme", "VINCENT née ACHOUR Suzanne"),
    ("Achour", "Vincent", "Paul", "", "m", "VINCENT né ACHOUR Paul"),
    # The sex wins over a title that says otherwise.
    ("Achour", "Vincent", "Suzanne", "F", "m", "VINCENT née ACHOUR Suzanne"),
    ("Dupont", "Martin-Dupont", "Jeanne", "F", "", "MARTIN-DUPONT née DUPONT Jeanne"),
    # The same name written otherwise is no second name.
    ("Dupont", "Dupont", "Jeanne", "F", "", "DUPONT Jeanne"),
    ("Lefèvre", "LEFEVRE", "Hélène", "F", "", "LEFEVRE Hélène"),
    ("Lefèvre", "", "Hélène", "F", "", "LEFÈVRE Hélène"),
    ("Dupont", "", "", "", "", "DUPONT"),
])
def test_patient_display_name(birth, used, first, sex, civility, shown):
    assert patient_display_name(birth, used, first, sex, civility) == shown
    assert Patient(birth_name=birth, used_name=used, first_names=first, sex=sex,
                   civility=civility).display_name == shown


def test_tombstone_property():
    p = Patient(birth_name="A", first_names="B")
    assert not p.is_deleted
    p.deleted_at = datetime.now(timezone.utc)
    assert p.is_deleted


def test_every_syncable_table_has_the_sync_columns_and_a_unique_entity_name():
    syncable = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, Syncable)]
    assert {c.__tablename__ for c in syncable} >= {"patient", "patient_phone", "practice",
                                                   "practitioner", "app_user"}
    names = [c.__sync_entity__ for c in syncable]
    assert len(names) == len(set(names))
    for cls in syncable:
        cols = cls.__table__.c
        assert cols.id.primary_key and cols.id.type.length == 36
        assert not cols.version.nullable and not cols.origin_node.nullable
        assert cols.deleted_at.nullable
        assert isinstance(cols.updated_at.type, UTCDateTime)
