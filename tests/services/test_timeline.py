"""The patient timeline: creation and changes, newest first, with who made them."""

from __future__ import annotations

from dataclasses import replace

from app.services.patients import PatientInput, PhoneEntry


def _input(**kw) -> PatientInput:
    base = dict(birth_name="Lemoine", first_names="Agathe", birth_date="04/02/1981",
                phones=[PhoneEntry("06 11 22 33 44")])
    base.update(kw)
    return PatientInput(**base)


def test_a_new_card_shows_its_creation(workspace):
    p = workspace.patients.create(_input())
    events = workspace.timeline.for_patient(p.id)
    assert [e.kind for e in events] == ["created"]
    assert events[0].actor == "Dr Morel"
    assert "créée" in events[0].title.lower()


def test_changes_list_the_fields_in_french_newest_first(workspace, clock):
    p = workspace.patients.create(_input())
    clock.advance(minutes=5)
    data = _input(first_names="Agathe Marie", city="Tours")
    p = workspace.patients.update(p.id, data, expected_version=p.version)
    clock.advance(minutes=5)
    p = workspace.patients.update(p.id, replace(data, phones=[PhoneEntry("06 99 88 77 66")]),
                                  expected_version=p.version)
    events = workspace.timeline.for_patient(p.id)
    assert [e.kind for e in events] == ["phone", "changed", "created"]
    assert events[1].detail == "prénoms, ville"
    assert events[0].at > events[1].at > events[2].at
    assert all(e.actor == "Dr Morel" for e in events)


def test_saving_without_change_adds_nothing(workspace):
    p = workspace.patients.create(_input())
    workspace.patients.update(p.id, _input(), expected_version=p.version)
    assert len(workspace.timeline.for_patient(p.id)) == 1


def test_reads_are_not_events_and_other_patients_do_not_leak(workspace):
    a = workspace.patients.create(_input())
    b = workspace.patients.create(_input(birth_name="Perrin"))
    workspace.patients.get(a.id)
    workspace.patients.update(b.id, _input(birth_name="Perrin", city="Blois"),
                              expected_version=b.version)
    assert [e.kind for e in workspace.timeline.for_patient(a.id)] == ["created"]
