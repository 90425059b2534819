"""Consignes: per practitioner and practice-wide, with a validity and motifs; every edit
a new version; acknowledged once per user and revision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import ChangeJournal, Consigne, ConsigneAck, User
from app.services.consignes import ConsigneInput, ConsigneService, validity_text
from app.services.errors import ConcurrentEdit, ValidationError
from tests.agenda_fixtures import MONDAY, build_agenda

FRIDAY = MONDAY + timedelta(days=4)


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)


@pytest.fixture
def secretary(agenda) -> ConsigneService:
    ws = agenda.ws
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        user = User(display_name="Sophie", role="secretary")
        uow.session.add(user)
    return ConsigneService(ws.store, actor_id=user.id, clock=ws.clock, zone=ws.zone)


def test_every_edit_is_a_new_version_with_who_and_when(agenda, clock):
    ws = agenda.ws
    first = ws.consignes.save(ConsigneInput("Pas de nouveau patient", agenda.morel))
    assert (first.revision, first.author_name, first.practitioner_name) == (
        1, "Dr Morel", "Dr Claire Morel")
    clock.advance(hours=1)
    second = ws.consignes.save(ConsigneInput("Pas de nouveau patient le vendredi", agenda.morel,
                                             "important", motif_ids=frozenset({agenda.consult})),
                               consigne_id=first.id, expected_revision=1)
    assert second.id == first.id and second.revision == 2 and second.important
    assert second.motif_names == ("Consultation",)
    versions = ws.consignes.versions(first.id)
    assert [(v.revision, v.text) for v in versions] == [
        (2, "Pas de nouveau patient le vendredi"), (1, "Pas de nouveau patient")]
    assert versions[0].at == clock.now() and versions[1].at == clock.now() - timedelta(hours=1)
    assert versions[1].author_name == "Dr Morel" and versions[1].priority == "normal"
    with pytest.raises(ConcurrentEdit):
        ws.consignes.save(ConsigneInput("autre", agenda.morel), consigne_id=first.id,
                          expected_revision=1)
    withdrawn = ws.consignes.withdraw(first.id)
    assert withdrawn.withdrawn and withdrawn.revision == 3
    assert ws.consignes.versions(first.id)[0].withdrawn
    assert ws.consignes.all() == [] and len(ws.consignes.all(include_withdrawn=True)) == 1


def test_for_day_follows_the_practitioner_the_validity_and_the_motif(agenda):
    ws = agenda.ws
    practice = ws.consignes.save(ConsigneInput("Urgence : transférer avant le 15"))
    morel = ws.consignes.save(ConsigneInput("Pas de nouveau patient le vendredi", agenda.morel,
                                            valid_from=FRIDAY, valid_until=FRIDAY))
    faure = ws.consignes.save(ConsigneInput("Vaccins le mercredi", agenda.faure, "important"))
    visits = ws.consignes.save(ConsigneInput("Visites : demander l'adresse", agenda.morel,
                                             motif_ids=frozenset({agenda.visit})))
    ids = lambda views: [v.id for v in views]  # noqa: E731
    assert ids(ws.consignes.for_day(agenda.morel, MONDAY)) == [visits.id, practice.id]
    assert ids(ws.consignes.for_day(agenda.morel, FRIDAY)) == [morel.id, visits.id, practice.id]
    assert ids(ws.consignes.for_day(agenda.morel, FRIDAY, motif_id=agenda.consult)) == [
        morel.id, practice.id]
    assert ids(ws.consignes.for_day(agenda.faure)) == [faure.id, practice.id]  # today
    assert ids(ws.consignes.for_day(None, MONDAY)) == [practice.id]
    assert validity_text(None, None) == "Permanente"
    assert validity_text(FRIDAY, FRIDAY) == "Du 20/03/2026 au 20/03/2026"


def test_a_new_or_changed_consigne_waits_for_each_users_acknowledgement(agenda, secretary):
    ws = agenda.ws
    c = ws.consignes.save(ConsigneInput("Résultats de biologie : pas au téléphone"))
    assert ws.consignes.unacknowledged() == []  # its author has read it
    waiting = secretary.unacknowledged()
    assert [(v.id, v.revision) for v in waiting] == [(c.id, 1)]
    assert secretary.acknowledge([(c.id, 1)]) == 1
    assert secretary.unacknowledged() == []
    assert secretary.acknowledge([(c.id, 1)]) == 0  # once
    ws.consignes.save(ConsigneInput("Résultats : jamais au téléphone"), consigne_id=c.id)
    assert [v.revision for v in secretary.unacknowledged()] == [2]
    # Acknowledging the revision she saw does not acknowledge a newer one.
    ws.consignes.save(ConsigneInput("Résultats : jamais au téléphone, ni par mail"),
                      consigne_id=c.id)
    secretary.acknowledge([(c.id, 2)])
    assert [v.revision for v in secretary.unacknowledged()] == [3]
    with ws.store.reader() as s:
        acks = s.execute(select(ConsigneAck.user_id, ConsigneAck.revision)
                         .order_by(ConsigneAck.created_at, ConsigneAck.revision)).all()
    assert len(acks) == 5  # the author's three and the secretary's two


def test_expired_and_withdrawn_consignes_need_no_acknowledgement(agenda, secretary):
    ws = agenda.ws
    ws.consignes.save(ConsigneInput("Fermé la semaine dernière",
                                    valid_from=MONDAY - timedelta(days=7),
                                    valid_until=MONDAY - timedelta(days=1)))
    gone = ws.consignes.save(ConsigneInput("Retirée"))
    ws.consignes.withdraw(gone.id)
    coming = ws.consignes.save(ConsigneInput("À partir de vendredi", valid_from=FRIDAY))
    assert [v.id for v in secretary.unacknowledged()] == [coming.id]


@pytest.mark.parametrize("data, field", [
    (ConsigneInput(" "), "text"),
    (ConsigneInput("x" * 1001), "text"),
    (ConsigneInput("texte", priority="urgent"), "priority"),
    (ConsigneInput("texte", valid_from=FRIDAY, valid_until=MONDAY), "valid_until"),
    (ConsigneInput("texte", practitioner_id="nobody"), "practitioner"),
    (ConsigneInput("texte", motif_ids=frozenset({"nothing"})), "motifs"),
])
def test_bad_input_is_refused_and_writes_nothing(agenda, data, field):
    ws = agenda.ws
    with ws.store.reader() as s:
        before = s.execute(select(func.count()).select_from(ChangeJournal)).scalar()
    with pytest.raises(ValidationError) as info:
        ws.consignes.save(data)
    assert field in info.value.errors
    with ws.store.reader() as s:
        assert s.execute(select(func.count()).select_from(ChangeJournal)).scalar() == before
        assert s.execute(select(func.count()).select_from(Consigne)).scalar() == 0
