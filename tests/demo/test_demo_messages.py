"""The demo's consignes and messages: the realistic consignes the issue names, one with
two versions, and a few weeks of messages, the older ones treated."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.clock import FrozenClock
from app.demo import DemoSize, generate_demo
from app.storage.profile import ProfilePaths
from tests.conftest import FAST_KDF

AT = datetime(2026, 3, 16, 8, 30, tzinfo=timezone.utc)  # a Monday, 09:30 in Paris
SIZE = DemoSize(practitioners=3, patients=200, appointments=300, months_back=1, months_ahead=1)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = generate_demo(ProfilePaths(tmp_path_factory.mktemp("demo") / "p"), size=SIZE,
                              clock=FrozenClock(AT), kdf=FAST_KDF)
    yield workspace
    workspace.close()


def test_the_demo_has_realistic_consignes(ws):
    consignes = ws.consignes.all()
    texts = " | ".join(c.text for c in consignes)
    assert "Pas de nouveau patient le vendredi" in texts
    assert "Résultats de biologie : ne pas communiquer par téléphone" in texts
    assert "Urgence pédiatrique : transférer au cabinet" in texts
    friday = next(c for c in consignes if c.text.startswith("Pas de nouveau patient"))
    assert friday.practitioner_name == "Dr Claire Morel"
    assert friday.motif_names == ("Première consultation",) and friday.revision == 2
    versions = ws.consignes.versions(friday.id)
    assert [v.revision for v in versions] == [2, 1]
    assert versions[1].at == AT - timedelta(days=60)
    assert any(c.important and c.practitioner_id is None for c in consignes)
    assert any(c.valid_until is not None for c in consignes)


def test_the_demo_has_weeks_of_messages_the_older_ones_treated(ws):
    treated = ws.messages.treated()
    inbox = ws.messages.inbox()
    every = treated + inbox
    assert 50 <= len(every) <= 120
    assert min(m.created_at for m in every) <= AT - timedelta(days=20)
    assert all(m.created_at < AT for m in every)
    assert all(m.state == "treated" for m in every if m.created_at < AT - timedelta(days=5))
    assert any(m.state != "treated" for m in every if m.created_at < AT - timedelta(days=2))
    assert all(m.treated_at <= AT and m.read_at <= m.treated_at for m in treated)
    assert any(m.state == "new" for m in inbox) and ws.messages.unread_count().total >= 1
    assert any(m.patient_id for m in every) and any(m.caller_name for m in every)
    assert any(m.recipient_id is None for m in every)
    assert any(m.urgent for m in every)
