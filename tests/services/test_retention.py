"""The retention rules: what a dry run lists is what applying removes (old calls,
callbacks, messages, inactive patients, the journal's old values), nothing recent is
touched, applying twice removes nothing more, and the daily run runs once a day."""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal, Patient
from app.models.calls import Call
from app.models.messages import Message
from app.services.calls.events import CallInput
from app.services.messages import MessageInput
from app.services.patients import PatientInput, PhoneEntry
from app.services.retention import RetentionRules
from tests.conftest import assert_french


def _journal(ws) -> str:
    with ws.store.reader() as s:
        return "\n".join(s.execute(select(ChangeJournal.payload)).scalars())


@pytest.fixture
def history(workspace, clock):
    """Two years of a practice: an old call, message, inactive patient and edit; then
    the same, recent."""
    ws = workspace
    old = {
        "call": ws.calls.record(CallInput("06 11 22 33 44", clock.now(),
                                          note="Zqxoldcall demande")).id,
        "message": ws.messages.send(MessageInput(body="Zqxoldmessage rappeler", caller_name="M. Blanc")).id,
        "patient": ws.patients.create(PatientInput(
            birth_name="Zqxinactive", first_names="Lou", phones=[PhoneEntry("06 55 44 33 22")])
        ).id,
    }
    # An old call changed afterwards: its update goes with its erasure, not compacted.
    ws.calls.describe(old["call"], note="Zqxoldcall rappelé")
    edited = ws.patients.create(PatientInput(birth_name="Garnier", first_names="Léa",
                                             city="Zqxoldcity"))
    ws.patients.update(edited.id, PatientInput(birth_name="Garnier", first_names="Léa",
                                               city="Tours"), expected_version=edited.version)
    clock.advance(days=800)
    recent = {
        "call": ws.calls.record(CallInput("06 11 22 33 44", clock.now(),
                                          note="Zqxnewcall")).id,
        "message": ws.messages.send(MessageInput(body="Zqxnewmessage", caller_name="M. Noir")).id,
        "patient": edited.id,
    }
    ws.patients.get(edited.id)  # still seen: not inactive
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:  # active again: a new edit
        uow.session.get(Patient, edited.id).alert = "Malentendante"
    return old, recent


def test_a_dry_run_lists_what_applying_removes_and_changes_nothing(workspace, history):
    ws = workspace
    old, recent = history
    ws.retention.set_rules(RetentionRules(patient_years=2, call_months=12, message_months=12,
                                          journal_days=365))
    before = _counts(ws)
    dry = ws.retention.apply(dry_run=True)
    assert _counts(ws) == before
    # Read a page at a time: one row per page counts the same.
    assert ws.retention.apply(dry_run=True, batch=1) == dry
    assert [pid for pid, _name in dry.patients] == [old["patient"]]
    assert dry.patients[0][1].startswith("ZQXINACTIVE")
    assert (dry.calls, dry.messages) == (1, 1)
    assert dry.journal_entries >= 1  # the city's old value, at least

    done = ws.retention.apply()
    assert (done.patients, done.calls, done.callbacks, done.messages,
            done.journal_entries) == (dry.patients, dry.calls, dry.callbacks, dry.messages,
                                      dry.journal_entries)
    journal = _journal(ws)
    for gone in ("Zqxoldcall", "Zqxoldmessage", "Zqxinactive", "Zqxoldcity"):
        assert gone not in journal, gone
    for kept in ("Zqxnewcall", "Zqxnewmessage"):
        assert kept in journal
    with ws.store.reader() as s:
        assert s.get(Call, old["call"]).note == "" and s.get(Call, recent["call"]).note
        assert s.get(Message, old["message"]).body == ""
        assert s.get(Patient, old["patient"]).erased_at is not None
        assert s.get(Patient, recent["patient"]).city == "Tours"
        last = s.execute(select(AuditEntry).where(AuditEntry.action == "retention")
                         ).scalar_one()
    assert "patients=1" in last.detail
    # The history still says which fields changed, without the old values.
    events = ws.timeline.for_patient(recent["patient"])
    assert events

    again = ws.retention.apply(dry_run=True)
    assert again.nothing, again
    assert ws.audit_trail.verify().ok


def test_the_default_rules_are_french_and_bounds_are_refused(workspace):
    rules = workspace.retention.rules()
    assert rules == RetentionRules(patient_years=20, call_months=12, message_months=12,
                                   journal_days=365)
    with pytest.raises(Exception) as refused:
        workspace.retention.set_rules(RetentionRules(call_months=0))
    assert_french(lambda: refused.value.user_message, "rien n'a été modifié")
    assert workspace.retention.rules() == rules


def test_the_daily_run_runs_once_a_day(workspace, clock):
    ws = workspace
    assert ws.retention.due()
    assert ws.retention.apply_if_due() is not None
    assert not ws.retention.due() and ws.retention.apply_if_due() is None
    clock.advance(days=1)
    assert ws.retention.due()


def _counts(ws):
    with ws.store.reader() as s:
        return (s.execute(select(func.count()).select_from(ChangeJournal)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
                s.execute(select(func.count()).select_from(Patient)
                          .where(Patient.erased_at.is_(None))).scalar_one())




def test_after_compaction_a_peer_paired_later_builds_the_rows_as_they_are(
        practice_factory, clock):
    a = practice_factory("node-a").workspace
    fresh = practice_factory("node-c").workspace
    with a.store.reader() as s:
        start = s.execute(select(func.max(ChangeJournal.seq))).scalar()
    card = a.patients.create(PatientInput(birth_name="Garnier", first_names="Léa",
                                          city="Zqxfirstcity"))
    card = a.patients.update(card.id, PatientInput(birth_name="Garnier", first_names="Léa",
                                                   city="Amboise"),
                             expected_version=card.version)
    clock.advance(days=400)
    a.patients.update(card.id, PatientInput(birth_name="Garnier", first_names="Léa",
                                            city="Amboise", email="lea@example.org"),
                      expected_version=card.version)
    assert a.retention.apply().journal_entries == 1
    assert "Zqxfirstcity" not in _journal(a)
    # The history still names the old change: the city.
    assert any("ville" in e.detail for e in a.timeline.for_patient(card.id))

    changes = [c for _seq, c in a.store.changes_for_peer(fresh.store.node_id, after_seq=start)]
    fresh.store.apply_remote(changes, peer_node_id=a.store.node_id, actor_id=fresh.user_id)
    got = fresh.patients.get(card.id)
    assert (got.city, got.email) == ("Amboise", "lea@example.org")


def test_the_record_of_processing_states_the_practice_and_its_rules(workspace, tmp_path):
    ws = workspace
    ws.retention.set_rules(RetentionRules(call_months=6))
    out = tmp_path / "registre.md"
    ws.retention.export_record(out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Registre des activités de traitement — Cabinet médical des "
                           "Tilleuls")
    assert "6 mois" in text and "20 ans" in text and "365 jours" in text
    assert "(à compléter)" in text
    assert out.stat().st_mode & 0o077 == 0
    with pytest.raises(Exception) as exists:
        ws.retention.export_record(out)
    assert exists.value.code == "destination_exists"
