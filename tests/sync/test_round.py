"""Sync rounds between a practice and a remote secretary's workstation: real profiles
paired through the real pairing code, batches through a real folder."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import kinds
from app.services.agenda.views import BookingInput
from app.services.patients import PatientInput
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.sync.roundkit import pair, rows, sync


@pytest.fixture
def two(practice_factory, tmp_path):
    practice = practice_factory("practice").workspace
    remote = practice_factory("remote").workspace
    pair(practice, remote)
    folder = tmp_path / "share"
    folder.mkdir()
    return practice, remote, folder


def test_a_first_round_brings_the_practice_to_the_workstation(two):
    practice, remote, folder = two
    a = build_agenda(practice)
    booked = practice.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 9),
                                               None, a.patients[0], a.consult)).appointment.id
    first = sync(practice, folder)
    (p,) = first.peers
    assert p.sent == [1] and p.received == []
    got = sync(remote, folder)
    (r,) = got.peers
    assert r.received == [1] and r.applied > 0 and not r.refused_changes, r
    assert booked in rows(remote, kinds.APPOINTMENT)
    assert a.patients[0] in rows(remote, kinds.PATIENT)
