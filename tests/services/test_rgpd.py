"""The patient's rights: everything held about a patient as JSON, and erasure for good
(from the rows, the change journal, the search index, the database file's pages, and a
peer's copy), refused with its reason where the practice's rule keeps the patient."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal, Patient, PatientPhone
from app.models.agenda import Appointment
from app.services.access import AccessDenied
from app.services.agenda.views import BookingInput
from app.services.errors import NotFound
from app.services.messages import MessageInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.rgpd import ErasureRefused
from app.storage.signin import sign_in
from app.services.workspace import open_workspace
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.conftest import FAST_KDF, assert_french
from tests.decrypted_file import decrypted_pages, holds
from tests.journal_reading import journal_text, last_seq, send_changes


def _marked(ws, marker: str, phone: str) -> str:
    card = ws.patients.create(PatientInput(
        birth_name=marker, first_names="Odile", city=f"Ville{marker}",
        email=f"{marker.lower()}@example.org", admin_note=f"Note {marker}",
        phones=[PhoneEntry(phone)]))
    # An update: an older value in the journal too.
    details = ws.patients.get(card.id)
    ws.patients.update(card.id, PatientInput(
        birth_name=marker, first_names="Odile", city=f"Autre{marker}",
        email=details.email, admin_note=f"Note {marker}", phones=[PhoneEntry(phone)]),
        expected_version=details.version)
    return card.id


def _needles(marker: str, phone: str) -> list[str]:
    digits = phone.replace(" ", "")
    return [marker, marker.lower(), marker.upper(), "+33" + digits[1:], digits]


@pytest.fixture
def marker():
    return "Zqxerase" + secrets.token_hex(5)


@pytest.fixture
def phone():
    return "06 12 {} {} {}".format(*(f"{secrets.randbelow(100):02d}" for _ in range(3)))


def test_the_export_holds_the_card_its_activity_and_who_opened_it(workspace, tmp_path):
    ws = workspace
    agenda = build_agenda(ws)
    pid = agenda.patients[0]
    ws.patients.get(pid)  # an opening, which the export lists
    ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY + timedelta(days=1), 9), None,
                                pid, agenda.consult, note="Apporter la radio"))
    ws.messages.send(MessageInput(body="Rappeler pour la radio", patient_id=pid,
                                  recipient_id=agenda.morel))
    out = tmp_path / "dossier.json"
    ws.rights.export(pid, out)

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "permanence-rgpd-export"
    assert data["patient"]["birth_name"] == "Lefèvre"
    assert data["patient"]["phones"][0]["e164"] == "+33612345678"
    assert [a["note"] for a in data["appointments"]] == ["Apporter la radio"]
    assert data["appointments"][0]["practitioner"] == "Dr Claire Morel"
    assert [m["body"] for m in data["messages"]] == ["Rappeler pour la radio"]
    assert {"create", "read"} <= {a["action"] for a in data["access"]}
    assert all(a["person"] == "Dr Morel" for a in data["access"])
    assert out.stat().st_mode & 0o077 == 0  # patient data: readable by its owner only
    with ws.store.reader() as s:
        last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
    assert (last.action, last.entity_id, last.detail) == ("rgpd_export", pid, "json")


def test_an_erased_patient_is_gone_from_rows_journal_search_and_file(workspace, marker, phone):
    ws = workspace
    pid = _marked(ws, marker, phone)
    key, db = ws.profile.key, ws.paths.db
    needles = _needles(marker, phone)
    ws.store.checkpoint()
    # Control: the decrypted file holds the values before the erasure.
    assert set(holds(db, key, *needles)) >= {marker, marker.lower(), "+33" + phone.replace(
        " ", "")[1:]}
    assert marker in journal_text(ws)

    result = ws.rights.erase(pid, "Demande écrite de la patiente")

    assert result.rows == 2 and result.journal_entries >= 3
    with ws.store.reader() as s:
        card = s.get(Patient, pid)
        assert (card.birth_name, card.first_names, card.city, card.email, card.admin_note,
                card.birth_date) == ("", "", "", "", "", None)
        assert card.deleted_at is not None and card.erased_at is not None
        phones = s.execute(select(PatientPhone).where(PatientPhone.patient_id == pid)
                           ).scalars().all()
        assert [(p.raw, p.e164) for p in phones] == [("", "")]
        erase = s.execute(select(AuditEntry).where(AuditEntry.action == "erase")).scalar_one()
        assert (erase.entity_id, erase.detail, erase.user_id) == (
            pid, "Demande écrite de la patiente", ws.user_id)
        words = s.connection().exec_driver_sql(
            "SELECT count(*) FROM patient_search_word WHERE word = ?", (marker.lower(),)
        ).scalar()
    assert words == 0
    assert not any(n in journal_text(ws) for n in needles)
    assert ws.patients.search(marker) == []
    with pytest.raises(NotFound):
        ws.patients.get(pid)
    assert holds(db, key, *needles) == [], "erased values still in the database file"
    assert ws.audit_trail.verify().ok


def test_the_file_scan_decrypts_real_pages(workspace):
    """Control of the scanner: the decrypted first page carries SQLite's header fields
    (page size 4096, 80 reserved bytes) and the schema's text is readable."""
    ws = workspace
    ws.store.checkpoint()
    pages = decrypted_pages(ws.paths.db, ws.profile.key)
    # The header's bytes 16.. (the first 16 are the salt): page size, versions, reserve.
    assert pages[0:2] == (4096).to_bytes(2, "big") and pages[4] == 80
    assert b"CREATE TABLE patient" in pages


