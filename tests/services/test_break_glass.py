"""Break-glass: a reason typed opens what the role may not, for a limited time, audited
as such, shown to the owner until reviewed; never the owner's own rights."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry
from app.services import access
from app.services.access import AccessDenied
from app.services.agenda.views import BookingInput
from app.services.break_glass import DURATION
from app.services.errors import MessageError, ValidationError
from app.services.patients import PatientInput
from app.services.workspace import open_workspace
from app.storage.signin import sign_in
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.conftest import FAST_KDF

SECRET = "Bureau du matin, cote jardin"
REASON = "Patient en détresse au téléphone, dossier à ouvrir"
NOTE = "Tutelle : appeler sa fille"


@pytest.fixture
def practice(workspace):
    ws = workspace
    ws.kdf = FAST_KDF
    agenda = build_agenda(ws)
    ws.accounts.add("distante", "remote-secretary", SECRET)
    ws.accounts.add("standard", "telephony", SECRET)
    card = ws.patients.create(PatientInput(birth_name="Roux", first_names="Marc",
                                           admin_note=NOTE))
    ws.close()
    return {"paths": ws.paths, "agenda": agenda, "card": card.id}


def _open(practice, clock, name=None, secret="correct horse"):
    signed = sign_in(practice["paths"], clock=clock, name=name, passphrase=secret,
                     kdf_floor=FAST_KDF)
    return open_workspace(practice["paths"], signed.key, clock=clock, signed_in=signed)


def _last_audit(ws):
    with ws.store.reader() as s:
        return s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()


def test_a_reason_opens_more_for_a_while_and_the_owner_sees_it(practice, clock, tmp_path):
    a = practice["agenda"]
    visit = BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 15), None, a.patients[0],
                         a.visit)  # a motif not bookable remotely
    ws = _open(practice, clock, "distante", SECRET)
    try:
        assert not ws.patients.get(practice["card"]).admin_note
        with pytest.raises(AccessDenied):
            ws.agenda.book(visit)
        with pytest.raises(ValidationError):
            ws.break_glass.open("urgent")  # a word is not a reason
        assert ws.break_glass.current() is None
        emergency = ws.break_glass.open(REASON)
        assert emergency.until == clock.now() + DURATION
        entry = _last_audit(ws)
        assert (entry.action, entry.entity_id) == ("break_glass", emergency.id)
        assert REASON not in entry.detail  # the reason stays out of the chain
        # Every service of this sign-in sees it at once.
        assert ws.may(access.EXPORT) and ws.patients.get(practice["card"]).admin_note == NOTE
        ws.agenda.book(visit)
        ws.exports.export_patients_csv(tmp_path / "urgence.csv")
        for action in (access.ACCOUNTS, access.KEYS, access.SYNC_PEERS, access.AUDIT_READ):
            with pytest.raises(AccessDenied):
                ws.require(action)
        clock.advance(minutes=31)  # it ends by itself
        assert ws.break_glass.current() is None
        with pytest.raises(AccessDenied):
            ws.exports.export_patients_csv(tmp_path / "trop-tard.csv")
        assert not (tmp_path / "trop-tard.csv").exists()
    finally:
        ws.close()

    owner = _open(practice, clock)
    try:
        assert owner.break_glass.unreviewed() == 1
        [seen] = owner.break_glass.list()
        assert (seen.reason, seen.person, seen.until) == (REASON, "distante", emergency.until)
        assert owner.break_glass.mark_reviewed([seen.id]) == 1
        assert owner.break_glass.unreviewed() == 0
        assert _last_audit(owner).action == "break_glass_review"
    finally:
        owner.close()


def test_ended_early_by_the_person_and_not_for_the_owner_or_a_phone_system(practice, clock):
    ws = _open(practice, clock, "distante", SECRET)
    try:
        ws.break_glass.open(REASON)
        ws.break_glass.end()
        assert not ws.may(access.EXPORT)
        assert _last_audit(ws).action == "break_glass_end"
        with pytest.raises(AccessDenied):
            ws.break_glass.list()  # the owner's to read
        assert ws.break_glass.unreviewed() == 0
    finally:
        ws.close()
    for name, secret in ((None, "correct horse"), ("standard", SECRET)):
        ws = _open(practice, clock, name, secret)
        try:
            with pytest.raises(MessageError):
                ws.break_glass.open(REASON)
        finally:
            ws.close()
