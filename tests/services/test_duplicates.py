"""DuplicateService on a real encrypted practice: homonyms, shared phones, merges and undo."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, time

import pytest
from sqlalchemy import func, inspect, select, text

from app import i18n
from app.models import (
    AuditEntry,
    ChangeJournal,
    DuplicateDismissal,
    Patient,
    PatientMerge,
    PatientPhone,
)
from app.services import duplicates as dup
from app.services.duplicates import (
    KEPT,
    MERGE_FIELDS,
    MERGED,
    SAME_IDENTITY,
    SAME_PHONE,
    LinkMover,
    MergeRefused,
    PhoneMover,
    card_columns,
)
from app.services.errors import ConcurrentEdit
from app.services.patients import PatientInput, PhoneEntry
from app.storage.engine import make_engine
from app.storage.migrate import known_revisions
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF

# -- helpers --------------------------------------------------------------------------


def person(birth_name="Lefèvre", first_names="Hélène", birth_date="01/07/1975",
           phones=(), **over) -> PatientInput:
    return PatientInput(birth_name=birth_name, first_names=first_names, birth_date=birth_date,
                        phones=[PhoneEntry(p) for p in phones], **over)


def counts(store) -> tuple[int, ...]:
    with store.reader() as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (Patient, PatientPhone, PatientMerge, ChangeJournal, AuditEntry))


def last_seqs(store) -> tuple[int, int]:
    with store.reader() as s:
        return (s.execute(select(func.max(ChangeJournal.seq))).scalar() or 0,
                s.execute(select(func.max(AuditEntry.seq))).scalar() or 0)


def journal_after(store, seq):
    with store.reader() as s:
        return list(s.execute(select(ChangeJournal).where(ChangeJournal.seq > seq)
                              .order_by(ChangeJournal.seq)).scalars())


def audit_after(store, seq):
    with store.reader() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.seq > seq)
                              .order_by(AuditEntry.seq)).scalars())


def row(store, model, rid):
    with store.reader() as s:
        return s.get(model, rid)


def same_card(a, b) -> bool:
    """Equal details, whatever the version stamp."""
    return dataclasses.replace(a, version=0) == dataclasses.replace(b, version=0)


def found(ws, query) -> list[str]:
    return [r.id for r in ws.patients.search(query)]


@pytest.fixture
def pair(workspace, clock):
    """Two cards of the same woman, typed differently, the second one a minute later."""
    kept = workspace.patients.create(person(
        civility="mme", sex="F", phones=["06 12 34 56 78", "04 78 12 34 56"],
        email="helene.lefevre@example.fr", address_line="3 rue des Lilas", postal_code="69003",
        city="Lyon", referring_doctor="Dr Morel", admin_note="Vient le matin",
        call_not_before="9:00", call_not_after="12:00"))
    clock.advance(minutes=1)
    merged = workspace.patients.create(person(
        birth_name="LEFEVRE", used_name="Garnier", first_names="helene marie", sex="F",
        phones=["+33 4 78 12 34 56", "07 61 22 33 44"], email="h.garnier@example.fr",
        email_other="helene@example.org", address_line="12 avenue Foch", postal_code="69006",
        city="Lyon", alert="Malentendante", preferred_channel="sms", reminder_consent=True))
    clock.advance(minutes=1)
    return kept, merged


# -- similar ------------------------------------------------------------------------


def test_similar_finds_a_homonym_despite_accents_and_case(workspace):
    existing = workspace.patients.create(person())
    probe = person(birth_name="LEFEVRE", first_names="helene Marie", birth_date="1/7/1975")
    (hit,) = workspace.duplicates.similar(probe)
    assert (hit.id, hit.reasons) == (existing.id, (SAME_IDENTITY,))
    assert hit.display_name == "LEFÈVRE Hélène" and hit.birth_date == date(1975, 7, 1)
    # Another birth date, or another first first name: not a homonym.
    assert workspace.duplicates.similar(person(birth_date="02/07/1975")) == []
    assert workspace.duplicates.similar(person(first_names="Marie Hélène")) == []


def test_similar_finds_a_phone_typed_in_another_format(workspace):
    existing = workspace.patients.create(person(phones=["06 12 34 56 78"]))
    other = person(birth_name="Garnier", first_names="Paul", birth_date="",
                   phones=["+33 (0)6 12 34 56 78".replace("(0)", ""), "nonsense"])
    (hit,) = workspace.duplicates.similar(other)
    assert (hit.id, hit.reasons, hit.phone) == (existing.id, (SAME_PHONE,), "06 12 34 56 78")
    both = workspace.duplicates.similar(person(phones=["0033612345678"]))
    assert [(h.id, h.reasons) for h in both] == [(existing.id, (SAME_IDENTITY, SAME_PHONE))]


def test_similar_excludes_the_card_being_edited_and_tombstones(workspace, clock):
    me = workspace.patients.create(person(phones=["06 12 34 56 78"]))
    probe = person(phones=["06 12 34 56 78"])
    assert workspace.duplicates.similar(probe, exclude_id=me.id) == []
    twin = workspace.patients.create(person())
    assert [h.id for h in workspace.duplicates.similar(probe, exclude_id=me.id)] == [twin.id]
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.get(Patient, twin.id).deleted_at = clock.now()
    assert workspace.duplicates.similar(probe, exclude_id=me.id) == []


def test_similar_on_a_half_typed_card(workspace):
    workspace.patients.create(person())
    assert workspace.duplicates.similar(person(birth_date="01/07/19")) == []  # not a date yet
    assert workspace.duplicates.similar(PatientInput(birth_name="", first_names="")) == []


def test_similar_uses_the_indexes(workspace):
    with workspace.store.reader() as s:
        plans = [" ".join(str(r[-1]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql), args))
                 for sql, args in (
                     ("SELECT id FROM patient WHERE identity_key = :k AND deleted_at IS NULL",
                      {"k": "x"}),
                     ("SELECT patient_id FROM patient_phone WHERE e164 IN ('+33612345678')"
                      " AND deleted_at IS NULL", {}))]
    assert "ix_patient_identity_key" in plans[0]
    assert "ix_patient_phone_e164" in plans[1]


# -- pairs and dismissals ---------------------------------------------------------------


def test_list_pairs_with_reasons(workspace, pair):
    kept, merged = pair
    homonym = workspace.patients.create(person(birth_name="Lefevre", first_names="Hélène"))
    sharing = workspace.patients.create(person(birth_name="Roux", first_names="Marc",
                                               birth_date="", phones=["07 61 22 33 44"]))
    workspace.patients.create(person(birth_name="Roux", first_names="Léa", birth_date=""))
    pairs = {(p.a.id, p.b.id): p.reasons for p in workspace.duplicates.list_pairs()}
    assert pairs == {
        (kept.id, merged.id): (SAME_IDENTITY, SAME_PHONE),
        (kept.id, homonym.id): (SAME_IDENTITY,),
        (merged.id, homonym.id): (SAME_IDENTITY,),
        (merged.id, sharing.id): (SAME_PHONE,),
    }
    first = workspace.duplicates.list_pairs()[0]  # both reasons first, older card as "a"
    assert (first.a.id, first.b.id) == (kept.id, merged.id)
    assert first.a.phones == ("06 12 34 56 78", "04 78 12 34 56")
    assert first.b.display_name == "GARNIER née LEFEVRE helene marie"
    assert first.b.birth_date == date(1975, 7, 1)
    assert len(workspace.duplicates.list_pairs(limit=2)) == 2


def test_a_switchboard_number_is_not_a_duplicate_sign(workspace):
    for i in range(dup.MAX_PHONE_GROUP + 1):
        workspace.patients.create(person(birth_name=f"Résident{chr(97 + i)}", first_names="Jo",
                                         phones=["04 78 00 00 00"]))
    assert workspace.duplicates.list_pairs() == []


def test_a_dismissed_pair_is_no_longer_listed(workspace, pair):
    kept, merged = pair
    j0, _ = last_seqs(workspace.store)
    workspace.duplicates.dismiss(merged.id, kept.id)  # either order
    workspace.duplicates.dismiss(kept.id, merged.id)  # twice: one row
    assert workspace.duplicates.list_pairs() == []
    with workspace.store.reader() as s:
        rows = list(s.execute(select(DuplicateDismissal)).scalars())
    assert [(r.patient_a, r.patient_b) for r in rows] == [tuple(sorted((kept.id, merged.id)))]
    assert [(e.entity, e.op) for e in journal_after(workspace.store, j0)] == [
        ("duplicate_dismissal", "insert")]  # syncable: it reaches the other workstations
    with pytest.raises(MergeRefused):
        workspace.duplicates.dismiss(kept.id, kept.id)


def test_list_pairs_reads_groups_from_the_indexes(workspace):
    with workspace.store.reader() as s:
        plan = " ".join(str(r[-1]) for r in s.execute(text(
            "EXPLAIN QUERY PLAN " + dup._IDENTITY_PAIRS_SQL)))  # noqa: SLF001
    assert "COVERING INDEX ix_patient_identity_key" in plan


# -- merge ----------------------------------------------------------------------------


def test_merge_applies_each_choice(workspace, pair):
    kept, merged = pair
    choices = {"used_name": MERGED, "email": KEPT, "email_other": MERGED, "address": MERGED,
               "alert": MERGED, "preferred_channel": MERGED, "reminder_consent": MERGED}
    result = workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices=choices,
                                        expected_versions=(kept.version, merged.version))
    card = workspace.patients.get(kept.id)
    assert card == result.kept
    assert (card.birth_name, card.first_names, card.used_name) == ("Lefèvre", "Hélène", "Garnier")
    assert card.display_name == "GARNIER née LEFÈVRE Hélène"
    assert (card.email, card.email_other) == ("helene.lefevre@example.fr", "helene@example.org")
    assert (card.address_line, card.postal_code, card.city) == ("12 avenue Foch", "69006", "Lyon")
    assert (card.alert, card.preferred_channel, card.reminder_consent) == \
        ("Malentendante", "sms", True)
    # Untouched choices keep the kept card's values, including those the other lacks.
    assert (card.civility, card.referring_doctor, card.admin_note) == \
        ("mme", "Dr Morel", "Vient le matin")
    assert (card.call_not_before, card.call_not_after) == (time(9), time(12))
    assert set(result.changed_fields) == {"used_name", "email_other", "address", "alert",
                                          "preferred_channel", "reminder_consent"}
    with workspace.store.reader() as s:
        p = s.get(Patient, kept.id)
        assert p.sort_key == "garnier helene"
        assert p.identity_key == "lefevre|helene|1975-07-01"


def test_merge_unions_phones_and_moves_the_rows(workspace, pair):
    kept, merged = pair
    with workspace.store.reader() as s:
        new_row = s.execute(select(PatientPhone.id).where(
            PatientPhone.patient_id == merged.id, PatientPhone.e164 == "+33761223344")).scalar_one()
    result = workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                                        expected_versions=(kept.version, merged.version))
    assert [(p.raw, p.e164) for p in result.kept.phones] == [
        ("06 12 34 56 78", "+33612345678"), ("04 78 12 34 56", "+33478123456"),
        ("07 61 22 33 44", "+33761223344")]
    assert result.moved == {"patient_phone": 1}
    moved = row(workspace.store, PatientPhone, new_row)
    assert (moved.patient_id, moved.position, moved.deleted_at) == (kept.id, 2, None)
    # The number both had stays on the merged card, so nothing is lost or doubled.
    with workspace.store.reader() as s:
        left = s.execute(select(PatientPhone.e164).where(
            PatientPhone.patient_id == merged.id, PatientPhone.deleted_at.is_(None))).scalars()
        assert list(left) == ["+33478123456"]


def test_merged_card_is_tombstoned_and_not_found_any_more(workspace, pair):
    kept, merged = pair
    assert set(found(workspace, "garnier")) == {merged.id}
    assert set(found(workspace, "07 61 22 33 44")) == {merged.id}
    workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                               expected_versions=(kept.version, merged.version))
    gone = row(workspace.store, Patient, merged.id)
    assert gone.deleted_at is not None and gone.merged_into_id == kept.id
    assert workspace.patients.count() == 1
    # Only the kept card's chosen names are searchable; its new number finds it.
    assert found(workspace, "garnier") == []
    assert found(workspace, "lefevre") == [kept.id]
    assert found(workspace, "07 61 22 33 44") == [kept.id]
    with workspace.store.reader() as s:
        indexed = s.execute(text("SELECT count(*) FROM patient_search s JOIN patient_search_key k "
                                 "ON k.rowid = s.rowid WHERE k.patient_id = :id AND "
                                 "patient_search MATCH '\"garnier\"*'"), {"id": merged.id})
        assert indexed.scalar_one() == 0
    assert workspace.duplicates.list_pairs() == []


def test_chosen_names_are_the_ones_found(workspace, pair):
    kept, merged = pair
    workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id,
                               choices={"used_name": MERGED, "first_names": MERGED},
                               expected_versions=(kept.version, merged.version))
    assert found(workspace, "garnier") == [kept.id]
    assert found(workspace, "marie") == [kept.id]


def test_merge_is_one_transaction_with_journal_and_audit(workspace, pair, clock):
    kept, merged = pair
    with workspace.store.reader() as s:
        moving = s.execute(select(PatientPhone.id).where(
            PatientPhone.patient_id == merged.id, PatientPhone.e164 == "+33761223344")).scalar_one()
    j0, a0 = last_seqs(workspace.store)
    result = workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id,
                                        choices={"email": MERGED},
                                        expected_versions=(kept.version, merged.version))
    journal = journal_after(workspace.store, j0)
    assert {(e.entity, e.entity_id, e.op) for e in journal} == {
        ("patient", kept.id, "update"), ("patient_phone", moving, "update"),
        ("patient", merged.id, "delete"), ("patient_merge", result.merge_id, "insert")}
    assert len(journal) == 4
    assert {e.at for e in journal} == {clock.now()}  # one unit of work, one instant
    tomb = next(e for e in journal if e.op == "delete")
    assert json.loads(tomb.payload)["merged_into_id"] == kept.id
    audit = audit_after(workspace.store, a0)
    merges = [(a.action, a.entity_id) for a in audit if a.action == "merge"]
    assert merges == [("merge", kept.id), ("merge", merged.id)]
    assert {a.at for a in audit} == {clock.now()}
    for entry in audit:
        assert "Lef" not in entry.detail and "Garnier" not in entry.detail
        assert len(entry.detail) <= 200
    record = row(workspace.store, PatientMerge, result.merge_id)
    assert json.loads(record.kept_before)["email"] == "helene.lefevre@example.fr"
    links = json.loads(record.moved_links)["links"]
    assert [(ln["entity"], ln["before"]["patient_id"]) for ln in links] == [
        ("patient_phone", merged.id)]


def test_a_failing_link_leaves_everything_as_it_was(workspace, pair, monkeypatch):
    kept, merged = pair

    class Broken(LinkMover):
        def move(self, session, *, kept_id, merged_id):
            raise RuntimeError("disk full")

    monkeypatch.setattr(dup, "LINK_MOVERS", [PhoneMover(), Broken(DuplicateDismissal, "patient_a")])
    before = counts(workspace.store)
    with pytest.raises(RuntimeError):
        workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={"alert": MERGED},
                                   expected_versions=(kept.version, merged.version))
    assert counts(workspace.store) == before
    assert same_card(workspace.patients.get(kept.id), kept)
    assert same_card(workspace.patients.get(merged.id), merged)


def test_stale_versions_are_a_concurrent_edit(workspace, pair):
    kept, merged = pair
    edited = workspace.patients.update(kept.id, person(city="Bron"), expected_version=kept.version)
    before = counts(workspace.store)
    with pytest.raises(ConcurrentEdit):
        workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                                   expected_versions=(kept.version, merged.version))
    with pytest.raises(ConcurrentEdit):
        workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                                   expected_versions=(edited.version, merged.version - 1))
    assert counts(workspace.store) == before
    workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                               expected_versions=(edited.version, merged.version))


def test_refused_merges_say_why(workspace, pair, clock):
    kept, merged = pair
    i18n.set_language("en")
    with pytest.raises(MergeRefused) as same:
        workspace.duplicates.merge(kept_id=kept.id, merged_id=kept.id, choices={},
                                   expected_versions=(kept.version, kept.version))
    assert "itself" in same.value.user_message
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.get(Patient, merged.id).deleted_at = clock.now()
    with pytest.raises(MergeRefused) as gone:
        workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                                   expected_versions=(kept.version, merged.version))
    assert "no longer exists" in gone.value.user_message
    with pytest.raises(ValueError):
        workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={"shoe": KEPT},
                                   expected_versions=(kept.version, merged.version))


def test_every_card_column_has_a_merge_choice():
    covered = {c for cols in MERGE_FIELDS.values() for c in cols}
    assert covered == set(card_columns()) - set(dup.DERIVED_COLUMNS)
    assert {a.key for a in inspect(Patient).column_attrs} >= covered


def test_preview_shows_differences_and_what_moves(workspace, pair):
    kept, merged = pair
    a0 = last_seqs(workspace.store)[1]
    preview = workspace.duplicates.preview(kept_id=kept.id, merged_id=merged.id)
    assert same_card(preview.kept, kept) and same_card(preview.merged, merged)
    assert "birth_date" not in preview.differing and "sex" not in preview.differing
    assert {"birth_name", "used_name", "email", "address", "alert"} <= set(preview.differing)
    assert [p.e164 for p in preview.phones_added] == ["+33761223344"]
    assert preview.moves["patient_phone"] == 1
    assert not any(n for entity, n in preview.moves.items() if entity != "patient_phone")
    assert [(a.action, a.entity_id) for a in audit_after(workspace.store, a0)] == [
        ("read", kept.id), ("read", merged.id)]


# -- undo -------------------------------------------------------------------------------


def test_undo_restores_both_cards_exactly(workspace, pair, monkeypatch, clock):
    kept, merged = pair
    # A second kind of link, as appointments will be: it moves and comes back too.
    monkeypatch.setattr(dup, "LINK_MOVERS", [PhoneMover(), LinkMover(DuplicateDismissal,
                                                                       "patient_a")])
    other = workspace.patients.create(person(birth_name="Zola", first_names="Émile"))
    workspace.duplicates.dismiss(other.id, merged.id)  # stored as (merged, other): id order
    kept, merged = workspace.patients.get(kept.id), workspace.patients.get(merged.id)
    with workspace.store.reader() as s:
        phones_before = {p.id: (p.patient_id, p.position, p.deleted_at)
                         for p in s.execute(select(PatientPhone)).scalars()}
        kept_row = s.get(Patient, kept.id)
        keys_before = (kept_row.sort_key, kept_row.identity_key)
    everything = {f: MERGED for f in MERGE_FIELDS}
    result = workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices=everything,
                                        expected_versions=(kept.version, merged.version))
    assert result.moved == {"patient_phone": 1, "duplicate_dismissal": 1}
    assert not same_card(workspace.patients.get(kept.id), kept)
    clock.advance(minutes=5)
    j0, a0 = last_seqs(workspace.store)

    undone = workspace.duplicates.undo_merge(result.merge_id)

    assert same_card(undone.kept, kept) and same_card(undone.restored, merged)
    assert same_card(workspace.patients.get(kept.id), kept)
    assert same_card(workspace.patients.get(merged.id), merged)
    with workspace.store.reader() as s:
        assert {p.id: (p.patient_id, p.position, p.deleted_at)
                for p in s.execute(select(PatientPhone)).scalars()} == phones_before
        kept_row, merged_row = s.get(Patient, kept.id), s.get(Patient, merged.id)
        assert (kept_row.sort_key, kept_row.identity_key) == keys_before
        assert (merged_row.deleted_at, merged_row.merged_into_id) == (None, None)
        dismissal = s.execute(select(DuplicateDismissal)).scalar_one()
        assert (dismissal.patient_a, dismissal.patient_b) == (merged.id, other.id)
        assert s.get(PatientMerge, result.merge_id).undone_at == clock.now()
    assert set(found(workspace, "garnier")) == {merged.id}
    assert set(found(workspace, "06 12 34 56 78")) == {kept.id}
    assert set(found(workspace, "07 61 22 33 44")) == {merged.id}
    assert workspace.patients.count() == 3
    audit = audit_after(workspace.store, a0)
    assert [(a.action, a.entity_id) for a in audit if a.action == "unmerge"] == [
        ("unmerge", kept.id), ("unmerge", merged.id)]
    journal = journal_after(workspace.store, j0)
    assert {e.at for e in journal} == {clock.now()}
    assert ("patient", merged.id, "update") in {(e.entity, e.entity_id, e.op) for e in journal}
    with pytest.raises(MergeRefused) as twice:
        workspace.duplicates.undo_merge(result.merge_id)
    assert twice.value.code == "already_undone"


def test_undo_is_refused_after_the_kept_card_was_edited(workspace, pair):
    kept, merged = pair
    result = workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                                        expected_versions=(kept.version, merged.version))
    card = result.kept
    # A phone-only edit does not change the card's own version: still noticed.
    workspace.patients.update(kept.id, person(
        civility="mme", sex="F", phones=["06 12 34 56 78"], email=card.email,
        address_line=card.address_line, postal_code=card.postal_code, city=card.city,
        referring_doctor=card.referring_doctor, admin_note=card.admin_note,
        call_not_before=card.call_not_before, call_not_after=card.call_not_after),
        expected_version=card.version)
    assert workspace.patients.get(kept.id).version == card.version
    before = counts(workspace.store)
    with pytest.raises(MergeRefused) as info:
        workspace.duplicates.undo_merge(result.merge_id)
    assert info.value.code == "kept_edited"
    i18n.set_language("en")
    assert "changed after the merge" in info.value.user_message
    assert counts(workspace.store) == before
    (entry,) = workspace.duplicates.merges_for(kept.id)
    assert not entry.can_undo


def test_undo_is_refused_after_a_field_edit(workspace, pair):
    kept, merged = pair
    result = workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                                        expected_versions=(kept.version, merged.version))
    workspace.patients.update(kept.id, person(city="Bron"), expected_version=result.kept.version)
    with pytest.raises(MergeRefused):
        workspace.duplicates.undo_merge(result.merge_id)


def test_merges_for_and_recent_merges(workspace, pair, clock):
    kept, merged = pair
    assert workspace.duplicates.merges_for(kept.id) == []
    result = workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                                        expected_versions=(kept.version, merged.version))
    (for_kept,) = workspace.duplicates.merges_for(kept.id)
    (for_merged,) = workspace.duplicates.merges_for(merged.id)
    assert for_kept == for_merged
    assert (for_kept.id, for_kept.kept_id, for_kept.merged_id, for_kept.can_undo) == \
        (result.merge_id, kept.id, merged.id, True)
    assert (for_kept.kept_name, for_kept.merged_name) == ("LEFÈVRE Hélène",
                                                         "GARNIER née LEFEVRE helene marie")
    assert for_kept.at == clock.now() and for_kept.undone_at is None
    clock.advance(minutes=1)
    workspace.duplicates.undo_merge(result.merge_id)
    (entry,) = workspace.duplicates.recent_merges()
    assert entry.undone_at == clock.now() and not entry.can_undo
    # The same two cards can be merged again later, and undone again.
    kept, merged = workspace.patients.get(kept.id), workspace.patients.get(merged.id)
    again = workspace.duplicates.merge(kept_id=merged.id, merged_id=kept.id, choices={},
                                       expected_versions=(merged.version, kept.version))
    assert [m.id for m in workspace.duplicates.recent_merges()] == [again.merge_id,
                                                                    result.merge_id]


def test_undoing_an_older_merge_after_the_kept_card_was_merged_away(workspace, pair):
    kept, merged = pair
    first = workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                                       expected_versions=(kept.version, merged.version))
    third = workspace.patients.create(person(birth_name="Lefèvre", first_names="Hélène"))
    workspace.duplicates.merge(kept_id=third.id, merged_id=kept.id, choices={},
                               expected_versions=(third.version, first.kept.version))
    with pytest.raises(MergeRefused) as info:
        workspace.duplicates.undo_merge(first.merge_id)
    assert info.value.code == "kept_gone"


# -- schema -----------------------------------------------------------------------------


def test_migration_0003_creates_the_dismissal_table(workspace, passphrase):
    from alembic.script import ScriptDirectory

    from app.storage.migrate import alembic_config

    assert "0003" in known_revisions()
    assert ScriptDirectory.from_config(alembic_config()).get_revision("0003").down_revision \
        == "0002"
    paths = workspace.paths
    workspace.close()
    engine = make_engine(paths.db, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF))
    try:
        insp = inspect(engine)
        columns = {c["name"]: c for c in insp.get_columns("duplicate_dismissal")}
        assert {"patient_a", "patient_b", "id", "version", "deleted_at"} <= set(columns)
        assert not columns["patient_a"]["nullable"]
        assert [ix["column_names"] for ix in insp.get_indexes("duplicate_dismissal")] == [
            ["patient_a", "patient_b"]]
        assert {fk["referred_table"] for fk in insp.get_foreign_keys("duplicate_dismissal")} == \
            {"patient"}
    finally:
        engine.dispose()
