"""Identifying a caller from a number in any format, on a real encrypted practice."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.calls import InvalidCallNumber
from app.services.calls.numbers import call_number, is_withheld
from app.services.directory import ContactInput
from app.services.patients import PatientInput, PhoneEntry


@pytest.fixture
def people(workspace):
    ws = workspace
    mother = ws.patients.create(PatientInput(
        birth_name="Martin", first_names="Jeanne", birth_date=date(1980, 5, 2),
        phones=[PhoneEntry("06 12 34 56 78")]))
    son = ws.patients.create(PatientInput(
        birth_name="Martin", first_names="Lucas", birth_date=date(2012, 9, 14),
        phones=[PhoneEntry("+33 6 12 34 56 78")]))
    alone = ws.patients.create(PatientInput(
        birth_name="Durand", first_names="Paul", phones=[PhoneEntry("0690 12 34 56")]))
    lab = ws.directory.create(ContactInput(name="Laboratoire Bio Loire", category="lab",
                                           phone="02 47 12 34 56", fax="02 47 99 99 99"))
    return mother, son, alone, lab


@pytest.mark.parametrize("typed", ["0612345678", "06 12 34 56 78", "+33 6 12 34 56 78",
                                   "0033612345678", "+33612345678", "sip:0612345678@pbx"])
def test_a_family_phone_lists_each_member_with_birth_date_in_any_format(workspace, people,
                                                                         typed):
    mother, son, _alone, _lab = people
    found = workspace.callers.identify(typed)
    assert found.number == "+33612345678"
    assert [(m.kind, m.id, m.birth_date) for m in found.matches] == [
        ("patient", mother.id, date(1980, 5, 2)), ("patient", son.id, date(2012, 9, 14))]
    assert found.caller_kind == "patient" and found.caller_id is None  # which one: asked


def test_an_overseas_number_and_a_directory_contact(workspace, people):
    _mother, _son, alone, lab = people
    found = workspace.callers.identify("+590 690 12 34 56")
    assert [m.id for m in found.matches] == [alone.id]
    assert (found.caller_kind, found.caller_id) == ("patient", alone.id)
    lab_call = workspace.callers.identify("0033 2 47 12 34 56")
    assert [(m.kind, m.id, m.name) for m in lab_call.matches] == [
        ("contact", lab.id, "Laboratoire Bio Loire")]
    # A fax does not call: its number finds nobody.
    assert workspace.callers.identify("02 47 99 99 99").matches == ()


def test_unknown_and_withheld_numbers(workspace, people):
    unknown = workspace.callers.identify("07 81 23 45 67")
    assert unknown.matches == () and unknown.caller_kind == "unknown"
    for withheld in ("", "anonymous", "Masqué", "  MASQUE ", "private", "Numéro privé", None):
        found = workspace.callers.identify(withheld)
        assert found.withheld and found.matches == ()


def test_a_removed_patient_is_no_longer_found(workspace, people, clock):
    from app.models import Patient

    mother, son, *_ = people
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.get(Patient, son.id).deleted_at = clock.now()
    assert [m.id for m in workspace.callers.identify("0612345678").matches] == [mother.id]


@pytest.mark.parametrize("typed", ["12", "abc", "06 12 34", "+33", "06 12 34 56 78 9"])
def test_a_malformed_number_is_refused_in_the_users_language(workspace, typed, french_message):
    with pytest.raises(InvalidCallNumber) as caught:
        workspace.callers.identify(typed)
    french_message(lambda: caught.value.user_message, "n'est pas un numéro")
    assert caught.value.exit_code == 2


def test_withheld_words():
    assert is_withheld("Anonymous") and is_withheld("numéro masqué") and is_withheld("")
    assert not is_withheld("0612345678")
    assert call_number("tel:+33612345678") == "+33612345678"


def test_a_lookup_that_finds_patients_is_an_audited_read_by_id(workspace, people):
    from sqlalchemy import select

    from app.models import AuditEntry

    mother, son, _alone, _lab = people

    def lookups():
        with workspace.store.reader() as s:
            return s.execute(select(AuditEntry.entity_id, AuditEntry.detail, AuditEntry.user_id)
                             .where(AuditEntry.action == "lookup")).all()

    workspace.callers.identify("06 12 34 56 78")
    assert sorted(lookups()) == sorted([(mother.id, "", workspace.user_id),
                                        (son.id, "", workspace.user_id)])
    workspace.callers.identify("02 47 12 34 56")  # a contact: no patient read
    workspace.callers.identify("07 81 23 45 67")
    assert len(lookups()) == 2
