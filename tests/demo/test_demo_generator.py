"""The demo generator: reproducible, realistic, fictional, and all-or-nothing."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import phonenumbers
import pytest
from sqlalchemy import func, select, text

from app.clock import FrozenClock
from app.models import ChangeJournal, Civility, Patient, PatientPhone, PhoneKind, Practitioner, Sex
from app.models.patient import patient_display_name
from app.demo import SIZES, demo_patients, generate_demo
from app.demo.sizes import DemoSize
from app.services.errors import Cancelled
from app.services.phones import parse_phone
from app.storage.audit import verify_chain
from app.storage.errors import ProfileExistsError
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths, unlock_key
from tests.demo.conftest import DEMO_AT, DEMO_SEED

FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
AT = DEMO_AT


def generate(root: Path, **kwargs):
    return generate_demo(ProfilePaths(root), clock=FrozenClock(AT), kdf=FAST_KDF, **kwargs)


def contents(ws) -> list[tuple]:
    """(display name, birth date, phones) of every patient, in insertion order."""
    with ws.store.reader() as s:
        phones: dict[str, list[str]] = {}
        for pid, e164 in s.execute(select(PatientPhone.patient_id, PatientPhone.e164)
                                   .order_by(PatientPhone.patient_id, PatientPhone.position)):
            phones.setdefault(pid, []).append(e164)
        rows = s.execute(select(Patient).order_by(Patient.version)).scalars().all()
        return [(patient_display_name(p.birth_name, p.used_name, p.first_names), p.birth_date,
                 tuple(phones.get(p.id, ()))) for p in rows]


@pytest.fixture
def demo_ws(shared_demo):
    return shared_demo.ws


def test_same_seed_gives_the_same_patients_in_the_same_order(demo_ws, tmp_path):
    again = generate(tmp_path / "again", seed=DEMO_SEED)
    try:
        first, second = contents(demo_ws), contents(again)
    finally:
        again.close()
    assert len(first) == SIZES["demo"].patients
    assert first == second


def test_another_seed_gives_other_patients():
    a = [(p.birth_name, p.first_names, p.birth_date) for p in demo_patients(1, 200)]
    b = [(p.birth_name, p.first_names, p.birth_date) for p in demo_patients(2, 200)]
    assert a == [(p.birth_name, p.first_names, p.birth_date) for p in demo_patients(1, 200)]
    assert a != b


def test_counts_practice_and_audit_trail(demo_ws):
    assert demo_ws.patients.count() == SIZES["demo"].patients
    assert demo_ws.practice.name == "Cabinet médical des Tilleuls"
    assert demo_ws.practice.timezone == "Europe/Paris"
    with demo_ws.store.reader() as s:
        practitioners = s.execute(select(Practitioner)).scalars().all()
        phones = s.execute(select(func.count()).select_from(PatientPhone)).scalar_one()
        journal = s.execute(select(func.count()).select_from(ChangeJournal)
                            .where(ChangeJournal.entity.in_(("patient", "patient_phone"))))
        indexed = s.execute(text("SELECT count(*) FROM patient_search_key")).scalar_one()
        chain = verify_chain(s)
    assert len(practitioners) == SIZES["demo"].practitioners
    assert len({p.colour for p in practitioners}) == len(practitioners)
    assert any(p.first_name == "Claire" and p.last_name == "Morel" and p.title == "Dr"
               for p in practitioners)
    assert SIZES["demo"].patients <= phones <= 3 * SIZES["demo"].patients
    assert journal.scalar_one() == SIZES["demo"].patients + phones
    assert indexed == SIZES["demo"].patients
    assert chain.ok and chain.entries >= SIZES["demo"].patients + phones


def test_names_are_french_with_accents_and_compound_forms(demo_ws):
    with demo_ws.store.reader() as s:
        patients = s.execute(select(Patient)).scalars().all()
    surnames = {p.birth_name for p in patients} | {p.used_name for p in patients if p.used_name}
    firsts = {p.first_names for p in patients}

    def accented(name: str) -> bool:
        return unicodedata.normalize("NFKD", name) != name or "œ" in name

    assert sum(accented(n) for n in surnames) >= 10
    assert sum(accented(n) for n in firsts) >= 20
    assert any("-" in n for n in surnames) and any(" " in n for n in surnames)
    assert any("'" in n for n in surnames)
    assert any("-" in n for n in firsts)
    # Married women with a used name, civility always matching sex.
    assert sum(1 for p in patients if p.used_name and p.used_name != p.birth_name) > 100
    assert all(p.sex in (Sex.FEMALE.value, Sex.MALE.value) for p in patients)
    assert all((p.civility == Civility.MADAME.value) == (p.sex == Sex.FEMALE.value)
               for p in patients)
    # Children and the very old are there; nobody is born in the future.
    years = sorted(p.birth_date.year for p in patients)
    assert years[0] < 1945 and sum(y >= 2010 for y in years) > 200
    assert all(p.birth_date <= AT.date() for p in patients)
    # Roughly the proportions asked for.
    assert 0.5 < sum(bool(p.email) for p in patients) / len(patients) < 0.7
    assert 0.6 < sum(p.reminder_consent for p in patients) / len(patients) < 0.8
    assert all(p.email.isascii() for p in patients)
    assert all(len(p.postal_code) == 5 and p.city and p.address_line for p in patients)


def test_every_phone_is_a_valid_french_number(demo_ws):
    with demo_ws.store.reader() as s:
        phones = s.execute(select(PatientPhone)).scalars().all()
    kinds = set()
    for ph in phones:
        number = phonenumbers.parse(ph.e164, None)
        assert phonenumbers.is_valid_number(number), ph.e164
        assert ph.e164.startswith("+33")
        assert parse_phone(ph.raw).e164 == ph.e164
        if ph.kind == PhoneKind.MOBILE.value:
            assert ph.e164[3] in "67"
        kinds.add(ph.kind)
    assert {PhoneKind.MOBILE.value, PhoneKind.HOME.value, PhoneKind.WORK.value} <= kinds


def test_the_demo_data_is_searchable(demo_ws):
    some = demo_ws.patients.search("")[0]
    surname = some.display_name.split()[0][:3]
    assert demo_ws.patients.search(surname)
    assert demo_ws.patients.search(some.phone)


def test_a_cancelled_generation_leaves_nothing_behind(tmp_path):
    calls = []

    def progress(done, total):
        calls.append((done, total))

    with pytest.raises(Cancelled):
        generate(tmp_path / "cabinet", progress=progress, cancelled=lambda: len(calls) >= 2)
    assert calls[0] == (0, SIZES["demo"].patients + SIZES["demo"].appointments
                        + SIZES["demo"].calls)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_generation_leaves_nothing_behind(tmp_path):
    def progress(done, total):
        if done:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        generate(tmp_path / "cabinet", progress=progress)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_profile_is_refused_and_left_alone(demo_ws):
    before = sorted(p.name for p in demo_ws.paths.root.iterdir())
    with pytest.raises(ProfileExistsError):
        generate(demo_ws.paths.root)
    assert sorted(p.name for p in demo_ws.paths.root.iterdir()) == before


def test_the_profile_opens_with_the_passphrase(tmp_path):
    root = tmp_path / "cabinet"
    (root).mkdir()  # an empty folder made beforehand is fine
    # A small practice: the passphrase and the folder are what this test is about (the
    # demo size itself is the shared demo's).
    ws = generate(root, size=DemoSize(practitioners=1, patients=20), passphrase="une phrase")
    ws.close()
    assert unlock_key(ProfilePaths(root), passphrase="une phrase", kdf_floor=FAST_KDF)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cabinet"]


def test_unknown_size_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path / "cabinet", size="huge")
    assert list(tmp_path.iterdir()) == []


def test_some_cards_carry_alerts_and_preferences_and_a_few_are_retyped(demo_ws):
    with demo_ws.store.reader() as s:
        patients = s.execute(select(Patient)).scalars().all()
    n = len(patients)
    alerts = [p.alert for p in patients if p.alert]
    assert 0.01 * n < len(alerts) < 0.08 * n
    assert any("interprète" in a.lower() for a in alerts) or len(set(alerts)) > 3
    assert 0.2 * n < sum(bool(p.preferred_channel) for p in patients) < 0.4 * n
    windows = [(p.call_not_before, p.call_not_after) for p in patients if p.call_not_before]
    assert windows and all(a < b for a, b in windows)
    pairs = demo_ws.duplicates.list_pairs()
    homonyms = [p for p in pairs if "same_identity" in p.reasons]
    assert 2 <= len(homonyms) <= 30  # the possible-duplicates view has real cases
    assert pairs[:len(homonyms)] == homonyms  # listed before family members sharing a line


def test_every_demo_account_signs_in_with_its_documented_secret(tmp_path):
    from app.demo.accounts import DEMO_ACCOUNTS
    from app.services.passphrase_policy import check_new_passphrase
    from app.services.workspace import open_workspace
    from app.storage.signin import sign_in

    from app.demo.sizes import DemoSize

    tiny = DemoSize(practitioners=1, patients=20)
    paths = ProfilePaths(tmp_path / "cabinet")
    generate(paths.root, size=tiny).close()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    clock = FrozenClock(AT)
    roles = set()
    for account in DEMO_ACCOUNTS:
        check_new_passphrase(account.passphrase, demo=True)
        assert f"`{account.name}`" in readme and f"`{account.passphrase}`" in readme
        signed = sign_in(paths, clock=clock, name=account.name, passphrase=account.passphrase,
                         kdf_floor=FAST_KDF)
        ws = open_workspace(paths, signed.key, clock=clock)
        try:
            assert (ws.principal.name, ws.principal.role) == (account.name, account.role)
            roles.add(account.role)
        finally:
            ws.close()
    assert roles == {"practitioner", "secretary", "remote-secretary", "telephony"}


def test_a_remote_secretariat_is_invited(demo_ws):
    from app.sync import peers

    with demo_ws.store.reader() as s:
        listed = peers.list_peers(s)
    assert [(p.name, p.role, p.state) for p in listed] == [
        ("secretariat-quimper", "remote-secretary", "invited")]
