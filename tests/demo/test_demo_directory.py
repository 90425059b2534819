"""The demo practice's directory: fictional, realistic, reproducible, linked to patients."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import phonenumbers
import pytest
from sqlalchemy import func, select, text

from app.clock import FrozenClock
from app.models import ChangeJournal, Contact, ContactCategory, Patient
from app.demo import REFERRAL_SHARE, SIZES, demo_contacts, demo_patients, generate_demo
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths
from tests.demo.conftest import DEMO_AT, DEMO_SEED

FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
AT = DEMO_AT


def generate(root: Path, **kwargs):
    return generate_demo(ProfilePaths(root), clock=FrozenClock(AT), kdf=FAST_KDF, **kwargs)


@pytest.fixture(scope="module")
def demo_ws(shared_demo):
    return shared_demo.ws


@pytest.fixture(scope="module")
def contacts(demo_ws) -> list[Contact]:
    with demo_ws.store.reader() as s:
        return s.execute(select(Contact).order_by(Contact.version)).scalars().all()


def test_sizes():
    assert SIZES["demo"].contacts == 150
    assert SIZES["large"].contacts == 50_000


def test_the_directory_is_stored_journaled_and_indexed(demo_ws, contacts):
    assert len(contacts) == SIZES["demo"].contacts == demo_ws.directory.count()
    with demo_ws.store.reader() as s:
        journal = s.execute(select(func.count()).select_from(ChangeJournal)
                            .where(ChangeJournal.entity == "contact")).scalar_one()
        indexed = s.execute(text("SELECT count(*) FROM contact_search_key")).scalar_one()
    assert journal == indexed == len(contacts)


def test_same_seed_same_contacts_another_seed_others(contacts):
    again = [(c.name, c.first_name, c.phone) for c in demo_contacts(DEMO_SEED, len(contacts))]
    assert again == [(c.name, c.first_name, c.phone_raw) for c in contacts]
    other = [(c.name, c.first_name, c.phone)
             for c in demo_contacts(DEMO_SEED + 1, len(contacts))]
    assert other != again


def test_every_category_with_a_realistic_mix(contacts):
    by_category = Counter(c.category for c in contacts)
    assert set(by_category) == {c.value for c in ContactCategory}
    assert by_category["specialist"] > by_category["gp"] > by_category["lab"]
    specialists = [c for c in contacts if c.category == "specialist"]
    assert all(c.specialty and c.first_name and c.title in ("Dr", "Pr") for c in specialists)
    assert len({c.specialty for c in specialists}) >= 10
    assert all(c.specialty == "Médecine générale" for c in contacts if c.category == "gp")
    assert any(c.name.startswith("Pharmacie") for c in contacts)
    assert any(c.name.startswith("Laboratoire") for c in contacts)
    assert all(c.city and len(c.postal_code) == 5 and c.address_line for c in contacts)


def test_numbers_are_valid_french_numbers_and_addresses_well_formed(contacts):
    faxes = mssante = 0
    for c in contacts:
        assert c.phone_e164, c.name
        for raw, e164 in ((c.phone_raw, c.phone_e164), (c.phone2_raw, c.phone2_e164),
                          (c.fax_raw, c.fax_e164)):
            if raw:
                assert e164.startswith("+33")
                assert phonenumbers.is_valid_number(phonenumbers.parse(e164, None)), raw
        faxes += bool(c.fax_e164)
        if c.mssante:
            mssante += 1
            assert c.mssante.endswith(".mssante.fr") and c.mssante.isascii()
        assert c.email.isascii()
    assert faxes >= 20
    assert mssante >= 20
    assert any(c.mssante.endswith("@medecin.mssante.fr") for c in contacts)


def test_a_few_patients_refer_to_a_general_practitioner_of_the_directory(demo_ws, contacts):
    gps = {c.id: c.display_name for c in contacts if c.category == "gp"}
    with demo_ws.store.reader() as s:
        linked = s.execute(select(Patient.referring_contact_id, Patient.referring_doctor)
                           .where(Patient.referring_contact_id.is_not(None))).all()
    share = len(linked) / SIZES["demo"].patients
    assert REFERRAL_SHARE / 2 < share < REFERRAL_SHARE * 2
    assert all(gps[cid] == doctor for cid, doctor in linked)
    assert len({cid for cid, _ in linked}) > 5


def test_the_patients_themselves_are_those_of_demo_patients(demo_ws):
    expected = [(p.birth_name, p.first_names, p.birth_date)
                for p in demo_patients(DEMO_SEED, 50, today=AT.date())]
    with demo_ws.store.reader() as s:
        stored = s.execute(select(Patient.birth_name, Patient.first_names, Patient.birth_date)
                           .order_by(Patient.version).limit(50)).all()
    assert [tuple(r) for r in stored] == expected


def test_the_demo_directory_is_searchable(demo_ws, contacts):
    cardio = demo_ws.directory.search("cardio")
    assert cardio and all(r.specialty == "Cardiologie" for r in cardio)
    pharmacies = demo_ws.directory.search("", category="pharmacy")
    assert pharmacies and all(r.category == "pharmacy" for r in pharmacies)
    some = contacts[0]
    assert some.id in [r.id for r in demo_ws.directory.search(some.phone_raw)]
    assert some.id in [r.id for r in demo_ws.directory.search(some.phone_e164[-4:])]
