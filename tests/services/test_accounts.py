"""Accounts: created and changed by the owner only, each opening the practice with its
own passphrase; disabled, never deleted; every change and every failed sign-in is in
the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, User
from app.services.access import AccessDenied
from app.services.errors import ValidationError
from app.services.patients import PatientInput
from app.services.practice import list_practitioners
from app.services.workspace import open_workspace
from app.storage.errors import WrongSecretError
from app.storage.keys import KeyEnvelope
from app.storage.signin import sign_in
from tests.conftest import FAST_KDF, PASSPHRASE

SECRET = "Bureau du matin"


def _reopen(paths, clock, name=None, passphrase=PASSPHRASE):
    signed = sign_in(paths, clock=clock, name=name, passphrase=passphrase, kdf_floor=FAST_KDF)
    return open_workspace(paths, signed.key, clock=clock, signed_in=signed)


def _audit(ws, action):
    with ws.store.reader() as s:
        return s.execute(select(AuditEntry.entity_id, AuditEntry.detail, AuditEntry.user_id)
                         .where(AuditEntry.action == action)).all()


@pytest.fixture
def ws(workspace):
    workspace.kdf = FAST_KDF
    return workspace


def test_the_owner_adds_an_account_that_signs_in_with_its_own_secret(ws, clock):
    assert ws.principal.role == "owner" and ws.principal.name == "owner"
    assert ws.principal.workstation == ws.store.node_id
    added = ws.accounts.add("secretaire", "secretary", SECRET, display_name="Accueil")
    assert [a.name for a in ws.accounts.list()] == ["owner", "secretaire"]
    assert _audit(ws, "account_add") == [(added.id, "role=secretary", ws.user_id)]
    paths = ws.paths
    ws.close()
    assert KeyEnvelope.load(paths.envelope).account_names() == {"secretaire"}

    other = _reopen(paths, clock, "secretaire", SECRET)
    try:
        assert (other.principal.name, other.principal.role) == ("secretaire", "secretary")
        created = other.patients.create(PatientInput(birth_name="Durand", first_names="Léa"))
        with other.store.reader() as s:
            who = s.execute(select(AuditEntry.user_id).where(
                AuditEntry.entity_id == created.id)).scalar()
        assert who == added.id  # the unit of work stamps the person who signed in
        with pytest.raises(AccessDenied):
            other.accounts.add("autre", "secretary", SECRET)
    finally:
        other.close()
    # The owner's passphrase is no secretary's; the secretary's is not the owner's.
    with pytest.raises(WrongSecretError):
        sign_in(paths, clock=clock, name="secretaire", passphrase=PASSPHRASE,
                kdf_floor=FAST_KDF)
    with pytest.raises(WrongSecretError):
        _reopen(paths, clock, "owner", SECRET)


def test_a_name_that_is_no_account_is_refused_even_with_the_owners_secret(ws, clock):
    paths = ws.paths
    ws.close()
    with pytest.raises(WrongSecretError):
        _reopen(paths, clock, "intrus")
    again = _reopen(paths, clock, "owner")
    assert again.principal.role == "owner"
    again.close()


def test_a_disabled_account_no_longer_opens_and_is_kept(ws, clock):
    added = ws.accounts.add("distante", "remote-secretary", SECRET)
    ws.accounts.disable("distante")
    (listed,) = [a for a in ws.accounts.list() if a.name == "distante"]
    assert not listed.active
    assert _audit(ws, "account_disable") == [(added.id, "role=remote-secretary", ws.user_id)]
    with ws.store.reader() as s:
        assert s.execute(select(func.count()).select_from(User)).scalar() == 2
    with pytest.raises(ValidationError):
        ws.accounts.disable("owner")  # not one's own
    paths = ws.paths
    ws.close()
    assert KeyEnvelope.load(paths.envelope).account_names() == set()
    with pytest.raises(WrongSecretError):
        _reopen(paths, clock, "distante", SECRET)


def test_roles_are_checked_and_changes_audited(ws):
    morel = list_practitioners(ws.store)[0].id
    with pytest.raises(ValidationError) as no_link:
        ws.accounts.add("dr-morel", "practitioner", SECRET)
    assert "practitioner" in no_link.value.errors
    with pytest.raises(ValidationError):
        ws.accounts.add("x", "superuser", SECRET)
    with pytest.raises(ValidationError):
        ws.accounts.add("Bad Name", "secretary", SECRET)
    doctor = ws.accounts.add("dr-morel", "practitioner", SECRET, practitioner_id=morel)
    assert doctor.practitioner_id == morel
    with pytest.raises(ValidationError):
        ws.accounts.add("dr-morel", "secretary", SECRET)  # names are never reused
    ws.accounts.change_role("dr-morel", "secretary")
    assert _audit(ws, "account_role") == [(doctor.id, "role=practitioner->secretary",
                                           ws.user_id)]
    with pytest.raises(ValidationError):
        ws.accounts.change_role("owner", "secretary")


def test_failed_sign_ins_are_audited_when_the_practice_is_next_opened(ws, clock):
    ws.accounts.add("secretaire", "secretary", SECRET)
    paths = ws.paths
    ws.close()
    for name in ("secretaire", None):
        with pytest.raises(WrongSecretError):
            sign_in(paths, clock=clock, name=name, passphrase="pas le bon", kdf_floor=FAST_KDF)
        clock.advance(seconds=5)
    again = _reopen(paths, clock)
    try:
        failed = _audit(again, "sign_in_failed")
        assert [f[0] for f in failed] == ["secretaire", "(owner)"]
    finally:
        again.close()
    again = _reopen(paths, clock)  # written once, not at every opening
    try:
        assert len(_audit(again, "sign_in_failed")) == 2
    finally:
        again.close()


def test_a_remote_secretary_never_gets_the_administrative_note(ws, clock):
    card = ws.patients.create(PatientInput(birth_name="Roux", first_names="Marc",
                                           admin_note="Tutelle : appeler sa fille"))
    ws.accounts.add("distante", "remote-secretary", SECRET)
    paths = ws.paths
    ws.close()
    remote = _reopen(paths, clock, "distante", SECRET)
    try:
        seen = remote.patients.get(card.id)
        assert seen.admin_note == ""
        # Saving the card as the remote secretary saw it keeps the note as it was.
        remote.patients.update(card.id, PatientInput(birth_name="Roux", first_names="Marc",
                                                     city="Tours"),
                               expected_version=seen.version)
        with pytest.raises(AccessDenied):
            remote.patients.update(card.id, PatientInput(
                birth_name="Roux", first_names="Marc", admin_note="autre"),
                expected_version=seen.version)
    finally:
        remote.close()
    owner = _reopen(paths, clock)
    try:
        back = owner.patients.get(card.id)
        assert (back.city, back.admin_note) == ("Tours", "Tutelle : appeler sa fille")
    finally:
        owner.close()
