"""The audit trail as the owner reads it: filtered lists, one patient's card history,
reads recorded with ids only, how long it is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.services.audit_trail import RetentionError, TrailFilter, describe
from app.services.patients import PatientInput, PhoneEntry


@pytest.fixture
def two_patients(workspace):
    a = workspace.patients.create(PatientInput(birth_name="Arnaud", first_names="Léa",
                                               phones=[PhoneEntry("06 11 22 33 44")]))
    b = workspace.patients.create(PatientInput(birth_name="Berger", first_names="Paul"))
    return a, b


def test_who_viewed_lists_who_opened_the_card_when_and_what_they_did(workspace, two_patients,
                                                                     clock):
    a, b = two_patients
    clock.advance(hours=1)
    workspace.patients.get(a.id)
    workspace.patients.get(b.id)
    workspace.calls.ringing("06 11 22 33 44", call_id="who-viewed")  # the caller identified
    rows = workspace.audit_trail.who_viewed(a.id)
    assert [r.action for r in rows] == ["lookup", "read", "create"]  # newest first
    assert {r.entity_id for r in rows} == {a.id}
    assert rows[0].person == "Dr Morel" and rows[0].at == clock.now()
    # Looking is itself recorded.
    assert workspace.audit_trail.entries(TrailFilter(action="trail_read"))[0].entity_id == a.id


def test_filters_by_person_patient_action_and_period(workspace, two_patients, clock):
    a, b = two_patients
    clock.advance(days=3)
    workspace.patients.get(b.id)
    trail = workspace.audit_trail
    today = workspace.zone.day_of(clock.now())
    reads = trail.entries(TrailFilter(action="read"))
    assert [r.entity_id for r in reads] == [b.id]
    assert trail.entries(TrailFilter(patient=a.id, action="read")) == []
    assert [r.entity_id for r in trail.entries(TrailFilter(first=today, last=today))] == [b.id]
    earlier = trail.entries(TrailFilter(last=today - timedelta(days=1)))
    assert earlier and all(r.at < clock.now() for r in earlier)
    assert trail.entries(TrailFilter(person="nobody")) == []
    assert len(trail.entries(TrailFilter(person=workspace.user_id))) == len(trail.entries())


def test_verify_reports_in_french(workspace, french_message):
    report = workspace.audit_trail.verify()
    assert report.ok
    french_message(lambda: describe(report), "intacte")


def test_retention_is_a_year_by_default_and_bounded(workspace):
    trail = workspace.audit_trail
    assert trail.retention_days() == 365
    trail.set_retention_days(180)
    assert trail.retention_days() == 180
    with pytest.raises(RetentionError) as caught:
        trail.set_retention_days(5)
    assert "jours" in caught.value.user_message  # worded in French when raised
    assert trail.retention_days() == 180
    assert trail.entries(TrailFilter(action="setting"))[0].detail == "retention_days=180"