def test_erasure_is_refused_while_the_rule_keeps_the_patient(workspace):
    ws = workspace
    agenda = build_agenda(ws)
    pid = agenda.patients[1]
    ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 10), None, pid, agenda.consult))
    ws.messages.send(MessageInput(body="Rappeler", patient_id=pid))
    before = _counts(ws)
    with pytest.raises(ErasureRefused) as refused:
        ws.rights.erase(pid, "Demande du patient")
    assert _counts(ws) == before
    message = assert_french(lambda: refused.value.user_message, "1 rendez-vous", "1 message",
                            "Rien n'a été modifié")
    assert "Réglages" in message
    assert ws.rights.erasure_refusal(pid) is not None
    assert ws.rights.erasure_refusal(agenda.patients[2]) is None


def test_with_a_rule_in_years_older_activity_is_erased_with_the_card(practice_factory, clock):
    ws = practice_factory().workspace
    agenda = build_agenda(ws)
    pid = agenda.patients[2]
    booked = ws.agenda.book(BookingInput(agenda.morel, agenda.at(MONDAY, 11), None, pid,
                                         agenda.consult, note="Note du rendez-vous")).appointment
    ws.rights.set_activity_years(2)
    with pytest.raises(ErasureRefused):
        ws.rights.erase(pid, "Demande")  # the appointment is recent
    clock.advance(days=3 * 366)
    ws.rights.erase(pid, "Demande")
    with ws.store.reader() as s:
        appointment = s.get(Appointment, booked.id)
        assert (appointment.patient_id, appointment.note) == (None, "")
        assert appointment.deleted_at is not None
    assert "Note du rendez-vous" not in journal_text(ws)


def test_a_peer_that_applies_the_erasure_erases_its_own_copies(practice_factory, marker,
                                                                   phone):
    a = practice_factory("node-a").workspace
    b = practice_factory("node-b").workspace
    fresh = practice_factory("node-c").workspace
    start = last_seq(a)
    pid = _marked(a, marker, phone)
    send_changes(a, b, start)
    assert b.patients.get(pid).birth_name == marker
    before_erase = last_seq(a)
    a.rights.erase(pid, "Demande")
    send_changes(a, b, before_erase)
    send_changes(a, fresh, start)  # one that acknowledged before the card: it never held it

    needles = _needles(marker, phone)
    with b.store.reader() as s:
        card = s.get(Patient, pid)
        assert (card.birth_name, card.erased_at is not None) == ("", True)
    with fresh.store.reader() as s:
        assert s.get(Patient, pid) is None  # nothing to erase, no blank card kept
    for ws in (b, fresh):
        assert not any(n in journal_text(ws) for n in needles), ws.paths.root.name
        assert ws.patients.search(marker) == []
        assert holds(ws.paths.db, ws.profile.key, *needles) == []


def test_only_the_owner_erases_or_exports(practice_factory, clock, tmp_path):
    ws = practice_factory().workspace
    ws.kdf = FAST_KDF
    ws.accounts.add("secretaire", "secretary", "Bureau du matin secret")
    pid = ws.patients.create(PatientInput(birth_name="Roux", first_names="Marc")).id
    paths = ws.paths
    ws.close()
    signed = sign_in(paths, clock=clock, name="secretaire", passphrase="Bureau du matin secret",
                     kdf_floor=FAST_KDF)
    other = open_workspace(paths, signed.key, clock=clock, signed_in=signed)
    try:
        before = _counts(other)
        with pytest.raises(AccessDenied):
            other.rights.erase(pid, "Demande")
        with pytest.raises(AccessDenied):
            other.rights.export(pid, tmp_path / "x.json")
        assert _counts(other) == before and not (tmp_path / "x.json").exists()
    finally:
        other.close()


def test_a_reason_is_required(workspace):
    pid = workspace.patients.create(PatientInput(birth_name="Roux", first_names="Marc")).id
    with pytest.raises(Exception) as refused:
        workspace.rights.erase(pid, " \n ")
    assert refused.value.code == "reason_missing"
    assert workspace.patients.get(pid).birth_name == "Roux"


def _counts(ws) -> tuple[int, int]:
    with ws.store.reader() as s:
        return (s.execute(select(func.count()).select_from(ChangeJournal)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


